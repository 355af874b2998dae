'use strict'

// The demo's signalling server is network input mafalda's project
// controls: no message a client sends may end the process, a peer id
// cannot be taken over, and a room goes when its last peer leaves.

const WebSocket = require('ws')
const mafalda = require('..')
const { startServer } = require('../examples/room/server')
const { waitFor } = require('./helpers')

/** A client socket that collects the replies it gets. */
async function connect (server, query) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?${query}`)
  const client = { socket, replies: [], closed: null }
  socket.on('message', (message) => client.replies.push(JSON.parse(message)))
  socket.on('close', (code) => { client.closed = code })
  socket.on('error', () => {})
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  return client
}

/** Sends `message` and waits for the next reply (undefined if the socket closes first). */
async function roundTrip (client, message, options) {
  const count = client.replies.length
  const replied = new Promise((resolve) => {
    const settle = () => {
      client.socket.off('message', settle)
      client.socket.off('close', settle)
      resolve()
    }
    client.socket.on('message', settle)
    client.socket.on('close', settle)
  })
  client.socket.send(message, options)
  await replied
  return client.replies[count]
}

/** Random JSON-ish values: wrong types, deep nesting, odd numbers, long strings. */
function randomValue (random, depth = 0) {
  const pick = Math.floor(random() * 12)
  switch (pick) {
    case 0: return null
    case 1: return random() < 0.5
    case 2: return [0, -1, 1e308, -0, 2 ** 53 + 1, 0.5][Math.floor(random() * 6)]
    case 3: return 'x'.repeat(Math.floor(random() * 300))
    case 4: return depth < 6 ? Array.from({ length: 3 }, () => randomValue(random, depth + 1)) : []
    case 5: return depth < 6 ? { transportId: randomValue(random, depth + 1), kind: randomValue(random, depth + 1) } : {}
    case 6: return 'video'
    case 7: return 'audio'
    case 8: return { codecs: [], encodings: [{ ssrc: 1 }] }
    case 9: return '00000000-0000-0000-0000-000000000000'
    case 10: return { role: 'client', fingerprints: [] }
    default: return {}
  }
}

/** A small deterministic generator (the failures it finds can be replayed). */
function seeded (seed) {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('demo signalling server', () => {
  let server

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
  }, 30000)

  afterAll(async () => {
    await server?.close()
  })

  test('malformed and hostile messages get an error reply and the server goes on', async () => {
    const client = await connect(server, 'room=fuzz&peer=alice')
    const malformed = [
      'x', '', '[]', 'null', '1', '"text"', '{', '{"id":1}', '{"id":1,"method":"nope"}',
      '{"id":2,"method":"produce","data":{"transportId":5}}', '{"id":3,"method":"consume","data":[]}',
      '{"id":{"a":1},"method":"join"}', '{"id":4,"method":"__proto__"}', '{"id":5,"method":"constructor"}',
      '{"id":6,"method":"connectWebRtcTransport","data":{"transportId":"nope","dtlsParameters":{}}}',
      '{"id":7,"method":"resumeConsumer","data":{"consumerId":"nope"}}',
      JSON.stringify({ id: 8, method: 'join', data: { rtpCapabilities: null } }),
      '['.repeat(5000) + ']'.repeat(5000)
    ]
    for (const message of malformed) {
      const reply = await roundTrip(client, message)
      expect(reply).toMatchObject({ ok: false })
      expect(typeof reply.error).toBe('string')
    }
    expect(await roundTrip(client, Buffer.from([1, 2, 3]), { binary: true })).toMatchObject({ ok: false })

    // Random requests over every method, a few thousand of them.
    const random = seeded(20261201)
    const methods = ['getRouterRtpCapabilities', 'createWebRtcTransport', 'connectWebRtcTransport', 'join',
      'produce', 'consume', 'resumeConsumer', 'other']
    for (let i = 0; i < 2000; i++) {
      const request = { id: i, method: methods[Math.floor(random() * methods.length)], data: randomValue(random) }
      const reply = await roundTrip(client, JSON.stringify(request))
      expect(reply.id).toBe(i)
    }
    expect(client.closed).toBe(null)
    const capabilities = await roundTrip(client, JSON.stringify({ id: 'last', method: 'getRouterRtpCapabilities' }))
    expect(capabilities).toMatchObject({ id: 'last', ok: true })
    expect(capabilities.data.codecs.length).toBeGreaterThan(0)
    client.socket.close()
  }, 60000)

  test('an oversized message closes that socket only', async () => {
    const big = await connect(server, 'room=big')
    const other = await connect(server, 'room=big')
    big.socket.send('x'.repeat(1024 * 1024))
    await waitFor(() => big.closed !== null)
    expect(big.closed).toBe(1009)
    expect(await roundTrip(other, JSON.stringify({ id: 1, method: 'getRouterRtpCapabilities' }))).toMatchObject({ ok: true })
    other.socket.close()
  })

  test('a second client cannot take a peer id that is in the room', async () => {
    const first = await connect(server, 'room=ids&peer=bob')
    expect(await roundTrip(first, JSON.stringify({ id: 1, method: 'getRouterRtpCapabilities' }))).toMatchObject({ ok: true })
    const second = await connect(server, 'room=ids&peer=bob')
    await waitFor(() => second.closed !== null)
    expect(second.closed).toBe(4409)
    // The first is still bob.
    expect(await roundTrip(first, JSON.stringify({ id: 2, method: 'join', data: { rtpCapabilities: {} } })))
      .toMatchObject({ ok: true, data: { peerId: 'bob' } })
    first.socket.close()
  })

  test('a room closes, router included, when its last peer leaves', async () => {
    const clients = [await connect(server, 'room=gone'), await connect(server, 'room=gone')]
    for (const client of clients) {
      expect(await roundTrip(client, JSON.stringify({ id: 1, method: 'createWebRtcTransport', data: { direction: 'send' } })))
        .toMatchObject({ ok: true })
    }
    const router = (await server.rooms.get('gone')).router
    clients[0].socket.close()
    await waitFor(() => clients[0].closed !== null)
    expect(server.rooms.has('gone')).toBe(true)
    clients[1].socket.close()
    await waitFor(() => !server.rooms.has('gone') && router.closed)
    const routers = (await mafalda.dump()).workers.flatMap((w) => w.routers.flatMap((r) => r.routerIds))
    expect(routers).not.toContain(router.id)
  })
})

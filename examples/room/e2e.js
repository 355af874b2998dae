'use strict'

// End-to-end run of the demo with real browsers: headless Chromium with fake
// camera and microphone, three peers in one room spread over two real
// workers. Prints one JSON line with what it saw; __test__/browser.spec.js
// runs it (inside a network namespace with loopback only, when it can) and
// asserts on it.
//
// With --cluster, the room is split over two instances instead: this
// process (one worker, joined to a cluster on 127.0.0.1) and a mafalda-node
// on 127.0.0.2, both on a redis-server of their own; the third peer's
// transports go to the media node and media crosses between the two.
//
//   node examples/room/e2e.js [--screenshot docs/demo.png] [--cluster]

const path = require('node:path')
const os = require('node:os')
const fs = require('node:fs')
const net = require('node:net')
const dgram = require('node:dgram')
const { chromium } = require('playwright-core')
const mafalda = require('../..')
const { startServer } = require('./server')
const { startRedis, startNode, stopAll } = require('../../__test__/support/cluster')

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function until (what, predicate, timeout = 30000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await predicate()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

async function pipes () {
  if (mafalda.cluster.self) {
    const { instances } = await mafalda.cluster.dump()
    return {
      instances: instances.filter((i) => i.workers.some((w) => w.routers.length > 0)).length,
      pipesIn: instances.reduce((n, i) => n + i.pipesIn.length, 0),
      pipesOut: instances.reduce((n, i) => n + i.pipesOut.length, 0)
    }
  }
  const { workers } = await mafalda.dump()
  const routers = workers.flatMap((w) => w.routers)
  return {
    workers: workers.filter((w) => w.routers.length > 0).length,
    pipeConsumers: routers.reduce((n, r) => n + r.pipeConsumers, 0),
    pipeProducers: routers.reduce((n, r) => n + r.pipeProducers, 0)
  }
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort () {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address()
        probe.close(() => resolve(port))
      }).on('error', reject)
    })
    const udpFree = await new Promise((resolve) => {
      const socket = dgram.createSocket('udp4')
      socket.on('error', () => resolve(false))
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
    })
    if (udpFree) return port
  }
}

/** The UDP candidates (`address:port`) the server's WebRtcTransports announce, per peer. */
async function iceCandidates (server) {
  const candidates = {}
  for (const pending of server.rooms.values()) {
    const room = await pending
    for (const peer of room.peers.values()) {
      candidates[peer.id] = [...peer.transports.values()].map((t) => {
        const { address, port } = t.iceCandidates.find((c) => c.protocol === 'udp')
        return { address, port }
      })
    }
  }
  return candidates
}

async function main () {
  const screenshotIndex = process.argv.indexOf('--screenshot')
  const screenshot = screenshotIndex > 0 ? process.argv[screenshotIndex + 1] : undefined
  const cluster = process.argv.includes('--cluster')
  // Small budget: the third peer's transports land on a second worker (or,
  // in a cluster, on the media node), so media between it and the others
  // crosses pipes.
  mafalda.configure({ consumerBudget: 4, maxWorkers: cluster ? 1 : 2, pipeLinger: 500 })
  let node
  if (cluster) {
    const redis = await startRedis()
    const secret = 'e2e-cluster'
    node = await startNode({ redis: redis.url, address: '127.0.0.2', secret })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret })
  }
  // As EduMeet 4: every transport listens through one WebRtcServer, which
  // mafalda backs with a real server on each worker the room uses.
  const webRtcServerPort = await freePort()
  const server = await startServer({ port: 0, webRtcServerPort })
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-e2e-'))
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'
    ]
  })
  const result = { ok: false }
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } })
    const peers = ['alice', 'bob', 'carol']
    const pages = {}
    for (const peer of peers) {
      const page = await context.newPage()
      page.on('pageerror', (error) => { result.pageErrors = [...(result.pageErrors || []), `${peer}: ${error.message}`] })
      if (process.env.E2E_DEBUG) page.on('websocket', (ws) => { ws.on('framesent', (f) => console.error(peer, '>', String(f.payload).slice(0, 120))); ws.on('framereceived', (f) => console.error(peer, '<', String(f.payload).slice(0, 120))) })
      await page.goto(`${server.url}/?room=e2e&peer=${peer}`)
      await until(`${peer} ready`, () => page.evaluate(() => window.demoReady || window.demoError))
      const error = await page.evaluate(() => window.demoError)
      if (error) throw new Error(`${peer}: ${error}`)
      pages[peer] = page
      // Everyone present receives the newcomer before the next one joins.
      for (const other of Object.keys(pages)) {
        await until(`${other} receiving`, async () => {
          const stats = await pages[other].evaluate(() => window.demoStats())
          return Object.keys(stats).length === Object.keys(pages).length - 1
        })
      }
    }

    // Every peer decodes video frames and receives audio from every other.
    const seen = async () => {
      const all = {}
      for (const peer of peers) all[peer] = await pages[peer].evaluate(() => window.demoStats())
      return all
    }
    const first = await seen()
    await until('frames decoded from everyone', async () => {
      const now = await seen()
      return peers.every((peer) => peers.filter((p) => p !== peer).every((other) =>
        now[peer][other]?.video?.framesDecoded > (first[peer][other]?.video?.framesDecoded ?? 0) + 10 &&
        now[peer][other]?.audio?.packetsReceived > 20))
    }, 45000)
    result.stats = await seen()
    result.during = await pipes()
    result.webRtcServerPort = webRtcServerPort
    result.iceCandidates = await iceCandidates(server)
    result.icePorts = Object.fromEntries(Object.entries(result.iceCandidates).map(([peer, c]) => [peer, c.map((x) => x.port)]))
    result.dump = await mafalda.dump()
    if (cluster) result.nodeId = node.id
    if (screenshot) {
      await sleep(1000)
      await pages.alice.screenshot({ path: screenshot })
    }

    // Carol leaves: the others stop showing her, and pipes go.
    await pages.carol.close()
    await until('carol gone from the others', async () => {
      for (const peer of ['alice', 'bob']) {
        if (await pages[peer].evaluate(() => window.demoVideoElements()) !== 1) return false
      }
      return true
    })
    result.videosAfterLeave = {
      alice: await pages.alice.evaluate(() => window.demoVideoElements()),
      bob: await pages.bob.evaluate(() => window.demoVideoElements())
    }
    await until('pipes closed', async () => {
      const now = await pipes()
      return cluster ? now.pipesIn === 0 && now.pipesOut === 0 : now.pipeConsumers === 0
    }, 15000)
    result.afterLeave = await pipes()
    result.ok = true
  } catch (error) {
    result.error = error.stack || String(error)
  } finally {
    await browser.close().catch(() => {})
    await server.close().catch(() => {})
    if (cluster) {
      await mafalda.cluster.leave().catch(() => {})
      result.nodeExit = await node.stop()
      await stopAll()
    }
    fs.rmSync(userDataDir, { recursive: true, force: true })
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main()

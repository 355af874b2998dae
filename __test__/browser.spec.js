'use strict'

// Real WebRTC clients: three headless Chromium peers (mediasoup-client, fake
// camera and microphone) in one room of the demo app, spread over two real
// workers. examples/room/e2e.js drives them and reports what the browsers'
// own RTCPeerConnection stats show; it runs in a network namespace with
// loopback only when this process may create one, so no packet leaves lo.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const haveChromium = fs.existsSync(chromium)

function canIsolate () {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' })
    return true
  } catch (_) {
    return false
  }
}

function runE2e (...args) {
  const script = path.join(root, 'examples', 'room', 'e2e.js')
  const command = [process.execPath, script, ...args].map((a) => `"${a}"`).join(' ')
  const run = canIsolate()
    ? spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${command}`], { encoding: 'utf8', timeout: 150000 })
    : spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 150000 })
  const line = run.stdout.trim().split('\n').pop()
  try {
    return JSON.parse(line)
  } catch (_) {
    throw new Error(`e2e run printed no result (status ${run.status}):\n${run.stdout}\n${run.stderr}`)
  }
}

/** Every peer decoded video frames and received audio from every other one (their browsers' stats). */
function expectEveryPeerDecodesEveryOther (result) {
  const peers = ['alice', 'bob', 'carol']
  for (const peer of peers) {
    for (const other of peers.filter((p) => p !== peer)) {
      const received = result.stats[peer][other]
      expect(received.video.framesDecoded).toBeGreaterThan(10)
      expect(received.audio.packetsReceived).toBeGreaterThan(20)
    }
  }
}

// CI installs Chromium; elsewhere the test says why it did not run.
const suite = haveChromium || process.env.CI ? describe : describe.skip

suite('real browsers through mafalda (demo room, 3 peers, 2 workers)', () => {
  let result

  beforeAll(() => { result = runE2e() }, 160000)

  test('the run completed', () => {
    expect(result.error).toBeUndefined()
    expect(result.pageErrors).toBeUndefined()
    expect(result.ok).toBe(true)
  })

  test('every peer decodes video frames and receives audio from every other peer', () => {
    expectEveryPeerDecodesEveryOther(result)
  })

  test('the room spans two real workers and media crosses pipes', () => {
    expect(result.during.workers).toBe(2)
    expect(result.during.pipeConsumers).toBeGreaterThan(0)
    expect(result.during.pipeProducers).toBe(result.during.pipeConsumers)
    const rooms = new Set(result.dump.workers.flatMap((w) => w.routers.flatMap((r) => r.routerIds)))
    expect(rooms.size).toBe(1)
  })

  test('all transports listen through one WebRtcServer: its own port on the first worker, one more on the second', () => {
    const ports = new Set(Object.values(result.icePorts).flat())
    expect(ports.size).toBe(2)
    expect(ports.has(result.webRtcServerPort)).toBe(true)
  })

  test('a peer leaving: the others stop showing it and the pipes close', () => {
    expect(result.videosAfterLeave).toEqual({ alice: 1, bob: 1 })
    expect(result.afterLeave.pipeConsumers).toBe(0)
    expect(result.afterLeave.pipeProducers).toBe(0)
  })
})

suite('real browsers through mafalda, the room split over two instances of a cluster', () => {
  let result

  beforeAll(() => { result = runE2e('--cluster') }, 160000)

  test('the run completed and the media node left cleanly', () => {
    expect(result.error).toBeUndefined()
    expect(result.pageErrors).toBeUndefined()
    expect(result.ok).toBe(true)
    expect(result.nodeExit).toEqual({ code: 0, signal: null })
  })

  test('the third peer connects to the media node directly, through its counterpart of the WebRtcServer', () => {
    const addresses = (peer) => new Set(result.iceCandidates[peer].map((c) => c.address))
    expect(addresses('alice')).toEqual(new Set(['127.0.0.1']))
    expect(addresses('bob')).toEqual(new Set(['127.0.0.1']))
    expect(addresses('carol')).toEqual(new Set(['127.0.0.2']))
    expect(result.icePorts.alice).toEqual([result.webRtcServerPort, result.webRtcServerPort])
  })

  test('every peer decodes video frames and receives audio from every other peer, across the machines', () => {
    expectEveryPeerDecodesEveryOther(result)
  })

  test('one pipe per (producer, other instance) while all are in; none once the third peer left', () => {
    // alice's and bob's audio and video to the node, carol's two here.
    expect(result.during).toEqual({ instances: 2, pipesIn: 6, pipesOut: 6 })
    expect(result.afterLeave.pipesIn).toBe(0)
    expect(result.afterLeave.pipesOut).toBe(0)
  })
})

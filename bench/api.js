'use strict'

// Control-plane benchmark: the same sequence of API calls through mafalda
// and through the `mediasoup` npm package, in one process, alternating
// rounds so that both see the same machine state.
//
//   npm run bench:api                # 300 operations of each kind per round
//   npm run bench:api -- --smoke     # a few, to keep the script working
//   npm run bench:api -- --count 500 --rounds 3 --concurrency 16
//
// For every operation it prints ops/s with one call in flight (what one
// signalling handler sees), p50/p99 latency of those calls, and ops/s with
// `--concurrency` calls in flight (what a busy server sees).

const os = require('node:os')
const { performance } = require('node:perf_hooks')
const { parseArgs } = require('./harness')

const args = parseArgs(process.argv.slice(2))
const COUNT = args.smoke ? 10 : Number(args.count ?? 300)
const ROUNDS = args.smoke ? 1 : Number(args.rounds ?? 2)
const CONCURRENCY = Number(args.concurrency ?? 16)

const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
]
const LISTEN_INFOS = [{ protocol: 'udp', ip: '127.0.0.1' }]
const DTLS_PARAMETERS = {
  role: 'client',
  fingerprints: [{
    algorithm: 'sha-256',
    value: '82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD'
  }]
}

function audioParameters (n) {
  return {
    mid: String(n),
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc: 10_000_000 + n }]
  }
}

/**
 * The two implementations behind one small interface: how to get a room
 * whose transports can be put on the first or on a second worker.
 */
const implementations = {
  async mediasoup () {
    const mediasoup = require('mediasoup')
    const workers = [
      await mediasoup.createWorker({ logLevel: 'error' }),
      await mediasoup.createWorker({ logLevel: 'error' })
    ]
    const routers = [
      await workers[0].createRouter({ mediaCodecs: MEDIA_CODECS }),
      await workers[1].createRouter({ mediaCodecs: MEDIA_CODECS })
    ]
    return {
      name: 'mediasoup',
      version: mediasoup.version,
      rtpCapabilities: routers[0].rtpCapabilities,
      transportOnFirst: () => routers[0].createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      transportOnSecond: () => routers[1].createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      // What an application on plain mediasoup does to consume a producer
      // of another worker: pipe it, then consume.
      async consumeRemote (transport, producerId) {
        await routers[0].pipeToRouter({ producerId, router: routers[1] })
        return transport.consume({ producerId, rtpCapabilities: routers[1].rtpCapabilities })
      },
      close () {
        for (const worker of workers) worker.close()
      }
    }
  },

  async mafalda () {
    const mafalda = require('..')
    const before = mafalda.getConfiguration()
    // Placement is driven by consumer counts here, not by the CPU the
    // benchmark itself causes, so that every operation is the kind it says.
    mafalda.configure({ cpuWatermark: 10_000, consumerBudget: 1_000_000, pipeLinger: 60_000 })
    const worker = await mafalda.createWorker({ logLevel: 'error' })
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
    return {
      name: 'mafalda',
      version: require('../package.json').version,
      rtpCapabilities: router.rtpCapabilities,
      transportOnFirst: () => router.createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      async transportOnSecond () {
        // A budget the first worker already exceeds: the room grows a real
        // router on the other worker for the next transport.
        mafalda.configure({ consumerBudget: 1 })
        try {
          return await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS })
        } finally {
          mafalda.configure({ consumerBudget: 1_000_000 })
        }
      },
      // mafalda pipes on demand inside consume().
      consumeRemote: (transport, producerId) =>
        transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities }),
      close () {
        worker.close()
        mafalda.configure({
          cpuWatermark: before.cpuWatermark,
          consumerBudget: before.consumerBudget,
          pipeLinger: before.pipeLinger
        })
      },
      /** Pipe consumers in the pool, as the real routers report them. */
      async checkRemote () {
        const dump = await mafalda.dump()
        return dump.workers.flatMap((w) => w.routers).reduce((n, r) => n + r.pipeConsumers, 0)
      }
    }
  }
}

/** Runs `op(i)` for i in [0, n) one at a time; returns latencies and wall time. */
async function sequential (n, op) {
  const latencies = []
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await op(i)
    latencies.push(performance.now() - t)
  }
  return { latencies, wall: performance.now() - start }
}

/** Runs `op(i)` for i in [0, n) with `CONCURRENCY` in flight; returns wall time. */
async function concurrent (n, op) {
  let next = 0
  const start = performance.now()
  const lanes = Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
    while (next < n) await op(next++)
  })
  await Promise.all(lanes)
  return performance.now() - start
}

/**
 * One round through one implementation: every operation COUNT times one at
 * a time, then COUNT times concurrently, on fresh objects.
 */
async function round (impl) {
  const results = {}
  const record = (name, seq, wallConcurrent) => {
    results[name] = { latencies: seq.latencies, seqWall: seq.wall, concWall: wallConcurrent, count: COUNT }
  }
  const twice = async (name, makeOp) => {
    const seq = await sequential(COUNT, makeOp(0))
    const conc = await concurrent(COUNT, makeOp(COUNT))
    record(name, seq, conc)
  }

  const transports = []
  await twice('createWebRtcTransport', (base) => async (i) => {
    transports[base + i] = await impl.transportOnFirst()
  })
  await twice('connect', (base) => (i) => transports[base + i].connect({ dtlsParameters: DTLS_PARAMETERS }))

  // One sending transport, one receiving transport on the same worker, and
  // one receiving transport on the other worker.
  const sender = transports[0]
  const localReceiver = transports[1]
  const producers = []
  await twice('produce', (base) => async (i) => {
    producers[base + i] = await sender.produce({ kind: 'audio', rtpParameters: audioParameters(base + i) })
  })
  await twice('consume (local)', (base) => (i) =>
    localReceiver.consume({ producerId: producers[base + i].id, rtpCapabilities: impl.rtpCapabilities }))

  const remoteReceiver = await impl.transportOnSecond()
  await twice('consume (new pipe)', (base) => (i) =>
    impl.consumeRemote(remoteReceiver, producers[base + i].id))
  const pipes = impl.checkRemote ? await impl.checkRemote() : undefined

  // close(): transports with their producers and consumers cascade.
  const closeSeq = { latencies: [], wall: 0 }
  let start = performance.now()
  for (let i = 2; i < COUNT; i++) {
    const t = performance.now()
    transports[i].close()
    closeSeq.latencies.push(performance.now() - t)
  }
  closeSeq.wall = performance.now() - start
  start = performance.now()
  for (let i = COUNT; i < 2 * COUNT; i++) transports[i].close()
  record('close (transport)', closeSeq, performance.now() - start)
  results['close (transport)'].count = COUNT - 2
  return { results, pipes }
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

function summarize (samples) {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b)
  const count = samples.reduce((n, s) => n + s.count, 0)
  const seqWall = samples.reduce((n, s) => n + s.seqWall, 0)
  const concWall = samples.reduce((n, s) => n + s.concWall, 0)
  return {
    seqOps: (count / seqWall) * 1000,
    concOps: (count / concWall) * 1000,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99)
  }
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

async function main () {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  console.log(`# control plane: ${os.cpus().length} cores, ${cpu}, Node ${process.version}`)
  console.log(`# ${COUNT} operations of each kind per round, ${ROUNDS} round(s) each, alternating; ` +
    `concurrent = ${CONCURRENCY} in flight\n`)

  const samples = { mafalda: {}, mediasoup: {} }
  const versions = {}
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so neither always runs on a warmer machine.
    const order = r % 2 === 0 ? ['mediasoup', 'mafalda'] : ['mafalda', 'mediasoup']
    for (const name of order) {
      const impl = await implementations[name]()
      versions[name] = impl.version
      try {
        const { results, pipes } = await round(impl)
        if (pipes !== undefined && pipes < 2 * COUNT) {
          throw new Error(`expected ${2 * COUNT} pipe consumers in mafalda, found ${pipes}`)
        }
        for (const [op, result] of Object.entries(results)) {
          (samples[name][op] ??= []).push(result)
        }
      } finally {
        impl.close()
      }
      // Let closes reach the workers before the next round.
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }

  console.log(`mafalda ${versions.mafalda} vs mediasoup ${versions.mediasoup}\n`)
  const header = ['operation', 'mafalda ops/s', 'mediasoup ops/s', 'ratio',
    'mafalda p50/p99 ms', 'mediasoup p50/p99 ms',
    `mafalda ops/s ×${CONCURRENCY}`, `mediasoup ops/s ×${CONCURRENCY}`, 'ratio ×' + CONCURRENCY]
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const op of Object.keys(samples.mafalda)) {
    const m = summarize(samples.mafalda[op])
    const s = summarize(samples.mediasoup[op])
    const latency = (x) => `${fmt(x.p50, 3)} / ${fmt(x.p99, 3)}`
    console.log(`| ${[op, fmt(m.seqOps), fmt(s.seqOps), fmt(m.seqOps / s.seqOps, 2),
      latency(m), latency(s), fmt(m.concOps), fmt(s.concOps), fmt(m.concOps / s.concOps, 2)].join(' | ')} |`)
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})

'use strict'

// Soak: N cycles of what a conference does all day — a room, peers joining
// on transports, producing and consuming across workers (pipes on), data
// channels, then everything closed — while the process's RSS and the
// pool's contents are sampled. After the run nothing may be left: no
// router, transport, pipe or channel handler on any real worker, and
// (with idleWorkerTimeout 0) no worker.
//
//   npm run soak -- --cycles 10000        # the run docs/reliability.md reports
//   npm run soak -- --cycles 50           # a few (CI)
//
// Output: one line per sample (cycle, RSS MiB, live workers, pipes seen
// during the cycle), then the RSS after warm-up (the first 10 % of the
// cycles, at least 500, at most half: the allocator's arenas grow for the
// first few hundred cycles before RSS levels off):
// min, max and drift (last sample against the first after warm-up), and
// what was left at the end. Exits 1 if anything was left, or if the run
// is long enough to judge (>= 1,000 cycles) and RSS drifted more than 5 %.

const mafalda = require('..')
const media = require('./media')

const { mediaCodecs, listenInfo } = media

const args = process.argv.slice(2)
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const CYCLES = arg('cycles', 1000)
const SAMPLES = Math.min(CYCLES, 20)
const PEERS = 4

let ssrc = 1000
const rtpParameters = (kind) => media.rtpParameters(kind, ++ssrc)

/** Totals over every real router of the pool. */
async function poolContents () {
  const { workers } = await mafalda.dump()
  const routers = workers.flatMap((w) => w.routers)
  const sum = (field) => routers.reduce((n, r) => n + r[field], 0)
  return {
    workers: workers.length,
    routers: routers.length,
    transports: sum('transports'),
    producers: sum('producers'),
    consumers: sum('consumers'),
    pipes: sum('pipeProducers') + sum('pipeConsumers') + sum('pipeDataProducers') + sum('pipeDataConsumers'),
    handlers: workers.reduce((n, w) => n + w.handlers.length, 0)
  }
}

/** One conference: peers join, send audio, video and data, receive everyone else's, leave. */
async function cycle (index) {
  const room = await mafalda.createRouter({ mediaCodecs })
  const capabilities = { codecs: room.rtpCapabilities.codecs, headerExtensions: [] }
  const peers = []
  const consume = (peer, other) => Promise.all([
    ...other.producers.map((producer) => peer.recv.consume({ producerId: producer.id, rtpCapabilities: capabilities, paused: index % 2 === 0 })),
    peer.recv.consumeData({ dataProducerId: other.dataProducer.id })
  ])
  for (let p = 0; p < PEERS; p++) {
    // Alternate transport kinds, as browsers and gateways mix.
    const send = p % 2 === 0
      ? await room.createPlainTransport({ listenInfo, comedia: true, enableSctp: true })
      : await room.createWebRtcTransport({ listenInfos: [listenInfo], enableSctp: true })
    const recv = await room.createDirectTransport()
    const producers = [
      await send.produce({ kind: 'audio', rtpParameters: rtpParameters('audio') }),
      await send.produce({ kind: 'video', rtpParameters: rtpParameters('video') })
    ]
    const dataProducer = await recv.produceData({ label: `chat ${p}` })
    const peer = { send, recv, producers, dataProducer }
    // The newcomer receives everyone, everyone receives the newcomer: the
    // room fills its first worker and grows onto the second.
    await Promise.all(peers.flatMap((other) => [consume(peer, other), consume(other, peer)]))
    peers.push(peer)
  }
  const { pipes } = await poolContents()
  // Leave in a different order each time: a producer first, then peers,
  // then the room.
  peers[index % PEERS].producers[0].close()
  for (const peer of peers.slice(0, PEERS - 1)) {
    peer.send.close()
    peer.recv.close()
  }
  room.close()
  return pipes
}

async function main () {
  mafalda.configure({ maxWorkers: 2, consumerBudget: 6, idleWorkerTimeout: 0, pipeLinger: 0 })
  console.log(`soak: ${CYCLES} cycles of ${PEERS} peers (audio, video, data), 2 workers, consumer budget 6`)
  console.log('| cycle | RSS MiB | workers | pipes in the cycle |')
  console.log('|---|---|---|---|')
  const every = Math.max(1, Math.floor(CYCLES / SAMPLES))
  const warmUp = Math.min(Math.max(Math.floor(CYCLES / 10), 500), Math.floor(CYCLES / 2))
  const samples = []
  let pipesSeen = 0
  const started = Date.now()
  for (let i = 1; i <= CYCLES; i++) {
    const pipes = await cycle(i)
    pipesSeen += pipes > 0 ? 1 : 0
    if (i % every === 0 || i === CYCLES) {
      const rss = process.memoryUsage().rss / 2 ** 20
      const { workers } = await poolContents()
      if (i > warmUp) samples.push(rss)
      console.log(`| ${i} | ${rss.toFixed(1)} | ${workers} | ${pipes} |`)
    }
  }
  const seconds = (Date.now() - started) / 1000
  // Wait for the janitor to let the workers go.
  let left
  for (let tries = 0; tries < 100; tries++) {
    left = await poolContents()
    if (left.workers === 0) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const min = Math.min(...samples)
  const max = Math.max(...samples)
  const drift = samples.length > 1 ? (samples[samples.length - 1] - samples[0]) / samples[0] : 0
  console.log(`${CYCLES} cycles in ${seconds.toFixed(0)} s (${(CYCLES / seconds).toFixed(1)}/s); cycles with pipes: ${pipesSeen}`)
  console.log(`RSS after warm-up: min ${min.toFixed(1)} MiB, max ${max.toFixed(1)} MiB, drift ${(drift * 100).toFixed(1)} %`)
  console.log(`left at the end: ${JSON.stringify(left)}`)
  const leaked = Object.values(left).some((n) => n !== 0)
  const grew = CYCLES >= 1000 && Math.abs(drift) > 0.05
  if (pipesSeen === 0) console.log('warning: no cycle used a pipe')
  if (leaked || grew) {
    console.log(leaked ? 'FAILED: objects left' : 'FAILED: RSS drifted more than 5 %')
    process.exitCode = 1
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
}).finally(() => setTimeout(() => process.exit(), 100))

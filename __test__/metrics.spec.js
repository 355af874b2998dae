'use strict'

const parsePrometheus = require('parse-prometheus-text-format')
const promClient = require('prom-client')
const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, waitFor } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const defaults = mafalda.getConfiguration()
let ssrc = 7000000

/** `await mafalda.metrics()` parsed: family name → { type, samples }. */
async function scrape () {
  const text = await mafalda.metrics()
  return new Map(parsePrometheus(text).map((family) => [family.name, family]))
}

/** The value of the sample of `name` whose labels include `labels`. */
function value (families, name, labels = {}) {
  const family = families.get(name)
  if (!family) throw new Error(`no metric ${name}`)
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => (m.labels || {})[k] === v))
  if (!sample) throw new Error(`no sample of ${name} with ${JSON.stringify(labels)}`)
  return Number(sample.value)
}

/** Per-worker sums of `mafalda.dump()`, by pid. */
function dumpedWorkers (dump) {
  return dump.workers.map((w) => {
    const sum = (field) => w.routers.reduce((n, r) => n + r[field], 0)
    return {
      pid: String(w.pid),
      cpu: w.cpu,
      routers: w.routers.length,
      transports: sum('transports'),
      producers: sum('producers'),
      consumers: sum('consumers'),
      pipeProducers: sum('pipeProducers'),
      pipeConsumers: sum('pipeConsumers')
    }
  })
}

function scrapedWorker (families, pid) {
  const of = (name) => value(families, `mafalda_worker_${name}`, { worker: pid })
  return {
    pid,
    cpu: of('cpu_ratio') * 100,
    routers: of('routers'),
    transports: of('transports'),
    producers: of('producers'),
    consumers: of('consumers'),
    pipeProducers: of('pipe_producers'),
    pipeConsumers: of('pipe_consumers')
  }
}

describe('mafalda.metrics()', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: 50 })
    await waitFor(async () => (await mafalda.dump()).workers.length === 0, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  test('is Prometheus text whose per-worker and pipe metrics match mafalda.dump() for a room over two workers', async () => {
    const before = await scrape()
    for (const [name, family] of before) {
      expect(name).toMatch(/^mafalda_[a-z_]+$/)
      expect(family.help).toBeTruthy()
      if (family.type === 'COUNTER') expect(name).toMatch(/_total$/)
    }

    mafalda.configure({ consumerBudget: 1, maxWorkers: 2 })
    const room = await mafalda.createRouter({ mediaCodecs })
    const source = await room.createPlainTransport({ listenInfo, comedia: true })
    const producer = await source.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const local = await room.createPlainTransport({ listenInfo })
    await local.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    const remote = await room.createPlainTransport({ listenInfo })
    const consumer = await remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })

    const dumped = dumpedWorkers(await mafalda.dump())
    const families = await scrape()
    expect(dumped).toHaveLength(2)
    expect(value(families, 'mafalda_workers')).toBe(2)
    expect(families.get('mafalda_worker_routers').metrics.map((m) => m.labels.worker).sort())
      .toEqual(dumped.map((w) => w.pid).sort())
    for (const worker of dumped) {
      const scraped = scrapedWorker(families, worker.pid)
      // CPU is the janitor's sample: it may have moved between the two reads.
      expect(Math.abs(scraped.cpu - worker.cpu)).toBeLessThan(50)
      expect({ ...scraped, cpu: 0 }).toEqual({ ...worker, cpu: 0 })
    }
    // The pipe: one pipe consumer on the source's worker, one pipe producer on the other.
    expect(dumped.map((w) => [w.pipeConsumers, w.pipeProducers]).sort()).toEqual([[0, 1], [1, 0]])
    expect(value(families, 'mafalda_pipes', { kind: 'media' })).toBe(1)
    expect(value(families, 'mafalda_rooms')).toBe(value(before, 'mafalda_rooms') + 1)
    const delta = (name, labels) => value(families, name, labels) - value(before, name, labels)
    expect(delta('mafalda_pipes_opened_total', { kind: 'media' })).toBe(1)
    expect(delta('mafalda_workers_started_total')).toBe(2)
    expect(delta('mafalda_placements_total', { placed: 'room', outcome: 'new_worker' })).toBe(1)
    expect(delta('mafalda_placements_total', { placed: 'transport', outcome: 'grown_new_worker' })).toBe(1)
    expect(delta('mafalda_placements_total', { placed: 'transport', outcome: 'room_router' })).toBe(2)

    consumer.close()
    await waitFor(async () => value(await scrape(), 'mafalda_pipes_closed_total', { kind: 'media' }) >
      value(before, 'mafalda_pipes_closed_total', { kind: 'media' }), { timeout: 10000 })
    const after = await scrape()
    expect(value(after, 'mafalda_pipes', { kind: 'media' })).toBe(0)
    for (const worker of dumpedWorkers(await mafalda.dump())) {
      expect(scrapedWorker(after, worker.pid)).toMatchObject({ pipeProducers: 0, pipeConsumers: 0 })
    }
    room.close()
  }, 60000)

  test('counts the errors the API returns by mediasoup error class, and workers closed by reason', async () => {
    const before = await scrape()
    const room = await mafalda.createRouter({ mediaCodecs })
    const transport = await room.createPlainTransport({ listenInfo })
    await expect(transport.consume({ producerId: '00000000-0000-4000-8000-000000000000', rtpCapabilities: consumerCapabilities(room) }))
      .rejects.toThrow('not found')
    const worker = await mafalda.createWorker()
    worker.close()
    room.close()
    await waitFor(async () => (await mafalda.dump()).workers.length === 0, { timeout: 8000 })

    const after = await scrape()
    const delta = (name, labels) => value(after, name, labels) - value(before, name, labels)
    expect(delta('mafalda_errors_total', { class: 'Error' })).toBe(1)
    expect(delta('mafalda_workers_closed_total', { reason: 'idle' })).toBeGreaterThanOrEqual(1)
    expect(value(after, 'mafalda_workers')).toBe(0)
  }, 30000)

  test('sits beside an application\'s prom-client registry in one scrape', async () => {
    const register = new promClient.Registry()
    const joins = new promClient.Counter({ name: 'app_joins_total', help: 'Peers joined.', registers: [register] })
    joins.inc(3)
    const text = `${await register.metrics()}\n${await mafalda.metrics()}`
    const names = parsePrometheus(text).map((f) => f.name)
    expect(names).toContain('app_joins_total')
    expect(names).toContain('mafalda_worker_cpu_ratio')
    expect(new Set(names).size).toBe(names.length)
    expect(promClient.Registry.PROMETHEUS_CONTENT_TYPE).toBe(mafalda.metricsContentType)
  })
})

'use strict'

const { randomUUID } = require('node:crypto')
const binding = require('./binding')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError, UnsupportedError, typeError } = require('./errors')
const { Worker } = require('./Worker')
const { cluster, openRemoteRoom } = require('./cluster')
const { WebRtcServer } = require('./WebRtcServer')
const { Router } = require('./Router')
const { Transport } = require('./Transport')
const { WebRtcTransport } = require('./WebRtcTransport')
const { PlainTransport } = require('./PlainTransport')
const { PipeTransport } = require('./PipeTransport')
const { DirectTransport } = require('./DirectTransport')
const { DataProducer } = require('./DataProducer')
const { DataConsumer } = require('./DataConsumer')
const { Producer } = require('./Producer')
const { Consumer } = require('./Consumer')
const { RtpObserver, AudioLevelObserver, ActiveSpeakerObserver } = require('./RtpObserver')
const { checkAppData, isUint32 } = require('./utils')
const logger = require('./logger')
const { version } = require('../package.json')

const observer = new EnhancedEventEmitter()

/**
 * mediasoup's `createWorker()`: a virtual worker over the process-wide
 * pool of real workers.
 */
async function createWorker ({
  logLevel = 'error', logTags, rtcMinPort = 10000, rtcMaxPort = 59999,
  dtlsCertificateFile, dtlsPrivateKeyFile, libwebrtcFieldTrials, disableLiburing, appData
} = {}) {
  appData = checkAppData(appData)
  void libwebrtcFieldTrials
  void disableLiburing
  if (binding.getConfiguration().maxWorkers === 0) {
    // A manager-only instance runs no worker: this one's routers and
    // servers live on the instances of the cluster.
    if (!cluster.self) {
      throw new InvalidStateError('maxWorkers is 0: this instance runs no workers; join a cluster to create workers')
    }
    const worker = new Worker({ id: randomUUID(), pid: process.pid, appData, managed: true })
    observer.safeEmit('newworker', worker)
    return worker
  }
  const info = await binding.createWorker({
    logLevel, logTags, rtcMinPort, rtcMaxPort, dtlsCertificateFile, dtlsPrivateKeyFile
  })
  const worker = new Worker({ id: info.id, pid: info.pid, appData })
  observer.safeEmit('newworker', worker)
  return worker
}

/**
 * The Mafalda way: a router (a room) with no worker in sight, placed on the
 * pool by mafalda.
 */
async function createRouter ({ mediaCodecs, appData } = {}) {
  appData = checkAppData(appData)
  if (mediaCodecs !== undefined && !Array.isArray(mediaCodecs)) {
    throw typeError('mediaCodecs must be an Array')
  }
  mediaCodecs = mediaCodecs ?? []
  let router
  if (binding.getConfiguration().maxWorkers === 0) {
    const { data, room } = await openRemoteRoom(mediaCodecs)
    router = new Router({ data, appData, mediaCodecs, room })
  } else {
    const data = await binding.createRouter(undefined, mediaCodecs)
    router = new Router({ data, appData, mediaCodecs })
  }
  // A room with no worker has no worker observer to announce it: the
  // module's observer does, as it announces workers.
  observer.safeEmit('newrouter', router)
  return router
}

const CONFIG_CHECKS = {
  maxWorkers: (v) => isUint32(v),
  cpuWatermark: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  consumerBudget: (v) => isUint32(v) && v >= 1,
  idleWorkerTimeout: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  pipeLinger: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  policy: (v) => v === 'concentrate' || v === 'spread'
}

const CONFIG_HINTS = {
  maxWorkers: 'an integer >= 0 (0: this instance only manages, in a cluster)',
  cpuWatermark: 'a positive number (percent of one core)',
  consumerBudget: 'a positive integer',
  idleWorkerTimeout: 'a number of milliseconds >= 0',
  pipeLinger: 'a number of milliseconds >= 0',
  policy: '"concentrate" or "spread"'
}

/**
 * Tunes the process-wide pool: `{ maxWorkers, cpuWatermark, consumerBudget,
 * idleWorkerTimeout, policy, pipeLinger }`. Options not given keep their values; live
 * work is never closed. Returns the configuration in force.
 */
function configure (options = {}) {
  if (!options || typeof options !== 'object') throw typeError('options must be an object')
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    const check = CONFIG_CHECKS[key]
    if (!check) throw typeError(`unknown option "${key}"`)
    if (!check(value)) throw typeError(`${key} must be ${CONFIG_HINTS[key]}`)
  }
  const before = binding.getConfiguration()
  const after = binding.configure(options)
  const changed = Object.keys(after).filter((key) => after[key] !== before[key])
  if (changed.length > 0) {
    logger.config.debug('configure() %s', changed.map((key) => `${key}: ${before[key]} -> ${after[key]}`).join(', '))
  }
  return after
}

/** The pool's configuration in force. */
function getConfiguration () {
  return binding.getConfiguration()
}

/**
 * The pool as it is: `{ workers: [{ pid, cpu, consumers, routers: [{ id,
 * routerIds, transports, producers, consumers, pipeProducers, pipeConsumers
 * }] }] }`, counts read from the real mediasoup routers.
 */
async function dump () {
  const dump = await binding.poolDump()
  // Packet-rate events (DirectTransport rtp / rtcp, data messages, traces)
  // dropped because JS fell more than 50,000 behind the workers.
  dump.droppedEvents = binding.droppedEvents()
  // In a cluster: messages between instances sent, received and refused.
  const counters = binding.clusterCounters()
  if (counters) dump.cluster = { id: cluster.self?.id, ...JSON.parse(counters) }
  return dump
}

/**
 * The pool's metrics in Prometheus' text exposition format (a Promise of a
 * string, as prom-client's `register.metrics()`): from the engine's
 * counters and the last CPU samples, without asking any worker.
 */
async function metrics () {
  return binding.metrics()
}

/** The Content-Type a scrape answer of `metrics()` carries. */
const metricsContentType = binding.metricsContentType()

function getSupportedRtpCapabilities () {
  return binding.getSupportedRtpCapabilities()
}

const SCALABILITY_MODE = /^[LS]([1-9]\d{0,1})T([1-9]\d{0,1})(_KEY)?/

function parseScalabilityMode (scalabilityMode) {
  const match = SCALABILITY_MODE.exec(scalabilityMode || '')
  if (!match) return { spatialLayers: 1, temporalLayers: 1, ksvc: false }
  return { spatialLayers: Number(match[1]), temporalLayers: Number(match[2]), ksvc: Boolean(match[3]) }
}

const types = {
  InvalidStateError,
  UnsupportedError,
  Worker,
  WebRtcServer,
  Router,
  Transport,
  WebRtcTransport,
  PlainTransport,
  PipeTransport,
  DirectTransport,
  Producer,
  Consumer,
  DataProducer,
  DataConsumer,
  RtpObserver,
  AudioLevelObserver,
  ActiveSpeakerObserver
}

module.exports = {
  version,
  observer,
  cluster,
  createWorker,
  createRouter,
  configure,
  getConfiguration,
  dump,
  metrics,
  metricsContentType,
  getSupportedRtpCapabilities,
  parseScalabilityMode,
  types
}

// Test-only, present while MAFALDA_TEST_HOOKS=1: `_test.killWorker(pid)`
// makes the real worker with thread id `pid` die as mediasoup reports a
// dead worker, so that tests can exercise worker death. The native side
// refuses it without the variable too.
Object.defineProperty(module.exports, '_test', {
  enumerable: false,
  get: () => process.env.MAFALDA_TEST_HOOKS === '1'
    ? { killWorker: (pid) => binding.testKillWorker(pid) }
    : undefined
})

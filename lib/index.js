'use strict'

const binding = require('./binding')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError, UnsupportedError } = require('./errors')
const { Worker } = require('./Worker')
const { Router } = require('./Router')
const { Transport } = require('./Transport')
const { WebRtcTransport } = require('./WebRtcTransport')
const { PlainTransport } = require('./PlainTransport')
const { Producer } = require('./Producer')
const { Consumer } = require('./Consumer')
const { checkAppData } = require('./utils')
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
    throw new TypeError('mediaCodecs must be an Array')
  }
  const data = await binding.createRouter(undefined, mediaCodecs ?? [])
  return new Router({ data, worker: undefined, appData })
}

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
  Router,
  Transport,
  WebRtcTransport,
  PlainTransport,
  Producer,
  Consumer
}

module.exports = {
  version,
  observer,
  createWorker,
  createRouter,
  getSupportedRtpCapabilities,
  parseScalabilityMode,
  types
}

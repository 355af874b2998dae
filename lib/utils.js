'use strict'

const { typeError } = require('./errors')

/** Deep clone of plain data (what mediasoup's utils.clone does). */
function clone (value) {
  if (value === undefined) return undefined
  if (Number.isNaN(value)) return NaN
  if (typeof structuredClone === 'function') return structuredClone(value)
  return JSON.parse(JSON.stringify(value))
}

/** mediasoup's check of the optional `appData` argument. */
/**
 * Whether `value` fits an unsigned 32-bit argument. The binding would
 * otherwise wrap it (1e10 becomes 1410065408) instead of refusing it.
 */
function isUint32 (value) {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff
}

function checkAppData (appData) {
  if (appData !== undefined && appData !== null && typeof appData !== 'object') {
    throw typeError('if given, appData must be an object')
  }
  return appData || {}
}

/** Drops `undefined` members so the native side sees only given options. */
function defined (object) {
  const out = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value
  }
  return out
}

/** mediasoup's check of `enableTraceEvent()`'s argument. */
function checkTraceTypes (types) {
  if (!Array.isArray(types)) throw typeError('types must be an array')
  if (types.some((type) => typeof type !== 'string')) throw typeError('non string type')
}

/** A listen info as the native side takes it (legacy `announcedIp` folded in). */
function normalizeListenInfo (info) {
  if (!info || typeof info !== 'object') throw typeError('wrong listenInfo')
  return defined({ ...info, announcedAddress: info.announcedAddress ?? info.announcedIp, announcedIp: undefined })
}

/**
 * What `restoreCodecNumbers` needs of an application's codecs, copied so
 * that later changes to the application's objects do not show: each
 * codec's mime type, in order, with the parameters it gave as numbers.
 * A deep clone of the codecs on every `produce()` cost more.
 */
function codecNumbers (codecs) {
  if (!Array.isArray(codecs)) return undefined
  return codecs.map((codec) => {
    const numbers = {}
    const parameters = codec?.parameters
    if (parameters && typeof parameters === 'object') {
      for (const [key, value] of Object.entries(parameters)) {
        if (typeof value === 'number') numbers[key] = value
      }
    }
    return { mimeType: codec?.mimeType, parameters: parameters ? numbers : undefined }
  })
}

/**
 * mediasoup-rust keeps codec parameters as text or unsigned integers, so
 * other numbers (222.222, -1) come back as text. Puts the caller's numbers
 * back, matching codecs by mime type, as mediasoup-node echoes them.
 */
function restoreCodecNumbers (rtpParameters, originalCodecs) {
  if (!Array.isArray(rtpParameters?.codecs) || !Array.isArray(originalCodecs)) return rtpParameters
  for (const codec of rtpParameters.codecs) {
    const mime = String(codec.mimeType).toLowerCase()
    const original = originalCodecs.find((c) => String(c?.mimeType).toLowerCase() === mime)
    if (!original?.parameters || !codec.parameters) continue
    for (const [key, value] of Object.entries(original.parameters)) {
      if (typeof value === 'number' && codec.parameters[key] === String(value)) codec.parameters[key] = value
    }
  }
  return rtpParameters
}

/**
 * RTP parameters in a dump as mediasoup-node parses them from the worker:
 * every header extension has `parameters`, if only `{}`, and an RTCP
 * feedback without parameter has none (not '').
 */
function dumpRtpParameters (rtpParameters, originalCodecs) {
  restoreCodecNumbers(rtpParameters, originalCodecs)
  for (const extension of rtpParameters?.headerExtensions ?? []) extension.parameters ??= {}
  for (const codec of rtpParameters?.codecs ?? []) {
    for (const feedback of codec.rtcpFeedback ?? []) {
      if (feedback.parameter === '') delete feedback.parameter
    }
  }
  return rtpParameters
}

module.exports = {
  codecNumbers,
  isUint32,
  clone, checkAppData, checkTraceTypes, defined, normalizeListenInfo, restoreCodecNumbers, dumpRtpParameters
}

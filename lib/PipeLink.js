'use strict'

const { randomUUID } = require('crypto')
const binding = require('./binding')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError, UnsupportedError } = require('./errors')
const { clone } = require('./utils')

/**
 * mediasoup's ortc.getPipeConsumerRtpParameters(): what a pipe consumer (and
 * the pipe producer made from it) shows, as mediasoup-node parses it back
 * from the worker (header extensions with parameters, no empty RTCP
 * feedback parameter).
 */
function pipeRtpParameters (consumable, enableRtx) {
  const isRtx = (codec) => /\/rtx$/i.test(codec.mimeType)
  const codecs = clone(consumable.codecs ?? [])
    .filter((codec) => enableRtx || !isRtx(codec))
    .map((codec) => ({
      ...codec,
      rtcpFeedback: (codec.rtcpFeedback ?? [])
        .filter((fb) => (fb.type === 'nack' && fb.parameter === 'pli') ||
          (fb.type === 'ccm' && fb.parameter === 'fir') ||
          (enableRtx && fb.type === 'nack' && !fb.parameter))
        .map((fb) => (fb.parameter ? fb : { type: fb.type }))
    }))
  const dropped = new Set([
    'urn:ietf:params:rtp-hdrext:sdes:mid',
    'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'
  ])
  const headerExtensions = clone(consumable.headerExtensions ?? [])
    .filter((ext) => !dropped.has(ext.uri))
    .map((ext) => ({ ...ext, parameters: ext.parameters ?? {} }))
  // Nothing is sent under these SSRCs here; they are drawn as mediasoup
  // draws its pipe consumers' ones.
  const baseSsrc = randomSsrc()
  const baseRtxSsrc = randomSsrc()
  const encodings = clone(consumable.encodings ?? []).map((encoding, i) => {
    encoding.ssrc = baseSsrc + i
    if (enableRtx) encoding.rtx = { ssrc: baseRtxSsrc + i }
    else delete encoding.rtx
    return encoding
  })
  return { codecs, headerExtensions, encodings, rtcp: clone(consumable.rtcp) }
}

function randomSsrc () {
  return 100000000 + Math.floor(Math.random() * 800000000)
}

/**
 * What `router.pipeToRouter()` returns between two rooms of this process.
 *
 * mediasoup makes a pipe consumer in the source router and a pipe producer
 * with the source's id in the destination router. Here the destination room
 * *imports* the source (the native side lets its consumers reach it: directly
 * on a real router the rooms share, else through mafalda's own pipes), and
 * these objects are the application's view of that import: thin, their
 * state derived from the source object. They are not registered with the
 * dispatcher (the pipe producer has the source's id, whose native events
 * belong to the source), and no PipeTransport objects exist, so there are no
 * transport observer events (`newproducer`, `newconsumer`) for them.
 */
class PipeLink {
  #closed = false
  #onClose

  constructor (onClose) { this.#onClose = onClose }

  get closed () { return this.#closed }

  /** Closes both ends once: `how(end)` says what each end emits. */
  close (how) {
    if (this.#closed) return
    this.#closed = true
    this.#onClose(how)
  }
}

class PipeEnd extends EnhancedEventEmitter {
  #id
  #link
  #appData
  #observer = new EnhancedEventEmitter()

  constructor (id, link, appData) {
    super()
    this.#id = id
    this.#link = link
    this.#appData = appData
  }

  get id () { return this.#id }
  get closed () { return this.#link.closed }
  get appData () { return this.#appData }
  set appData (appData) { this.#appData = appData }
  get observer () { return this.#observer }
  get _link () { return this.#link }

  _checkOpen (what) {
    if (this.closed) throw new InvalidStateError(`${what} closed`)
  }
}

/** The pipe (data) consumer side: its source is the original producer. */
class PipeConsumer extends PipeEnd {
  #source
  #rtpParameters

  constructor (link, source, rtpParameters) {
    super(randomUUID(), link, {})
    this.#source = source
    this.#rtpParameters = rtpParameters
  }

  get producerId () { return this.#source.id }
  get kind () { return this.#source.kind }
  get rtpParameters () { return this.#rtpParameters }
  get type () { return 'pipe' }
  get paused () { return false }
  get producerPaused () { return this.#source.paused }
  get priority () { return 1 }
  get score () { return { score: 10, producerScore: 10, producerScores: [] } }
  get preferredLayers () { return undefined }
  get currentLayers () { return undefined }

  close () { this._link.close('close') }
  async getStats () { this._checkOpen('Consumer'); return [] }
  async pause () { this._checkOpen('Consumer') }
  async resume () { this._checkOpen('Consumer') }
}

class PipeDataConsumer extends PipeEnd {
  #source

  constructor (link, source) {
    super(randomUUID(), link, {})
    this.#source = source
  }

  get dataProducerId () { return this.#source.id }
  get type () { return 'sctp' }
  get sctpStreamParameters () { return this.#source.sctpStreamParameters }
  get label () { return this.#source.label }
  get protocol () { return this.#source.protocol }
  get paused () { return false }
  get dataProducerPaused () { return this.#source.paused }

  close () { this._link.close('close') }
  async getStats () { this._checkOpen('DataConsumer'); return [] }
}

/** The pipe producer side: the source's id, seen in the destination room. */
class PipeProducer extends PipeEnd {
  #source
  #rtpParameters
  #paused
  // Whether the application paused this pipe producer itself: only then is
  // the import held paused natively.
  #held = false
  #target
  #queue = Promise.resolve()

  constructor (link, source, rtpParameters, target) {
    super(source.id, link, source.appData)
    this.#source = source
    this.#rtpParameters = rtpParameters
    this.#paused = source.paused
    this.#target = target
  }

  get kind () { return this.#source.kind }
  get type () { return this.#source.type }
  get rtpParameters () { return this.#rtpParameters }
  get consumableRtpParameters () { return this.#source.consumableRtpParameters }
  get paused () { return this.#paused }
  get score () { return this.#source.score }
  get _codecs () { return this.#source._codecs }

  close () { this._link.close('close') }
  async dump () { this._checkOpen('Producer'); return this.#source.dump() }
  async getStats () { this._checkOpen('Producer'); return this.#source.getStats() }
  // The destination room's consumers of the source are held paused (and
  // told producerpause) while this is paused, as a paused pipe producer's
  // consumers would be. Calls run in call order.
  async pause () { return this.#setPaused(true) }
  async resume () { return this.#setPaused(false) }

  /**
   * The source paused or resumed: this follows, as mediasoup-node's
   * pipeToRouter() wires it. The destination's consumers hear the source's
   * own pause and resume from the worker, in the worker's order, so
   * nothing is asked of it unless the application holds this paused.
   */
  _follow (paused) {
    if (this.closed) return Promise.resolve()
    if (this.#held) return this.#setPaused(paused)
    const was = this.#paused
    this.#paused = paused
    if (was !== paused) this.observer.safeEmit(paused ? 'pause' : 'resume')
    return Promise.resolve()
  }

  async #setPaused (paused) {
    this._checkOpen('Producer')
    const was = this.#paused
    this.#paused = paused
    this.#held = paused
    const run = this.#queue.then(() => binding.routerSetImportPaused(this.#target.id, this.id, paused))
    this.#queue = run.catch(() => {})
    await run
    if (was !== paused) this.observer.safeEmit(paused ? 'pause' : 'resume')
  }
}

/** Pause of a data pipe is not passed on by mediasoup's pipeToRouter(); nor here. */
class PipeDataProducer extends PipeEnd {
  #source

  constructor (link, source) {
    super(source.id, link, source.appData)
    this.#source = source
  }

  get type () { return 'sctp' }
  get sctpStreamParameters () { return this.#source.sctpStreamParameters }
  get label () { return this.#source.label }
  get protocol () { return this.#source.protocol }
  get paused () { return this.#source.paused }

  close () { this._link.close('close') }
  async getStats () { this._checkOpen('DataProducer'); return [] }
  async pause () {
    this._checkOpen('DataProducer')
    throw new UnsupportedError('pause() of a pipe data producer between rooms of one process')
  }

  async resume () {
    this._checkOpen('DataProducer')
    throw new UnsupportedError('resume() of a pipe data producer between rooms of one process')
  }
}

/**
 * Imports `source` (a Producer or DataProducer of `from`) into the router
 * `to`, and returns the ends as mediasoup's `pipeToRouter()` does.
 */
function pipeBetweenRooms ({ source, data, to, adopt, enableRtx }) {
  const kinds = data
    ? { Consumer: PipeDataConsumer, Producer: PipeDataProducer, closeEvent: 'dataproducerclose' }
    : { Consumer: PipeConsumer, Producer: PipeProducer, closeEvent: 'producerclose' }
  if (data) binding.routerImportDataProducer(to.id, source.id)
  else binding.routerImportProducer(to.id, source.id)
  const forward = {}
  const link = new PipeLink((how) => {
    for (const [event, listener] of Object.entries(forward)) source.observer.off(event, listener)
    // 'sourceclose': the source closed, so the worker already closed the
    // destination's consumers; 'transportclose': the destination closed.
    if (how === 'close') {
      if (data) binding.routerUnimportDataProducer(to.id, source.id)
      else binding.routerUnimportProducer(to.id, source.id)
    }
    if (how === 'sourceclose') pipeConsumer.safeEmit(kinds.closeEvent)
    pipeConsumer.observer.safeEmit('close')
    if (how === 'transportclose') pipeProducer.safeEmit('transportclose')
    pipeProducer.emit('@close')
    pipeProducer.observer.safeEmit('close')
  })
  const rtpParameters = data ? undefined : pipeRtpParameters(source.consumableRtpParameters, enableRtx)
  const pipeConsumer = new kinds.Consumer(link, source, rtpParameters)
  const pipeProducer = new kinds.Producer(link, source, rtpParameters && clone(rtpParameters), to)
  forward.close = () => link.close('sourceclose')
  // The source's pause and resume: the pipe consumer tells, and (media
  // only, as mediasoup-node wires it) the pipe producer follows; the
  // destination's consumers get them from the worker, as they consume the
  // source itself.
  forward.pause = () => {
    if (link.closed) return
    pipeConsumer.safeEmit(data ? 'dataproducerpause' : 'producerpause')
    pipeConsumer.observer.safeEmit('pause')
    if (!data) pipeProducer._follow(true).catch(() => {})
  }
  forward.resume = () => {
    if (link.closed) return
    pipeConsumer.safeEmit(data ? 'dataproducerresume' : 'producerresume')
    pipeConsumer.observer.safeEmit('resume')
    if (!data) pipeProducer._follow(false).catch(() => {})
  }
  for (const [event, listener] of Object.entries(forward)) source.observer.on(event, listener)
  adopt(pipeProducer)
  return data
    ? { pipeDataConsumer: pipeConsumer, pipeDataProducer: pipeProducer }
    : { pipeConsumer, pipeProducer }
}

module.exports = { pipeBetweenRooms }

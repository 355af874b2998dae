'use strict'

const localBinding = require('../binding')
const dispatcher = require('../dispatcher')
const logger = require('../logger')
const messages = require('./messages')
const server = require('./server')

/** The instance a binding reaches (this one for the local addon). */
function siteOf (binding) {
  return binding.instanceId ?? messages.state.self?.id
}

function addressOf (binding) {
  return binding.address ?? messages.state.self?.address
}

/**
 * `fn(...args)` on a site; `pipe` (what the created object carries) is
 * recorded where the object lives, for `cluster.dump()`.
 */
async function callOn (binding, fn, args, pipe) {
  if (binding.instanceId) return messages.request(binding.instanceId, fn, args, { pipe })
  const result = await localBinding[fn](...args)
  if (pipe) server.notePipe(typeof result === 'string' ? JSON.parse(result).id : result.id, pipe)
  return result
}

/**
 * A room's pipes between instances: a producer hosted on one instance
 * reaches another through one pipe per (producer, destination instance),
 * fanned out there by that instance's own local pipes. All pipes between
 * two instances share one PipeTransport pair (SRTP, RTX and NACK on).
 * Reference-counted by the consumers (and observers) that use them, and
 * kept `linger` ms after the last one goes.
 */
class RoomPipes {
  #room
  #pairs = new Map()
  #pipes = new Map()

  constructor (room) {
    this.#room = room
  }

  /**
   * Makes `producer` (a data producer with `data`) reachable on the
   * instance `dest` reaches; resolves with a lease to release when its
   * user goes, or null when the producer is there already.
   */
  lease (producer, dest, { data = false } = {}) {
    const src = producer._binding
    if (siteOf(src) === siteOf(dest)) return null
    const key = `${data ? 'data' : 'media'} ${producer.id} ${siteOf(dest)}`
    let pipe = this.#pipes.get(key)
    if (!pipe) {
      pipe = { key, data, producerId: producer.id, src, dest, refs: 0, timer: null, consumerId: null }
      pipe.ready = data ? this.#openData(pipe, producer) : this.#open(pipe, producer)
      pipe.ready.catch(() => { if (this.#pipes.get(key) === pipe) this.#pipes.delete(key) })
      this.#pipes.set(key, pipe)
    }
    pipe.refs++
    clearTimeout(pipe.timer)
    let released = false
    const release = () => {
      if (released) return
      released = true
      if (--pipe.refs > 0) return
      const linger = localBinding.getConfiguration().pipeLinger ?? 0
      pipe.timer = setTimeout(() => this.#close(pipe), linger)
      pipe.timer.unref?.()
    }
    return pipe.ready.then(() => ({ release }), (error) => {
      release()
      throw error
    })
  }

  /**
   * The pipe transports between two instances, made once and used by
   * `pipe` (closed with the last pipe that used them).
   */
  async #pair (a, b, pipe) {
    const key = [siteOf(a), siteOf(b)].sort().join(' ')
    let pair = this.#pairs.get(key)
    if (!pair) {
      pair = this.#openPair(a, b)
      Object.assign(pair, { key, sites: [a, b], pipes: 0 })
      pair.catch(() => { if (this.#pairs.get(key) === pair) this.#pairs.delete(key) })
      this.#pairs.set(key, pair)
    }
    pair.pipes++
    pipe.pair = pair
    return pair
  }

  /** A pipe stops using its pair: the pair closes with its last pipe. */
  #leavePair (pipe) {
    const { pair } = pipe
    pipe.pair = null
    if (!pair || --pair.pipes > 0 || this.#pairs.get(pair.key) !== pair) return
    this.#pairs.delete(pair.key)
    pair.then((ids) => {
      for (const site of pair.sites) {
        try {
          site.transportClose(ids[siteOf(site)])
        } catch (_) {
          // Closed already, with its router.
        }
      }
      logger.cluster.debug('room %s: pipe transports %s closed, no pipe left', this.#room.id, pair.key)
    }, () => {})
  }

  async #openPair (a, b) {
    const room = this.#room.id
    const options = (binding) => JSON.stringify({
      listenInfo: { protocol: 'udp', ip: addressOf(binding) },
      enableSctp: true,
      numSctpStreams: { OS: 1024, MIS: 1024 },
      maxSctpMessageSize: 268435456,
      sctpSendBufferSize: 268435456,
      enableRtx: true,
      enableSrtp: true
    })
    const [ta, tb] = (await Promise.all([
      a.routerCreatePipeTransport(room, options(a)),
      b.routerCreatePipeTransport(room, options(b))
    ])).map((text) => JSON.parse(text))
    const remoteOf = (t) => JSON.stringify({
      ip: t.tuple.localAddress ?? t.tuple.localIp, port: t.tuple.localPort, srtpParameters: t.srtpParameters
    })
    await Promise.all([
      a.transportConnect(ta.id, 'pipe', remoteOf(tb)),
      b.transportConnect(tb.id, 'pipe', remoteOf(ta))
    ])
    logger.cluster.debug('room %s: pipe transports %s <-> %s', room, siteOf(a), siteOf(b))
    return { [siteOf(a)]: ta.id, [siteOf(b)]: tb.id }
  }

  async #open (pipe, producer) {
    const { src, dest } = pipe
    const pair = await this.#pair(src, dest, pipe)
    const consumer = JSON.parse(await callOn(src, 'transportConsume', [
      pair[siteOf(src)],
      JSON.stringify({ producerId: producer.id, paused: false, ignoreDtx: false, pipe: false }),
      JSON.stringify(this.#room.rtpCapabilities)
    ], { producerId: producer.id, to: siteOf(dest) }))
    pipe.consumerId = consumer.id
    dispatcher.register(consumer.id, {
      _onNativeEvent: (name) => this.#onSourceEvent(pipe, name)
    })
    await this.#orUndo(pipe, callOn(dest, 'transportProduce', [pair[siteOf(dest)], JSON.stringify({
      id: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      paused: Boolean(consumer.producerPaused)
    })], { producerId: producer.id, from: siteOf(src) }))
    logger.cluster.debug('room %s: producer %s piped %s -> %s', this.#room.id, producer.id, siteOf(src), siteOf(dest))
  }

  async #openData (pipe, dataProducer) {
    const { src, dest } = pipe
    const pair = await this.#pair(src, dest, pipe)
    const consumer = await callOn(src, 'transportConsumeData', [
      pair[siteOf(src)], { dataProducerId: dataProducer.id, paused: false }
    ], { producerId: dataProducer.id, to: siteOf(dest) })
    pipe.consumerId = consumer.id
    dispatcher.register(consumer.id, {
      _onNativeEvent: (name) => this.#onSourceEvent(pipe, name)
    })
    await this.#orUndo(pipe, callOn(dest, 'transportProduceData', [pair[siteOf(dest)], {
      id: dataProducer.id,
      sctpStreamParameters: consumer.sctpStreamParameters,
      label: consumer.label,
      protocol: consumer.protocol,
      paused: Boolean(consumer.dataProducerPaused)
    }], { producerId: dataProducer.id, from: siteOf(src) }))
    logger.cluster.debug('room %s: data producer %s piped %s -> %s', this.#room.id, dataProducer.id, siteOf(src), siteOf(dest))
  }

  /**
   * The destination's end failed (its instance went, its part closed):
   * the source's end made for it goes too, not at the room's close.
   */
  async #orUndo (pipe, making) {
    try {
      return await making
    } catch (error) {
      this.#forget(pipe)
      this.#closeSource(pipe)
      throw error
    }
  }

  /** The source side's pipe consumer tells what its producer does. */
  #onSourceEvent (pipe, name) {
    const ignore = () => {}
    const { dest, producerId, data } = pipe
    switch (name) {
      case 'producerclose':
      case 'dataproducerclose':
        this.#forget(pipe)
        this.#closeDestination(pipe)
        break
      case 'producerpause':
      case 'dataproducerpause':
        Promise.resolve(data ? dest.dataProducerPause(producerId) : dest.producerPause(producerId)).catch(ignore)
        break
      case 'producerresume':
      case 'dataproducerresume':
        Promise.resolve(data ? dest.dataProducerResume(producerId) : dest.producerResume(producerId)).catch(ignore)
        break
    }
  }

  #forget (pipe) {
    if (this.#pipes.get(pipe.key) === pipe) this.#pipes.delete(pipe.key)
    this.#leavePair(pipe)
    clearTimeout(pipe.timer)
    if (pipe.consumerId) {
      dispatcher.unregister(pipe.consumerId)
      if (!pipe.src.instanceId) server.forgetPipe(pipe.consumerId)
    }
  }

  /** Closes the pipe's producer where it arrives (its consumers there get `producerclose`). */
  #closeDestination (pipe) {
    if (pipe.data) pipe.dest.dataProducerClose(pipe.producerId)
    else pipe.dest.producerClose(pipe.producerId)
    if (!pipe.dest.instanceId) server.forgetPipe(pipe.producerId)
  }

  /** Closes the pipe's consumer where it leaves. */
  #closeSource (pipe) {
    if (!pipe.consumerId) return
    if (pipe.data) pipe.src.dataConsumerClose(pipe.consumerId)
    else pipe.src.consumerClose(pipe.consumerId)
  }

  #close (pipe) {
    if (pipe.refs > 0 || this.#pipes.get(pipe.key) !== pipe) return
    this.#forget(pipe)
    this.#closeSource(pipe)
    this.#closeDestination(pipe)
    logger.cluster.debug('room %s: pipe of producer %s to %s closed', this.#room.id, pipe.producerId, siteOf(pipe.dest))
  }

  /** Instance `id` is gone: pipes from it close where they arrive, pipes to it where they leave. */
  instanceGone (id) {
    for (const pipe of [...this.#pipes.values()]) {
      if (siteOf(pipe.src) === id) {
        this.#forget(pipe)
        this.#closeDestination(pipe)
      } else if (siteOf(pipe.dest) === id) {
        this.#forget(pipe)
        this.#closeSource(pipe)
      }
    }
    for (const [key, pair] of [...this.#pairs]) {
      const survivor = pair.sites.find((site) => siteOf(site) !== id)
      if (pair.sites.every((site) => siteOf(site) !== id)) continue
      this.#pairs.delete(key)
      pair.then((ids) => survivor.transportClose(ids[siteOf(survivor)]), () => {})
    }
  }

  /**
   * The room closed here: what this instance made in it goes on every
   * instance (its parts elsewhere close what it made there). The local
   * pipe transports are closed here when the native router stays, serving
   * other instances.
   */
  roomClosed ({ nativeClosed = true } = {}) {
    const pairs = [...this.#pairs.values()]
    // Their remote ends close with this instance's parts there.
    this.#pairs.clear()
    for (const pipe of [...this.#pipes.values()]) {
      this.#forget(pipe)
      if (!pipe.dest.instanceId) server.forgetPipe(pipe.producerId)
    }
    for (const pair of pairs) {
      if (nativeClosed) continue
      const local = pair.sites.find((site) => !site.instanceId)
      if (local) pair.then((ids) => localBinding.transportClose(ids[siteOf(local)]), () => {})
    }
  }
}

module.exports = { RoomPipes, siteOf, addressOf }

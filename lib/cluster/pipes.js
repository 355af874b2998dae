'use strict'

const localBinding = require('../binding')
const { InvalidStateError } = require('../errors')
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
async function callOn (binding, fn, args, pipe, noteId) {
  if (binding.instanceId) return messages.request(binding.instanceId, fn, args, { pipe })
  const result = await localBinding[fn](...args)
  if (pipe) server.notePipe(noteId ?? (typeof result === 'string' ? JSON.parse(result).id : result.id), pipe)
  return result
}

/** Whether pipes between instances go to each real router that consumes (`interInstancePipes`). */
function perRouter () {
  return messages.state.interInstancePipes === 'per-router'
}

// How many pipe consumers a pipe may draw before its far end takes one.
const SSRC_DRAWS = 3

/**
 * Whether the far end of a pipe transport pair refused a pipe producer
 * because it already receives one of its SSRCs (the worker's words, as
 * `decide/pipes.rs` reads them for pipes within one instance).
 */
function ssrcTaken (error) {
  return /ssrc already exists in RTP listener/i.test(String(error?.message))
}

/**
 * Makes a pipe consumer (`draw()`) and its producer at the far end
 * (`arrive(consumer)`). A pipe consumer's SSRCs are drawn at random for it,
 * and all of a room's pipes between two instances share one pair, whose
 * far end refuses a producer with an SSRC it already receives: such a
 * consumer is dropped (`drop(consumer)`) and another drawn, with SSRCs of
 * its own, at most SSRC_DRAWS times. Resolves with the consumer that
 * arrived.
 */
async function drawUntilArrived (draw, arrive, drop) {
  for (let drawn = 1; ; drawn++) {
    const consumer = await draw()
    try {
      await arrive(consumer)
      return consumer
    } catch (error) {
      if (drawn >= SSRC_DRAWS || !ssrcTaken(error)) throw error
      logger.cluster.debug('pipe consumer %s drawn again: %s', consumer.id, error.message)
      await drop(consumer)
    }
  }
}

/** The options of the producer a pipe consumer of `producer` makes at the far end (as JSON). */
function producedAs (producer, consumer) {
  return JSON.stringify({
    id: producer.id,
    kind: consumer.kind,
    rtpParameters: consumer.rtpParameters,
    paused: Boolean(consumer.producerPaused)
  })
}

/** Where a further arrival of a producer over a pipe transport is noted (its id is the producer's). */
function arrivalNote (producerId, transportId) {
  return `${producerId} ${transportId}`
}

/**
 * A room's pipes between instances: a producer hosted on one instance
 * reaches another through one pipe per (producer, destination instance),
 * fanned out there by that instance's own local pipes. All pipes between
 * two instances share one PipeTransport pair (SRTP, RTX and NACK on).
 * Reference-counted by the consumers (and observers) that use them, and
 * kept `linger` ms after the last one goes.
 *
 * With `interInstancePipes: 'per-router'` a media producer reaches each
 * real router of the destination that has a consumer of it straight from
 * the producer's own real router: the pipe's first *path* arrives next to
 * the first consumer's transport (its pipe producer is the destination's
 * producer of that id), every further one as an *arrival* on a pipe
 * transport next to its consumer's transport (`engine/arrival.rs`). Pairs
 * then join two real routers, not two instances. A pipe's paths live and
 * close together, with the pipe.
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
  lease (producer, dest, { data = false, near = null } = {}) {
    const src = producer._binding
    if (siteOf(src) === siteOf(dest)) return null
    // `near`: the consumer's transport there, for a path per real router.
    if (data || !perRouter()) near = null
    const key = `${data ? 'data' : 'media'} ${producer.id} ${siteOf(dest)}`
    let pipe = this.#pipes.get(key)
    if (!pipe) {
      // `paths`: real router → its path made (per router); `further`: the
      // live paths beyond the first, whose ends go with the pipe.
      pipe = { key, data, producerId: producer.id, src, dest, refs: 0, timer: null, consumerId: null, paths: new Map(), further: new Set() }
      pipe.ready = data ? this.#openData(pipe, producer) : this.#open(pipe, producer, near)
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
    const ready = near ? pipe.ready.then(() => this.#path(pipe, producer, near)) : pipe.ready
    return ready.then(() => ({ release }), (error) => {
      release()
      throw error
    })
  }

  /**
   * The pipe's path to the real router of transport `near` (per-router
   * mode), made once. A path that cannot be made is logged and left out:
   * the consumer is then reached through the destination's local pipes.
   */
  async #path (pipe, producer, near) {
    const router = await pipe.dest.transportSite(near)
    let path = pipe.paths.get(router)
    if (!path) {
      path = this.#openPath(pipe, producer, near, router).catch((error) => {
        logger.cluster.debug('room %s: producer %s not piped to router %s: %s', this.#room.id, pipe.producerId, router, error.message)
      })
      pipe.paths.set(router, path)
    }
    return path
  }

  /**
   * The pipe transports between two instances, made once and used by
   * `pipe` (closed with the last pipe that used them).
   */
  async #pair (a, b, pipe, nearA = null, nearB = null) {
    const [routerA, routerB] = await Promise.all([nearA && a.transportSite(nearA), nearB && b.transportSite(nearB)])
    const end = (site, router) => router ? `${siteOf(site)}/${router}` : siteOf(site)
    const key = [end(a, routerA), end(b, routerB)].sort().join(' ')
    let pair = this.#pairs.get(key)
    if (!pair) {
      pair = this.#openPair(a, b, nearA, nearB)
      Object.assign(pair, { key, sites: [a, b], pipes: 0, watched: null })
      pair.catch(() => { if (this.#pairs.get(key) === pair) this.#pairs.delete(key) })
      if (routerB) pair.then((ids) => this.#watchArrivals(pair, ids[siteOf(b)]), () => {})
      this.#pairs.set(key, pair)
    }
    pair.pipes++
    pipe.pair = pair
    return pair
  }

  /**
   * Per router, the pair's destination end is a pipe transport on one real
   * router there, `transportId`. That router can go on its own (its worker
   * died): the paths that arrive over it then end there, and their source
   * ends, which nothing else closes while the pipe has consumers elsewhere,
   * would go on sending to it. They are dropped when it goes.
   */
  #watchArrivals (pair, transportId) {
    if (this.#pairs.get(pair.key) !== pair) return
    pair.watched = transportId
    dispatcher.register(transportId, {
      _onNativeEvent: (name) => { if (name === 'routerclose') this.#arrivalsGone(pair) }
    })
  }

  #unwatch (pair) {
    if (pair.watched) dispatcher.unregister(pair.watched)
    pair.watched = null
  }

  /** The real router at `pair`'s destination end went: the further paths over it are dropped. */
  #arrivalsGone (pair) {
    this.#unwatch(pair)
    for (const pipe of this.#pipes.values()) {
      for (const path of [...pipe.further]) {
        if (path.pair !== pair) continue
        pipe.paths.delete(path.router)
        this.#dropPath(pipe, path)
        logger.cluster.debug('room %s: path of producer %s to router %s gone with that router', this.#room.id, pipe.producerId, path.router)
      }
    }
  }

  /** A pipe stops using its pair: the pair closes with its last pipe. */
  #leavePair (pipe) {
    const { pair } = pipe
    pipe.pair = null
    if (!pair || --pair.pipes > 0 || this.#pairs.get(pair.key) !== pair) return
    this.#pairs.delete(pair.key)
    this.#unwatch(pair)
    pair.then((ids) => {
      for (const site of pair.sites) {
        try {
          site.transportClose(ids[siteOf(site)])
        } catch (_) {
          // Closed already, with its router.
        }
      }
      logger.cluster.debug('room %s: pipe transports %s closed, no pipe left', this.#room.id, pair.key)
      this.#room.pairClosed()
    }, () => {})
  }

  /** Whether a pipe (made or being made) or a pipe pair has an end on instance `id`. */
  reaches (id) {
    return [...this.#pipes.values()].some((pipe) => siteOf(pipe.src) === id || siteOf(pipe.dest) === id) ||
      [...this.#pairs.values()].some((pair) => pair.sites.some((site) => siteOf(site) === id))
  }

  async #openPair (a, b, nearA, nearB) {
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
      a.routerCreatePipeTransport(room, options(a), nearA ?? undefined),
      b.routerCreatePipeTransport(room, options(b), nearB ?? undefined)
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

  /**
   * The pipe's first path: its pipe producer on the destination is the
   * producer there. Per router (`near` given), it leaves from the
   * producer's real router and arrives at that of transport `near`.
   */
  async #open (pipe, producer, near) {
    const { src, dest } = pipe
    const pair = near
      ? await this.#pair(src, dest, pipe, producer._transportId, near)
      : await this.#pair(src, dest, pipe)
    await this.#orUndo(pipe, drawUntilArrived(
      () => this.#pipeConsumer(pipe, pipe, pair, producer, (name) => this.#onSourceEvent(pipe, name)),
      (consumer) => callOn(dest, 'transportProduce', [pair[siteOf(dest)], producedAs(producer, consumer)],
        { producerId: producer.id, from: siteOf(src) }),
      () => this.#dropConsumer(pipe, pipe)
    ))
    if (near) pipe.paths.set(await dest.transportSite(near), Promise.resolve())
    logger.cluster.debug('room %s: producer %s piped %s -> %s', this.#room.id, producer.id, siteOf(src), siteOf(dest))
  }

  /**
   * A pipe consumer of `producer` on the source's end of `pair`, for `end`
   * (the pipe, or one of its further paths), whose events go to `onEvent`.
   */
  async #pipeConsumer (pipe, end, pair, producer, onEvent) {
    const consumer = JSON.parse(await callOn(pipe.src, 'transportConsume', [
      pair[siteOf(pipe.src)],
      JSON.stringify({ producerId: producer.id, paused: false, ignoreDtx: false, pipe: false }),
      JSON.stringify(this.#room.rtpCapabilities)
    ], { producerId: producer.id, to: siteOf(pipe.dest) }))
    end.consumerId = consumer.id
    dispatcher.register(consumer.id, { _onNativeEvent: onEvent })
    return consumer
  }

  /** `end`'s pipe consumer goes: forgotten, then closed where it leaves. */
  #dropConsumer (pipe, end) {
    const id = end.consumerId
    end.consumerId = null
    dispatcher.unregister(id)
    if (!pipe.src.instanceId) server.forgetPipe(id)
    pipe.src.consumerClose(id)
  }

  /**
   * A further path of the pipe (per router): from the producer's real
   * router to that of transport `near`, where it arrives beside the
   * destination's producer of that id. Only its close matters here: pause
   * and resume travel with the first path's (the destination applies them
   * to every arrival).
   */
  async #openPath (pipe, producer, near, router) {
    const { src, dest } = pipe
    const path = { pair: null, consumerId: null, arrival: null, router }
    pipe.further.add(path)
    const closed = () => {
      if (!pipe.gone) return false
      this.#dropPath(pipe, path)
      return true
    }
    const pair = await this.#pair(src, dest, path, producer._transportId, near)
    if (closed()) throw new InvalidStateError('pipe closed')
    path.arrival = arrivalNote(producer.id, pair[siteOf(dest)])
    await this.#orUndoPath(pipe, path, drawUntilArrived(
      () => this.#pipeConsumer(pipe, path, pair, producer, (name) => {
        if (name === 'producerclose') this.#onSourceEvent(pipe, name)
      }),
      (consumer) => {
        if (pipe.gone) throw new InvalidStateError('pipe closed')
        return callOn(dest, 'transportProduceArrival', [pair[siteOf(dest)], producedAs(producer, consumer)],
          { producerId: producer.id, from: siteOf(src) }, path.arrival)
      },
      () => this.#dropConsumer(pipe, path)
    ))
    logger.cluster.debug('room %s: producer %s piped %s -> %s, to router of transport %s', this.#room.id, producer.id, siteOf(src), siteOf(dest), near)
  }

  /** A further path that did not arrive: its source end goes at once. */
  async #orUndoPath (pipe, path, making) {
    try {
      return await making
    } catch (error) {
      this.#dropPath(pipe, path)
      throw error
    }
  }

  /** A further path goes alone: forgotten, its source end closed. */
  #dropPath (pipe, path) {
    pipe.further.delete(path)
    this.#forgetPath(pipe, path)
    if (path.consumerId) pipe.src.consumerClose(path.consumerId)
  }

  #forgetPath (pipe, path) {
    this.#leavePair(path)
    if (path.consumerId) {
      dispatcher.unregister(path.consumerId)
      if (!pipe.src.instanceId) server.forgetPipe(path.consumerId)
    }
    if (path.arrival && !pipe.dest.instanceId) server.forgetPipe(path.arrival)
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
        // Every path's pipe consumer tells; the first does it.
        if (pipe.gone) break
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
    if (pipe.gone) return
    pipe.gone = true
    if (this.#pipes.get(pipe.key) === pipe) this.#pipes.delete(pipe.key)
    this.#leavePair(pipe)
    clearTimeout(pipe.timer)
    if (pipe.consumerId) {
      dispatcher.unregister(pipe.consumerId)
      if (!pipe.src.instanceId) server.forgetPipe(pipe.consumerId)
    }
    // Further paths: their arrivals close with the destination's producer.
    for (const path of pipe.further) this.#forgetPath(pipe, path)
  }

  /** Closes the pipe's producer where it arrives (its consumers there get `producerclose`). */
  #closeDestination (pipe) {
    if (pipe.data) pipe.dest.dataProducerClose(pipe.producerId)
    else pipe.dest.producerClose(pipe.producerId)
    if (!pipe.dest.instanceId) server.forgetPipe(pipe.producerId)
  }

  /** Closes the pipe's consumer where it leaves. */
  #closeSource (pipe) {
    for (const path of pipe.further) {
      if (path.consumerId) pipe.src.consumerClose(path.consumerId)
    }
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
      this.#unwatch(pair)
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
    for (const pair of pairs) this.#unwatch(pair)
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

module.exports = { RoomPipes, siteOf, addressOf, drawUntilArrived, ssrcTaken }

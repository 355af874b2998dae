'use strict'

const localBinding = require('../binding')
const { InvalidStateError } = require('../errors')
const logger = require('../logger')
const messages = require('./messages')
const server = require('./server')
const { remoteBinding } = require('./RemoteBinding')
const { RoomPipes, siteOf, addressOf } = require('./pipes')

// How long a consume of another user's producer not heard of yet waits
// for its note (which follows the producer's entry in Redis).
const REMOTE_WAIT_MS = 2000

// Rooms open in this process, by id: told when an instance goes, and
// reached by the messages of the other application instances using them.
const openRooms = new Map()

/** `appData` as it can travel (what JSON keeps of it). */
function portableAppData (appData) {
  try {
    return JSON.parse(JSON.stringify(appData ?? {}))
  } catch (_) {
    return {}
  }
}

/**
 * What another user of the room needs to know of a (data) producer made
 * here: enough for `canConsume()`, to be piped, and to be named in its
 * RTP observers' events (EduMeet reads `producer.appData.peerId` there).
 */
function producerInfo (producer) {
  const where = {
    id: producer.id, host: siteOf(producer._binding), address: addressOf(producer._binding), appData: portableAppData(producer.appData)
  }
  if ('consumableRtpParameters' in producer) {
    return { ...where, data: false, kind: producer.kind, type: producer.type, consumableRtpParameters: producer.consumableRtpParameters }
  }
  return { ...where, data: true, type: producer.type }
}

/**
 * A room (a virtual router) as the cluster sees it: the instances it has
 * a part on, where its next transport goes, the producers' directory and
 * the pipes between its parts. `local`: whether this process has a part
 * of it (a manager-only instance has none).
 *
 * Several application instances may use one room (`cluster.router(id)`):
 * they are its *users*. Each tells the others of the producers it makes
 * (so that `canConsume()` answers at once), and a consumer of another
 * user's producer on a part where that producer is not asks its maker
 * (the *owner*) for a pipe: a producer's pipes are all made by its owner,
 * so that no part ever gets two producers with one id.
 */
class ClusterRoom {
  #router
  #sites = new Map()
  #pipes = new RoomPipes(this)
  /** Other application instances using the room. */
  #users = new Set()
  /** Producers of other users: id → producerInfo() and `owner`. */
  #remote = new Map()
  /** Pipes leased here for other users' consumers: token → { from, release }. */
  #leases = new Map()
  #nextLease = 1
  /** Consumes waiting for a producer's note: id → callbacks. */
  #waiting = new Map()
  /** Parts opened only for the ends of pipes to other users: let go with their last pipe. */
  #forPipes = new Set()

  /**
   * `home`: a part already opened on another instance; `held`: the local
   * part is held with the server already (opened by `cluster.router()`).
   */
  constructor (router, { local, home, held = false } = {}) {
    this.#router = router
    this.local = local
    if (home) this.#sites.set(home.instanceId, Promise.resolve(home))
    openRooms.set(router.id, this)
    if (local && !held) server.holdOwn(router.id, router._mediaCodecs, { rtpCapabilities: router.rtpCapabilities })
    this.#announce()
  }

  get id () { return this.#router.id }
  get rtpCapabilities () { return this.#router.rtpCapabilities }
  get router () { return this.#router }

  /** Records in Redis that this instance uses the room, with its codecs. */
  #announce () {
    if (messages.state.self) localBinding.clusterOpenRoom(this.id, JSON.stringify(this.#router._mediaCodecs))
  }

  /**
   * Joins the other users of the room (`users`, as Redis lists them):
   * each adds this instance and answers with the producers it made.
   */
  async join (users) {
    const self = messages.state.self.id
    await Promise.all(users.filter((id) => id !== self).map(async (id) => {
      try {
        const infos = await messages.request(id, 'roomJoin', [this.id])
        this.#users.add(id)
        for (const info of infos) this.#remote.set(info.id, { ...info, owner: id })
      } catch (error) {
        // Gone meanwhile, or closed the room: nothing of it to know.
        logger.cluster.debug('room %s: user %s did not answer: %s', this.id, id, error.message)
      }
    }))
  }

  /** The binding the room's next transport is created through. */
  async transportBinding () {
    if (!messages.state.self) {
      if (this.local) return localBinding
      throw new InvalidStateError('this room lives on other instances and this one left the cluster')
    }
    const decision = JSON.parse(localBinding.clusterPlace([...this.#sites.keys()]))
    if (decision.kind === 'local' && this.local) return localBinding
    if (decision.kind === 'instance') return this.site(decision.id, decision.address)
    if (this.local) return localBinding
    throw new InvalidStateError('no live instance of the cluster can take a transport')
  }

  /**
   * The binding of the room's part on instance `id`, opened there once.
   * `forPipes`: only for the ends of pipes (for another user's consumers
   * there), let go when the last pipe pair there closes; a part opened for
   * a transport stays until the room closes.
   */
  site (id, address, { forPipes = false } = {}) {
    if (id === messages.state.self?.id && this.local) return Promise.resolve(localBinding)
    if (!forPipes) this.#forPipes.delete(id)
    let site = this.#sites.get(id)
    if (!site) {
      if (forPipes) this.#forPipes.add(id)
      const remote = remoteBinding(id, address)
      site = messages.request(id, 'roomOpen', [this.id, this.#router._mediaCodecs]).then(() => {
        logger.cluster.debug('room %s: part opened on %s', this.id, id)
        return remote
      })
      site.catch(() => { if (this.#sites.get(id) === site) this.#sites.delete(id) })
      this.#sites.set(id, site)
    }
    return site
  }

  /** Some part of the room (for what any part answers); one is opened if none is left. */
  async home () {
    if (this.local) return localBinding
    const [first] = this.#sites.values()
    return first ?? this.transportBinding()
  }

  /** Parts on other instances, opened or opening. */
  async remoteSites () {
    const settled = await Promise.allSettled(this.#sites.values())
    return settled.filter((s) => s.status === 'fulfilled').map((s) => s.value)
  }

  /** A producer another user of the room made (its producerInfo()), if known. */
  remoteProducer (id) {
    return this.#remote.get(id)
  }

  /**
   * Makes `producer` (this room's, or the id of another user's) reachable
   * where `dest` reaches (for a consumer on transport `near` there);
   * resolves with a lease to release when its user
   * goes, or null when nothing is to be done (the producer is there
   * already, or unknown: the consume then fails as mediasoup's would).
   */
  lease (producer, dest, { data = false, near = null } = {}) {
    if (!messages.state.self || !producer) return null
    if (typeof producer !== 'string') return producer._binding ? this.#pipes.lease(producer, dest, { data, near }) : null
    const info = this.#remote.get(producer)
    if (info) return this.#leaseRemote(info, dest, data, near)
    // Not heard of (yet): in a room used by other instances, its note may
    // still be on its way (an application can learn the id faster).
    if (this.#users.size === 0) return null
    return this.#awaitRemote(producer).then((info) => info ? this.#leaseRemote(info, dest, data, near) : null)
  }

  async #leaseRemote (info, dest, data, near) {
    if (info.data !== data || info.host === siteOf(dest)) return null
    const token = await messages.request(info.owner, 'roomLease', [this.id, info.id, data, siteOf(dest), addressOf(dest), near])
    let released = token === null
    return {
      release: () => {
        if (released) return
        released = true
        messages.notify(info.owner, 'roomRelease', [this.id, token])
      }
    }
  }

  /**
   * Another user's producer `id`, once its note arrives. Undefined when an
   * instance that is not a user of this room made it, or when no note comes
   * within REMOTE_WAIT_MS.
   *
   * Redis not naming an owner yet is no answer: the maker's write of the
   * producer's home and its note leave as its `produce()` resolves, and the
   * application can pass the id on faster than either arrives (seen on a
   * loaded machine), so the consume waits for the note all the same.
   */
  async #awaitRemote (id) {
    const record = JSON.parse(await localBinding.clusterRoom(this.id))
    const owner = record.owners[id]
    if (owner && !this.#users.has(owner)) return this.#remote.get(id)
    return this.#remote.get(id) ?? new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), REMOTE_WAIT_MS)
      const done = (info) => {
        clearTimeout(timer)
        this.#waiting.get(id)?.delete(done)
        resolve(info)
      }
      if (!this.#waiting.has(id)) this.#waiting.set(id, new Set())
      this.#waiting.get(id).add(done)
    })
  }

  /** Writes in Redis where `producer` lives (this instance its maker). */
  #writeHome (producer) {
    localBinding.clusterSetHome(this.id, producer.id, siteOf(producer._binding))
  }

  producerAdded (producer) {
    if (!messages.state.self) return
    this.#writeHome(producer)
    if (this.#users.size === 0) return
    const info = producerInfo(producer)
    for (const id of this.#users) messages.notify(id, 'roomProducer', [this.id, info])
  }

  producerRemoved (producer) {
    if (!messages.state.self) return
    localBinding.clusterDropHome(this.id, producer.id)
    for (const id of this.#users) messages.notify(id, 'roomProducerGone', [this.id, producer.id])
  }

  /** A message from another user of the room (see server.setRoomHandler). */
  async onUserMessage (from, fn, args) {
    switch (fn) {
      case 'roomJoin':
        this.#users.add(from)
        return this.#router._clusterProducers().map(producerInfo)
      case 'roomLeave':
        this.#userGone(from)
        return
      case 'roomProducer': {
        const info = { ...args[1], owner: from }
        this.#remote.set(info.id, info)
        for (const done of this.#waiting.get(info.id) ?? []) done(info)
        this.#waiting.delete(info.id)
        return
      }
      case 'roomProducerGone':
        if (this.#remote.get(args[1])?.owner === from) this.#remote.delete(args[1])
        return
      case 'roomLease':
        return this.#leaseFor(from, args)
      case 'roomRelease':
        this.#releaseFor(from, args[1])
        return
    }
    throw new InvalidStateError(`unknown room message ${fn}`)
  }

  /** A pipe of one of this instance's producers, for another user's consumer. */
  async #leaseFor (from, [, id, data, site, address, near = null]) {
    const producer = this.#router._getProducer(id, data)
    if (!producer) throw new InvalidStateError(`${data ? 'DataProducer' : 'Producer'} not found`)
    // The pipe's end there is made by this instance: it opens its part first.
    const dest = site === messages.state.self.id ? localBinding : await this.site(site, address, { forPipes: true })
    const leasing = this.#pipes.lease(producer, dest, { data, near })
    const lease = leasing ? await leasing : null
    if (!lease) return null
    const token = this.#nextLease++
    this.#leases.set(token, { from, release: lease.release })
    return token
  }

  #releaseFor (from, token) {
    const lease = this.#leases.get(token)
    if (lease?.from !== from) return
    this.#leases.delete(token)
    lease.release()
  }

  /** User `id` left the room or the cluster: its pipes here go, its producers are forgotten. */
  #userGone (id) {
    this.#users.delete(id)
    for (const [token, lease] of [...this.#leases]) {
      if (lease.from === id) this.#releaseFor(id, token)
    }
    for (const [producerId, info] of [...this.#remote]) {
      if (info.owner === id) this.#remote.delete(producerId)
    }
  }

  /**
   * Instance `id` is gone: what lived there closes for the application as
   * when a worker dies (transports and observers `routerclose`; consumers
   * elsewhere of its producers `producerclose`), and pipes from and to it
   * go. The room goes on; its next transports go to live instances.
   */
  instanceGone (id) {
    this.#sites.delete(id)
    this.#forPipes.delete(id)
    this.#userGone(id)
    this.#pipes.instanceGone(id)
    this.#router._instanceGone(id)
  }

  /** A pipe pair closed: parts opened only for pipes that no pair uses any more are let go. */
  pairClosed () {
    for (const id of [...this.#forPipes]) {
      if (this.#pipes.reaches(id)) continue
      this.#forPipes.delete(id)
      this.#sites.delete(id)
      messages.notify(id, 'routerClose', [this.id])
      logger.cluster.debug('room %s: part on %s let go, no pipe left there', this.id, id)
    }
  }

  /** Writes the room's record again (Redis came back). */
  republish () {
    if (!messages.state.self) return
    this.#announce()
    for (const producer of this.#router._clusterProducers()) this.#writeHome(producer)
  }

  /**
   * Lets go of the local part: true when the native router is to close
   * with the Router; false when other instances still use it here (the
   * Router then closes only what it made).
   */
  releaseLocal () {
    return server.releaseOwn(this.id)
  }

  /** The room closed here: what this instance made in it closes everywhere. */
  close ({ nativeClosed = true } = {}) {
    openRooms.delete(this.id)
    this.#pipes.roomClosed({ nativeClosed })
    for (const [token, lease] of [...this.#leases]) this.#releaseFor(lease.from, token)
    for (const id of this.#sites.keys()) messages.notify(id, 'routerClose', [this.id])
    this.#sites.clear()
    this.#forPipes.clear()
    for (const id of this.#users) messages.notify(id, 'roomLeave', [this.id])
    this.#users.clear()
    this.#remote.clear()
    if (messages.state.self) localBinding.clusterDropRoom(this.id)
  }
}

/** Every open room writes its record again. */
function republish () {
  for (const room of openRooms.values()) room.republish()
}

/** Tells every open room that instance `id` is gone. */
function instanceGone (id) {
  for (const room of [...openRooms.values()]) room.instanceGone(id)
}

/** The room open here with id `id`, if any. */
function openRoom (id) {
  return openRooms.get(id)
}

server.setRoomHandler((from, fn, args) => {
  const room = openRooms.get(args[0])
  if (!room) throw new InvalidStateError('Router closed')
  return room.onUserMessage(from, fn, args)
})

module.exports = { ClusterRoom, instanceGone, republish, openRoom }

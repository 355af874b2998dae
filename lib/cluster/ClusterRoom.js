'use strict'

const localBinding = require('../binding')
const { InvalidStateError } = require('../errors')
const logger = require('../logger')
const messages = require('./messages')
const { remoteBinding } = require('./RemoteBinding')
const { RoomPipes, siteOf } = require('./pipes')

// Rooms open in this process, told when an instance goes.
const openRooms = new Set()

/**
 * A room (a virtual router) as the cluster sees it: the instances it has
 * a part on, where its next transport goes, the producers' directory and
 * the pipes between its parts. `local`: whether this process has a part
 * of it (a manager-only instance has none).
 */
class ClusterRoom {
  #router
  #sites = new Map()
  #pipes = new RoomPipes(this)

  constructor (router, { local, home } = {}) {
    this.#router = router
    this.local = local
    if (home) this.#sites.set(home.instanceId, Promise.resolve(home))
    openRooms.add(this)
  }

  get id () { return this.#router.id }
  get rtpCapabilities () { return this.#router.rtpCapabilities }

  /** The binding the room's next transport is created through. */
  async transportBinding () {
    if (!messages.state.self) {
      if (this.local) return localBinding
      throw new InvalidStateError('this room lives on other instances and this one left the cluster')
    }
    const decision = JSON.parse(localBinding.clusterPlace())
    if (decision.kind === 'local' && this.local) return localBinding
    if (decision.kind === 'instance') return this.site(decision.id, decision.address)
    if (this.local) return localBinding
    throw new InvalidStateError('no live instance of the cluster can take a transport')
  }

  /** The binding of the room's part on instance `id`, opened there once. */
  site (id, address) {
    let site = this.#sites.get(id)
    if (!site) {
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

  /** See RoomPipes.lease(). */
  lease (producer, dest, options) {
    if (!producer?._binding || !messages.state.self) return null
    return this.#pipes.lease(producer, dest, options)
  }

  producerAdded (producer) {
    if (messages.state.self) localBinding.clusterSetHome(this.id, producer.id, siteOf(producer._binding))
  }

  producerRemoved (producer) {
    if (messages.state.self) localBinding.clusterDropHome(this.id, producer.id)
  }

  /**
   * Instance `id` is gone: what lived there closes for the application as
   * when a worker dies (transports and observers `routerclose`; consumers
   * elsewhere of its producers `producerclose`), and pipes from and to it
   * go. The room goes on; its next transports go to live instances.
   */
  instanceGone (id) {
    this.#sites.delete(id)
    this.#pipes.instanceGone(id)
    this.#router._instanceGone(id)
  }

  /** Writes where each producer of the room lives again (Redis came back). */
  republish () {
    for (const producer of this.#router._clusterProducers()) this.producerAdded(producer)
  }

  /** The room closed: its parts on other instances close too. */
  close () {
    openRooms.delete(this)
    this.#pipes.roomClosed()
    for (const id of this.#sites.keys()) messages.notify(id, 'routerClose', [this.id])
    this.#sites.clear()
    if (messages.state.self) localBinding.clusterDropRoom(this.id)
  }
}

/** Every open room writes its directory again. */
function republish () {
  for (const room of openRooms) room.republish()
}

/** Tells every open room that instance `id` is gone. */
function instanceGone (id) {
  for (const room of [...openRooms]) room.instanceGone(id)
}

module.exports = { ClusterRoom, instanceGone, republish }

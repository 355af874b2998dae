'use strict'

const { randomUUID } = require('node:crypto')
const binding = require('../binding')
const { InvalidStateError, typeError } = require('../errors')
const logger = require('../logger')
const messages = require('./messages')
const server = require('./server')
const { remoteBinding, forgetRemotes } = require('./RemoteBinding')
const { instanceGone, republish, openRoom } = require('./ClusterRoom')
const { EnhancedEventEmitter } = require('../EnhancedEventEmitter')

// 'instancegone' ({ id }): an instance stopped announcing itself (it was
// killed, crashed or cut off), noticed at most 3 s after its last beat;
// what depended on it has been closed. 'instancecame' ({ id }).
// 'redisdown' / 'redisup': Redis stopped / started answering this instance.
const observer = new EnhancedEventEmitter()

function onNotice ({ t, id, up }) {
  if (t === 'redis') {
    logger.cluster.debug('Redis %s', up ? 'answers again' : 'does not answer')
    if (up) republish()
    observer.safeEmit(up ? 'redisup' : 'redisdown')
  } else if (t === 'gone') {
    logger.cluster.debug('instance %s is gone', id)
    server.callerGone(id)
    instanceGone(id)
    observer.safeEmit('instancegone', { id })
  } else if (t === 'came') {
    observer.safeEmit('instancecame', { id })
  }
}

const REDIS_URL = /^rediss?:\/\//

/** `tls`: `{ ca, cert, key }`, PEM texts, each optional. */
function checkTls (tls) {
  if (tls === undefined) return
  if (tls === null || typeof tls !== 'object') throw typeError('if given, tls must be an object { ca, cert, key }')
  for (const name of ['ca', 'cert', 'key']) {
    if (tls[name] !== undefined && typeof tls[name] !== 'string') throw typeError(`tls.${name} must be a PEM text`)
  }
}

/**
 * `mafalda.cluster`: several instances (processes, usually machines)
 * sharing one Redis, each serving the others' rooms when they place work
 * on it. See README.md, "Several machines".
 */
const cluster = {
  /**
   * Joins: `{ redis, address, secret, instanceId, tls, interInstancePipes }`. `address` is the
   * IP the others (and the clients of transports delegated here) reach
   * this instance at. `tls` (for `rediss://`): `{ ca, cert, key }` in PEM,
   * the authority that signed Redis's certificate (else the system's
   * roots) and a client certificate. Resolves with `{ id, address }`.
   */
  async join ({ redis, address, secret, instanceId, tls, workerSettings, interInstancePipes = 'per-instance' } = {}) {
    if (typeof redis !== 'string' || !REDIS_URL.test(redis)) throw typeError('redis must be a redis:// or rediss:// URL')
    if (typeof address !== 'string' || address.length === 0) throw typeError('address must be an IP address')
    if (typeof secret !== 'string' || secret.length === 0) throw typeError('secret must be a non-empty string')
    if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId.length === 0)) {
      throw typeError('if given, instanceId must be a non-empty string')
    }
    checkTls(tls)
    if (!['per-instance', 'per-router'].includes(interInstancePipes)) {
      throw typeError('if given, interInstancePipes must be per-instance or per-router')
    }
    if (messages.state.self) throw new InvalidStateError('already joined to a cluster')
    server.setWorkerSettings(workerSettings ?? null)
    const joined = JSON.parse(await binding.clusterJoin(
      { redis, address, secret, instanceId: instanceId ?? randomUUID(), tls },
      messages.onMessage
    ))
    messages.state.self = { id: joined.id, address: joined.address }
    messages.state.interInstancePipes = interInstancePipes
    messages.state.serve = server.serve
    messages.state.notice = onNotice
    logger.cluster.debug('joined as %s at %s', joined.id, joined.address)
    return { id: joined.id, address: joined.address }
  },

  /** Stops taking work, closes what it served for others, and leaves. */
  async leave () {
    if (!messages.state.self) return
    server.closeAll()
    await binding.clusterLeave()
    logger.cluster.debug('left as %s', messages.state.self.id)
    messages.state.self = null
    messages.state.serve = null
    messages.state.notice = null
    messages.abandon('left the cluster')
    forgetRemotes()
  },

  /**
   * Stops taking new work (announced as `draining: true`, so placement
   * skips this instance), lets the rooms it serves for others run until
   * they end or `timeout` ms pass, then leaves. Resolves once left.
   */
  async drain ({ timeout = 60000 } = {}) {
    if (!messages.state.self) throw new InvalidStateError('not joined to a cluster')
    if (typeof timeout !== 'number' || !(timeout >= 0)) throw typeError('timeout must be a number of milliseconds >= 0')
    binding.clusterSetDraining(true)
    logger.cluster.debug('draining (%d rooms served, timeout %d ms)', server.servedRooms(), timeout)
    const deadline = Date.now() + timeout
    while (messages.state.self && server.servedRooms() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await cluster.leave()
  },

  /** Emits 'instancegone' and 'instancecame' with `{ id }`. */
  observer,

  /** This instance once joined: `{ id, address }`, else null. */
  get self () {
    return messages.state.self ? { ...messages.state.self } : null
  },

  /**
   * The live instances: `{ id, address, cpu, consumers, workers: [{ id,
   * cpu, routers, consumers }], maxWorkers, draining, pid, self }`.
   */
  async instances () {
    if (!messages.state.self) throw new InvalidStateError('not joined to a cluster')
    const live = JSON.parse(await binding.clusterInstances())
    return live.map((a) => ({
      id: a.id,
      address: a.address,
      cpu: a.cpu,
      consumers: a.consumers,
      workers: a.workers.map(({ id, cpu, routers, consumers }) => ({ id, cpu, routers, consumers })),
      maxWorkers: a.maxWorkers,
      draining: a.draining,
      pid: a.pid,
      self: a.id === messages.state.self.id
    }))
  },

  /**
   * Every live instance's workers (as `mafalda.dump()`) and its pipes
   * from and to other instances: `{ instances: [{ id, address, workers,
   * pipesIn: [{ producerId, from }], pipesOut: [{ producerId, to }] }] }`.
   */
  async dump () {
    const live = await cluster.instances()
    const instances = await Promise.all(live.map(async ({ id, address, self }) => {
      const part = self ? await server.dump() : await remoteBinding(id, address).dump()
      return { id, address, ...part }
    }))
    return { instances }
  },

  /**
   * The router (room) `routerId` that another application instance of the
   * cluster created: the same id and RTP capabilities, its transports
   * placed as this instance's own, and the producers the others make in it
   * consumable here by id (several signalling processes serving one room).
   * The same Router each time while it is open here; `close()` lets go of
   * this instance's use of it (what it made there), not of the room.
   */
  router (routerId) {
    if (!messages.state.self) return Promise.reject(new InvalidStateError('not joined to a cluster'))
    if (typeof routerId !== 'string' || routerId.length === 0) return Promise.reject(typeError('routerId must be a string'))
    const open = openRoom(routerId)
    if (open) return Promise.resolve(open.router)
    let opening = sharing.get(routerId)
    if (!opening) {
      opening = openShared(routerId).finally(() => sharing.delete(routerId))
      sharing.set(routerId, opening)
    }
    return opening
  },

  /** The producer directory of a room as Redis holds it: producer id → instance id. */
  async directory (routerId) {
    if (!messages.state.self) throw new InvalidStateError('not joined to a cluster')
    return JSON.parse(await binding.clusterRoom(String(routerId))).hosts
  }
}

// cluster.router() calls under way, by room id.
const sharing = new Map()

async function openShared (id) {
  const record = JSON.parse(await binding.clusterRoom(id))
  if (record.codecs === null || record.users.length === 0) {
    throw new InvalidStateError(`no router with id "${id}" in the cluster`)
  }
  const mediaCodecs = JSON.parse(record.codecs)
  // Required here: Router requires this module's neighbours.
  const { Router } = require('../Router')
  let router
  if (binding.getConfiguration().maxWorkers === 0) {
    const { data, room } = await openRemoteRoom(mediaCodecs, id)
    router = new Router({ data, mediaCodecs, room })
  } else {
    const { rtpCapabilities } = await server.holdOwn(id, mediaCodecs)
    router = new Router({ data: { id, rtpCapabilities }, mediaCodecs, room: { local: true, held: true } })
  }
  await openRoom(id).join(record.users)
  logger.cluster.debug('room %s: joined (users %s)', id, record.users.join(', '))
  return router
}

/**
 * A room for a manager-only instance (`maxWorkers: 0`): its first part is
 * opened on the instance placement picks, whose capabilities it takes.
 * `id`: the room's id (a new one when not given).
 */
async function openRemoteRoom (mediaCodecs, id = randomUUID()) {
  if (!messages.state.self) {
    throw new InvalidStateError('maxWorkers is 0: this instance runs no workers; join a cluster to create routers')
  }
  const decision = JSON.parse(binding.clusterPlace())
  if (decision.kind !== 'instance') throw new InvalidStateError('no live instance of the cluster can take a router')
  const home = remoteBinding(decision.id, decision.address)
  const { rtpCapabilities } = await messages.request(decision.id, 'roomOpen', [id, mediaCodecs])
  return { data: { id, rtpCapabilities }, room: { local: false, home } }
}

module.exports = { cluster, openRemoteRoom }

'use strict'

const { randomUUID } = require('node:crypto')
const binding = require('./binding')
const { openRemoteRoom } = require('./cluster')
const { NativeObject } = require('./NativeObject')
const { Router } = require('./Router')
const { WebRtcServer } = require('./WebRtcServer')
const { checkAppData, normalizeListenInfo } = require('./utils')
const { failure, typeError } = require('./errors')

/**
 * A virtual worker. It owns no thread of its own: its routers live on the
 * process-wide pool of real mediasoup workers. `pid` is the thread id of
 * the real worker it is bound to, so `pidusage(worker.pid)` measures it.
 */
class Worker extends NativeObject {
  #pid
  // Made by a manager-only instance (`maxWorkers: 0`): no real worker
  // behind it; its routers and servers live on other instances.
  #managed
  #settings = {}
  #died = false
  #subprocessClosed = false
  #routers = new Set()
  #webRtcServers = new Set()

  constructor ({ id, pid, appData, managed = false }) {
    super(id, appData)
    this.#pid = pid
    this.#managed = managed
  }

  get pid () { return this.#pid }
  get died () { return this.#died }
  get subprocessClosed () { return this.#subprocessClosed }
  get webRtcServersForTesting () { return this.#webRtcServers }
  get routersForTesting () { return this.#routers }

  close () {
    if (!this._markClosed()) return
    if (!this.#managed) binding.workerClose(this.id)
    this.#closeChildren()
    this.observer.safeEmit('close')
    // mediasoup emits 'subprocessclose' once its worker process has exited;
    // a virtual worker has none, so it is emitted on the next turn.
    setImmediate(() => this.#subprocessGone())
  }

  #subprocessGone () {
    if (this.#subprocessClosed) return
    this.#subprocessClosed = true
    this.safeEmit('subprocessclose')
  }

  #closeChildren () {
    for (const server of this.#webRtcServers) server.workerClosed()
    this.#webRtcServers.clear()
    for (const router of this.#routers) router.workerClosed()
    this.#routers.clear()
  }

  async dump () {
    this._checkOpen('Worker')
    if (this.#managed) {
      return {
        pid: this.#pid,
        webRtcServerIds: [...this.#webRtcServers].map((s) => s.id),
        routerIds: [...this.#routers].map((r) => r.id),
        channelMessageHandlers: { channelRequestHandlers: [], channelNotificationHandlers: [] }
      }
    }
    return binding.workerDump(this.id)
  }

  async getResourceUsage () {
    this._checkOpen('Worker')
    // A manager-only worker runs nothing here: no CPU of its own.
    const { ruUtime, ruStime } = this.#managed
      ? { ruUtime: 0, ruStime: 0 }
      : await binding.workerGetResourceUsage(this.id)
    // mediasoup reports libuv's uv_getrusage() fields; a thread has only its
    // CPU times, the rest is zero.
    return {
      ru_utime: ruUtime,
      ru_stime: ruStime,
      ru_maxrss: 0,
      ru_ixrss: 0,
      ru_idrss: 0,
      ru_isrss: 0,
      ru_minflt: 0,
      ru_majflt: 0,
      ru_nswap: 0,
      ru_inblock: 0,
      ru_oublock: 0,
      ru_msgsnd: 0,
      ru_msgrcv: 0,
      ru_nsignals: 0,
      ru_nvcsw: 0,
      ru_nivcsw: 0
    }
  }

  async updateSettings ({ logLevel, logTags } = {}) {
    this._checkOpen('Worker')
    if (this.#managed) {
      if (logLevel !== undefined && !['debug', 'warn', 'error', 'none'].includes(logLevel)) {
        throw typeError(`invalid logLevel "${logLevel}"`)
      }
      this.#settings = { ...this.#settings, logLevel, logTags }
      return
    }
    await binding.workerUpdateSettings(this.id, logLevel, logTags)
  }

  async createWebRtcServer ({ listenInfos, appData } = {}) {
    this._checkOpen('Worker')
    appData = checkAppData(appData)
    if (!Array.isArray(listenInfos)) throw typeError('missing listenInfos')
    if (listenInfos.length === 0) throw typeError('empty listenInfos array provided')
    for (const info of listenInfos) {
      if (!info || typeof info !== 'object') throw typeError('wrong listenInfo')
    }
    listenInfos = listenInfos.map(normalizeListenInfo)
    // A manager-only worker binds nothing: the server's transports all
    // listen through its counterparts on the instances they go to.
    const id = this.#managed ? randomUUID() : await binding.workerCreateWebrtcServer(this.id, listenInfos)
    const server = new WebRtcServer({ id, appData, listenInfos, managed: this.#managed })
    if (this.closed) {
      server.workerClosed()
      this._checkOpen('Worker')
    }
    this.#webRtcServers.add(server)
    server.on('@close', () => this.#webRtcServers.delete(server))
    this.observer.safeEmit('newwebrtcserver', server)
    return server
  }

  async createRouter ({ mediaCodecs, appData } = {}) {
    this._checkOpen('Worker')
    appData = checkAppData(appData)
    if (mediaCodecs !== undefined && !Array.isArray(mediaCodecs)) {
      throw typeError('mediaCodecs must be an Array')
    }
    mediaCodecs = mediaCodecs ?? []
    let router
    if (this.#managed) {
      // A manager-only instance: the room lives on other instances.
      const { data, room } = await openRemoteRoom(mediaCodecs)
      router = new Router({ data, appData, mediaCodecs, room })
    } else {
      const data = await binding.createRouter(this.id, mediaCodecs)
      router = new Router({ data, appData, mediaCodecs })
    }
    if (this.closed) {
      // Closed while the router was being created: the native side already
      // dropped it with the worker.
      router.workerClosed()
      this._checkOpen('Worker')
    }
    this.#routers.add(router)
    router.on('@close', () => this.#routers.delete(router))
    this.observer.safeEmit('newrouter', router)
    return router
  }

  _onNativeEvent (eventName, data) {
    if (eventName !== 'died' || !this._markClosed()) return
    this.#died = true
    const error = failure('ERR_WORKER_DIED', `worker died unexpectedly: ${data}`)
    this.#closeChildren()
    this.safeEmit('died', error)
    this.#subprocessGone()
    this.observer.safeEmit('close')
  }
}

module.exports = { Worker }

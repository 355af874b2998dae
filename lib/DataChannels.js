'use strict'

const { InvalidStateError, typeError } = require('./errors')
const { DataProducer, toSubchannel } = require('./DataProducer')
const { DataConsumer } = require('./DataConsumer')
const { checkAppData, clone, defined } = require('./utils')

/**
 * mediasoup's ortc.validateSctpStreamParameters(): checks, and completes
 * `ordered`, in place.
 */
function validateSctpStreamParameters (params) {
  if (!params || typeof params !== 'object') throw typeError('params is not an object')
  if (typeof params.streamId !== 'number') throw typeError('missing params.streamId')
  let orderedGiven = false
  if (typeof params.ordered === 'boolean') orderedGiven = true
  else params.ordered = true
  if (params.maxPacketLifeTime && typeof params.maxPacketLifeTime !== 'number') {
    throw typeError('invalid params.maxPacketLifeTime')
  }
  if (params.maxRetransmits && typeof params.maxRetransmits !== 'number') {
    throw typeError('invalid params.maxRetransmits')
  }
  if (params.maxPacketLifeTime && params.maxRetransmits) {
    throw typeError('cannot provide both maxPacketLifeTime and maxRetransmits')
  }
  if (orderedGiven && params.ordered && (params.maxPacketLifeTime || params.maxRetransmits)) {
    throw typeError('cannot be ordered with maxPacketLifeTime or maxRetransmits')
  } else if (!orderedGiven && (params.maxPacketLifeTime || params.maxRetransmits)) {
    params.ordered = false
  }
}

function optionalNumber (value, name) {
  if (value !== undefined && typeof value !== 'number') throw typeError(`if given, ${name} must be a number`)
  return value
}

/**
 * The data side of a transport: its data producers and data consumers,
 * `produceData()` and `consumeData()` as mediasoup-node has them.
 */
class DataChannels {
  #transport
  #producers = new Map()
  #consumers = new Map()

  constructor (transport) {
    this.#transport = transport
  }

  async produce ({ id, sctpStreamParameters, label = '', protocol = '', paused = false, appData } = {}) {
    const transport = this.#transport
    transport._checkOpen()
    if (id && this.#producers.has(id)) {
      throw typeError(`a DataProducer with same id "${id}" already exists`)
    } else if (typeof label !== 'string' || typeof protocol !== 'string') {
      throw typeError('if given, label and protocol must be strings')
    }
    appData = checkAppData(appData)
    let params
    // A DirectTransport ignores SCTP stream parameters, as mediasoup does.
    if (transport.type !== 'direct') {
      params = clone(sctpStreamParameters)
      validateSctpStreamParameters(params)
    }
    const data = await transport._binding.transportProduceData(transport.id, defined({
      id, sctpStreamParameters: params, label, protocol, paused: Boolean(paused)
    }))
    const dataProducer = new DataProducer({ data, appData, binding: transport._binding })
    if (transport.closed) {
      dataProducer.transportClosed()
      throw new InvalidStateError('Transport closed')
    }
    this.#producers.set(dataProducer.id, dataProducer)
    dataProducer.on('@close', () => {
      this.#producers.delete(dataProducer.id)
      transport.emit('@dataproducerclose', dataProducer)
    })
    transport.emit('@newdataproducer', dataProducer)
    transport.observer.safeEmit('newdataproducer', dataProducer)
    return dataProducer
  }

  async consume ({
    dataProducerId, ordered, maxPacketLifeTime, maxRetransmits, paused = false, subchannels, appData
  } = {}) {
    const transport = this.#transport
    transport._checkOpen()
    if (!dataProducerId || typeof dataProducerId !== 'string') {
      throw typeError('missing dataProducerId')
    } else if (ordered !== undefined && typeof ordered !== 'boolean') {
      throw typeError('if given, ordered must be a boolean')
    } else if (subchannels !== undefined && !Array.isArray(subchannels)) {
      throw typeError('if given, subchannels must be an array')
    }
    optionalNumber(maxPacketLifeTime, 'maxPacketLifeTime')
    optionalNumber(maxRetransmits, 'maxRetransmits')
    appData = checkAppData(appData)
    // A data producer on another instance is piped here first (lib/cluster/).
    const leasing = transport._leaseDataProducer?.(dataProducerId)
    const lease = leasing ? await leasing : null
    let data
    try {
      data = await transport._binding.transportConsumeData(transport.id, defined({
        dataProducerId,
        ordered,
        maxPacketLifeTime,
        maxRetransmits,
        paused: Boolean(paused),
        subchannels: subchannels?.map(toSubchannel)
      }))
    } catch (error) {
      lease?.release()
      throw error
    }
    const dataConsumer = new DataConsumer({ data, appData, binding: transport._binding })
    if (lease) dataConsumer.observer.once('close', lease.release)
    if (transport.closed) {
      dataConsumer.transportClosed()
      throw new InvalidStateError('Transport closed')
    }
    this.#consumers.set(dataConsumer.id, dataConsumer)
    dataConsumer.on('@close', () => this.#consumers.delete(dataConsumer.id))
    dataConsumer.on('@dataproducerclose', () => this.#consumers.delete(dataConsumer.id))
    transport.observer.safeEmit('newdataconsumer', dataConsumer)
    return dataConsumer
  }

  /**
   * The transport closed: its data producers, then its data consumers,
   * get 'transportclose'. `onDataProducerClosed` tells the router when the
   * application closed the transport itself.
   */
  transportClosed (onDataProducerClosed) {
    for (const dataProducer of this.#producers.values()) {
      dataProducer.transportClosed()
      onDataProducerClosed?.(dataProducer)
    }
    this.#producers.clear()
    for (const dataConsumer of this.#consumers.values()) dataConsumer.transportClosed()
    this.#consumers.clear()
  }
}

module.exports = { DataChannels }

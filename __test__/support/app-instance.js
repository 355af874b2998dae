'use strict'

// A second application instance for cluster tests: a signalling process
// of its own (forked), driven by the test over IPC. It joins the cluster,
// creates a room or opens one another instance created
// (`cluster.router(id)`), and runs plain RTP peers in it, as tests do in
// their own process.
//
// Parent → child: { id, op, ...args }; child → parent: { id, ok, value |
// error }, and { event: 'producerclose', peer, producerId } when a
// consumer here loses its producer.

const mafalda = require('../..')
const { mediaCodecs, consumerCapabilities } = require('../helpers')
const { joinPeer, sendFromAll } = require('./peers')

let router = null
let dataProducer = null
const peers = new Map()

function peerSummary (peer) {
  return { name: peer.name, producerId: peer.producer.id, sendHost: peer.send.tuple.localAddress, recvHost: peer.recv.tuple.localAddress }
}

const ops = {
  async join ({ redis, address, secret, maxWorkers, interInstancePipes }) {
    mafalda.configure({ maxWorkers })
    return mafalda.cluster.join({ redis, address, secret, interInstancePipes })
  },
  async createRouter () {
    router = await mafalda.createRouter({ mediaCodecs })
    return { id: router.id }
  },
  async open ({ routerId }) {
    router = await mafalda.cluster.router(routerId)
    return { id: router.id, rtpCapabilities: router.rtpCapabilities, same: (await mafalda.cluster.router(routerId)) === router }
  },
  async joinPeer ({ name }) {
    const peer = await joinPeer(router, name)
    peers.set(name, peer)
    return peerSummary(peer)
  },
  canConsume ({ producerId }) {
    return router.canConsume({ producerId, rtpCapabilities: consumerCapabilities(router) })
  },
  async consume ({ name, producerIds }) {
    const peer = peers.get(name)
    const out = []
    for (const producerId of producerIds) {
      const consumer = await peer.recv.consume({ producerId, rtpCapabilities: consumerCapabilities(router) })
      consumer.on('producerclose', () => process.send({ event: 'producerclose', peer: name, producerId }))
      peer.consumers.push({ consumer, producerId })
      out.push({ producerId, ssrc: consumer.rtpParameters.encodings[0].ssrc })
    }
    return out
  },
  /** Sends `count` packets from every peer here. */
  async send ({ count }) {
    await sendFromAll([...peers.values()], count)
  },
  /** Packets each consumer of peer `name` got: producer id → count. */
  received ({ name }) {
    const peer = peers.get(name)
    return Object.fromEntries(peer.consumers.map(({ consumer, producerId }) =>
      [producerId, peer.counts.get(consumer.rtpParameters.encodings[0].ssrc) ?? 0]))
  },
  /** A DirectTransport's data producer; `{ id }`. */
  async produceData () {
    const transport = await router.createDirectTransport()
    dataProducer = await transport.produceData({ label: 'chat', protocol: 'text' })
    return { id: dataProducer.id }
  },
  sendData ({ messages }) {
    for (const text of messages) dataProducer.send(text)
  },
  closeProducer ({ name }) {
    peers.get(name).producer.close()
  },
  closeRouter () {
    router.close()
  },
  async leave () {
    for (const peer of peers.values()) {
      peer.sender.close()
      peer.receiver.close()
    }
    await mafalda.cluster.leave()
  }
}

process.on('message', async ({ id, op, ...args }) => {
  try {
    const value = await ops[op](args)
    process.send({ id, ok: true, value })
  } catch (error) {
    process.send({ id, ok: false, error: { name: error.name, message: error.message } })
  }
})
process.on('disconnect', () => process.exit(0))

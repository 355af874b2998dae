'use strict'

// Plain RTP peers for cluster tests: each with a send PlainTransport
// (comedia) and a receive one, counting what arrives per SSRC.

const { opusRtpParameters, consumerCapabilities, rtpPacket, bindSocket, sleep, waitFor } = require('../helpers')

const RTP_PPS = 50

/** A peer with a send and a receive PlainTransport, and its sockets. */
async function joinPeer (router, name) {
  const send = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true })
  const recv = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
  const sender = await bindSocket()
  const receiver = await bindSocket()
  await recv.connect({ ip: '127.0.0.1', port: receiver.address().port })
  const counts = new Map()
  receiver.on('message', (packet) => {
    if (packet.length < 12 || (packet[1] >= 192 && packet[1] <= 223)) return
    const ssrc = packet.readUInt32BE(8)
    counts.set(ssrc, (counts.get(ssrc) ?? 0) + 1)
  })
  const ssrc = 1000 + Math.floor(Math.random() * 1e6)
  const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc), appData: { peerId: name } })
  return { name, send, recv, sender, receiver, counts, ssrc, producer, consumers: [] }
}

/**
 * Sends `count` Opus packets from every peer at RTP_PPS; resolves when
 * sent. Sequence numbers go on from the peer's last round (a stream that
 * starts over is dropped by the worker as old packets).
 */
async function sendFromAll (peers, count) {
  for (let i = 0; i < count; i++) {
    for (const peer of peers) {
      const seq = peer.seq ?? 0
      peer.seq = seq + 1
      peer.sender.send(
        rtpPacket({ payloadType: 100, sequenceNumber: seq, timestamp: seq * 960, ssrc: peer.ssrc }),
        peer.send.tuple.localPort, peer.send.tuple.localAddress
      )
    }
    await sleep(1000 / RTP_PPS)
  }
}

async function consumeAll (router, peers) {
  for (const peer of peers) {
    for (const other of peers) {
      if (other === peer) continue
      const consumer = await peer.recv.consume({ producerId: other.producer.id, rtpCapabilities: consumerCapabilities(router) })
      peer.consumers.push({ consumer, from: other })
    }
  }
}

function expectDelivered (peers, sent) {
  for (const peer of peers) {
    for (const { consumer, from } of peer.consumers) {
      const ssrc = consumer.rtpParameters.encodings[0].ssrc
      const got = peer.counts.get(ssrc) ?? 0
      if (got < sent * 0.95) {
        throw new Error(`${peer.name} got ${got}/${sent} packets of ${from.name}`)
      }
    }
  }
}

/** The instance (by address) a transport's socket is on. */
const hostOf = (transport) => transport.tuple.localAddress

/** Sends `count` packets from every peer and waits until every consumer got ≥ 95 % of them. */
async function expectFlowing (peers, count = RTP_PPS * 2, { timeout = 3000 } = {}) {
  await sendFromAll(peers, count)
  await waitFor(() => {
    try { expectDelivered(peers, count); return true } catch (_) { return false }
  }, { timeout }).catch(() => {})
  expectDelivered(peers, count)
}

module.exports = { RTP_PPS, joinPeer, sendFromAll, consumeAll, expectDelivered, expectFlowing, hostOf }

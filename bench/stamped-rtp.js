'use strict'

// The media of the cluster benchmarks: each peer's audio (Opus, 50
// packets/s, 100 B) and video (VP8, 90 packets/s, 1,200 B) streams, every
// packet stamped with its send time (this process's monotonic clock, the
// same for every process of the machine), and receivers that count what
// arrives per consumer and time it.

const { opusRtpParameters, vp8RtpParameters, rtpPacket, isRtcp, startPump } = require('../__test__/helpers')

const MEDIA = [
  { kind: 'audio', payloadType: 100, pps: 50, bytes: 100, tick: 960, rtpParameters: opusRtpParameters },
  { kind: 'video', payloadType: 101, pps: 90, bytes: 1200, tick: 1000, rtpParameters: vp8RtpParameters }
]
// The start of a VP8 key frame (as crates/rtp-load sends), so that every
// consumer may start at any packet.
const VP8_KEY_FRAME = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a])
// Where the send time goes in a payload: past anything the worker reads.
const STAMP_AT = 16
const PUMP_MS = 5

/** Where an RTP packet's payload starts: consumers add header extensions. */
function payloadStart (packet) {
  let at = 12 + 4 * (packet[0] & 0x0f)
  if (packet[0] & 0x10) at += 4 + 4 * packet.readUInt16BE(at + 2)
  return at
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/**
 * Sends `streams` (`{ peer, stream }`: `peer.sender` a socket, `peer.send`
 * a transport with a `tuple`; `stream` `{ media, ssrc, seq, sent }`), each
 * at its rate from a random phase, every packet stamped. Returns the pump
 * (`stop()`).
 */
function sendStamped (streams) {
  const start = process.hrtime.bigint()
  for (const { stream } of streams) stream.phase = Math.random() * 1e9 / stream.media.pps
  return startPump(() => {
    const elapsed = Number(process.hrtime.bigint() - start)
    for (const { peer, stream } of streams) {
      const { media } = stream
      const due = Math.floor((elapsed + stream.phase) * media.pps / 1e9)
      while (stream.sent < due) {
        const seq = stream.seq++
        const packet = rtpPacket({ payloadType: media.payloadType, sequenceNumber: seq, timestamp: seq * media.tick, ssrc: stream.ssrc, payloadSize: media.bytes })
        if (media.kind === 'video') VP8_KEY_FRAME.copy(packet, 12)
        packet.writeBigUInt64BE(process.hrtime.bigint(), 12 + STAMP_AT)
        peer.sender.send(packet, peer.send.tuple.localPort, peer.send.tuple.localAddress)
        stream.sent++
      }
    }
  }, PUMP_MS)
}

/** Latency samples (µs) by group, taken only while `measuring`. */
class Samples {
  measuring = false
  #groups = new Map()

  push (group, us) {
    if (!this.#groups.has(group)) this.#groups.set(group, [])
    this.#groups.get(group).push(us)
  }

  /** `{ p50, p99, n }` of a group. */
  summary (group) {
    const sorted = [...(this.#groups.get(group) ?? [])].sort((a, b) => a - b)
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), n: sorted.length }
  }
}

/**
 * Counts the RTP packets `peer.receiver` gets in `peer.bySsrc` (consumer
 * SSRC → an entry with `received`) and, while `samples.measuring`, adds
 * each one's time since it was sent to the group `groupOf(entry)` names
 * (none: not sampled).
 */
function receiveStamped (peer, samples, groupOf) {
  peer.receiver.on('message', (packet) => {
    const now = process.hrtime.bigint()
    if (isRtcp(packet)) return
    const entry = peer.bySsrc.get(packet.readUInt32BE(8))
    if (!entry) return
    entry.received++
    const stampAt = payloadStart(packet) + STAMP_AT
    if (!samples.measuring || packet.length < stampAt + 8) return
    const group = groupOf(entry)
    if (group !== undefined) samples.push(group, Number(now - packet.readBigUInt64BE(stampAt)) / 1000)
  })
}

/**
 * Reads every probe (name → a function returning a number or an array of
 * numbers), measures `seconds` with `samples.measuring` on, reads them
 * again: resolves with each one's change per second (element by element
 * for arrays).
 */
async function measure (seconds, samples, probes) {
  const read = () => Object.fromEntries(Object.entries(probes).map(([name, probe]) => [name, probe()]))
  const before = read()
  const t0 = process.hrtime.bigint()
  samples.measuring = true
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  samples.measuring = false
  const after = read()
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  const rate = (a, b) => (a - b) / elapsed
  return Object.fromEntries(Object.keys(probes).map((name) => [name, Array.isArray(after[name])
    ? after[name].map((value, i) => rate(value, before[name][i]))
    : rate(after[name], before[name])]))
}

/**
 * What bench:cluster reports of every run's media, from `measure()`'s
 * rates of `received` and `sent` packets and the peers' consumers
 * (`entry.piped`: from another instance), each peer consuming every other.
 */
function flowOf (rates, samples, peers) {
  const localConsumers = peers.reduce((sum, p) => sum + [...p.bySsrc.values()].filter((e) => !e.piped).length, 0)
  return {
    forwardedPps: rates.received,
    loss: 1 - rates.received / (rates.sent * (peers.length - 1)),
    localConsumers,
    pipedConsumers: peers.length * (peers.length - 1) * MEDIA.length - localConsumers,
    local: samples.summary('local'),
    piped: samples.summary('piped')
  }
}

module.exports = { MEDIA, PUMP_MS, Samples, sendStamped, receiveStamped, measure, flowOf }

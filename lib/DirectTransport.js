'use strict'

const { Transport } = require('./Transport')
const { UnsupportedError, typeError } = require('./errors')

/**
 * A transport with no network endpoint: the application itself sends and
 * receives RTP, RTCP and data messages through it.
 */
class DirectTransport extends Transport {
  get type () { return 'direct' }

  /** Nothing to negotiate. */
  async connect () {}

  async setMaxIncomingBitrate () {
    throw new UnsupportedError('setMaxIncomingBitrate() not implemented in DirectTransport')
  }

  async setMaxOutgoingBitrate () {
    throw new UnsupportedError('setMaxOutgoingBitrate() not implemented in DirectTransport')
  }

  async setMinOutgoingBitrate () {
    throw new UnsupportedError('setMinOutgoingBitrate() not implemented in DirectTransport')
  }

  /** Sends an RTCP packet into the room, as if received by this transport. */
  sendRtcp (rtcpPacket) {
    if (!Buffer.isBuffer(rtcpPacket)) throw typeError('rtcpPacket must be a Buffer')
    this._checkOpen()
    this._binding.directTransportSendRtcp(this.id, rtcpPacket)
  }

  _handleEvent (eventName, data, payload) {
    if (eventName === 'rtcp' && !this.closed) this.safeEmit('rtcp', payload)
  }
}

module.exports = { DirectTransport }

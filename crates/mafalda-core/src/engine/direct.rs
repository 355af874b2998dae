//! What only a DirectTransport does: the application itself sends RTP into
//! the room through a producer of it and RTCP through the transport (and
//! receives them as `rtp` / `rtcp` events, see `events.rs`).

use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::state::AnyTransport;
use mediasoup::prelude::*;

impl Mafalda {
    /// `producer.send(rtpPacket)` of a producer on a DirectTransport.
    pub fn send_rtp(&self, producer: ProducerId, packet: Vec<u8>) -> Result<()> {
        match self.producer(producer)? {
            Producer::Direct(producer) => producer.send(packet).map_err(channel_closed),
            _ => Err(Error::type_error(
                "send() is only for Producers of a DirectTransport",
            )),
        }
    }

    /// `directTransport.sendRtcp(rtcpPacket)`.
    pub fn send_rtcp(&self, transport: TransportId, packet: Vec<u8>) -> Result<()> {
        match self.transport(transport)? {
            AnyTransport::Direct(transport) => transport.send_rtcp(packet).map_err(channel_closed),
            _ => Err(Error::type_error("sendRtcp() is only for a DirectTransport")),
        }
    }
}

/// A notification fails only once the worker's channel is gone.
fn channel_closed(error: impl std::fmt::Display) -> Error {
    Error::invalid_state(error.to_string())
}

//! Producers. A producer's id is the real producer's id; it never changes.

use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::VirtualRouterId;
use crate::state::ProducerEntry;
use crate::state::Registry;
use event_listener_primitives::HandlerId;
use mediasoup::prelude::*;
use mediasoup::producer::ProducerDump;
use mediasoup::producer::ProducerStat;
use mediasoup::producer::{ProducerScore, ProducerType};
use std::sync::Arc;

/// What the application learns of a new producer.
#[derive(Debug, Clone)]
pub struct ProducerInfo {
    /// Its id.
    pub id: ProducerId,
    /// Audio or video.
    pub kind: MediaKind,
    /// RTP parameters as given (normalised by mediasoup).
    pub rtp_parameters: RtpParameters,
    /// simple, simulcast or svc.
    pub r#type: ProducerType,
    /// What consumers of it are derived from.
    pub consumable_rtp_parameters: RtpParameters,
    /// Whether it starts paused.
    pub paused: bool,
    /// Current scores.
    pub score: Vec<ProducerScore>,
}

impl ProducerInfo {
    pub(crate) fn of(producer: &Producer) -> Self {
        Self {
            id: producer.id(),
            kind: producer.kind(),
            rtp_parameters: producer.rtp_parameters().clone(),
            r#type: producer.r#type(),
            consumable_rtp_parameters: producer.consumable_rtp_parameters().clone(),
            paused: producer.paused(),
            score: producer.score(),
        }
    }
}

impl Mafalda {
    /// `transport.produce()`.
    pub async fn produce(&self, transport_id: TransportId, options: ProducerOptions) -> Result<ProducerInfo> {
        self.produce_inner(transport_id, None, options).await
    }

    /// `pipeTransport.produce({ id })`: a producer that takes the id of its
    /// source on the other side of the pipe. `options` carry no id.
    pub async fn produce_with_id(
        &self,
        transport_id: TransportId,
        id: ProducerId,
        options: ProducerOptions,
    ) -> Result<ProducerInfo> {
        self.produce_inner(transport_id, Some(id), options).await
    }

    async fn produce_inner(
        &self,
        transport_id: TransportId,
        id: Option<ProducerId>,
        options: ProducerOptions,
    ) -> Result<ProducerInfo> {
        let (transport, room, home) = {
            let registry = self.registry();
            let entry = registry
                .transports
                .get(&transport_id)
                .ok_or_else(|| Error::invalid_state("Transport closed"))?;
            if id.is_some() {
                // Producer ids are unique in the whole process here (one
                // registry, as one mediasoup worker): a producer piped in
                // from another mafalda room of this process would collide.
                if entry.transport.kind() != crate::ids::TransportKind::Pipe {
                    return Err(Error::unsupported(
                        "a producer id can only be given on a PipeTransport",
                    ));
                }
            }
            (entry.transport.clone(), entry.router, entry.site)
        };
        let reserved = self.reserve_id("Producer", id, |registry, id| registry.producers.contains_key(id))?;
        let options = match id {
            Some(id) => piped_options(id, options),
            None => options,
        };
        let producer = transport.as_dyn().produce(options).await.map_err(produce_error)?;
        let info = ProducerInfo::of(&producer);
        let handlers = self.subscribe_producer(room, &producer);
        let entry = ProducerEntry {
            producer,
            transport: transport_id,
            room,
            home,
            _handlers: handlers,
        };
        let mut registry = self.registry();
        match registry.transports.get_mut(&transport_id) {
            Some(transport) => {
                transport.producers.insert(info.id);
                registry.producers.insert(info.id, entry);
                drop(registry);
                drop(reserved);
                Ok(info)
            }
            None => {
                drop(registry);
                drop(entry);
                Err(Error::invalid_state("Transport closed"))
            }
        }
    }

    fn subscribe_producer(&self, room: VirtualRouterId, producer: &Producer) -> Vec<HandlerId> {
        let id = producer.id();
        let sink = self.events(Some(room));
        let s = Arc::clone(&sink);
        let score = producer.on_score(move |score| {
            s.emit(Event::ProducerScore {
                producer: id,
                score: score.to_vec(),
            })
        });
        let s = Arc::clone(&sink);
        let trace = producer.on_trace(move |data| s.emit(Event::trace(id, data)));
        let s = sink;
        let orientation = producer.on_video_orientation_change(move |orientation| {
            s.emit(Event::ProducerVideoOrientationChange {
                producer: id,
                orientation,
            })
        });
        vec![score, trace, orientation]
    }

    /// Closes a producer; its consumers get `producerclose`. Closing twice is
    /// a no-op.
    pub fn close_producer(&self, id: ProducerId) {
        let mut garbage = self.garbage();
        self.registry().take_producer(id, &mut garbage);
        drop(garbage);
    }

    /// `producer.enableTraceEvent()`.
    pub async fn enable_producer_trace(
        &self,
        id: ProducerId,
        types: Vec<mediasoup::producer::ProducerTraceEventType>,
    ) -> Result<()> {
        Ok(self.producer(id)?.enable_trace_event(types).await?)
    }

    /// `producer.pause()`; a producer from another instance pauses on
    /// every real router it arrived at (see `engine/arrival.rs`).
    pub async fn pause_producer(&self, id: ProducerId) -> Result<()> {
        self.producer(id)?.pause().await?;
        for arrival in self.arrivals_of(id) {
            // One that closes meanwhile has nobody left to tell.
            let _ = arrival.pause().await;
        }
        Ok(())
    }

    /// `producer.resume()`, on every arrival too.
    pub async fn resume_producer(&self, id: ProducerId) -> Result<()> {
        self.producer(id)?.resume().await?;
        for arrival in self.arrivals_of(id) {
            let _ = arrival.resume().await;
        }
        Ok(())
    }

    /// `producer.getStats()`.
    pub async fn producer_stats(&self, id: ProducerId) -> Result<Vec<ProducerStat>> {
        Ok(self.producer(id)?.get_stats().await?)
    }

    /// `producer.dump()`.
    pub async fn dump_producer(&self, id: ProducerId) -> Result<ProducerDump> {
        Ok(self.producer(id)?.dump().await?)
    }

    /// Takes the id given to a `what` (`"Producer"`, `"DataProducer"`)
    /// about to be created, if one was given. Fails with mediasoup's
    /// `TypeError` for a duplicate when `in_use` finds the id in the
    /// registry or another call is creating one with it. Released when the
    /// guard drops, which must happen without the registry locked.
    pub(crate) fn reserve_id<Id: std::fmt::Display>(
        &self,
        what: &str,
        id: Option<Id>,
        in_use: impl FnOnce(&Registry, &Id) -> bool,
    ) -> Result<Option<IdReservation>> {
        let Some(id) = id else { return Ok(None) };
        let mut registry = self.registry();
        if in_use(&registry, &id) || !registry.reserved_ids.insert(id.to_string()) {
            return Err(Error::type_error(format!(
                "a {what} with same id \"{id}\" already exists"
            )));
        }
        Ok(Some(IdReservation {
            mafalda: self.clone(),
            id: id.to_string(),
        }))
    }

    pub(crate) fn producer(&self, id: ProducerId) -> Result<Producer> {
        self.registry()
            .producers
            .get(&id)
            .map(|entry| entry.producer.clone())
            .ok_or_else(|| Error::invalid_state("Producer closed"))
    }
}

/// `options` for a pipe producer taking the id `id` of its source on the
/// other side of a PipeTransport.
pub(crate) fn piped_options(id: ProducerId, options: ProducerOptions) -> ProducerOptions {
    let mut piped = ProducerOptions::new_pipe_transport(id, options.kind, options.rtp_parameters);
    piped.paused = options.paused;
    piped.key_frame_request_delay = options.key_frame_request_delay;
    piped
}

fn produce_error(error: ProduceError) -> Error {
    match error {
        ProduceError::AlreadyExists(id) => {
            Error::type_error(format!("a Producer with same id \"{id}\" already exists"))
        }
        ProduceError::IncorrectRtpParameters(error) => Error::type_error(error.to_string()),
        // As mediasoup-node's ortc: a codec the router lacks is unsupported;
        // inconsistent parameters (RTX without its media codec) are a TypeError.
        ProduceError::FailedRtpParametersMapping(
            error @ mediasoup::ortc::RtpParametersMappingError::UnsupportedCodec { .. },
        ) => Error::unsupported(error.to_string()),
        ProduceError::FailedRtpParametersMapping(error) => Error::type_error(error.to_string()),
        ProduceError::Request(error) => error.into(),
    }
}

/// A (data) producer id taken while its producer is being created (see
/// [`Mafalda::reserve_id`]).
pub(crate) struct IdReservation {
    mafalda: Mafalda,
    id: String,
}

impl Drop for IdReservation {
    fn drop(&mut self) {
        self.mafalda.registry().reserved_ids.remove(&self.id);
    }
}

//! Data consumers. A data consumer's id is the real one's. Consuming a data
//! producer that lives on another real router of the room first ensures the
//! data pipe to this one (see `piping.rs`).

use crate::engine::{Cleanup, Mafalda};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::PipeKey;
use crate::ids::TransportKind;
use crate::ids::VirtualRouterId;
use crate::state::DataConsumerEntry;
use event_listener_primitives::HandlerId;
use mediasoup::data_consumer::DataConsumerDump;
use mediasoup::data_consumer::DataConsumerStat;
use mediasoup::data_consumer::DataConsumerType;
use mediasoup::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Options of `consumeData()`, as mediasoup-node takes them.
#[derive(Debug, Clone)]
pub struct DataConsumeOptions {
    /// The data producer to consume.
    pub data_producer_id: DataProducerId,
    /// SCTP only: whether messages arrive in order (reliably).
    pub ordered: Option<bool>,
    /// SCTP only: unordered, retransmitted for at most this many ms.
    pub max_packet_life_time: Option<u16>,
    /// SCTP only: unordered, retransmitted at most this many times.
    pub max_retransmits: Option<u16>,
    /// Whether it starts paused.
    pub paused: bool,
    /// Subchannels it subscribes to.
    pub subchannels: Option<Vec<u16>>,
}

impl DataConsumeOptions {
    /// mediasoup-rust's options for a transport of `kind`, with mediasoup's
    /// rules: SCTP reliability is the data producer's unless given; none on
    /// a DirectTransport. `ordered: false` alone keeps the data producer's
    /// reliability (mediasoup-rust cannot ask for unordered and reliable).
    fn for_transport(self, kind: TransportKind) -> Result<DataConsumerOptions> {
        let id = self.data_producer_id;
        let mut options = match (
            kind,
            self.ordered,
            self.max_packet_life_time,
            self.max_retransmits,
        ) {
            (TransportKind::Direct, ..) => DataConsumerOptions::new_direct(id, None),
            (_, Some(true), ..) => DataConsumerOptions::new_sctp_ordered(id),
            (_, _, Some(_), Some(_)) => {
                return Err(Error::type_error(
                    "cannot provide both maxPacketLifeTime and maxRetransmits",
                ))
            }
            (_, _, Some(life_time), None) => {
                DataConsumerOptions::new_sctp_unordered_with_life_time(id, life_time)
            }
            (_, _, None, Some(retransmits)) => {
                DataConsumerOptions::new_sctp_unordered_with_retransmits(id, retransmits)
            }
            (_, _, None, None) => DataConsumerOptions::new_sctp(id),
        };
        options.paused = self.paused;
        options.subchannels = self.subchannels;
        Ok(options)
    }
}

/// What the application learns of a new data consumer.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DataConsumerInfo {
    pub id: DataConsumerId,
    pub data_producer_id: DataProducerId,
    pub r#type: DataConsumerType,
    pub sctp_stream_parameters: Option<SctpStreamParameters>,
    pub label: String,
    pub protocol: String,
    pub paused: bool,
    pub data_producer_paused: bool,
    pub subchannels: Vec<u16>,
    pub buffered_amount_low_threshold: u32,
}

impl Mafalda {
    /// `transport.consumeData()`.
    pub async fn consume_data(
        &self,
        transport_id: TransportId,
        options: DataConsumeOptions,
    ) -> Result<DataConsumerInfo> {
        let data_producer_id = options.data_producer_id;
        let not_found = || Error::not_found(format!("DataProducer with id \"{data_producer_id}\" not found"));
        let (transport, room_id, destination) = {
            let registry = self.registry();
            let entry = registry
                .transports
                .get(&transport_id)
                .ok_or_else(|| Error::invalid_state("Transport closed"))?;
            // As in mediasoup, only data producers of the same (virtual) router.
            // Or piped to it (imported); see `consume()`.
            if !registry.room_sees_data_producer(entry.router, data_producer_id) {
                return Err(not_found());
            }
            let destination = registry
                .real_router(entry.router, entry.site.router)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            (entry.transport.clone(), entry.router, destination)
        };
        let options = options.for_transport(transport.kind())?;
        let pipe = self.ensure_data_pipe(data_producer_id, &destination).await?;
        let release = |pipe: Option<PipeKey>| {
            if let Some(pipe) = pipe {
                self.registry().release_pipe(pipe, std::time::Instant::now());
            }
        };
        let data_consumer = match transport.as_dyn().consume_data(options).await {
            Ok(data_consumer) => data_consumer,
            Err(error) => {
                release(pipe);
                return Err(consume_data_error(error));
            }
        };
        let producer_closed = Arc::new(AtomicBool::new(false));
        // Subscribed before anything else is awaited: the data producer may
        // close at any moment from now on.
        let handlers = self.subscribe_data_consumer(room_id, &data_consumer, &producer_closed);
        // mediasoup-node learns the threshold from the worker's answer to
        // the consume request; mediasoup-rust keeps it to itself.
        let buffered_amount_low_threshold = match data_consumer.dump().await {
            Ok(dump) => dump.buffered_amount_low_threshold,
            Err(error) => {
                drop(data_consumer);
                release(pipe);
                return Err(error.into());
            }
        };
        let info = DataConsumerInfo {
            id: data_consumer.id(),
            data_producer_id: data_consumer.data_producer_id(),
            r#type: data_consumer.r#type(),
            sctp_stream_parameters: data_consumer.sctp_stream_parameters(),
            label: data_consumer.label().clone(),
            protocol: data_consumer.protocol().clone(),
            paused: data_consumer.paused(),
            data_producer_paused: data_consumer.producer_paused(),
            subchannels: data_consumer.subchannels(),
            buffered_amount_low_threshold,
        };
        let watched = data_consumer.downgrade();
        let entry = DataConsumerEntry {
            data_consumer,
            transport: transport_id,
            pipe,
            _handlers: handlers,
        };
        let mut registry = self.registry();
        // The transport closed meanwhile: undo through the usual path.
        let open = match registry.transports.get_mut(&transport_id) {
            Some(transport) => transport.data_consumers.insert(info.id),
            None => false,
        };
        registry.data_consumers.insert(info.id, entry);
        if open {
            drop(registry);
            let id = info.id;
            self.catch_early_close(
                room_id,
                move || watched.upgrade().map(|data_consumer| data_consumer.closed()),
                producer_closed,
                move |sink| sink.emit(Event::DataConsumerDataProducerClose { data_consumer: id }),
                Cleanup::DataConsumer(id),
            );
            return Ok(info);
        }
        let mut garbage = self.garbage();
        registry.take_data_consumer(info.id, &mut garbage);
        drop(registry);
        drop(garbage);
        Err(Error::invalid_state("Transport closed"))
    }

    fn subscribe_data_consumer(
        &self,
        room: VirtualRouterId,
        data_consumer: &DataConsumer,
        producer_closed: &Arc<AtomicBool>,
    ) -> Vec<HandlerId> {
        let id = data_consumer.id();
        let sink = self.events(Some(room));
        let cleanup = self.cleanup_sender();
        let mut handlers = Vec::new();
        let s = Arc::clone(&sink);
        let reported = Arc::clone(producer_closed);
        handlers.push(data_consumer.on_data_producer_close(move || {
            if !reported.swap(true, Ordering::SeqCst) {
                s.emit(Event::DataConsumerDataProducerClose { data_consumer: id });
            }
            // Closed by the worker: forgotten on the janitor thread, not
            // inside mediasoup's handler.
            let _ = cleanup.send(Cleanup::DataConsumer(id));
        }));
        let s = Arc::clone(&sink);
        handlers.push(data_consumer.on_data_producer_pause(move || {
            s.emit(Event::DataConsumerDataProducerPause { data_consumer: id })
        }));
        let s = Arc::clone(&sink);
        handlers.push(data_consumer.on_data_producer_resume(move || {
            s.emit(Event::DataConsumerDataProducerResume { data_consumer: id })
        }));
        let s = Arc::clone(&sink);
        handlers.push(data_consumer.on_sctp_send_buffer_full(move || {
            s.emit(Event::DataConsumerSctpSendBufferFull { data_consumer: id })
        }));
        let s = Arc::clone(&sink);
        handlers.push(data_consumer.on_buffered_amount_low(move |buffered_amount| {
            s.emit(Event::DataConsumerBufferedAmountLow {
                data_consumer: id,
                buffered_amount,
            })
        }));
        // Only the worker's DataConsumers of a DirectTransport hand messages
        // to the application.
        if data_consumer.r#type() == DataConsumerType::Direct {
            handlers.push(data_consumer.on_message(move |message| {
                let (ppid, payload) = message_parts(message);
                sink.emit(Event::DataConsumerMessage {
                    data_consumer: id,
                    ppid,
                    payload,
                })
            }));
        }
        handlers
    }

    /// Closes a data consumer. Closing twice is a no-op.
    pub fn close_data_consumer(&self, id: DataConsumerId) {
        let mut garbage = self.garbage();
        self.registry().take_data_consumer(id, &mut garbage);
        drop(garbage);
    }

    /// `dataConsumer.pause()`.
    pub async fn pause_data_consumer(&self, id: DataConsumerId) -> Result<()> {
        Ok(self.data_consumer(id)?.pause().await?)
    }

    /// `dataConsumer.resume()`.
    pub async fn resume_data_consumer(&self, id: DataConsumerId) -> Result<()> {
        Ok(self.data_consumer(id)?.resume().await?)
    }

    /// `dataConsumer.getStats()`.
    pub async fn data_consumer_stats(&self, id: DataConsumerId) -> Result<Vec<DataConsumerStat>> {
        Ok(self.data_consumer(id)?.get_stats().await?)
    }

    /// `dataConsumer.dump()`.
    pub async fn dump_data_consumer(&self, id: DataConsumerId) -> Result<DataConsumerDump> {
        Ok(self.data_consumer(id)?.dump().await?)
    }

    /// `dataConsumer.getBufferedAmount()`.
    pub async fn data_consumer_buffered_amount(&self, id: DataConsumerId) -> Result<u32> {
        Ok(self.data_consumer(id)?.get_buffered_amount().await?)
    }

    /// `dataConsumer.setBufferedAmountLowThreshold()`.
    pub async fn set_buffered_amount_low_threshold(&self, id: DataConsumerId, threshold: u32) -> Result<()> {
        Ok(self
            .data_consumer(id)?
            .set_buffered_amount_low_threshold(threshold)
            .await?)
    }

    /// How `setSubchannels()`, `addSubchannel()` and `removeSubchannel()`
    /// change the subchannels of a data consumer.
    pub async fn change_subchannels(&self, id: DataConsumerId, change: SubchannelChange) -> Result<Vec<u16>> {
        let data_consumer = self.data_consumer(id)?;
        match change {
            SubchannelChange::Set(subchannels) => data_consumer.set_subchannels(subchannels).await?,
            SubchannelChange::Add(subchannel) => data_consumer.add_subchannel(subchannel).await?,
            SubchannelChange::Remove(subchannel) => data_consumer.remove_subchannel(subchannel).await?,
        }
        Ok(data_consumer.subchannels())
    }

    /// `dataConsumer.send()`: a message to the endpoint of an SCTP data
    /// consumer; the bytes still buffered afterwards.
    pub async fn send_to_data_consumer(&self, id: DataConsumerId, message: WebRtcMessage<'_>) -> Result<u32> {
        match self.data_consumer(id)? {
            DataConsumer::Regular(data_consumer) => Ok(data_consumer.send(message).await?),
            _ => Err(Error::failed(
                "send() is not possible on a DataConsumer of a DirectTransport",
            )),
        }
    }

    pub(crate) fn data_consumer(&self, id: DataConsumerId) -> Result<DataConsumer> {
        self.registry()
            .data_consumers
            .get(&id)
            .map(|entry| entry.data_consumer.clone())
            .ok_or_else(|| Error::invalid_state("DataConsumer closed"))
    }
}

/// A change of a data consumer's subchannels.
#[derive(Debug, Clone)]
pub enum SubchannelChange {
    /// `setSubchannels()`.
    Set(Vec<u16>),
    /// `addSubchannel()`.
    Add(u16),
    /// `removeSubchannel()`.
    Remove(u16),
}

/// The PPID and bytes of a message as mediasoup-node hands them out. The
/// payload of an empty message is what mediasoup-node's senders put on the
/// wire for it (mediasoup-rust keeps only the PPID).
fn message_parts(message: &WebRtcMessage<'_>) -> (u32, Vec<u8>) {
    match message {
        WebRtcMessage::String(payload) => (51, payload.to_vec()),
        WebRtcMessage::Binary(payload) => (53, payload.to_vec()),
        WebRtcMessage::EmptyString => (56, b" ".to_vec()),
        WebRtcMessage::EmptyBinary => (57, vec![0]),
    }
}

fn consume_data_error(error: ConsumeDataError) -> Error {
    match error {
        ConsumeDataError::DataProducerNotFound(id) => {
            Error::not_found(format!("DataProducer with id \"{id}\" not found"))
        }
        ConsumeDataError::NoSctpStreamId => Error::failed("no sctpStreamId available"),
        ConsumeDataError::Request(error) => error.into(),
    }
}

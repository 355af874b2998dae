//! Data producers (DataChannels sent by an endpoint over SCTP, or messages
//! sent from the application over a DirectTransport). A data producer's id
//! is the real one's; data consumers of it on other real routers of the room
//! get it through a data pipe (see `piping.rs`).

use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::TransportKind;
use crate::state::DataProducerEntry;
use mediasoup::data_producer::DataProducerDump;
use mediasoup::data_producer::DataProducerStat;
use mediasoup::data_producer::DataProducerType;
use mediasoup::prelude::*;

/// Options of `produceData()`, as mediasoup-node takes them.
#[derive(Debug, Clone, Default)]
pub struct DataProduceOptions {
    /// A given id (SCTP data producers only; mediasoup-rust takes one only
    /// with SCTP stream parameters).
    pub id: Option<DataProducerId>,
    /// Required on WebRTC and plain transports, ignored on a DirectTransport.
    pub sctp_stream_parameters: Option<SctpStreamParameters>,
    /// DataChannel label.
    pub label: String,
    /// DataChannel sub-protocol.
    pub protocol: String,
    /// Whether it starts paused.
    pub paused: bool,
}

impl DataProduceOptions {
    /// mediasoup-rust's options for a transport of `kind`.
    fn for_transport(self, kind: TransportKind) -> Result<DataProducerOptions> {
        let mut options = match (kind, self.sctp_stream_parameters, self.id) {
            // mediasoup ignores SCTP parameters given on a DirectTransport.
            (TransportKind::Direct, ..) => DataProducerOptions::new_direct(),
            (_, None, _) => return Err(Error::type_error("missing sctpStreamParameters")),
            (_, Some(parameters), Some(id)) => DataProducerOptions::new_pipe_transport(id, parameters),
            (_, Some(parameters), None) => DataProducerOptions::new_sctp(parameters),
        };
        options.label = self.label;
        options.protocol = self.protocol;
        options.paused = self.paused;
        Ok(options)
    }
}

/// What the application learns of a new data producer.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DataProducerInfo {
    pub id: DataProducerId,
    pub r#type: DataProducerType,
    pub sctp_stream_parameters: Option<SctpStreamParameters>,
    pub label: String,
    pub protocol: String,
    pub paused: bool,
}

impl Mafalda {
    /// `transport.produceData()`.
    pub async fn produce_data(
        &self,
        transport_id: TransportId,
        options: DataProduceOptions,
    ) -> Result<DataProducerInfo> {
        let (transport, room, home) = {
            let registry = self.registry();
            let entry = registry
                .transports
                .get(&transport_id)
                .ok_or_else(|| Error::invalid_state("Transport closed"))?;
            (entry.transport.clone(), entry.router, entry.site)
        };
        // mediasoup ignores an id given on a DirectTransport.
        let given_id = options.id.filter(|_| transport.kind() != TransportKind::Direct);
        let options = options.for_transport(transport.kind())?;
        let reserved = self.reserve_id("DataProducer", given_id, |registry, id| {
            registry.data_producers.contains_key(id)
        })?;
        let data_producer = transport
            .as_dyn()
            .produce_data(options)
            .await
            .map_err(produce_data_error)?;
        let info = DataProducerInfo {
            id: data_producer.id(),
            r#type: data_producer.r#type(),
            sctp_stream_parameters: data_producer.sctp_stream_parameters(),
            label: data_producer.label().clone(),
            protocol: data_producer.protocol().clone(),
            paused: data_producer.paused(),
        };
        let entry = DataProducerEntry {
            data_producer,
            transport: transport_id,
            room,
            home,
        };
        let mut registry = self.registry();
        match registry.transports.get_mut(&transport_id) {
            Some(transport) => {
                transport.data_producers.insert(info.id);
                registry.data_producers.insert(info.id, entry);
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

    /// Closes a data producer; its data consumers (here and through pipes)
    /// get `dataproducerclose`. Closing twice is a no-op.
    pub fn close_data_producer(&self, id: DataProducerId) {
        let mut garbage = self.garbage();
        self.registry().take_data_producer(id, &mut garbage);
        drop(garbage);
    }

    /// `dataProducer.pause()`.
    pub async fn pause_data_producer(&self, id: DataProducerId) -> Result<()> {
        Ok(self.data_producer(id)?.pause().await?)
    }

    /// `dataProducer.resume()`.
    pub async fn resume_data_producer(&self, id: DataProducerId) -> Result<()> {
        Ok(self.data_producer(id)?.resume().await?)
    }

    /// `dataProducer.getStats()`.
    pub async fn data_producer_stats(&self, id: DataProducerId) -> Result<Vec<DataProducerStat>> {
        Ok(self.data_producer(id)?.get_stats().await?)
    }

    /// `dataProducer.dump()`.
    pub async fn dump_data_producer(&self, id: DataProducerId) -> Result<DataProducerDump> {
        Ok(self.data_producer(id)?.dump().await?)
    }

    /// `dataProducer.send()` (DataProducers of a DirectTransport only): a
    /// message from the application into the room, delivered to the data
    /// consumers subscribed to `subchannels` (all of them without) that also
    /// have `required_subchannel`, if given.
    pub fn send_data(
        &self,
        id: DataProducerId,
        message: WebRtcMessage<'_>,
        subchannels: Option<Vec<u16>>,
        required_subchannel: Option<u16>,
    ) -> Result<()> {
        match self.data_producer(id)? {
            DataProducer::Direct(data_producer) => data_producer
                .send(message, subchannels, required_subchannel, None)
                .map_err(|error| Error::invalid_state(error.to_string())),
            _ => Err(Error::type_error(
                "send() is only for DataProducers of a DirectTransport",
            )),
        }
    }

    pub(crate) fn data_producer(&self, id: DataProducerId) -> Result<DataProducer> {
        self.registry()
            .data_producers
            .get(&id)
            .map(|entry| entry.data_producer.clone())
            .ok_or_else(|| Error::invalid_state("DataProducer closed"))
    }
}

fn produce_data_error(error: ProduceDataError) -> Error {
    match error {
        ProduceDataError::AlreadyExists(id) => {
            Error::type_error(format!("a DataProducer with same id \"{id}\" already exists"))
        }
        ProduceDataError::SctpStreamParametersRequired => Error::type_error("missing sctpStreamParameters"),
        ProduceDataError::Request(error) => error.into(),
    }
}

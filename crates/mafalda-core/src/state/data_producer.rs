//! A data producer as the registry keeps it, and its removal.

use crate::ids::Location;
use crate::ids::VirtualRouterId;
use crate::state::Garbage;
use crate::state::Registry;
use mediasoup::data_producer::DataProducer;
use mediasoup::data_producer::DataProducerId;
use mediasoup::transport::TransportId;

pub(crate) struct DataProducerEntry {
    pub data_producer: DataProducer,
    pub transport: TransportId,
    /// Its room, and where in the room it lives.
    pub room: VirtualRouterId,
    pub home: Location,
}

impl Registry {
    pub fn take_data_producer(&mut self, id: DataProducerId, garbage: &mut Garbage) {
        let Some(entry) = self.data_producers.remove(&id) else {
            return;
        };
        if let Some(transport) = self.transports.get_mut(&entry.transport) {
            transport.data_producers.remove(&id);
        }
        // Its pipes go with it: data consumers on other real routers get
        // `dataproducerclose` from their pipe data producer.
        self.forget_data_imports_of(id);
        self.take_pipes_of(id, garbage);
        garbage.data_producers.push(entry);
    }
}

//! A data consumer as the registry keeps it, and its removal.

use crate::ids::PipeKey;
use crate::state::Garbage;
use crate::state::Registry;
use event_listener_primitives::HandlerId;
use mediasoup::data_consumer::DataConsumer;
use mediasoup::data_consumer::DataConsumerId;
use mediasoup::transport::TransportId;

pub(crate) struct DataConsumerEntry {
    pub data_consumer: DataConsumer,
    pub transport: TransportId,
    /// The pipe that brings its data producer to this real router, if any.
    pub pipe: Option<PipeKey>,
    pub _handlers: Vec<HandlerId>,
}

impl Registry {
    pub fn take_data_consumer(&mut self, id: DataConsumerId, garbage: &mut Garbage) {
        let Some(entry) = self.data_consumers.remove(&id) else {
            return;
        };
        if let Some(transport) = self.transports.get_mut(&entry.transport) {
            transport.data_consumers.remove(&id);
        }
        if let Some(pipe) = entry.pipe {
            self.release_pipe(pipe, std::time::Instant::now());
        }
        garbage.data_consumers.push(entry);
    }
}

//! What rooms imported with `pipeToRouter()`, as the registry answers it.

use crate::decide::rooms::may_consume;
use crate::ids::VirtualRouterId;
use crate::state::Registry;
use mediasoup::data_producer::DataProducerId;
use mediasoup::producer::ProducerId;

impl Registry {
    /// Whether `room` may consume `producer` (see [`may_consume`]).
    pub fn room_sees_producer(&self, room: VirtualRouterId, producer: ProducerId) -> bool {
        self.producers.get(&producer).is_some_and(|entry| {
            let imported = self
                .routers
                .get(&room)
                .is_some_and(|r| r.imports.contains(&producer));
            may_consume(entry.room, room, imported)
        })
    }

    /// Whether `room` may consume `data_producer` (see [`may_consume`]).
    pub fn room_sees_data_producer(&self, room: VirtualRouterId, data_producer: DataProducerId) -> bool {
        self.data_producers.get(&data_producer).is_some_and(|entry| {
            let imported = self
                .routers
                .get(&room)
                .is_some_and(|r| r.data_imports.contains(&data_producer));
            may_consume(entry.room, room, imported)
        })
    }

    /// A producer closed: no room imports it any more (its consumers get
    /// `producerclose` from the worker).
    pub fn forget_imports_of(&mut self, producer: ProducerId) {
        for room in self.routers.values_mut() {
            room.imports.remove(&producer);
            room.paused_imports.remove(&producer);
        }
    }

    /// [`Registry::forget_imports_of`] for a data producer.
    pub fn forget_data_imports_of(&mut self, data_producer: DataProducerId) {
        for room in self.routers.values_mut() {
            room.data_imports.remove(&data_producer);
        }
    }
}

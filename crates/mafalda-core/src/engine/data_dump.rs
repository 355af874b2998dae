//! What router and transport dumps show of data producers and consumers:
//! the application's objects only, in mediasoup-node's shapes. The real
//! routers' own maps would also list pipe data producers (with the same id
//! as their source) and pipe data consumers, and objects whose close request
//! mediasoup-rust has yet to send.

use crate::engine::Mafalda;
use crate::ids::VirtualRouterId;
use mediasoup::transport::TransportId;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

impl Mafalda {
    /// Sets a room dump's `mapDataProducerIdDataConsumerIds` (`[{ key,
    /// values }]`) and `mapDataConsumerIdDataProducerId` (`[{ key, value
    /// }]`) from the room's data producers and consumers.
    pub(crate) fn insert_room_data_maps(&self, room: VirtualRouterId, dump: &mut Map<String, Value>) {
        let (producers, consumers) = {
            let registry = self.registry();
            let producers: Vec<String> = registry
                .data_producers
                .iter()
                .filter(|(id, entry)| {
                    entry.room == room
                        || registry
                            .routers
                            .get(&room)
                            .is_some_and(|r| r.data_imports.contains(*id))
                })
                .map(|(id, _)| id.to_string())
                .collect();
            let consumers: Vec<(String, String)> = registry
                .data_consumers
                .iter()
                .filter(|(_, entry)| {
                    registry
                        .transports
                        .get(&entry.transport)
                        .is_some_and(|transport| transport.router == room)
                })
                .map(|(id, entry)| (id.to_string(), entry.data_consumer.data_producer_id().to_string()))
                .collect();
            (producers, consumers)
        };
        let mut by_producer: HashMap<&str, Vec<&str>> =
            producers.iter().map(|id| (id.as_str(), Vec::new())).collect();
        for (consumer, producer) in &consumers {
            if let Some(values) = by_producer.get_mut(producer.as_str()) {
                values.push(consumer);
            }
        }
        let producer_map: Vec<Value> = by_producer
            .into_iter()
            .map(|(key, values)| json!({ "key": key, "values": values }))
            .collect();
        let consumer_map: Vec<Value> = consumers
            .iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect();
        dump.insert(
            "mapDataProducerIdDataConsumerIds".into(),
            Value::Array(producer_map),
        );
        dump.insert(
            "mapDataConsumerIdDataProducerId".into(),
            Value::Array(consumer_map),
        );
    }

    /// Keeps in a transport dump's `dataProducerIds` and `dataConsumerIds`
    /// only the data producers and consumers still open.
    pub(crate) fn retain_open_data_ids(&self, transport: TransportId, dump: &mut Value) {
        let (producers, consumers): (HashSet<String>, HashSet<String>) = {
            let registry = self.registry();
            match registry.transports.get(&transport) {
                Some(entry) => (
                    entry.data_producers.iter().map(ToString::to_string).collect(),
                    entry.data_consumers.iter().map(ToString::to_string).collect(),
                ),
                None => Default::default(),
            }
        };
        for (key, keep) in [("dataProducerIds", &producers), ("dataConsumerIds", &consumers)] {
            if let Some(Value::Array(ids)) = dump.get_mut(key) {
                ids.retain(|id| id.as_str().is_some_and(|id| keep.contains(id)));
            }
        }
    }
}

//! `router.pipeToRouter()` between two rooms of this process: the target
//! room *imports* the (data) producer, which its consumers then reach as if
//! it were the room's own: directly when their real router is the
//! producer's (rooms with the same codecs share real routers, so nothing is
//! created), else through the ordinary on-demand pipe. mediasoup would make
//! a PipeTransport pair, a pipe consumer and a pipe producer with the
//! source's id; in one process that producer would collide with its source
//! on a shared worker, and is not needed.

use crate::decide::rooms::import_refusal;
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::VirtualRouterId;
use mediasoup::data_producer::DataProducerId;
use mediasoup::producer::ProducerId;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn refused(what: &str, id: &dyn std::fmt::Display, reason: &str) -> Error {
    match reason {
        "same router" => Error::failed("cannot use this Router as destination"),
        "already exists" => Error::failed(format!("a {what} with same id \"{id}\" already exists")),
        _ => Error::not_found(format!("{what} with id \"{id}\" not found")),
    }
}

impl Mafalda {
    /// `router.pipeToRouter({ producerId, router })`: `room` imports
    /// `producer` of another room.
    pub fn import_producer(&self, room: VirtualRouterId, producer: ProducerId) -> Result<()> {
        let mut registry = self.registry();
        let source = registry.producers.get(&producer).map(|entry| entry.room);
        let target = registry
            .routers
            .get_mut(&room)
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        if let Some(reason) = import_refusal(source, room, target.imports.contains(&producer)) {
            return Err(refused("Producer", &producer, reason));
        }
        target.imports.insert(producer);
        Ok(())
    }

    /// `router.pipeToRouter({ dataProducerId, router })`.
    pub fn import_data_producer(&self, room: VirtualRouterId, data_producer: DataProducerId) -> Result<()> {
        let mut registry = self.registry();
        let source = registry
            .data_producers
            .get(&data_producer)
            .map(|entry| entry.room);
        let target = registry
            .routers
            .get_mut(&room)
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        let already = target.data_imports.contains(&data_producer);
        if let Some(reason) = import_refusal(source, room, already) {
            return Err(refused("DataProducer", &data_producer, reason));
        }
        target.data_imports.insert(data_producer);
        Ok(())
    }

    /// `pipeProducer.pause()` / `resume()` of an import: the room's
    /// consumers of the producer get `producerpause` / `producerresume` and
    /// are held paused meanwhile, as consumers of a paused pipe producer
    /// would be. (The source's own pause reaches them from the worker, and
    /// mediasoup-node passes it to the pipe producer too.)
    pub async fn set_import_paused(
        &self,
        room: VirtualRouterId,
        producer: ProducerId,
        paused: bool,
    ) -> Result<()> {
        let consumers: Vec<_> = {
            let mut registry = self.registry();
            let target = registry
                .routers
                .get_mut(&room)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            if !target.imports.contains(&producer) {
                return Err(Error::invalid_state("Producer closed"));
            }
            if paused {
                target.paused_imports.insert(producer);
            } else {
                target.paused_imports.remove(&producer);
            }
            let transports: Vec<_> = target.transports.iter().copied().collect();
            transports
                .iter()
                .filter_map(|t| registry.transports.get(t))
                .flat_map(|t| t.consumers.iter())
                .filter_map(|c| registry.consumers.get(c).map(|entry| (*c, entry)))
                .filter(|(_, entry)| entry.consumer.producer_id() == producer)
                .map(|(id, entry)| {
                    (
                        id,
                        entry.consumer.clone(),
                        entry.app_paused,
                        Arc::clone(&entry.import_paused),
                    )
                })
                .collect()
        };
        for (id, consumer, app_paused, held) in consumers {
            held.store(paused, Ordering::SeqCst);
            if !app_paused {
                if paused {
                    consumer.pause().await?;
                } else {
                    consumer.resume().await?;
                }
            }
            self.events(Some(room)).emit(if paused {
                Event::ConsumerProducerPause { consumer: id }
            } else {
                Event::ConsumerProducerResume { consumer: id }
            });
        }
        Ok(())
    }

    /// The pipe producer of an import was closed: the room's consumers of
    /// the producer close with `producerclose`, as mediasoup's consumers of a
    /// closed pipe producer do. A no-op if there is no such import.
    pub fn unimport_producer(&self, room: VirtualRouterId, producer: ProducerId) {
        let mut garbage = self.garbage();
        let mut closed = Vec::new();
        {
            let mut registry = self.registry();
            let Some(target) = registry.routers.get_mut(&room) else {
                return;
            };
            if !target.imports.remove(&producer) {
                return;
            }
            target.paused_imports.remove(&producer);
            let transports: Vec<_> = target.transports.iter().copied().collect();
            let consumers: Vec<_> = transports
                .iter()
                .filter_map(|t| registry.transports.get(t))
                .flat_map(|t| t.consumers.iter().copied())
                .filter(|c| {
                    registry
                        .consumers
                        .get(c)
                        .is_some_and(|entry| entry.consumer.producer_id() == producer)
                })
                .collect();
            for consumer in consumers {
                registry.take_consumer(consumer, &mut garbage);
                closed.push(Event::ConsumerProducerClose { consumer });
            }
            // The room's observers stop observing it, as when mediasoup's
            // pipe producer closes.
            let observers: Vec<_> = registry
                .observers
                .iter()
                .filter(|(_, o)| o.room == room && o.producers.contains_key(&producer))
                .map(|(id, _)| *id)
                .collect();
            for observer in observers {
                let _ = self.forget_observed_by(&mut registry, observer, producer);
            }
        }
        drop(garbage);
        for event in closed {
            self.events(Some(room)).emit(event);
        }
    }

    /// [`Mafalda::unimport_producer`] for a data producer: the room's data
    /// consumers of it close with `dataproducerclose`.
    pub fn unimport_data_producer(&self, room: VirtualRouterId, data_producer: DataProducerId) {
        let mut garbage = self.garbage();
        let mut closed = Vec::new();
        {
            let mut registry = self.registry();
            let Some(target) = registry.routers.get_mut(&room) else {
                return;
            };
            if !target.data_imports.remove(&data_producer) {
                return;
            }
            let transports: Vec<_> = target.transports.iter().copied().collect();
            let consumers: Vec<_> = transports
                .iter()
                .filter_map(|t| registry.transports.get(t))
                .flat_map(|t| t.data_consumers.iter().copied())
                .filter(|c| {
                    registry
                        .data_consumers
                        .get(c)
                        .is_some_and(|entry| entry.data_consumer.data_producer_id() == data_producer)
                })
                .collect();
            for data_consumer in consumers {
                registry.take_data_consumer(data_consumer, &mut garbage);
                closed.push(Event::DataConsumerDataProducerClose { data_consumer });
            }
        }
        drop(garbage);
        for event in closed {
            self.events(Some(room)).emit(event);
        }
    }
}

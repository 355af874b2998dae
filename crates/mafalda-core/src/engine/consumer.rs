//! Consumers. A consumer's id is the real consumer's id.

use crate::engine::{Cleanup, Mafalda};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::VirtualRouterId;
use crate::state::ConsumerEntry;
use event_listener_primitives::HandlerId;
use mediasoup::consumer::ConsumerDump;
use mediasoup::consumer::{ConsumerRtpStreamStat, ConsumerScore, ConsumerType};
use mediasoup::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What the application learns of a new consumer.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ConsumerInfo {
    pub id: ConsumerId,
    pub producer_id: ProducerId,
    pub kind: MediaKind,
    pub rtp_parameters: RtpParameters,
    pub r#type: ConsumerType,
    pub paused: bool,
    pub producer_paused: bool,
    pub priority: u8,
    pub score: ConsumerScore,
    pub preferred_layers: Option<ConsumerLayers>,
    pub current_layers: Option<ConsumerLayers>,
    /// Its producer belongs to another room, imported into this one with
    /// `pipeToRouter()` (mediasoup-node would consume a pipe producer).
    pub imported: bool,
}

impl ConsumerInfo {
    fn of(consumer: &Consumer) -> Self {
        Self {
            id: consumer.id(),
            producer_id: consumer.producer_id(),
            kind: consumer.kind(),
            rtp_parameters: consumer.rtp_parameters().clone(),
            r#type: consumer.r#type(),
            paused: consumer.paused(),
            producer_paused: consumer.producer_paused(),
            priority: consumer.priority(),
            score: consumer.score(),
            preferred_layers: consumer.preferred_layers(),
            current_layers: consumer.current_layers(),
            imported: false,
        }
    }
}

impl Mafalda {
    /// `transport.consume()`.
    pub async fn consume(
        &self,
        transport_id: TransportId,
        mut options: ConsumerOptions,
    ) -> Result<ConsumerInfo> {
        let producer_id = options.producer_id;
        let not_found = || Error::not_found(format!("Producer with id \"{producer_id}\" not found"));
        let app_paused = options.paused;
        let (transport, room_id, destination, imported, import_paused) = {
            let registry = self.registry();
            let entry = registry
                .transports
                .get(&transport_id)
                .ok_or_else(|| Error::invalid_state("Transport closed"))?;
            // As in mediasoup, only producers of the same (virtual) router,
            // or piped to it (imported): rooms share real routers, so the
            // worker alone would not refuse another room's producer.
            if !registry.room_sees_producer(entry.router, producer_id) {
                return Err(not_found());
            }
            let room = registry
                .routers
                .get(&entry.router)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            let destination = registry
                .real_router(entry.router, entry.site.router)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            let imported = room.imports.contains(&producer_id);
            let import_paused = room.paused_imports.contains(&producer_id);
            if let Some(producer) = registry.producers.get(&producer_id) {
                crate::decide::negotiation::consumer_capabilities(
                    producer.producer.kind(),
                    &mut options.rtp_capabilities,
                );
            }
            (
                entry.transport.clone(),
                entry.router,
                destination,
                imported,
                import_paused,
            )
        };
        let pipe = self.ensure_pipe(producer_id, &destination).await?;
        let consumed = transport.as_dyn().consume(options).await.map_err(consume_error);
        let consumer = match consumed {
            Ok(consumer) => consumer,
            Err(error) => {
                if let Some(pipe) = pipe {
                    self.registry().release_pipe(pipe, std::time::Instant::now());
                }
                return Err(error);
            }
        };
        let import_paused = Arc::new(AtomicBool::new(import_paused));
        let producer_closed = Arc::new(AtomicBool::new(false));
        // Subscribed before anything else is awaited: the producer may close
        // at any moment from now on.
        let handlers = self.subscribe_consumer(room_id, &consumer, &import_paused, &producer_closed);
        let mut info = ConsumerInfo::of(&consumer);
        info.imported = imported;
        if import_paused.load(Ordering::SeqCst) {
            // A consumer of a paused pipe producer starts producer-paused.
            if !app_paused {
                let _ = consumer.pause().await;
            }
            info.producer_paused = true;
        }
        let watched = consumer.downgrade();
        let entry = ConsumerEntry {
            consumer,
            transport: transport_id,
            _counted: destination.worker.count_consumer(),
            pipe,
            app_paused,
            import_paused,
            _handlers: handlers,
        };
        let mut registry = self.registry();
        if registry.transports.contains_key(&transport_id) {
            registry
                .transports
                .get_mut(&transport_id)
                .expect("checked")
                .consumers
                .insert(info.id);
            registry.consumers.insert(info.id, entry);
            drop(registry);
            let id = info.id;
            self.catch_early_close(
                room_id,
                move || watched.upgrade().map(|consumer| consumer.closed()),
                producer_closed,
                move |sink| sink.emit(Event::ConsumerProducerClose { consumer: id }),
                Cleanup::Consumer(id),
            );
            return Ok(info);
        }
        // The transport closed meanwhile: undo through the usual path.
        registry.consumers.insert(info.id, entry);
        let mut garbage = self.garbage();
        registry.take_consumer(info.id, &mut garbage);
        drop(registry);
        drop(garbage);
        Err(Error::invalid_state("Transport closed"))
    }

    fn subscribe_consumer(
        &self,
        room: VirtualRouterId,
        consumer: &Consumer,
        import_paused: &Arc<AtomicBool>,
        producer_closed: &Arc<AtomicBool>,
    ) -> Vec<HandlerId> {
        let id = consumer.id();
        let sink = self.events(Some(room));
        let cleanup = self.cleanup_sender();
        let mut handlers = Vec::new();
        let s = Arc::clone(&sink);
        let reported = Arc::clone(producer_closed);
        handlers.push(consumer.on_producer_close(move || {
            if !reported.swap(true, Ordering::SeqCst) {
                s.emit(Event::ConsumerProducerClose { consumer: id });
            }
            // The worker closed it: forget it (not here, inside mediasoup's
            // own handler, but on the janitor thread).
            let _ = cleanup.send(Cleanup::Consumer(id));
        }));
        let s = Arc::clone(&sink);
        let held = Arc::clone(import_paused);
        handlers.push(consumer.on_producer_pause(move || {
            if !held.load(Ordering::SeqCst) {
                s.emit(Event::ConsumerProducerPause { consumer: id })
            }
        }));
        let s = Arc::clone(&sink);
        let held = Arc::clone(import_paused);
        handlers.push(consumer.on_producer_resume(move || {
            if !held.load(Ordering::SeqCst) {
                s.emit(Event::ConsumerProducerResume { consumer: id })
            }
        }));
        let s = Arc::clone(&sink);
        handlers.push(consumer.on_score(move |score| {
            s.emit(Event::ConsumerScore {
                consumer: id,
                score: score.clone(),
            })
        }));
        let s = Arc::clone(&sink);
        handlers.push(consumer.on_trace(move |data| s.emit(Event::trace(id, data))));
        // Raised by the worker for consumers of a DirectTransport only.
        let s = Arc::clone(&sink);
        handlers.push(consumer.on_rtp(move |packet| {
            s.emit(Event::ConsumerRtp {
                consumer: id,
                packet: packet.to_vec(),
            })
        }));
        let s = sink;
        handlers.push(consumer.on_layers_change(move |layers| {
            s.emit(Event::ConsumerLayersChange {
                consumer: id,
                layers: *layers,
            })
        }));
        handlers
    }

    /// Closes a consumer. Closing twice is a no-op.
    pub fn close_consumer(&self, id: ConsumerId) {
        let mut garbage = self.garbage();
        self.registry().take_consumer(id, &mut garbage);
        drop(garbage);
    }

    /// `consumer.enableTraceEvent()`.
    pub async fn enable_consumer_trace(
        &self,
        id: ConsumerId,
        types: Vec<mediasoup::consumer::ConsumerTraceEventType>,
    ) -> Result<()> {
        Ok(self.consumer(id)?.enable_trace_event(types).await?)
    }

    /// `consumer.pause()`.
    pub async fn pause_consumer(&self, id: ConsumerId) -> Result<()> {
        let (consumer, _) = self.set_app_paused(id, true)?;
        Ok(consumer.pause().await?)
    }

    /// `consumer.resume()`: the real consumer stays paused while the pipe
    /// producer of the import it consumes is paused.
    pub async fn resume_consumer(&self, id: ConsumerId) -> Result<()> {
        let (consumer, held) = self.set_app_paused(id, false)?;
        if held {
            return Ok(());
        }
        Ok(consumer.resume().await?)
    }

    /// Records the application's pause state; the consumer, and whether an
    /// import holds it paused.
    fn set_app_paused(&self, id: ConsumerId, paused: bool) -> Result<(Consumer, bool)> {
        let mut registry = self.registry();
        let entry = registry
            .consumers
            .get_mut(&id)
            .ok_or_else(|| Error::invalid_state("Consumer closed"))?;
        entry.app_paused = paused;
        Ok((entry.consumer.clone(), entry.import_paused.load(Ordering::SeqCst)))
    }

    /// `consumer.requestKeyFrame()`.
    pub async fn request_key_frame(&self, id: ConsumerId) -> Result<()> {
        Ok(self.consumer(id)?.request_key_frame().await?)
    }

    /// `consumer.setPreferredLayers()`; the layers in effect afterwards.
    pub async fn set_preferred_layers(
        &self,
        id: ConsumerId,
        layers: ConsumerLayers,
    ) -> Result<Option<ConsumerLayers>> {
        let consumer = self.consumer(id)?;
        consumer.set_preferred_layers(layers).await?;
        Ok(consumer.preferred_layers())
    }

    /// `consumer.setPriority()` / `unsetPriority()` (`None`); the priority in
    /// effect afterwards.
    pub async fn set_priority(&self, id: ConsumerId, priority: Option<u8>) -> Result<u8> {
        let consumer = self.consumer(id)?;
        match priority {
            Some(priority) => consumer.set_priority(priority).await?,
            None => consumer.unset_priority().await?,
        }
        Ok(consumer.priority())
    }

    /// `consumer.getStats()`.
    pub async fn consumer_stats(&self, id: ConsumerId) -> Result<Vec<ConsumerRtpStreamStat>> {
        Ok(self.consumer(id)?.get_stats().await?)
    }

    /// `consumer.dump()`.
    pub async fn dump_consumer(&self, id: ConsumerId) -> Result<ConsumerDump> {
        Ok(self.consumer(id)?.dump().await?)
    }

    pub(crate) fn consumer(&self, id: ConsumerId) -> Result<Consumer> {
        self.registry()
            .consumers
            .get(&id)
            .map(|entry| entry.consumer.clone())
            .ok_or_else(|| Error::invalid_state("Consumer closed"))
    }
}

fn consume_error(error: ConsumeError) -> Error {
    match error {
        ConsumeError::ProducerNotFound(id) => {
            Error::not_found(format!("Producer with id \"{id}\" not found"))
        }
        ConsumeError::FailedRtpCapabilitiesValidation(error) => Error::type_error(error.to_string()),
        ConsumeError::BadConsumerRtpParameters(error) => Error::unsupported(error.to_string()),
        ConsumeError::Request(error) => error.into(),
    }
}

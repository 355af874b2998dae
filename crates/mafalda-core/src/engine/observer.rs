//! RTP observers (audio level, active speaker) of a room.
//!
//! An observer lives on one real router of the room; a producer living on
//! another one is piped there first (the observer counts as a user of that
//! pipe), so the observer sees the room's producers wherever they are, as
//! one observer.

use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::VirtualRouterId;
use crate::state::AnyObserver;
use crate::state::ObserverEntry;
use crate::state::Registry;
use event_listener_primitives::HandlerId;
use mediasoup::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Options of a new observer.
#[derive(Debug)]
pub enum ObserverOptions {
    /// `createAudioLevelObserver()`.
    AudioLevel(AudioLevelObserverOptions),
    /// `createActiveSpeakerObserver()`.
    ActiveSpeaker(ActiveSpeakerObserverOptions),
}

impl Mafalda {
    /// `observer` stops observing `producer` without it closing: the entry
    /// forgets it (releasing its pipe) and the worker is told from the
    /// janitor thread.
    pub(crate) fn forget_observed_by(
        &self,
        registry: &mut Registry,
        observer: RtpObserverId,
        producer: ProducerId,
    ) -> Option<()> {
        let entry = registry.observers.get_mut(&observer)?;
        let pipe = entry.producers.remove(&producer)?;
        let handle = entry.observer.clone();
        if let Some(pipe) = pipe {
            registry.release_pipe(pipe, Instant::now());
        }
        self.pool()
            .order()
            .executor()
            .spawn(async move {
                let _ = handle.as_dyn().remove_producer(producer).await;
            })
            .detach();
        Some(())
    }

    /// Creates an observer in a room, on the room's first real router.
    pub async fn create_observer(
        &self,
        room: VirtualRouterId,
        options: ObserverOptions,
    ) -> Result<RtpObserverId> {
        let router = self
            .real_routers(room)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        let failed = |e: &dyn std::fmt::Display| Error::failed(e.to_string());
        let observer = match options {
            ObserverOptions::AudioLevel(options) => AnyObserver::AudioLevel(
                router
                    .router
                    .create_audio_level_observer(options)
                    .await
                    .map_err(|e| failed(&e))?,
            ),
            ObserverOptions::ActiveSpeaker(options) => AnyObserver::ActiveSpeaker(
                router
                    .router
                    .create_active_speaker_observer(options)
                    .await
                    .map_err(|e| failed(&e))?,
            ),
        };
        let id = observer.as_dyn().id();
        let handlers = self.subscribe_observer(room, &observer);
        let entry = ObserverEntry {
            observer,
            room,
            producers: HashMap::new(),
            _handlers: handlers,
        };
        let mut registry = self.registry();
        match registry.routers.get_mut(&room) {
            Some(router) => {
                router.observers.insert(id);
                registry.observers.insert(id, entry);
                Ok(id)
            }
            None => {
                drop(registry);
                drop(entry);
                Err(Error::invalid_state("Router closed"))
            }
        }
    }

    fn subscribe_observer(&self, room: VirtualRouterId, observer: &AnyObserver) -> Vec<HandlerId> {
        let id = observer.as_dyn().id();
        let sink = self.events(Some(room));
        match observer {
            AnyObserver::AudioLevel(o) => {
                let s = Arc::clone(&sink);
                let volumes = o.on_volumes(move |volumes| {
                    // Ids only: the handles mediasoup lends here are not kept.
                    let volumes = volumes.iter().map(|v| (v.producer.id(), v.volume)).collect();
                    s.emit(Event::ObserverVolumes {
                        observer: id,
                        volumes,
                    })
                });
                let silence = o.on_silence(move || sink.emit(Event::ObserverSilence { observer: id }));
                vec![volumes, silence]
            }
            AnyObserver::ActiveSpeaker(o) => {
                let dominant = o.on_dominant_speaker(move |speaker| {
                    sink.emit(Event::ObserverDominantSpeaker {
                        observer: id,
                        producer: speaker.producer.id(),
                    })
                });
                vec![dominant]
            }
        }
    }

    /// `rtpObserver.addProducer()`: pipes the producer to the observer's
    /// real router when it lives elsewhere in the room.
    pub async fn observer_add_producer(&self, id: RtpObserverId, producer: ProducerId) -> Result<()> {
        let (observer, destination) = {
            let registry = self.registry();
            let entry = registry
                .observers
                .get(&id)
                .ok_or_else(|| Error::invalid_state("RtpObserver closed"))?;
            // The room's producers and the ones piped to it (imported).
            if !registry.room_sees_producer(entry.room, producer) {
                return Err(Error::not_found(format!(
                    "Producer with id \"{producer}\" not found"
                )));
            }
            if entry.producers.contains_key(&producer) {
                return Ok(());
            }
            let router_id = entry.observer.as_dyn().router().id();
            let destination = registry
                .real_router(entry.room, router_id)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            (entry.observer.clone(), destination)
        };
        let pipe = self.ensure_pipe(producer, &destination).await?;
        let added = observer
            .as_dyn()
            .add_producer(RtpObserverAddProducerOptions::new(producer))
            .await;
        let mut registry = self.registry();
        let kept = added.is_ok()
            && match registry.observers.get_mut(&id) {
                Some(entry) => entry.producers.insert(producer, pipe).is_none(),
                None => false,
            };
        if !kept {
            if let Some(pipe) = pipe {
                registry.release_pipe(pipe, Instant::now());
            }
        }
        added.map_err(Error::from)
    }

    /// `rtpObserver.removeProducer()`.
    pub async fn observer_remove_producer(&self, id: RtpObserverId, producer: ProducerId) -> Result<()> {
        let (observer, pipe) = {
            let mut registry = self.registry();
            let entry = registry
                .observers
                .get_mut(&id)
                .ok_or_else(|| Error::invalid_state("RtpObserver closed"))?;
            let Some(pipe) = entry.producers.remove(&producer) else {
                return Err(Error::not_found(format!(
                    "Producer with id \"{producer}\" not found"
                )));
            };
            (entry.observer.clone(), pipe)
        };
        let removed = observer.as_dyn().remove_producer(producer).await;
        if let Some(pipe) = pipe {
            self.registry().release_pipe(pipe, Instant::now());
        }
        removed.map_err(Error::from)
    }

    /// `rtpObserver.pause()` / `resume()`.
    pub async fn observer_set_paused(&self, id: RtpObserverId, paused: bool) -> Result<()> {
        let observer = self
            .registry()
            .observers
            .get(&id)
            .map(|entry| entry.observer.clone())
            .ok_or_else(|| Error::invalid_state("RtpObserver closed"))?;
        if paused {
            Ok(observer.as_dyn().pause().await?)
        } else {
            Ok(observer.as_dyn().resume().await?)
        }
    }

    /// Closes an observer. Closing twice is a no-op.
    pub fn close_observer(&self, id: RtpObserverId) {
        let mut garbage = self.garbage();
        self.registry().take_observer(id, &mut garbage);
        drop(garbage);
    }
}

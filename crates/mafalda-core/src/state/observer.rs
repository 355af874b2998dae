//! An RTP observer as the registry keeps it, and its removal.

use crate::ids::PipeKey;
use crate::ids::VirtualRouterId;
use crate::state::Garbage;
use crate::state::Registry;
use event_listener_primitives::HandlerId;
use mediasoup::prelude::*;
use mediasoup::producer::ProducerId;
use mediasoup::rtp_observer::RtpObserverId;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Clone)]
pub(crate) enum AnyObserver {
    AudioLevel(AudioLevelObserver),
    ActiveSpeaker(ActiveSpeakerObserver),
}

impl AnyObserver {
    pub fn as_dyn(&self) -> &dyn RtpObserver {
        match self {
            AnyObserver::AudioLevel(o) => o,
            AnyObserver::ActiveSpeaker(o) => o,
        }
    }
}

pub(crate) struct ObserverEntry {
    pub observer: AnyObserver,
    pub room: VirtualRouterId,
    /// Observed producers, with the pipe that brings each one here.
    pub producers: HashMap<ProducerId, Option<PipeKey>>,
    pub _handlers: Vec<HandlerId>,
}

impl Registry {
    pub fn take_observer(&mut self, id: RtpObserverId, garbage: &mut Garbage) {
        let Some(entry) = self.observers.remove(&id) else {
            return;
        };
        if let Some(room) = self.routers.get_mut(&entry.room) {
            room.observers.remove(&id);
        }
        let now = Instant::now();
        for pipe in entry.producers.values().flatten() {
            self.release_pipe(*pipe, now);
        }
        garbage.observers.push(entry);
    }

    /// A producer closed: observers forget it (the worker already did).
    pub fn forget_observed(&mut self, producer: ProducerId) {
        for entry in self.observers.values_mut() {
            entry.producers.remove(&producer);
        }
    }
}

//! Functions behind the JS `AudioLevelObserver` / `ActiveSpeakerObserver`.

use crate::convert::input;
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::router::router_id;
use crate::started::{close_in_order, start};
use mafalda_core::mediasoup::prelude::*;
use mafalda_core::ObserverOptions;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use std::num::NonZeroU16;

fn observer_id(id: &str) -> Result<RtpObserverId> {
    input::id(id, "rtpObserver")
}

fn producer_id(id: &str) -> Result<ProducerId> {
    id.parse().map_err(|_| {
        crate::error::to_napi(mafalda_core::Error::not_found(format!(
            "Producer with id \"{id}\" not found"
        )))
    })
}

/// Options of `createAudioLevelObserver()`.
#[napi(object)]
pub struct JsAudioLevelObserverOptions {
    pub max_entries: Option<u32>,
    pub threshold: Option<i32>,
    pub interval: Option<u32>,
}

/// Options of `createActiveSpeakerObserver()`.
#[napi(object)]
pub struct JsActiveSpeakerObserverOptions {
    pub interval: Option<u32>,
}

/// `router.createAudioLevelObserver()`: the new observer's id.
#[napi(catch_unwind)]
pub fn router_create_audio_level_observer(
    env: &Env,
    router: String,
    options: JsAudioLevelObserverOptions,
) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let mut ms = AudioLevelObserverOptions::default();
        if let Some(max) = options.max_entries {
            ms.max_entries = u16::try_from(max)
                .ok()
                .and_then(NonZeroU16::new)
                .ok_or_else(|| type_error("if given, maxEntries must be a positive number"))?;
        }
        if let Some(threshold) = options.threshold {
            ms.threshold = i8::try_from(threshold)
                .ok()
                .filter(|t| (-127..=0).contains(t))
                .ok_or_else(|| {
                    type_error("if given, threshold must be a negative number greater than -127")
                })?;
        }
        if let Some(interval) = options.interval {
            ms.interval =
                u16::try_from(interval).map_err(|_| type_error("if given, interval must be a number"))?;
        }
        let id = engine()
            .create_observer(router_id(&router)?, ObserverOptions::AudioLevel(ms))
            .await
            .napi()?;
        Ok(id.to_string())
    })
}

/// `router.createActiveSpeakerObserver()`: the new observer's id.
#[napi(catch_unwind)]
pub fn router_create_active_speaker_observer(
    env: &Env,
    router: String,
    options: JsActiveSpeakerObserverOptions,
) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let mut ms = ActiveSpeakerObserverOptions::default();
        if let Some(interval) = options.interval {
            ms.interval =
                u16::try_from(interval).map_err(|_| type_error("if given, interval must be a number"))?;
        }
        let id = engine()
            .create_observer(router_id(&router)?, ObserverOptions::ActiveSpeaker(ms))
            .await
            .napi()?;
        Ok(id.to_string())
    })
}

/// `rtpObserver.addProducer()`.
#[napi(catch_unwind)]
pub fn rtp_observer_add_producer(env: &Env, id: String, producer: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .observer_add_producer(observer_id(&id)?, producer_id(&producer)?)
            .await
            .napi()
    })
}

/// `rtpObserver.removeProducer()`.
#[napi(catch_unwind)]
pub fn rtp_observer_remove_producer(env: &Env, id: String, producer: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .observer_remove_producer(observer_id(&id)?, producer_id(&producer)?)
            .await
            .napi()
    })
}

/// `rtpObserver.pause()` (`true`) / `resume()` (`false`).
#[napi(catch_unwind)]
pub fn rtp_observer_set_paused(env: &Env, id: String, paused: bool) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .observer_set_paused(observer_id(&id)?, paused)
            .await
            .napi()
    })
}

/// Closes an observer.
#[napi(catch_unwind)]
pub fn rtp_observer_close(id: String) -> Result<()> {
    let id = observer_id(&id)?;
    close_in_order(move |engine| engine.close_observer(id));
    Ok(())
}

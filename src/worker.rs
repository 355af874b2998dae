//! Functions behind the JS `Worker` class.

use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::started::{close_in_order, start};
use mafalda_core::mediasoup::worker::{WorkerLogLevel, WorkerLogTag};
use mafalda_core::{VirtualWorkerId, WorkerSettings};
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use std::path::PathBuf;

/// Worker settings as mediasoup-node takes them.
#[napi(object)]
pub struct JsWorkerSettings {
    pub log_level: Option<String>,
    pub log_tags: Option<Vec<String>>,
    pub rtc_min_port: Option<u32>,
    pub rtc_max_port: Option<u32>,
    pub dtls_certificate_file: Option<String>,
    pub dtls_private_key_file: Option<String>,
}

/// What `createWorker()` learns.
#[napi(object)]
pub struct JsWorkerInfo {
    pub id: String,
    pub pid: u32,
}

/// CPU time of a worker thread, in mediasoup's `getResourceUsage()` shape.
#[napi(object)]
pub struct JsResourceUsage {
    pub ru_utime: f64,
    pub ru_stime: f64,
}

fn log_level(value: &str) -> Result<WorkerLogLevel> {
    Ok(match value {
        "debug" => WorkerLogLevel::Debug,
        "warn" => WorkerLogLevel::Warn,
        "error" => WorkerLogLevel::Error,
        "none" => WorkerLogLevel::None,
        other => return Err(type_error(format!("invalid logLevel \"{other}\""))),
    })
}

fn log_tags(values: &[String]) -> Result<Vec<WorkerLogTag>> {
    values
        .iter()
        .map(|value| {
            Ok(match value.as_str() {
                "info" => WorkerLogTag::Info,
                "ice" => WorkerLogTag::Ice,
                "dtls" => WorkerLogTag::Dtls,
                "rtp" => WorkerLogTag::Rtp,
                "srtp" => WorkerLogTag::Srtp,
                "rtcp" => WorkerLogTag::Rtcp,
                "rtx" => WorkerLogTag::Rtx,
                "bwe" => WorkerLogTag::Bwe,
                "score" => WorkerLogTag::Score,
                "simulcast" => WorkerLogTag::Simulcast,
                "svc" => WorkerLogTag::Svc,
                "sctp" => WorkerLogTag::Sctp,
                "message" => WorkerLogTag::Message,
                other => return Err(type_error(format!("invalid logTag \"{other}\""))),
            })
        })
        .collect()
}

fn port(value: Option<u32>, default: u16, name: &str) -> Result<u16> {
    match value {
        None => Ok(default),
        Some(port) => u16::try_from(port).map_err(|_| type_error(format!("invalid {name} {port}"))),
    }
}

fn settings(js: JsWorkerSettings) -> Result<WorkerSettings> {
    let mut settings = WorkerSettings::default();
    if let Some(level) = &js.log_level {
        settings.log_level = log_level(level)?;
    }
    if let Some(tags) = &js.log_tags {
        settings.log_tags = log_tags(tags)?;
    }
    let min = port(js.rtc_min_port, 10000, "rtcMinPort")?;
    let max = port(js.rtc_max_port, 59999, "rtcMaxPort")?;
    if min > max {
        return Err(type_error(format!(
            "rtcMinPort {min} is greater than rtcMaxPort {max}"
        )));
    }
    settings.rtc_port_range = min..=max;
    settings.dtls_files = match (js.dtls_certificate_file, js.dtls_private_key_file) {
        (Some(certificate), Some(key)) => Some((PathBuf::from(certificate), PathBuf::from(key))),
        (None, None) => None,
        _ => {
            return Err(type_error(
                "dtlsCertificateFile and dtlsPrivateKeyFile go together",
            ))
        }
    };
    Ok(settings)
}

fn worker_id(id: &str) -> Result<VirtualWorkerId> {
    input::id(id, "worker")
}

/// Creates a virtual worker.
#[napi(catch_unwind)]
pub fn create_worker(env: &Env, settings_js: JsWorkerSettings) -> Result<PromiseRaw<'_, JsWorkerInfo>> {
    start(env, async move {
        let info = engine().create_worker(settings(settings_js)?).await.napi()?;
        Ok(JsWorkerInfo {
            id: info.id.to_string(),
            pid: info.pid,
        })
    })
}

/// Closes a virtual worker and everything created through it.
/// Test hook: reports the real worker with thread id `pid` dead, as
/// mediasoup-rust reports a worker whose thread ended. Refused unless the
/// process runs with `MAFALDA_TEST_HOOKS=1`.
#[napi(catch_unwind)]
pub fn test_kill_worker(pid: u32) -> Result<()> {
    engine().kill_worker_for_test(pid).napi()
}

#[napi(catch_unwind)]
pub fn worker_close(id: String) -> Result<()> {
    let id = worker_id(&id)?;
    close_in_order(move |engine| engine.close_worker(id));
    Ok(())
}

/// `worker.dump()`.
#[napi(catch_unwind)]
pub fn worker_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, serde_json::Value>> {
    start(env, async move {
        Ok(output::as_mediasoup_node(
            engine().dump_worker(worker_id(&id)?).await.napi()?,
        ))
    })
}

/// `worker.getResourceUsage()`: CPU time of the worker's thread.
#[napi(catch_unwind)]
pub fn worker_get_resource_usage(env: &Env, id: String) -> Result<PromiseRaw<'_, JsResourceUsage>> {
    start(env, async move {
        let usage = engine().worker_resource_usage(worker_id(&id)?).napi()?;
        Ok(JsResourceUsage {
            ru_utime: usage.ru_utime as f64,
            ru_stime: usage.ru_stime as f64,
        })
    })
}

/// `worker.updateSettings()`.
#[napi(catch_unwind)]
pub fn worker_update_settings(
    env: &Env,
    id: String,
    level: Option<String>,
    tags: Option<Vec<String>>,
) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        let level = level.as_deref().map(log_level).transpose()?;
        let tags = tags.as_deref().map(log_tags).transpose()?;
        engine()
            .update_worker_settings(worker_id(&id)?, level, tags)
            .await
            .napi()
    })
}

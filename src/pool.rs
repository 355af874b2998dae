//! Functions behind `mafalda.configure()` and `mafalda.dump()`.

use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::started::start;
use mafalda_core::Policy;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use std::time::Duration;

/// The pool's tunables, as `mafalda.configure()` takes and returns them.
#[napi(object)]
pub struct JsPoolConfig {
    /// Most real workers in the process.
    pub max_workers: Option<u32>,
    /// CPU of one worker, percent of one core, above which it takes no new work.
    pub cpu_watermark: Option<f64>,
    /// Consumers a worker may carry before it counts as full.
    pub consumer_budget: Option<u32>,
    /// Milliseconds a real worker may carry nothing before it is closed.
    pub idle_worker_timeout: Option<f64>,
    /// `concentrate` or `spread`.
    pub policy: Option<String>,
    /// Milliseconds a pipe with no consumer is kept before it closes.
    pub pipe_linger: Option<f64>,
}

fn current() -> JsPoolConfig {
    let config = engine().pool().config();
    JsPoolConfig {
        max_workers: Some(config.limits.max_workers as u32),
        cpu_watermark: Some(config.limits.cpu_watermark),
        consumer_budget: Some(config.limits.consumer_budget),
        idle_worker_timeout: Some(config.idle_worker_timeout.as_secs_f64() * 1000.0),
        policy: Some(match config.policy {
            Policy::Concentrate => "concentrate".into(),
            Policy::Spread => "spread".into(),
        }),
        pipe_linger: Some(config.pipe_linger.as_secs_f64() * 1000.0),
    }
}

/// Changes the given tunables (the others keep their values) and returns
/// the configuration in force.
#[napi(catch_unwind)]
pub fn configure(options: JsPoolConfig) -> Result<JsPoolConfig> {
    let mut config = engine().pool().config();
    if let Some(max) = options.max_workers {
        config.limits.max_workers = max as usize;
    }
    if let Some(watermark) = options.cpu_watermark {
        if !watermark.is_finite() || watermark <= 0.0 {
            return Err(type_error(
                "cpuWatermark must be a positive number (percent of one core)",
            ));
        }
        config.limits.cpu_watermark = watermark;
    }
    if let Some(budget) = options.consumer_budget {
        if budget == 0 {
            return Err(type_error("consumerBudget must be a positive integer"));
        }
        config.limits.consumer_budget = budget;
    }
    if let Some(timeout) = options.idle_worker_timeout {
        if !timeout.is_finite() || timeout < 0.0 {
            return Err(type_error(
                "idleWorkerTimeout must be a number of milliseconds >= 0",
            ));
        }
        config.idle_worker_timeout = Duration::try_from_secs_f64(timeout / 1000.0)
            .map_err(|_| type_error("idleWorkerTimeout is too large"))?;
    }
    if let Some(linger) = options.pipe_linger {
        if !linger.is_finite() || linger < 0.0 {
            return Err(type_error("pipeLinger must be a number of milliseconds >= 0"));
        }
        config.pipe_linger = Duration::try_from_secs_f64(linger / 1000.0)
            .map_err(|_| type_error("pipeLinger is too large"))?;
    }
    if let Some(policy) = options.policy.as_deref() {
        config.policy = match policy {
            "concentrate" => Policy::Concentrate,
            "spread" => Policy::Spread,
            other => {
                return Err(type_error(format!(
                    "invalid policy \"{other}\" (concentrate or spread)"
                )))
            }
        };
    }
    engine().configure(config);
    Ok(current())
}

/// The configuration in force.
#[napi(catch_unwind)]
pub fn get_configuration() -> JsPoolConfig {
    current()
}

/// `mafalda.dump()`: every real worker and the real routers on it.
#[napi(catch_unwind)]
pub fn pool_dump(env: &Env) -> Result<PromiseRaw<'_, serde_json::Value>> {
    start(env, async move {
        let dump = engine().dump().await.napi()?;
        Ok(crate::convert::output::to_value(&dump))
    })
}

/// `mafalda.metrics()`: the Prometheus text exposition, from the engine's
/// counters and registry (no worker is asked anything, so it is
/// synchronous and cheap).
#[napi(catch_unwind)]
pub fn metrics() -> String {
    let mut metrics = engine().metrics();
    metrics.dropped_events = crate::engine_dropped_events();
    metrics.to_prometheus()
}

/// The content type of [`metrics`]' text (`mafalda.metricsContentType`).
#[napi(catch_unwind)]
pub fn metrics_content_type() -> &'static str {
    mafalda_core::prometheus::CONTENT_TYPE
}

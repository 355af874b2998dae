//! Functions behind the JS `DataProducer` class.

use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::started::{close_in_order, start};
use crate::transport::transport_id;
use mafalda_core::mediasoup::data_producer::DataProducerId;
use napi::bindgen_prelude::{Buffer, PromiseRaw};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

fn data_producer_id(id: &str) -> Result<DataProducerId> {
    input::id(id, "dataProducer")
}

/// 16-bit subchannel numbers (the JS layer wraps them as mediasoup-node
/// does); anything else is a caller's mistake.
pub(crate) fn subchannel(value: u32) -> Result<u16> {
    u16::try_from(value).map_err(|_| type_error(format!("invalid subchannel {value}")))
}

/// `transport.produceData()`.
#[napi(catch_unwind)]
pub fn transport_produce_data(env: &Env, transport: String, options: Value) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let options = input::data_produce_options(options)?;
        let info = engine()
            .produce_data(transport_id(&transport)?, options)
            .await
            .napi()?;
        Ok(output::data_producer(&info))
    })
}

/// Closes a data producer.
#[napi(catch_unwind)]
pub fn data_producer_close(id: String) -> Result<()> {
    let id = data_producer_id(&id)?;
    close_in_order(move |engine| engine.close_data_producer(id));
    Ok(())
}

/// `dataProducer.pause()`, started in call order (see started.rs): a
/// `send()` made after it is dropped.
#[napi(catch_unwind)]
pub fn data_producer_pause(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    let id = data_producer_id(&id)?;
    start(env, async move { engine().pause_data_producer(id).await.napi() })
}

/// `dataProducer.resume()`, started in call order.
#[napi(catch_unwind)]
pub fn data_producer_resume(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    let id = data_producer_id(&id)?;
    start(env, async move { engine().resume_data_producer(id).await.napi() })
}

/// `dataProducer.getStats()`.
#[napi(catch_unwind)]
pub fn data_producer_get_stats(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let stats = engine()
            .data_producer_stats(data_producer_id(&id)?)
            .await
            .napi()?;
        Ok(output::stats(&stats, |_| "data-producer"))
    })
}

/// `dataProducer.dump()`.
#[napi(catch_unwind)]
pub fn data_producer_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::dump(
            &engine().dump_data_producer(data_producer_id(&id)?).await.napi()?,
        ))
    })
}

/// `dataProducer.send()`: synchronous, as in mediasoup-node (a notification
/// to the worker, no answer).
#[napi(catch_unwind)]
pub fn data_producer_send(
    id: String,
    message: Buffer,
    ppid: u32,
    subchannels: Option<Vec<u32>>,
    required_subchannel: Option<u32>,
) -> Result<()> {
    let message = input::webrtc_message(message.to_vec(), ppid)?;
    let subchannels = subchannels
        .map(|list| list.into_iter().map(subchannel).collect::<Result<Vec<_>>>())
        .transpose()?;
    let required_subchannel = required_subchannel.map(subchannel).transpose()?;
    engine()
        .send_data(data_producer_id(&id)?, message, subchannels, required_subchannel)
        .napi()
}

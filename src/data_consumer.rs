//! Functions behind the JS `DataConsumer` class.

use crate::convert::{input, output};
use crate::data_producer::subchannel;
use crate::engine;
use crate::error::{IntoNapi, Result};
use crate::started::{close_in_order, start};
use crate::transport::transport_id;
use mafalda_core::mediasoup::data_consumer::DataConsumerId;
use mafalda_core::SubchannelChange;
use napi::bindgen_prelude::{Buffer, PromiseRaw};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

fn data_consumer_id(id: &str) -> Result<DataConsumerId> {
    input::id(id, "dataConsumer")
}

/// `transport.consumeData()`.
#[napi(catch_unwind)]
pub fn transport_consume_data(env: &Env, transport: String, options: Value) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let options = input::data_consume_options(options)?;
        let info = engine()
            .consume_data(transport_id(&transport)?, options)
            .await
            .napi()?;
        Ok(output::data_consumer(&info))
    })
}

/// Closes a data consumer.
#[napi(catch_unwind)]
pub fn data_consumer_close(id: String) -> Result<()> {
    let id = data_consumer_id(&id)?;
    close_in_order(move |engine| engine.close_data_consumer(id));
    Ok(())
}

/// `dataConsumer.pause()`, started in call order (see started.rs).
#[napi(catch_unwind)]
pub fn data_consumer_pause(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    let id = data_consumer_id(&id)?;
    start(env, async move { engine().pause_data_consumer(id).await.napi() })
}

/// `dataConsumer.resume()`, started in call order.
#[napi(catch_unwind)]
pub fn data_consumer_resume(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    let id = data_consumer_id(&id)?;
    start(env, async move { engine().resume_data_consumer(id).await.napi() })
}

/// `dataConsumer.getStats()`.
#[napi(catch_unwind)]
pub fn data_consumer_get_stats(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let stats = engine()
            .data_consumer_stats(data_consumer_id(&id)?)
            .await
            .napi()?;
        Ok(output::stats(&stats, |_| "data-consumer"))
    })
}

/// `dataConsumer.dump()`.
#[napi(catch_unwind)]
pub fn data_consumer_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::dump(
            &engine().dump_data_consumer(data_consumer_id(&id)?).await.napi()?,
        ))
    })
}

/// `dataConsumer.getBufferedAmount()`.
#[napi(catch_unwind)]
pub fn data_consumer_get_buffered_amount(env: &Env, id: String) -> Result<PromiseRaw<'_, u32>> {
    start(env, async move {
        engine()
            .data_consumer_buffered_amount(data_consumer_id(&id)?)
            .await
            .napi()
    })
}

/// `dataConsumer.setBufferedAmountLowThreshold()`, started in call order.
#[napi(catch_unwind)]
pub fn data_consumer_set_buffered_amount_low_threshold(
    env: &Env,
    id: String,
    threshold: u32,
) -> Result<PromiseRaw<'_, ()>> {
    let id = data_consumer_id(&id)?;
    start(env, async move {
        engine()
            .set_buffered_amount_low_threshold(id, threshold)
            .await
            .napi()
    })
}

/// A subchannel change started in call order; resolves to the
/// subchannels afterwards.
fn change_subchannels(env: &Env, id: String, change: SubchannelChange) -> Result<PromiseRaw<'_, Vec<u32>>> {
    let id = data_consumer_id(&id)?;
    start(env, async move {
        let subchannels = engine().change_subchannels(id, change).await.napi()?;
        Ok(subchannels.into_iter().map(u32::from).collect())
    })
}

/// `dataConsumer.setSubchannels()`.
#[napi(catch_unwind)]
pub fn data_consumer_set_subchannels(
    env: &Env,
    id: String,
    subchannels: Vec<u32>,
) -> Result<PromiseRaw<'_, Vec<u32>>> {
    let subchannels = subchannels
        .into_iter()
        .map(subchannel)
        .collect::<Result<Vec<_>>>()?;
    change_subchannels(env, id, SubchannelChange::Set(subchannels))
}

/// `dataConsumer.addSubchannel()`.
#[napi(catch_unwind)]
pub fn data_consumer_add_subchannel(env: &Env, id: String, value: u32) -> Result<PromiseRaw<'_, Vec<u32>>> {
    change_subchannels(env, id, SubchannelChange::Add(subchannel(value)?))
}

/// `dataConsumer.removeSubchannel()`.
#[napi(catch_unwind)]
pub fn data_consumer_remove_subchannel(
    env: &Env,
    id: String,
    value: u32,
) -> Result<PromiseRaw<'_, Vec<u32>>> {
    change_subchannels(env, id, SubchannelChange::Remove(subchannel(value)?))
}

/// `dataConsumer.send()`, started in call order: a message to the SCTP
/// endpoint; resolves to the bytes still buffered afterwards.
#[napi(catch_unwind)]
pub fn data_consumer_send(env: &Env, id: String, message: Buffer, ppid: u32) -> Result<PromiseRaw<'_, u32>> {
    let id = data_consumer_id(&id)?;
    let message = input::webrtc_message(message.to_vec(), ppid)?;
    start(env, async move {
        engine().send_to_data_consumer(id, message).await.napi()
    })
}

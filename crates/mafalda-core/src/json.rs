//! JSON helpers for dumps and stats handed to the binding.

use crate::error::{Error, Result};

pub(crate) fn to_json<T: serde::Serialize>(value: T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|error| Error::failed(error.to_string()))
}

/// Drops the `null` members of a dumped object: mediasoup-node leaves out
/// what mediasoup-rust serialises as `null` (e.g. `sctpStreamParameters` of
/// a direct data producer).
pub(crate) fn without_nulls(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, member| !member.is_null());
    }
    value
}

/// Serialises stats and adds the `type` field mediasoup-node has and
/// mediasoup-rust leaves out.
pub(crate) fn stats_json<T: serde::Serialize>(
    stats: Vec<T>,
    type_of: impl Fn(&T) -> &'static str,
) -> Result<serde_json::Value> {
    let mut entries = Vec::with_capacity(stats.len());
    for stat in &stats {
        let mut value = to_json(stat)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("type".into(), type_of(stat).into());
        }
        entries.push(value);
    }
    Ok(serde_json::Value::Array(entries))
}

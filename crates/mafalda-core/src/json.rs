//! Dumps the core assembles itself (a room merged from its real routers,
//! a worker, a WebRtcServer) are JSON; the binding shapes every dump and
//! stats object into mediasoup-node's form (`src/convert/output.rs`).

use crate::error::{Error, Result};

pub(crate) fn to_json<T: serde::Serialize>(value: T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|error| Error::failed(error.to_string()))
}

//! Conversions between JavaScript values (mediasoup-node's option and data
//! shapes) and the types of mediasoup-rust / the core. All of them live
//! here: `input` for what comes from JS, `output` for what goes back.

pub mod input;
pub mod json;
pub mod output;

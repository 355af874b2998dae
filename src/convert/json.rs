//! JSON text as the carrier of large option objects.
//!
//! napi converts a JS object into a `serde_json::Value` one property at a
//! time, each a call into V8; for the objects mediasoup calls carry (RTP
//! capabilities, parameters: dozens of nested members) that costs more than
//! the worker request itself. `JSON.stringify` on the JS side and one parse
//! here is several times cheaper, so hot calls pass their options as text.
//! A plain object is still accepted.

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::sys::{napi_env, napi_value};
use napi::ValueType;
use serde_json::Value;

/// Options that arrive as JSON text (or as an object).
pub struct Json(pub Value);

impl TypeName for Json {
    fn type_name() -> &'static str {
        "Json"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Json {}

impl FromNapiValue for Json {
    unsafe fn from_napi_value(env: napi_env, value: napi_value) -> napi::Result<Self> {
        let mut kind = 0;
        napi::check_status!(napi::sys::napi_typeof(env, value, &mut kind))?;
        if kind == napi::sys::ValueType::napi_string {
            let text = String::from_napi_value(env, value)?;
            return serde_json::from_str(&text)
                .map(Json)
                .map_err(|e| crate::error::type_error(format!("invalid options: {e}")));
        }
        Value::from_napi_value(env, value).map(Json)
    }
}

/// A result that becomes JSON text on the JS thread, where its promise is
/// settled, instead of on the thread that finished the call.
///
/// Calls finish on the worker thread that received the answer (see
/// `src/completions.rs`); a large result (a transport: ICE candidates, five
/// DTLS fingerprints) serialised there takes time from that thread's media
/// and, with many creations in flight, from the worker's own work, which
/// is what bounds them. The JS thread has that time to spare.
pub struct JsonLater(Box<dyn FnOnce() -> String + Send>);

impl JsonLater {
    /// `make` runs on the JS thread and gives the text.
    pub fn new(make: impl FnOnce() -> String + Send + 'static) -> Self {
        Self(Box::new(make))
    }
}

impl TypeName for JsonLater {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ToNapiValue for JsonLater {
    unsafe fn to_napi_value(env: napi_env, value: Self) -> napi::Result<napi_value> {
        // SAFETY: the caller's env, on its JS thread.
        unsafe { String::to_napi_value(env, (value.0)()) }
    }
}

//! JSON text as the carrier of large option objects.
//!
//! napi converts a JS object into a `serde_json::Value` one property at a
//! time, each a call into V8; for the objects mediasoup calls carry (RTP
//! capabilities, parameters: dozens of nested members) that costs more than
//! the worker request itself. `JSON.stringify` on the JS side and one parse
//! here is several times cheaper, so hot calls pass their options as text.
//! A plain object is still accepted.

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue};
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

//! Errors crossing into JavaScript.
//!
//! napi-rs rejects with a plain `Error`; the error's code travels as a
//! prefix of the message, `"<CODE>: <message>"` (`ERR_INVALID_STATE: …`),
//! which the JS layer (lib/errors.js) turns back into an instance of the
//! class that code belongs to, with `error.code` set.

use mafalda_core::Error as CoreError;
use napi::Status;

/// Converts a core error into a napi error carrying its class, counting
/// it for `mafalda.metrics()` (every error the binding returns passes
/// here once).
pub fn to_napi(error: CoreError) -> napi::Error {
    crate::engine().count_error(error.kind());
    napi::Error::new(
        Status::GenericFailure,
        format!("{}: {}", error.code.as_str(), error.message),
    )
}

/// A `TypeError` for bad arguments.
pub fn type_error(message: impl std::fmt::Display) -> napi::Error {
    to_napi(CoreError::type_error(message.to_string()))
}

/// `Result` of a binding function.
pub type Result<T> = napi::Result<T>;

/// Maps core results.
pub trait IntoNapi<T> {
    /// Converts the error, if any.
    fn napi(self) -> Result<T>;
}

impl<T> IntoNapi<T> for mafalda_core::Result<T> {
    fn napi(self) -> Result<T> {
        self.map_err(to_napi)
    }
}

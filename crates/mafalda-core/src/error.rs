//! Errors of the core, classified the way mediasoup-node classifies them, so
//! the binding can raise the matching JavaScript class.

use std::fmt;

/// What kind of failure, mirroring mediasoup-node's error classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad argument (mediasoup-node throws `TypeError`).
    TypeError,
    /// Operation on a closed object (mediasoup-node's `InvalidStateError`).
    InvalidState,
    /// A feature or codec that is not supported (`UnsupportedError`).
    Unsupported,
    /// Anything else, including failures reported by the worker (`Error`).
    Failed,
}

impl ErrorKind {
    /// The name of the JavaScript error class for this kind.
    pub fn js_name(self) -> &'static str {
        match self {
            ErrorKind::TypeError => "TypeError",
            ErrorKind::InvalidState => "InvalidStateError",
            ErrorKind::Unsupported => "UnsupportedError",
            ErrorKind::Failed => "Error",
        }
    }
}

/// What went wrong, as a stable code an application may match on
/// (`error.code` in JavaScript). Each code belongs to one [`ErrorKind`],
/// which decides the class the error is raised as; messages may change
/// between releases, codes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An argument is missing, of the wrong type or out of range, whether
    /// mafalda or the worker found it (`TypeError`).
    InvalidArgument,
    /// The object, or one it depends on, is closed (`InvalidStateError`).
    InvalidState,
    /// A codec, option or combination that is not supported
    /// (`UnsupportedError`).
    Unsupported,
    /// A (data) producer or other object named by id does not exist, or is
    /// not visible from this router (`Error`).
    NotFound,
    /// The worker refused a request for a reason of its own (`Error`).
    WorkerFailed,
    /// Any other failure (`Error`).
    Failed,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 6] = [
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidState,
        ErrorCode::Unsupported,
        ErrorCode::NotFound,
        ErrorCode::WorkerFailed,
        ErrorCode::Failed,
    ];

    /// The code as applications see it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "ERR_INVALID_ARGUMENT",
            ErrorCode::InvalidState => "ERR_INVALID_STATE",
            ErrorCode::Unsupported => "ERR_UNSUPPORTED",
            ErrorCode::NotFound => "ERR_NOT_FOUND",
            ErrorCode::WorkerFailed => "ERR_WORKER_FAILED",
            ErrorCode::Failed => "ERR_FAILED",
        }
    }

    /// The class an error with this code is raised as.
    pub fn kind(self) -> ErrorKind {
        match self {
            ErrorCode::InvalidArgument => ErrorKind::TypeError,
            ErrorCode::InvalidState => ErrorKind::InvalidState,
            ErrorCode::Unsupported => ErrorKind::Unsupported,
            ErrorCode::NotFound | ErrorCode::WorkerFailed | ErrorCode::Failed => ErrorKind::Failed,
        }
    }
}

/// An error of the core: a code and a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong; decides the class ([`Error::kind`]).
    pub code: ErrorCode,
    /// Human readable message, in mediasoup-node's wording where one exists.
    pub message: String,
}

impl Error {
    /// An error with `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The class it is raised as.
    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }

    /// A `TypeError`: a bad argument.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    /// An `InvalidStateError`: a closed object.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidState, message)
    }

    /// An `UnsupportedError`.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unsupported, message)
    }

    /// An `Error` for an object named by id that is not there.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// A plain `Error`.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Failed, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind().js_name(), self.message)
    }
}

impl std::error::Error for Error {}

/// Result with the core's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Maps mediasoup-rust's request failures: a request on an object the worker
/// already closed is an `InvalidStateError` in mediasoup-node.
impl From<mediasoup::worker::RequestError> for Error {
    fn from(error: mediasoup::worker::RequestError) -> Self {
        use mediasoup::worker::RequestError;
        match error {
            RequestError::ChannelClosed => Error::invalid_state(error.to_string()),
            RequestError::Response { reason } => Error::from_worker_reason(reason),
            other => Error::failed(other.to_string()),
        }
    }
}

/// How the worker's own argument checks begin their messages. The worker
/// tags those errors `TypeError` and mediasoup-node raises a `TypeError`;
/// mediasoup-rust keeps only the text (it drops the worker's error name),
/// so this is the one place a code is recovered from a message.
const WORKER_TYPE_ERROR_PREFIXES: &[&str] = &[
    "apt in RTX codec",
    "cannot be ordered with",
    "cannot create a Data",
    "cannot enable SCTP",
    "cannot provide both",
    "cannot set rtcpPort",
    "cannot use both simulcast",
    "cname too long",
    "duplicated payloadType",
    "empty ",
    "encoding.spatialLayers",
    "given message exceeds maxMessageSize",
    "invalid ",
    "label must be given",
    "maxPort cannot be less than minPort",
    "missing ",
    "no media codecs found",
    "not an audio Producer",
    "number of rtpParameters.encodings",
    "rtcMaxPort cannot be less than rtcMinPort",
    "rtpParameters.",
    "sctpMaxReceiverWindowBufferSize must be",
    "streamId must not be greater",
    "unknown codec",
    "unsupported ",
    "wrong ",
];

impl Error {
    /// The error mediasoup-node raises for a failure message of the worker.
    pub(crate) fn from_worker_reason(reason: String) -> Self {
        if WORKER_TYPE_ERROR_PREFIXES
            .iter()
            .any(|prefix| reason.starts_with(prefix))
        {
            Error::type_error(reason)
        } else {
            Error::new(ErrorCode::WorkerFailed, reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_each_has_a_class() {
        let names: std::collections::HashSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert_eq!(ErrorCode::InvalidArgument.kind().js_name(), "TypeError");
        assert_eq!(ErrorCode::InvalidState.kind().js_name(), "InvalidStateError");
        assert_eq!(ErrorCode::Unsupported.kind().js_name(), "UnsupportedError");
        assert_eq!(ErrorCode::NotFound.kind().js_name(), "Error");
    }

    #[test]
    fn a_worker_refusal_is_a_type_error_only_for_argument_checks() {
        assert_eq!(
            Error::from_worker_reason("invalid payloadType".into()).code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            Error::from_worker_reason("Channel request handler not found".into()).code,
            ErrorCode::WorkerFailed
        );
    }
}

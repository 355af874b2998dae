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

/// An error of the core: a kind and a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The class of the error.
    pub kind: ErrorKind,
    /// Human readable message, in mediasoup-node's wording where one exists.
    pub message: String,
}

impl Error {
    /// A `TypeError`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::TypeError,
            message: message.into(),
        }
    }

    /// An `InvalidStateError`.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::InvalidState,
            message: message.into(),
        }
    }

    /// An `UnsupportedError`.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Unsupported,
            message: message.into(),
        }
    }

    /// A plain `Error`.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.js_name(), self.message)
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
/// mediasoup-rust keeps only the text, so the class is recovered from it.
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
            Error::failed(reason)
        }
    }
}

//! A consumer as the registry keeps it.

use crate::ids::PipeKey;
use crate::pool::CountedConsumer;
use event_listener_primitives::HandlerId;
use mediasoup::consumer::Consumer;
use mediasoup::transport::TransportId;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub(crate) struct ConsumerEntry {
    pub consumer: Consumer,
    pub transport: TransportId,
    /// Counts it against the real worker it runs on.
    pub _counted: CountedConsumer,
    /// The pipe that brings its producer to this real router, if any.
    pub pipe: Option<PipeKey>,
    /// Whether the application paused it (`consumer.pause()`).
    pub app_paused: bool,
    /// Set while the pipe producer of an import it consumes is paused: the
    /// real consumer is then held paused, and the real producer's own
    /// pause / resume are not reported (the pipe producer's state is).
    pub import_paused: Arc<AtomicBool>,
    pub _handlers: Vec<HandlerId>,
}

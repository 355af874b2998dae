//! Pure decisions: no handle, no clock, no lock, no I/O. The layers above
//! take a snapshot, ask, and carry the answer out; tests drive these with
//! made-up inputs.

pub mod instances;
pub mod negotiation;
pub(crate) mod pipes;
pub mod placement;
pub(crate) mod rooms;

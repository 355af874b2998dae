//! Whether a consumer on one real router needs a pipe from the real router
//! its source lives on, and whether that pipe can be made. Pure.

use crate::ids::Location;

/// What to do to make a source available at a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PipePlan {
    /// The source lives on the destination router: consume it there.
    Here,
    /// Pipe it from its home router to the destination router.
    Pipe,
    /// It cannot reach the destination; the reason, as the user reads it.
    Refuse(&'static str),
}

/// The plan for a source living at `home`, wanted at `destination`.
///
/// A worker serves one producer per id, so a pipe producer cannot sit beside
/// its source on one worker. Within a room this never happens (a room has
/// one real router per worker); between rooms it can, when an import's rooms
/// have different codecs on one worker.
pub(crate) fn plan_pipe(home: Location, destination: Location) -> PipePlan {
    if home.router == destination.router {
        PipePlan::Here
    } else if home.worker == destination.worker {
        PipePlan::Refuse("cannot pipe between two rooms with different media codecs on the same worker")
    } else {
        PipePlan::Pipe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(worker: u8, router: u8) -> Location {
        Location {
            worker: format!("00000000-0000-4000-8000-{worker:012}").parse().unwrap(),
            router: format!("00000000-0000-4000-9000-{router:012}").parse().unwrap(),
        }
    }

    #[test]
    fn a_source_on_the_destination_router_needs_no_pipe() {
        assert_eq!(plan_pipe(at(1, 10), at(1, 10)), PipePlan::Here);
    }

    #[test]
    fn a_source_on_another_worker_is_piped() {
        assert_eq!(plan_pipe(at(1, 10), at(2, 20)), PipePlan::Pipe);
    }

    #[test]
    fn two_routers_of_one_worker_cannot_be_piped() {
        assert!(matches!(plan_pipe(at(1, 10), at(1, 11)), PipePlan::Refuse(_)));
    }
}

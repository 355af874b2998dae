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

/// How many PipeTransport pairs two real routers may have. Pipes go over
/// lane 0; one that lane cannot take tries the next. Needing a second lane
/// takes two of ~900 million random SSRCs meeting on one pair (or more than
/// its SCTP streams), so a fourth is a safe bound, not a limit met in use.
pub(crate) const PAIR_LANES: u8 = 4;

/// The lane to try after `lane` could not take a pipe, if one is left.
pub(crate) fn next_lane(lane: u8) -> Option<u8> {
    let next = lane.checked_add(1)?;
    (next < PAIR_LANES).then_some(next)
}

/// Whether the worker refused a pipe producer because its pair already
/// receives one of the pipe's SSRCs (or its MID or RID): a pipe consumer
/// sends with SSRCs drawn at random for it, so with thousands of pipes
/// over one pair two of them now and then meet.
/// Another pair takes it; nothing is wrong with the pipe itself.
pub(crate) fn taken_on_pair(reason: &str) -> bool {
    reason.contains("already exists in RTP listener")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_tries_the_lanes_in_order_and_no_more_than_there_are() {
        let mut lanes = vec![0];
        while let Some(next) = next_lane(*lanes.last().unwrap()) {
            lanes.push(next);
        }
        assert_eq!(lanes, (0..PAIR_LANES).collect::<Vec<_>>());
        assert_eq!(next_lane(u8::MAX), None);
    }

    #[test]
    fn only_a_collision_in_the_listener_sends_a_pipe_to_another_pair() {
        for reason in [
            "ssrc already exists in RTP listener [ssrc:1234]",
            "RTX ssrc already exists in RTP listener [ssrc:1235]",
            "MID already exists in RTP listener [mid:0]",
        ] {
            assert!(taken_on_pair(reason), "{reason}");
        }
        for reason in ["Channel already closed", "Transport not found", ""] {
            assert!(!taken_on_pair(reason), "{reason}");
        }
    }

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

//! Which instances came and went between two readings of the live
//! announcements. Pure: the reader passes the time in.
//!
//! An instance is gone when its announcement expired (it stopped beating:
//! killed, crashed, cut off). Right after Redis itself was unreachable,
//! every announcement may have expired meanwhile and come back only at its
//! owner's next beat, so for [`GRACE`] after a failed reading nobody is
//! declared gone: the missing stay known until a reading after the grace
//! still misses them.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long after a failed reading departures are not reported.
pub const GRACE: Duration = Duration::from_millis(5000);

/// What changed between two readings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    /// Instances seen now and not before.
    pub came: Vec<String>,
    /// Instances known before and missing now.
    pub gone: Vec<String>,
}

/// The instances known from the last readings.
#[derive(Debug, Default)]
pub struct Membership {
    known: BTreeSet<String>,
    failed_at: Option<Instant>,
}

impl Membership {
    /// A reading failed (Redis unreachable) at `now`.
    pub fn failed(&mut self, now: Instant) {
        self.failed_at = Some(now);
    }

    /// A reading at `now` saw `live` (this instance excluded by the caller).
    pub fn read<'a>(&mut self, now: Instant, live: impl IntoIterator<Item = &'a str>) -> Change {
        let live: BTreeSet<String> = live.into_iter().map(str::to_owned).collect();
        let came = live.difference(&self.known).cloned().collect();
        let in_grace = self.failed_at.is_some_and(|at| now.duration_since(at) < GRACE);
        let gone = if in_grace {
            Vec::new()
        } else {
            self.known.difference(&live).cloned().collect()
        };
        if in_grace {
            self.known.extend(live);
        } else {
            self.known = live;
        }
        Change { came, gone }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arrivals_and_departures_between_readings() {
        let t0 = Instant::now();
        let mut m = Membership::default();
        assert_eq!(
            m.read(t0, ["a", "b"]),
            Change {
                came: strings(&["a", "b"]),
                gone: vec![]
            }
        );
        assert_eq!(m.read(t0, ["a", "b"]), Change::default());
        assert_eq!(
            m.read(t0, ["a", "c"]),
            Change {
                came: strings(&["c"]),
                gone: strings(&["b"])
            }
        );
        assert_eq!(
            m.read(t0, ["a", "c", "b"]),
            Change {
                came: strings(&["b"]),
                gone: vec![]
            }
        );
    }

    #[test]
    fn after_an_outage_nobody_is_gone_until_the_grace_passes() {
        let t0 = Instant::now();
        let mut m = Membership::default();
        m.read(t0, ["a", "b"]);
        m.failed(t0 + Duration::from_secs(10));
        // Redis is back; b has not beaten again yet.
        let back = t0 + Duration::from_secs(11);
        assert_eq!(m.read(back, ["a"]), Change::default());
        // b beats again within the grace: nothing happened.
        assert_eq!(
            m.read(back + Duration::from_secs(1), ["a", "b"]),
            Change::default()
        );
        // a really died meanwhile: reported once the grace is over.
        let later = t0 + Duration::from_secs(10) + GRACE;
        assert_eq!(
            m.read(later, ["b"]),
            Change {
                came: vec![],
                gone: strings(&["a"])
            }
        );
    }
}

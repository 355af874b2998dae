//! Which instances came and went between two readings of the live
//! announcements, and which dead ones left rooms behind in Redis. Pure: the
//! reader passes the time in.
//!
//! An instance is gone when its announcement expired (it stopped beating:
//! killed, crashed, cut off). Right after Redis itself was unreachable,
//! every announcement may have expired meanwhile and come back only at its
//! owner's next beat, so for [`GRACE`] after a failed reading nobody is
//! declared gone: the missing stay known until a reading after the grace
//! still misses them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// How long after a failed reading departures are not reported.
pub const GRACE: Duration = Duration::from_millis(5000);
/// How long an instance that uses rooms must stay without an announcement,
/// over readings that all succeeded, before its rooms are taken from it
/// (longer than [`GRACE`], and than an announcement's time to live).
pub const ORPHANED_AFTER: Duration = Duration::from_millis(10_000);

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

/// Instances that still use rooms in Redis (their set of rooms is there)
/// but announce themselves no more.
///
/// The survivors of an instance take it out of its rooms when it goes. One
/// that dies with nobody live to see it (every instance of a deployment
/// stopped or restarted at once, or this one away from Redis then) leaves
/// its rooms' records and its set of rooms in Redis for good; whoever
/// sweeps later finds it here, once it has been missing long enough.
#[derive(Debug, Default)]
pub struct Orphans {
    /// Since when each holder has been seen without an announcement.
    missing_since: BTreeMap<String, Instant>,
}

impl Orphans {
    /// A reading failed: every announcement may have expired meanwhile, so
    /// nobody's absence counts from before it.
    pub fn failed(&mut self) {
        self.missing_since.clear();
    }

    /// A sweep at `now` found `holders` (instances with a set of rooms)
    /// while `live` were announced (this instance among them). Gives the
    /// holders missing since [`ORPHANED_AFTER`] or longer: their rooms are
    /// to be left for them.
    pub fn sweep<'a>(
        &mut self,
        now: Instant,
        holders: impl IntoIterator<Item = &'a str>,
        live: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let live: BTreeSet<&str> = live.into_iter().collect();
        let missing: BTreeSet<&str> = holders.into_iter().filter(|h| !live.contains(h)).collect();
        self.missing_since.retain(|id, _| missing.contains(id.as_str()));
        let mut orphaned = Vec::new();
        for id in missing {
            let since = *self.missing_since.entry(id.to_owned()).or_insert(now);
            if now.duration_since(since) >= ORPHANED_AFTER {
                self.missing_since.remove(id);
                orphaned.push(id.to_owned());
            }
        }
        orphaned
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

    #[test]
    fn a_room_holder_without_announcement_is_orphaned_once_missing_long_enough() {
        let t0 = Instant::now();
        let mut o = Orphans::default();
        // "dead" holds rooms and announces nothing; "a" and "me" are live.
        assert!(o.sweep(t0, ["a", "dead", "me"], ["a", "me"]).is_empty());
        assert!(o
            .sweep(t0 + ORPHANED_AFTER / 2, ["a", "dead"], ["a", "me"])
            .is_empty());
        assert_eq!(
            o.sweep(t0 + ORPHANED_AFTER, ["a", "dead"], ["a", "me"]),
            strings(&["dead"])
        );
        // Given once: the next sweep starts its count again.
        assert!(o.sweep(t0 + ORPHANED_AFTER * 2, ["dead"], ["me"]).is_empty());
    }

    #[test]
    fn an_announcement_seen_again_or_a_failed_reading_starts_the_count_again() {
        let t0 = Instant::now();
        let mut o = Orphans::default();
        o.sweep(t0, ["slow"], ["me"]);
        // It beat again (a slow instance, not a dead one).
        assert!(o
            .sweep(t0 + ORPHANED_AFTER / 2, ["slow"], ["me", "slow"])
            .is_empty());
        assert!(o.sweep(t0 + ORPHANED_AFTER, ["slow"], ["me"]).is_empty());
        // Redis was away: absences before the failure do not count.
        o.failed();
        assert!(o.sweep(t0 + ORPHANED_AFTER * 2, ["slow"], ["me"]).is_empty());
        assert_eq!(
            o.sweep(t0 + ORPHANED_AFTER * 3, ["slow"], ["me"]),
            strings(&["slow"])
        );
    }
}

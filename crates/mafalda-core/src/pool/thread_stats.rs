//! CPU time of one thread of this process, from `/proc/self/task/<tid>/stat`.

/// CPU time a thread has used, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadCpuTime {
    /// Time in user mode.
    pub user_us: u64,
    /// Time in kernel mode.
    pub system_us: u64,
}

/// Reads the CPU time of thread `tid` of this process; `None` where `/proc`
/// is not available or the thread is gone.
pub fn thread_cpu_time(tid: u32) -> Option<ThreadCpuTime> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    parse_stat(&stat, clock_ticks_per_second())
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as u64
    } else {
        100
    }
}

/// Parses utime and stime (fields 14 and 15) of a `stat` line. The command
/// name (field 2) may contain spaces and parentheses, so fields are counted
/// from the last `)`.
fn parse_stat(stat: &str, ticks_per_second: u64) -> Option<ThreadCpuTime> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name come field 3 (state) onwards: utime is the 12th of them.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let to_us = |ticks: u64| ticks * 1_000_000 / ticks_per_second;
    Some(ThreadCpuTime {
        user_us: to_us(utime),
        system_us: to_us(stime),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utime_and_stime_after_a_name_with_spaces() {
        let line = "1234 (mediasoup (w) 1) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 1 0 100 0 0";
        let time = parse_stat(line, 100).unwrap();
        assert_eq!(
            time,
            ThreadCpuTime {
                user_us: 2_500_000,
                system_us: 750_000
            }
        );
    }

    #[test]
    fn reads_the_current_thread() {
        let tid = unsafe { libc::gettid() } as u32;
        assert!(thread_cpu_time(tid).is_some());
        assert!(thread_cpu_time(u32::MAX).is_none());
    }
}

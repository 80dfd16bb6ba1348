//! The gateway's fixed one-second windows (whole UTC wall-clock seconds): a per-key limit on each
//! window's requests, and how many requests each recent window had.

use std::collections::VecDeque;

use chrono::Utc;

/// How long counts are kept: an hour of windows.
const HISTORY_SECONDS: i64 = 3600;

/// The requests with the right key that arrived in one whole UTC second, as
/// [`MockServer::per_second_counts`](crate::MockServer::per_second_counts) lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondCount {
    /// The second, in Unix seconds.
    pub second: i64,
    /// Requests that reached the usage plan in it (the ones the daily quota counts), whatever
    /// their outcome.
    pub requests: u64,
    /// Those of them refused by the gateway limit.
    pub throttled: u64,
}

/// The gateway limit and the last hour's counts, each window's in one [`SecondCount`].
#[derive(Debug)]
pub(crate) struct SecondWindows {
    limit: Option<u64>,
    /// The window the limit counts in, and its requests since the limit was last set: kept apart
    /// from `counts` so that setting the limit starts afresh without erasing the counts, and
    /// erasing the counts leaves the limit alone.
    limited: (i64, u64),
    counts: VecDeque<SecondCount>,
}

impl SecondWindows {
    pub(crate) fn new(limit: Option<u64>) -> Self {
        Self {
            limit,
            limited: (i64::MIN, 0),
            counts: VecDeque::new(),
        }
    }

    /// Replaces the limit (`None` = off), which counts the current window afresh.
    pub(crate) fn set_limit(&mut self, limit: Option<u64>) {
        self.limit = limit;
        self.limited.1 = 0;
    }

    /// Counts a request arriving now and tells whether the limit admits it. The caller holds the
    /// state's lock, so the clock is read in the order requests are counted and windows open in
    /// order.
    pub(crate) fn arrive(&mut self) -> bool {
        self.arrive_at(Utc::now().timestamp())
    }

    fn arrive_at(&mut self, second: i64) -> bool {
        match self.counts.back_mut() {
            Some(last) if last.second == second => last.requests += 1,
            _ => {
                self.expire(second);
                self.counts.push_back(SecondCount {
                    second,
                    requests: 1,
                    throttled: 0,
                });
            }
        }
        if self.limited.0 != second {
            self.limited = (second, 0);
        }
        self.limited.1 += 1;
        self.limit.is_none_or(|limit| self.limited.1 <= limit)
    }

    /// Counts a refusal by the limit of the request that just [arrived](Self::arrive).
    pub(crate) fn throttle(&mut self) {
        if let Some(last) = self.counts.back_mut() {
            last.throttled += 1;
        }
    }

    /// The windows of the last hour that had requests, oldest first.
    pub(crate) fn counts(&mut self) -> Vec<SecondCount> {
        self.expire(Utc::now().timestamp());
        self.counts.iter().copied().collect()
    }

    /// Forgets every count (but not what the limit has counted in the current window).
    pub(crate) fn clear(&mut self) {
        self.counts.clear();
    }

    /// Drops the windows that are an hour older than `now`; the cap on their number also holds
    /// when the wall clock steps back.
    fn expire(&mut self, now: i64) {
        while let Some(first) = self.counts.front() {
            let full = self.counts.len() >= HISTORY_SECONDS as usize;
            if !full && first.second > now - HISTORY_SECONDS {
                break;
            }
            self.counts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(second: i64, requests: u64, throttled: u64) -> SecondCount {
        SecondCount {
            second,
            requests,
            throttled,
        }
    }

    #[test]
    fn the_limit_admits_its_first_requests_in_each_window() {
        let mut windows = SecondWindows::new(Some(2));
        let mut admit = |second| {
            let admitted = windows.arrive_at(second);
            if !admitted {
                windows.throttle();
            }
            admitted
        };
        let admitted: Vec<bool> = [10, 10, 10, 10, 11, 11, 11].map(&mut admit).to_vec();
        assert_eq!(admitted, [true, true, false, false, true, true, false]);
        assert_eq!(windows.counts, [count(10, 4, 2), count(11, 3, 1)]);
    }

    #[test]
    fn setting_the_limit_counts_afresh_but_keeps_the_counts() {
        let mut windows = SecondWindows::new(None);
        assert!((0..5).all(|_| windows.arrive_at(7)));
        windows.set_limit(Some(1));
        assert!(windows.arrive_at(7));
        assert!(!windows.arrive_at(7));
        windows.clear();
        assert!(
            !windows.arrive_at(7),
            "clearing the counts keeps the limit's"
        );
        assert_eq!(windows.counts, [count(7, 1, 0)]);
    }

    #[test]
    fn an_hour_of_windows_is_kept() {
        let mut windows = SecondWindows::new(None);
        for second in [0, 1, 3599, 3600, 3601] {
            windows.arrive_at(second);
        }
        let seconds: Vec<i64> = windows.counts.iter().map(|c| c.second).collect();
        assert_eq!(seconds, [3599, 3600, 3601]);
        windows.expire(7200);
        assert_eq!(windows.counts.len(), 1);
    }

    #[test]
    fn the_number_of_windows_is_capped_even_if_the_clock_steps_back() {
        let mut windows = SecondWindows::new(None);
        for second in (0..2 * HISTORY_SECONDS).rev() {
            windows.arrive_at(second);
        }
        assert_eq!(windows.counts.len(), HISTORY_SECONDS as usize);
        assert_eq!(windows.counts.back().map(|c| c.second), Some(0));
    }
}

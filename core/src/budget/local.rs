//! The budget one client keeps by itself: a token bucket shared by every clone of the client,
//! and its count of today's requests. It is the whole budget without a store, and the fallback
//! of `budget_failure="local"` while the store is unreachable.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

use super::{Admission, next_midnight};

#[derive(Debug)]
pub(crate) struct LocalBudget {
    /// Requests per second; `None` when unlimited.
    rate: Option<f64>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    bucket: Bucket,
    day: Day,
}

/// Holds `rate` tokens at most and refills `rate` per second.
///
/// A caller that finds the bucket empty reserves the next token (the level goes negative) and
/// sleeps until it is due, so waiting callers are served in arrival order without busy polling.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The UTC day's count, by this machine's clock.
#[derive(Debug)]
struct Day {
    date: NaiveDate,
    used: u64,
    /// The API said the day's quota is spent (a 429 "Limit Exceeded").
    exhausted: bool,
}

impl LocalBudget {
    pub(crate) fn new(rate: Option<f64>) -> Self {
        LocalBudget {
            rate,
            state: Mutex::new(State {
                bucket: Bucket {
                    tokens: rate.map_or(0.0, capacity),
                    updated: Instant::now(),
                },
                day: Day {
                    date: Utc::now().date_naive(),
                    used: 0,
                    exhausted: false,
                },
            }),
        }
    }

    /// Takes a slot within `max_wait` and counts it against `quota`, or says why not; a refused
    /// call takes nothing.
    pub(crate) fn take(&self, quota: Option<u64>, max_wait: Duration) -> Admission {
        let mut state = self.lock();
        let now = Utc::now();
        let day = state.day.today(now);
        if day.exhausted || quota.is_some_and(|q| day.used >= q) {
            return Admission::QuotaSpent {
                used: day.used,
                resets_at: next_midnight(now),
            };
        }
        let wait = match self.rate {
            Some(rate) => match state.bucket.reserve(rate, max_wait) {
                Ok(wait) => wait,
                Err(wait) => return Admission::TooLong { wait },
            },
            None => Duration::ZERO,
        };
        state.day.used += 1;
        Admission::Granted { wait }
    }

    /// Holds every call for `wait` (the API's `Retry-After`).
    pub(crate) fn hold(&self, wait: Duration) {
        if let Some(rate) = self.rate {
            self.lock().bucket.hold(rate, wait);
        }
    }

    /// Marks the UTC day spent.
    pub(crate) fn exhaust(&self) {
        self.lock().day.today(Utc::now()).exhausted = true;
    }

    /// Today's count, when it resets, and whether the API said the day is spent.
    pub(crate) fn used_today(&self) -> (u64, DateTime<Utc>, bool) {
        let now = Utc::now();
        let mut state = self.lock();
        let day = state.day.today(now);
        (day.used, next_midnight(now), day.exhausted)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A bucket smaller than one token would never admit anything.
fn capacity(rate: f64) -> f64 {
    rate.max(1.0)
}

impl Bucket {
    fn refill(&mut self, rate: f64) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity(rate));
        self.updated = now;
    }

    /// How long the caller must wait before sending (zero when a token was free), or, when that
    /// is longer than `max_wait`, the wait it would have had, with nothing taken.
    fn reserve(&mut self, rate: f64, max_wait: Duration) -> Result<Duration, Duration> {
        self.refill(rate);
        let level = self.tokens - 1.0;
        if level >= 0.0 {
            self.tokens = level;
            return Ok(Duration::ZERO);
        }
        // A rate so slow that the wait overflows a Duration waits for ever.
        let wait = Duration::try_from_secs_f64(-level / rate).unwrap_or(Duration::MAX);
        if wait > max_wait {
            return Err(wait);
        }
        self.tokens = level;
        Ok(wait)
    }

    /// No token before `wait` from now.
    fn hold(&mut self, rate: f64, wait: Duration) {
        self.refill(rate);
        self.tokens = self.tokens.min(1.0 - wait.as_secs_f64() * rate);
    }
}

impl Day {
    /// The count of `now`'s day, starting a new one at midnight.
    fn today(&mut self, now: DateTime<Utc>) -> &mut Day {
        let date = now.date_naive();
        if date != self.date {
            *self = Day {
                date,
                used: 0,
                exhausted: false,
            };
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOREVER: Duration = Duration::MAX;

    fn wait(admission: Admission) -> Duration {
        match admission {
            Admission::Granted { wait } => wait,
            other => panic!("not granted: {other:?}"),
        }
    }

    /// `wait` is `due` from the budget's start, less the time since then (bounds, not a window
    /// of the wall clock, so that a descheduled test still passes).
    fn due_in(wait: Duration, due: Duration, since: Instant) {
        let lower = due.saturating_sub(since.elapsed());
        assert!(
            wait >= lower && wait <= due,
            "{wait:?} not in {lower:?}..={due:?}"
        );
    }

    #[test]
    fn burst_then_paced() {
        let started = Instant::now();
        let budget = LocalBudget::new(Some(10.0));
        for _ in 0..10 {
            assert_eq!(wait(budget.take(None, FOREVER)), Duration::ZERO);
        }
        due_in(
            wait(budget.take(None, FOREVER)),
            Duration::from_millis(100),
            started,
        );
        due_in(
            wait(budget.take(None, FOREVER)),
            Duration::from_millis(200),
            started,
        );
    }

    #[test]
    fn a_wait_longer_than_allowed_takes_nothing() {
        let started = Instant::now();
        let budget = LocalBudget::new(Some(1.0));
        assert_eq!(wait(budget.take(None, FOREVER)), Duration::ZERO);
        match budget.take(None, Duration::from_millis(500)) {
            Admission::TooLong { wait } => due_in(wait, Duration::from_secs(1), started),
            other => panic!("{other:?}"),
        }
        assert!(wait(budget.take(None, FOREVER)) <= Duration::from_secs(1));
        assert_eq!(budget.used_today().0, 2);
    }

    #[test]
    fn a_rate_too_slow_for_a_duration_waits_for_ever() {
        let budget = LocalBudget::new(Some(1e-300));
        assert_eq!(wait(budget.take(None, FOREVER)), Duration::ZERO);
        assert_eq!(wait(budget.take(None, FOREVER)), Duration::MAX);
    }

    #[test]
    fn slow_rates_still_allow_one_request() {
        let budget = LocalBudget::new(Some(0.5));
        assert_eq!(wait(budget.take(None, FOREVER)), Duration::ZERO);
        assert!(wait(budget.take(None, FOREVER)) > Duration::from_secs(1));
    }

    #[test]
    fn a_hold_delays_the_next_slot() {
        let budget = LocalBudget::new(Some(100.0));
        let held_at = Instant::now();
        budget.hold(Duration::from_secs(2));
        due_in(
            wait(budget.take(None, FOREVER)),
            Duration::from_secs(2),
            held_at,
        );
        LocalBudget::new(None).hold(Duration::from_secs(2));
    }

    #[test]
    fn the_daily_quota_counts_granted_calls() {
        let budget = LocalBudget::new(None);
        for _ in 0..3 {
            assert_eq!(wait(budget.take(Some(3), FOREVER)), Duration::ZERO);
        }
        assert!(matches!(
            budget.take(Some(3), FOREVER),
            Admission::QuotaSpent { used: 3, .. }
        ));
        let spent = LocalBudget::new(None);
        spent.exhaust();
        assert!(matches!(
            spent.take(None, FOREVER),
            Admission::QuotaSpent { used: 0, .. }
        ));
    }
}

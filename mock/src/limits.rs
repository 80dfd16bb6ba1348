//! The API Gateway usage plan: a per-key token bucket and a daily request quota.

use std::time::Instant;

use chrono::{NaiveDate, Utc};

/// A continuously refilled token bucket holding at most `rate` tokens.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64) -> Self {
        // A bucket smaller than one token would never admit anything.
        let capacity = rate.max(1.0);
        Self {
            rate,
            capacity,
            tokens: capacity,
            refilled_at: Instant::now(),
        }
    }

    /// Takes a token if one is available.
    pub(crate) fn try_take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled_at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Counts requests per UTC day against an optional limit.
#[derive(Debug)]
pub(crate) struct DailyQuota {
    limit: Option<u64>,
    day: NaiveDate,
    used: u64,
}

impl DailyQuota {
    pub(crate) fn new(limit: Option<u64>) -> Self {
        Self {
            limit,
            day: Utc::now().date_naive(),
            used: 0,
        }
    }

    /// Counts one request and tells whether it is still within today's quota.
    pub(crate) fn count(&mut self) -> bool {
        let today = Utc::now().date_naive();
        if today != self.day {
            self.day = today;
            self.used = 0;
        }
        self.used += 1;
        self.limit.is_none_or(|limit| self.used <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_admits_its_capacity_then_refuses() {
        let mut bucket = TokenBucket::new(3.0);
        assert!((0..3).all(|_| bucket.try_take()));
        assert!(!bucket.try_take());
    }

    #[test]
    fn tiny_rates_still_admit_one_request() {
        let mut bucket = TokenBucket::new(0.001);
        assert!(bucket.try_take());
        assert!(!bucket.try_take());
    }

    #[test]
    fn quota_counts_up_to_the_limit() {
        let mut quota = DailyQuota::new(Some(2));
        assert!(quota.count() && quota.count());
        assert!(!quota.count());
        assert!((0..10).all(|_| DailyQuota::new(None).count()));
    }
}

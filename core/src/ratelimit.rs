//! A client-side token bucket shared by every clone of a client.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Holds `rate` tokens at most and refills `rate` per second.
///
/// A caller that finds the bucket empty reserves the next token (the level goes negative) and
/// sleeps until it is due, so waiting callers are served in arrival order without busy polling.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub(crate) fn new(rate: f64) -> Self {
        RateLimiter {
            rate,
            state: Mutex::new(Bucket {
                tokens: rate.max(1.0),
                updated: Instant::now(),
            }),
        }
    }

    /// How long the caller must wait before sending; zero when a token was free.
    pub(crate) fn reserve(&self) -> Duration {
        let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.rate.max(1.0));
        bucket.updated = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            // A rate so slow that the wait overflows a Duration waits for ever, not panics.
            Duration::try_from_secs_f64(-bucket.tokens / self.rate).unwrap_or(Duration::MAX)
        }
    }

    pub(crate) async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_paced() {
        let limiter = RateLimiter::new(10.0);
        for _ in 0..10 {
            assert_eq!(limiter.reserve(), Duration::ZERO);
        }
        let first = limiter.reserve();
        let second = limiter.reserve();
        assert!(first > Duration::from_millis(80) && first <= Duration::from_millis(100));
        assert!(second > Duration::from_millis(180) && second <= Duration::from_millis(200));
    }

    #[test]
    fn a_rate_too_slow_for_a_duration_waits_for_ever() {
        let limiter = RateLimiter::new(1e-300);
        assert_eq!(limiter.reserve(), Duration::ZERO);
        assert_eq!(limiter.reserve(), Duration::MAX);
    }

    #[test]
    fn slow_rates_still_allow_one_request() {
        let limiter = RateLimiter::new(0.5);
        assert_eq!(limiter.reserve(), Duration::ZERO);
        assert!(limiter.reserve() > Duration::from_secs(1));
    }
}

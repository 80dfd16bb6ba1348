//! The retry policy (README, *Retries*): which failures are retried, and how long to wait.

use std::time::Duration;

use crate::error::Error;
use crate::error_kind::ErrorKind;

/// A server-sent wait longer than this is not waited for; the error carries it instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const BASE_DELAY_SECS: f64 = 0.5;
const MAX_DELAY_SECS: f64 = 8.0;

/// Whether a request may be sent again after it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replay {
    /// GET and DELETE: repeating them changes nothing on the server.
    Idempotent,
    /// `POST /faceauth`: each arrival creates an authentication and counts against the quota.
    OnlyIfUnsent,
}

/// How long to wait before the next attempt, or `None` when the failure must be surfaced.
pub(crate) fn next_delay(err: &Error, replay: Replay, retry_index: u32) -> Option<Duration> {
    let retryable = match err.kind() {
        // Connect failures (DNS, refused, TLS handshake) happen before a byte of the request is sent.
        // An untrusted certificate will not become trusted by asking again.
        ErrorKind::Connection | ErrorKind::Timeout if is_certificate_error(err) => false,
        ErrorKind::Connection | ErrorKind::Timeout => {
            replay == Replay::Idempotent || is_unsent(err)
        }
        // The gateway throttled the call: it never reached the service.
        ErrorKind::RateLimit => true,
        // The service may have acted before it failed, so only a call that may repeat is retried.
        _ if err.kind().is_status() => {
            replay == Replay::Idempotent && matches!(err.status(), Some(500 | 502 | 503 | 504))
        }
        _ => false,
    };
    if !retryable {
        return None;
    }
    match err.retry_after() {
        Some(wait) if wait > MAX_RETRY_AFTER => None,
        Some(wait) => Some(wait),
        None => Some(backoff(retry_index)),
    }
}

/// `min(0.5 * 2^n, 8)` seconds, minus up to 25 % jitter so clients that failed together spread out.
pub(crate) fn backoff(retry_index: u32) -> Duration {
    let base = (BASE_DELAY_SECS * 2f64.powi(retry_index.min(16) as i32)).min(MAX_DELAY_SECS);
    Duration::from_secs_f64(base * (1.0 - 0.25 * fastrand::f64()))
}

fn is_unsent(err: &Error) -> bool {
    use std::error::Error as _;
    err.source()
        .and_then(|s| s.downcast_ref::<reqwest::Error>())
        .is_some_and(reqwest::Error::is_connect)
}

fn is_certificate_error(err: &Error) -> bool {
    let mut current = std::error::Error::source(err);
    while let Some(e) = current {
        if matches!(
            e.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        ) {
            return true;
        }
        // An io::Error's source() skips the error it wraps (the connector nests two of them
        // around rustls's): step into it instead.
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    fn retry_after(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_downward_jitter() {
        for (n, full) in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)] {
            for _ in 0..50 {
                let d = backoff(n).as_secs_f64();
                assert!(d <= full && d >= full * 0.75, "retry {n}: {d}");
            }
        }
    }

    #[test]
    fn status_rules() {
        let status =
            |code: u16, body: &str, h: HeaderMap| Error::from_response(code, &h, body.as_bytes());
        let none = HeaderMap::new;
        for code in [500, 502, 503, 504] {
            let err = status(code, "", none());
            assert!(next_delay(&err, Replay::Idempotent, 0).is_some(), "{code}");
            assert!(
                next_delay(&err, Replay::OnlyIfUnsent, 0).is_none(),
                "{code}"
            );
        }
        let throttled = status(429, r#"{"message":"Too Many Requests"}"#, none());
        assert!(next_delay(&throttled, Replay::OnlyIfUnsent, 0).is_some());
        let quota = status(429, r#"{"message":"Limit Exceeded"}"#, none());
        assert!(next_delay(&quota, Replay::Idempotent, 0).is_none());
        for code in [400, 403, 404, 413, 501] {
            let err = status(code, "", none());
            assert!(next_delay(&err, Replay::Idempotent, 0).is_none(), "{code}");
        }
        let long = status(429, "", retry_after("61"));
        assert!(next_delay(&long, Replay::Idempotent, 0).is_none());
        let short = status(429, "", retry_after("2"));
        assert_eq!(
            next_delay(&short, Replay::Idempotent, 0),
            Some(Duration::from_secs(2))
        );
    }
}

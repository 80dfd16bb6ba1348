//! The gateway's admission checks (key, IP deny, body limit, throttling, gateway limit, daily
//! quota) and the refusals they answer with.

use hyper::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde_json::json;

use crate::response::{self, Body};
use crate::state::Shared;

/// Why the gateway turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    MissingToken,
    Forbidden,
    Denied,
    TooLarge,
    Throttled,
    /// Over the gateway limit of its one-second window.
    WindowFull,
    QuotaExceeded,
}

/// Admits a request that carries the right key, or says why not, in the gateway's order.
pub(crate) fn admit(shared: &Shared, headers: &HeaderMap, too_large: bool) -> Result<(), Refusal> {
    let key = headers.get("x-api-key").map(HeaderValue::as_bytes);
    if key != Some(shared.config.api_key.as_bytes()) {
        return Err(Refusal::Forbidden);
    }
    let mut state = shared.lock();
    // The usage plan counts every request with a valid key, even ones refused later.
    let within_quota = state.quota.count();
    let within_window = state.seconds.arrive();
    if state.deny {
        Err(Refusal::Denied)
    } else if too_large {
        Err(Refusal::TooLarge)
    } else if state
        .bucket
        .as_mut()
        .is_some_and(|bucket| !bucket.try_take())
    {
        Err(Refusal::Throttled)
    } else if !within_window {
        state.seconds.throttle();
        Err(Refusal::WindowFull)
    } else if !within_quota {
        Err(Refusal::QuotaExceeded)
    } else {
        Ok(())
    }
}

impl Refusal {
    /// The gateway's answer.
    pub(crate) fn response(self) -> Response<Body> {
        use StatusCode as S;
        // The status, the `x-amzn-ErrorType` (a 413 names none) and the message.
        let (status, error_type, message) = match self {
            Refusal::MissingToken => (
                S::FORBIDDEN,
                Some("MissingAuthenticationTokenException"),
                "Missing Authentication Token",
            ),
            Refusal::Forbidden => (S::FORBIDDEN, Some("ForbiddenException"), "Forbidden"),
            Refusal::Denied => (
                S::FORBIDDEN,
                Some("AccessDeniedException"),
                "User is not authorized to access this resource with an explicit deny",
            ),
            Refusal::TooLarge => (S::PAYLOAD_TOO_LARGE, None, "Request Entity Too Large"),
            Refusal::Throttled | Refusal::WindowFull => (
                S::TOO_MANY_REQUESTS,
                Some("TooManyRequestsException"),
                "Too Many Requests",
            ),
            Refusal::QuotaExceeded => (
                S::TOO_MANY_REQUESTS,
                Some("LimitExceededException"),
                "Limit Exceeded",
            ),
        };
        // The explicit deny alone spells its key with a capital M, as the real gateway does.
        let key = match self {
            Refusal::Denied => "Message",
            _ => "message",
        };
        let body = json!({ key: message });
        let mut response = match error_type {
            Some(error_type) => response::gateway_error(status, error_type, &body),
            None => response::json(status, &body),
        };
        if self == Refusal::WindowFull {
            // Windows are whole seconds, so the next one always opens within a second.
            let next_window = HeaderValue::from_static("1");
            response.headers_mut().insert(RETRY_AFTER, next_window);
        }
        response
    }
}

//! One `Error` type for every failure of the SDK: its stable [`ErrorKind`], its message, the
//! details of the HTTP answer it stands for, and the transport cause.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error_kind::ErrorKind;
use crate::response::{request_id, retry_after};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Bodies kept on an error are cut here: enough to debug, never a whole image.
pub const MAX_ERROR_BODY_BYTES: usize = 8 * 1024;

/// The parts of the HTTP answer an error stands for, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusDetails {
    /// HTTP status code.
    pub status: u16,
    /// The API's error code (`errorCode` / `code`), when the body has one.
    pub code: Option<String>,
    /// `traceId` from the body.
    pub trace_id: Option<String>,
    /// `x-amzn-RequestId` (or `x-amz-apigw-id`).
    pub request_id: Option<String>,
    /// What `Retry-After` asked for.
    pub retry_after: Option<Duration>,
    /// The raw body text, cut at [`MAX_ERROR_BODY_BYTES`].
    pub body: String,
}

/// Every failure of the SDK.
///
/// `Display` and `Debug` never contain the API key nor a request URL's query string.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    details: Option<StatusDetails>,
    /// The code of an error the SDK decided itself, without an answer (`local_quota`).
    local_code: Option<&'static str>,
    source: Option<BoxError>,
    /// Requests sent for the call that failed (0: none was sent).
    attempts: u32,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message,
                details: None,
                local_code: None,
                source: None,
                attempts: 0,
            }),
        }
    }

    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Configuration, message.into())
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message.into())
    }

    pub(crate) fn webhook(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Webhook, message.into())
    }

    /// No slot of the budget within the call's `timeout`: nothing was sent.
    pub(crate) fn local_rate_limit(wait: Duration, max_wait: Duration) -> Self {
        let message = format!(
            "the rate budget has no slot for {:.3} s, longer than this call's timeout ({:.3} s); \
             nothing was sent",
            wait.as_secs_f64(),
            max_wait.as_secs_f64()
        );
        Self::local(ErrorKind::RateLimit, "local_rate_limit", message)
    }

    /// The day's quota is spent (counted by the budget, or said by the API): nothing was sent.
    pub(crate) fn local_quota(
        used: u64,
        quota: Option<u64>,
        resets_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let spent = match quota {
            Some(quota) if used >= quota => format!("all {quota} requests of daily_quota are used"),
            _ => "the API said the daily quota is used up".to_owned(),
        };
        let message = format!(
            "{spent}; nothing was sent; the quota resets at {}",
            resets_at.format("%Y-%m-%d %H:%M UTC")
        );
        Self::local(ErrorKind::QuotaExceeded, "local_quota", message)
    }

    /// The budget store could not answer in time under `budget_failure="closed"`.
    pub(crate) fn budget_unavailable(why: &str) -> Self {
        let message = format!(
            "the budget store is unreachable ({why}) and budget_failure is \"closed\"; nothing \
             was sent"
        );
        Self::local(ErrorKind::BudgetUnavailable, "budget_unavailable", message)
    }

    /// The webhook store of `SeenWebhooks` could not answer in time: the caller decides.
    pub(crate) fn webhook_store_unreachable(why: &str) -> Self {
        let message = format!("the webhook store is unreachable ({why}); nothing was recorded");
        Self::new(ErrorKind::Connection, message)
    }

    fn local(kind: ErrorKind, code: &'static str, message: String) -> Self {
        let mut err = Self::new(kind, message);
        err.inner.local_code = Some(code);
        err
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// A transport failure; the reqwest error loses its URL (it holds the query string).
    pub(crate) fn transport(err: reqwest::Error) -> Self {
        let kind = if err.is_timeout() || chain_has_timeout(&err) {
            ErrorKind::Timeout
        } else {
            ErrorKind::Connection
        };
        let err = err.without_url();
        let message = match kind {
            ErrorKind::Timeout => "request timed out",
            _ if err.is_connect() => "could not connect to the ARGOS API",
            _ if err.is_body() || err.is_decode() => {
                "the connection failed while reading the answer"
            }
            _ => "the connection to the ARGOS API failed",
        };
        let message = format!("{message}: {}", describe_chain(&err));
        Self::new(kind, message).with_source(err)
    }

    /// An answer with an unexpected body on a 2xx status.
    pub(crate) fn invalid_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        why: impl fmt::Display,
    ) -> Self {
        let message = format!("the API answered {status} with a body this SDK cannot read: {why}");
        Self::unusable(
            ErrorKind::Status,
            status,
            headers,
            "invalid_response",
            message,
            body,
        )
    }

    /// A 3xx: never followed, since the key would go wherever `Location` points.
    pub(crate) fn redirect(status: StatusCode, headers: &HeaderMap, location: &str) -> Self {
        let message = format!(
            "the API answered {status} with a redirect to {location}; redirects are not \
             followed, so that the API key is only sent to the configured base URL"
        );
        Self::unusable(ErrorKind::Status, status, headers, "redirect", message, b"")
    }

    /// A 2xx body over `max_response_bytes`; what was read of it is dropped.
    pub(crate) fn response_too_large(status: StatusCode, headers: &HeaderMap, limit: u64) -> Self {
        let message = format!(
            "the API answered {status} with a body over max_response_bytes ({limit} bytes); \
             reading stopped there"
        );
        Self::unusable(
            ErrorKind::Status,
            status,
            headers,
            "response_too_large",
            message,
            b"",
        )
    }

    /// `get` of an id the API does not return: it answers with no record, reported as a 200.
    pub(crate) fn record_not_found(auth_id: &str, headers: &HeaderMap) -> Self {
        let message = format!("no FaceAuth record with authId {auth_id:?}");
        let ok = StatusCode::OK;
        Self::unusable(ErrorKind::NotFound, ok, headers, "NOT_FOUND", message, b"")
    }

    /// An answer whose status alone does not make it an error; `code` says why it is one.
    fn unusable(
        kind: ErrorKind,
        status: StatusCode,
        headers: &HeaderMap,
        code: &str,
        message: String,
        body: &[u8],
    ) -> Self {
        let mut err = Self::new(kind, message);
        err.inner.details = Some(StatusDetails {
            status: status.as_u16(),
            code: Some(code.into()),
            trace_id: None,
            request_id: request_id(headers).map(str::to_owned),
            retry_after: None,
            body: truncate_body(body),
        });
        err
    }

    /// Classifies a non-2xx answer: status, headers and body decide the kind.
    pub fn from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| -> Option<String> {
            let value = json.as_ref()?.get(name)?;
            match value {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let code = field("errorCode").or_else(|| field("code")).or_else(|| {
            json.as_ref()?
                .get("error")?
                .get("code")?
                .as_str()
                .map(str::to_owned)
        });
        let first_error = || {
            json.as_ref()?
                .get("errors")?
                .get(0)?
                .get("message")?
                .as_str()
                .map(str::to_owned)
        };
        let status_code = StatusCode::from_u16(status).ok();
        let phrase = || {
            status_code
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Unknown Status")
                .to_owned()
        };
        let message = field("message")
            .or_else(|| field("Message"))
            .or_else(|| field("errorCode"))
            .or_else(first_error)
            .unwrap_or_else(phrase);
        let error_type = headers
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let kind = ErrorKind::classify(status, code.as_deref(), &message, error_type);
        let details = StatusDetails {
            status,
            code,
            trace_id: field("traceId"),
            request_id: request_id(headers).map(str::to_owned),
            retry_after: retry_after(headers),
            body: truncate_body(body),
        };
        let mut err = Self::new(kind, message);
        err.inner.details = Some(details);
        err
    }

    /// The stable kind; bindings map it to their class.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message alone, without the status and ids that `Display` adds.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Details of the HTTP answer, for the `APIStatusError` kinds.
    pub fn details(&self) -> Option<&StatusDetails> {
        self.inner.details.as_ref()
    }

    pub fn status(&self) -> Option<u16> {
        self.details().map(|d| d.status)
    }

    /// The API's error code, or the SDK's own for an error it decided without an answer
    /// (`local_rate_limit`, `local_quota`, `budget_unavailable`).
    pub fn code(&self) -> Option<&str> {
        match self.details() {
            Some(d) => d.code.as_deref(),
            None => self.inner.local_code,
        }
    }

    pub fn trace_id(&self) -> Option<&str> {
        self.details()?.trace_id.as_deref()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.details()?.request_id.as_deref()
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.details()?.retry_after
    }

    pub fn body(&self) -> Option<&str> {
        self.details().map(|d| d.body.as_str())
    }

    /// How many requests were sent for the call that failed: 0 when it failed before sending
    /// (bad input, the budget), more than 1 when it was retried.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    pub(crate) fn after_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// The transport reason behind a connection error, as text (`a: b: c`), for bindings to
    /// attach as their host's exception cause.
    pub fn cause_chain(&self) -> Option<String> {
        self.inner.source.as_deref().map(|s| describe_chain(s))
    }
}

/// What a binding reports when the call `what` panicked: a bug of ours, never a crash.
pub fn panic_message(what: &str, panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    format!("internal error in argos-addon ({what}): {message}; please report it")
}

fn truncate_body(body: &[u8]) -> String {
    let cut = body.len().min(MAX_ERROR_BODY_BYTES);
    let text = String::from_utf8_lossy(&body[..cut]);
    // A cut through a multi-byte character leaves a replacement char at the end; drop it.
    let mut text = if cut < body.len() {
        text.trim_end_matches('\u{FFFD}').to_owned()
    } else {
        text.into_owned()
    };
    // Each invalid byte became a 3-byte replacement char, so the text can outgrow the cut.
    let mut end = text.len().min(MAX_ERROR_BODY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

fn chain_has_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        source = e.source();
    }
    false
}

/// `a: b: c` from the error and its sources, skipping repeats (hyper nests the same text).
pub(crate) fn describe_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(d) = self.details() else {
            return f.write_str(&self.inner.message);
        };
        write!(f, "{} (status {}", self.inner.message, d.status)?;
        if let Some(code) = &d.code
            && code != &self.inner.message
        {
            write!(f, ", code {code}")?;
        }
        if let Some(id) = &d.request_id {
            write!(f, ", request id {id}")?;
        }
        if let Some(id) = &d.trace_id {
            write!(f, ", trace id {id}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(code) = self.inner.local_code {
            s.field("code", &code);
        }
        if let Some(d) = &self.inner.details {
            s.field("details", d);
        }
        if let Some(source) = &self.inner.source {
            s.field("source", &describe_chain(source.as_ref()));
        }
        if self.inner.attempts > 0 {
            s.field("attempts", &self.inner.attempts);
        }
        s.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

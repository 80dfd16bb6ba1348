//! The error tree shared by every binding: one `Error` type with a stable [`ErrorKind`].

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The class every error of the SDK is an instance of, in Python and Node.
pub const BASE_ERROR_CLASS: &str = "ArgosError";

/// Bodies kept on an error are cut here: enough to debug, never a whole image.
pub const MAX_ERROR_BODY_BYTES: usize = 8 * 1024;

/// What went wrong, as a stable, language-neutral kind.
///
/// Each kind maps to one class of the SDK's error tree (see [`ErrorKind::class_name`]);
/// the Python and Node packages raise exactly that class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad key, base URL or option; no I/O happened.
    Configuration,
    /// Bad input caught before any request was sent.
    Validation,
    /// A malformed or undecryptable webhook body or encrypted query.
    Webhook,
    /// DNS, connect, TLS, reset or a truncated body.
    Connection,
    /// The attempt ran past `timeout` (or `connect_timeout`).
    Timeout,
    /// A non-2xx answer that no narrower kind describes.
    Status,
    /// 400.
    BadRequest,
    /// 400 whose code or message says the record or submission does not exist.
    NotFound,
    /// 403 "Forbidden": missing or wrong key.
    Authentication,
    /// 403 "... explicit deny": the caller's IP is not on the allow-list.
    IpNotAllowed,
    /// 413.
    PayloadTooLarge,
    /// 429 "Too Many Requests".
    RateLimit,
    /// 429 "Limit Exceeded": the daily cap; never retried.
    QuotaExceeded,
    /// 5xx other than 500 and 502.
    Server,
    /// 500.
    InternalServer,
    /// 502.
    BadGateway,
}

impl ErrorKind {
    /// Every kind, for bindings that build their class tables from it.
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::Configuration,
        ErrorKind::Validation,
        ErrorKind::Webhook,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Status,
        ErrorKind::BadRequest,
        ErrorKind::NotFound,
        ErrorKind::Authentication,
        ErrorKind::IpNotAllowed,
        ErrorKind::PayloadTooLarge,
        ErrorKind::RateLimit,
        ErrorKind::QuotaExceeded,
        ErrorKind::Server,
        ErrorKind::InternalServer,
        ErrorKind::BadGateway,
    ];

    /// The class raised by the bindings, identical in Python and Node.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Configuration => "ConfigurationError",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::Webhook => "WebhookError",
            ErrorKind::Connection => "APIConnectionError",
            ErrorKind::Timeout => "APITimeoutError",
            ErrorKind::Status => "APIStatusError",
            ErrorKind::BadRequest => "BadRequestError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::IpNotAllowed => "IPNotAllowedError",
            ErrorKind::PayloadTooLarge => "PayloadTooLargeError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::QuotaExceeded => "QuotaExceededError",
            ErrorKind::Server => "ServerError",
            ErrorKind::InternalServer => "InternalServerError",
            ErrorKind::BadGateway => "BadGatewayError",
        }
    }

    /// The kind whose class this one's class extends; `None` for the children of
    /// [`BASE_ERROR_CLASS`].
    pub fn parent(self) -> Option<ErrorKind> {
        match self {
            ErrorKind::Configuration
            | ErrorKind::Validation
            | ErrorKind::Webhook
            | ErrorKind::Connection
            | ErrorKind::Status => None,
            ErrorKind::Timeout => Some(ErrorKind::Connection),
            ErrorKind::BadRequest
            | ErrorKind::Authentication
            | ErrorKind::IpNotAllowed
            | ErrorKind::PayloadTooLarge
            | ErrorKind::RateLimit
            | ErrorKind::Server => Some(ErrorKind::Status),
            ErrorKind::NotFound => Some(ErrorKind::BadRequest),
            ErrorKind::QuotaExceeded => Some(ErrorKind::RateLimit),
            ErrorKind::InternalServer | ErrorKind::BadGateway => Some(ErrorKind::Server),
        }
    }

    /// The Python builtin exception the class also extends, so that `except ValueError` and
    /// the like catch it; its children inherit it.
    pub fn python_builtin(self) -> Option<&'static str> {
        match self {
            ErrorKind::Configuration | ErrorKind::Validation | ErrorKind::Webhook => {
                Some("ValueError")
            }
            ErrorKind::Connection => Some("ConnectionError"),
            ErrorKind::Timeout => Some("TimeoutError"),
            _ => None,
        }
    }

    /// The class's documentation, one sentence for every host.
    pub fn summary(self) -> &'static str {
        match self {
            ErrorKind::Configuration => {
                "A bad key, base URL or option, found when the client is built, before any I/O."
            }
            ErrorKind::Validation => "Bad input, caught before any request was sent.",
            ErrorKind::Webhook => "A malformed or undecryptable webhook body or encrypted query.",
            ErrorKind::Connection => {
                "DNS, connect, TLS, reset or a truncated answer; the cause holds the transport reason."
            }
            ErrorKind::Timeout => "The attempt ran past the timeout (or the connect timeout).",
            ErrorKind::Status => {
                "An answer the SDK cannot use: a non-2xx status, a redirect, an unreadable or oversized 2xx, or no record."
            }
            ErrorKind::BadRequest => {
                "400: missing or malformed parameters, or a business rule of the API."
            }
            ErrorKind::NotFound => {
                "400 (or an empty answer to get) saying the record or submission does not exist."
            }
            ErrorKind::Authentication => {
                "401 or 403 \"Forbidden\": the API key is missing or wrong (use the Add-On project's key)."
            }
            ErrorKind::IpNotAllowed => {
                "403 \"... explicit deny\": this machine's IP is not on the project's allow-list."
            }
            ErrorKind::PayloadTooLarge => "413: the request (usually the image) is too large.",
            ErrorKind::RateLimit => {
                "429 \"Too Many Requests\": retried automatically; raised when retries ran out."
            }
            ErrorKind::QuotaExceeded => {
                "429 \"Limit Exceeded\": the daily quota is used up (resets 00:00 UTC); never retried."
            }
            ErrorKind::Server => "5xx.",
            ErrorKind::InternalServer => "500.",
            ErrorKind::BadGateway => {
                "502, often an HTML page from a gateway; retried for GET and DELETE."
            }
        }
    }

    /// True for the kinds that describe an HTTP answer (the `APIStatusError` subtree).
    pub fn is_status(self) -> bool {
        !matches!(
            self,
            ErrorKind::Configuration
                | ErrorKind::Validation
                | ErrorKind::Webhook
                | ErrorKind::Connection
                | ErrorKind::Timeout
        )
    }
}

/// The parts of an HTTP error answer, parsed once.
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
    source: Option<BoxError>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message,
                details: None,
                source: None,
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
        let mut err = Self::new(
            ErrorKind::Status,
            format!("the API answered {status} with a body this SDK cannot read: {why}"),
        );
        err.inner.details = Some(StatusDetails {
            status: status.as_u16(),
            code: Some("invalid_response".into()),
            trace_id: None,
            request_id: request_id(headers).map(str::to_owned),
            retry_after: None,
            body: truncate_body(body),
        });
        err
    }

    /// A 3xx: never followed, since the key would go wherever `Location` points.
    pub(crate) fn redirect(status: StatusCode, headers: &HeaderMap, location: &str) -> Self {
        Self::answer_without_body(
            status,
            headers,
            "redirect",
            format!(
                "the API answered {status} with a redirect to {location}; redirects are not \
                 followed, so that the API key is only sent to the configured base URL"
            ),
        )
    }

    /// A 2xx body over `max_response_bytes`; what was read of it is dropped.
    pub(crate) fn response_too_large(status: StatusCode, headers: &HeaderMap, limit: u64) -> Self {
        Self::answer_without_body(
            status,
            headers,
            "response_too_large",
            format!(
                "the API answered {status} with a body over max_response_bytes ({limit} bytes); \
                 reading stopped there"
            ),
        )
    }

    fn answer_without_body(
        status: StatusCode,
        headers: &HeaderMap,
        code: &str,
        message: String,
    ) -> Self {
        let mut err = Self::new(ErrorKind::Status, message);
        err.inner.details = Some(StatusDetails {
            status: status.as_u16(),
            code: Some(code.into()),
            trace_id: None,
            request_id: request_id(headers).map(str::to_owned),
            retry_after: None,
            body: String::new(),
        });
        err
    }

    /// `get` of an id the API does not return.
    pub(crate) fn record_not_found(auth_id: &str, request_id: Option<String>) -> Self {
        let mut err = Self::new(
            ErrorKind::NotFound,
            format!("no FaceAuth record with authId {auth_id:?}"),
        );
        err.inner.details = Some(StatusDetails {
            status: StatusCode::OK.as_u16(),
            code: Some("NOT_FOUND".into()),
            trace_id: None,
            request_id,
            retry_after: None,
            body: String::new(),
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
        let kind = classify(status, code.as_deref(), &message, error_type);
        let details = StatusDetails {
            status,
            code,
            trace_id: field("traceId"),
            request_id: request_id(headers).map(str::to_owned),
            retry_after: crate::retry::retry_after(headers),
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

    pub fn code(&self) -> Option<&str> {
        self.details()?.code.as_deref()
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

    /// The transport reason behind a connection error, as text (`a: b: c`), for bindings to
    /// attach as their host's exception cause.
    pub fn cause_chain(&self) -> Option<String> {
        self.inner.source.as_deref().map(|s| describe_chain(s))
    }

    /// Whether the SDK's retry policy may try this again (independently of the method).
    pub(crate) fn is_retryable_status(&self) -> bool {
        match self.kind() {
            ErrorKind::RateLimit => true,
            _ => matches!(self.status(), Some(500 | 502 | 503 | 504)),
        }
    }
}

fn classify(status: u16, code: Option<&str>, message: &str, error_type: &str) -> ErrorKind {
    let lower = message.to_ascii_lowercase();
    match status {
        400 if is_not_found(code, &lower) => ErrorKind::NotFound,
        400 => ErrorKind::BadRequest,
        401 => ErrorKind::Authentication,
        403 if lower.contains("explicit deny") || error_type.starts_with("AccessDenied") => {
            ErrorKind::IpNotAllowed
        }
        403 => ErrorKind::Authentication,
        413 => ErrorKind::PayloadTooLarge,
        429 if lower.contains("limit exceeded") || error_type.starts_with("LimitExceeded") => {
            ErrorKind::QuotaExceeded
        }
        429 => ErrorKind::RateLimit,
        500 => ErrorKind::InternalServer,
        502 => ErrorKind::BadGateway,
        501..=599 => ErrorKind::Server,
        _ => ErrorKind::Status,
    }
}

fn is_not_found(code: Option<&str>, lower_message: &str) -> bool {
    if code.is_some_and(|c| c.eq_ignore_ascii_case("NOT_FOUND")) {
        return true;
    }
    let says_missing = [
        "cannot find",
        "can't find",
        "not found",
        "does not exist",
        "not exist",
    ]
    .iter()
    .any(|p| lower_message.contains(p));
    let names_record = ["submission", "record", "auth", "image"]
        .iter()
        .any(|p| lower_message.contains(p));
    // "faceAuth_project not found" is a key problem, not a missing record.
    says_missing && names_record && !lower_message.contains("project")
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

/// `x-amzn-RequestId`, or the API Gateway id when only that one is present.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-amzn-requestid", "x-amz-apigw-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
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
        if let Some(d) = &self.inner.details {
            s.field("details", d);
        }
        if let Some(source) = &self.inner.source {
            s.field("source", &describe_chain(source.as_ref()));
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

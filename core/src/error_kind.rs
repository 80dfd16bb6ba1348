//! The stable, language-neutral kinds of error: the class tree every binding builds from them,
//! and which kind an HTTP answer is.

/// The class every error of the SDK is an instance of, in Python and Node.
pub const BASE_ERROR_CLASS: &str = "ArgosError";

/// Declares [`ErrorKind`] from one row per kind: `Kind: "ClassName" < Parent (+ PythonBuiltin),
/// "summary";` where `Parent` is another kind or `ArgosError`, the builtin is the Python
/// exception the class also extends (its children inherit it), and the summary documents the
/// class in every host. The Python and Node error trees are rendered from these rows.
macro_rules! error_kinds {
    ($($kind:ident: $class:literal < $parent:ident $(+ $builtin:ident)?, $summary:literal;)*) => {
        /// What went wrong, as a stable, language-neutral kind.
        ///
        /// Each kind maps to one class of the SDK's error tree (see [`ErrorKind::class_name`]);
        /// the Python and Node packages raise exactly that class.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(#[doc = $summary] $kind,)*
        }

        impl ErrorKind {
            /// Every kind, parents before children, for bindings that build their class tables
            /// from it.
            pub const ALL: [ErrorKind; [$(stringify!($kind)),*].len()] = [$(ErrorKind::$kind),*];

            /// The class raised by the bindings, identical in Python and Node.
            pub fn class_name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $class,)*
                }
            }

            /// The kind whose class this one's class extends; `None` for the children of
            /// [`BASE_ERROR_CLASS`].
            pub fn parent(self) -> Option<ErrorKind> {
                match self {
                    $(ErrorKind::$kind => error_kinds!(@parent $parent),)*
                }
            }

            /// The Python builtin exception the class also extends, so that `except ValueError`
            /// and the like catch it; its children inherit it.
            pub fn python_builtin(self) -> Option<&'static str> {
                match self {
                    $(ErrorKind::$kind => error_kinds!(@builtin $($builtin)?),)*
                }
            }

            /// The class's documentation, one sentence for every host.
            pub fn summary(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $summary,)*
                }
            }
        }
    };
    (@parent ArgosError) => { None };
    (@parent $parent:ident) => { Some(ErrorKind::$parent) };
    (@builtin) => { None };
    (@builtin $builtin:ident) => { Some(stringify!($builtin)) };
}

error_kinds! {
    Configuration: "ConfigurationError" < ArgosError + ValueError,
        "A bad key, base URL or option, found when the client is built, before any I/O.";
    Validation: "ValidationError" < ArgosError + ValueError,
        "Bad input, caught before any request was sent.";
    Webhook: "WebhookError" < ArgosError + ValueError,
        "A malformed or undecryptable webhook body or encrypted query.";
    BudgetUnavailable: "BudgetUnavailableError" < ArgosError + ConnectionError,
        "The budget store (budget_url) did not answer in time and budget_failure is \"closed\"; \
        nothing was sent.";
    Connection: "APIConnectionError" < ArgosError + ConnectionError,
        "DNS, connect, TLS, reset or a truncated answer; the cause holds the transport reason.";
    Timeout: "APITimeoutError" < Connection + TimeoutError,
        "The attempt ran past the timeout (or the connect timeout).";
    Status: "APIStatusError" < ArgosError,
        "An answer the SDK cannot use that no narrower class describes: a non-2xx status, a \
        redirect, a 2xx that is unreadable or over the response limit, or a 200 to get without \
        the record.";
    BadRequest: "BadRequestError" < Status,
        "400: missing or malformed parameters, or a business rule of the API.";
    NotFound: "NotFoundError" < BadRequest,
        "400 (or an empty answer to get) saying the record or submission does not exist.";
    Authentication: "AuthenticationError" < Status,
        "401 or 403 \"Forbidden\": the API key is missing or wrong (use the Add-On project's key).";
    IpNotAllowed: "IPNotAllowedError" < Status,
        "403 \"... explicit deny\": this machine's IP is not on the project's allow-list.";
    PayloadTooLarge: "PayloadTooLargeError" < Status,
        "413: the request (usually the image) is too large.";
    RateLimit: "RateLimitError" < Status,
        "429 \"Too Many Requests\", retried automatically and raised when retries ran out; or, \
        with code local_rate_limit and no status, no slot of the rate budget within the timeout.";
    QuotaExceeded: "QuotaExceededError" < RateLimit,
        "429 \"Limit Exceeded\": the daily quota is used up (resets 00:00 UTC), never retried; \
        or, with code local_quota and no status, daily_quota is spent, and nothing was sent.";
    Server: "ServerError" < Status,
        "5xx without a class of its own.";
    InternalServer: "InternalServerError" < Server,
        "500.";
    BadGateway: "BadGatewayError" < Server,
        "502, often an HTML page from a gateway; retried for GET and DELETE.";
}

impl ErrorKind {
    /// True for the kinds that describe an HTTP answer (the `APIStatusError` subtree).
    pub fn is_status(self) -> bool {
        self == ErrorKind::Status || self.parent().is_some_and(ErrorKind::is_status)
    }

    /// The kind of a non-2xx answer, from its status, the API's error code, its message and
    /// API Gateway's `x-amzn-ErrorType`.
    pub(crate) fn classify(
        status: u16,
        code: Option<&str>,
        message: &str,
        error_type: &str,
    ) -> Self {
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

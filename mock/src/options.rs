//! How a [`MockServer`](crate::MockServer) is configured, and the documented defaults.

/// [`MockOptions::max_body_bytes`] by default: 10 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// [`MockOptions::rate_limit`] by default: 5,000 requests per second.
pub const DEFAULT_RATE_LIMIT: f64 = 5000.0;
/// [`MockOptions::daily_quota`] by default: 500,000 requests per UTC day.
pub const DEFAULT_DAILY_QUOTA: u64 = 500_000;
/// [`MockOptions::similarity_threshold`] by default: 85.
pub const DEFAULT_SIMILARITY_THRESHOLD: f64 = 85.0;
/// [`MockOptions::request_log_limit`] by default: the last 10,000 requests.
pub const DEFAULT_REQUEST_LOG_LIMIT: usize = 10_000;

/// How to configure a [`MockServer`](crate::MockServer).
#[derive(Debug, Clone, PartialEq)]
pub struct MockOptions {
    /// TCP port on `127.0.0.1`; `0` (the default) picks a free ephemeral port.
    pub port: u16,
    /// The only accepted `x-api-key`; `None` generates a random 40-character alphanumeric key.
    pub api_key: Option<String>,
    /// The Add-On project ID reported by `GET /faceauth`; `None` generates a random
    /// 10-character `[a-z0-9]` ID.
    pub project_id: Option<String>,
    /// Bodies larger than this get `413 Request Entity Too Large`.
    pub max_body_bytes: usize,
    /// Token-bucket rate limit in requests per second (the bucket holds `rate` tokens,
    /// at least one); `None` disables throttling.
    pub rate_limit: Option<f64>,
    /// Requests per UTC day that may pass the key check before `429 Limit Exceeded`;
    /// `None` disables the quota.
    pub daily_quota: Option<u64>,
    /// Requests per whole UTC second (a fixed window) beyond which a second's further requests
    /// get `429 Too Many Requests` with `Retry-After: 1`, as a strict gateway answers; `None`
    /// (the default) leaves it off. It applies on top of `rate_limit`.
    pub gateway_limit: Option<u64>,
    /// The project's `faceSimilarity_threshold`: generated scores for mismatching
    /// selfies stay below it.
    pub similarity_threshold: f64,
    /// How many requests [`MockServer::requests`](crate::MockServer::requests) keeps: the most
    /// recent ones, so that a server left running for days stays the same size; older ones are
    /// only counted ([`MockServer::dropped_requests`](crate::MockServer::dropped_requests)).
    /// `0` keeps none.
    pub request_log_limit: usize,
}

impl Default for MockOptions {
    /// Ephemeral port, random credentials, 10 MiB bodies, 5,000 req/s, 500,000 requests a
    /// day and a similarity threshold of 85 (the `DEFAULT_*` constants), as documented for
    /// the real API; no gateway limit; a log of the last 10,000 requests.
    fn default() -> Self {
        Self {
            port: 0,
            api_key: None,
            project_id: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            daily_quota: Some(DEFAULT_DAILY_QUOTA),
            gateway_limit: None,
            similarity_threshold: DEFAULT_SIMILARITY_THRESHOLD,
            request_log_limit: DEFAULT_REQUEST_LOG_LIMIT,
        }
    }
}

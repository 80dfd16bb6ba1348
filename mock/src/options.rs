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
    /// The project's `faceSimilarity_threshold`: generated scores for mismatching
    /// selfies stay below it.
    pub similarity_threshold: f64,
}

impl Default for MockOptions {
    /// Ephemeral port, random credentials, 10 MiB bodies, 5,000 req/s, 500,000
    /// requests a day and a similarity threshold of 85, as documented for the real API.
    fn default() -> Self {
        Self {
            port: 0,
            api_key: None,
            project_id: None,
            max_body_bytes: 10 * 1024 * 1024,
            rate_limit: Some(5000.0),
            daily_quota: Some(500_000),
            similarity_threshold: 85.0,
        }
    }
}

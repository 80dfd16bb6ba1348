//! Client options: their defaults, environment variables and rules, checked before any I/O, and
//! the [`Config`] they resolve to.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Certificate, Url};

use crate::budget::{BudgetFailure, StoreUrl};
use crate::error::{Error, Result};

/// The SDK's `User-Agent` product token.
pub const USER_AGENT: &str = concat!("argos-addon/", env!("CARGO_PKG_VERSION"));

pub const DEFAULT_BASE_URL: &str = "https://rest-api.argosidentity.com/v3";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The documented per-key cap.
pub const DEFAULT_RATE_LIMIT: f64 = 5000.0;
/// One request a day: anything slower is a mistake, not a rate.
pub const MIN_RATE_LIMIT: f64 = 1.0 / 86_400.0;
/// Real keys are about 40 characters; a longer one cannot be a key and would make a huge header.
const MAX_API_KEY_LEN: usize = 1024;
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;
/// The largest real answer (a 2,000-record page, a base64 selfie) is a few MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// How much of an error answer is read: enough for any real error body, never a flood.
pub const MAX_ERROR_READ_BYTES: u64 = 64 * 1024;

pub const ENV_API_KEY: &str = "ARGOS_API_KEY";
pub const ENV_BASE_URL: &str = "ARGOS_BASE_URL";
pub const ENV_BUDGET_URL: &str = "ARGOS_BUDGET_URL";

/// An Add-On API key. Its `Debug` prints a mask, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks the key's shape: non-empty, visible ASCII, no whitespace.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::configuration("api_key is empty"));
        }
        if key.len() > MAX_API_KEY_LEN {
            return Err(Error::configuration(format!(
                "api_key is {} characters long; keys are at most {MAX_API_KEY_LEN}",
                key.len()
            )));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::configuration(
                "api_key must be visible ASCII characters without whitespace",
            ));
        }
        Ok(ApiKey(key))
    }

    /// The secret itself; use it only to authenticate or derive a key.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

/// Everything a [`crate::Client`] was built with, after validation.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) api_key: ApiKey,
    pub(crate) base_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) daily_quota: Option<u64>,
    pub(crate) budget_url: Option<StoreUrl>,
    pub(crate) budget_failure: BudgetFailure,
    pub(crate) max_upload_bytes: u64,
    pub(crate) max_response_bytes: u64,
    /// Sent on every request.
    pub(crate) default_headers: HeaderMap,
    /// Trusted beside the system roots.
    pub(crate) ca_certs: Vec<Certificate>,
    pub(crate) user_agent: String,
}

impl Config {
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    pub fn rate_limit(&self) -> Option<f64> {
        self.rate_limit
    }

    pub fn daily_quota(&self) -> Option<u64> {
        self.daily_quota
    }

    /// Whether a budget store is set (its URL may hold a password, so it is not handed out).
    pub fn has_budget_store(&self) -> bool {
        self.budget_url.is_some()
    }

    pub fn budget_failure(&self) -> BudgetFailure {
        self.budget_failure
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    pub fn default_headers(&self) -> &HeaderMap {
        &self.default_headers
    }

    /// Joins an endpoint path ("faceauth", "faceauth/image") onto the base URL.
    pub(crate) fn endpoint(&self, path: &str) -> Url {
        // The base always ends in '/', so `join` appends instead of replacing the last segment.
        self.base_url
            .join(path)
            .expect("endpoint paths are static and valid")
    }
}

/// The key given, else `ARGOS_API_KEY`.
pub(crate) fn api_key(given: Option<&str>) -> Result<ApiKey> {
    match given.map(str::to_owned).or_else(|| env_var(ENV_API_KEY)) {
        Some(key) => ApiKey::new(key),
        None => Err(Error::configuration(format!(
            "no API key: pass api_key or set {ENV_API_KEY}"
        ))),
    }
}

/// The URL given, else `ARGOS_BASE_URL`, else the ARGOS API: https only, a host, no
/// credentials, query or fragment.
pub(crate) fn base_url(given: Option<&str>) -> Result<Url> {
    let from_env = env_var(ENV_BASE_URL);
    let raw = given.or(from_env.as_deref()).unwrap_or(DEFAULT_BASE_URL);
    let bad = |why: &str| Error::configuration(format!("base_url {why}"));
    let mut url = Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a valid URL ({e})")))?;
    if url.scheme() != "https" {
        return Err(bad(&format!(
            "must use https:// (got {}://); the ARGOS API refuses plain HTTP",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query string or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The URL given, else `ARGOS_BUDGET_URL`, else none.
pub(crate) fn budget_url(given: Option<&str>) -> Result<Option<StoreUrl>> {
    let from_env = env_var(ENV_BUDGET_URL);
    given
        .or(from_env.as_deref())
        .map(StoreUrl::parse)
        .transpose()
}

/// A timeout: zero would fail every attempt.
pub(crate) fn positive(name: &str, duration: Duration) -> Result<Duration> {
    if duration.is_zero() {
        return Err(Error::configuration(format!(
            "{name} must be greater than zero"
        )));
    }
    Ok(duration)
}

/// `None` turns the limit off.
pub(crate) fn rate_limit(rate: Option<f64>) -> Result<Option<f64>> {
    match rate {
        Some(rate) if !(rate.is_finite() && rate >= MIN_RATE_LIMIT) => {
            Err(Error::configuration(format!(
                "rate_limit must be at least one request a day ({MIN_RATE_LIMIT:e} per second), or none; got {rate}"
            )))
        }
        _ => Ok(rate),
    }
}

/// A limit of zero would refuse everything.
pub(crate) fn nonzero(name: &str, bytes: u64) -> Result<u64> {
    if bytes == 0 {
        return Err(Error::configuration(format!("{name} must be at least 1")));
    }
    Ok(bytes)
}

/// [`USER_AGENT`], then the suffix a binding gave (its language); it must fit in a header.
pub(crate) fn user_agent(suffix: Option<&str>) -> Result<String> {
    let user_agent = match suffix.map(str::trim) {
        Some(suffix) if !suffix.is_empty() => format!("{USER_AGENT} {suffix}"),
        _ => USER_AGENT.to_owned(),
    };
    HeaderValue::from_str(&user_agent)
        .map_err(|_| Error::configuration("user agent suffix must be visible ASCII"))?;
    Ok(user_agent)
}

/// The certificates of a PEM bundle, which must hold at least one.
pub(crate) fn ca_certs(pem: Option<&[u8]>) -> Result<Vec<Certificate>> {
    let Some(pem) = pem else {
        return Ok(Vec::new());
    };
    let certs = Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::configuration(format!("ca_cert is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::configuration(
            "ca_cert holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)",
        ));
    }
    Ok(certs)
}

/// A positive, finite number of seconds as a `Duration` (the rule of `timeout` and
/// `connect_timeout`).
pub fn duration_from_secs(option: &str, secs: f64) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0) {
        return Err(Error::configuration(format!(
            "{option} must be a positive number of seconds, got {secs}"
        )));
    }
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::configuration(format!("{option} is too large: {secs}")))
}

/// A whole number of at least `min` (the rule of the count options).
pub fn int_option(option: &str, value: i64, min: i64) -> Result<u64> {
    if value < min {
        return Err(Error::configuration(format!(
            "{option} must be at least {min}, got {value}"
        )));
    }
    Ok(value as u64)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

//! The client: configuration, the shared connection pool, and one request with its retries.

use std::fmt;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};

use crate::answer::Answer;
use crate::config::{self, ApiKey, Config};
use crate::error::{Error, Result};
use crate::ratelimit::RateLimiter;
use crate::retry::{Replay, next_delay};
use crate::upload::CheckedImage;

/// The SDK's `User-Agent` product token.
pub const USER_AGENT: &str = concat!("argos-addon/", env!("CARGO_PKG_VERSION"));

/// Configures a [`Client`]. Unset options fall back to `ARGOS_API_KEY` / `ARGOS_BASE_URL`, then
/// to the defaults of sdk.md. Nothing is checked or opened until [`ClientBuilder::build`].
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    rate_limit: Option<Option<f64>>,
    max_upload_bytes: Option<u64>,
    max_response_bytes: Option<u64>,
    ca_cert_pem: Option<Vec<u8>>,
    user_agent_suffix: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "****"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("rate_limit", &self.rate_limit)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("ca_cert_pem", &self.ca_cert_pem.as_ref().map(Vec::len))
            .finish()
    }
}

impl ClientBuilder {
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Per attempt, for the whole request and answer. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt. Default 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Requests per second allowed by the client-side token bucket; `None` turns it off.
    /// Default 5,000 (the documented per-key cap).
    pub fn rate_limit(mut self, per_second: Option<f64>) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Larger face images are refused before upload. Default 10 MiB.
    pub fn max_upload_bytes(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = Some(bytes);
        self
    }

    /// Larger 2xx bodies are refused with `response_too_large`, and reading stops there.
    /// Default 32 MiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Extra trusted root certificates (PEM), added to the system roots.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_cert_pem = Some(pem.into());
        self
    }

    /// Appended to the `User-Agent` (bindings name their language here).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Validates everything and builds the connection pool; no network I/O happens here.
    pub fn build(self) -> Result<Client> {
        crate::logging::init_from_env();
        let api_key = match self
            .api_key
            .or_else(|| config::env_var(config::ENV_API_KEY))
        {
            Some(key) => ApiKey::new(key)?,
            None => {
                return Err(Error::configuration(format!(
                    "no API key: pass api_key or set {}",
                    config::ENV_API_KEY
                )));
            }
        };
        let base_url = self
            .base_url
            .or_else(|| config::env_var(config::ENV_BASE_URL))
            .unwrap_or_else(|| config::DEFAULT_BASE_URL.to_owned());
        let base_url = config::parse_base_url(&base_url)?;
        let timeout = positive("timeout", self.timeout.unwrap_or(config::DEFAULT_TIMEOUT))?;
        let connect_timeout = positive(
            "connect_timeout",
            self.connect_timeout
                .unwrap_or(config::DEFAULT_CONNECT_TIMEOUT),
        )?;
        let rate_limit = self.rate_limit.unwrap_or(Some(config::DEFAULT_RATE_LIMIT));
        if let Some(rate) = rate_limit
            && !(rate.is_finite() && rate >= config::MIN_RATE_LIMIT)
        {
            return Err(Error::configuration(format!(
                "rate_limit must be at least one request a day ({:e} per second), or none; got {rate}",
                config::MIN_RATE_LIMIT
            )));
        }
        let max_upload_bytes = self
            .max_upload_bytes
            .unwrap_or(config::DEFAULT_MAX_UPLOAD_BYTES);
        if max_upload_bytes == 0 {
            return Err(Error::configuration("max_upload_bytes must be at least 1"));
        }
        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(config::DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(Error::configuration(
                "max_response_bytes must be at least 1",
            ));
        }
        let user_agent = match self.user_agent_suffix.as_deref().map(str::trim) {
            Some(suffix) if !suffix.is_empty() => format!("{USER_AGENT} {suffix}"),
            _ => USER_AGENT.to_owned(),
        };
        let user_agent_header = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::configuration("user agent suffix must be visible ASCII"))?;

        install_crypto_provider();
        let mut key_header = HeaderValue::from_str(api_key.expose())
            .map_err(|_| Error::configuration("api_key cannot be sent as a header"))?;
        key_header.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key_header);
        let mut http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(user_agent_header)
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            // The key header would follow a redirect to any origin; a 3xx becomes an error.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true);
        let mut ca_cert_count = 0;
        if let Some(pem) = &self.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::configuration(format!("ca_cert is not valid PEM: {e}")))?;
            if certs.is_empty() {
                return Err(Error::configuration(
                    "ca_cert holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)",
                ));
            }
            ca_cert_count = certs.len();
            http = http.tls_certs_merge(certs);
        }
        let http = http.build().map_err(|e| {
            let why = crate::error::describe_chain(&e.without_url());
            match ca_cert_count {
                0 => Error::configuration(format!("cannot set up HTTPS: {why}")),
                _ => Error::configuration(format!("ca_cert cannot be used: {why}")),
            }
        })?;

        let config = Config {
            api_key,
            base_url,
            timeout,
            connect_timeout,
            max_retries: self.max_retries.unwrap_or(config::DEFAULT_MAX_RETRIES),
            rate_limit,
            max_upload_bytes,
            max_response_bytes,
            ca_cert_count,
            user_agent,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                limiter: rate_limit.map(RateLimiter::new),
                http,
                config,
            }),
        })
    }
}

fn positive(name: &str, d: Duration) -> Result<Duration> {
    if d.is_zero() {
        return Err(Error::configuration(format!(
            "{name} must be greater than zero"
        )));
    }
    Ok(d)
}

/// rustls with ring, installed once for the process unless the application chose a provider.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already the default: keep the application's choice.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client of the ARGOS Add-On API. Cheap to clone: clones share the connection pool and the
/// rate limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: Config,
    limiter: Option<RateLimiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Client")
            .field("base_url", &c.base_url())
            .field("api_key", &c.api_key)
            .field("timeout", &c.timeout)
            .field("connect_timeout", &c.connect_timeout)
            .field("max_retries", &c.max_retries)
            .field("rate_limit", &c.rate_limit)
            .field("max_upload_bytes", &c.max_upload_bytes)
            .field("max_response_bytes", &c.max_response_bytes)
            .field("extra_ca_certs", &c.ca_cert_count)
            .finish()
    }
}

/// The multipart body of a submit, rebuilt for every attempt.
pub(crate) struct Upload {
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) image: CheckedImage,
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from `ARGOS_API_KEY` / `ARGOS_BASE_URL` and the defaults.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().build()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// One logical call: rate limit, send, and retry per the policy of sdk.md.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: Url,
        replay: Replay,
        upload: Option<&Upload>,
    ) -> Result<Answer> {
        let config = &self.inner.config;
        let mut retry = 0;
        loop {
            if let Some(limiter) = &self.inner.limiter {
                limiter.acquire().await;
            }
            let started = Instant::now();
            let outcome = self.attempt(method.clone(), url.clone(), upload).await;
            crate::logging::attempt(&method, url.path(), retry + 1, started.elapsed(), &outcome);
            let err = match outcome {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            if retry >= config.max_retries {
                return Err(err);
            }
            let Some(delay) = next_delay(&err, replay, retry) else {
                return Err(err);
            };
            crate::logging::retrying(&method, url.path(), retry + 1, delay, &err);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn attempt(&self, method: Method, url: Url, upload: Option<&Upload>) -> Result<Answer> {
        let mut request = self.inner.http.request(method, url);
        if let Some(upload) = upload {
            let image = upload.image.part().await?;
            request = request.multipart(crate::upload::form(&upload.fields, image));
        }
        let response = request.send().await.map_err(Error::transport)?;
        crate::answer::read(response, self.inner.config.max_response_bytes).await
    }
}

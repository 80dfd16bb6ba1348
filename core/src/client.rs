//! The client and its builder: the options resolved into a [`Config`], the shared connection
//! pool, and one logical call with its rate limit and retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};

use crate::answer::Answer;
use crate::budget::{Budget, BudgetFailure};
use crate::config::{
    self, Config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT,
};
use crate::crypto::{FaceAuthUrlParams, face_auth_url};
use crate::error::{Error, Result};
use crate::models::BudgetStatus;
use crate::retry::{Replay, next_delay};
use crate::setters::setters;
use crate::upload::Upload;

/// Configures a [`Client`]. Unset options fall back to `ARGOS_API_KEY` / `ARGOS_BASE_URL`, then
/// to the defaults (README, *Options and environment*). Nothing is checked or opened until
/// [`ClientBuilder::resolve`] or [`ClientBuilder::build`].
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    rate_limit: Option<Option<f64>>,
    daily_quota: Option<u64>,
    budget_url: Option<String>,
    budget_failure: Option<BudgetFailure>,
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
            .field("daily_quota", &self.daily_quota)
            .field("budget_url", &self.budget_url.as_ref().map(|_| "****"))
            .field("budget_failure", &self.budget_failure)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("ca_cert_pem", &self.ca_cert_pem.as_ref().map(Vec::len))
            .finish()
    }
}

impl ClientBuilder {
    setters! {
        /// The Add-On project's key (not the ID Check key). Default `ARGOS_API_KEY`.
        api_key(key: impl Into<String>);
        /// An `https://` URL. Default `ARGOS_BASE_URL`, else [`crate::DEFAULT_BASE_URL`].
        base_url(url: impl Into<String>);
        /// Per attempt, for the whole request and answer. Default 60 s.
        timeout(timeout: Duration);
        /// Default 10 s.
        connect_timeout(timeout: Duration);
        /// Retries after the first attempt. Default 2.
        max_retries(retries: u32);
        /// Requests per second allowed by the client-side token bucket; `None` turns it off.
        /// Default 5,000 (the documented per-key cap).
        rate_limit(per_second: Option<f64>);
        /// The key's daily cap: counted per UTC day by the budget store (fleet-wide), else by
        /// this client. Default none.
        daily_quota(requests: u64);
        /// `redis://[user:pass@]host:port[/db]`, `rediss://…`, or a Redis Cluster's node URLs
        /// comma-separated: every client of the same key and store shares one rate and one
        /// daily quota. Default `ARGOS_BUDGET_URL`, else none.
        budget_url(url: impl Into<String>);
        /// What calls do while the budget store cannot answer in time. Default
        /// [`BudgetFailure::Local`].
        budget_failure(mode: BudgetFailure);
        /// Larger face images are refused before upload. Default 10 MiB.
        max_upload_bytes(bytes: u64);
        /// Larger 2xx bodies are refused with `response_too_large`, and reading stops there.
        /// Default 32 MiB.
        max_response_bytes(bytes: u64);
        /// Extra trusted root certificates (PEM), added to the system roots.
        ca_cert_pem(pem: impl Into<Vec<u8>>);
        /// Appended to the `User-Agent` (bindings name their language here).
        user_agent_suffix(suffix: impl Into<String>);
    }

    /// Every option after its fallbacks (environment, then default), checked in this order; no
    /// I/O and no connection pool.
    pub fn resolve(&self) -> Result<Config> {
        Ok(Config {
            api_key: config::api_key(self.api_key.as_deref())?,
            base_url: config::base_url(self.base_url.as_deref())?,
            timeout: config::positive("timeout", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?,
            connect_timeout: config::positive(
                "connect_timeout",
                self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            )?,
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            rate_limit: config::rate_limit(self.rate_limit.unwrap_or(Some(DEFAULT_RATE_LIMIT)))?,
            daily_quota: self
                .daily_quota
                .map(|q| config::nonzero("daily_quota", q))
                .transpose()?,
            budget_url: config::budget_url(self.budget_url.as_deref())?,
            budget_failure: self.budget_failure.unwrap_or_default(),
            max_upload_bytes: config::nonzero(
                "max_upload_bytes",
                self.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
            )?,
            max_response_bytes: config::nonzero(
                "max_response_bytes",
                self.max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            )?,
            user_agent: config::user_agent(self.user_agent_suffix.as_deref())?,
            ca_certs: config::ca_certs(self.ca_cert_pem.as_deref())?,
        })
    }

    /// [`ClientBuilder::resolve`], then the connection pool; no network I/O happens here.
    pub fn build(self) -> Result<Client> {
        crate::logging::init_from_env();
        let config = self.resolve()?;
        let http = crate::transport::http_client(&config)?;
        Ok(Client {
            inner: Arc::new(Inner {
                budget: Budget::new(&config)?,
                http,
                config,
            }),
        })
    }
}

/// A client of the ARGOS Add-On API. Cheap to clone: clones share the connection pool and the
/// budget.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: Config,
    budget: Budget,
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
            .field("daily_quota", &c.daily_quota)
            .field("budget_url", &c.budget_url)
            .field("budget_failure", &c.budget_failure)
            .field("max_upload_bytes", &c.max_upload_bytes)
            .field("max_response_bytes", &c.max_response_bytes)
            .field("extra_ca_certs", &c.ca_certs.len())
            .finish()
    }
}

/// The Add-On operations of a [`Client`] (`client.face_auth()`).
#[derive(Clone, Copy, Debug)]
pub struct FaceAuth<'a> {
    pub(crate) client: &'a Client,
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

    pub fn face_auth(&self) -> FaceAuth<'_> {
        FaceAuth { client: self }
    }

    /// The hosted Face Auth URL for `params`, encrypted with this client's key.
    pub fn face_auth_url(&self, params: &FaceAuthUrlParams) -> Result<String> {
        face_auth_url(params, self.config().api_key.expose())
    }

    /// Today's budget as the store (or, without one, this client) counts it; one store round
    /// trip. A store that cannot answer gives `healthy: false` and this client's own counts.
    pub async fn budget_status(&self) -> BudgetStatus {
        self.inner.budget.status().await
    }

    /// One logical call: each attempt waits for its slot of the budget, then is sent; failures
    /// are retried per the policy of `retry.rs`.
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
            // A call the budget refuses was not sent, so it is not retried either.
            self.inner.budget.admit(config.timeout).await?;
            let started = Instant::now();
            let outcome = self.attempt(method.clone(), url.clone(), upload).await;
            crate::logging::attempt(&method, url.path(), retry + 1, started.elapsed(), &outcome);
            let err = match outcome {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            self.inner.budget.observe(&err).await;
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
            request = request.multipart(upload.form().await?);
        }
        let response = request.send().await.map_err(Error::transport)?;
        crate::answer::read(response, self.inner.config.max_response_bytes).await
    }
}

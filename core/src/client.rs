//! The client and its builder: the options resolved into a [`Config`], the shared connection
//! pool, and one logical call with its rate limit and retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName};
use tracing::Instrument as _;

use crate::answer::Answer;
use crate::budget::{Budget, BudgetFailure};
use crate::call::{CallOptions, CallSettings};
use crate::config::{
    self, Config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT,
};
use crate::crypto::{FaceAuthUrlParams, face_auth_url};
use crate::error::{Error, Result};
use crate::models::BudgetStatus;
use crate::retry::next_delay;
use crate::setters::setters;
use crate::telemetry::{self, Ended, Operation, Route};
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
    default_headers: Option<Vec<(String, String)>>,
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
            .field(
                "default_headers",
                &(self.default_headers.iter().flatten())
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
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
        /// Headers sent on every request. `x-api-key`, `content-type`, `content-length`, `host`,
        /// `traceparent` and `tracestate` cannot be set this way.
        default_headers(headers: Vec<(String, String)>);
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
            default_headers: crate::headers::user_headers(
                "default_headers",
                self.default_headers.as_deref().unwrap_or_default(),
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
            call: Arc::new(CallSettings::from_config(&config)),
            inner: Arc::new(Inner {
                budget: Budget::new(&config)?,
                routes: Operation::ALL.map(|op| Route::new(&config, op)),
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
    call: Arc<CallSettings>,
}

/// What every copy of a client shares.
struct Inner {
    http: reqwest::Client,
    config: Config,
    budget: Budget,
    /// By [`Operation::ALL`]'s order.
    routes: [Route; 5],
}

/// Header names without their values, which may be credentials of the application's own.
fn header_names(headers: &HeaderMap) -> Vec<&str> {
    headers.keys().map(HeaderName::as_str).collect()
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Client")
            .field("base_url", &c.base_url())
            .field("api_key", &c.api_key)
            .field("timeout", &self.call.timeout)
            .field("connect_timeout", &c.connect_timeout)
            .field("max_retries", &self.call.max_retries)
            .field("rate_limit", &c.rate_limit)
            .field("daily_quota", &c.daily_quota)
            .field("budget_url", &c.budget_url)
            .field("budget_failure", &c.budget_failure)
            .field("max_upload_bytes", &c.max_upload_bytes)
            .field("max_response_bytes", &c.max_response_bytes)
            .field("extra_ca_certs", &c.ca_certs.len())
            .field("default_headers", &header_names(&c.default_headers))
            .field("extra_headers", &header_names(&self.call.headers))
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

    /// The options the client was built with (a [`Client::with_options`] copy changes only
    /// [`Client::timeout`], [`Client::max_retries`] and the headers it sends).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A copy of this client that shares its connection pool, rate limit and budget, with
    /// `options` applied to its calls; checked before any I/O.
    pub fn with_options(&self, options: &CallOptions) -> Result<Client> {
        Ok(Client {
            inner: self.inner.clone(),
            call: Arc::new(self.call.with(options)?),
        })
    }

    /// Per attempt, for the whole request and answer.
    pub fn timeout(&self) -> Duration {
        self.call.timeout
    }

    pub fn max_retries(&self) -> u32 {
        self.call.max_retries
    }

    /// Where `operation` goes, as spans name it.
    pub fn route(&self, operation: Operation) -> &Route {
        let index = Operation::ALL.iter().position(|op| *op == operation);
        &self.inner.routes[index.expect("ALL holds every operation")]
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

    /// One logical call in its span: each attempt waits for its slot of the budget, then is
    /// sent; failures are retried per the policy of `retry.rs`.
    pub(crate) async fn execute(
        &self,
        operation: Operation,
        url: Url,
        upload: Option<&Upload>,
    ) -> Result<Answer> {
        let span = operation.span(self.route(operation));
        let started = Instant::now();
        let mut attempts = 0;
        let outcome = self
            .attempts(operation, url, upload, &mut attempts)
            .instrument(span.clone())
            .await;
        let ended = match &outcome {
            Ok(answer) => Ok(Ended {
                status: answer.status.as_u16(),
                request_id: crate::response::request_id(&answer.headers),
            }),
            Err(err) => Err(err),
        };
        telemetry::finish(&span, attempts, ended);
        let mut answer = outcome.map_err(|err| err.after_attempts(attempts))?;
        answer.attempts = attempts;
        answer.elapsed = started.elapsed();
        Ok(answer)
    }

    async fn attempts(
        &self,
        operation: Operation,
        url: Url,
        upload: Option<&Upload>,
        attempts: &mut u32,
    ) -> Result<Answer> {
        let call = &*self.call;
        let method = operation.method();
        let mut retry = 0;
        loop {
            // A call the budget refuses was not sent, so it is not retried either.
            self.inner.budget.admit(call.timeout).await?;
            *attempts += 1;
            let started = Instant::now();
            let outcome = self.attempt(operation, url.clone(), upload).await;
            crate::logging::attempt(&method, url.path(), retry + 1, started.elapsed(), &outcome);
            let err = match outcome {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            self.inner.budget.observe(&err).await;
            if retry >= call.max_retries {
                return Err(err);
            }
            let Some(delay) = next_delay(&err, operation.replay(), retry) else {
                return Err(err);
            };
            crate::logging::retrying(&method, url.path(), retry + 1, delay, &err);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn attempt(
        &self,
        operation: Operation,
        url: Url,
        upload: Option<&Upload>,
    ) -> Result<Answer> {
        let mut request = self
            .inner
            .http
            .request(operation.method(), url)
            .timeout(self.call.timeout);
        if !self.call.headers.is_empty() {
            request = request.headers(self.call.headers.clone());
        }
        if let Some(upload) = upload {
            request = request.multipart(upload.form().await?);
        }
        let response = request.send().await.map_err(Error::transport)?;
        crate::answer::read(response, self.inner.config.max_response_bytes).await
    }
}

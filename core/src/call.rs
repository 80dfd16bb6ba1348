//! Per-call settings: what `Client::with_options` changes for the calls of one client copy (the
//! timeout, the retries, extra headers and the trace context), over the shared pool and budget.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::config::{self, Config};
use crate::error::Result;
use crate::headers::{trace_context, user_headers};

/// What [`crate::Client::with_options`] changes; unset fields keep the client's values.
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) extra_headers: Vec<(String, String)>,
    pub(crate) trace_context: Vec<(String, String)>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().map(|(n, _)| n.clone()).collect()
        };
        // Header values may be credentials of the application's own: names only.
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("extra_headers", &names(&self.extra_headers))
            .field("trace_context", &names(&self.trace_context))
            .finish()
    }
}

impl CallOptions {
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Per attempt, for the whole request and answer, and the longest wait for the budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// A header sent on every request, beside (or replacing) the client's `default_headers`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// The W3C trace context (`traceparent`, `tracestate`) sent on every attempt; set by a
    /// telemetry layer, which is why users cannot set these headers otherwise.
    pub fn trace_context(mut self, pairs: Vec<(String, String)>) -> Self {
        self.trace_context = pairs;
        self
    }
}

/// The settings every call of one client copy uses.
#[derive(Clone, Debug)]
pub(crate) struct CallSettings {
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    /// Sent on each request beside the pool's default headers (which they replace by name).
    pub(crate) headers: HeaderMap,
}

impl CallSettings {
    pub(crate) fn from_config(config: &Config) -> Self {
        CallSettings {
            timeout: config.timeout,
            max_retries: config.max_retries,
            headers: HeaderMap::new(),
        }
    }

    /// These settings with `options` applied, checked before any I/O.
    pub(crate) fn with(&self, options: &CallOptions) -> Result<Self> {
        let mut next = self.clone();
        if let Some(timeout) = options.timeout {
            next.timeout = config::positive("timeout", timeout)?;
        }
        if let Some(retries) = options.max_retries {
            next.max_retries = retries;
        }
        // `extend` replaces a name's values: the latest with_options wins.
        next.headers
            .extend(user_headers("extra_headers", &options.extra_headers)?);
        if !options.trace_context.is_empty() {
            next.headers.remove("traceparent");
            next.headers.remove("tracestate");
            next.headers.extend(trace_context(&options.trace_context)?);
        }
        Ok(next)
    }
}

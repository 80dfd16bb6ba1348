//! `NativeMock`: the Rust mock server, started in-process for `argos-addon/testing`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{Buffer, Either, Null};
use napi_derive::napi;

use argos_addon::ErrorKind;
use argos_addon_mock::{
    Fault, ForcedVerdict, MockOptions, MockServer, RecordedRequest, SecondCount, SeedRecord,
};
use serde_json::{Value, json};

use crate::errors::{base_failure, failure, guard};
use crate::lock;

/// A whole number argument of the mock in `0..=max`, taken as a JavaScript number and checked
/// here: napi's own integer conversions would wrap -1 or 2**64 silently.
fn count(name: &str, value: f64, max: u64) -> napi::Result<u64> {
    let invalid = |message| Err(failure(ErrorKind::Validation, message));
    let value = match argos_addon::safe_integer(name, value) {
        Ok(n) => n,
        Err(message) => return invalid(message),
    };
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    match value {
        n @ 0.. if n <= max => Ok(n as u64),
        n => invalid(format!("{name} must be from 0 to {max}, got {n}")),
    }
}

/// One of the mock's named settings (a list shape, an image encoding).
fn named<T: FromStr<Err = String>>(name: &str) -> napi::Result<T> {
    name.parse().map_err(|e| failure(ErrorKind::Validation, e))
}

/// A number, or `None` for JavaScript's `null` (a limit turned off).
fn nullable(value: Either<f64, Null>) -> Option<f64> {
    match value {
        Either::A(number) => Some(number),
        Either::B(Null) => None,
    }
}

/// A whole-number limit, or `None` for `null` (the limit turned off).
fn nullable_count(name: &str, value: Either<f64, Null>) -> napi::Result<Option<u64>> {
    nullable(value)
        .map(|n| count(name, n, u64::MAX))
        .transpose()
}

/// A whole-number limit among the start options: its default when absent.
fn limit_option(
    name: &str,
    value: Option<Either<f64, Null>>,
    default: Option<u64>,
) -> napi::Result<Option<u64>> {
    value.map_or(Ok(default), |value| nullable_count(name, value))
}

/// Options of `MockServer.start`; absent ones take the mock's defaults, `null` turns a limit off.
/// Integers are taken as numbers and checked here: napi's own conversions would wrap them.
#[napi(object, object_to_js = false)]
pub struct MockStartOptions {
    pub port: Option<f64>,
    pub api_key: Option<String>,
    pub project_id: Option<String>,
    pub max_body_bytes: Option<f64>,
    pub rate_limit: Option<Either<f64, Null>>,
    pub daily_quota: Option<Either<f64, Null>>,
    pub gateway_limit: Option<Either<f64, Null>>,
    pub similarity_threshold: Option<f64>,
    pub request_log_limit: Option<f64>,
}

impl TryFrom<MockStartOptions> for MockOptions {
    type Error = napi::Error;

    fn try_from(o: MockStartOptions) -> napi::Result<Self> {
        let defaults = MockOptions::default();
        Ok(MockOptions {
            port: match o.port {
                Some(n) => count("port", n, u16::MAX.into())? as u16,
                None => defaults.port,
            },
            api_key: o.api_key,
            project_id: o.project_id,
            max_body_bytes: match o.max_body_bytes {
                Some(n) => count("maxBodyBytes", n, usize::MAX as u64)? as usize,
                None => defaults.max_body_bytes,
            },
            rate_limit: o.rate_limit.map_or(defaults.rate_limit, nullable),
            daily_quota: limit_option("dailyQuota", o.daily_quota, defaults.daily_quota)?,
            gateway_limit: limit_option("gatewayLimit", o.gateway_limit, defaults.gateway_limit)?,
            similarity_threshold: o
                .similarity_threshold
                .unwrap_or(defaults.similarity_threshold),
            request_log_limit: match o.request_log_limit {
                Some(n) => count("requestLogLimit", n, usize::MAX as u64)? as usize,
                None => defaults.request_log_limit,
            },
        })
    }
}

/// Which requests a fault applies to: the next `times` (default 1) matching `method` and `path`
/// (relative to `/v3`; absent matches any).
#[napi(object, object_to_js = false)]
pub struct FaultScope {
    pub times: Option<f64>,
    pub method: Option<String>,
    pub path: Option<String>,
}

#[napi(object, object_to_js = false)]
pub struct RecordSeed {
    pub auth_status: String,
    pub create_time: DateTime<Utc>,
    pub submission_id: String,
    pub auth_id: Option<String>,
    pub image: Option<Buffer>,
}

/// What a test needs to reach a started mock.
#[napi(object, object_from_js = false)]
pub struct MockInfo {
    pub base_url: String,
    pub ca_cert_pem: String,
    pub api_key: String,
    pub project_id: String,
    pub port: u16,
}

/// The requests of one whole UTC second, as `perSecondCounts()` lists them.
#[napi(object, object_from_js = false)]
pub struct PerSecondCount {
    /// Unix seconds.
    pub second: i64,
    pub requests: i64,
    pub throttled: i64,
}

impl From<SecondCount> for PerSecondCount {
    fn from(c: SecondCount) -> Self {
        // Counts of requests stay far below 2^53, where a JavaScript number stops being exact.
        PerSecondCount {
            second: c.second,
            requests: c.requests as i64,
            throttled: c.throttled as i64,
        }
    }
}

/// The requests the mock holds, as `requestLog()` gives them to `testing.js`.
#[napi(object, object_from_js = false)]
pub struct RequestLog {
    pub requests: Vec<Value>,
    pub dropped: i64,
}

/// A recorded request as a plain object (pairs as `[name, value]` arrays, camelCase fields).
fn recorded(r: RecordedRequest) -> Value {
    let form: Vec<Value> = r
        .form
        .into_iter()
        .map(|p| {
            json!({
                "name": p.name, "fileName": p.file_name, "contentType": p.content_type,
                "len": p.len, "text": p.text,
            })
        })
        .collect();
    json!({
        "method": r.method, "path": r.path, "query": r.query, "headers": r.headers,
        "form": form, "bodyLen": r.body_len,
    })
}

/// The server; `None` once stopped.
#[napi]
pub struct NativeMock(Mutex<Option<MockServer>>);

impl NativeMock {
    /// Runs `f` on the running server; every method goes through here.
    fn with<T>(&self, f: impl FnOnce(&MockServer) -> T) -> napi::Result<T> {
        guard("MockServer", || {
            lock(&self.0)
                .as_ref()
                .map(f)
                .ok_or_else(|| base_failure("the mock server is stopped"))
        })
    }

    fn inject(&self, fault: Fault, scope: FaultScope) -> napi::Result<()> {
        let times = match scope.times {
            Some(n) => count("times", n, u32::MAX.into())? as u32,
            None => 1,
        };
        let fault = Fault {
            method: scope.method,
            path: scope.path,
            ..fault.times(times)
        };
        self.with(|s| s.inject_fault(fault))
    }
}

#[napi]
impl NativeMock {
    /// Starts the server on its own thread; returns once it accepts connections.
    #[napi(factory)]
    pub fn start(options: MockStartOptions) -> napi::Result<Self> {
        guard("MockServer.start()", || {
            let server = MockServer::start(options.try_into()?)
                .map_err(|e| base_failure(format!("the mock server did not start: {e}")))?;
            Ok(NativeMock(Mutex::new(Some(server))))
        })
    }

    #[napi]
    pub fn info(&self) -> napi::Result<MockInfo> {
        self.with(|s| MockInfo {
            base_url: s.base_url().to_owned(),
            ca_cert_pem: s.ca_cert_pem().to_owned(),
            api_key: s.api_key().to_owned(),
            project_id: s.project_id().to_owned(),
            port: s.port(),
        })
    }

    #[napi]
    pub fn add_submission(
        &self,
        submission_id: String,
        status: String,
        selfie: Option<Buffer>,
    ) -> napi::Result<()> {
        let selfie = selfie.map(|b| b.to_vec());
        self.with(|s| s.add_submission(&submission_id, &status, selfie))
    }

    #[napi]
    pub fn add_record(&self, seed: RecordSeed) -> napi::Result<String> {
        let record = SeedRecord {
            auth_id: seed.auth_id,
            auth_status: seed.auth_status,
            create_time: seed.create_time,
            submission_id: seed.submission_id,
            image: seed.image.map(|b| b.to_vec()),
        };
        self.with(|s| s.add_record(record))
    }

    #[napi]
    pub fn force_next_verdict(
        &self,
        status: Option<String>,
        score: Option<f64>,
        fail_codes: Vec<String>,
    ) -> napi::Result<()> {
        let verdict = ForcedVerdict {
            status,
            score,
            fail_codes,
        };
        self.with(|s| s.force_next_verdict(verdict))
    }

    #[napi]
    pub fn inject_status(
        &self,
        status: f64,
        body: String,
        headers: HashMap<String, String>,
        scope: FaultScope,
    ) -> napi::Result<()> {
        let status = count("status", status, u16::MAX.into())? as u16;
        let fault = headers
            .into_iter()
            .fold(Fault::status(status, body), |f, (k, v)| f.header(k, v));
        self.inject(fault, scope)
    }

    #[napi]
    pub fn inject_html_502(&self, scope: FaultScope) -> napi::Result<()> {
        self.inject(Fault::html_502(), scope)
    }

    #[napi]
    pub fn inject_delay(&self, ms: f64, scope: FaultScope) -> napi::Result<()> {
        let delay = Duration::from_millis(count("ms", ms, u32::MAX.into())?);
        self.inject(Fault::delay(delay), scope)
    }

    #[napi]
    pub fn inject_drop(&self, scope: FaultScope) -> napi::Result<()> {
        self.inject(Fault::drop_connection(), scope)
    }

    #[napi]
    pub fn clear_faults(&self) -> napi::Result<()> {
        self.with(MockServer::clear_faults)
    }

    #[napi]
    pub fn set_deny(&self, deny: bool) -> napi::Result<()> {
        self.with(|s| s.set_deny(deny))
    }

    #[napi]
    pub fn set_list_shape(&self, shape: String) -> napi::Result<()> {
        let shape = named(&shape)?;
        self.with(|s| s.set_list_shape(shape))
    }

    #[napi]
    pub fn set_image_encoding(&self, encoding: String) -> napi::Result<()> {
        let encoding = named(&encoding)?;
        self.with(|s| s.set_image_encoding(encoding))
    }

    #[napi]
    pub fn set_daily_quota(&self, quota: Either<f64, Null>) -> napi::Result<()> {
        let quota = nullable_count("quota", quota)?;
        self.with(|s| s.set_daily_quota(quota))
    }

    #[napi]
    pub fn set_gateway_limit(&self, per_second: Either<f64, Null>) -> napi::Result<()> {
        let limit = nullable_count("perSecond", per_second)?;
        self.with(|s| s.set_gateway_limit(limit))
    }

    #[napi]
    pub fn set_rate_limit(&self, rate: Either<f64, Null>) -> napi::Result<()> {
        self.with(|s| s.set_rate_limit(nullable(rate)))
    }

    #[napi]
    pub fn request_count(&self, method: String, path: String) -> napi::Result<i64> {
        self.with(|s| s.request_count(&method, &path) as i64)
    }

    #[napi]
    pub fn total_requests(&self) -> napi::Result<i64> {
        self.with(|s| s.total_requests() as i64)
    }

    #[napi]
    pub fn connection_count(&self) -> napi::Result<i64> {
        self.with(|s| s.connection_count() as i64)
    }

    #[napi]
    pub fn handshake_count(&self) -> napi::Result<i64> {
        self.with(|s| s.handshake_count() as i64)
    }

    #[napi]
    pub fn reset_counts(&self) -> napi::Result<()> {
        self.with(MockServer::reset_counts)
    }

    /// The seconds that had requests, oldest first.
    #[napi]
    pub fn per_second_counts(&self) -> napi::Result<Vec<PerSecondCount>> {
        let counts = self.with(MockServer::per_second_counts)?;
        Ok(counts.into_iter().map(PerSecondCount::from).collect())
    }

    /// The requests held, oldest first, and how many older ones the log let go.
    #[napi]
    pub fn request_log(&self) -> napi::Result<RequestLog> {
        let log = self.with(MockServer::request_log)?;
        Ok(RequestLog {
            requests: log.requests.into_iter().map(recorded).collect(),
            // Far below 2^53, where a JavaScript number stops being exact.
            dropped: log.dropped as i64,
        })
    }

    #[napi]
    pub fn dropped_requests(&self) -> napi::Result<i64> {
        self.with(|s| s.dropped_requests() as i64)
    }

    /// Stops accepting connections and waits (off the JavaScript thread) for the server to end.
    #[napi]
    pub async fn stop(&self) -> napi::Result<()> {
        let server = lock(&self.0).take();
        if let Some(server) = server {
            tokio::task::spawn_blocking(move || server.stop())
                .await
                .map_err(|e| base_failure(format!("the mock server did not stop: {e}")))?;
        }
        Ok(())
    }
}

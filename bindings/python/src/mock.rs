//! `NativeMock`: the Rust mock server, started in-process for `argos_addon.testing`.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use argos_addon_mock::{Fault, ForcedVerdict, MockOptions, MockServer, SeedRecord};

use crate::convert::{Int, Num, Text};
use crate::errors::{guard, validation};

#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativeMock {
    server: Mutex<Option<MockServer>>,
    #[pyo3(get)]
    base_url: String,
    #[pyo3(get)]
    ca_cert_pem: String,
    #[pyo3(get)]
    api_key: String,
    #[pyo3(get)]
    project_id: String,
    #[pyo3(get)]
    port: u16,
}

impl NativeMock {
    /// Runs `f` on the running server; every method goes through here.
    fn with<T>(&self, f: impl FnOnce(&MockServer) -> T) -> PyResult<T> {
        Python::attach(|py| {
            guard(py, "MockServer", || {
                let server = self.server.lock().unwrap_or_else(|p| p.into_inner());
                server
                    .as_ref()
                    .map(f)
                    .ok_or_else(|| PyValueError::new_err("the mock server is stopped"))
            })
        })
    }

    fn inject(&self, fault: Fault, matching: Matching) -> PyResult<()> {
        let fault = Fault {
            method: matching.method,
            path: matching.path,
            ..fault.times(matching.times)
        };
        self.with(|s| s.inject_fault(fault))
    }
}

/// The requests a fault applies to: the next `times` that match `method` and `path` (`None`
/// matches any), given from Python as the tuple `(times, method, path)`.
struct Matching {
    times: u32,
    method: Option<String>,
    path: Option<String>,
}

impl FromPyObject<'_, '_> for Matching {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let (times, method, path): (Int<u32>, Option<Text>, Option<Text>) = obj.extract()?;
        Ok(Matching {
            times: times.0,
            method: method.map(String::from),
            path: path.map(String::from),
        })
    }
}

/// The options of `MockServer()`, by their names there; one left out keeps its default.
fn mock_options(given: Option<&Bound<'_, PyDict>>) -> PyResult<MockOptions> {
    let mut options = MockOptions::default();
    for (name, value) in given.into_iter().flatten() {
        match &*name.extract::<String>()? {
            "port" => options.port = value.extract::<Int<u16>>()?.0,
            "api_key" => options.api_key = value.extract::<Option<Text>>()?.map(String::from),
            "project_id" => options.project_id = value.extract::<Option<Text>>()?.map(String::from),
            "max_body_bytes" => options.max_body_bytes = value.extract::<Int<usize>>()?.0,
            "rate_limit" => options.rate_limit = value.extract::<Option<Num>>()?.map(|r| r.0),
            "daily_quota" => {
                options.daily_quota = value.extract::<Option<Int<u64>>>()?.map(|q| q.0)
            }
            "gateway_limit" => {
                options.gateway_limit = value.extract::<Option<Int<u64>>>()?.map(|l| l.0)
            }
            "similarity_threshold" => options.similarity_threshold = value.extract::<Num>()?.0,
            "request_log_limit" => options.request_log_limit = value.extract::<Int<usize>>()?.0,
            other => {
                let message = format!("MockServer() got an unexpected keyword argument {other:?}");
                return Err(PyTypeError::new_err(message));
            }
        }
    }
    Ok(options)
}

#[pymethods]
impl NativeMock {
    /// The defaults of `MockServer()`'s numbers, from [`MockOptions::default`].
    #[classattr]
    #[pyo3(name = "DEFAULTS")]
    fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = MockOptions::default();
        let pairs = (
            ("port", d.port),
            ("max_body_bytes", d.max_body_bytes),
            ("rate_limit", d.rate_limit),
            ("daily_quota", d.daily_quota),
            ("gateway_limit", d.gateway_limit),
            ("similarity_threshold", d.similarity_threshold),
            ("request_log_limit", d.request_log_limit),
        );
        PyDict::from_sequence(pairs.into_pyobject(py)?.as_any())
    }

    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let options = mock_options(options)?;
        guard(py, "MockServer()", || {
            let server = py
                .detach(|| MockServer::start(options))
                .map_err(|e| PyOSError::new_err(format!("the mock server did not start: {e}")))?;
            Ok(NativeMock {
                base_url: server.base_url().to_owned(),
                ca_cert_pem: server.ca_cert_pem().to_owned(),
                api_key: server.api_key().to_owned(),
                project_id: server.project_id().to_owned(),
                port: server.port(),
                server: Mutex::new(Some(server)),
            })
        })
    }

    fn add_submission(
        &self,
        submission_id: Text,
        status: Text,
        selfie: Option<Vec<u8>>,
    ) -> PyResult<()> {
        self.with(|s| s.add_submission(&submission_id.0, &status.0, selfie))
    }

    #[pyo3(signature = (auth_status, create_time, submission_id, auth_id, image))]
    fn add_record(
        &self,
        auth_status: Text,
        create_time: DateTime<Utc>,
        submission_id: Text,
        auth_id: Option<Text>,
        image: Option<Vec<u8>>,
    ) -> PyResult<String> {
        let record = SeedRecord {
            auth_id: auth_id.map(String::from),
            auth_status: auth_status.0,
            create_time,
            submission_id: submission_id.0,
            image,
        };
        self.with(|s| s.add_record(record))
    }

    fn force_next_verdict(
        &self,
        status: Option<Text>,
        score: Option<Num>,
        fail_codes: Vec<Text>,
    ) -> PyResult<()> {
        let verdict = ForcedVerdict {
            status: status.map(String::from),
            score: score.map(|s| s.0),
            fail_codes: fail_codes.into_iter().map(String::from).collect(),
        };
        self.with(|s| s.force_next_verdict(verdict))
    }

    fn inject_status(
        &self,
        status: Int<u16>,
        body: Text,
        headers: Vec<(Text, Text)>,
        matching: Matching,
    ) -> PyResult<()> {
        let fault = headers
            .into_iter()
            .fold(Fault::status(status.0, body.0), |f, (k, v)| {
                f.header(k.0, v.0)
            });
        self.inject(fault, matching)
    }

    fn inject_html_502(&self, matching: Matching) -> PyResult<()> {
        self.inject(Fault::html_502(), matching)
    }

    fn inject_delay(&self, py: Python<'_>, seconds: Num, matching: Matching) -> PyResult<()> {
        let delay = Duration::try_from_secs_f64(seconds.0).map_err(|_| {
            let message = format!("seconds must be a non-negative number, got {}", seconds.0);
            validation(py, &message)
        })?;
        self.inject(Fault::delay(delay), matching)
    }

    fn inject_drop(&self, matching: Matching) -> PyResult<()> {
        self.inject(Fault::drop_connection(), matching)
    }

    fn clear_faults(&self) -> PyResult<()> {
        self.with(MockServer::clear_faults)
    }

    fn set_deny(&self, deny: bool) -> PyResult<()> {
        self.with(|s| s.set_deny(deny))
    }

    fn set_list_shape(&self, py: Python<'_>, shape: Text) -> PyResult<()> {
        let shape = shape.0.parse().map_err(|e: String| validation(py, &e))?;
        self.with(|s| s.set_list_shape(shape))
    }

    fn set_image_encoding(&self, py: Python<'_>, encoding: Text) -> PyResult<()> {
        let encoding = encoding.0.parse().map_err(|e: String| validation(py, &e))?;
        self.with(|s| s.set_image_encoding(encoding))
    }

    fn set_daily_quota(&self, quota: Option<Int<u64>>) -> PyResult<()> {
        self.with(|s| s.set_daily_quota(quota.map(|q| q.0)))
    }

    fn set_rate_limit(&self, rate: Option<Num>) -> PyResult<()> {
        self.with(|s| s.set_rate_limit(rate.map(|r| r.0)))
    }

    fn set_gateway_limit(&self, per_second: Option<Int<u64>>) -> PyResult<()> {
        self.with(|s| s.set_gateway_limit(per_second.map(|l| l.0)))
    }

    fn request_count(&self, method: Text, path: Text) -> PyResult<u64> {
        self.with(|s| s.request_count(&method.0, &path.0))
    }

    fn total_requests(&self) -> PyResult<u64> {
        self.with(MockServer::total_requests)
    }

    fn connection_count(&self) -> PyResult<u64> {
        self.with(MockServer::connection_count)
    }

    fn handshake_count(&self) -> PyResult<u64> {
        self.with(MockServer::handshake_count)
    }

    fn reset_counts(&self) -> PyResult<()> {
        self.with(MockServer::reset_counts)
    }

    /// The seconds that had requests, oldest first, as `{second, requests, throttled}` dicts.
    fn per_second_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let counts = self.with(MockServer::per_second_counts)?;
        let list = PyList::empty(py);
        for c in counts {
            let d = PyDict::new(py);
            d.set_item("second", c.second)?;
            d.set_item("requests", c.requests)?;
            d.set_item("throttled", c.throttled)?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn dropped_requests(&self) -> PyResult<u64> {
        self.with(MockServer::dropped_requests)
    }

    /// The requests held, oldest first, as dicts, and how many older ones the log let go.
    fn request_log<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyList>, u64)> {
        let log = self.with(MockServer::request_log)?;
        let list = PyList::empty(py);
        for r in log.requests {
            let d = PyDict::new(py);
            d.set_item("method", r.method)?;
            d.set_item("path", r.path)?;
            d.set_item("query", r.query)?;
            d.set_item("headers", r.headers)?;
            let form = PyList::empty(py);
            for part in r.form {
                let p = PyDict::new(py);
                p.set_item("name", part.name)?;
                p.set_item("file_name", part.file_name)?;
                p.set_item("content_type", part.content_type)?;
                p.set_item("len", part.len)?;
                p.set_item("text", part.text)?;
                form.append(p)?;
            }
            d.set_item("form", form)?;
            d.set_item("body_len", r.body_len)?;
            list.append(d)?;
        }
        Ok((list, log.dropped))
    }

    fn stop(&self, py: Python<'_>) {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(server) = server {
            py.detach(|| server.stop());
        }
    }
}

//! `NativeMock`: the Rust mock server, started in-process for `argos_addon.testing`.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use argos_addon_mock::{Fault, ForcedVerdict, MockOptions, MockServer, SeedRecord};

use crate::convert::{Int, Num, Text};
use crate::errors::{guard, validation};

#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativeMock {
    server: Mutex<Option<MockServer>>,
    base_url: String,
    ca_cert_pem: String,
    api_key: String,
    project_id: String,
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

    fn inject(
        &self,
        fault: Fault,
        times: Int<u32>,
        method: Option<Text>,
        path: Option<Text>,
    ) -> PyResult<()> {
        let fault = Fault {
            method: method.map(String::from),
            path: path.map(String::from),
            ..fault.times(times.0)
        };
        self.with(|s| s.inject_fault(fault))
    }
}

#[pymethods]
impl NativeMock {
    #[new]
    #[pyo3(signature = (*, port, api_key, project_id, max_body_bytes, rate_limit, daily_quota, similarity_threshold))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        port: Int<u16>,
        api_key: Option<Text>,
        project_id: Option<Text>,
        max_body_bytes: Int<usize>,
        rate_limit: Option<Num>,
        daily_quota: Option<Int<u64>>,
        similarity_threshold: Num,
    ) -> PyResult<Self> {
        let options = MockOptions {
            port: port.0,
            api_key: api_key.map(String::from),
            project_id: project_id.map(String::from),
            max_body_bytes: max_body_bytes.0,
            rate_limit: rate_limit.map(|r| r.0),
            daily_quota: daily_quota.map(|q| q.0),
            similarity_threshold: similarity_threshold.0,
        };
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

    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    #[getter]
    fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    #[getter]
    fn api_key(&self) -> &str {
        &self.api_key
    }

    #[getter]
    fn project_id(&self) -> &str {
        &self.project_id
    }

    #[getter]
    fn port(&self) -> u16 {
        self.port
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

    #[pyo3(signature = (status, body, headers, times, method, path))]
    fn inject_status(
        &self,
        status: Int<u16>,
        body: Text,
        headers: Vec<(Text, Text)>,
        times: Int<u32>,
        method: Option<Text>,
        path: Option<Text>,
    ) -> PyResult<()> {
        let fault = headers
            .into_iter()
            .fold(Fault::status(status.0, body.0), |f, (k, v)| {
                f.header(k.0, v.0)
            });
        self.inject(fault, times, method, path)
    }

    fn inject_html_502(
        &self,
        times: Int<u32>,
        method: Option<Text>,
        path: Option<Text>,
    ) -> PyResult<()> {
        self.inject(Fault::html_502(), times, method, path)
    }

    fn inject_delay(
        &self,
        py: Python<'_>,
        seconds: Num,
        times: Int<u32>,
        method: Option<Text>,
        path: Option<Text>,
    ) -> PyResult<()> {
        let delay = Duration::try_from_secs_f64(seconds.0).map_err(|_| {
            let message = format!("seconds must be a non-negative number, got {}", seconds.0);
            validation(py, &message)
        })?;
        self.inject(Fault::delay(delay), times, method, path)
    }

    fn inject_drop(
        &self,
        times: Int<u32>,
        method: Option<Text>,
        path: Option<Text>,
    ) -> PyResult<()> {
        self.inject(Fault::drop_connection(), times, method, path)
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

    fn request_count(&self, method: Text, path: Text) -> PyResult<u64> {
        self.with(|s| s.request_count(&method.0, &path.0))
    }

    fn total_requests(&self) -> PyResult<u64> {
        self.with(MockServer::total_requests)
    }

    fn reset_counts(&self) -> PyResult<()> {
        self.with(MockServer::reset_counts)
    }

    /// Every request that arrived, oldest first, as dicts.
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let requests = self.with(MockServer::requests)?;
        let list = PyList::empty(py);
        for r in requests {
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
        Ok(list)
    }

    fn stop(&self, py: Python<'_>) {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(server) = server {
            py.detach(|| server.stop());
        }
    }
}

//! `NativeMock`: the Rust mock server, started in-process for `argos_addon.testing`.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use argos_addon_mock::{Fault, ForcedVerdict, MockOptions, MockServer, SeedRecord};

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
    fn with<T>(&self, f: impl FnOnce(&MockServer) -> T) -> PyResult<T> {
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        server
            .as_ref()
            .map(f)
            .ok_or_else(|| PyValueError::new_err("the mock server is stopped"))
    }

    fn inject(
        &self,
        fault: Fault,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        let fault = Fault {
            method,
            path,
            ..fault.times(times)
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
        port: u16,
        api_key: Option<String>,
        project_id: Option<String>,
        max_body_bytes: usize,
        rate_limit: Option<f64>,
        daily_quota: Option<u64>,
        similarity_threshold: f64,
    ) -> PyResult<Self> {
        let options = MockOptions {
            port,
            api_key,
            project_id,
            max_body_bytes,
            rate_limit,
            daily_quota,
            similarity_threshold,
        };
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
        submission_id: &str,
        status: &str,
        selfie: Option<Vec<u8>>,
    ) -> PyResult<()> {
        self.with(|s| s.add_submission(submission_id, status, selfie))
    }

    #[pyo3(signature = (auth_status, create_time, submission_id, auth_id, image))]
    fn add_record(
        &self,
        auth_status: String,
        create_time: DateTime<Utc>,
        submission_id: String,
        auth_id: Option<String>,
        image: Option<Vec<u8>>,
    ) -> PyResult<String> {
        let record = SeedRecord {
            auth_id,
            auth_status,
            create_time,
            submission_id,
            image,
        };
        self.with(|s| s.add_record(record))
    }

    fn force_next_verdict(
        &self,
        status: Option<String>,
        score: Option<f64>,
        fail_codes: Vec<String>,
    ) -> PyResult<()> {
        let verdict = ForcedVerdict {
            status,
            score,
            fail_codes,
        };
        self.with(|s| s.force_next_verdict(verdict))
    }

    #[pyo3(signature = (status, body, headers, times, method, path))]
    fn inject_status(
        &self,
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        let fault = headers
            .into_iter()
            .fold(Fault::status(status, body), |f, (k, v)| f.header(k, v));
        self.inject(fault, times, method, path)
    }

    fn inject_html_502(
        &self,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        self.inject(Fault::html_502(), times, method, path)
    }

    fn inject_delay(
        &self,
        seconds: f64,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        let delay = Duration::try_from_secs_f64(seconds)
            .map_err(|_| PyValueError::new_err("seconds must be a non-negative number"))?;
        self.inject(Fault::delay(delay), times, method, path)
    }

    fn inject_drop(
        &self,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        self.inject(Fault::drop_connection(), times, method, path)
    }

    fn clear_faults(&self) -> PyResult<()> {
        self.with(MockServer::clear_faults)
    }

    fn set_deny(&self, deny: bool) -> PyResult<()> {
        self.with(|s| s.set_deny(deny))
    }

    fn set_list_shape(&self, shape: &str) -> PyResult<()> {
        let shape = shape.parse().map_err(PyValueError::new_err)?;
        self.with(|s| s.set_list_shape(shape))
    }

    fn set_image_encoding(&self, encoding: &str) -> PyResult<()> {
        let encoding = encoding.parse().map_err(PyValueError::new_err)?;
        self.with(|s| s.set_image_encoding(encoding))
    }

    fn set_daily_quota(&self, quota: Option<u64>) -> PyResult<()> {
        self.with(|s| s.set_daily_quota(quota))
    }

    fn set_rate_limit(&self, rate: Option<f64>) -> PyResult<()> {
        self.with(|s| s.set_rate_limit(rate))
    }

    fn request_count(&self, method: &str, path: &str) -> PyResult<u64> {
        self.with(|s| s.request_count(method, path))
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

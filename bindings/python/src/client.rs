//! `NativeClient`: every operation as a blocking method and as an awaitable `*_async` twin.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyString};
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    Client, ClientBuilder, FaceAuthUrlParams, FaceImage, ListParams, NextKey, Pager, SubmitRequest,
    duration_from_secs, int_option,
};

use crate::bridge::Completions;
use crate::convert::{Int, Text, integer, number, text};
use crate::errors::{self, guard, to_py};
use crate::models::{FaceAuthPage, FaceAuthRecord, FaceAuthResult};
use crate::runtime::block_on;

/// A face image as the Python face hands it over: bytes (shared, not copied) or a path.
pub(crate) enum ImageArg {
    Bytes(PyBackedBytes),
    Path(PathBuf),
}

impl FromPyObject<'_, '_> for ImageArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = obj.extract::<PyBackedBytes>() {
            return Ok(ImageArg::Bytes(bytes));
        }
        obj.cast::<PyString>()?;
        // A str the file system encoding cannot hold (a lone surrogate) names no file.
        obj.extract::<PathBuf>().map(ImageArg::Path).map_err(|err| {
            let py = obj.py();
            let message = format!("face_image is not a usable path: {}", err.value(py));
            errors::validation(py, &message)
        })
    }
}

impl From<ImageArg> for FaceImage {
    fn from(arg: ImageArg) -> Self {
        match arg {
            ImageArg::Bytes(b) => FaceImage::Bytes(Bytes::from_owner(b)),
            ImageArg::Path(p) => FaceImage::Path(p),
        }
    }
}

/// The core client plus what is needed to rebuild it in a forked child, where the parent's
/// connection pool and runtime threads do not exist.
#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativeClient {
    builder: ClientBuilder,
    config: argos_addon::Config,
    /// The process the client was built in, and the client; `None` once closed.
    current: Mutex<Option<(u32, Client)>>,
}

impl NativeClient {
    fn core(&self) -> PyResult<Client> {
        let pid = std::process::id();
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let Some((owner, client)) = current.as_mut() else {
            return Err(Python::attach(|py| {
                errors::raise(
                    py,
                    "APIConnectionError",
                    "this client is closed; create a new one",
                )
            }));
        };
        if *owner != pid {
            let fresh = self
                .builder
                .clone()
                .build()
                .expect("it built in the parent");
            // The parent's client holds connections driven by threads the child lacks.
            std::mem::forget(std::mem::replace(client, fresh));
            *owner = pid;
        }
        Ok(client.clone())
    }

    /// Runs the operation `what` on the calling thread.
    fn run<T, F>(&self, py: Python<'_>, what: &str, call: impl FnOnce(Client) -> F) -> PyResult<T>
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        guard(py, what, || {
            let fut = call(self.core()?);
            block_on(py, fut)?.map_err(|e| to_py(py, &e))
        })
    }

    /// Starts the operation `what` on the runtime; `completions` settles its future.
    fn spawn<T, F>(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        what: &'static str,
        call: impl FnOnce(Client) -> F,
    ) -> PyResult<()>
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        guard(completions.py(), what, || {
            completions.get().spawn(id, what, call(self.core()?));
            Ok(())
        })
    }
}

fn submit_request(
    submission_id: Text,
    face_image: ImageArg,
    user_id: Option<Text>,
    cf1: Option<Text>,
    cf2: Option<Text>,
    cf3: Option<Text>,
) -> SubmitRequest {
    let mut request = SubmitRequest::new(submission_id, FaceImage::from(face_image));
    request.user_id = user_id.map(String::from);
    request.cf1 = cf1.map(String::from);
    request.cf2 = cf2.map(String::from);
    request.cf3 = cf3.map(String::from);
    request
}

fn list_params(
    py: Python<'_>,
    start_date: Option<Text>,
    end_date: Option<Text>,
    count: Option<Int<i64>>,
    next_key: Option<Text>,
) -> PyResult<ListParams> {
    let next_key = next_key
        .map(|k| k.0.parse::<NextKey>())
        .transpose()
        .map_err(|e| to_py(py, &e))?;
    Ok(ListParams {
        start_date: start_date.map(String::from),
        end_date: end_date.map(String::from),
        count: count.map(|c| c.0),
        next_key,
    })
}

/// The class of the error for a client option that Rust cannot hold.
const OPTION: &str = "ConfigurationError";

/// `ca_cert` as PEM bytes, from `bytes` or PEM text.
fn pem(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match obj.cast::<PyBytes>() {
        Ok(bytes) => Ok(bytes.as_bytes().to_vec()),
        Err(_) => text(obj, OPTION, "ca_cert is not valid Unicode").map(String::into_bytes),
    }
}

#[pymethods]
impl NativeClient {
    /// Takes the options as the user gave them: the core checks their values, and a value Rust
    /// cannot hold (an int beyond 64 bits, a lone surrogate) is a `ConfigurationError` too.
    #[new]
    #[pyo3(signature = (*, api_key, base_url, timeout, connect_timeout, max_retries, ca_cert, rate_limit, max_upload_bytes, max_response_bytes, user_agent_suffix))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: Option<&Bound<'_, PyAny>>,
        base_url: Option<&Bound<'_, PyAny>>,
        timeout: &Bound<'_, PyAny>,
        connect_timeout: &Bound<'_, PyAny>,
        max_retries: &Bound<'_, PyAny>,
        ca_cert: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        max_upload_bytes: &Bound<'_, PyAny>,
        max_response_bytes: &Bound<'_, PyAny>,
        user_agent_suffix: String,
    ) -> PyResult<Self> {
        guard(py, "Client()", || {
            let timeout = number(timeout, OPTION, "timeout is out of range")?;
            let connect_timeout =
                number(connect_timeout, OPTION, "connect_timeout is out of range")?;
            let max_retries = integer(max_retries, OPTION, "max_retries is out of range")?;
            let rate_limit = rate_limit
                .map(|r| number(r, OPTION, "rate_limit is out of range"))
                .transpose()?;
            let max_upload_bytes =
                integer(max_upload_bytes, OPTION, "max_upload_bytes is out of range")?;
            let max_response_bytes = integer(
                max_response_bytes,
                OPTION,
                "max_response_bytes is out of range",
            )?;
            let api_key = api_key
                .map(|k| text(k, OPTION, "api_key is not valid Unicode"))
                .transpose()?;
            let base_url = base_url
                .map(|u| text(u, OPTION, "base_url is not valid Unicode"))
                .transpose()?;
            let ca_cert = ca_cert.map(pem).transpose()?;
            let configured = || -> argos_addon::Result<(ClientBuilder, Client)> {
                let mut builder = Client::builder()
                    .timeout(duration_from_secs("timeout", timeout)?)
                    .connect_timeout(duration_from_secs("connect_timeout", connect_timeout)?)
                    .max_retries(
                        int_option("max_retries", max_retries, 0)?.min(u32::MAX as u64) as u32,
                    )
                    .rate_limit(rate_limit)
                    .max_upload_bytes(int_option("max_upload_bytes", max_upload_bytes, 1)?)
                    .max_response_bytes(int_option("max_response_bytes", max_response_bytes, 1)?)
                    .user_agent_suffix(user_agent_suffix);
                if let Some(key) = api_key {
                    builder = builder.api_key(key);
                }
                if let Some(url) = base_url {
                    builder = builder.base_url(url);
                }
                if let Some(pem) = ca_cert {
                    builder = builder.ca_cert_pem(pem);
                }
                let client = builder.clone().build()?;
                Ok((builder, client))
            };
            let (builder, client) = configured().map_err(|e| to_py(py, &e))?;
            Ok(NativeClient {
                builder,
                config: client.config().clone(),
                current: Mutex::new(Some((std::process::id(), client))),
            })
        })
    }

    fn __repr__(&self) -> String {
        let c = &self.config;
        format!(
            "base_url={:?}, timeout={}, max_retries={}",
            c.base_url(),
            c.timeout().as_secs_f64(),
            c.max_retries()
        )
    }

    #[getter]
    fn base_url(&self) -> &str {
        self.config.base_url()
    }

    /// Drops the connection pool; later calls raise `APIConnectionError`.
    fn close(&self) {
        let closed = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop(closed);
    }

    #[pyo3(signature = (submission_id, face_image, user_id, cf1, cf2, cf3))]
    #[allow(clippy::too_many_arguments)]
    fn submit(
        &self,
        py: Python<'_>,
        submission_id: Text,
        face_image: ImageArg,
        user_id: Option<Text>,
        cf1: Option<Text>,
        cf2: Option<Text>,
        cf3: Option<Text>,
    ) -> PyResult<FaceAuthResult> {
        let request = submit_request(submission_id, face_image, user_id, cf1, cf2, cf3);
        self.run(py, "submit", |c| async move {
            c.face_auth()
                .submit(request)
                .await
                .map(FaceAuthResult::from)
        })
    }

    #[pyo3(signature = (completions, id, submission_id, face_image, user_id, cf1, cf2, cf3))]
    #[allow(clippy::too_many_arguments)]
    fn submit_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        submission_id: Text,
        face_image: ImageArg,
        user_id: Option<Text>,
        cf1: Option<Text>,
        cf2: Option<Text>,
        cf3: Option<Text>,
    ) -> PyResult<()> {
        let request = submit_request(submission_id, face_image, user_id, cf1, cf2, cf3);
        self.spawn(completions, id, "submit", |c| async move {
            c.face_auth()
                .submit(request)
                .await
                .map(FaceAuthResult::from)
        })
    }

    fn get(&self, py: Python<'_>, auth_id: Text) -> PyResult<FaceAuthRecord> {
        self.run(py, "get", |c| async move {
            c.face_auth()
                .get(&auth_id.0)
                .await
                .map(FaceAuthRecord::from)
        })
    }

    fn get_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: Text,
    ) -> PyResult<()> {
        self.spawn(completions, id, "get", |c| async move {
            c.face_auth()
                .get(&auth_id.0)
                .await
                .map(FaceAuthRecord::from)
        })
    }

    #[pyo3(signature = (start_date, end_date, count, next_key))]
    fn list_page(
        &self,
        py: Python<'_>,
        start_date: Option<Text>,
        end_date: Option<Text>,
        count: Option<Int<i64>>,
        next_key: Option<Text>,
    ) -> PyResult<FaceAuthPage> {
        let params = list_params(py, start_date, end_date, count, next_key)?;
        self.run(py, "list_page", |c| async move {
            c.face_auth()
                .list_page(&params)
                .await
                .map(FaceAuthPage::from)
        })
    }

    #[pyo3(signature = (completions, id, start_date, end_date, count, next_key))]
    #[allow(clippy::too_many_arguments)]
    fn list_page_async(
        &self,
        py: Python<'_>,
        completions: &Bound<'_, Completions>,
        id: u64,
        start_date: Option<Text>,
        end_date: Option<Text>,
        count: Option<Int<i64>>,
        next_key: Option<Text>,
    ) -> PyResult<()> {
        let params = list_params(py, start_date, end_date, count, next_key)?;
        self.spawn(completions, id, "list_page", |c| async move {
            c.face_auth()
                .list_page(&params)
                .await
                .map(FaceAuthPage::from)
        })
    }

    /// A pager over every record; the parameters are checked now, before any request.
    #[pyo3(signature = (start_date, end_date, page_size))]
    fn pager(
        &self,
        py: Python<'_>,
        start_date: Option<Text>,
        end_date: Option<Text>,
        page_size: Int<i64>,
    ) -> PyResult<NativePager> {
        guard(py, "list", || {
            let params = list_params(py, start_date, end_date, Some(page_size), None)?;
            let pager = self
                .core()?
                .face_auth()
                .pager(params)
                .map_err(|e| to_py(py, &e))?;
            Ok(NativePager {
                pager: Arc::new(AsyncMutex::new(pager)),
            })
        })
    }

    fn image(&self, py: Python<'_>, auth_id: Text) -> PyResult<ImageBytes> {
        self.run(py, "image", |c| async move {
            c.face_auth().image(&auth_id.0).await.map(ImageBytes)
        })
    }

    fn image_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: Text,
    ) -> PyResult<()> {
        self.spawn(completions, id, "image", |c| async move {
            c.face_auth().image(&auth_id.0).await.map(ImageBytes)
        })
    }

    fn delete(&self, py: Python<'_>, auth_id: Text) -> PyResult<()> {
        self.run(py, "delete", |c| async move {
            c.face_auth().delete(&auth_id.0).await
        })
    }

    fn delete_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: Text,
    ) -> PyResult<()> {
        self.spawn(completions, id, "delete", |c| async move {
            c.face_auth().delete(&auth_id.0).await
        })
    }

    #[pyo3(signature = (project_id, submission_id, user_id, cf1, cf2, cf3, token))]
    #[allow(clippy::too_many_arguments)]
    fn face_auth_url(
        &self,
        py: Python<'_>,
        project_id: Text,
        submission_id: Text,
        user_id: Option<Text>,
        cf1: Option<Text>,
        cf2: Option<Text>,
        cf3: Option<Text>,
        token: Option<Text>,
    ) -> PyResult<String> {
        let params = FaceAuthUrlParams {
            project_id: project_id.0,
            submission_id: submission_id.0,
            user_id: user_id.map(String::from),
            cf1: cf1.map(String::from),
            cf2: cf2.map(String::from),
            cf3: cf3.map(String::from),
            token: token.map(String::from),
        };
        guard(py, "face_auth_url", || {
            self.core()?
                .face_auth_url(&params)
                .map_err(|e| to_py(py, &e))
        })
    }
}

/// Image bytes handed to Python as `bytes` (a `Vec<u8>` would become a list of ints).
pub(crate) struct ImageBytes(Bytes);

impl<'py> IntoPyObject<'py> for ImageBytes {
    type Target = pyo3::types::PyBytes;
    type Output = Bound<'py, Self::Target>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(pyo3::types::PyBytes::new(py, &self.0))
    }
}

/// Walks every record page by page; shared by the sync iterator and the async one.
#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativePager {
    pager: Arc<AsyncMutex<Pager>>,
}

#[pymethods]
impl NativePager {
    /// The next record, or `None` after the last.
    fn next(&self, py: Python<'_>) -> PyResult<Option<FaceAuthRecord>> {
        let pager = self.pager.clone();
        let fut = async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(FaceAuthRecord::from))
        };
        guard(py, "list", || block_on(py, fut)?.map_err(|e| to_py(py, &e)))
    }

    fn next_async(&self, completions: &Bound<'_, Completions>, id: u64) {
        let pager = self.pager.clone();
        completions.get().spawn(id, "list", async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(FaceAuthRecord::from))
        });
    }
}

//! `NativeClient`: every operation as a blocking method and as an awaitable `*_async` twin.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    Client, ClientBuilder, FaceAuthUrlParams, FaceImage, ListParams, NextKey, Pager, SubmitRequest,
    duration_from_secs, int_option,
};

use crate::bridge::Completions;
use crate::errors::{self, to_py};
use crate::models::{FaceAuthPage, FaceAuthRecord, FaceAuthResult};
use crate::runtime::block_on;

/// A face image as the Python face hands it over: bytes (shared, not copied) or a path.
#[derive(FromPyObject)]
pub(crate) enum ImageArg {
    Bytes(PyBackedBytes),
    Path(PathBuf),
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

    fn run<T, F>(&self, py: Python<'_>, call: impl FnOnce(Client) -> F) -> PyResult<T>
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let fut = call(self.core()?);
        block_on(py, fut)?.map_err(|e| to_py(py, &e))
    }

    fn spawn<T, F>(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        call: impl FnOnce(Client) -> F,
    ) -> PyResult<()>
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        completions.get().spawn(id, call(self.core()?));
        Ok(())
    }
}

fn submit_request(
    submission_id: String,
    face_image: ImageArg,
    user_id: Option<String>,
    cf1: Option<String>,
    cf2: Option<String>,
    cf3: Option<String>,
) -> SubmitRequest {
    let mut request = SubmitRequest::new(submission_id, FaceImage::from(face_image));
    request.user_id = user_id;
    request.cf1 = cf1;
    request.cf2 = cf2;
    request.cf3 = cf3;
    request
}

fn list_params(
    py: Python<'_>,
    start_date: Option<String>,
    end_date: Option<String>,
    count: Option<i64>,
    next_key: Option<String>,
) -> PyResult<ListParams> {
    let next_key = next_key
        .map(|k| k.parse::<NextKey>())
        .transpose()
        .map_err(|e| to_py(py, &e))?;
    Ok(ListParams {
        start_date,
        end_date,
        count,
        next_key,
    })
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (*, api_key, base_url, timeout, connect_timeout, max_retries, ca_cert, rate_limit, max_upload_bytes, user_agent_suffix))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: f64,
        connect_timeout: f64,
        max_retries: i64,
        ca_cert: Option<Vec<u8>>,
        rate_limit: Option<f64>,
        max_upload_bytes: i64,
        user_agent_suffix: String,
    ) -> PyResult<Self> {
        let configured = || -> argos_addon::Result<(ClientBuilder, Client)> {
            let mut builder = Client::builder()
                .timeout(duration_from_secs("timeout", timeout)?)
                .connect_timeout(duration_from_secs("connect_timeout", connect_timeout)?)
                .max_retries(int_option("max_retries", max_retries, 0)?.min(u32::MAX as u64) as u32)
                .rate_limit(rate_limit)
                .max_upload_bytes(int_option("max_upload_bytes", max_upload_bytes, 1)?)
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
        submission_id: String,
        face_image: ImageArg,
        user_id: Option<String>,
        cf1: Option<String>,
        cf2: Option<String>,
        cf3: Option<String>,
    ) -> PyResult<FaceAuthResult> {
        let request = submit_request(submission_id, face_image, user_id, cf1, cf2, cf3);
        self.run(py, |c| async move {
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
        submission_id: String,
        face_image: ImageArg,
        user_id: Option<String>,
        cf1: Option<String>,
        cf2: Option<String>,
        cf3: Option<String>,
    ) -> PyResult<()> {
        let request = submit_request(submission_id, face_image, user_id, cf1, cf2, cf3);
        self.spawn(completions, id, |c| async move {
            c.face_auth()
                .submit(request)
                .await
                .map(FaceAuthResult::from)
        })
    }

    fn get(&self, py: Python<'_>, auth_id: String) -> PyResult<FaceAuthRecord> {
        self.run(py, |c| async move {
            c.face_auth().get(&auth_id).await.map(FaceAuthRecord::from)
        })
    }

    fn get_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: String,
    ) -> PyResult<()> {
        self.spawn(completions, id, |c| async move {
            c.face_auth().get(&auth_id).await.map(FaceAuthRecord::from)
        })
    }

    #[pyo3(signature = (start_date, end_date, count, next_key))]
    fn list_page(
        &self,
        py: Python<'_>,
        start_date: Option<String>,
        end_date: Option<String>,
        count: Option<i64>,
        next_key: Option<String>,
    ) -> PyResult<FaceAuthPage> {
        let params = list_params(py, start_date, end_date, count, next_key)?;
        self.run(py, |c| async move {
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
        start_date: Option<String>,
        end_date: Option<String>,
        count: Option<i64>,
        next_key: Option<String>,
    ) -> PyResult<()> {
        let params = list_params(py, start_date, end_date, count, next_key)?;
        self.spawn(completions, id, |c| async move {
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
        start_date: Option<String>,
        end_date: Option<String>,
        page_size: i64,
    ) -> PyResult<NativePager> {
        let params = list_params(py, start_date, end_date, Some(page_size), None)?;
        let pager = self
            .core()?
            .face_auth()
            .pager(params)
            .map_err(|e| to_py(py, &e))?;
        Ok(NativePager {
            pager: Arc::new(AsyncMutex::new(pager)),
        })
    }

    fn image(&self, py: Python<'_>, auth_id: String) -> PyResult<ImageBytes> {
        self.run(py, |c| async move {
            c.face_auth().image(&auth_id).await.map(ImageBytes)
        })
    }

    fn image_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: String,
    ) -> PyResult<()> {
        self.spawn(completions, id, |c| async move {
            c.face_auth().image(&auth_id).await.map(ImageBytes)
        })
    }

    fn delete(&self, py: Python<'_>, auth_id: String) -> PyResult<()> {
        self.run(py, |c| async move { c.face_auth().delete(&auth_id).await })
    }

    fn delete_async(
        &self,
        completions: &Bound<'_, Completions>,
        id: u64,
        auth_id: String,
    ) -> PyResult<()> {
        self.spawn(completions, id, |c| async move {
            c.face_auth().delete(&auth_id).await
        })
    }

    #[pyo3(signature = (project_id, submission_id, user_id, cf1, cf2, cf3, token))]
    #[allow(clippy::too_many_arguments)]
    fn face_auth_url(
        &self,
        py: Python<'_>,
        project_id: String,
        submission_id: String,
        user_id: Option<String>,
        cf1: Option<String>,
        cf2: Option<String>,
        cf3: Option<String>,
        token: Option<String>,
    ) -> PyResult<String> {
        let params = FaceAuthUrlParams {
            project_id,
            submission_id,
            user_id,
            cf1,
            cf2,
            cf3,
            token,
        };
        self.core()?
            .face_auth_url(&params)
            .map_err(|e| to_py(py, &e))
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
        block_on(py, fut)?.map_err(|e| to_py(py, &e))
    }

    fn next_async(&self, completions: &Bound<'_, Completions>, id: u64) {
        let pager = self.pager.clone();
        completions.get().spawn(id, async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(FaceAuthRecord::from))
        });
    }
}

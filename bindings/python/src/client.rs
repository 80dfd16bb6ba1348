//! `NativeClient`: the core client behind `Client` and `AsyncClient`. Each operation blocks and
//! returns its value, or, given a completion target, starts on the runtime (see [`finish`]).

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyDict, PyString};
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    Client, ClientBuilder, ErrorKind, FaceAuthUrlParams, FaceImage, Host, ListParams, NextKey,
    Pager, SubmitRequest,
};

use crate::bridge::{Finished, Target, finish};
use crate::convert::{Int, Text, option_value};
use crate::errors::{self, guard, option_error, to_py};
use crate::models::{BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult};

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

/// The caller's own fields sent along with a submission or in a hosted URL, given from Python as
/// the tuple `(user_id, cf1, cf2, cf3)`.
pub(crate) struct UserFields {
    user_id: Option<String>,
    cf1: Option<String>,
    cf2: Option<String>,
    cf3: Option<String>,
}

impl FromPyObject<'_, '_> for UserFields {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let (user_id, cf1, cf2, cf3): (Option<Text>, Option<Text>, Option<Text>, Option<Text>) =
            obj.extract()?;
        Ok(UserFields {
            user_id: user_id.map(String::from),
            cf1: cf1.map(String::from),
            cf2: cf2.map(String::from),
            cf3: cf3.map(String::from),
        })
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
                    ErrorKind::Connection,
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

    /// Runs the operation `what`: waited for without a target, else started (see [`finish`]).
    fn call<T, F>(
        &self,
        py: Python<'_>,
        what: &'static str,
        to: Option<Target<'_>>,
        operation: impl FnOnce(Client) -> F,
    ) -> Finished<T>
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        guard(py, what, || finish(py, what, to, operation(self.core()?)))
    }
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

#[pymethods]
impl NativeClient {
    /// Takes the options the user gave, by their Python names: the core reads and checks each
    /// one ([`ClientBuilder::set`]), then the whole configuration.
    #[new]
    #[pyo3(signature = (options, *, user_agent_suffix))]
    fn new(
        py: Python<'_>,
        options: &Bound<'_, PyDict>,
        user_agent_suffix: String,
    ) -> PyResult<Self> {
        guard(py, "Client()", || {
            let mut builder = Client::builder().user_agent_suffix(user_agent_suffix);
            for (name, value) in options.iter() {
                let name: String = name.extract()?;
                let value = option_value(&name, &value)?;
                builder = builder
                    .set(Host::Python, &name, value)
                    .map_err(|e| option_error(py, e))?;
            }
            let client = builder.clone().build().map_err(|e| to_py(py, &e))?;
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

    #[pyo3(signature = (submission_id, face_image, fields, to=None))]
    fn submit(
        &self,
        py: Python<'_>,
        submission_id: Text,
        face_image: ImageArg,
        fields: UserFields,
        to: Option<Target<'_>>,
    ) -> Finished<FaceAuthResult> {
        let mut request = SubmitRequest::new(submission_id, FaceImage::from(face_image));
        request.user_id = fields.user_id;
        request.cf1 = fields.cf1;
        request.cf2 = fields.cf2;
        request.cf3 = fields.cf3;
        self.call(py, "submit", to, |c| async move {
            c.face_auth()
                .submit(request)
                .await
                .map(FaceAuthResult::from)
        })
    }

    #[pyo3(signature = (auth_id, to=None))]
    fn get(
        &self,
        py: Python<'_>,
        auth_id: Text,
        to: Option<Target<'_>>,
    ) -> Finished<FaceAuthRecord> {
        self.call(py, "get", to, |c| async move {
            c.face_auth()
                .get(&auth_id.0)
                .await
                .map(FaceAuthRecord::from)
        })
    }

    #[pyo3(signature = (start_date, end_date, count, next_key, to=None))]
    fn list_page(
        &self,
        py: Python<'_>,
        start_date: Option<Text>,
        end_date: Option<Text>,
        count: Option<Int<i64>>,
        next_key: Option<Text>,
        to: Option<Target<'_>>,
    ) -> Finished<FaceAuthPage> {
        let params = list_params(py, start_date, end_date, count, next_key)?;
        self.call(py, "list_page", to, |c| async move {
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

    #[pyo3(signature = (auth_id, to=None))]
    fn image(&self, py: Python<'_>, auth_id: Text, to: Option<Target<'_>>) -> Finished<ImageBytes> {
        self.call(py, "image", to, |c| async move {
            c.face_auth().image(&auth_id.0).await.map(ImageBytes)
        })
    }

    #[pyo3(signature = (auth_id, to=None))]
    fn delete(&self, py: Python<'_>, auth_id: Text, to: Option<Target<'_>>) -> PyResult<()> {
        // `Option::None`, as an async call's value, is Python's `None` (`()` would be a tuple).
        self.call(py, "delete", to, |c| async move {
            c.face_auth().delete(&auth_id.0).await.map(|()| None::<()>)
        })
        .map(drop)
    }

    #[pyo3(signature = (to=None))]
    fn budget_status(&self, py: Python<'_>, to: Option<Target<'_>>) -> Finished<BudgetStatus> {
        self.call(py, "budget_status", to, |c| async move {
            Ok(BudgetStatus::from(c.budget_status().await))
        })
    }

    fn face_auth_url(
        &self,
        py: Python<'_>,
        project_id: Text,
        submission_id: Text,
        fields: UserFields,
        token: Option<Text>,
    ) -> PyResult<String> {
        let params = FaceAuthUrlParams {
            project_id: project_id.0,
            submission_id: submission_id.0,
            user_id: fields.user_id,
            cf1: fields.cf1,
            cf2: fields.cf2,
            cf3: fields.cf3,
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
    /// The next record, or `None` after the last; given a target, it starts fetching it.
    #[pyo3(signature = (to=None))]
    fn next(&self, py: Python<'_>, to: Option<Target<'_>>) -> Finished<Option<FaceAuthRecord>> {
        let pager = self.pager.clone();
        let fut = async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(FaceAuthRecord::from))
        };
        guard(py, "list", || finish(py, "list", to, fut))
    }
}

//! `NativeClient`: the core client behind `Client` and `AsyncClient`, and its `with_options`
//! copies; `NativePager`, the core's pager behind `list()`. Each operation blocks and returns its
//! value, or, given a completion target, starts on the runtime (see [`finish`]).

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyDict, PyString};
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    CallOptions, Client, ClientBuilder, ErrorKind, FaceAuthUrlParams, FaceImage, Host, ListParams,
    NextKey, Operation, Pager, Route, SubmitRequest,
};

use crate::bridge::{Finished, Target, finish};
use crate::convert::{Int, Text, option_value};
use crate::errors::{self, guard, option_error, to_py};
use crate::models::{BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult, ResponseInfo};

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

/// A core client in the process it was made in; `None` once closed.
type Slot = Mutex<Option<(u32, Client)>>;

fn lock(slot: &Slot) -> MutexGuard<'_, Option<(u32, Client)>> {
    slot.lock().unwrap_or_else(|p| p.into_inner())
}

fn closed() -> PyErr {
    Python::attach(|py| {
        errors::raise(
            py,
            ErrorKind::Connection,
            "this client is closed; create a new one",
        )
    })
}

/// What a client and its `with_options` copies share: the client `Client()` built (closing it
/// closes the copies too), what is needed to build it again in a forked child, where the
/// parent's connection pool and runtime threads do not exist, and its routes.
struct Shared {
    builder: ClientBuilder,
    config: argos_addon::Config,
    routes: [Route; 5],
    root: Slot,
}

impl Shared {
    fn client(&self) -> PyResult<Client> {
        let pid = std::process::id();
        let mut root = lock(&self.root);
        let Some((owner, client)) = root.as_mut() else {
            return Err(closed());
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
}

/// A `with_options` copy: what each `with_options` on the way changed, in order (applied again
/// to the root rebuilt after a fork), and its own client, so that closing it leaves the root open.
struct Derived {
    options: Vec<CallOptions>,
    current: Slot,
}

#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativeClient {
    shared: Arc<Shared>,
    copy: Option<Derived>,
    /// This client's timeout and retries, for `repr`.
    settings: (Duration, u32),
}

impl NativeClient {
    fn core(&self) -> PyResult<Client> {
        let root = self.shared.client()?;
        let Some(copy) = &self.copy else {
            return Ok(root);
        };
        let mut current = lock(&copy.current);
        let Some((owner, client)) = current.as_mut() else {
            return Err(closed());
        };
        let pid = std::process::id();
        if *owner != pid {
            let fresh = copy
                .options
                .iter()
                .try_fold(root, |c, options| c.with_options(options))
                .expect("they applied in the parent");
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

/// The W3C trace context pairs (`traceparent`, `tracestate`) given from Python, as the core
/// takes them.
fn trace_pairs(pairs: Vec<(Text, Text)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(n, v)| (String::from(n), String::from(v)))
        .collect()
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
                settings: (client.timeout(), client.max_retries()),
                shared: Arc::new(Shared {
                    builder,
                    config: client.config().clone(),
                    routes: Operation::ALL.map(|op| client.route(op).clone()),
                    root: Mutex::new(Some((std::process::id(), client))),
                }),
                copy: None,
            })
        })
    }

    /// A copy sharing this client's pool, limiter and budget, with `options` (by their Python
    /// names, read by the core) and the W3C `trace_context` pairs applied to its calls.
    #[pyo3(signature = (options, trace_context=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        options: &Bound<'_, PyDict>,
        trace_context: Option<Vec<(Text, Text)>>,
    ) -> PyResult<NativeClient> {
        guard(py, "with_options", || {
            let mut changed = CallOptions::new();
            for (name, value) in options.iter() {
                let name: String = name.extract()?;
                let value = option_value(&name, &value)?;
                changed = changed
                    .set(Host::Python, &name, value)
                    .map_err(|e| option_error(py, e))?;
            }
            if let Some(pairs) = trace_context {
                changed = changed.trace_context(trace_pairs(pairs));
            }
            let client = self
                .core()?
                .with_options(&changed)
                .map_err(|e| to_py(py, &e))?;
            let mut applied = self
                .copy
                .as_ref()
                .map_or_else(Vec::new, |c| c.options.clone());
            applied.push(changed);
            Ok(NativeClient {
                settings: (client.timeout(), client.max_retries()),
                shared: self.shared.clone(),
                copy: Some(Derived {
                    options: applied,
                    current: Mutex::new(Some((std::process::id(), client))),
                }),
            })
        })
    }

    fn __repr__(&self) -> String {
        let (timeout, max_retries) = self.settings;
        format!(
            "base_url={:?}, timeout={}, max_retries={}",
            self.shared.config.base_url(),
            timeout.as_secs_f64(),
            max_retries
        )
    }

    #[getter]
    fn base_url(&self) -> &str {
        self.shared.config.base_url()
    }

    /// Each operation's span name and OpenTelemetry HTTP client attributes, by operation name.
    fn routes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let routes = PyDict::new(py);
        for (op, route) in Operation::ALL.iter().zip(&self.shared.routes) {
            let shown = PyDict::new(py);
            shown.set_item("span_name", op.span_name())?;
            shown.set_item("method", route.method)?;
            shown.set_item("url_template", &route.url_template)?;
            shown.set_item("server_address", &route.server_address)?;
            shown.set_item("server_port", route.server_port)?;
            routes.set_item(op.name(), shown)?;
        }
        Ok(routes)
    }

    /// Drops this client's hold on the connection pool; later calls raise `APIConnectionError`.
    /// Closing the client `Client()` built closes its copies too; closing a copy, only the copy.
    fn close(&self) {
        let slot = self.copy.as_ref().map_or(&self.shared.root, |c| &c.current);
        let closed = lock(slot).take();
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

    /// A pager over every record for `list()`, `page_size` at a time; the parameters are checked
    /// now, by the core's `pager`, before any request.
    #[pyo3(signature = (start_date, end_date, page_size))]
    fn pager(
        slf: &Bound<'_, Self>,
        start_date: Option<Text>,
        end_date: Option<Text>,
        page_size: Int<i64>,
    ) -> PyResult<NativePager> {
        let py = slf.py();
        guard(py, "list", || {
            let params = list_params(py, start_date, end_date, Some(page_size), None)?;
            let pager = slf
                .get()
                .core()?
                .face_auth()
                .pager(params)
                .map_err(|e| to_py(py, &e))?;
            Ok(NativePager {
                client: slf.clone().unbind(),
                pager: Arc::new(AsyncMutex::new(pager)),
                done: Arc::new(AtomicBool::new(false)),
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

    #[pyo3(signature = (auth_id, to=None))]
    fn image_with_response(
        &self,
        py: Python<'_>,
        auth_id: Text,
        to: Option<Target<'_>>,
    ) -> Finished<(ImageBytes, ResponseInfo)> {
        self.call(py, "image", to, |c| async move {
            let (image, response) = c.face_auth().with_response().image(&auth_id.0).await?;
            Ok((ImageBytes(image), ResponseInfo::from(response)))
        })
    }

    /// `(None, response)`, the same shape as `image_with_response`.
    #[pyo3(signature = (auth_id, to=None))]
    fn delete_with_response(
        &self,
        py: Python<'_>,
        auth_id: Text,
        to: Option<Target<'_>>,
    ) -> Finished<(Option<()>, ResponseInfo)> {
        self.call(py, "delete", to, |c| async move {
            let response = c.face_auth().with_response().delete(&auth_id.0).await?;
            Ok((None, ResponseInfo::from(response)))
        })
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

/// Walks every record page by page for `list()`, the sync iterator's and the async one's. Each
/// page is fetched with the client it was made by (so closing that client, or forking, applies
/// to it as to any call) and, when given, the trace context of that page's span; the core's
/// pager alone decides where the walk ends. Calls made at once wait for each other.
#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativePager {
    client: Py<NativeClient>,
    pager: Arc<AsyncMutex<Pager>>,
    /// The pager's `is_done`, readable without waiting for a page in flight.
    done: Arc<AtomicBool>,
}

#[pymethods]
impl NativePager {
    /// Whether the last page was fetched: `next_page` has nothing left to fetch.
    #[getter]
    fn done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }

    /// The next page, or `None` after the last one, fetched with the W3C `trace_context` pairs
    /// when given.
    #[pyo3(signature = (trace_context=None, to=None))]
    fn next_page(
        &self,
        py: Python<'_>,
        trace_context: Option<Vec<(Text, Text)>>,
        to: Option<Target<'_>>,
    ) -> Finished<Option<FaceAuthPage>> {
        guard(py, "list", || {
            let mut client = self.client.get().core()?;
            if let Some(pairs) = trace_context {
                let traced = CallOptions::new().trace_context(trace_pairs(pairs));
                client = client.with_options(&traced).map_err(|e| to_py(py, &e))?;
            }
            let (pager, done) = (self.pager.clone(), self.done.clone());
            finish(py, "list", to, async move {
                let mut pager = pager.lock().await;
                let page = pager.next_page_with(&client).await;
                done.store(pager.is_done(), Ordering::Relaxed);
                page.map(|page| page.map(FaceAuthPage::from))
            })
        })
    }
}

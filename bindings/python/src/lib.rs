//! The private module `argos_addon._native`: the Python face's way into the Rust core. It
//! converts values (`convert`) and errors (`errors`), and holds what a Python host needs around
//! the core: one tokio runtime per process, rebuilt after a fork (`runtime`), the scheduler that
//! settles asyncio futures from that runtime (`bridge`), a relay of the core's log records to
//! Python's `logging` (`logging`), the in-process mock server (`mock`), and the store of seen
//! webhooks (`seen`).

mod bridge;
mod client;
mod convert;
mod errors;
mod logging;
mod mock;
mod models;
mod runtime;
mod seen;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::bridge::Target;
use crate::convert::Text;
use crate::errors::{guard, to_py, validation};

/// `params` as compact JSON, encrypted the ARGOS way (AES-256-ECB, SHA-256 key, base64).
#[pyfunction]
fn encrypt_query(py: Python<'_>, params: &Bound<'_, PyAny>, api_key: Text) -> PyResult<String> {
    guard(py, "encrypt_query", || {
        let dict = params
            .cast::<PyDict>()
            .map_err(|_| validation(py, "params must be a dict"))?;
        let params = convert::params_from_py(dict)?;
        Ok(argos_addon::encrypt_query(&params, &api_key.0))
    })
}

#[pyfunction]
fn decrypt_query<'py>(
    py: Python<'py>,
    ciphertext: Text,
    api_key: Text,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, "decrypt_query", || {
        let map =
            argos_addon::decrypt_query(&ciphertext.0, &api_key.0).map_err(|e| to_py(py, &e))?;
        convert::map_to_py(py, &map)
    })
}

#[pyfunction]
#[pyo3(signature = (body, api_key=None))]
fn parse_webhook(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    api_key: Option<Text>,
) -> PyResult<models::FaceAuthWebhook> {
    guard(py, "parse_webhook", || {
        let bytes: Vec<u8> = match body.cast::<PyString>() {
            Ok(_) => body.extract::<Text>()?.0.into_bytes(),
            Err(_) => body
                .extract()
                .map_err(|_| validation(py, "body must be bytes or str"))?,
        };
        argos_addon::parse_webhook(&bytes, api_key.as_ref().map(|k| k.0.as_str()))
            .map(models::FaceAuthWebhook::from)
            .map_err(|e| to_py(py, &e))
    })
}

/// Test hook, never called by the package: panics inside the same guard as every entry point,
/// so tests/python can check that a Rust panic reaches Python as `ArgosError`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>, message: String) -> PyResult<()> {
    guard(py, "_panic_for_tests", || panic!("{message}"))
}

/// Test hook, never called by the package: a call that panics on the runtime, settled through
/// `to` like every async operation.
#[pyfunction]
fn _panic_for_tests_async(py: Python<'_>, message: String, to: Target<'_>) -> PyResult<()> {
    let fut = async move { panic!("{message}") };
    bridge::finish::<(), _>(py, "_panic_for_tests_async", Some(to), fut).map(drop)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    argos_addon::init_logging_with_layer(Box::new(logging::PythonLogging));
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_BASE_URL", argos_addon::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_RATE_LIMIT", argos_addon::DEFAULT_RATE_LIMIT)?;
    m.add(
        "DEFAULT_MAX_UPLOAD_BYTES",
        argos_addon::DEFAULT_MAX_UPLOAD_BYTES,
    )?;
    m.add(
        "DEFAULT_MAX_RESPONSE_BYTES",
        argos_addon::DEFAULT_MAX_RESPONSE_BYTES,
    )?;
    m.add(
        "DEFAULT_TIMEOUT",
        argos_addon::DEFAULT_TIMEOUT.as_secs_f64(),
    )?;
    m.add(
        "DEFAULT_CONNECT_TIMEOUT",
        argos_addon::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
    )?;
    m.add("DEFAULT_MAX_RETRIES", argos_addon::DEFAULT_MAX_RETRIES)?;
    m.add("DEFAULT_PAGE_SIZE", argos_addon::DEFAULT_PAGE_SIZE)?;
    m.add_class::<bridge::Completions>()?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<client::NativePager>()?;
    m.add_class::<mock::NativeMock>()?;
    m.add_class::<seen::NativeSeenWebhooks>()?;
    m.add(
        "DEFAULT_SEEN_TTL",
        argos_addon::DEFAULT_SEEN_TTL.as_secs_f64(),
    )?;
    m.add(
        "DEFAULT_SEEN_MAX_ENTRIES",
        argos_addon::DEFAULT_SEEN_MAX_ENTRIES,
    )?;
    models::register(m)?;
    m.add_function(wrap_pyfunction!(encrypt_query, m)?)?;
    m.add_function(wrap_pyfunction!(decrypt_query, m)?)?;
    m.add_function(wrap_pyfunction!(parse_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(logging::set_python_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests_async, m)?)?;
    Ok(())
}

//! Core errors become instances of the pure-Python classes in `argos_addon.errors`, named by the
//! core ([`ErrorKind::class_name`], [`BASE_ERROR_CLASS`]); a panic becomes the base class.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::{PyConnectionError, PyTimeoutError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

use argos_addon::{BASE_ERROR_CLASS, Error, ErrorKind, OptionError};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    ERRORS
        .get_or_try_init(py, || py.import("argos_addon.errors").map(Bound::unbind))?
        .bind(py)
        .getattr(name)
}

/// The exception for `err`, with every attribute of the README's error table and the transport cause as `__cause__`.
pub(crate) fn to_py(py: Python<'_>, err: &Error) -> PyErr {
    build(py, err).unwrap_or_else(|failure| failure)
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("message", err.message())?;
    if let Some(d) = err.details() {
        kwargs.set_item("status_code", d.status)?;
        kwargs.set_item("code", d.code.as_deref())?;
        kwargs.set_item("trace_id", d.trace_id.as_deref())?;
        kwargs.set_item("request_id", d.request_id.as_deref())?;
        kwargs.set_item("retry_after", d.retry_after.map(|r| r.as_secs_f64()))?;
        kwargs.set_item("body", d.body.as_str())?;
    } else if err.kind().is_status() {
        // A status class raised without an answer: the budget refused the call, unsent.
        kwargs.set_item("status_code", py.None())?;
        kwargs.set_item("code", err.code())?;
    }
    let instance = class(py, err.kind().class_name())?.call((err.to_string(),), Some(&kwargs))?;
    if !err.kind().is_status()
        && let Some(code) = err.code()
    {
        // BudgetUnavailableError: the code the other hosts carry too.
        instance.setattr("code", code)?;
    }
    if err.attempts() > 1 {
        // For the span of a retried call that failed (_telemetry.py); not part of the API.
        instance.setattr("_attempts", err.attempts())?;
    }
    if let Some(chain) = err.cause_chain() {
        let cause = match err.kind() {
            ErrorKind::Timeout => PyTimeoutError::new_err(chain),
            _ => PyConnectionError::new_err(chain),
        };
        instance.setattr("__cause__", cause.value(py))?;
    }
    Ok(PyErr::from_value(instance))
}

/// A client option the core refused: a `TypeError` for a value of the wrong type, else the
/// core's error (a `ConfigurationError`).
pub(crate) fn option_error(py: Python<'_>, err: OptionError) -> PyErr {
    match err {
        OptionError::WrongType(message) => PyTypeError::new_err(message),
        OptionError::Invalid(err) => to_py(py, &err),
    }
}

/// An error of `kind`'s class raised by the binding itself.
pub(crate) fn raise(py: Python<'_>, kind: ErrorKind, message: &str) -> PyErr {
    raise_class(py, kind.class_name(), message)
}

fn raise_class(py: Python<'_>, name: &str, message: &str) -> PyErr {
    class(py, name)
        .and_then(|c| c.call1((message,)))
        .map(PyErr::from_value)
        .unwrap_or_else(|failure| failure)
}

/// A `ValidationError` for an argument of the wrong type.
pub(crate) fn validation(py: Python<'_>, message: &str) -> PyErr {
    raise(py, ErrorKind::Validation, message)
}

/// Runs the entry point `what`: a Rust panic in it raises `ArgosError` instead of pyo3's
/// `PanicException`, which derives from `BaseException` and so escapes `except Exception`.
pub(crate) fn guard<T>(
    py: Python<'_>,
    what: &str,
    call: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| Err(panicked(py, what, &*panic)))
}

/// The `ArgosError` for a panic of the entry point `what`.
pub(crate) fn panicked(py: Python<'_>, what: &str, panic: &(dyn Any + Send)) -> PyErr {
    let message = argos_addon::panic_message(what, panic);
    raise_class(py, BASE_ERROR_CLASS, &message)
}

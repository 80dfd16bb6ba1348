//! Every failure crosses to JavaScript as a napi error whose message is a JSON payload naming
//! its class; `node/native.js` reads it back and throws that class of `node/errors.js`. A panic
//! becomes such an error too.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use argos_addon::{BASE_ERROR_CLASS, ErrorKind};
use napi::Status;
use serde_json::{Value, json};

/// The payload of a core error: its class and every field of the README's error table (`retryAfter` in seconds,
/// `cause` the transport reason).
pub(crate) fn to_js(err: argos_addon::Error) -> napi::Error {
    let details = err.details();
    let payload = json!({
        "class": err.kind().class_name(),
        "message": err.message(),
        "status": details.map(|d| d.status),
        "code": err.code(),
        "traceId": err.trace_id(),
        "requestId": err.request_id(),
        "retryAfter": err.retry_after().map(|d| d.as_secs_f64()),
        "body": err.body(),
        "cause": err.cause_chain(),
        // For the span of a retried call that failed (node/telemetry.js); not on the error.
        "attempts": err.attempts(),
    });
    reject(payload)
}

/// An error raised by the binding itself, of the class of `kind`.
pub(crate) fn failure(kind: ErrorKind, message: impl Into<String>) -> napi::Error {
    raised(kind.class_name(), message.into())
}

/// The call `what` was aborted through its `AbortSignal`; node/errors.js has the class, which
/// only Node needs (Python cancels by cancelling the awaiting task).
pub(crate) fn aborted(what: &str) -> napi::Error {
    raised(
        "APIUserAbortError",
        format!("{what} was aborted by its signal; the request was cancelled"),
    )
}

/// An error raised by the binding itself that no kind describes (a panic, a mock server that
/// would not start): of the base class, [`BASE_ERROR_CLASS`].
pub(crate) fn base_failure(message: impl Into<String>) -> napi::Error {
    raised(BASE_ERROR_CLASS, message.into())
}

fn raised(class: &str, message: String) -> napi::Error {
    reject(json!({ "class": class, "message": message }))
}

fn reject(payload: Value) -> napi::Error {
    napi::Error::new(Status::GenericFailure, payload.to_string())
}

/// Runs the synchronous entry point `what`: a Rust panic in it becomes an error of the base
/// class instead of unwinding into Node, which would abort the process.
pub(crate) fn guard<T>(what: &str, call: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| Err(panicked(what, &*panic)))
}

/// The base-class error for a panic of the entry point `what`.
pub(crate) fn panicked(what: &str, panic: &(dyn Any + Send)) -> napi::Error {
    base_failure(argos_addon::panic_message(what, panic))
}

//! Every failure crosses to JavaScript as a napi error whose message is a JSON payload;
//! `node/errors.js` reads it back and throws the class it names.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use napi::Status;
use serde_json::{Value, json};

/// The payload of a core error: its class and every field of sdk.md (`retryAfter` in seconds,
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
    });
    reject(payload)
}

/// An error raised by the binding itself, of class `class` (a name from the sdk.md tree).
pub(crate) fn failure(class: &str, message: impl Into<String>) -> napi::Error {
    reject(json!({ "class": class, "message": message.into() }))
}

fn reject(payload: Value) -> napi::Error {
    napi::Error::new(Status::GenericFailure, payload.to_string())
}

/// Runs the synchronous entry point `what`: a Rust panic in it becomes an `ArgosError` instead
/// of unwinding into Node, which would abort the process.
pub(crate) fn guard<T>(what: &str, call: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| Err(panicked(what, &*panic)))
}

/// The `ArgosError` for a panic of the entry point `what`.
pub(crate) fn panicked(what: &str, panic: &(dyn Any + Send)) -> napi::Error {
    failure("ArgosError", argos_addon::panic_message(what, panic))
}

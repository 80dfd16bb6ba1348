//! The private addon behind the npm package `argos-addon`: conversion between JavaScript and the
//! Rust core only. Its JavaScript face is `node/`, which turns every failure into the error
//! classes of sdk.md and checks argument types before calling in here.

mod bridge;
mod client;
mod errors;
mod mock;
mod models;

use std::ops::RangeInclusive;
use std::sync::{Mutex, MutexGuard, PoisonError};

use napi::bindgen_prelude::{Buffer, Either, Null};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::errors::{failure, guard, to_js};
use crate::models::Json;

#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `params`, the JSON text `JSON.stringify` made of them, encrypted the ARGOS way as compact
/// JSON (keys in the given order). The text is read with the core's depth limit, and a lone
/// surrogate (which `JSON.stringify` writes as an escape) is refused there.
#[napi]
pub fn encrypt_query(params: String, api_key: String) -> napi::Result<String> {
    guard("encryptQuery", || {
        let params: Map<String, Value> = serde_json::from_str(&params).map_err(|e| {
            failure(
                "ValidationError",
                format!("params cannot be written as JSON: {e}"),
            )
        })?;
        Ok(argos_addon::encrypt_query(&params, &api_key))
    })
}

#[napi]
pub fn decrypt_query(ciphertext: String, api_key: String) -> napi::Result<Map<String, Value>> {
    guard("decryptQuery", || {
        argos_addon::decrypt_query(&ciphertext, &api_key).map_err(to_js)
    })
}

#[napi]
pub fn parse_webhook(body: Either<String, Buffer>, api_key: Option<String>) -> napi::Result<Json> {
    guard("parseWebhook", || {
        let body: &[u8] = match &body {
            Either::A(text) => text.as_bytes(),
            Either::B(bytes) => bytes,
        };
        argos_addon::parse_webhook(body, api_key.as_deref())
            .map(Json::from)
            .map_err(to_js)
    })
}

/// Test hook, never called by the package (and not exported by it): panics inside the same
/// guard as every synchronous entry point, so tests/node can check that a Rust panic reaches
/// JavaScript as `ArgosError` rather than aborting the process.
#[napi(js_name = "_panicForTests")]
pub fn panic_for_tests(message: String) -> napi::Result<()> {
    guard("_panicForTests", || panic!("{message}"))
}

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JavaScript number that must be a whole number in `range`, else an error of class `class`
/// naming `name`: napi's own integer conversions would wrap -1 or 2**64 silently.
fn whole(class: &str, name: &str, value: f64, range: RangeInclusive<i64>) -> napi::Result<i64> {
    if !(value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER) {
        return Err(failure(
            class,
            format!("{name} must be a whole number of at most 2^53 - 1 in size, got {value}"),
        ));
    }
    let n = value as i64;
    if !range.contains(&n) {
        return Err(failure(
            class,
            format!(
                "{name} must be from {} to {}, got {n}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(n)
}

/// A number, or `None` for JavaScript's `null` (an option turned off).
fn nullable(value: Either<f64, Null>) -> Option<f64> {
    match value {
        Either::A(number) => Some(number),
        Either::B(Null) => None,
    }
}

/// The guarded value; a panic elsewhere while it was held does not make it unusable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

//! The private addon behind the npm package `argos-addon`: the Rust core's client (`client`),
//! query and webhook functions (here), store of seen webhooks (`seen`) and mock server (`mock`)
//! as JavaScript classes and functions; their results and failures converted (`models`,
//! `errors`); each network call a promise settled through one completion callback per client
//! (`bridge`). Its JavaScript face is `node/`, which checks argument types before calling in
//! here and turns every failure into the error classes of the README.

mod bridge;
mod client;
mod errors;
mod mock;
mod models;
mod seen;

use std::sync::{Mutex, MutexGuard, PoisonError};

use argos_addon::ErrorKind;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::errors::{failure, guard, to_js};
use crate::models::Json;

#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The core's default ttl, in milliseconds (node/webhooks.js's `DEFAULT_SEEN_TTL_MS`).
#[napi]
pub const DEFAULT_SEEN_TTL_MS: u32 = argos_addon::DEFAULT_SEEN_TTL.as_millis() as u32;

/// The core's default `max_entries` (node/webhooks.js's `DEFAULT_SEEN_MAX_ENTRIES`).
#[napi]
pub const DEFAULT_SEEN_MAX_ENTRIES: u32 = argos_addon::DEFAULT_SEEN_MAX_ENTRIES as u32;

/// `params`, the JSON text `JSON.stringify` made of them, encrypted the ARGOS way as compact
/// JSON (keys in the given order). The text is read with the core's depth limit, and a lone
/// surrogate (which `JSON.stringify` writes as an escape) is refused there.
#[napi]
pub fn encrypt_query(params: String, api_key: String) -> napi::Result<String> {
    guard("encryptQuery", || {
        let params: Map<String, Value> = serde_json::from_str(&params).map_err(|e| {
            failure(
                ErrorKind::Validation,
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

/// The guarded value; a panic elsewhere while it was held does not make it unusable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

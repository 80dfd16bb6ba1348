//! The private addon behind the npm package `argos-addon`: conversion between JavaScript and the
//! Rust core only. Its JavaScript face is `node/`, which turns every failure into the error
//! classes of sdk.md and checks argument types before calling in here.

mod bridge;
mod client;
mod errors;
mod mock;
mod models;

use std::sync::{Mutex, MutexGuard, PoisonError};

use napi::bindgen_prelude::{Buffer, Either, Null};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::errors::to_js;
use crate::models::Json;

#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `params` as compact JSON (keys in the given order), encrypted the ARGOS way.
#[napi]
pub fn encrypt_query(params: Map<String, Value>, api_key: String) -> String {
    argos_addon::encrypt_query(&params, &api_key)
}

#[napi]
pub fn decrypt_query(ciphertext: String, api_key: String) -> napi::Result<Map<String, Value>> {
    argos_addon::decrypt_query(&ciphertext, &api_key).map_err(to_js)
}

#[napi]
pub fn parse_webhook(body: Either<String, Buffer>, api_key: Option<String>) -> napi::Result<Json> {
    let body: &[u8] = match &body {
        Either::A(text) => text.as_bytes(),
        Either::B(bytes) => bytes,
    };
    argos_addon::parse_webhook(body, api_key.as_deref())
        .map(Json::from)
        .map_err(to_js)
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

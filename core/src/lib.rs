//! Client for the ARGOS Identity Add-On (FaceAuth) API.
//!
//! ```no_run
//! # async fn demo() -> argos_addon::Result<()> {
//! use argos_addon::{Client, SubmitRequest};
//!
//! let client = Client::builder().api_key("my-add-on-key").build()?;
//! let result = client
//!     .face_auth()
//!     .submit(SubmitRequest::new("submission-id", std::path::Path::new("selfie.jpg")))
//!     .await?;
//! println!("{} {:?}", result.auth_status, result.score.face_similarity_score);
//! # Ok(())
//! # }
//! ```
//!
//! Everything the Python and Node packages do with the API is implemented here: they translate
//! values and run these calls on their host.

mod answer;
mod budget;
mod call;
mod client;
mod config;
mod crypto;
mod error;
mod error_kind;
mod face_auth;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod headers;
mod logging;
mod models;
mod options;
mod response;
mod retry;
mod seen;
mod setters;
mod surface;
mod telemetry;
mod transport;
mod upload;
mod validate;
mod webhook;

pub use budget::{BudgetFailure, STORE_TIMEOUT, key_prefix as budget_key_prefix};
pub use call::CallOptions;
pub use client::{Client, ClientBuilder, FaceAuth};
pub use config::{
    ApiKey, Config, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT,
    ENV_API_KEY, ENV_BASE_URL, ENV_BUDGET_URL, MAX_ERROR_READ_BYTES, USER_AGENT,
    duration_from_secs, int_option,
};
pub use crypto::{
    FACE_AUTH_PAGE, FaceAuthUrlParams, decrypt_query, decrypt_text, encrypt_query, encrypt_text,
    face_auth_url,
};
pub use error::{Error, MAX_ERROR_BODY_BYTES, Result, StatusDetails, panic_message};
pub use error_kind::{BASE_ERROR_CLASS, ErrorKind};
pub use face_auth::{ListParams, Pager, SubmitRequest, WithResponse};
pub use headers::RESERVED_HEADERS;
pub use logging::{
    ENV_LOG, ExtraLayer, TARGET as LOG_TARGET, init_with_layer as init_logging_with_layer,
};
pub use models::{
    APPROVED, BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult, FaceAuthWebhook, NextKey,
    Policy, Score, WebhookReference, parse_time,
};
pub use options::{CLIENT_OPTIONS, ClientOption, Host, OptionError, OptionType, OptionValue};
pub use response::{Response, ResponseInfo};
pub use retry::MAX_RETRY_AFTER;
pub use seen::{
    DEFAULT_SEEN_MAX_ENTRIES, DEFAULT_SEEN_TTL, SEEN_KEY_PREFIX, SeenWebhooks, seen_key,
};
pub use surface::{FieldSpec, MODELS, ModelSpec};
pub use telemetry::{Operation, Route, SPAN_TARGET};
pub use upload::{FaceImage, ImageFormat};
pub use validate::{
    DEFAULT_PAGE_SIZE, MAX_FIELD_BYTES, MAX_JSON_DEPTH, MAX_NEXT_KEY_BYTES, MAX_PAGE_SIZE,
    date as parse_date, safe_integer,
};
pub use webhook::parse_webhook;

/// The README's Rust snippets run as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

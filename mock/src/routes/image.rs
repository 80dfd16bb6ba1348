//! `GET /v3/faceauth/image?authId=`: the stored selfie as base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::query::param;
use crate::response::{self, Body};
use crate::shapes::ImageEncoding;
use crate::state::Shared;

const PNG_MAGIC: &[u8] = b"\x89PNG";

pub(super) fn handle(shared: &Shared, query: &[(String, String)]) -> Response<Body> {
    let Some(auth_id) = param(query, &["authId"]) else {
        return response::traced_error("BAD_REQUEST", "authId is required");
    };
    let state = shared.lock();
    let Some(image) = state.records.get(auth_id).and_then(|r| r.image.as_deref()) else {
        return response::traced_error("NOT_FOUND", "Image not found");
    };
    let encoded = STANDARD.encode(image);
    match state.image_encoding {
        ImageEncoding::Raw => response::text(StatusCode::OK, "text/plain", encoded),
        ImageEncoding::JsonString => response::json(StatusCode::OK, &Value::String(encoded)),
        ImageEncoding::DataUri => {
            let mime = if image.starts_with(PNG_MAGIC) {
                "image/png"
            } else {
                "image/jpeg"
            };
            let uri = format!("data:{mime};base64,{encoded}");
            response::text(StatusCode::OK, "text/plain", uri)
        }
    }
}

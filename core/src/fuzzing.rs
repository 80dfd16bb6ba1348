//! Entry points for `fuzz/`: the crate's internal parsers on raw bytes, called the way the client
//! calls them on a 2xx body. Not part of the public API.

use bytes::Bytes;
use serde_json::Value;

use crate::models::{FaceAuthPage, FaceAuthResult};

fn json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))
}

/// A `POST /faceauth` body.
pub fn submit_result(body: &[u8]) -> Result<FaceAuthResult, String> {
    FaceAuthResult::from_json(json(body)?)
}

/// A `GET /faceauth` body, in any of its shapes (`get` and `list_page` both read it so).
pub fn page(body: &[u8]) -> Result<FaceAuthPage, String> {
    FaceAuthPage::from_json(json(body)?)
}

/// A `GET /faceauth/image` body.
pub fn image(body: &[u8]) -> Result<Bytes, String> {
    crate::face_auth::decode_image(body)
}

/// A `GET /faceauth` body already read as JSON, to vary its shape without a text round trip
/// (serde_json's default float parsing may not read back what it wrote to the last bit).
pub fn page_from_value(body: Value) -> Result<FaceAuthPage, String> {
    FaceAuthPage::from_json(body)
}

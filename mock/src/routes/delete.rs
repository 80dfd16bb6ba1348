//! `DELETE /v3/faceauth?authId=`: erases a record's personal data.

use hyper::{Response, StatusCode};
use serde_json::json;

use crate::query::param;
use crate::response::{self, Body};
use crate::state::Shared;

pub(super) fn handle(shared: &Shared, query: &[(String, String)]) -> Response<Body> {
    let Some(auth_id) = param(query, &["authId"]) else {
        return response::code_error("required key is missing");
    };
    let mut state = shared.lock();
    let Some(record) = state.records.get_mut(auth_id) else {
        return response::code_error("Cannot find submission. Please check input data.");
    };
    record.erase();
    response::json(StatusCode::OK, &json!({"message": "success"}))
}

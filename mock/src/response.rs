//! Building responses in the service's and the gateway's formats.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::ids;

pub(crate) type Body = Full<Bytes>;

const REQUEST_ID: &str = "x-amzn-requestid";
const ERROR_TYPE: &str = "x-amzn-errortype";

pub(crate) fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn json(status: StatusCode, body: &Value) -> Response<Body> {
    text(status, "application/json", body.to_string())
}

/// An API Gateway error, which names its kind in `x-amzn-ErrorType`.
pub(crate) fn gateway_error(
    status: StatusCode,
    error_type: &'static str,
    body: &Value,
) -> Response<Body> {
    let mut response = json(status, body);
    response
        .headers_mut()
        .insert(ERROR_TYPE, HeaderValue::from_static(error_type));
    response
}

/// A 400 with a `traceId`, as `POST /faceauth`, `GET /faceauth` and `GET /faceauth/image` send.
pub(crate) fn traced_error(code: &str, message: &str) -> Response<Body> {
    let body = json!({"traceId": ids::trace_id(), "errorCode": code, "message": message});
    json(StatusCode::BAD_REQUEST, &body)
}

/// A 400 from `DELETE /faceauth`, whose `errorCode` is a sentence.
pub(crate) fn code_error(code: &str) -> Response<Body> {
    json(StatusCode::BAD_REQUEST, &json!({"errorCode": code}))
}

/// The response of a [`FaultAction::Respond`](crate::FaultAction::Respond).
pub(crate) fn fault(status: u16, headers: &[(String, String)], body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            // A fault's own header replaces a default such as the JSON content type.
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Every gateway response carries a request ID; a fault may have chosen its own, or sent only
/// the API Gateway id (`x-amz-apigw-id`) to test the fallback.
pub(crate) fn with_request_id(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers();
    if !headers.contains_key(REQUEST_ID) && !headers.contains_key("x-amz-apigw-id") {
        let id = HeaderValue::from_str(&ids::request_id()).expect("a UUID is a valid header value");
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

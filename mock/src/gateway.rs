//! The API Gateway in front of the routes: recording, faults and admission checks,
//! in the order the real gateway applies them.

use std::sync::Arc;
use std::{error, fmt};

use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::body;
use crate::fault::{self, FaultAction};
use crate::multipart::{self, Part};
use crate::query;
use crate::recorded::RecordedRequest;
use crate::response::{self, Body};
use crate::routes::{self, ApiRequest, Route};
use crate::state::{Shared, count_key};

/// Returned by the service to make hyper close the connection without a response.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the mock")
    }
}

impl error::Error for DropConnection {}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (head, body) = request.into_parts();
    // A body that never fully arrived leaves nobody to answer.
    let body = body::read(body, &head.headers, shared.config.max_body_bytes)
        .await
        .map_err(|_| DropConnection)?;
    // Bench mode answers submits without reading the form: the server should not be what a
    // benchmark of clients measures.
    let bench = shared.lock().bench;
    let form = match &body.data {
        Some(_) if bench => None,
        Some(data) => {
            let content_type = head.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            multipart::parse(content_type, data.clone()).await
        }
        None => None,
    };
    let query = query::parse(head.uri.query().unwrap_or_default());

    match arrive(&shared, &head, &query, form.as_deref(), body.len) {
        Some(FaultAction::Respond {
            status,
            headers,
            body,
        }) => {
            let response = response::fault(status, &headers, body);
            return Ok(response::with_request_id(response));
        }
        Some(FaultAction::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(FaultAction::Drop) => return Err(DropConnection),
        None => {}
    }

    let response = match Route::find(&head.method, head.uri.path()) {
        None => refusal(Refusal::MissingToken),
        Some(route) => match admit(&shared, &head.headers, body.data.is_none()) {
            Err(refused) => refusal(refused),
            Ok(()) => routes::dispatch(route, &shared, ApiRequest { query, form }),
        },
    };
    Ok(response::with_request_id(response))
}

/// Counts and records the request, and takes the fault it runs into, if any.
fn arrive(
    shared: &Shared,
    head: &Parts,
    query: &[(String, String)],
    form: Option<&[Part]>,
    body_len: usize,
) -> Option<FaultAction> {
    let method = head.method.as_str();
    let path = relative_path(head.uri.path());
    let mut state = shared.lock();
    *state.counts.entry(count_key(method, path)).or_default() += 1;
    if !state.bench {
        let headers = head
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if name == "x-api-key" {
                    "<redacted>".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        state.requests.push(RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_vec(),
            headers,
            form: form.unwrap_or_default().iter().map(Part::summary).collect(),
            body_len,
        });
    }
    fault::take(&mut state.faults, method, path)
}

/// The path below `/v3`, by which counts and faults are keyed.
fn relative_path(path: &str) -> &str {
    match path.strip_prefix("/v3") {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

/// Why the gateway turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    MissingToken,
    Forbidden,
    Denied,
    TooLarge,
    Throttled,
    QuotaExceeded,
}

fn admit(shared: &Shared, headers: &HeaderMap, too_large: bool) -> Result<(), Refusal> {
    let key = headers.get("x-api-key").map(HeaderValue::as_bytes);
    if key != Some(shared.config.api_key.as_bytes()) {
        return Err(Refusal::Forbidden);
    }
    let mut state = shared.lock();
    // The usage plan counts every request with a valid key, even ones refused later.
    let within_quota = state.quota.count();
    if state.deny {
        Err(Refusal::Denied)
    } else if too_large {
        Err(Refusal::TooLarge)
    } else if state
        .bucket
        .as_mut()
        .is_some_and(|bucket| !bucket.try_take())
    {
        Err(Refusal::Throttled)
    } else if !within_quota {
        Err(Refusal::QuotaExceeded)
    } else {
        Ok(())
    }
}

fn refusal(refusal: Refusal) -> Response<Body> {
    use StatusCode as S;
    match refusal {
        Refusal::MissingToken => response::gateway_error(
            S::FORBIDDEN,
            "MissingAuthenticationTokenException",
            &json!({"message": "Missing Authentication Token"}),
        ),
        Refusal::Forbidden => response::gateway_error(
            S::FORBIDDEN,
            "ForbiddenException",
            &json!({"message": "Forbidden"}),
        ),
        Refusal::Denied => response::gateway_error(
            S::FORBIDDEN,
            "AccessDeniedException",
            &json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
        ),
        Refusal::TooLarge => response::json(
            S::PAYLOAD_TOO_LARGE,
            &json!({"message": "Request Entity Too Large"}),
        ),
        Refusal::Throttled => response::gateway_error(
            S::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            &json!({"message": "Too Many Requests"}),
        ),
        Refusal::QuotaExceeded => response::gateway_error(
            S::TOO_MANY_REQUESTS,
            "LimitExceededException",
            &json!({"message": "Limit Exceeded"}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_v3() {
        assert_eq!(relative_path("/v3/faceauth"), "/faceauth");
        assert_eq!(relative_path("/v3/faceauth/image"), "/faceauth/image");
        assert_eq!(relative_path("/v3"), "/");
        assert_eq!(relative_path("/v3x/faceauth"), "/v3x/faceauth");
        assert_eq!(relative_path("/faceauth"), "/faceauth");
    }
}

//! The API Gateway in front of the routes: recording, faults and admission checks,
//! in the order the real gateway applies them.

use std::sync::Arc;
use std::{error, fmt};

use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::http::request::Parts;
use hyper::{Request, Response};

use crate::admission::{self, Refusal};
use crate::body::{self, ReadBody};
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

/// Reads, records and checks a request, then answers it with its route.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (head, body) = request.into_parts();
    let body = read_body(&shared, &head, body).await?;
    let form = match &body.data {
        Some(data) => {
            let content_type = head.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            multipart::parse(content_type, data.clone()).await
        }
        None => None,
    };
    let query = query::parse(head.uri.query().unwrap_or_default());
    let recorded = record(&head, &query, form.as_deref(), body.len);
    pass(&shared, &head, &body, Some(recorded), |route| {
        routes::dispatch(route, &shared, ApiRequest { query, form })
    })
    .await
}

/// Reads the body under the size limit. A body that never fully arrived leaves nobody to answer.
pub(crate) async fn read_body(
    shared: &Shared,
    head: &Parts,
    body: Incoming,
) -> Result<ReadBody, DropConnection> {
    body::read(body, &head.headers, shared.config.max_body_bytes)
        .await
        .map_err(|_| DropConnection)
}

/// The gateway once the body is in: counts the request (and records it, if `recorded`), applies
/// the fault it runs into, routes and admits it, and lets `serve` answer an admitted route.
pub(crate) async fn pass(
    shared: &Shared,
    head: &Parts,
    body: &ReadBody,
    recorded: Option<RecordedRequest>,
    serve: impl FnOnce(Route) -> Response<Body>,
) -> Result<Response<Body>, DropConnection> {
    match arrive(shared, head, recorded) {
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
        None => Refusal::MissingToken.response(),
        Some(route) => match admission::admit(shared, &head.headers, body.data.is_none()) {
            Err(refused) => refused.response(),
            Ok(()) => serve(route),
        },
    };
    Ok(response::with_request_id(response))
}

/// The request as [`MockServer::requests`](crate::MockServer::requests) lists it.
fn record(
    head: &Parts,
    query: &[(String, String)],
    form: Option<&[Part]>,
    body_len: usize,
) -> RecordedRequest {
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
    RecordedRequest {
        method: head.method.as_str().to_owned(),
        path: relative_path(head.uri.path()).to_owned(),
        query: query.to_vec(),
        headers,
        form: form.unwrap_or_default().iter().map(Part::summary).collect(),
        body_len,
    }
}

/// Counts the request, keeps its record if there is one, and takes the fault it runs into.
fn arrive(shared: &Shared, head: &Parts, recorded: Option<RecordedRequest>) -> Option<FaultAction> {
    let method = head.method.as_str();
    let path = relative_path(head.uri.path());
    let mut state = shared.lock();
    *state.counts.entry(count_key(method, path)).or_default() += 1;
    if let Some(recorded) = recorded {
        state.requests.push(recorded);
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

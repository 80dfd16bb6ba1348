//! The API Gateway behaviour in front of the routes.

use std::convert::Infallible;

use argos_addon_mock::MockOptions;
use bytes::Bytes;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{Harness, SELFIE, face_form, json, start, start_with};

fn error_type(response: &Response) -> Option<&str> {
    response.headers().get("x-amzn-errortype")?.to_str().ok()
}

async fn gateway_error(response: Response) -> (StatusCode, Option<String>, Value) {
    let kind = error_type(&response).map(str::to_owned);
    let (status, body) = json(response).await;
    (status, kind, body)
}

/// A gateway error as [`gateway_error`] reads it.
fn refusal(status: StatusCode, kind: &str, body: Value) -> (StatusCode, Option<String>, Value) {
    (status, Some(kind.into()), body)
}

fn forbidden() -> (StatusCode, Option<String>, Value) {
    refusal(
        StatusCode::FORBIDDEN,
        "ForbiddenException",
        json!({"message": "Forbidden"}),
    )
}

/// A `429` of the gateway's throttling: `kind` as the error type, `message` in the body.
fn throttled(kind: &str, message: &str) -> (StatusCode, Option<String>, Value) {
    refusal(
        StatusCode::TOO_MANY_REQUESTS,
        kind,
        json!({ "message": message }),
    )
}

/// The status of a keyed `GET /faceauth`.
async fn list_status(h: &Harness) -> StatusCode {
    h.get("/faceauth").send().await.unwrap().status()
}

/// The gateway error a keyed `GET /faceauth` meets.
async fn list_refusal(h: &Harness) -> (StatusCode, Option<String>, Value) {
    gateway_error(h.get("/faceauth").send().await.unwrap()).await
}

#[tokio::test]
async fn unknown_routes_lack_an_authentication_token() {
    let h = start();
    let missing = refusal(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationTokenException",
        json!({"message": "Missing Authentication Token"}),
    );
    let base = h.server.base_url().trim_end_matches("/v3").to_owned();
    let requests = [
        h.request(Method::PUT, "/faceauth"),
        h.request(Method::POST, "/faceauth/image"),
        h.get("/submission"),
        h.get("/faceauth/"),
        h.client.get(format!("{base}/faceauth")),
        // Routing comes before the key check.
        h.client.get(format!("{base}/v3/nothing")),
    ];
    for request in requests {
        assert_eq!(gateway_error(request.send().await.unwrap()).await, missing);
    }
}

#[tokio::test]
async fn the_api_key_must_match() {
    let h = start();
    let url = h.url("/faceauth");
    let no_key = h.client.get(&url);
    let wrong_key = h.client.get(&url).header("x-api-key", "not-the-key");
    let bearer = h.client.get(&url).bearer_auth(h.server.api_key());
    for request in [no_key, wrong_key, bearer] {
        assert_eq!(
            gateway_error(request.send().await.unwrap()).await,
            forbidden()
        );
    }
    let key = h.client.get(&url).header("x-api-key", h.server.api_key());
    assert_eq!(key.send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn deny_mode_refuses_valid_keys() {
    let h = start();
    h.server.set_deny(true);
    assert_eq!(
        list_refusal(&h).await,
        refusal(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
        )
    );
    let no_key = h.client.get(h.url("/faceauth")).send().await.unwrap();
    assert_eq!(
        gateway_error(no_key).await,
        forbidden(),
        "the key is checked first"
    );
    h.server.set_deny(false);
    assert_eq!(list_status(&h).await, StatusCode::OK);
}

fn small_bodies() -> Harness {
    start_with(MockOptions {
        max_body_bytes: 1024,
        ..MockOptions::default()
    })
}

#[tokio::test]
async fn declared_oversized_bodies_are_too_large() {
    let h = small_bodies();
    let response = h
        .post_form(face_form("sub-ok", &[0xff; 2048]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(response).await,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "Request Entity Too Large"})
        )
    );
    assert!(h.server.requests()[0].body_len > 2048);
    let (status, _) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn streamed_bodies_growing_too_large_are_refused() {
    let h = small_bodies();
    let chunks = (0..8).map(|_| Ok::<_, Infallible>(Bytes::from(vec![b'x'; 200])));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let request = h
        .request(Method::POST, "/faceauth")
        .header("content-type", "multipart/form-data; boundary=x")
        .body(body);
    let (status, _) = json(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let recorded = &h.server.requests()[0];
    assert_eq!(recorded.body_len, 1600);
    assert!(recorded.form.is_empty());
}

#[tokio::test]
async fn token_bucket_throttles_bursts() {
    let h = start_with(MockOptions {
        rate_limit: Some(0.01),
        ..MockOptions::default()
    });
    assert_eq!(list_status(&h).await, StatusCode::OK);
    let throttling = throttled("TooManyRequestsException", "Too Many Requests");
    assert_eq!(list_refusal(&h).await, throttling);
    h.server.set_rate_limit(Some(3.0));
    // A burst of 3, then 3 more each second: bounds that hold however slowly this machine runs.
    let started = std::time::Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(list_status(&h).await.as_u16());
    }
    let refilled = (started.elapsed().as_secs_f64() * 3.0).ceil() as usize;
    let passed = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(statuses[..3], [200, 200, 200], "{statuses:?}");
    assert!(passed <= 3 + refilled, "{passed} passed: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    if refilled < 7 {
        assert!(statuses.contains(&429), "{statuses:?}");
    }
    h.server.set_rate_limit(None);
    for _ in 0..20 {
        assert_eq!(list_status(&h).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn daily_quota_counts_requests_with_a_valid_key() {
    let h = start_with(MockOptions {
        daily_quota: Some(2),
        ..MockOptions::default()
    });
    // Requests refused for their key do not count.
    for _ in 0..3 {
        let response = h.client.get(h.url("/faceauth")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    for _ in 0..2 {
        assert_eq!(list_status(&h).await, StatusCode::OK);
    }
    let exhausted = throttled("LimitExceededException", "Limit Exceeded");
    assert_eq!(list_refusal(&h).await, exhausted);
    h.server.set_daily_quota(Some(1));
    assert_eq!(list_status(&h).await, StatusCode::OK);
    assert_eq!(list_status(&h).await, StatusCode::TOO_MANY_REQUESTS);
    h.server.set_daily_quota(None);
    assert_eq!(list_status(&h).await, StatusCode::OK);
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let h = start();
    let mut ids = Vec::new();
    for request in [
        h.get("/faceauth"),
        h.client.get(h.url("/faceauth")),
        h.get("/x"),
    ] {
        let response = request.send().await.unwrap();
        let id = response.headers()["x-amzn-requestid"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!((id.len(), &id[14..15]), (36, "4"), "{id}");
        ids.push(id);
    }
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
}

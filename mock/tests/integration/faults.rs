//! Injected faults.

use std::time::{Duration, Instant};

use argos_addon_mock::{Fault, FaultAction};
use reqwest::StatusCode;

use crate::support::{SELFIE, face_form, json, start, with_query};

#[tokio::test]
async fn respond_faults_replace_the_answer() {
    let h = start();
    h.server
        .inject_fault(Fault::status(500, r#"{"message":"Internal server error"}"#));
    let response = h.get("/faceauth").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-amzn-requestid"));
    let (status, body) = json(response).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("Internal server error")
        )
    );
    assert_eq!(
        h.get("/faceauth").send().await.unwrap().status(),
        StatusCode::OK,
        "used up"
    );
}

#[tokio::test]
async fn html_502_and_custom_headers() {
    let h = start();
    h.server.inject_fault(Fault::html_502());
    h.server.inject_fault(
        Fault::status(503, "{}")
            .header("x-amzn-RequestId", "fixed-id")
            .header("retry-after", "1"),
    );
    // Faults come before routing and the key check.
    let response = h.client.get(h.url("/nowhere")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    let response = h.get("/faceauth").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["x-amzn-requestid"], "fixed-id");
    assert_eq!(response.headers()["retry-after"], "1");
}

#[tokio::test]
async fn delay_faults_answer_late_but_normally() {
    let h = start();
    h.server
        .inject_fault(Fault::delay(Duration::from_millis(300)));
    let started = Instant::now();
    let (status, _) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let timed_out = h.get("/faceauth").timeout(Duration::from_millis(100));
    h.server
        .inject_fault(Fault::delay(Duration::from_millis(500)));
    assert!(timed_out.send().await.unwrap_err().is_timeout());
}

#[tokio::test]
async fn drop_faults_close_the_connection_without_a_response() {
    let h = start();
    h.server.inject_fault(Fault::drop_connection());
    let error = h
        .post_form(face_form("sub-ok", SELFIE))
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(
        h.server.request_count("POST", "/faceauth"),
        1,
        "no silent retry"
    );
    let (_, listed) = json(h.get("/faceauth").send().await.unwrap()).await;
    assert_eq!(
        listed[0]["data"],
        serde_json::json!([]),
        "the upload was never handled"
    );
    let (status, _) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn faults_match_routes_and_count_down() {
    let h = start();
    h.server.inject_fault(
        Fault::status(429, r#"{"message":"slow down"}"#)
            .on("get", "/faceauth/image")
            .times(2),
    );
    h.server
        .inject_fault(Fault::status(500, "{}").on("DELETE", "/faceauth"));
    let auth_id = h.approved_auth().await;
    let image = || {
        h.get(&with_query(
            "/faceauth/image",
            &[("authId", auth_id.as_str())],
        ))
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(image().send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [429, 429, 200]);
    assert_eq!(
        h.get("/faceauth").send().await.unwrap().status(),
        StatusCode::OK
    );

    h.server.clear_faults();
    let delete = h.delete(&with_query("/faceauth", &[("authId", auth_id.as_str())]));
    assert_eq!(delete.send().await.unwrap().status(), StatusCode::OK);
}

#[test]
fn fault_builders_fill_in_defaults() {
    let fault = Fault::delay(Duration::from_secs(1));
    assert_eq!((fault.method, fault.path, fault.times), (None, None, 1));
    let fault = Fault::drop_connection()
        .on("POST", "/faceauth")
        .times(3)
        .header("ignored", "x");
    assert_eq!(fault.method.as_deref(), Some("POST"));
    assert_eq!(fault.path.as_deref(), Some("/faceauth"));
    assert_eq!((fault.times, fault.action), (3, FaultAction::Drop));
}

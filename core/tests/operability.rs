//! Per-call options, default headers and the response every result carries, against the mock
//! (the tracing spans are in spans.rs).

mod common;

use std::time::Duration;

use argos_addon::{CallOptions, ErrorKind, ListParams, Operation};
use argos_addon_mock::Fault;
use common::*;

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn every_result_carries_the_response_that_answered_it() {
    let (mock, client) = seeded();
    let result = submit(&client, "sub0000000001", jpeg(1)).await.unwrap();
    let response = &result.response;
    assert_eq!((response.status_code, response.attempts), (200, 1));
    let id = response.request_id.as_deref().unwrap();
    assert_eq!(response.headers["x-amzn-requestid"], id);
    assert!(response.elapsed > Duration::ZERO);
    assert!(
        response
            .header_pairs()
            .iter()
            .any(|(n, _)| *n == "content-type")
    );

    let auth_id = result.authentication_id.as_str();
    let record = client.face_auth().get(auth_id).await.unwrap();
    assert_eq!(record.response.status_code, 200);
    assert_ne!(record.response.request_id.as_deref(), Some(id));

    let page = client
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    assert!(!page.records.is_empty());
    for record in &page.records {
        assert_eq!(record.response.request_id, page.response.request_id);
    }
    // Results compare by their data, not by the answers that carried them.
    assert_eq!(page.records[0], record);

    let with = client.face_auth().with_response();
    let (image, response) = with.image(auth_id).await.unwrap();
    assert_eq!(image.as_ref(), jpeg(1));
    assert_eq!(response.status_code, 200);
    let response = with.delete(auth_id).await.unwrap();
    assert!(response.request_id.is_some());
    assert_eq!(mock.total_requests(), 5);
}

#[tokio::test]
async fn the_request_id_is_the_one_the_server_sent_and_retries_are_counted() {
    let (mock, client) = seeded();
    mock.inject_fault(Fault::status(502, "<html>bad gateway</html>").on("GET", "/faceauth"));
    mock.inject_fault(
        Fault::status(200, "[]")
            .header("x-amzn-RequestId", "req-4b1d")
            .on("GET", "/faceauth"),
    );
    let page = client
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    assert_eq!(page.response.request_id.as_deref(), Some("req-4b1d"));
    assert_eq!(page.response.attempts, 2);
}

#[tokio::test]
async fn with_options_changes_one_copy_and_shares_the_pool() {
    let (mock, client) = seeded();
    let hasty = client
        .with_options(
            &CallOptions::new()
                .timeout(Duration::from_millis(300))
                .max_retries(0),
        )
        .unwrap();
    assert_eq!(hasty.timeout(), Duration::from_millis(300));
    assert_eq!(client.timeout(), Duration::from_secs(60));
    assert_eq!((hasty.max_retries(), client.max_retries()), (0, 2));

    submit(&client, "sub0000000001", jpeg(1)).await.unwrap();
    mock.inject_fault(Fault::delay(Duration::from_secs(3)).on("GET", "/faceauth"));
    let err = hasty.face_auth().get("any-id").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(mock.request_count("GET", "/faceauth"), 1, "not retried");
    // The first connection was cut by the timeout; the copy's next call opens the second, and
    // the original client reuses it.
    let page = hasty
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    assert_eq!(page.records.len(), 1);
    client
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    assert_eq!(mock.connection_count(), 2);
}

#[tokio::test]
async fn default_and_extra_headers_and_the_trace_context_reach_the_server() {
    let (mock, _) = seeded();
    let client = builder(&mock)
        .default_headers(vec![
            ("X-Team".into(), "kyc".into()),
            ("X-Env".into(), "test".into()),
        ])
        .build()
        .unwrap();
    let traced = client
        .with_options(
            &CallOptions::new()
                .header("x-env", "canary")
                .trace_context(vec![("traceparent".into(), TRACEPARENT.into())]),
        )
        .unwrap();
    mock.inject_fault(Fault::status(500, "{}").on("GET", "/faceauth"));
    traced
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    client
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    let sent = mock.requests();
    assert_eq!(sent.len(), 3);
    for attempt in &sent[..2] {
        assert_eq!(header(&attempt.headers, "x-team"), Some("kyc"));
        assert_eq!(header(&attempt.headers, "x-env"), Some("canary"));
        assert_eq!(header(&attempt.headers, "traceparent"), Some(TRACEPARENT));
        assert_eq!(header(&attempt.headers, "x-api-key"), Some("<redacted>"));
    }
    assert_eq!(header(&sent[2].headers, "x-env"), Some("test"));
    assert_eq!(header(&sent[2].headers, "traceparent"), None);
}

#[test]
fn reserved_and_malformed_headers_are_configuration_errors() {
    let mock = mock();
    let err = builder(&mock)
        .default_headers(vec![("Content-Type".into(), "text/plain".into())])
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let client = client(&mock);
    let err = client
        .with_options(&CallOptions::new().header("x-ok", "line\nbreak"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = client
        .with_options(&CallOptions::new().timeout(Duration::ZERO))
        .unwrap_err();
    assert_eq!(err.message(), "timeout must be greater than zero");
    assert_eq!(mock.total_requests(), 0);
}

#[test]
fn routes_name_the_endpoint_without_ids() {
    let mock = mock();
    let client = client(&mock);
    let route = client.route(Operation::Image);
    assert_eq!(route.method, "GET");
    assert_eq!(route.url_template, "/v3/faceauth/image");
    assert_eq!(route.server_address, "127.0.0.1");
    assert_eq!(route.server_port, mock.port());
    assert_eq!(client.route(Operation::Delete).method, "DELETE");
    assert_eq!(Operation::ListPage.span_name(), "argos.face_auth.list_page");
}

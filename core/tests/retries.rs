//! The retry policy, timeouts and transport failures, counted at the mock.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use argos_addon::{Client, ErrorKind, SubmitRequest};
use argos_addon_mock::Fault;
use common::*;

const THROTTLED: &str = r#"{"message":"Too Many Requests"}"#;

#[tokio::test]
async fn throttled_calls_are_retried_after_retry_after_even_for_post() {
    let (mock, client) = seeded();
    mock.inject_fault(
        Fault::status(429, THROTTLED)
            .header("Retry-After", "0")
            .times(2),
    );
    let result = submit_selfie(&client).await.unwrap();
    assert!(result.approved);
    assert_eq!(mock.request_count("POST", "/faceauth"), 3);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_obeyed() {
    let (mock, client) = seeded();
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    mock.inject_fault(
        Fault::status(429, THROTTLED)
            .header("Retry-After", &soon)
            .on("GET", "/faceauth"),
    );
    let started = Instant::now();
    assert_eq!(
        client.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for the date"
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);
}

#[tokio::test]
async fn retries_give_up_after_max_retries_with_the_last_error() {
    let (mock, _) = seeded();
    let client = builder(&mock).max_retries(1).build().unwrap();
    mock.inject_fault(
        Fault::status(429, THROTTLED)
            .header("Retry-After", "0")
            .times(5),
    );
    let err = client.face_auth().get("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);
    assert_eq!(err.attempts(), 2);
}

#[tokio::test]
async fn a_long_retry_after_is_not_waited_for() {
    let (mock, client) = seeded();
    mock.inject_fault(Fault::status(429, THROTTLED).header("Retry-After", "3600"));
    let started = Instant::now();
    let err = client.face_auth().get("x").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(mock.request_count("GET", "/faceauth"), 1);
    assert_eq!(err.attempts(), 1);
    let unsent = client.face_auth().get(" ").await.unwrap_err();
    assert_eq!(
        (unsent.kind(), unsent.attempts()),
        (ErrorKind::Validation, 0)
    );
}

#[tokio::test]
async fn server_errors_are_retried_on_get_and_delete_only() {
    let (mock, client) = seeded();
    mock.inject_fault(Fault::html_502().on("GET", "/faceauth"));
    mock.inject_fault(Fault::status(503, "").on("GET", "/faceauth"));
    assert_eq!(
        client.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 3);

    mock.inject_fault(
        Fault::status(500, r#"{"message":"Internal server error"}"#).on("DELETE", "/faceauth"),
    );
    let err = client.face_auth().delete("x").await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "the retry reached the route"
    );
    assert_eq!(mock.request_count("DELETE", "/faceauth"), 2);

    mock.inject_fault(Fault::status(502, "").on("POST", "/faceauth"));
    let err = submit_selfie(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadGateway);
    assert_eq!(
        mock.request_count("POST", "/faceauth"),
        1,
        "a submit is never replayed"
    );
}

#[tokio::test]
async fn quota_and_other_client_errors_are_never_retried() {
    let (mock, client) = seeded();
    mock.set_daily_quota(Some(0));
    let err = client.face_auth().get("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(mock.request_count("GET", "/faceauth"), 1);
    mock.set_daily_quota(None);
    mock.set_deny(true);
    assert_eq!(
        client.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::IpNotAllowed
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);
    mock.set_deny(false);
    let wrong_key = builder(&mock).api_key("wrong-key-0001").build().unwrap();
    assert_eq!(
        wrong_key.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::Authentication
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 3);
}

#[tokio::test]
async fn gateway_rate_limit_and_body_limit() {
    let mock = mock_with(argos_addon_mock::MockOptions {
        max_body_bytes: 4096,
        ..Default::default()
    });
    mock.add_submission("sub0000000001", "approved", Some(jpeg(1)));
    let client = client_no_retries(&mock);
    let mut big = jpeg(1);
    big.resize(8192, 7);
    let err = client
        .face_auth()
        .submit(SubmitRequest::new("sub0000000001", big))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PayloadTooLarge);

    mock.set_rate_limit(Some(1.0));
    client.face_auth().get("x").await.unwrap_err();
    let err = client.face_auth().get("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit);
}

#[tokio::test]
async fn timeouts_are_retried_on_get_but_not_on_post() {
    let (mock, _) = seeded();
    let client = builder(&mock)
        .timeout(Duration::from_millis(300))
        .max_retries(1)
        .build()
        .unwrap();
    mock.inject_fault(Fault::delay(Duration::from_secs(2)).on("GET", "/faceauth"));
    assert_eq!(
        client.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);

    mock.inject_fault(Fault::delay(Duration::from_secs(2)).on("POST", "/faceauth"));
    let err = submit_selfie(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(mock.request_count("POST", "/faceauth"), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_on_get_but_not_on_post() {
    let (mock, client) = seeded();
    mock.inject_fault(Fault::drop_connection().on("GET", "/faceauth"));
    assert_eq!(
        client.face_auth().get("x").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);

    mock.inject_fault(Fault::drop_connection().on("POST", "/faceauth"));
    let err = submit_selfie(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the transport cause is kept"
    );
    assert_eq!(mock.request_count("POST", "/faceauth"), 1);
}

/// Accepts TCP connections and closes them at once: the TLS handshake fails before any request
/// byte is sent, so even a submit may be retried.
async fn closing_listener() -> (String, Arc<AtomicUsize>) {
    let (addr, accepted) = local_listener(|socket, accepted| async move {
        accepted.fetch_add(1, Ordering::SeqCst);
        drop(socket);
    })
    .await;
    (format!("https://{addr}/v3"), accepted)
}

#[tokio::test]
async fn failures_before_sending_are_retried_even_for_post() {
    let (base_url, accepted) = closing_listener().await;
    let client = Client::builder()
        .api_key("fake-key-0001")
        .base_url(base_url)
        .build()
        .unwrap();
    let err = submit_selfie(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key("fake-key-0001")
        .base_url(format!("https://127.0.0.1:{port}/v3"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.face_auth().get("abc").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(!err.to_string().contains("authId"), "{err}");
}

#[tokio::test]
async fn an_untrusted_certificate_fails_without_reaching_the_server() {
    let mock = mock();
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = client.face_auth().get("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(mock.total_requests(), 0);
    // Not retried: one connection reached the server, and its handshake never completed.
    assert_eq!((mock.connection_count(), mock.handshake_count()), (1, 0));
}

#[tokio::test]
async fn the_client_side_rate_limit_is_shared_by_clones() {
    let (mock, _) = seeded();
    let client = builder(&mock).rate_limit(Some(20.0)).build().unwrap();
    let clone = client.clone();
    let started = Instant::now();
    let calls = (0..15).map(|i| {
        let c = if i % 2 == 0 {
            client.clone()
        } else {
            clone.clone()
        };
        async move { c.face_auth().get("x").await }
    });
    futures_util::future::join_all(calls).await;
    // 20 tokens at start would pass 15 at once; the bucket was full, so check a second burst.
    let calls = (0..20).map(|_| {
        let c = clone.clone();
        async move { c.face_auth().get("x").await }
    });
    futures_util::future::join_all(calls).await;
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.request_count("GET", "/faceauth"), 35);
}

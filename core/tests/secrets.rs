//! A sentinel key must never show in Debug/Display of the client or of any error, nor in logs.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argos_addon::{BudgetFailure, Client, Error, ErrorKind};
use argos_addon_mock::{Fault, MockOptions};
use common::*;

const SENTINEL: &str = "SENTINELkeyDoNotLeak0123456789abcdefABCD";

fn assert_clean(what: &str, err: &Error, seen: &mut Vec<ErrorKind>) {
    for text in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!text.contains(SENTINEL), "{what}: key leaked in {text}");
        assert!(
            !text.contains("authId="),
            "{what}: query string leaked in {text}"
        );
    }
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert!(
            !s.to_string().contains(SENTINEL),
            "{what}: key leaked in a cause"
        );
        assert!(
            !format!("{s:?}").contains("authId="),
            "{what}: query leaked in a cause: {s:?}"
        );
        source = s.source();
    }
    seen.push(err.kind());
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_never_leaks() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mock = mock_with(MockOptions {
        api_key: Some(SENTINEL.into()),
        ..Default::default()
    });
    mock.add_submission("sub0000000001", "approved", Some(jpeg(1)));
    let client = builder(&mock)
        .max_retries(0)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let debug = format!("{client:?} {:?} {:?}", client.config(), builder(&mock));
    assert!(!debug.contains(SENTINEL), "{debug}");
    assert!(debug.contains("****"));

    let mut seen = Vec::new();
    let bad_url = Client::builder()
        .api_key(SENTINEL)
        .base_url("http://x/v3")
        .build()
        .unwrap_err();
    assert_clean("configuration", &bad_url, &mut seen);
    let invalid = client.face_auth().get(" ").await.unwrap_err();
    assert_clean("validation", &invalid, &mut seen);
    let webhook = argos_addon::decrypt_query("AAAAAAAAAAAAAAAAAAAAAA==", SENTINEL).unwrap_err();
    assert_clean("webhook", &webhook, &mut seen);

    let statuses: [(u16, &str); 9] = [
        (
            400,
            r#"{"errorCode":"required_field_missing","message":"Required field is missing"}"#,
        ),
        (
            400,
            r#"{"errorCode":"NOT_FOUND","message":"Image not found"}"#,
        ),
        (401, r#"{"message":"Unauthorized"}"#),
        (404, r#"{"message":"Not Found"}"#),
        (413, r#"{"message":"Request Entity Too Large"}"#),
        (429, r#"{"message":"Too Many Requests"}"#),
        (429, r#"{"message":"Limit Exceeded"}"#),
        (500, "{}"),
        (503, "down"),
    ];
    for (status, body) in statuses {
        mock.inject_fault(Fault::status(status, body));
        let err = client.face_auth().get("secret-auth-id").await.unwrap_err();
        assert_clean(&format!("status {status}"), &err, &mut seen);
    }
    mock.inject_fault(Fault::html_502());
    assert_clean(
        "502",
        &client
            .face_auth()
            .image("secret-auth-id")
            .await
            .unwrap_err(),
        &mut seen,
    );
    mock.set_deny(true);
    assert_clean(
        "deny",
        &client.face_auth().get("a").await.unwrap_err(),
        &mut seen,
    );
    mock.set_deny(false);
    let wrong = builder(&mock)
        .api_key(format!("{SENTINEL}x"))
        .build()
        .unwrap();
    assert_clean(
        "forbidden",
        &wrong.face_auth().get("a").await.unwrap_err(),
        &mut seen,
    );
    mock.inject_fault(Fault::drop_connection());
    let dropped = submit_selfie(&client).await.unwrap_err();
    assert_clean("dropped", &dropped, &mut seen);
    mock.inject_fault(Fault::delay(Duration::from_secs(2)));
    assert_clean(
        "timeout",
        &client
            .face_auth()
            .delete("secret-auth-id")
            .await
            .unwrap_err(),
        &mut seen,
    );
    let untrusted = Client::builder()
        .api_key(SENTINEL)
        .base_url(mock.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    assert_clean(
        "tls",
        &untrusted.face_auth().get("a").await.unwrap_err(),
        &mut seen,
    );

    // Nothing listens on port 1; the store URL's password must not leak either.
    let unbudgeted = Client::builder()
        .api_key(SENTINEL)
        .base_url(mock.base_url())
        .ca_cert_pem(mock.ca_cert_pem())
        .budget_url(format!("redis://user:{SENTINEL}@127.0.0.1:1"))
        .budget_failure(BudgetFailure::Closed)
        .build()
        .unwrap();
    assert_clean(
        "budget store",
        &unbudgeted.face_auth().get("a").await.unwrap_err(),
        &mut seen,
    );

    for kind in ErrorKind::ALL {
        assert!(
            seen.contains(&kind),
            "no error of kind {kind:?} was checked"
        );
    }

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("GET /v3/faceauth"),
        "one line per attempt: {logs}"
    );
    assert!(!logs.contains(SENTINEL), "key leaked in logs");
    assert!(!logs.contains("authId="), "query leaked in logs");
}

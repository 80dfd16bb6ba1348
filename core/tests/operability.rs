//! Per-call options, default headers, the response every result carries, and the tracing span
//! of each call, against the mock.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argos_addon::{CallOptions, ErrorKind, ListParams, Operation};
use argos_addon_mock::Fault;
use common::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};

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

/// A span's name and its fields as recorded.
type SpanRecord = (String, BTreeMap<String, String>);

/// The spans of the test's thread.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<SpanRecord>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        fields.insert("#id".to_owned(), id.into_u64().to_string());
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().push((name, fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        let key = id.into_u64().to_string();
        if let Some((_, fields)) = spans.iter_mut().rev().find(|(_, f)| f["#id"] == key) {
            values.record(&mut Fields(fields));
        }
    }
}

#[tokio::test]
async fn each_call_is_one_span_with_the_http_client_attributes() {
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let (mock, client) = seeded();
    let client = client
        .with_options(&CallOptions::new().header("x-note", "user-42"))
        .unwrap();
    mock.inject_fault(Fault::status(503, "{}").on("GET", "/faceauth"));
    let record = client
        .face_auth()
        .list_page(&ListParams::new())
        .await
        .unwrap();
    submit(&client, "sub0000000001", jpeg(1)).await.unwrap();
    mock.inject_fault(Fault::status(403, r#"{"message":"Forbidden"}"#).on("GET", "/faceauth"));
    client.face_auth().get("auth-secret-id").await.unwrap_err();

    let spans = spans.0.lock().unwrap().clone();
    let names: Vec<_> = spans.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "argos.face_auth.list_page",
            "argos.face_auth.submit",
            "argos.face_auth.get"
        ]
    );
    let listed = &spans[0].1;
    assert_eq!(listed["otel.kind"], "client");
    assert_eq!(listed["http.request.method"], "GET");
    assert_eq!(listed["url.template"], "/v3/faceauth");
    assert_eq!(listed["server.address"], "127.0.0.1");
    assert_eq!(listed["server.port"], mock.port().to_string());
    assert_eq!(listed["http.response.status_code"], "200");
    assert_eq!(listed["http.request.resend_count"], "1");
    assert_eq!(
        Some(listed["argos.request_id"].as_str()),
        record.response.request_id.as_deref()
    );
    assert!(!listed.contains_key("error.type"));
    let submitted = &spans[1].1;
    assert_eq!(submitted["http.request.method"], "POST");
    assert!(!submitted.contains_key("http.request.resend_count"));
    let failed = &spans[2].1;
    assert_eq!(failed["error.type"], "AuthenticationError");
    assert_eq!(failed["otel.status_code"], "ERROR");
    assert_eq!(failed["http.response.status_code"], "403");
    // No personal data: ids, fields and the key are in no span field.
    for (_, fields) in &spans {
        for value in fields.values() {
            for secret in ["sub0000000001", "auth-secret-id", "user-42", mock.api_key()] {
                assert!(!value.contains(secret), "{secret} in {fields:?}");
            }
        }
    }
}

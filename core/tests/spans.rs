//! The tracing span of each call. In a test binary of its own: tracing caches whether a callsite
//! is wanted, and a test on another thread without a subscriber could register the client's
//! callsites first, leaving them disabled for this one.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use argos_addon::{CallOptions, ListParams};
use argos_addon_mock::Fault;
use common::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};

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

//! The shared vectors of `tests/conformance/`, which the Python and Node suites run too.

mod common;

use std::time::Duration;

use argos_addon::{Error, FaceAuthUrlParams, FaceAuthWebhook};
use argos_addon_mock::Fault;
use common::*;
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = format!("{}/../tests/conformance/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[tokio::test]
async fn error_mapping() {
    let mock = mock();
    let client = client_no_retries(&mock);
    for case in vectors("errors.json")["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut fault = Fault::status(
            case["status"].as_u64().unwrap() as u16,
            case["body"].as_str().unwrap(),
        )
        .on("GET", "/faceauth");
        for (k, v) in case["headers"].as_object().unwrap() {
            fault = fault.header(k, v.as_str().unwrap());
        }
        mock.inject_fault(fault);
        let err: Error = client.face_auth().get("some-auth-id").await.unwrap_err();
        let expect = &case["expect"];
        assert_eq!(
            err.kind().class_name(),
            expect["error"].as_str().unwrap(),
            "{name}: {err:?}"
        );
        assert_eq!(
            err.status(),
            expect["status"].as_u64().map(|s| s as u16),
            "{name}"
        );
        assert_eq!(
            err.code().map(str::to_owned),
            text(expect, "code"),
            "{name}"
        );
        assert_eq!(
            Some(err.message().to_owned()),
            text(expect, "message"),
            "{name}"
        );
        assert_eq!(
            err.trace_id().map(str::to_owned),
            text(expect, "trace_id"),
            "{name}"
        );
        assert_eq!(
            err.request_id().map(str::to_owned),
            text(expect, "request_id"),
            "{name}"
        );
        let retry_after = expect["retry_after"].as_f64().map(Duration::from_secs_f64);
        assert_eq!(err.retry_after(), retry_after, "{name}");
        if let Some(len) = expect.get("body_length").and_then(Value::as_u64) {
            assert_eq!(err.body().unwrap().len() as u64, len, "{name}");
        } else {
            assert_eq!(err.body(), case["body"].as_str(), "{name}");
        }
        assert!(
            err.to_string().contains(err.message()),
            "{name}: Display shows the message"
        );
        assert!(!err.to_string().contains("<html"), "{name}: never the HTML");
    }
}

#[test]
fn crypto_vectors() {
    let v = vectors("crypto.json");
    let key = v["api_key"].as_str().unwrap();
    for case in v["encrypt"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ciphertext = case["ciphertext"].as_str().unwrap();
        let params = case["params"].as_object().unwrap();
        assert_eq!(
            argos_addon::encrypt_query(params, key),
            ciphertext,
            "{name}"
        );
        assert_eq!(
            argos_addon::encrypt_text(case["plaintext"].as_str().unwrap(), key),
            ciphertext,
            "{name}"
        );
        assert_eq!(
            &argos_addon::decrypt_query(ciphertext, key).unwrap(),
            params,
            "{name}"
        );
    }
    for case in v["decrypt"].as_array().unwrap() {
        let ciphertext = case["ciphertext"].as_str().unwrap();
        assert_eq!(
            argos_addon::decrypt_text(ciphertext, key).unwrap(),
            case["plaintext"].as_str().unwrap()
        );
        assert_eq!(
            &argos_addon::decrypt_query(ciphertext, key).unwrap(),
            case["params"].as_object().unwrap()
        );
    }
    let url_params = |case: &Value| FaceAuthUrlParams {
        project_id: text(case, "project_id").unwrap(),
        submission_id: text(case, "submission_id").unwrap(),
        user_id: text(case, "user_id"),
        cf1: text(case, "cf1"),
        cf2: text(case, "cf2"),
        cf3: text(case, "cf3"),
        token: text(case, "token"),
    };
    for case in v["face_auth_url"].as_array().unwrap() {
        let url = argos_addon::face_auth_url(&url_params(case), key).unwrap();
        assert_eq!(url, case["url"].as_str().unwrap(), "{}", case["name"]);
    }
    for case in v["face_auth_url_invalid"].as_array().unwrap() {
        let err = argos_addon::face_auth_url(&url_params(case), key).unwrap_err();
        assert_eq!(
            err.kind().class_name(),
            case["error"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
    for case in v["decrypt_errors"].as_array().unwrap() {
        let err = argos_addon::decrypt_query(
            case["ciphertext"].as_str().unwrap(),
            case["api_key"].as_str().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err.kind().class_name(),
            case["error"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}

fn webhook_as_json(w: &FaceAuthWebhook) -> Value {
    serde_json::json!({
        "auth_id": w.auth_id,
        "submission_id": w.submission_id,
        "auth_status": w.auth_status,
        "create_time": w.create_time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        "user_id": w.user_id,
        "cf1": w.cf1, "cf2": w.cf2, "cf3": w.cf3,
        "token_id": w.token_id,
        "reference": w.reference.as_ref().map(|r| serde_json::json!({
            "user_id": r.user_id, "email": r.email, "cf1": r.cf1, "cf2": r.cf2, "cf3": r.cf3,
        })),
        "version": w.version,
    })
}

#[test]
fn webhook_vectors() {
    let v = vectors("webhooks.json");
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let body = case["body"].as_str().unwrap();
        let key = case.get("api_key").and_then(Value::as_str);
        let hook = argos_addon::parse_webhook(body.as_bytes(), key)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(webhook_as_json(&hook), case["expect"], "{name}");
        assert!(hook.raw.is_object());
    }
    for case in v["errors"].as_array().unwrap() {
        let key = case.get("api_key").and_then(Value::as_str);
        let err =
            argos_addon::parse_webhook(case["body"].as_str().unwrap().as_bytes(), key).unwrap_err();
        assert_eq!(
            err.kind().class_name(),
            case["error"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}

//! A walk through the whole ARGOS Add-On (FaceAuth) API: `cargo run --example quickstart`.
//!
//! Runs against the embedded mock server by default. With `ARGOS_API_KEY` and
//! `ARGOS_SUBMISSION_ID` (and optionally `ARGOS_FACE_IMAGE`) set, it talks to the real API and
//! skips the steps only a mock can do.

use std::path::PathBuf;

use argos_addon::{Client, ErrorKind, FaceAuthUrlParams, FaceImage, ListParams, SubmitRequest};
use argos_addon_mock::{MockOptions, MockServer};
use futures_util::TryStreamExt;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let selfie = examples_dir().join("selfie.jpg");
    let real =
        std::env::var("ARGOS_API_KEY").is_ok() && std::env::var("ARGOS_SUBMISSION_ID").is_ok();
    let (mock, client, submission_id) = if real {
        (
            None,
            Client::from_env()?,
            std::env::var("ARGOS_SUBMISSION_ID")?,
        )
    } else {
        let mock = MockServer::start(MockOptions::default())?;
        mock.add_submission("sub0000000001", "approved", Some(std::fs::read(&selfie)?));
        println!("mock ARGOS at {}", mock.base_url());
        let client = Client::builder()
            .api_key(mock.api_key())
            .base_url(mock.base_url())
            .ca_cert_pem(mock.ca_cert_pem())
            .build()?;
        (Some(mock), client, "sub0000000001".to_owned())
    };
    let face = std::env::var_os("ARGOS_FACE_IMAGE").map_or(selfie, PathBuf::from);
    let fa = client.face_auth();

    let result = fa
        .submit(SubmitRequest::new(&submission_id, FaceImage::Path(face)).user_id("user-42"))
        .await?;
    println!(
        "submit same face   -> {}, similarity {:?}",
        result.auth_status, result.score.face_similarity_score
    );
    if mock.is_some() {
        let other = examples_dir().join("other_face.jpg");
        let other = fa
            .submit(SubmitRequest::new(&submission_id, FaceImage::Path(other)))
            .await?;
        println!(
            "submit other face  -> {}: {} ({})",
            other.auth_status, other.fail_codes[0], other.rejected_comments[0]
        );
    }

    let record = fa.get(&result.authentication_id).await?;
    println!(
        "get                -> {} {}",
        record.auth_id, record.auth_status
    );
    let all: Vec<_> = fa.list(ListParams::new().count(1))?.try_collect().await?;
    println!("list (1 per page)  -> {} records, newest first", all.len());
    let image = fa.image(&result.authentication_id).await?;
    println!("image              -> {} bytes", image.len());

    let key = match &mock {
        Some(mock) => mock.api_key().to_owned(),
        None => std::env::var("ARGOS_API_KEY")?,
    };
    if mock.is_some() {
        fa.delete(&result.authentication_id).await?;
        let deleted = fa.get(&result.authentication_id).await?.deleted;
        println!("delete             -> deleted={deleted}");
    }

    let project_id = match &mock {
        Some(mock) => mock.project_id().to_owned(),
        None => std::env::var("ARGOS_PROJECT_ID").unwrap_or_else(|_| "your-project-id".into()),
    };
    let url = client.face_auth_url(&FaceAuthUrlParams {
        project_id,
        submission_id: submission_id.clone(),
        user_id: Some("user-42".into()),
        token: Some("tok_abcdefgh".into()),
        ..Default::default()
    })?;
    println!("face auth URL      -> {}...", &url[..64]);
    let encrypted = url.split("&encrypted=").nth(1).expect("the URL has it");
    let encrypted = encrypted
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let params = argos_addon::decrypt_query(&encrypted, &key)?;
    println!(
        "  decrypted        -> {}",
        serde_json::Value::Object(params)
    );

    for (version, body) in webhook_samples(&key) {
        let hook = argos_addon::parse_webhook(body.as_bytes(), Some(&key))?;
        println!(
            "webhook {version:<10} -> v{} auth {} {} user {}",
            hook.version,
            hook.auth_id,
            hook.auth_status.unwrap_or_default(),
            hook.user_id.unwrap_or_default()
        );
    }

    if let Some(mock) = &mock {
        let wrong = Client::builder()
            .api_key("not-the-right-key")
            .base_url(mock.base_url())
            .ca_cert_pem(mock.ca_cert_pem())
            .build()?;
        let err = wrong
            .face_auth()
            .get(&result.authentication_id)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication);
        println!("wrong key          -> {}: {}", err.kind().class_name(), err);
    }
    Ok(())
}

/// One `faceAuth` webhook body per published version, and an encrypted one.
fn webhook_samples(key: &str) -> Vec<(&'static str, String)> {
    let v3 = serde_json::json!({
        "webhook_trigger": "faceAuth",
        "data": {
            "Submission_id": "sub0000000001", "Auth_Status": "approved",
            "Create_Time": "2024-05-01T10:00:00.000Z", "Auth_User_id": "user-42",
            "Token_id": "tok_abcdefgh", "Authentication_id": "auth000000001",
            "reference": {"userid": "ref-user", "email": "ref@example.com", "cf": {"cf1": "a"}}
        }
    });
    let v2 = serde_json::json!({
        "webhook_trigger": "faceAuth", "Authentication_id": "auth000000002",
        "data": {"Submission_id": "sub0000000001", "Auth_Status": "rejected", "User_id": "user-7", "cf1": "x"}
    });
    let v1 = serde_json::json!({
        "webhook_trigger": "faceAuth", "auth_id": "auth000000003",
        "data": {"submission_id": "sub0000000001", "auth_status": "approved", "user_id": "user-1"}
    });
    let encrypted = serde_json::json!({ "data": argos_addon::encrypt_text(&v3.to_string(), key) });
    vec![
        ("v3", v3.to_string()),
        ("v2", v2.to_string()),
        ("v1", v1.to_string()),
        ("encrypted", encrypted.to_string()),
    ]
}

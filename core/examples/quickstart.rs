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
    if let Some(mock) = &mock {
        fa.delete(&result.authentication_id).await?;
        println!(
            "delete             -> deleted={}",
            fa.get(&result.authentication_id).await?.deleted
        );

        let url = client.face_auth_url(&FaceAuthUrlParams {
            project_id: mock.project_id().into(),
            submission_id: submission_id.clone(),
            token: Some("tok_abcdefgh".into()),
            ..Default::default()
        })?;
        println!("face auth URL      -> {}...", &url[..64]);

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

    let body = serde_json::json!({
        "webhook_trigger": "faceAuth",
        "data": {"Authentication_id": "auth000000001", "Auth_Status": "approved", "Auth_User_id": "user-42"}
    });
    let encrypted =
        serde_json::json!({ "data": argos_addon::encrypt_text(&body.to_string(), &key) });
    let hook = argos_addon::parse_webhook(encrypted.to_string().as_bytes(), Some(&key))?;
    println!(
        "webhook encrypted  -> v{} auth {} {:?}",
        hook.version, hook.auth_id, hook.auth_status
    );
    Ok(())
}

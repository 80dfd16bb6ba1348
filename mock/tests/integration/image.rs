//! `GET /v3/faceauth/image`.

use argos_addon_mock::{ImageEncoding, SeedRecord};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;

use crate::support::{Harness, SELFIE, assert_traced_error, json, start, with_query};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake png";

async fn image(h: &Harness, auth_id: &str) -> (StatusCode, String, String) {
    let response = h
        .get(&with_query("/faceauth/image", &[("authId", auth_id)]))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn each_encoding_carries_standard_base64() {
    let h = start();
    let jpeg_id = h.approved_auth().await;
    let png_id = h.server.add_record(SeedRecord {
        auth_id: None,
        auth_status: "approved".into(),
        create_time: chrono::Utc::now(),
        submission_id: "sub-ok".into(),
        image: Some(PNG.to_vec()),
    });
    let jpeg = STANDARD.encode(SELFIE);
    let png = STANDARD.encode(PNG);

    let raw = image(&h, &jpeg_id).await;
    assert_eq!(raw, (StatusCode::OK, "text/plain".into(), jpeg.clone()));

    h.server.set_image_encoding(ImageEncoding::JsonString);
    let quoted = image(&h, &jpeg_id).await;
    let expected = serde_json::to_string(&jpeg).unwrap();
    assert_eq!(
        quoted,
        (StatusCode::OK, "application/json".into(), expected)
    );

    h.server.set_image_encoding(ImageEncoding::DataUri);
    let (_, content_type, uri) = image(&h, &jpeg_id).await;
    assert_eq!(content_type, "text/plain");
    assert_eq!(uri, format!("data:image/jpeg;base64,{jpeg}"));
    let (_, _, uri) = image(&h, &png_id).await;
    assert_eq!(uri, format!("data:image/png;base64,{png}"));
}

#[tokio::test]
async fn missing_or_unknown_images_are_errors() {
    let h = start();
    let (status, body) = json(h.get("/faceauth/image").send().await.unwrap()).await;
    assert_traced_error(status, &body, "BAD_REQUEST", "authId is required");

    let no_image = h.server.add_record(SeedRecord {
        auth_id: Some("no-image".into()),
        auth_status: "approved".into(),
        create_time: chrono::Utc::now(),
        submission_id: "sub-ok".into(),
        image: None,
    });
    for auth_id in ["unknown", no_image.as_str()] {
        let request = h.get(&with_query("/faceauth/image", &[("authId", auth_id)]));
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_traced_error(status, &body, "NOT_FOUND", "Image not found");
    }
}

//! Bad input and bad configuration fail before any I/O: typed, named, and nothing sent.

mod common;

use std::path::PathBuf;

use argos_addon::{
    Client, Error, ErrorKind, FaceAuthUrlParams, FaceImage, ListParams, MAX_FIELD_BYTES,
    MAX_NEXT_KEY_BYTES, NextKey, SubmitRequest,
};
use common::*;
use futures_util::StreamExt;

fn assert_validation(err: Error, needle: &str) {
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert!(
        err.to_string().contains(needle),
        "{err:?} should mention {needle:?}"
    );
}

#[tokio::test]
async fn each_validation_error_sends_nothing() {
    let (mock, _) = seeded();
    let client = builder(&mock).max_upload_bytes(100).build().unwrap();
    let fa = client.face_auth();
    let submit = |id: &str, image: FaceImage| fa.submit(SubmitRequest::new(id, image));

    assert_validation(
        submit("", jpeg(1).into()).await.unwrap_err(),
        "submission_id is empty",
    );
    assert_validation(
        submit(" \n", jpeg(1).into()).await.unwrap_err(),
        "submission_id is blank",
    );
    assert_validation(submit("s", Vec::new().into()).await.unwrap_err(), "empty");
    assert_validation(
        submit("s", b"GIF89a......".to_vec().into())
            .await
            .unwrap_err(),
        "not a JPEG or PNG",
    );
    let mut big = jpeg(1);
    big.resize(101, 0);
    assert_validation(
        submit("s", big.into()).await.unwrap_err(),
        "max_upload_bytes",
    );
    let missing = PathBuf::from("/definitely/not/here.jpg");
    assert_validation(
        submit("s", missing.into()).await.unwrap_err(),
        "does not exist",
    );
    assert_validation(
        submit("s", std::env::temp_dir().into()).await.unwrap_err(),
        "not a regular file",
    );

    for id in ["", "   "] {
        assert_validation(fa.get(id).await.unwrap_err(), "auth_id");
        assert_validation(fa.image(id).await.unwrap_err(), "auth_id");
        assert_validation(fa.delete(id).await.unwrap_err(), "auth_id");
    }
    for count in [0, -1, 2001] {
        let err = fa
            .list_page(&ListParams::new().count(count))
            .await
            .unwrap_err();
        assert_validation(err, "count must be between 1 and 2000");
    }
    let only_start = ListParams {
        start_date: Some("2024-01-01".into()),
        ..Default::default()
    };
    assert_validation(fa.list_page(&only_start).await.unwrap_err(), "together");
    let only_end = ListParams {
        end_date: Some("2024-01-01".into()),
        ..Default::default()
    };
    assert_validation(fa.list_page(&only_end).await.unwrap_err(), "together");
    let reversed = ListParams::new().dates("2024-02-01", "2024-01-01");
    assert_validation(fa.list_page(&reversed).await.unwrap_err(), "after");
    for bad in ["2024-13-01", "2024-02-30", "01/02/2024", "2024-1-1"] {
        let err = fa
            .list_page(&ListParams::new().dates(bad, "2024-12-31"))
            .await
            .unwrap_err();
        assert_validation(err, "YYYY-MM-DD");
    }
    assert_validation(fa.list(ListParams::new().count(0)).err().unwrap(), "count");
    assert_validation("garbage".parse::<NextKey>().unwrap_err(), "next_key");

    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn overlong_text_is_refused_before_any_io() {
    let (mock, client) = seeded();
    let fa = client.face_auth();
    let huge = "x".repeat(10 * 1024 * 1024);
    let longest = "x".repeat(MAX_FIELD_BYTES);
    let over = "x".repeat(MAX_FIELD_BYTES + 1);
    let submit = |request: SubmitRequest| fa.submit(request);

    assert_validation(
        submit(SubmitRequest::new(huge.as_str(), jpeg(1)))
            .await
            .unwrap_err(),
        "submission_id is 10485760 bytes long, over the limit of 1024",
    );
    let base = || SubmitRequest::new("sub0000000001", jpeg(1));
    for (request, name) in [
        (base().user_id(over.as_str()), "user_id"),
        (base().cf1(over.as_str()), "cf1"),
        (base().cf2(huge.as_str()), "cf2"),
        (base().cf3(over.as_str()), "cf3"),
    ] {
        assert_validation(submit(request).await.unwrap_err(), name);
    }
    for id in [&over, &huge] {
        assert_validation(fa.get(id).await.unwrap_err(), "auth_id is");
        assert_validation(fa.image(id).await.unwrap_err(), "auth_id is");
        assert_validation(fa.delete(id).await.unwrap_err(), "auth_id is");
    }
    assert_validation(
        "k".repeat(MAX_NEXT_KEY_BYTES + 1)
            .parse::<NextKey>()
            .unwrap_err(),
        &format!("next_key is {} bytes long", MAX_NEXT_KEY_BYTES + 1),
    );
    assert_eq!(mock.total_requests(), 0);

    let url = |project_id: &str, user_id: &str| {
        client.face_auth_url(&FaceAuthUrlParams {
            project_id: project_id.into(),
            submission_id: "sub0000000001".into(),
            user_id: Some(user_id.into()),
            cf1: Some(longest.clone()),
            ..Default::default()
        })
    };
    assert!(url("pid", &longest).is_ok());
    assert_validation(
        url(&over, "u").unwrap_err(),
        "project_id is 1025 bytes long",
    );
    assert_validation(
        url("pid", &huge).unwrap_err(),
        "user_id is 10485760 bytes long",
    );
    // The longest accepted fields are sent as they are.
    let record = submit(base().user_id(longest.as_str()).cf3(longest.as_str()))
        .await
        .unwrap();
    assert!(record.approved);
}

#[tokio::test]
async fn list_stream_yields_nothing_after_its_end() {
    let (_mock, client) = seeded();
    let mut stream = Box::pin(client.face_auth().list(ListParams::new()).unwrap());
    assert!(stream.next().await.is_none());
}

#[test]
fn configuration_errors() {
    let conf = |b: argos_addon::ClientBuilder, needle: &str| {
        let err = b.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
        assert!(
            err.to_string().contains(needle),
            "{err} should mention {needle}"
        );
    };
    let key = || Client::builder().api_key("fake-key-0001");
    conf(key().base_url("http://127.0.0.1:1/v3"), "https://");
    conf(key().base_url("not a url"), "not a valid URL");
    conf(key().base_url("https://"), "base_url");
    conf(key().base_url("https://h/v3?x=1"), "query");
    conf(key().base_url("https://user:pw@h/v3"), "credentials");
    conf(Client::builder().api_key(""), "api_key is empty");
    conf(Client::builder().api_key("has space"), "visible ASCII");
    conf(Client::builder().api_key("tab\tkey"), "visible ASCII");
    conf(
        key().ca_cert_pem("no certificate here"),
        "holds no certificate",
    );
    conf(key().rate_limit(Some(0.0)), "rate_limit");
    conf(key().rate_limit(Some(f64::NAN)), "rate_limit");
    conf(key().rate_limit(Some(1e-300)), "one request a day");
    conf(Client::builder().api_key("k".repeat(1025)), "at most 1024");
    conf(key().max_response_bytes(0), "max_response_bytes");
    conf(key().max_upload_bytes(0), "max_upload_bytes");
    conf(key().timeout(std::time::Duration::ZERO), "timeout");
    assert_eq!(
        argos_addon::duration_from_secs("timeout", -1.0)
            .unwrap_err()
            .kind(),
        ErrorKind::Configuration
    );
    assert!(argos_addon::duration_from_secs("timeout", 0.25).is_ok());
    key().rate_limit(None).build().unwrap();
    key().rate_limit(Some(1.0 / 86_400.0)).build().unwrap();
    Client::builder().api_key("k".repeat(1024)).build().unwrap();
}

#[tokio::test]
async fn plain_http_is_refused_before_any_request() {
    let mock = mock();
    let http_url = mock.base_url().replacen("https://", "http://", 1);
    let err = builder(&mock).base_url(http_url).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("https://"), "{err}");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn the_documented_defaults_hold() {
    let (mock, _) = seeded();
    let client = builder(&mock).build().unwrap();
    assert_eq!(
        client.config().timeout(),
        std::time::Duration::from_secs(60)
    );
    let limit = 10 * 1024 * 1024;
    assert_eq!(client.config().max_upload_bytes(), limit);
    // 10 MiB of image data and the JPEG header: over the limit, from a path and as bytes.
    let over = std::env::temp_dir().join(format!("argos-over-{}.jpg", std::process::id()));
    std::fs::write(&over, jpeg_of_len(limit as usize + 1)).unwrap();
    let by_path = FaceImage::Path(over.clone());
    for image in [by_path, jpeg_of_len(limit as usize + 1).into()] {
        let err = client
            .face_auth()
            .submit(SubmitRequest::new("sub0000000001", image))
            .await
            .unwrap_err();
        assert_validation(err, "max_upload_bytes");
    }
    std::fs::remove_file(over).unwrap();
    assert_eq!(mock.total_requests(), 0);
}

/// A JPEG (by its magic bytes) of exactly `len` bytes.
fn jpeg_of_len(len: usize) -> Vec<u8> {
    let mut bytes = jpeg(1);
    bytes.resize(len, 1);
    bytes
}

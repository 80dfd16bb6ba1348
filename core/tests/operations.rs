//! Every operation against the mock over real TLS.

mod common;

use argos_addon::{ErrorKind, FaceImage, ListParams, SubmitRequest};
use argos_addon_mock::{ForcedVerdict, ImageEncoding, ListShape, SeedRecord};
use chrono::{TimeZone, Utc};
use common::*;
use futures_util::TryStreamExt;

#[tokio::test]
async fn submit_same_face_is_approved_with_scores() {
    let (mock, client) = seeded();
    let result = client
        .face_auth()
        .submit(
            SubmitRequest::new("sub0000000001", jpeg(1))
                .user_id("user-42")
                .cf1("a")
                .cf2("b")
                .cf3("c"),
        )
        .await
        .unwrap();
    assert!(result.approved);
    assert_eq!(result.auth_status, "approved");
    let similarity = result.score.face_similarity_score.unwrap();
    assert!((99.0..100.0).contains(&similarity), "{similarity}");
    assert!(result.fail_codes.is_empty());
    assert!(result.create_time.is_some());
    assert_eq!(
        result.raw["authentication_id"],
        result.authentication_id.as_str()
    );

    let sent = mock.requests().pop().unwrap();
    let field = |name: &str| sent.form.iter().find(|p| p.name == name).unwrap().clone();
    assert_eq!(field("submissionId").text.as_deref(), Some("sub0000000001"));
    assert_eq!(field("userId").text.as_deref(), Some("user-42"));
    assert_eq!(field("cf3").text.as_deref(), Some("c"));
    let image = field("faceImage");
    assert_eq!(image.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(image.file_name.as_deref(), Some("face.jpg"));
    assert_eq!(image.len, jpeg(1).len());
    let agent = sent
        .headers
        .iter()
        .find(|(k, _)| k == "user-agent")
        .unwrap();
    assert!(agent.1.starts_with("argos-addon/"), "{agent:?}");
}

#[tokio::test]
async fn another_face_is_a_rejected_result_not_an_error() {
    let (_mock, client) = seeded();
    let result = submit(&client, "sub0000000001", png(2)).await.unwrap();
    assert!(!result.approved);
    assert_eq!(result.auth_status, "rejected");
    assert_eq!(result.fail_codes, ["face_compare_underscore"]);
    assert_eq!(
        result.rejected_comments,
        ["Face compare similarity score is lower than the threshold"]
    );
    assert!(result.score.face_similarity_score.unwrap() < 85.0);
}

#[tokio::test]
async fn forced_verdicts_and_failure_codes_pass_through() {
    let (mock, client) = seeded();
    mock.force_next_verdict(ForcedVerdict {
        status: None,
        score: Some(97.0),
        fail_codes: vec!["Face_Occluded_fail".into(), "Liveness_new_fail".into()],
    });
    let result = submit_selfie(&client).await.unwrap();
    assert_eq!(result.auth_status, "rejected");
    assert_eq!(
        result.fail_codes,
        ["Face_Occluded_fail", "Liveness_new_fail"]
    );
    assert_eq!(result.rejected_comments[0], "Face is occluded");
    assert!(result.score.occluded_score.is_some());
}

#[tokio::test]
async fn submit_streams_a_file_path() {
    let (mock, client) = seeded();
    let dir = std::env::temp_dir().join(format!("argos-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("selfie.jpeg");
    std::fs::write(&path, jpeg(1)).unwrap();
    let result = submit(&client, "sub0000000001", FaceImage::Path(path.clone()))
        .await
        .unwrap();
    // The mock approves only the bytes seeded for the submission: the file's content arrived.
    assert!(result.approved);
    let sent = mock.requests().pop().unwrap();
    let image = sent.form.iter().find(|p| p.name == "faceImage").unwrap();
    assert_eq!(image.file_name.as_deref(), Some("selfie.jpeg"));
    assert_eq!(image.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(image.len, jpeg(1).len());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn unknown_and_unapproved_submissions_are_typed_errors() {
    let (mock, client) = seeded();
    mock.add_submission("sub-pending", "pending", Some(jpeg(3)));
    let missing = submit(&client, "no-such-submission", jpeg(1))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.status(), Some(400));
    let pending = submit(&client, "sub-pending", jpeg(3)).await.unwrap_err();
    assert_eq!(pending.kind(), ErrorKind::BadRequest);
    assert_eq!(pending.code(), Some("submission_not_approved"));
    assert!(pending.trace_id().is_some());
    assert!(pending.request_id().is_some());
}

#[tokio::test]
async fn get_in_both_shapes() {
    let (mock, client) = seeded();
    let submitted = submit_selfie(&client).await.unwrap();
    let id = &submitted.authentication_id;
    for shape in [ListShape::Wrapper, ListShape::Bare] {
        mock.set_list_shape(shape);
        let record = client.face_auth().get(id).await.unwrap();
        assert_eq!(record.auth_id, submitted.authentication_id);
        assert!(record.approved);
        assert_eq!(record.kyc_submission_id.as_deref(), Some("sub0000000001"));
        assert_eq!(record.create_time, submitted.create_time);
        assert!(!record.deleted);
        let policy = record.policy.unwrap();
        assert_eq!(policy.face_similarity_threshold, Some(85.0));
        assert_eq!(policy.occluded_threshold, Some(false));
    }
    let sent = mock.requests().pop().unwrap();
    assert_eq!(
        sent.query,
        [("authId".to_owned(), submitted.authentication_id.clone())]
    );
}

#[tokio::test]
async fn get_of_an_unknown_id_is_not_found() {
    let (_mock, client) = seeded();
    let err = client.face_auth().get("nope").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("NOT_FOUND"));
}

fn seed_records(mock: &argos_addon_mock::MockServer, n: i64) {
    let start = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    for i in 0..n {
        mock.add_record(SeedRecord {
            auth_id: Some(format!("rec{i:04}")),
            auth_status: if i % 3 == 0 { "rejected" } else { "approved" }.into(),
            create_time: start + chrono::Duration::hours(i * 7),
            submission_id: "sub0000000001".into(),
            image: Some(jpeg(i as u8)),
        });
    }
}

#[tokio::test]
async fn a_listing_in_the_bare_shape_is_one_page_without_a_cursor() {
    // The older documented shape: a bare array of records, with no nextPage_key to go on with.
    let (mock, client) = seeded();
    seed_records(&mock, 5);
    mock.set_list_shape(ListShape::Bare);
    let page = client
        .face_auth()
        .list_page(&ListParams::new().count(2))
        .await
        .unwrap();
    let ids: Vec<_> = page.records.iter().map(|r| r.auth_id.as_str()).collect();
    assert_eq!((ids, page.next_key), (vec!["rec0004", "rec0003"], None));
    mock.reset_counts();
    let all: Vec<_> = client
        .face_auth()
        .list(ListParams::new().count(2))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.auth_id.as_str()).collect();
    assert_eq!(ids, ["rec0004", "rec0003"]);
    assert_eq!(mock.request_count("GET", "/faceauth"), 1);
}

#[tokio::test]
async fn list_follows_next_page_key_over_many_pages() {
    let (mock, client) = seeded();
    seed_records(&mock, 11);
    let first = client
        .face_auth()
        .list_page(&ListParams::new().count(4))
        .await
        .unwrap();
    assert_eq!(first.records.len(), 4);
    assert_eq!(first.records[0].auth_id, "rec0010", "newest first");
    let key = first.next_key.clone().unwrap();
    let second = client
        .face_auth()
        .list_page(&ListParams::new().count(4).next_key(key))
        .await
        .unwrap();
    assert_eq!(second.records[0].auth_id, "rec0006");

    mock.reset_counts();
    let all: Vec<_> = client
        .face_auth()
        .list(ListParams::new().count(4))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.auth_id.as_str()).collect();
    let expected: Vec<_> = (0..11).rev().map(|i| format!("rec{i:04}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(mock.request_count("GET", "/faceauth"), 3);
    let last = mock.requests().pop().unwrap();
    let q = |k: &str| {
        last.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(q("count").as_deref(), Some("4"));
    assert_eq!(q("nextKey_id").as_deref(), Some("rec0003"));
    assert!(
        q("nextKey_date")
            .unwrap()
            .starts_with("2024-03-01T21:00:00")
    );
}

#[tokio::test]
async fn list_filters_by_date_range() {
    let (mock, client) = seeded();
    seed_records(&mock, 11); // every 7 hours from 2024-03-01T00:00
    let page = client
        .face_auth()
        .list_page(&ListParams::new().dates("2024-03-02", "2024-03-02"))
        .await
        .unwrap();
    let ids: Vec<_> = page.records.iter().map(|r| r.auth_id.as_str()).collect();
    assert_eq!(ids, ["rec0006", "rec0005", "rec0004"]);
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let page = client
        .face_auth()
        .list_page(&ListParams::new().dates(day, day))
        .await
        .unwrap();
    assert_eq!(page.records.len(), 4);
    assert!(page.next_key.is_none());
}

#[tokio::test]
async fn image_in_each_encoding() {
    let (mock, client) = seeded();
    let result = submit_selfie(&client).await.unwrap();
    let id = &result.authentication_id;
    for encoding in [
        ImageEncoding::Raw,
        ImageEncoding::JsonString,
        ImageEncoding::DataUri,
    ] {
        mock.set_image_encoding(encoding);
        let image = client.face_auth().image(id).await.unwrap();
        assert_eq!(image.as_ref(), jpeg(1).as_slice(), "{encoding:?}");
    }
}

#[tokio::test]
async fn delete_keeps_the_record_marked_deleted_and_drops_the_image() {
    let (_mock, client) = seeded();
    let result = submit_selfie(&client).await.unwrap();
    let id = &result.authentication_id;
    client.face_auth().delete(id).await.unwrap();
    let record = client.face_auth().get(id).await.unwrap();
    assert!(record.deleted);
    assert_eq!(record.auth_status, "approved");
    assert_eq!(record.create_time, result.create_time);
    let err = client.face_auth().image(id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = client
        .face_auth()
        .delete("never-existed")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn face_auth_url_uses_the_client_key() {
    let (mock, client) = seeded();
    let url = client
        .face_auth_url(&argos_addon::FaceAuthUrlParams {
            project_id: mock.project_id().into(),
            submission_id: "sub0000000001".into(),
            user_id: Some("user-42".into()),
            ..Default::default()
        })
        .unwrap();
    let encrypted = url.split("&encrypted=").nth(1).unwrap();
    let encrypted = percent_decode(encrypted);
    let params = argos_addon::decrypt_query(&encrypted, mock.api_key()).unwrap();
    assert_eq!(params["sid"], "sub0000000001");
    assert_eq!(params["authUserId"], "user-42");
    assert!(url.starts_with(&format!(
        "https://form.argosidentity.com/face-auth?pid={}&encrypted=",
        mock.project_id()
    )));
}

fn percent_decode(s: &str) -> String {
    s.replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=")
}

#[tokio::test]
async fn an_unreadable_2xx_body_is_invalid_response() {
    let (mock, _) = seeded();
    let client = builder(&mock).max_retries(0).build().unwrap();
    let fa = client.face_auth();
    for (path, body) in [
        ("/faceauth", "<html>oops</html>"),
        ("/faceauth", r#"{"data": 5}"#),
        ("/faceauth/image", "not base64 !!"),
    ] {
        mock.inject_fault(argos_addon_mock::Fault::status(200, body).on("GET", path));
        let err = match (path, body.starts_with('{')) {
            ("/faceauth/image", _) => fa.image("a").await.unwrap_err(),
            (_, true) => fa.list_page(&ListParams::new()).await.unwrap_err(),
            _ => fa.get("a").await.unwrap_err(),
        };
        assert_eq!(err.kind(), ErrorKind::Status, "{err}");
        assert_eq!(
            (err.status(), err.code(), err.body()),
            (Some(200), Some("invalid_response"), Some(body))
        );
    }
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);
    assert_eq!(mock.request_count("GET", "/faceauth/image"), 1);
}

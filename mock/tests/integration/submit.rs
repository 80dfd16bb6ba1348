//! `POST /v3/faceauth`.

use argos_addon_mock::ForcedVerdict;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::support::{OTHER_FACE, SELFIE, assert_traced_error, face_form, json, keys, start};

#[tokio::test]
async fn matching_selfie_is_approved() {
    let h = start();
    let response = h
        .post_form(face_form("sub-ok", SELFIE))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("x-amzn-requestid"));
    assert_eq!(
        response.version(),
        reqwest::Version::HTTP_11,
        "ALPN picks HTTP/1.1"
    );
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        keys(&body),
        ["authentication_id", "auth_status", "create_time", "score"]
    );
    let auth_id = body["authentication_id"].as_str().unwrap();
    assert_eq!(auth_id.len(), 16);
    assert!(
        auth_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(body["auth_status"], "approved");
    let create_time = body["create_time"].as_str().unwrap();
    assert_eq!(
        (create_time.len(), &create_time[23..]),
        (24, "Z"),
        "{create_time}"
    );
    let score = body["score"]["face_similarity_score"].as_f64().unwrap();
    assert!((99.0..=99.9).contains(&score));
    let (_, again) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(again["score"], body["score"], "scores are deterministic");
}

#[tokio::test]
async fn other_face_is_rejected_below_threshold() {
    let h = start();
    let (status, body) = h.submit("sub-ok", OTHER_FACE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        keys(&body),
        [
            "authentication_id",
            "auth_status",
            "create_time",
            "score",
            "fail_code",
            "rejected_comment"
        ]
    );
    assert_eq!(body["auth_status"], "rejected");
    assert!(body["score"]["face_similarity_score"].as_f64().unwrap() < 85.0);
    assert_eq!(
        body["fail_code"],
        serde_json::json!(["face_compare_underscore"])
    );
    assert_eq!(
        body["rejected_comment"],
        serde_json::json!(["Face compare similarity score is lower than the threshold"])
    );
}

#[tokio::test]
async fn create_times_strictly_increase() {
    let h = start();
    let mut times = Vec::new();
    for _ in 0..5 {
        let (_, body) = h.submit("sub-ok", SELFIE).await;
        times.push(body["create_time"].as_str().unwrap().to_owned());
    }
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}

#[tokio::test]
async fn optional_fields_are_stored() {
    let h = start();
    let form = face_form("sub-ok", SELFIE)
        .text("userId", "user-7")
        .text("cf1", "one")
        .text("cf2", "two")
        .text("cf3", "three");
    let (_, body) = json(h.post_form(form).send().await.unwrap()).await;
    let record = h
        .server
        .record(body["authentication_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(record.user_id.as_deref(), Some("user-7"));
    let custom = [
        record.cf1.as_deref(),
        record.cf2.as_deref(),
        record.cf3.as_deref(),
    ];
    assert_eq!(custom, [Some("one"), Some("two"), Some("three")]);
    assert_eq!(record.kyc_submission_id, "sub-ok");
    assert_eq!(record.submit_type, "api");
    assert_eq!(record.image.as_deref(), Some(SELFIE));
    assert_eq!(record.scores[0].0, "face_similarity_score");
}

#[tokio::test]
async fn forced_verdicts_apply_in_order_to_successful_posts() {
    let h = start();
    h.server.force_next_verdict(ForcedVerdict {
        fail_codes: vec!["Face_Occluded_fail".into(), "Head_cover_fail".into()],
        ..ForcedVerdict::default()
    });
    h.server.force_next_verdict(ForcedVerdict {
        status: Some("approved".into()),
        score: Some(88.8),
        fail_codes: Vec::new(),
    });
    // A failed POST does not use up a forced verdict.
    let (status, _) = h.submit("sub-missing", SELFIE).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, first) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(first["auth_status"], "rejected");
    assert_eq!(
        keys(&first["score"]),
        [
            "face_similarity_score",
            "occluded_score",
            "head_cover_score"
        ]
    );
    assert_eq!(first["score"]["occluded_score"], 12.5);
    assert_eq!(
        first["rejected_comment"],
        serde_json::json!([
            "Face is occluded",
            "Protection equipment is not found on Head"
        ])
    );
    let (_, second) = h.submit("sub-ok", OTHER_FACE).await;
    assert_eq!(second["auth_status"], "approved");
    assert_eq!(second["score"]["face_similarity_score"], 88.8);
    assert!(second.get("fail_code").is_none());
    let (_, third) = h.submit("sub-ok", OTHER_FACE).await;
    assert_eq!(third["auth_status"], "rejected", "the queue is empty again");
}

#[tokio::test]
async fn unparsable_bodies_are_invalid_data_format() {
    let h = start();
    let json_body = h
        .request(reqwest::Method::POST, "/faceauth")
        .header("content-type", "application/json")
        .body(r#"{"submissionId":"sub-ok"}"#);
    let broken = h
        .request(reqwest::Method::POST, "/faceauth")
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\nContent-Disposition: form-data; name=\"submissionId\"\r\n\r\nsub");
    for request in [json_body, broken] {
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_traced_error(
            status,
            &body,
            "invalid_data_format",
            "Data parsing error. Please check input data.",
        );
    }
}

#[tokio::test]
async fn missing_fields_are_reported() {
    let h = start();
    let image = || Part::bytes(SELFIE.to_vec()).file_name("a.jpg");
    let forms = [
        Form::new().part("faceImage", image()),
        Form::new()
            .text("submissionId", "")
            .part("faceImage", image()),
        Form::new().text("submissionId", "sub-ok"),
        Form::new()
            .text("submissionId", "sub-ok")
            .part("faceImage", Part::bytes(Vec::new()).file_name("a.jpg")),
        // A text field is not an uploaded file.
        Form::new()
            .text("submissionId", "sub-ok")
            .text("faceImage", "abc"),
    ];
    for form in forms {
        let (status, body) = json(h.post_form(form).send().await.unwrap()).await;
        assert_traced_error(
            status,
            &body,
            "required_field_missing",
            "Required field is missing",
        );
    }
}

#[tokio::test]
async fn submission_must_exist_and_be_approved() {
    let h = start();
    let (status, body) = h.submit("sub-unknown", SELFIE).await;
    assert_traced_error(
        status,
        &body,
        "submission_not_found",
        "Cannot find submission. Please check input data.",
    );
    for state in ["pending", "rejected"] {
        h.server
            .add_submission("sub-x", state, Some(SELFIE.to_vec()));
        let (status, body) = h.submit("sub-x", SELFIE).await;
        assert_traced_error(
            status,
            &body,
            "submission_not_approved",
            "Submission is not approved",
        );
    }
    h.server.add_submission("sub-x", "approved", None);
    let (status, body) = h.submit("sub-x", SELFIE).await;
    assert_eq!(
        (status, body["auth_status"].as_str()),
        (StatusCode::OK, Some("rejected"))
    );
}

//! `DELETE /v3/faceauth`.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{json, keys, start, with_query};

#[tokio::test]
async fn delete_erases_personal_data_and_is_idempotent() {
    let h = start();
    let form = crate::support::face_form("sub-ok", crate::support::SELFIE).text("userId", "u-1");
    let (_, created) = json(h.post_form(form).send().await.unwrap()).await;
    let auth_id = created["authentication_id"].as_str().unwrap();

    for _ in 0..2 {
        let request = h.delete(&with_query("/faceauth", &[("authId", auth_id)]));
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"message": "success"}))
        );
    }

    let (_, listed) = json(h.get("/faceauth").send().await.unwrap()).await;
    let record = &listed[0]["data"][0];
    assert_eq!(
        keys(record),
        ["auth_id", "auth_status", "create_time", "delete_check"]
    );
    assert_eq!(record["auth_id"], created["authentication_id"]);
    assert_eq!(record["auth_status"], created["auth_status"]);
    assert_eq!(record["create_time"], created["create_time"]);
    assert_eq!(record["delete_check"], true);

    let stored = h.server.record(auth_id).unwrap();
    assert!(stored.delete_check);
    assert_eq!((stored.image, stored.user_id), (None, None));
    assert!(stored.scores.is_empty() && stored.fail_codes.is_empty());

    let image = h.get(&with_query("/faceauth/image", &[("authId", auth_id)]));
    let (status, body) = json(image.send().await.unwrap()).await;
    assert_eq!(
        (status, &body["errorCode"]),
        (StatusCode::BAD_REQUEST, &json!("NOT_FOUND"))
    );
}

#[tokio::test]
async fn delete_errors_carry_only_an_error_code() {
    let h = start();
    let (status, body) = json(h.delete("/faceauth").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"errorCode": "required key is missing"}));
    let unknown = h.delete(&with_query("/faceauth", &[("authId", "nope")]));
    let (status, body) = json(unknown.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"errorCode": "Cannot find submission. Please check input data."})
    );
}

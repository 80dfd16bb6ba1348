//! `GET /v3/faceauth`.

use argos_addon_mock::{ListShape, MockOptions, SeedRecord};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Harness, assert_traced_error, keys, start, start_with};

fn seed(h: &Harness, auth_id: &str, create_time: &str) {
    h.server.add_record(SeedRecord {
        auth_id: Some(auth_id.into()),
        auth_status: "approved".into(),
        create_time: create_time.parse().unwrap(),
        submission_id: "sub-ok".into(),
        image: None,
    });
}

fn ids(records: &Value) -> Vec<&str> {
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["auth_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn wrapper_pages_follow_the_cursor() {
    let h = start();
    let base: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
    for i in 0..7 {
        let time = base + TimeDelta::minutes(i);
        seed(&h, &format!("auth-{i}"), &time.to_rfc3339());
    }
    let mut pages = Vec::new();
    let mut cursor: Option<(String, String)> = None;
    loop {
        let mut query = vec![("count", "3")];
        if let Some((id, date)) = &cursor {
            query.extend([("nextKey_id", id.as_str()), ("nextKey_date", date.as_str())]);
        }
        let (status, body) = h.list(&query).await;
        assert_eq!(status, StatusCode::OK);
        let wrapper = &body[0];
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(wrapper["faceAuth_projectId"], h.server.project_id());
        pages.push(ids(&wrapper["data"]).join(","));
        let Some(next) = wrapper.get("nextPage_key") else {
            assert_eq!(keys(wrapper), ["faceAuth_projectId", "data"]);
            break;
        };
        assert_eq!(
            keys(wrapper),
            ["faceAuth_projectId", "data", "nextPage_key"]
        );
        assert_eq!(keys(next), ["authId", "createTime"]);
        let last = wrapper["data"].as_array().unwrap().last().unwrap();
        assert_eq!(next["authId"], last["auth_id"]);
        assert_eq!(next["createTime"], last["create_time"]);
        cursor = Some((
            next["authId"].as_str().unwrap().to_owned(),
            next["createTime"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        pages,
        ["auth-6,auth-5,auth-4", "auth-3,auth-2,auth-1", "auth-0"]
    );
}

#[tokio::test]
async fn records_have_documented_fields() {
    let h = start_with(MockOptions {
        project_id: Some("proj000001".into()),
        similarity_threshold: 70.0,
        ..MockOptions::default()
    });
    let auth_id = h.approved_auth().await;
    let (_, body) = h.list(&[]).await;
    assert_eq!(body[0]["faceAuth_projectId"], "proj000001");
    let record = &body[0]["data"][0];
    assert_eq!(
        keys(record),
        [
            "policy",
            "auth_id",
            "auth_status",
            "create_time",
            "submit_type",
            "kyc_submission_id",
            "delete_check"
        ]
    );
    assert_eq!(
        record["policy"].to_string(),
        r#"{"faceSimilarity_threshold":70,"occluded_threshold":false,"faceCover_threshold":0,"headCover_threshold":0,"liveness_threshold":0,"activeLiveness_threshold":0}"#
    );
    assert_eq!(record["auth_id"], auth_id.as_str());
    assert_eq!(record["submit_type"], "api");
    assert_eq!(record["kyc_submission_id"], "sub-ok");
    assert_eq!(record["delete_check"], false);
}

#[tokio::test]
async fn newest_posts_come_first() {
    let h = start();
    let first = h.approved_auth().await;
    let second = h.approved_auth().await;
    let (_, body) = h.list(&[]).await;
    assert_eq!(ids(&body[0]["data"]), [second.as_str(), first.as_str()]);
}

#[tokio::test]
async fn bare_shape_is_a_plain_page() {
    let h = start();
    for (id, time) in [
        ("a", "2026-01-01T00:00:00Z"),
        ("b", "2026-01-02T00:00:00Z"),
        ("c", "2026-01-03T00:00:00Z"),
    ] {
        seed(&h, id, time);
    }
    h.server.set_list_shape(ListShape::Bare);
    let (status, body) = h.list(&[("count", "2")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["c", "b"]);
    assert_eq!(keys(&body[0])[0], "policy");
    h.server.set_list_shape(ListShape::Wrapper);
    let (_, body) = h.list(&[("count", "2")]).await;
    assert_eq!(ids(&body[0]["data"]), ["c", "b"]);
}

#[tokio::test]
async fn date_filter_is_inclusive_utc_days() {
    let h = start();
    seed(&h, "before", "2026-05-01T23:59:59.999Z");
    seed(&h, "first-day", "2026-05-02T00:00:00Z");
    seed(&h, "last-day", "2026-05-04T23:59:59.999Z");
    seed(&h, "after", "2026-05-05T00:00:00Z");
    let (_, body) = h
        .list(&[("startDate", "2026-05-02"), ("endDate", "2026-05-04")])
        .await;
    assert_eq!(ids(&body[0]["data"]), ["last-day", "first-day"]);
    let (_, body) = h
        .list(&[("startDate", "2026-05-06"), ("endDate", "2026-05-01")])
        .await;
    assert_eq!(ids(&body[0]["data"]), Vec::<&str>::new());
}

#[tokio::test]
async fn auth_id_selects_one_record_or_none() {
    let h = start();
    seed(&h, "wanted", "2026-01-01T00:00:00Z");
    seed(&h, "other", "2026-01-02T00:00:00Z");
    for name in ["authId", "auth_id"] {
        let (status, body) = h.list(&[(name, "wanted"), ("count", "0")]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(&body[0]["data"]), ["wanted"]);
        assert!(body[0].get("nextPage_key").is_none());
    }
    let (status, body) = h.list(&[("authId", "missing")]).await;
    assert_eq!((status, ids(&body[0]["data"]).len()), (StatusCode::OK, 0));
}

#[tokio::test]
async fn bad_parameters_are_invalid_parameter() {
    let h = start();
    for query in [
        &[("count", "0")][..],
        &[("count", "2001")],
        &[("count", "many")],
        &[("startDate", "2026-01-01")],
        &[("endDate", "2026-01-01")],
        &[("startDate", "2026/01/01"), ("endDate", "2026-01-02")],
        &[("startDate", "2026-01-01"), ("endDate", "2026-13-01")],
    ] {
        let (status, body) = h.list(query).await;
        assert_traced_error(
            status,
            &body,
            "invalid_parameter",
            "Invalid Query String parameters",
        );
    }
    let (status, _) = h.list(&[("count", "2000")]).await;
    assert_eq!(status, StatusCode::OK);
}

//! Request counters and the recorded request log.

use argos_addon_mock::{DEFAULT_REQUEST_LOG_LIMIT, FormPart, MockOptions};
use reqwest::multipart::Part;

use crate::support::{SELFIE, face_form, start, start_with, with_query};

#[tokio::test]
async fn counts_every_arrival_per_route() {
    let h = start();
    h.approved_auth().await;
    h.submit("sub-missing", SELFIE).await;
    h.get("/faceauth").send().await.unwrap();
    h.get("/faceauth/image").send().await.unwrap();
    h.client.get(h.url("/faceauth")).send().await.unwrap();
    h.get("/elsewhere").send().await.unwrap();

    let server = &h.server;
    assert_eq!(server.request_count("POST", "/faceauth"), 2);
    assert_eq!(server.request_count("get", "/faceauth"), 2);
    assert_eq!(server.request_count("GET", "/faceauth/image"), 1);
    assert_eq!(server.request_count("GET", "/elsewhere"), 1);
    assert_eq!(server.request_count("DELETE", "/faceauth"), 0);
    assert_eq!(server.total_requests(), 6);

    server.reset_counts();
    assert_eq!(
        (
            server.total_requests(),
            server.request_count("POST", "/faceauth")
        ),
        (0, 0)
    );
    assert!(server.requests().is_empty());
    h.get("/faceauth").send().await.unwrap();
    assert_eq!(server.total_requests(), 1);
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_redacted_keys() {
    let h = start();
    h.get(&with_query(
        "/faceauth",
        &[("startDate", "2026-01-01"), ("endDate", "2026 01 02")],
    ))
    .header("user-agent", "argos-test")
    .send()
    .await
    .unwrap();
    let form = face_form("sub-ok", SELFIE)
        .text("cf1", "custom")
        .part("extra", Part::bytes(vec![1, 2, 3]).file_name("x.bin"));
    h.post_form(form).send().await.unwrap();

    let requests = h.server.requests();
    assert_eq!(requests.len(), 2);
    let get = &requests[0];
    assert_eq!(
        (get.method.as_str(), get.path.as_str()),
        ("GET", "/faceauth")
    );
    assert_eq!(
        get.query,
        [
            ("startDate".to_owned(), "2026-01-01".to_owned()),
            ("endDate".to_owned(), "2026 01 02".to_owned()),
        ]
    );
    let header = |name: &str| {
        get.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-api-key"), Some("<redacted>"));
    assert_eq!(header("user-agent"), Some("argos-test"));
    assert_eq!((get.body_len, get.form.len()), (0, 0));

    let post = &requests[1];
    assert_eq!(post.method, "POST");
    assert!(post.body_len > SELFIE.len());
    assert_eq!(
        post.form,
        [
            text_part("submissionId", "sub-ok"),
            file_part("faceImage", "selfie.jpg", Some("image/jpeg"), SELFIE.len()),
            text_part("cf1", "custom"),
            file_part("extra", "x.bin", None, 3),
        ]
    );
}

#[tokio::test]
async fn the_log_keeps_the_last_requests_and_counts_the_others() {
    assert_eq!(
        MockOptions::default().request_log_limit,
        DEFAULT_REQUEST_LOG_LIMIT
    );
    let h = start_with(MockOptions {
        request_log_limit: 5,
        ..MockOptions::default()
    });
    for n in 0..12 {
        let n = n.to_string();
        h.get(&with_query("/faceauth", &[("n", &n)]))
            .send()
            .await
            .unwrap();
    }
    let log = h.server.request_log();
    let held: Vec<&str> = log.requests.iter().map(|r| r.query[0].1.as_str()).collect();
    assert_eq!(held, ["7", "8", "9", "10", "11"]);
    assert_eq!(log.dropped, 7);
    assert_eq!(h.server.requests(), log.requests);
    assert_eq!(h.server.dropped_requests(), 7);
    assert_eq!(h.server.total_requests(), 12, "counts are not bounded");

    h.server.reset_counts();
    assert_eq!(
        (h.server.requests().len(), h.server.dropped_requests()),
        (0, 0)
    );
    h.get("/faceauth").send().await.unwrap();
    assert_eq!(
        (h.server.requests().len(), h.server.dropped_requests()),
        (1, 0)
    );
}

/// A recorded text field: its length is the text's.
fn text_part(name: &str, text: &str) -> FormPart {
    FormPart {
        name: name.into(),
        file_name: None,
        content_type: None,
        len: text.len(),
        text: Some(text.into()),
    }
}

/// A recorded file of `len` bytes.
fn file_part(name: &str, file_name: &str, content_type: Option<&str>, len: usize) -> FormPart {
    FormPart {
        name: name.into(),
        file_name: Some(file_name.into()),
        content_type: content_type.map(Into::into),
        len,
        text: None,
    }
}

#[tokio::test]
async fn bench_mode_counts_but_keeps_nothing() {
    let h = start();
    h.server.set_bench(true);
    let (status, body) = h.submit("sub-ok", SELFIE).await;
    assert_eq!(status, 200);
    let auth_id = body["authentication_id"].as_str().unwrap().to_owned();
    assert!(
        h.server.record(&auth_id).is_none(),
        "submits are not stored"
    );

    let (status, body) = h.list(&[("authId", "any-id")]).await;
    assert_eq!(status, 200);
    let record = &body[0]["data"][0];
    assert_eq!(
        (record["auth_id"].as_str(), record["auth_status"].as_str()),
        (Some("any-id"), Some("approved"))
    );

    assert_eq!(h.server.request_count("POST", "/faceauth"), 1);
    assert_eq!(h.server.total_requests(), 2);
    assert!(h.server.requests().is_empty(), "nothing is recorded");
}

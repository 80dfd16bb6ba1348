//! The transport-safety matrix: every misbehaviour of `argos-addon-hostile` ends in the
//! documented error within `timeout` + 1 s, the key never leaves its origin, the client stays
//! usable, and the connection is let go.

mod common;

use std::time::{Duration, Instant};

use argos_addon::{Client, Error, ErrorKind, SubmitRequest};
use argos_addon_hostile::{HostileServer, Scenario};
use common::{hostile, hostile_builder};

const TIMEOUT: Duration = Duration::from_secs(2);

fn client(server: &HostileServer, base_url: &str) -> Client {
    hostile_builder(server, base_url)
        .timeout(TIMEOUT)
        .max_retries(0)
        .build()
        .expect("client builds")
}

/// A started server and a client of its base URL.
fn start() -> (HostileServer, Client) {
    let server = HostileServer::start().expect("hostile server starts");
    let client = client(&server, &server.base_url());
    (server, client)
}

/// Plays `scenario` through `get`, checks the error's kind and code, then that the same client
/// still works and that the server sees no connection left open.
async fn fails_with(scenario: Scenario, kind: ErrorKind, code: Option<&str>) -> Error {
    let (server, client) = start();
    let started = Instant::now();
    let err = client
        .face_auth()
        .get(scenario.name())
        .await
        .expect_err("a hostile answer is an error");
    let elapsed = started.elapsed();
    assert!(
        elapsed < TIMEOUT + Duration::from_secs(1),
        "{scenario:?} took {elapsed:?}"
    );
    assert_eq!(err.kind(), kind, "{scenario:?}: {err}");
    assert_eq!(err.code(), code, "{scenario:?}: {err}");
    still_healthy(&server, &client).await;
    err
}

/// [`fails_with`] for a redirect, which is never followed.
async fn refuses_redirect(scenario: Scenario) -> Error {
    fails_with(scenario, ErrorKind::Status, Some("redirect")).await
}

async fn still_healthy(server: &HostileServer, client: &Client) {
    let record = client
        .face_auth()
        .get("ok")
        .await
        .expect("a normal call works");
    assert_eq!(record.auth_id, "ok");
    let deadline = Instant::now() + Duration::from_secs(3);
    while server.stats().open_connections > 0 {
        assert!(
            Instant::now() < deadline,
            "connections left open: {:?}",
            server.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_cross_origin_redirect_is_an_error_and_the_key_stays_home() {
    let err = refuses_redirect(Scenario::RedirectCrossOrigin).await;
    assert_eq!(err.status(), Some(302));
    assert!(err.message().contains("https://127.0.0.1:"), "{err}");
    assert!(
        !err.to_string().contains("secret"),
        "the Location's query is left out: {err}"
    );
}

#[tokio::test]
async fn a_redirected_submit_sends_nothing_to_the_other_origin() {
    let server = HostileServer::start().unwrap();
    let client = client(&server, &server.scenario_url(Scenario::RedirectCrossOrigin));
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 1, 2, 3,
    ];
    let err = client
        .face_auth()
        .submit(SubmitRequest::new("sub-1", jpeg.to_vec()))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Status, Some("redirect"))
    );
    let stats = server.stats();
    assert_eq!(
        (stats.requests, stats.other_origin_requests),
        (1, 0),
        "{stats:?}"
    );
}

#[tokio::test]
async fn no_request_reaches_another_origin_or_plain_http() {
    let (server, client) = start();
    for scenario in [
        Scenario::RedirectCrossOrigin,
        Scenario::RedirectHttp,
        Scenario::RedirectSameOrigin,
    ] {
        let err = client.face_auth().get(scenario.name()).await.unwrap_err();
        assert_eq!(err.code(), Some("redirect"), "{scenario:?}");
    }
    let stats = server.stats();
    assert_eq!(
        stats.requests, 3,
        "each redirect answered once, none followed"
    );
    assert_eq!(stats.other_origin_requests + stats.other_origin_keys, 0);
    assert_eq!(stats.plain_connections, 0);
}

#[tokio::test]
async fn redirects_to_http_and_to_the_same_origin_are_not_followed_either() {
    let err = refuses_redirect(Scenario::RedirectHttp).await;
    assert!(err.message().contains("http://127.0.0.1:"), "{err}");
    let err = refuses_redirect(Scenario::RedirectSameOrigin).await;
    assert_eq!(err.status(), Some(307));
}

#[tokio::test]
async fn huge_2xx_bodies_stop_at_the_cap() {
    for scenario in [
        Scenario::HugeBody,
        Scenario::HugeBodyChunked,
        Scenario::HugeCloseDelimited,
    ] {
        let err = fails_with(scenario, ErrorKind::Status, Some("response_too_large")).await;
        assert_eq!(err.status(), Some(200));
        assert!(err.message().contains("max_response_bytes"), "{err}");
    }
}

#[tokio::test]
async fn a_small_cap_refuses_a_normal_body() {
    let (_server, builder) = hostile();
    let small = builder.max_response_bytes(10).build().unwrap();
    let err = small.face_auth().get("ok").await.unwrap_err();
    assert_eq!(err.code(), Some("response_too_large"));
    assert_eq!(small.config().max_response_bytes(), 10);
}

#[tokio::test]
async fn huge_error_bodies_are_read_only_in_part() {
    for scenario in [Scenario::HugeError, Scenario::HugeErrorChunked] {
        let err = fails_with(scenario, ErrorKind::InternalServer, None).await;
        assert_eq!(err.status(), Some(500));
        assert!(err.body().unwrap().len() <= argos_addon::MAX_ERROR_BODY_BYTES);
    }
}

#[tokio::test]
async fn a_port_that_never_handshakes_times_out() {
    let server = HostileServer::start().unwrap();
    let silent = client(&server, &server.silent_base_url());
    let started = Instant::now();
    let err = silent.face_auth().get("ok").await.unwrap_err();
    assert!(started.elapsed() < TIMEOUT + Duration::from_secs(1));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    still_healthy(&server, &client(&server, &server.base_url())).await;
}

/// One test per scenario that only has to end in the right error, checked by [`fails_with`]:
/// `test_name: Scenario => ErrorKind, code;`.
macro_rules! ends_in {
    ($($name:ident: $scenario:ident => $kind:ident, $code:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            fails_with(Scenario::$scenario, ErrorKind::$kind, $code).await;
        }
    )*};
}

ends_in! {
    a_slow_drip_times_out: SlowDrip => Timeout, None;
    an_endless_chunked_body_times_out: EndlessChunked => Timeout, None;
    a_stalled_tls_record_times_out: StalledTls => Timeout, None;
    a_server_that_never_answers_times_out: NoAnswer => Timeout, None;
    a_header_flood_is_refused: HeaderFlood => Connection, None;
    a_header_drip_times_out: HeaderDrip => Timeout, None;
    a_malformed_status_line_is_a_connection_error: MalformedStatusLine => Connection, None;
    a_short_content_length_leaves_an_unreadable_body:
        ShortContentLength => Status, Some("invalid_response");
    a_long_content_length_is_a_truncated_body: LongContentLength => Connection, None;
    a_connection_closed_mid_body_is_a_connection_error: ClosedMidBody => Connection, None;
}

#[tokio::test]
async fn an_http10_close_delimited_body_is_read() {
    let (server, client) = start();
    let record = client
        .face_auth()
        .get(Scenario::Http10CloseDelimited.name())
        .await
        .expect("a close-delimited body is valid HTTP/1.0");
    assert_eq!(record.auth_id, "ok");
    still_healthy(&server, &client).await;
}

//! Starting and stopping servers.

use std::time::{Duration, Instant};

use argos_addon_mock::{Fault, MockOptions, MockServer};
use reqwest::StatusCode;

use crate::support::{client_for, start};

#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MockServer>();
}

#[test]
fn starts_without_a_runtime_and_reports_its_address() {
    let server = MockServer::start(MockOptions {
        api_key: Some("key-1".into()),
        project_id: Some("pid0000001".into()),
        ..MockOptions::default()
    })
    .unwrap();
    assert_eq!(
        server.base_url(),
        format!("https://127.0.0.1:{}/v3", server.port())
    );
    assert_eq!(
        (server.api_key(), server.project_id()),
        ("key-1", "pid0000001")
    );
    assert!(
        server
            .ca_cert_pem()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    server.stop();
}

#[tokio::test]
async fn stop_releases_the_port_and_refuses_connections() {
    let h = start();
    let port = h.server.port();
    assert_eq!(
        h.get("/faceauth").send().await.unwrap().status(),
        StatusCode::OK
    );
    let url = h.url("/faceauth");
    h.server.stop();
    assert!(h.client.get(&url).send().await.is_err());
    let again = MockServer::start(MockOptions {
        port,
        ..MockOptions::default()
    })
    .unwrap();
    assert_eq!(again.port(), port);
    let client = client_for(again.ca_cert_pem());
    let response = client.get(again.base_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn drop_does_not_wait_for_long_delays() {
    let h = start();
    h.server.inject_fault(Fault::delay(Duration::from_secs(30)));
    let request = tokio::spawn(h.get("/faceauth").send());
    while h.server.total_requests() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    drop(h.server);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(request.await.unwrap().is_err());
}

#[test]
fn a_busy_port_is_an_error() {
    let first = MockServer::start(MockOptions::default()).unwrap();
    let taken = MockServer::start(MockOptions {
        port: first.port(),
        ..MockOptions::default()
    });
    assert_eq!(taken.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
}

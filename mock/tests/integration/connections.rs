//! Counting accepted connections and completed TLS handshakes.
//!
//! Every count is read after the client holds a response (or its TLS error), and the server
//! counts a connection before it answers on it, so no test waits or sleeps.

use argos_addon_mock::{MockOptions, MockServer};
use reqwest::{Client, StatusCode};

use crate::support::{Harness, client_for, start};

/// `(connection_count, handshake_count)`.
fn counts(server: &MockServer) -> (u64, u64) {
    (server.connection_count(), server.handshake_count())
}

/// A keyed `GET /faceauth` sent by `client`, its body read to the end so that the client
/// can pool the connection for the next request.
async fn list_with(h: &Harness, client: &Client) -> StatusCode {
    let response = client
        .get(h.url("/faceauth"))
        .header("x-api-key", h.server.api_key())
        .send()
        .await
        .unwrap();
    let status = response.status();
    response.bytes().await.unwrap();
    status
}

#[tokio::test]
async fn one_client_reuses_one_connection() {
    let h = start();
    assert_eq!(counts(&h.server), (0, 0));
    assert_eq!(list_with(&h, &h.client).await, StatusCode::OK);
    assert_eq!(list_with(&h, &h.client).await, StatusCode::OK);
    assert_eq!(h.server.total_requests(), 2);
    assert_eq!(counts(&h.server), (1, 1));
}

#[tokio::test]
async fn separate_clients_open_separate_connections() {
    let h = start();
    let other = client_for(h.server.ca_cert_pem());
    assert_eq!(list_with(&h, &h.client).await, StatusCode::OK);
    assert_eq!(list_with(&h, &other).await, StatusCode::OK);
    assert_eq!(counts(&h.server), (2, 2));
}

#[tokio::test]
async fn reset_counts_zeroes_the_connection_counts() {
    let h = start();
    list_with(&h, &h.client).await;
    h.server.reset_counts();
    assert_eq!(counts(&h.server), (0, 0));
    // The pooled connection is reused, so it is not counted again.
    list_with(&h, &h.client).await;
    assert_eq!(h.server.total_requests(), 1);
    assert_eq!(counts(&h.server), (0, 0));
    let other = client_for(h.server.ca_cert_pem());
    list_with(&h, &other).await;
    assert_eq!(counts(&h.server), (1, 1));
}

#[tokio::test]
async fn a_failed_handshake_counts_a_connection_only() {
    let h = start();
    // A client that trusts another mock's CA rejects this server's certificate.
    let stranger = MockServer::start(MockOptions::default()).expect("mock starts");
    let distrusting = client_for(stranger.ca_cert_pem());
    let error = distrusting
        .get(h.url("/faceauth"))
        .send()
        .await
        .expect_err("the certificate is not trusted");
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(counts(&h.server), (1, 0));
    assert_eq!(h.server.total_requests(), 0);
}

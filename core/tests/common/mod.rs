//! Shared set-up for the integration tests: a mock server and a client trusting its CA.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use argos_addon::{Client, ClientBuilder, FaceAuthResult, FaceImage, Result, SubmitRequest};
use argos_addon_hostile::HostileServer;
use argos_addon_mock::{MockOptions, MockServer};
use tokio::net::{TcpListener, TcpStream};

/// A JPEG by its magic bytes; the mock compares bytes, it never decodes them.
pub fn jpeg(tag: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend(std::iter::repeat_n(tag, 64));
    bytes
}

pub fn png(tag: u8) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend(std::iter::repeat_n(tag, 64));
    bytes
}

pub fn mock() -> MockServer {
    MockServer::start(MockOptions::default()).expect("mock starts")
}

pub fn mock_with(options: MockOptions) -> MockServer {
    MockServer::start(options).expect("mock starts")
}

pub fn builder(mock: &MockServer) -> ClientBuilder {
    Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .ca_cert_pem(mock.ca_cert_pem())
}

/// A builder for `base_url` on the hostile server, trusting its certificate.
pub fn hostile_builder(server: &HostileServer, base_url: &str) -> ClientBuilder {
    Client::builder()
        .api_key("hostile-test-key")
        .base_url(base_url)
        .ca_cert_pem(server.ca_cert_pem())
}

/// A started hostile server and a builder for its base URL.
pub fn hostile() -> (HostileServer, ClientBuilder) {
    let server = HostileServer::start().expect("hostile server starts");
    let builder = hostile_builder(&server, &server.base_url());
    (server, builder)
}

pub fn client(mock: &MockServer) -> Client {
    builder(mock).build().expect("client builds")
}

/// A client that fails fast: no retries.
pub fn client_no_retries(mock: &MockServer) -> Client {
    builder(mock).max_retries(0).build().expect("client builds")
}

/// A mock with one approved submission whose selfie is `jpeg(1)`.
pub fn seeded() -> (MockServer, Client) {
    let mock = mock();
    mock.add_submission("sub0000000001", "approved", Some(jpeg(1)));
    let client = client(&mock);
    (mock, client)
}

/// Submits `image` against `submission_id`.
pub async fn submit(
    client: &Client,
    submission_id: &str,
    image: impl Into<FaceImage>,
) -> Result<FaceAuthResult> {
    client
        .face_auth()
        .submit(SubmitRequest::new(submission_id, image))
        .await
}

/// Submits `jpeg(1)` against the seeded submission.
pub async fn submit_selfie(client: &Client) -> Result<FaceAuthResult> {
    submit(client, "sub0000000001", jpeg(1)).await
}

/// A TCP listener on a free local port that hands each connection to `serve`, with a counter
/// for `serve` to bump; returns the listener's address and that counter.
pub async fn local_listener<F, Fut>(serve: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream, Arc<AtomicUsize>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, counter.clone()));
        }
    });
    (addr, count)
}

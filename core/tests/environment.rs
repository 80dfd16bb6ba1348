//! What the client reads from the environment: `ARGOS_API_KEY`, `ARGOS_BASE_URL`, `HTTPS_PROXY`
//! and `NO_PROXY`. In a test binary of its own, since it changes the process environment.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argos_addon::{Client, ErrorKind};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The tests here change the process environment; they take turns.
static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Every proxy variable reqwest reads, in both cases: one set on the machine would otherwise
/// route these loopback tests, or send them past the proxy under test.
const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn without_proxies() {
    for name in PROXY_VARS {
        // SAFETY: the tests of this binary change the environment only under ENV_LOCK.
        unsafe { std::env::remove_var(name) };
    }
}

#[test]
fn the_key_and_base_url_come_from_the_environment() {
    let _env = ENV_LOCK.blocking_lock();
    without_proxies();
    unsafe {
        std::env::remove_var("ARGOS_API_KEY");
        std::env::remove_var("ARGOS_BASE_URL");
    }
    let err = Client::builder().build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("ARGOS_API_KEY"), "{err}");
    unsafe {
        std::env::set_var("ARGOS_API_KEY", "env-key-0001");
        std::env::set_var("ARGOS_BASE_URL", "https://example.test/v9/");
    }
    let client = Client::from_env().unwrap();
    assert_eq!(client.config().base_url(), "https://example.test/v9");
    unsafe {
        std::env::set_var("ARGOS_BASE_URL", "http://example.test/v3");
    }
    assert_eq!(
        Client::from_env().unwrap_err().kind(),
        ErrorKind::Configuration
    );
    let explicit = Client::builder()
        .base_url("https://explicit.test/v3")
        .build()
        .unwrap();
    assert_eq!(explicit.config().base_url(), "https://explicit.test/v3");
    unsafe {
        std::env::remove_var("ARGOS_API_KEY");
        std::env::remove_var("ARGOS_BASE_URL");
    }
    let default = Client::builder().api_key("k-0001").build().unwrap();
    assert_eq!(default.config().base_url(), argos_addon::DEFAULT_BASE_URL);
}

/// A minimal `CONNECT` proxy that counts tunnels.
async fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let (addr, tunnels) = common::local_listener(|socket, tunnels| async move {
        let mut client = BufReader::new(socket);
        let mut line = String::new();
        client.read_line(&mut line).await.unwrap();
        let target = line.split_whitespace().nth(1).unwrap().to_owned();
        loop {
            let mut header = String::new();
            client.read_line(&mut header).await.unwrap();
            if header == "\r\n" {
                break;
            }
        }
        let mut upstream = tokio::net::TcpStream::connect(target).await.unwrap();
        tunnels.fetch_add(1, Ordering::SeqCst);
        let mut client = client.into_inner();
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .unwrap();
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    })
    .await;
    (format!("http://{addr}"), tunnels)
}

#[tokio::test]
async fn https_proxy_and_no_proxy_are_honoured() {
    let _env = ENV_LOCK.lock().await;
    without_proxies();
    let (proxy, tunnels) = connect_proxy().await;
    let mock = common::mock();
    unsafe {
        std::env::set_var("HTTPS_PROXY", &proxy);
    }
    let via_proxy = common::client(&mock);
    via_proxy.face_auth().get("x").await.unwrap_err();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(mock.request_count("GET", "/faceauth"), 1);

    unsafe {
        std::env::set_var("NO_PROXY", "127.0.0.1");
    }
    let direct = common::client(&mock);
    direct.face_auth().get("x").await.unwrap_err();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(mock.request_count("GET", "/faceauth"), 2);
    without_proxies();
}

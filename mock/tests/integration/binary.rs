//! The `argos-mock` binary.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{SELFIE, client_for, face_form, json};

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("argos-mock-{}-{name}", std::process::id()))
}

/// Waits up to 5 s for the child to exit, killing it (and failing) otherwise.
fn wait_briefly(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return exit;
        }
        if started.elapsed() > Duration::from_secs(5) {
            child.kill().unwrap();
            panic!("argos-mock did not exit within 5 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn with_exit_with_stdin_serves_until_stdin_closes() {
    let selfie = temp_path("selfie.jpg");
    let ca = temp_path("ca.pem");
    std::fs::write(&selfie, SELFIE).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_argos-mock"))
        .args([
            "--api-key",
            "bin-key",
            "--project-id",
            "binproject",
            "--exit-with-stdin",
        ])
        .arg("--ca-out")
        .arg(&ca)
        .arg("--seed")
        .arg(format!("sub-bin:approved:{}", selfie.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<String> = stdout.lines().take(4).map(Result::unwrap).collect();
    let base_url = lines[0].strip_prefix("base_url=").unwrap().to_owned();
    assert!(base_url.starts_with("https://127.0.0.1:") && base_url.ends_with("/v3"));
    assert_eq!(lines[1..3], ["api_key=bin-key", "project_id=binproject"]);
    assert_eq!(lines[3], format!("ca_cert={}", ca.display()));

    let client = client_for(&std::fs::read_to_string(&ca).unwrap());
    let request = client
        .post(format!("{base_url}/faceauth"))
        .header("x-api-key", "bin-key")
        .multipart(face_form("sub-bin", SELFIE));
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_eq!(
        (status, body["auth_status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );

    drop(child.stdin.take());
    assert!(wait_briefly(&mut child).success());
    let _ = std::fs::remove_file(selfie);
    let _ = std::fs::remove_file(ca);
}

/// Starts the binary with `args` and `stdin`, and returns it with its base URL once it is
/// serving.
fn start(args: &[&str], stdin: Stdio) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_argos-mock"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base_url = line
        .trim()
        .strip_prefix("base_url=")
        .expect(&line)
        .to_owned();
    (child, base_url)
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_stops_the_server() {
    let (mut child, base_url) = start(&["--request-log-limit", "0"], Stdio::piped());
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    signal(&child, "-INT");
    assert!(wait_briefly(&mut child).success(), "stdin is still open");
}

/// As a script's `argos-mock &` starts it: stdin is /dev/null, and only a signal stops it.
#[test]
fn keeps_serving_without_stdin_until_sigterm() {
    let (mut child, base_url) = start(&[], Stdio::null());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it exited at end of stdin"
    );
    let port = base_url.trim_end_matches("/v3").rsplit(':').next().unwrap();
    let port: u16 = port.parse().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    signal(&child, "-TERM");
    assert!(wait_briefly(&mut child).success());
}

#[tokio::test]
async fn a_gateway_limit_of_zero_refuses_every_keyed_request() {
    let ca = temp_path("limit-ca.pem");
    let ca_arg = ca.to_str().unwrap();
    let args = [
        "--gateway-limit",
        "0",
        "--api-key",
        "bin-key",
        "--ca-out",
        ca_arg,
    ];
    let (mut child, base_url) = start(&args, Stdio::null());
    // The CA is written before the first line is printed.
    let client = client_for(&std::fs::read_to_string(&ca).unwrap());
    let response = client
        .get(format!("{base_url}/faceauth"))
        .header("x-api-key", "bin-key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "1");
    signal(&child, "-TERM");
    assert!(wait_briefly(&mut child).success());
    let _ = std::fs::remove_file(ca);
}

#[test]
fn bad_arguments_exit_with_usage() {
    for args in [
        &["--port", "http"][..],
        &["--bogus"],
        &["--seed", "no-status"],
        &["--gateway-limit", "-1"],
        &["--request-log-limit", "-1"],
        &["--api-key"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_argos-mock"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: argos-mock"));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn help_goes_to_stdout() {
    let output = Command::new(env!("CARGO_BIN_EXE_argos-mock"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let usage = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(usage.starts_with("usage: argos-mock"));
    assert!(usage.contains("[--gateway-limit N]") && usage.contains("\n--gateway-limit lets"));
    assert!(usage.contains("[--request-log-limit N]"));
}

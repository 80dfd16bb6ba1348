//! `ARGOS_LOG` prints one line per attempt to stderr, with no key and no query string.

mod common;

use std::process::Command;

use argos_addon_mock::{Fault, MockOptions};
use common::*;

const SENTINEL: &str = "SENTINELlogKey0123456789abcdefABCDEFGHIJ";
const CHILD: &str = "ARGOS_TEST_LOG_CHILD";

/// Runs in a child process (see below) so `ARGOS_LOG` is read at the first client build; not a
/// test of its own, so ignored unless the parent asks for it.
#[tokio::test]
#[ignore = "the child process of the logging tests, which run it"]
async fn child_makes_calls() {
    assert!(
        std::env::var_os(CHILD).is_some(),
        "run by the logging tests in a child process, not alone"
    );
    let mock = mock_with(MockOptions {
        api_key: Some(SENTINEL.into()),
        ..Default::default()
    });
    let client = client(&mock);
    mock.inject_fault(Fault::status(503, "busy").header("Retry-After", "0"));
    client.face_auth().get("hidden-auth-id").await.unwrap_err();
}

fn run_child(level: Option<&str>) -> std::process::Output {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_makes_calls",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env_remove("ARGOS_LOG");
    if let Some(level) = level {
        child.env("ARGOS_LOG", level);
    }
    child.output().unwrap()
}

#[test]
fn argos_log_prints_each_attempt_to_stderr() {
    for (level, retry_line) in [("info", false), ("debug", true)] {
        let out = run_child(Some(level));
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("GET /v3/faceauth -> 503 ServerError (attempt 1"),
            "{stderr}"
        );
        assert!(
            stderr.contains("GET /v3/faceauth -> 200 (attempt 2"),
            "{stderr}"
        );
        assert!(stderr.contains("request id "), "{stderr}");
        assert_eq!(
            stderr.contains("retrying in"),
            retry_line,
            "{level}: {stderr}"
        );
        assert!(!stderr.contains(SENTINEL), "key in logs: {stderr}");
        assert!(
            !stderr.contains("hidden-auth-id"),
            "query in logs: {stderr}"
        );
    }
    let quiet = run_child(None);
    assert!(quiet.status.success(), "{quiet:?}");
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("/v3/faceauth"));
}

#![no_main]
//! Non-2xx answers: `Error::from_response` on a status, a few headers and a body.
//!
//! Input: the status in decimal on the first line, `Name: value` header lines, an empty line,
//! then the body (the layout of an HTTP/1 answer, so seeds and crashes read as one).

use std::time::Duration;

use argos_addon::{Error, ErrorKind, MAX_ERROR_BODY_BYTES};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((status, headers, body)) = split(data) else {
        return;
    };
    let err = Error::from_response(status, &headers, body);
    let shown = err.to_string();
    let _ = format!("{err:?}");
    assert!(shown.starts_with(err.message()));
    assert!(err.kind().is_status());
    assert_eq!(err.status(), Some(status));
    assert!(
        expected_kinds(status).contains(&err.kind()),
        "{status} {err:?}"
    );

    let kept = err.body().expect("a status error keeps its body");
    assert!(kept.len() <= MAX_ERROR_BODY_BYTES);
    if let Ok(text) = std::str::from_utf8(body) {
        assert!(text.starts_with(kept));
        if body.len() <= MAX_ERROR_BODY_BYTES {
            assert_eq!(kept, text);
        }
    }

    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request_id = header("x-amzn-requestid").or_else(|| header("x-amz-apigw-id"));
    assert_eq!(err.request_id(), request_id);
    if headers.get("retry-after").is_none() {
        assert_eq!(err.retry_after(), None);
    }
    if let Some(secs) = header("retry-after").and_then(|v| v.trim().parse::<u32>().ok()) {
        assert_eq!(err.retry_after(), Some(Duration::from_secs(secs.into())));
    }
});

/// The kinds a status may map to; the body and headers only choose among these.
fn expected_kinds(status: u16) -> &'static [ErrorKind] {
    match status {
        400 => &[ErrorKind::BadRequest, ErrorKind::NotFound],
        401 => &[ErrorKind::Authentication],
        403 => &[ErrorKind::Authentication, ErrorKind::IpNotAllowed],
        413 => &[ErrorKind::PayloadTooLarge],
        429 => &[ErrorKind::RateLimit, ErrorKind::QuotaExceeded],
        500 => &[ErrorKind::InternalServer],
        502 => &[ErrorKind::BadGateway],
        501..=599 => &[ErrorKind::Server],
        _ => &[ErrorKind::Status],
    }
}

fn split(data: &[u8]) -> Option<(u16, HeaderMap, &[u8])> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let status = std::str::from_utf8(lines.next()?)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(line[..colon].trim_ascii());
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    Some((status, headers, body))
}

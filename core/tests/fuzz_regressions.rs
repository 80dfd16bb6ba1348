//! Inputs found by `make fuzz` (fuzz/fuzz_targets/), kept as ordinary tests.

use std::time::Duration;

use argos_addon::{Error, ErrorKind, MAX_ERROR_BODY_BYTES, NextKey, parse_date};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

/// query target: chrono read "11-\n1-\n\n10" as 0011-01-10; ten bytes passed the length check.
#[test]
fn dates_are_strictly_yyyy_mm_dd() {
    for text in [
        "11-\n1-\n\n10",
        "-023-01-01",
        "+023-01-01",
        "2023-1-01 ",
        " 2023-1-01",
    ] {
        let err = parse_date("start_date", text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{text:?}");
    }
    assert_eq!(
        parse_date("start_date", "2024-02-29").unwrap().to_string(),
        "2024-02-29"
    );
    assert!(parse_date("start_date", "2023-02-29").is_err());
}

/// error_body target: a body of invalid bytes became 3-byte replacement chars, so the kept text
/// grew to three times MAX_ERROR_BODY_BYTES.
#[test]
fn kept_error_body_is_capped_after_lossy_decoding() {
    for body in [
        vec![0xFF; MAX_ERROR_BODY_BYTES],
        vec![0xFF; 3 * MAX_ERROR_BODY_BYTES],
    ] {
        let err = Error::from_response(502, &HeaderMap::new(), &body);
        let kept = err.body().unwrap();
        assert!(kept.len() <= MAX_ERROR_BODY_BYTES, "{}", kept.len());
        assert!(kept.chars().all(|c| c == '\u{FFFD}'));
    }
}

/// error_body target: `Retry-After: 99999999999999999999` panicked in Duration::from_secs_f64.
#[test]
fn retry_after_too_large_for_a_duration_is_ignored() {
    for value in ["99999999999999999999", "1e30", "1.9e19"] {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        let err = Error::from_response(429, &headers, b"{\"message\":\"Too Many Requests\"}");
        assert_eq!(
            (err.kind(), err.retry_after()),
            (ErrorKind::RateLimit, None)
        );
    }
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
    let err = Error::from_response(429, &headers, b"");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
}

/// responses target: a page whose `nextPage_key.authId` is ~3.4 KB gave a `next_key` whose
/// token (4632 bytes) was over a 4 KiB MAX_NEXT_KEY_BYTES, so `NextKey::from_str` refused the
/// token that `Display` made.
#[test]
fn next_key_token_from_a_page_reads_back() {
    let key = NextKey {
        auth_id: "a".repeat(3400),
        create_time: "2023-08-18T15:00:00.000Z".into(),
    };
    assert_eq!(key.to_string().parse::<NextKey>().unwrap(), key);
}

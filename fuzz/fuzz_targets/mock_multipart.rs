#![no_main]
//! The mock's readers of what clients send: multipart bodies (raw, and built from parts that
//! must come back intact) and `GET /faceauth` query strings. The first byte picks the mode.

use std::sync::LazyLock;

use argos_addon_mock::FormPart;
use argos_addon_mock::fuzzing::{list_query, multipart};
use bytes::Bytes;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: LazyLock<Runtime> =
    LazyLock::new(|| Builder::new_current_thread().build().unwrap());

const BOUNDARY: &str = "fuzz-b0undary";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => raw(rest),
        1 => round_trip(rest),
        _ => query(&String::from_utf8_lossy(rest)),
    }
});

fn parse(content_type: Option<&str>, body: Vec<u8>) -> Option<Vec<(FormPart, Bytes)>> {
    let parts = RUNTIME.block_on(multipart(content_type, Bytes::from(body)))?;
    for (summary, data) in &parts {
        assert_eq!(summary.len, data.len());
        let text = summary
            .file_name
            .is_none()
            .then(|| String::from_utf8_lossy(data));
        assert_eq!(summary.text.as_deref(), text.as_deref());
    }
    Some(parts)
}

/// The content type on the first line, the body after it.
fn raw(data: &[u8]) {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let content_type = std::str::from_utf8(head).ok().filter(|t| !t.is_empty());
    parse(content_type, body.to_vec());
}

/// Parts as a client would send them read back whole: same names, file names and bytes.
fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(sent) = u.arbitrary::<Vec<(String, Option<String>, Vec<u8>)>>() else {
        return;
    };
    // Names stay within what a client puts in a quoted header parameter.
    let clean = |s: &str| -> String {
        let s: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect();
        if s.is_empty() { "f".into() } else { s }
    };
    let sent: Vec<_> = sent
        .into_iter()
        .map(|(name, file, data)| (clean(&name), file.map(|f| clean(&f)), data))
        .collect();
    // multer 3.1.0 loses a part's filename when its field name holds "filename" (see
    // mock/tests/integration/fuzz_regressions.rs); the mock's own clients never send one.
    if sent.iter().any(|(name, _, _)| name.contains("filename")) {
        return;
    }
    let delimiter = format!("\r\n--{BOUNDARY}");
    let mut body = Vec::new();
    for (name, file, data) in &sent {
        if data
            .windows(delimiter.len())
            .any(|w| w == delimiter.as_bytes())
        {
            return;
        }
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes(),
        );
        if let Some(file) = file {
            body.extend(format!("; filename=\"{file}\"\r\nContent-Type: image/jpeg").bytes());
        }
        body.extend(b"\r\n\r\n");
        body.extend(data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let got = parse(Some(&content_type), body).expect("a well-formed form parses");
    assert_eq!(got.len(), sent.len());
    for ((summary, data), (name, file, sent_data)) in got.iter().zip(&sent) {
        assert_eq!(&summary.name, name);
        assert_eq!(&summary.file_name, file, "{sent:?}");
        assert_eq!(data.as_ref(), sent_data.as_slice());
    }
}

/// A query string, split as the gateway does, then checked as `GET /faceauth` does.
fn query(raw: &str) {
    let (pairs, by_id) = list_query(raw);
    assert!(pairs.len() <= raw.split('&').count());
    let first = |names: [&str; 2]| {
        pairs
            .iter()
            .find(|(k, v)| names.contains(&k.as_str()) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    match by_id {
        Some(true) => assert!(first(["authId", "auth_id"]).is_some()),
        // An accepted page's dates are exactly `YYYY-MM-DD`, as the API documents them.
        Some(false) => {
            for date in [
                first(["startDate", "start_date"]),
                first(["endDate", "end_date"]),
            ] {
                assert!(date.is_none_or(is_yyyy_mm_dd), "{raw:?}");
            }
        }
        None => {}
    }
}

fn is_yyyy_mm_dd(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

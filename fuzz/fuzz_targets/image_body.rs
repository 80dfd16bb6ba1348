#![no_main]
//! `GET /faceauth/image` bodies: arbitrary bytes, and every encoding the client accepts.

use argos_addon::ImageFormat;
use argos_addon::fuzzing::image;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match image(data) {
        Ok(bytes) if ImageFormat::sniff(data).is_some() => assert_eq!(bytes, data),
        // Base64 is 4 characters for 3 bytes; escapes and prefixes only make the text longer.
        Ok(bytes) => assert!(bytes.len() <= data.len() * 3 / 4 + 2),
        Err(why) => assert!(!why.is_empty()),
    }
    if data.is_empty() {
        return;
    }
    let b64 = STANDARD.encode(data);
    let wrapped: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let encodings = [
        b64.clone(),
        serde_json::to_string(&b64).unwrap(),
        format!("\"{}\"", b64.replace('/', "\\/")),
        format!("data:image/jpeg;base64,{b64}"),
        format!("\"data:image/png;base64,{b64}\""),
        format!("{}\r\n", wrapped.join("\r\n")),
        format!("  {}\n", STANDARD_NO_PAD.encode(data)),
        URL_SAFE.encode(data),
    ];
    for body in encodings {
        let decoded = image(body.as_bytes()).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        assert_eq!(decoded, data, "{body:?}");
    }
});

#![no_main]
//! `parse_webhook`: plain bodies of every version, the same bodies encrypted, and arbitrary
//! ciphertexts. The first byte picks the mode; the rest is the body (or ciphertext).

use argos_addon::{ErrorKind, FaceAuthWebhook, Result, encrypt_text, parse_webhook};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const KEY: &str = "TESTKEY000000000000000000000000000000000";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let plain = check(parse_webhook(body, None));
            // A body that needed no key reads the same when a key is given.
            if let Ok(hook) = plain {
                let keyed = check(parse_webhook(body, Some(KEY))).expect("plain body with a key");
                assert_eq!(format!("{keyed:?}"), format!("{hook:?}"));
            }
        }
        1 => {
            let Ok(text) = std::str::from_utf8(body) else {
                return;
            };
            let sealed = json!({ "data": encrypt_text(text, KEY) }).to_string();
            let opened = check(parse_webhook(sealed.as_bytes(), Some(KEY)));
            let plain = check(parse_webhook(body, None));
            // Encryption is transparent.
            match (&opened, &plain) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
                (a, b) => assert_eq!(a.is_ok(), b.is_ok(), "sealed {a:?}, plain {b:?}"),
            }
            assert!(check(parse_webhook(sealed.as_bytes(), Some("another key"))).is_err());
            assert!(check(parse_webhook(sealed.as_bytes(), None)).is_err());
        }
        _ => {
            let sealed = json!({ "data": String::from_utf8_lossy(body) }).to_string();
            let _ = check(parse_webhook(sealed.as_bytes(), Some(KEY)));
        }
    }
});

/// What holds for any outcome: failures are `WebhookError`s, successes are well-formed.
fn check(parsed: Result<FaceAuthWebhook>) -> Result<FaceAuthWebhook> {
    match &parsed {
        Ok(hook) => {
            assert!((1..=3).contains(&hook.version));
            assert!(hook.raw.is_object());
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Webhook);
            let _ = e.to_string();
        }
    }
    parsed
}

#![no_main]
//! What users hand the SDK as text: `decrypt_query` ciphertexts, `encrypt_query` maps,
//! Face Auth URL parameters, and `YYYY-MM-DD` dates. The first byte picks the mode.

use argos_addon::{
    ErrorKind, FACE_AUTH_PAGE, FaceAuthUrlParams, decrypt_query, decrypt_text, encrypt_query,
    encrypt_text, face_auth_url, parse_date,
};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

const KEY: &str = "TESTKEY000000000000000000000000000000000";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => ciphertext(&text),
        1 => params_round_trip(rest),
        2 => url(&text),
        _ => date(&text),
    }
});

/// Any ciphertext: a map or a `WebhookError`; any text survives encrypt then decrypt.
fn ciphertext(text: &str) {
    if let Err(e) = decrypt_query(text, KEY) {
        assert_eq!(e.kind(), ErrorKind::Webhook);
    }
    assert_eq!(decrypt_text(&encrypt_text(text, KEY), KEY).unwrap(), text);
}

/// Any JSON object encrypts to its compact text and decrypts to what that text reads as.
fn params_round_trip(json: &[u8]) {
    let params = match serde_json::from_slice(json) {
        Ok(Value::Object(map)) => map,
        Ok(other) => Map::from_iter([("sid".to_owned(), other)]),
        Err(_) => return,
    };
    let compact = Value::Object(params.clone()).to_string();
    let sealed = encrypt_query(&params, KEY);
    assert_eq!(decrypt_text(&sealed, KEY).unwrap(), compact);
    let expected: Value = serde_json::from_str(&compact).unwrap();
    assert_eq!(
        Value::Object(decrypt_query(&sealed, KEY).unwrap()),
        expected
    );
}

/// NUL-separated fields: project, submission, then optional user, cf1-3 and token.
fn url(text: &str) {
    let mut fields = text.split('\0').map(str::to_owned);
    let mut next = || fields.next();
    let params = FaceAuthUrlParams {
        project_id: next().unwrap_or_default(),
        submission_id: next().unwrap_or_default(),
        user_id: next(),
        cf1: next(),
        cf2: next(),
        cf3: next(),
        token: next(),
    };
    let url = match face_auth_url(&params, KEY) {
        Ok(url) => url,
        Err(e) => return assert_eq!(e.kind(), ErrorKind::Validation),
    };
    assert!(url.bytes().all(|b| b.is_ascii_graphic()), "{url}");
    let query = url
        .strip_prefix(FACE_AUTH_PAGE)
        .and_then(|q| q.strip_prefix("?pid="))
        .expect("the hosted page with pid first");
    let (pid, encrypted) = query.split_once("&encrypted=").expect("two parameters");
    let decode = |s: &str| percent_decode_str(s).decode_utf8().unwrap().into_owned();
    assert_eq!(decode(pid), params.project_id);
    let sealed = decrypt_query(&decode(encrypted), KEY).expect("own ciphertext decrypts");
    let expected = [
        ("sid", Some(&params.submission_id)),
        ("authUserId", params.user_id.as_ref()),
        ("authCf1", params.cf1.as_ref()),
        ("authCf2", params.cf2.as_ref()),
        ("authCf3", params.cf3.as_ref()),
        ("token", params.token.as_ref()),
    ];
    let expected: Map<String, Value> = expected
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), Value::String(v?.clone()))))
        .collect();
    assert_eq!(sealed, expected);
}

/// A date that passes the check is a real date that prints back as the same text.
fn date(text: &str) {
    match parse_date("start_date", text) {
        Ok(day) => assert_eq!(day.format("%Y-%m-%d").to_string(), text),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Validation),
    }
}

//! ARGOS query-string encryption and the hosted Face Auth URL.
//!
//! AES-256-ECB (the documented mode since 2024-08-01, no IV), key = SHA-256 of the API key as 32
//! raw bytes, PKCS#7 padding, standard base64 with `=` padding, over compact JSON.

use aes::Aes256;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const FACE_AUTH_PAGE: &str = "https://form.argosidentity.com/face-auth";

/// What `encodeURIComponent` leaves alone, so URLs match the ones ARGOS's own examples build.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

fn cipher_key(api_key: &str) -> [u8; 32] {
    Sha256::digest(api_key.as_bytes()).into()
}

/// Encrypts any plaintext the ARGOS way; the result is base64, not yet URL-encoded.
pub fn encrypt_text(plaintext: &str, api_key: &str) -> String {
    let cipher = ecb::Encryptor::<Aes256>::new(&cipher_key(api_key).into());
    STANDARD.encode(cipher.encrypt_padded_vec_mut::<Pkcs7>(plaintext.as_bytes()))
}

/// Reverses [`encrypt_text`]; a wrong key or corrupt input is a `WebhookError`, never garbage.
pub fn decrypt_text(ciphertext: &str, api_key: &str) -> Result<String> {
    let compact: String = ciphertext
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let raw = STANDARD
        .decode(&compact)
        .map_err(|e| Error::webhook(format!("ciphertext is not valid base64: {e}")))?;
    if raw.is_empty() || raw.len() % 16 != 0 {
        return Err(Error::webhook(format!(
            "ciphertext is {} bytes, not a whole number of AES blocks",
            raw.len()
        )));
    }
    let cipher = ecb::Decryptor::<Aes256>::new(&cipher_key(api_key).into());
    let plain = cipher.decrypt_padded_vec_mut::<Pkcs7>(&raw).map_err(|_| {
        Error::webhook("cannot decrypt: wrong API key or corrupt ciphertext (bad padding)")
    })?;
    String::from_utf8(plain).map_err(|_| {
        Error::webhook("cannot decrypt: wrong API key or corrupt ciphertext (not UTF-8 text)")
    })
}

/// Encrypts `params` as compact JSON, keys in the order given.
pub fn encrypt_query(params: &Map<String, Value>, api_key: &str) -> String {
    encrypt_text(&Value::Object(params.clone()).to_string(), api_key)
}

/// Decrypts an `encrypted` value back to its parameters: a JSON object, or the `k=v&...` form
/// that older ARGOS pages show.
pub fn decrypt_query(ciphertext: &str, api_key: &str) -> Result<Map<String, Value>> {
    let plain = decrypt_text(ciphertext, api_key)?;
    match serde_json::from_str::<Value>(&plain) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::webhook("decrypted query is JSON but not an object")),
        Err(_) if plain.contains('=') => Ok(form_urlencoded::parse(plain.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()),
        Err(_) => Err(Error::webhook(
            "decrypted query is neither JSON nor k=v pairs",
        )),
    }
}

/// The fields of a Face Auth URL; `submission_id` is the approved ID Check submission.
#[derive(Clone, Debug, Default)]
pub struct FaceAuthUrlParams {
    pub project_id: String,
    pub submission_id: String,
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
    /// A one-off token (8-64 of `A-Z a-z 0-9 . _ -`, starting and ending alphanumeric).
    pub token: Option<String>,
}

/// `https://form.argosidentity.com/face-auth?pid=<pid>&encrypted=<url-encoded ciphertext>`.
pub fn face_auth_url(params: &FaceAuthUrlParams, api_key: &str) -> Result<String> {
    let project_id = crate::validate::id("project_id", &params.project_id)?;
    let sid = crate::validate::id("submission_id", &params.submission_id)?;
    crate::validate::field("user_id", params.user_id.as_deref())?;
    crate::validate::field("cf1", params.cf1.as_deref())?;
    crate::validate::field("cf2", params.cf2.as_deref())?;
    crate::validate::field("cf3", params.cf3.as_deref())?;
    if let Some(token) = &params.token {
        check_token(token)?;
    }
    let mut plain = Map::new();
    plain.insert("sid".into(), sid.into());
    let optional = [
        ("authUserId", &params.user_id),
        ("authCf1", &params.cf1),
        ("authCf2", &params.cf2),
        ("authCf3", &params.cf3),
        ("token", &params.token),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            plain.insert(name.into(), value.clone().into());
        }
    }
    let encrypted = encrypt_query(&plain, api_key);
    Ok(format!(
        "{FACE_AUTH_PAGE}?pid={}&encrypted={}",
        utf8_percent_encode(project_id, URI_COMPONENT),
        utf8_percent_encode(&encrypted, URI_COMPONENT)
    ))
}

fn check_token(token: &str) -> Result<()> {
    let bytes = token.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let ok = (8..=64).contains(&bytes.len())
        && bytes.iter().all(allowed)
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "token must be 8-64 characters of A-Z a-z 0-9 . _ - and start and end with a letter or digit",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "TESTKEY000000000000000000000000000000000";

    #[test]
    fn documented_vectors() {
        assert_eq!(
            encrypt_text(r#"{"sid":"sample_sid_01"}"#, KEY),
            "JOP0xTzaaCJRD3x++XOWYLKgEvCAXqH3g5IGXsxGUQo="
        );
        assert_eq!(
            encrypt_text("sid=sample_sid_01", KEY),
            "FET2mE6/SjKeARqMH/1oT15orbYZBISvBS7m99LzsPU="
        );
        let url = face_auth_url(
            &FaceAuthUrlParams {
                project_id: "pid0000001".into(),
                submission_id: "sample_sid_01".into(),
                ..Default::default()
            },
            KEY,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://form.argosidentity.com/face-auth?pid=pid0000001&encrypted=JOP0xTzaaCJRD3x%2B%2BXOWYLKgEvCAXqH3g5IGXsxGUQo%3D"
        );
    }

    #[test]
    fn round_trip_and_wrong_key() {
        let mut params = Map::new();
        params.insert("sid".into(), "s".into());
        params.insert("authUserId".into(), "ü-42".into());
        let c = encrypt_query(&params, KEY);
        assert_eq!(decrypt_query(&c, KEY).unwrap(), params);
        assert_eq!(
            decrypt_query(&encrypt_text("sid=a&token=b%20c", KEY), KEY).unwrap()["token"],
            "b c"
        );
        let err = decrypt_query(&c, "another-key").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Webhook);
        assert!(decrypt_text("!!!", KEY).is_err());
        assert!(decrypt_text("AAAA", KEY).is_err());
    }

    #[test]
    fn tokens() {
        for good in ["tok_abcdefgh", "A1234567", "a.b-c_d9"] {
            assert!(check_token(good).is_ok(), "{good}");
        }
        for bad in [
            "short",
            "_abcdefgh",
            "abcdefg_",
            "abc defgh",
            &"a".repeat(65),
        ] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
    }
}

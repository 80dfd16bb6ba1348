//! `faceAuth` webhooks in their three published versions, plain or encrypted.

use serde_json::{Map, Value};

use crate::crypto::decrypt_text;
use crate::error::{Error, Result};
use crate::models::{FaceAuthWebhook, WebhookReference, parse_time};

/// The keys of `data` that only version 3 sends.
const V3_KEYS: [&str; 5] = [
    "auth_user_id",
    "auth_cf1",
    "auth_cf2",
    "auth_cf3",
    "token_id",
];

/// Parses a webhook body; an encrypted `{"data": "<ciphertext>"}` body needs the project's key.
pub fn parse_webhook(body: &[u8], api_key: Option<&str>) -> Result<FaceAuthWebhook> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::webhook(format!("webhook body is not JSON: {e}")))?;
    let value = match encrypted_payload(&value) {
        Some(ciphertext) => {
            let key = api_key.ok_or_else(|| {
                Error::webhook(
                    "webhook body is encrypted ({\"data\": \"...\"}); pass api_key to decrypt it",
                )
            })?;
            let plain = decrypt_text(ciphertext, key)?;
            serde_json::from_str(&plain)
                .map_err(|e| Error::webhook(format!("decrypted webhook body is not JSON: {e}")))?
        }
        None => value,
    };
    from_payload(value)
}

fn encrypted_payload(value: &Value) -> Option<&str> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    get_ci(map, "data")?.as_str()
}

fn from_payload(raw: Value) -> Result<FaceAuthWebhook> {
    let top = raw
        .as_object()
        .ok_or_else(|| Error::webhook("webhook body is not a JSON object"))?;
    if let Some(trigger) = get_ci(top, "webhook_trigger").and_then(Value::as_str)
        && !trigger.eq_ignore_ascii_case("faceAuth")
    {
        return Err(Error::webhook(format!(
            "not a faceAuth webhook (webhook_trigger is {trigger:?})"
        )));
    }
    let empty = Map::new();
    let data = get_ci(top, "data")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    // Fields may sit inside `data` or at the top level depending on the version; `data` wins.
    let text = |names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| text_ci(data, n).or_else(|| text_ci(top, n)))
    };
    let (auth_id, version) = if let Some(id) = text_ci(data, "authentication_id") {
        (id, 3)
    } else if let Some(id) = text_ci(top, "authentication_id") {
        let v3 = V3_KEYS.iter().any(|k| get_ci(data, k).is_some());
        (id, if v3 { 3 } else { 2 })
    } else if let Some(id) = text(&["auth_id", "authid"]) {
        (id, 1)
    } else {
        return Err(Error::webhook(
            "webhook has no Authentication_id / auth_id (neither at the top level nor in data)",
        ));
    };
    let reference = get_ci(data, "reference")
        .or_else(|| get_ci(top, "reference"))
        .and_then(Value::as_object)
        .map(|r| {
            let cf = get_ci(r, "cf").and_then(Value::as_object);
            let cf_field = |n: &str| cf.and_then(|cf| text_ci(cf, n)).or_else(|| text_ci(r, n));
            WebhookReference {
                user_id: text_ci(r, "userid").or_else(|| text_ci(r, "user_id")),
                email: text_ci(r, "email"),
                cf1: cf_field("cf1"),
                cf2: cf_field("cf2"),
                cf3: cf_field("cf3"),
            }
        });
    Ok(FaceAuthWebhook {
        auth_id,
        submission_id: text(&["submission_id"]),
        auth_status: text(&["auth_status"]),
        create_time: text(&["create_time"]).and_then(|t| parse_time(&t)),
        user_id: text(&["auth_user_id", "user_id", "userid"]),
        cf1: text(&["auth_cf1", "cf1"]),
        cf2: text(&["auth_cf2", "cf2"]),
        cf3: text(&["auth_cf3", "cf3"]),
        token_id: text(&["token_id", "token"]),
        reference,
        version,
        raw,
    })
}

fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    match get_ci(map, name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

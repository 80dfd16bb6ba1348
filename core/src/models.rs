//! Results of the Add-On API, parsed once and leniently: unknown fields stay in `raw`,
//! unknown status and failure-code values pass through as strings.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::response::Response;

/// The documented verdict that means "same person".
pub const APPROVED: &str = "approved";

/// The result structs, from their one declaration in `surface.rs`: each field public, `raw` last.
/// They serialize with camelCase keys, times as RFC 3339 and a [`NextKey`] as its token.
macro_rules! declare {
    ($(
        $(#[$attr:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty),* $(,)? }
    )*) => {$(
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
        }
    )*};
}

crate::for_each_model!(declare);

/// The API's `nextPage_key`. Its `Display` form is an opaque token that [`FromStr`] reads back,
/// so bindings can hand it to users as a plain string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextKey {
    pub auth_id: String,
    pub create_time: String,
}

impl fmt::Display for NextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let json = serde_json::json!({ "authId": self.auth_id, "createTime": self.create_time });
        f.write_str(&URL_SAFE_NO_PAD.encode(json.to_string()))
    }
}

impl Serialize for NextKey {
    /// As its token.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for NextKey {
    type Err = Error;

    fn from_str(token: &str) -> Result<Self> {
        crate::validate::not_longer("next_key", token, crate::validate::MAX_NEXT_KEY_BYTES)?;
        let bad = || Error::validation("next_key is not a key returned by list_page");
        let json = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
        let value: Value = serde_json::from_slice(&json).map_err(|_| bad())?;
        next_key_from(&value).ok_or_else(bad)
    }
}

fn next_key_from(value: &Value) -> Option<NextKey> {
    let key = NextKey {
        auth_id: string_field(value, &["authId", "auth_id"])?,
        create_time: string_field(value, &["createTime", "create_time"])?,
    };
    Some(key)
}

impl FaceAuthResult {
    pub(crate) fn from_json(raw: Value) -> std::result::Result<Self, String> {
        if !raw.is_object() {
            return Err("expected a JSON object".into());
        }
        let authentication_id =
            string_field(&raw, &["authentication_id", "authenticationId", "auth_id"])
                .ok_or("authentication_id is missing")?;
        let auth_status = status_field(&raw).ok_or("auth_status is missing")?;
        let score = raw.get("score").map(score_from).unwrap_or_default();
        Ok(FaceAuthResult {
            approved: auth_status == APPROVED,
            create_time: time_field(&raw, &["create_time", "createTime"]),
            fail_codes: string_list(raw.get("fail_code").or_else(|| raw.get("fail_codes"))),
            rejected_comments: string_list(
                raw.get("rejected_comment")
                    .or_else(|| raw.get("rejected_comments")),
            ),
            authentication_id,
            auth_status,
            score,
            response: Response::default(),
            raw,
        })
    }
}

impl FaceAuthRecord {
    fn from_json(raw: Value) -> std::result::Result<Self, String> {
        let auth_id = string_field(&raw, &["auth_id", "authId", "authentication_id"])
            .ok_or("a record has no auth_id")?;
        let auth_status = status_field(&raw).unwrap_or_default();
        Ok(FaceAuthRecord {
            approved: auth_status == APPROVED,
            create_time: time_field(&raw, &["create_time", "createTime"]),
            submit_type: string_field(&raw, &["submit_type"]),
            kyc_submission_id: string_field(&raw, &["kyc_submission_id"]),
            policy: raw.get("policy").filter(|p| p.is_object()).map(policy_from),
            deleted: raw.get("delete_check").is_some_and(truthy),
            auth_id,
            auth_status,
            response: Response::default(),
            raw,
        })
    }
}

impl FaceAuthPage {
    /// Accepts both documented shapes: `[{faceAuth_projectId, data: [...], nextPage_key}]` and a
    /// bare array of records (and, leniently, the wrapper object without the array).
    pub(crate) fn from_json(body: Value) -> std::result::Result<Self, String> {
        let mut page = FaceAuthPage {
            records: Vec::new(),
            next_key: None,
            response: Response::default(),
        };
        match body {
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(map) if is_wrapper(&map) => page.take_wrapper(map)?,
                        other => page.records.push(FaceAuthRecord::from_json(other)?),
                    }
                }
            }
            Value::Object(map) if is_wrapper(&map) => page.take_wrapper(map)?,
            Value::Object(map) => page
                .records
                .push(FaceAuthRecord::from_json(Value::Object(map))?),
            _ => return Err("expected a JSON array".into()),
        }
        Ok(page)
    }

    /// The page, and each of its records, carrying `response`.
    pub(crate) fn with_response(mut self, response: Response) -> Self {
        for record in &mut self.records {
            record.response = response.clone();
        }
        self.response = response;
        self
    }

    fn take_wrapper(&mut self, mut wrapper: Map<String, Value>) -> std::result::Result<(), String> {
        if let Some(key) = wrapper.get("nextPage_key").and_then(next_key_from) {
            self.next_key = Some(key);
        }
        match wrapper.remove("data") {
            Some(Value::Array(items)) => {
                for item in items {
                    self.records.push(FaceAuthRecord::from_json(item)?);
                }
                Ok(())
            }
            Some(Value::Null) | None => Ok(()),
            Some(_) => Err("data is not an array".into()),
        }
    }
}

fn is_wrapper(map: &Map<String, Value>) -> bool {
    map.contains_key("data") || (map.contains_key("nextPage_key") && !map.contains_key("auth_id"))
}

pub(crate) fn string_field(value: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match value.get(*name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn status_field(value: &Value) -> Option<String> {
    // "aurh_status" is a typo in one published sample; tolerate it.
    string_field(value, &["auth_status", "authStatus", "aurh_status"])
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn score_from(value: &Value) -> Score {
    let get = |name: &str| value.get(name).and_then(number);
    Score {
        face_similarity_score: get("face_similarity_score"),
        occluded_score: get("occluded_score"),
        face_cover_score: get("face_cover_score"),
        head_cover_score: get("head_cover_score"),
    }
}

fn policy_from(value: &Value) -> Policy {
    let get = |name: &str| value.get(name).and_then(number);
    Policy {
        face_similarity_threshold: get("faceSimilarity_threshold"),
        occluded_threshold: value
            .get("occluded_threshold")
            .filter(|v| !v.is_null())
            .map(truthy),
        face_cover_threshold: get("faceCover_threshold"),
        head_cover_threshold: get("headCover_threshold"),
        liveness_threshold: get("liveness_threshold"),
        active_liveness_threshold: get("activeLiveness_threshold"),
    }
}

pub(crate) fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub(crate) fn time_field(value: &Value, names: &[&str]) -> Option<DateTime<Utc>> {
    names.iter().find_map(|name| match value.get(*name)? {
        Value::String(s) => parse_time(s),
        Value::Number(n) => DateTime::from_timestamp_millis(n.as_i64()?),
        _ => None,
    })
}

/// ISO-8601 with an offset or `Z`; a time without an offset is UTC, as the API documents.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(text, fmt).ok())
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_approved_and_rejected() {
        let ok = FaceAuthResult::from_json(json!({
            "authentication_id": "a1", "auth_status": "approved",
            "create_time": "2023-08-08T07:04:48.633Z",
            "score": {"face_similarity_score": 99.5, "occluded_score": 99}
        }))
        .unwrap();
        assert!(ok.approved);
        assert_eq!(ok.score.face_similarity_score, Some(99.5));
        assert_eq!(ok.score.occluded_score, Some(99.0));
        assert_eq!(ok.score.head_cover_score, None);
        assert_eq!(
            ok.create_time.unwrap().timestamp_millis(),
            1_691_478_288_633
        );
        assert!(ok.fail_codes.is_empty());

        let no = FaceAuthResult::from_json(json!({
            "authentication_id": "a2", "auth_status": "rejected",
            "fail_code": ["face_compare_underscore", "Face_Occluded_fail"],
            "rejected_comment": "Face is occluded", "extra": 1
        }))
        .unwrap();
        assert!(!no.approved);
        assert_eq!(
            no.fail_codes,
            ["face_compare_underscore", "Face_Occluded_fail"]
        );
        assert_eq!(no.rejected_comments, ["Face is occluded"]);
        assert_eq!(no.raw["extra"], 1);

        let odd =
            FaceAuthResult::from_json(json!({"authentication_id": "a3", "auth_status": "review"}))
                .unwrap();
        assert_eq!(odd.auth_status, "review");
        assert!(!odd.approved);
        assert!(FaceAuthResult::from_json(json!({"auth_status": "approved"})).is_err());
    }

    #[test]
    fn both_list_shapes() {
        let record = json!({
            "policy": {"faceSimilarity_threshold": 85, "occluded_threshold": false, "faceCover_threshold": 0,
                       "headCover_threshold": 0, "liveness_threshold": 0, "activeLiveness_threshold": 0},
            "auth_id": "r1", "auth_status": "approved", "create_time": "2023-08-18T15:00:00.000Z",
            "submit_type": "api", "kyc_submission_id": "k1", "delete_check": false
        });
        let wrapped = FaceAuthPage::from_json(json!([{
            "faceAuth_projectId": "p", "data": [record.clone()],
            "nextPage_key": {"authId": "r1", "createTime": "2023-08-18T15:00:00.000Z"}
        }]))
        .unwrap();
        assert_eq!(wrapped.records.len(), 1);
        let policy = wrapped.records[0].policy.clone().unwrap();
        assert_eq!(policy.face_similarity_threshold, Some(85.0));
        assert_eq!(policy.occluded_threshold, Some(false));
        let key = wrapped.next_key.unwrap();
        assert_eq!(key.to_string().parse::<NextKey>().unwrap(), key);

        let bare =
            FaceAuthPage::from_json(json!([record, {"auth_id": "r2", "aurh_status": "rejected",
            "create_time": "2023-08-18T14:00:00.000Z", "delete_check": true}]))
            .unwrap();
        assert_eq!(bare.records.len(), 2);
        assert!(bare.next_key.is_none());
        assert_eq!(bare.records[1].auth_status, "rejected");
        assert!(bare.records[1].deleted);
        assert!(bare.records[1].policy.is_none());
        assert!(
            FaceAuthPage::from_json(json!([]))
                .unwrap()
                .records
                .is_empty()
        );
        assert!(FaceAuthPage::from_json(json!("x")).is_err());
    }

    #[test]
    fn serializes_camel_case_with_times_and_tokens() {
        let page = FaceAuthPage::from_json(json!([{"data": [{"auth_id": "r1",
            "create_time": "2023-08-18T15:00:00.000Z", "x": 1}],
            "nextPage_key": {"authId": "r1", "createTime": "2023-08-18T15:00:00.000Z"}}]))
        .unwrap();
        let token = page.next_key.as_ref().unwrap().to_string();
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            json!({"records": [{"authId": "r1", "authStatus": "", "approved": false,
                "createTime": "2023-08-18T15:00:00Z", "submitType": null, "kycSubmissionId": null,
                "policy": null, "deleted": false,
                "raw": {"auth_id": "r1", "create_time": "2023-08-18T15:00:00.000Z", "x": 1}}],
                "nextKey": token})
        );
    }

    #[test]
    fn next_key_tokens_are_checked() {
        assert!("not a token".parse::<NextKey>().is_err());
        assert!(URL_SAFE_NO_PAD.encode("{}").parse::<NextKey>().is_err());
    }

    #[test]
    fn lenient_times() {
        assert!(parse_time("2023-08-08T07:04:48.633Z").is_some());
        assert!(parse_time("2023-08-08T07:04:48+09:00").is_some());
        assert!(parse_time("2023-08-08T07:04:48.633").is_some());
        assert!(parse_time("2023-08-08 07:04:48").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}

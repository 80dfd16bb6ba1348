//! FaceAuth records as the mock stores them and as `GET /faceauth` renders them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A FaceAuth record to insert directly with [`MockServer::add_record`](crate::MockServer::add_record),
/// e.g. to prepare date-range or pagination scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRecord {
    /// The record's `auth_id`; `None` generates one. An existing record with the
    /// same ID is replaced.
    pub auth_id: Option<String>,
    /// `auth_status`, usually `approved` or `rejected`.
    pub auth_status: String,
    /// `create_time`; stored with millisecond precision, like the service.
    pub create_time: DateTime<Utc>,
    /// `kyc_submission_id`, the ID Check submission the record refers to.
    pub submission_id: String,
    /// The selfie served by `GET /faceauth/image`.
    pub image: Option<Vec<u8>>,
}

/// A stored FaceAuth record, as returned by [`MockServer::record`](crate::MockServer::record).
#[derive(Debug, Clone, PartialEq)]
pub struct FaceAuthRecord {
    pub auth_id: String,
    pub auth_status: String,
    /// Millisecond precision.
    pub create_time: DateTime<Utc>,
    /// Always `api`: the mock only implements the upload method.
    pub submit_type: String,
    pub kyc_submission_id: String,
    /// The project's `faceSimilarity_threshold` when the record was made.
    pub similarity_threshold: f64,
    /// The `score` object, in response order.
    pub scores: Vec<(String, f64)>,
    pub fail_codes: Vec<String>,
    pub rejected_comments: Vec<String>,
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
    pub image: Option<Vec<u8>>,
    /// Set by `DELETE /faceauth`, which also wipes the personal data above.
    pub delete_check: bool,
}

impl FaceAuthRecord {
    pub(crate) fn seeded(seed: SeedRecord, auth_id: String, similarity_threshold: f64) -> Self {
        Self {
            auth_id,
            auth_status: seed.auth_status,
            create_time: truncate_to_millis(seed.create_time),
            submit_type: "api".into(),
            kyc_submission_id: seed.submission_id,
            similarity_threshold,
            scores: Vec::new(),
            fail_codes: Vec::new(),
            rejected_comments: Vec::new(),
            user_id: None,
            cf1: None,
            cf2: None,
            cf3: None,
            image: seed.image,
            delete_check: false,
        }
    }

    /// Erases what `DELETE /faceauth` documents as personal data; the ID, status
    /// and time survive.
    pub(crate) fn erase(&mut self) {
        self.scores.clear();
        self.fail_codes.clear();
        self.rejected_comments.clear();
        self.user_id = None;
        self.cf1 = None;
        self.cf2 = None;
        self.cf3 = None;
        self.image = None;
        self.delete_check = true;
    }

    /// The record as `GET /faceauth` lists it.
    pub(crate) fn to_json(&self) -> Value {
        let create_time = format_time(self.create_time);
        if self.delete_check {
            return json!({
                "auth_id": self.auth_id,
                "auth_status": self.auth_status,
                "create_time": create_time,
                "delete_check": true,
            });
        }
        json!({
            "policy": {
                "faceSimilarity_threshold": threshold_json(self.similarity_threshold),
                "occluded_threshold": false,
                "faceCover_threshold": 0,
                "headCover_threshold": 0,
                "liveness_threshold": 0,
                "activeLiveness_threshold": 0,
            },
            "auth_id": self.auth_id,
            "auth_status": self.auth_status,
            "create_time": create_time,
            "submit_type": self.submit_type,
            "kyc_submission_id": self.kyc_submission_id,
            "delete_check": false,
        })
    }
}

/// The docs show integral thresholds without a fraction (`85`, not `85.0`).
fn threshold_json(threshold: f64) -> Value {
    if threshold.fract() == 0.0 && threshold.abs() < 1e15 {
        json!(threshold as i64)
    } else {
        json!(threshold)
    }
}

/// `2026-11-25T07:04:48.633Z`: UTC, milliseconds, `Z`.
pub(crate) fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn truncate_to_millis(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time.timestamp_millis()).unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> FaceAuthRecord {
        let seed = SeedRecord {
            auth_id: None,
            auth_status: "approved".into(),
            create_time: DateTime::from_timestamp_micros(1_795_590_288_633_999).unwrap(),
            submission_id: "sub-1".into(),
            image: Some(b"img".to_vec()),
        };
        FaceAuthRecord::seeded(seed, "a1".into(), 85.0)
    }

    #[test]
    fn renders_documented_key_order() {
        let text = record().to_json().to_string();
        assert_eq!(
            text,
            r#"{"policy":{"faceSimilarity_threshold":85,"occluded_threshold":false,"faceCover_threshold":0,"headCover_threshold":0,"liveness_threshold":0,"activeLiveness_threshold":0},"auth_id":"a1","auth_status":"approved","create_time":"2026-11-25T07:04:48.633Z","submit_type":"api","kyc_submission_id":"sub-1","delete_check":false}"#
        );
    }

    #[test]
    fn erased_records_keep_only_identity() {
        let mut record = record();
        record.similarity_threshold = 72.5;
        assert_eq!(record.to_json()["policy"]["faceSimilarity_threshold"], 72.5);
        record.erase();
        assert_eq!(record.image, None);
        assert_eq!(
            record.to_json().to_string(),
            r#"{"auth_id":"a1","auth_status":"approved","create_time":"2026-11-25T07:04:48.633Z","delete_check":true}"#
        );
    }
}

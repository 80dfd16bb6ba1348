//! The core's results as plain JavaScript objects: camelCase fields, `null` for absent values,
//! `Date` for times and the JSON as received in `raw`.

use chrono::{DateTime, Utc};
use napi_derive::napi;
use serde_json::Value;

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Score {
    pub face_similarity_score: Option<f64>,
    pub occluded_score: Option<f64>,
    pub face_cover_score: Option<f64>,
    pub head_cover_score: Option<f64>,
}

impl From<argos_addon::Score> for Score {
    fn from(s: argos_addon::Score) -> Self {
        Score {
            face_similarity_score: s.face_similarity_score,
            occluded_score: s.occluded_score,
            face_cover_score: s.face_cover_score,
            head_cover_score: s.head_cover_score,
        }
    }
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct FaceAuthResult {
    pub authentication_id: String,
    pub auth_status: String,
    pub approved: bool,
    pub score: Score,
    pub create_time: Option<DateTime<Utc>>,
    pub fail_codes: Vec<String>,
    pub rejected_comments: Vec<String>,
    pub raw: Value,
}

impl From<argos_addon::FaceAuthResult> for FaceAuthResult {
    fn from(r: argos_addon::FaceAuthResult) -> Self {
        FaceAuthResult {
            authentication_id: r.authentication_id,
            auth_status: r.auth_status,
            approved: r.approved,
            score: r.score.into(),
            create_time: r.create_time,
            fail_codes: r.fail_codes,
            rejected_comments: r.rejected_comments,
            raw: r.raw,
        }
    }
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Policy {
    pub face_similarity_threshold: Option<f64>,
    pub occluded_threshold: Option<bool>,
    pub face_cover_threshold: Option<f64>,
    pub head_cover_threshold: Option<f64>,
    pub liveness_threshold: Option<f64>,
    pub active_liveness_threshold: Option<f64>,
}

impl From<argos_addon::Policy> for Policy {
    fn from(p: argos_addon::Policy) -> Self {
        Policy {
            face_similarity_threshold: p.face_similarity_threshold,
            occluded_threshold: p.occluded_threshold,
            face_cover_threshold: p.face_cover_threshold,
            head_cover_threshold: p.head_cover_threshold,
            liveness_threshold: p.liveness_threshold,
            active_liveness_threshold: p.active_liveness_threshold,
        }
    }
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct FaceAuthRecord {
    pub auth_id: String,
    pub auth_status: String,
    pub approved: bool,
    pub create_time: Option<DateTime<Utc>>,
    pub submit_type: Option<String>,
    pub kyc_submission_id: Option<String>,
    pub policy: Option<Policy>,
    pub deleted: bool,
    pub raw: Value,
}

impl From<argos_addon::FaceAuthRecord> for FaceAuthRecord {
    fn from(r: argos_addon::FaceAuthRecord) -> Self {
        FaceAuthRecord {
            auth_id: r.auth_id,
            auth_status: r.auth_status,
            approved: r.approved,
            create_time: r.create_time,
            submit_type: r.submit_type,
            kyc_submission_id: r.kyc_submission_id,
            policy: r.policy.map(Policy::from),
            deleted: r.deleted,
            raw: r.raw,
        }
    }
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct FaceAuthPage {
    pub records: Vec<FaceAuthRecord>,
    /// The opaque token of the next page; `null` on the last one.
    pub next_key: Option<String>,
}

impl From<argos_addon::FaceAuthPage> for FaceAuthPage {
    fn from(p: argos_addon::FaceAuthPage) -> Self {
        FaceAuthPage {
            records: p.records.into_iter().map(FaceAuthRecord::from).collect(),
            next_key: p.next_key.map(|k| k.to_string()),
        }
    }
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct WebhookReference {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
}

#[napi(object, object_from_js = false, use_nullable = true)]
pub struct FaceAuthWebhook {
    pub auth_id: String,
    pub submission_id: Option<String>,
    pub auth_status: Option<String>,
    pub create_time: Option<DateTime<Utc>>,
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
    pub token_id: Option<String>,
    pub reference: Option<WebhookReference>,
    pub version: u8,
    pub raw: Value,
}

impl From<argos_addon::FaceAuthWebhook> for FaceAuthWebhook {
    fn from(w: argos_addon::FaceAuthWebhook) -> Self {
        FaceAuthWebhook {
            auth_id: w.auth_id,
            submission_id: w.submission_id,
            auth_status: w.auth_status,
            create_time: w.create_time,
            user_id: w.user_id,
            cf1: w.cf1,
            cf2: w.cf2,
            cf3: w.cf3,
            token_id: w.token_id,
            reference: w.reference.map(|r| WebhookReference {
                user_id: r.user_id,
                email: r.email,
                cf1: r.cf1,
                cf2: r.cf2,
                cf3: r.cf3,
            }),
            version: w.version,
            raw: w.raw,
        }
    }
}

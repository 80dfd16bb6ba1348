//! The core's results as plain JavaScript objects: camelCase keys, `null` for absent values,
//! `Date` for times, and the JSON as received in `raw`.

use napi::bindgen_prelude::{Env, JsValue, Object, ToNapiValue};
use napi::sys;

/// A core model on its way to JavaScript.
pub struct Js<T>(pub T);

/// Converts `Js<$model>` to a plain object, one key per entry, each value taken from the model.
macro_rules! plain_object {
    ($model:ty, |$m:ident| { $($key:literal: $value:expr),* $(,)? }) => {
        impl ToNapiValue for Js<$model> {
            unsafe fn to_napi_value(env: sys::napi_env, js: Self) -> napi::Result<sys::napi_value> {
                let $m = js.0;
                let mut object = Object::new(&Env::from_raw(env))?;
                $(object.set($key, $value)?;)*
                Ok(object.raw())
            }
        }
    };
}

plain_object!(argos_addon::Score, |s| {
    "faceSimilarityScore": s.face_similarity_score,
    "occludedScore": s.occluded_score,
    "faceCoverScore": s.face_cover_score,
    "headCoverScore": s.head_cover_score,
});

plain_object!(argos_addon::FaceAuthResult, |r| {
    "authenticationId": r.authentication_id,
    "authStatus": r.auth_status,
    "approved": r.approved,
    "score": Js(r.score),
    "createTime": r.create_time,
    "failCodes": r.fail_codes,
    "rejectedComments": r.rejected_comments,
    "raw": r.raw,
});

plain_object!(argos_addon::Policy, |p| {
    "faceSimilarityThreshold": p.face_similarity_threshold,
    "occludedThreshold": p.occluded_threshold,
    "faceCoverThreshold": p.face_cover_threshold,
    "headCoverThreshold": p.head_cover_threshold,
    "livenessThreshold": p.liveness_threshold,
    "activeLivenessThreshold": p.active_liveness_threshold,
});

plain_object!(argos_addon::FaceAuthRecord, |r| {
    "authId": r.auth_id,
    "authStatus": r.auth_status,
    "approved": r.approved,
    "createTime": r.create_time,
    "submitType": r.submit_type,
    "kycSubmissionId": r.kyc_submission_id,
    "policy": r.policy.map(Js),
    "deleted": r.deleted,
    "raw": r.raw,
});

plain_object!(argos_addon::FaceAuthPage, |p| {
    "records": p.records.into_iter().map(Js).collect::<Vec<_>>(),
    // The opaque token of the next page.
    "nextKey": p.next_key.map(|k| k.to_string()),
});

plain_object!(argos_addon::WebhookReference, |r| {
    "userId": r.user_id,
    "email": r.email,
    "cf1": r.cf1,
    "cf2": r.cf2,
    "cf3": r.cf3,
});

plain_object!(argos_addon::FaceAuthWebhook, |w| {
    "authId": w.auth_id,
    "submissionId": w.submission_id,
    "authStatus": w.auth_status,
    "createTime": w.create_time,
    "userId": w.user_id,
    "cf1": w.cf1,
    "cf2": w.cf2,
    "cf3": w.cf3,
    "tokenId": w.token_id,
    "reference": w.reference.map(Js),
    "version": w.version,
    "raw": w.raw,
});

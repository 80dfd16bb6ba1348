//! The core's results as plain JavaScript objects: camelCase keys, `null` for absent values,
//! `Date` for times, and the JSON as received in `raw`.
//!
//! A result crosses as one JSON text, written on the runtime's thread, that `JSON.parse` turns
//! into objects on the JavaScript thread; only its times are then set one by one, as `Date`s.
//! V8 builds objects from JSON several times faster than napi can property by property, and the
//! JavaScript thread is what limits a busy Node client.

use std::ptr;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::ToNapiValue;
use napi::{check_status, sys};
use serde::Serialize;
use serde_json::Value;

use argos_addon::{
    FaceAuthPage, FaceAuthRecord, FaceAuthResult, FaceAuthWebhook, Policy, Score, WebhookReference,
};

/// A core result made ready for JavaScript, off the JavaScript thread where it is a call's
/// result: its JSON text, and the times to set afterwards as `Date`s.
pub struct Json {
    text: String,
    times: Vec<(Option<u32>, f64)>,
}

/// Times are `null` in the JSON and set afterwards as `Date`s.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultJson<'a> {
    authentication_id: &'a str,
    auth_status: &'a str,
    approved: bool,
    score: ScoreJson,
    create_time: (),
    fail_codes: &'a [String],
    rejected_comments: &'a [String],
    raw: &'a Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScoreJson {
    face_similarity_score: Option<f64>,
    occluded_score: Option<f64>,
    face_cover_score: Option<f64>,
    head_cover_score: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson<'a> {
    auth_id: &'a str,
    auth_status: &'a str,
    approved: bool,
    create_time: (),
    submit_type: Option<&'a str>,
    kyc_submission_id: Option<&'a str>,
    policy: Option<PolicyJson>,
    deleted: bool,
    raw: &'a Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyJson {
    face_similarity_threshold: Option<f64>,
    occluded_threshold: Option<bool>,
    face_cover_threshold: Option<f64>,
    head_cover_threshold: Option<f64>,
    liveness_threshold: Option<f64>,
    active_liveness_threshold: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageJson<'a> {
    records: Vec<RecordJson<'a>>,
    /// The opaque token of the next page.
    next_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebhookJson<'a> {
    auth_id: &'a str,
    submission_id: Option<&'a str>,
    auth_status: Option<&'a str>,
    create_time: (),
    user_id: Option<&'a str>,
    cf1: Option<&'a str>,
    cf2: Option<&'a str>,
    cf3: Option<&'a str>,
    token_id: Option<&'a str>,
    reference: Option<ReferenceJson<'a>>,
    version: u8,
    raw: &'a Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceJson<'a> {
    user_id: Option<&'a str>,
    email: Option<&'a str>,
    cf1: Option<&'a str>,
    cf2: Option<&'a str>,
    cf3: Option<&'a str>,
}

fn score(s: &Score) -> ScoreJson {
    ScoreJson {
        face_similarity_score: s.face_similarity_score,
        occluded_score: s.occluded_score,
        face_cover_score: s.face_cover_score,
        head_cover_score: s.head_cover_score,
    }
}

fn policy(p: &Policy) -> PolicyJson {
    PolicyJson {
        face_similarity_threshold: p.face_similarity_threshold,
        occluded_threshold: p.occluded_threshold,
        face_cover_threshold: p.face_cover_threshold,
        head_cover_threshold: p.head_cover_threshold,
        liveness_threshold: p.liveness_threshold,
        active_liveness_threshold: p.active_liveness_threshold,
    }
}

fn record(r: &FaceAuthRecord) -> RecordJson<'_> {
    RecordJson {
        auth_id: &r.auth_id,
        auth_status: &r.auth_status,
        approved: r.approved,
        create_time: (),
        submit_type: r.submit_type.as_deref(),
        kyc_submission_id: r.kyc_submission_id.as_deref(),
        policy: r.policy.as_ref().map(policy),
        deleted: r.deleted,
        raw: &r.raw,
    }
}

fn reference(r: &WebhookReference) -> ReferenceJson<'_> {
    ReferenceJson {
        user_id: r.user_id.as_deref(),
        email: r.email.as_deref(),
        cf1: r.cf1.as_deref(),
        cf2: r.cf2.as_deref(),
        cf3: r.cf3.as_deref(),
    }
}

impl From<FaceAuthResult> for Json {
    fn from(r: FaceAuthResult) -> Self {
        let json = ResultJson {
            authentication_id: &r.authentication_id,
            auth_status: &r.auth_status,
            approved: r.approved,
            score: score(&r.score),
            create_time: (),
            fail_codes: &r.fail_codes,
            rejected_comments: &r.rejected_comments,
            raw: &r.raw,
        };
        Json::new(&json, [(None, r.create_time)])
    }
}

impl From<FaceAuthRecord> for Json {
    fn from(r: FaceAuthRecord) -> Self {
        Json::new(&record(&r), [(None, r.create_time)])
    }
}

impl From<FaceAuthPage> for Json {
    fn from(page: FaceAuthPage) -> Self {
        let json = PageJson {
            records: page.records.iter().map(record).collect(),
            next_key: page.next_key.map(|k| k.to_string()),
        };
        let times = page.records.iter().enumerate();
        Json::new(&json, times.map(|(i, r)| (Some(i as u32), r.create_time)))
    }
}

impl From<FaceAuthWebhook> for Json {
    fn from(w: FaceAuthWebhook) -> Self {
        let json = WebhookJson {
            auth_id: &w.auth_id,
            submission_id: w.submission_id.as_deref(),
            auth_status: w.auth_status.as_deref(),
            create_time: (),
            user_id: w.user_id.as_deref(),
            cf1: w.cf1.as_deref(),
            cf2: w.cf2.as_deref(),
            cf3: w.cf3.as_deref(),
            token_id: w.token_id.as_deref(),
            reference: w.reference.as_ref().map(reference),
            version: w.version,
            raw: &w.raw,
        };
        Json::new(&json, [(None, w.create_time)])
    }
}

impl Json {
    /// `times`: the `createTime` of the object itself (`None`) or of `records[i]` (`Some(i)`).
    fn new(
        value: &impl Serialize,
        times: impl IntoIterator<Item = (Option<u32>, Option<DateTime<Utc>>)>,
    ) -> Self {
        let text = serde_json::to_string(value).expect("a model always serializes");
        let times = times
            .into_iter()
            .filter_map(|(at, time)| Some((at, time?.timestamp_millis() as f64)))
            .collect();
        Json { text, times }
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: sys::napi_env, json: Self) -> napi::Result<sys::napi_value> {
        // SAFETY (these blocks): napi calls on the JavaScript thread of `env`.
        let object = unsafe { parse(env, &json.text) }?;
        let mut records: sys::napi_value = ptr::null_mut();
        for (at, millis) in json.times {
            let target = match at {
                None => object,
                Some(index) => unsafe {
                    if records.is_null() {
                        check_status!(sys::napi_get_named_property(
                            env,
                            object,
                            c"records".as_ptr(),
                            &mut records
                        ))?;
                    }
                    let mut item = ptr::null_mut();
                    check_status!(sys::napi_get_element(env, records, index, &mut item))?;
                    item
                },
            };
            unsafe { set_time(env, target, millis) }?;
        }
        Ok(object)
    }
}

/// `JSON.parse(text)`.
///
/// # Safety
/// On the JavaScript thread of `env`.
unsafe fn parse(env: sys::napi_env, text: &str) -> napi::Result<sys::napi_value> {
    let (mut global, mut json, mut parse, mut string, mut object) = (
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    // SAFETY: the caller's; every out-pointer is a local.
    unsafe {
        check_status!(sys::napi_get_global(env, &mut global))?;
        check_status!(sys::napi_get_named_property(
            env,
            global,
            c"JSON".as_ptr(),
            &mut json
        ))?;
        check_status!(sys::napi_get_named_property(
            env,
            json,
            c"parse".as_ptr(),
            &mut parse
        ))?;
        check_status!(sys::napi_create_string_utf8(
            env,
            text.as_ptr().cast(),
            text.len() as isize,
            &mut string,
        ))?;
        check_status!(sys::napi_call_function(
            env,
            json,
            parse,
            1,
            &string,
            &mut object
        ))?;
    }
    Ok(object)
}

/// Sets `object.createTime` to the `Date` of `millis` (since the epoch).
///
/// # Safety
/// On the JavaScript thread of `env`.
unsafe fn set_time(env: sys::napi_env, object: sys::napi_value, millis: f64) -> napi::Result<()> {
    let mut date = ptr::null_mut();
    // SAFETY: the caller's; `date` is a local.
    unsafe {
        check_status!(sys::napi_create_date(env, millis, &mut date))?;
        check_status!(sys::napi_set_named_property(
            env,
            object,
            c"createTime".as_ptr(),
            date
        ))?;
    }
    Ok(())
}

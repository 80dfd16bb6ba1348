//! The core's results as plain JavaScript objects: camelCase keys, `null` for absent values,
//! `Date` for times, and the JSON as received in `raw`.
//!
//! A result crosses as one JSON text, the core model serialized (keys in declaration order) on
//! the runtime's thread, that `JSON.parse` turns into objects on the JavaScript thread; only its
//! times, RFC 3339 strings in the JSON, are then replaced one by one with `Date`s.
//! V8 builds objects from JSON several times faster than napi can property by property, and the
//! JavaScript thread is what limits a busy Node client.

use std::ffi::CStr;
use std::ptr;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::ToNapiValue;
use napi::{check_status, sys};
use serde::Serialize;

use argos_addon::{BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult, FaceAuthWebhook};

/// A core result made ready for JavaScript, off the JavaScript thread where it is a call's
/// result: its JSON text, and the times to set afterwards as `Date`s.
pub struct Json {
    text: String,
    /// The time's key, so that only the few results without a `createTime` spell one.
    key: &'static CStr,
    times: Vec<(Option<u32>, f64)>,
}

impl From<FaceAuthResult> for Json {
    fn from(result: FaceAuthResult) -> Self {
        Json::new(&result, [(None, result.create_time)])
    }
}

impl From<FaceAuthRecord> for Json {
    fn from(record: FaceAuthRecord) -> Self {
        Json::new(&record, [(None, record.create_time)])
    }
}

impl From<FaceAuthPage> for Json {
    fn from(page: FaceAuthPage) -> Self {
        let times = page.records.iter().enumerate();
        Json::new(&page, times.map(|(i, r)| (Some(i as u32), r.create_time)))
    }
}

impl From<FaceAuthWebhook> for Json {
    fn from(webhook: FaceAuthWebhook) -> Self {
        Json::new(&webhook, [(None, webhook.create_time)])
    }
}

impl From<BudgetStatus> for Json {
    fn from(status: BudgetStatus) -> Self {
        let mut json = Json::new(&status, [(None, Some(status.resets_at))]);
        json.key = c"resetsAt";
        json
    }
}

impl Json {
    /// `times`: the time of the object itself (`None`) or of `records[i]` (`Some(i)`).
    fn new(
        value: &impl Serialize,
        times: impl IntoIterator<Item = (Option<u32>, Option<DateTime<Utc>>)>,
    ) -> Self {
        let text = serde_json::to_string(value).expect("a model always serializes");
        let times = times
            .into_iter()
            .filter_map(|(at, time)| Some((at, time?.timestamp_millis() as f64)))
            .collect();
        Json {
            text,
            key: c"createTime",
            times,
        }
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
            unsafe { set_time(env, target, json.key, millis) }?;
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

/// Sets `object[key]` to the `Date` of `millis` (since the epoch).
///
/// # Safety
/// On the JavaScript thread of `env`.
unsafe fn set_time(
    env: sys::napi_env,
    object: sys::napi_value,
    key: &CStr,
    millis: f64,
) -> napi::Result<()> {
    let mut date = ptr::null_mut();
    // SAFETY: the caller's; `date` is a local.
    unsafe {
        check_status!(sys::napi_create_date(env, millis, &mut date))?;
        check_status!(sys::napi_set_named_property(
            env,
            object,
            key.as_ptr(),
            date
        ))?;
    }
    Ok(())
}

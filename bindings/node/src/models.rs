//! The core's results as plain JavaScript objects: camelCase keys, `null` for absent values,
//! `Date` for times, and the JSON as received in `raw`.
//!
//! A result crosses as one JSON text, the core model serialized (keys in declaration order) on
//! the runtime's thread, that `JSON.parse` turns into objects on the JavaScript thread; only its
//! times, RFC 3339 strings in the JSON, are then replaced one by one with `Date`s, and its
//! `response` (which the core's JSON leaves out) is made once and set on the result and on each
//! record of a page, in a slot the text keeps for it before `raw` (the declared order).
//! V8 builds objects from JSON several times faster than napi can property by property, and the
//! JavaScript thread is what limits a busy Node client.

use std::ffi::CStr;
use std::{mem, ptr};

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::ToNapiValue;
use napi::{check_status, sys};
use serde::Serialize;
use serde_json::Value;

use argos_addon::{
    BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult, FaceAuthWebhook, Response,
};

/// A core result made ready for JavaScript, off the JavaScript thread where it is a call's
/// result: its JSON text, the times to set afterwards as `Date`s, and its response's JSON.
pub struct Json {
    text: String,
    /// The time's key, so that only the few results without a `createTime` spell one.
    key: &'static CStr,
    times: Vec<(Option<u32>, f64)>,
    response: Option<String>,
    /// A page's records carry its response too.
    page_records: u32,
}

impl From<FaceAuthResult> for Json {
    fn from(mut result: FaceAuthResult) -> Self {
        let raws = [mem::take(&mut result.raw)];
        let text = text_with_slots(&result, &raws);
        Json::from_text(text, [(None, result.create_time)]).with_response(&result.response)
    }
}

impl From<FaceAuthRecord> for Json {
    fn from(mut record: FaceAuthRecord) -> Self {
        let raws = [mem::take(&mut record.raw)];
        let text = text_with_slots(&record, &raws);
        Json::from_text(text, [(None, record.create_time)]).with_response(&record.response)
    }
}

impl From<FaceAuthPage> for Json {
    fn from(mut page: FaceAuthPage) -> Self {
        let raws: Vec<_> = page
            .records
            .iter_mut()
            .map(|r| mem::take(&mut r.raw))
            .collect();
        let text = text_with_slots(&page, &raws);
        let times = page.records.iter().enumerate();
        let mut json = Json::from_text(text, times.map(|(i, r)| (Some(i as u32), r.create_time)))
            .with_response(&page.response);
        json.page_records = page.records.len() as u32;
        json
    }
}

/// The JSON text of `value`, whose objects with a `raw` (a result, a record, each record of a
/// page) had it taken out, so that each ends in `"raw":null}` (`raw` is declared last): there
/// the `raws` go back, in order, each after a `"response":null` slot. `JSON.parse` then makes
/// the keys in the declared order, and setting `response` afterwards keeps its place.
fn text_with_slots(value: &impl Serialize, raws: &[Value]) -> String {
    const TAKEN: &str = "\"raw\":null}";
    let text = serde_json::to_string(value).expect("a model always serializes");
    let mut out = String::with_capacity(text.len() + 64 * raws.len());
    let mut rest = text.as_str();
    for raw in raws {
        // Only a key is followed by `":` (a quote inside a text is escaped), and no model but
        // these has one named `raw`.
        let at = rest.find(TAKEN).expect("each raw was taken out");
        out.push_str(&rest[..at]);
        out.push_str("\"response\":null,\"raw\":");
        out.push_str(&serde_json::to_string(raw).expect("JSON always serializes"));
        out.push('}');
        rest = &rest[at + TAKEN.len()..];
    }
    out.push_str(rest);
    out
}

impl From<Response> for Json {
    fn from(response: Response) -> Self {
        Json::new(&ResponseJson::from(&response), [])
    }
}

/// `{ value, response }` of `faceAuth.withResponse`: for the operations whose value (a Buffer,
/// nothing) has no room for the response.
pub struct WithResponse<T> {
    value: T,
    response: Json,
}

impl<T> WithResponse<T> {
    /// Off the JavaScript thread, as a result's [`Json`] is made.
    pub fn new(value: T, response: Response) -> Self {
        WithResponse {
            value,
            response: Json::from(response),
        }
    }
}

impl<T: ToNapiValue> ToNapiValue for WithResponse<T> {
    unsafe fn to_napi_value(env: sys::napi_env, pair: Self) -> napi::Result<sys::napi_value> {
        let mut object = ptr::null_mut();
        // SAFETY: napi calls on the JavaScript thread of `env`; every value is a local of this
        // call.
        unsafe {
            check_status!(sys::napi_create_object(env, &mut object))?;
            let value = T::to_napi_value(env, pair.value)?;
            set(env, object, c"value", value)?;
            let response = Json::to_napi_value(env, pair.response)?;
            set(env, object, c"response", response)?;
        }
        Ok(object)
    }
}

/// `ResponseInfo` as Node users read it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseJson<'a> {
    status: u16,
    request_id: Option<&'a str>,
    headers: serde_json::Map<String, serde_json::Value>,
    attempts: u32,
    elapsed_ms: f64,
}

impl<'a> From<&'a Response> for ResponseJson<'a> {
    fn from(response: &'a Response) -> Self {
        let headers = response.header_pairs().into_iter();
        ResponseJson {
            status: response.status_code,
            request_id: response.request_id.as_deref(),
            headers: headers.map(|(n, v)| (n.to_owned(), v.into())).collect(),
            attempts: response.attempts,
            elapsed_ms: response.elapsed.as_secs_f64() * 1000.0,
        }
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
        Json::from_text(text, times)
    }

    fn from_text(
        text: String,
        times: impl IntoIterator<Item = (Option<u32>, Option<DateTime<Utc>>)>,
    ) -> Self {
        let times = times
            .into_iter()
            .filter_map(|(at, time)| Some((at, time?.timestamp_millis() as f64)))
            .collect();
        Json {
            text,
            key: c"createTime",
            times,
            response: None,
            page_records: 0,
        }
    }

    fn with_response(mut self, response: &Response) -> Self {
        let json = serde_json::to_string(&ResponseJson::from(response));
        self.response = Some(json.expect("a response always serializes"));
        self
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
                Some(index) => unsafe { record(env, object, &mut records, index) }?,
            };
            unsafe { set_time(env, target, json.key, millis) }?;
        }
        if let Some(text) = &json.response {
            // SAFETY: as above; every value is a local of this scope.
            unsafe {
                let response = parse(env, text)?;
                set(env, object, c"response", response)?;
                for index in 0..json.page_records {
                    let item = record(env, object, &mut records, index)?;
                    set(env, item, c"response", response)?;
                }
            }
        }
        Ok(object)
    }
}

/// `page.records[index]`; `records` caches the array, fetched on first use.
///
/// # Safety
/// On the JavaScript thread of `env`, with values of that thread.
unsafe fn record(
    env: sys::napi_env,
    page: sys::napi_value,
    records: &mut sys::napi_value,
    index: u32,
) -> napi::Result<sys::napi_value> {
    let mut item = ptr::null_mut();
    // SAFETY: the caller's; the out-pointers are a local and the caller's cache.
    unsafe {
        if records.is_null() {
            check_status!(sys::napi_get_named_property(
                env,
                page,
                c"records".as_ptr(),
                records
            ))?;
        }
        check_status!(sys::napi_get_element(env, *records, index, &mut item))?;
    }
    Ok(item)
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

/// `object[key] = value`.
///
/// # Safety
/// On the JavaScript thread of `env`, with values of that thread.
unsafe fn set(
    env: sys::napi_env,
    object: sys::napi_value,
    key: &CStr,
    value: sys::napi_value,
) -> napi::Result<()> {
    // SAFETY: the caller's.
    check_status!(unsafe { sys::napi_set_named_property(env, object, key.as_ptr(), value) })
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
        set(env, object, key, date)?;
    }
    Ok(())
}

//! `NativeClient`: the core client behind `Client`, built from the user's options object by the
//! core's own option rules, every network operation a Promise (made by [`Bridge`]). Each
//! operation takes the trace context node/telemetry.js made for its span, if any.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use napi::bindgen_prelude::{
    Buffer, Either, Env, JsObjectValue, JsValue, KeyCollectionMode, KeyConversion, KeyFilter,
    Object, PromiseRaw, Uint8Array, Unknown, ValueType,
};
use napi::{JsString, Result};
use napi_derive::napi;
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    CallOptions, Client, ClientOption, ErrorKind, FaceAuthUrlParams, FaceImage, Host, ListParams,
    NextKey, Operation, OptionError, OptionValue, Pager, SubmitRequest,
};

use crate::bridge::{Abort, Bridge};
use crate::errors::{failure, guard, to_js};
use crate::lock;
use crate::models::{Json, WithResponse};

/// The core client for the options object of `new Client(options)`: every own enumerable key
/// goes to the core's `ClientBuilder::set`, which names, checks and applies it; one whose value
/// is `undefined` is left out, but its name must still be an option's.
fn build(options: &Object, user_agent_suffix: String) -> Result<Client> {
    let mut builder = Client::builder().user_agent_suffix(user_agent_suffix);
    for (name, value) in option_entries(options, true)? {
        let Some(value) = value else {
            // Left out, yet a misspelt name is still refused.
            ClientOption::find(Host::Node, &name).map_err(to_js)?;
            continue;
        };
        builder = builder
            .set(Host::Node, &name, value)
            .map_err(option_error)?;
    }
    builder.build().map_err(to_js)
}

/// The per-call options of `client.withOptions(options)`, each checked by the core's
/// `CallOptions::set`; node/index.js has refused unknown names, and `undefined` leaves one out.
fn call_options(options: &Object) -> Result<CallOptions> {
    let mut call = CallOptions::new();
    for (name, value) in option_entries(options, true)? {
        if let Some(value) = value {
            call = call.set(Host::Node, &name, value).map_err(option_error)?;
        }
    }
    Ok(call)
}

fn option_error(err: OptionError) -> napi::Error {
    match err {
        OptionError::WrongType(message) => failure(ErrorKind::Configuration, message),
        OptionError::Invalid(err) => to_js(err),
    }
}

/// The own enumerable string keys of `object`, in order, with their values as the core reads
/// them (`None` for `undefined`); `maps`: whether a plain object value becomes a map (one level
/// only, so that a cyclic object cannot recurse).
fn option_entries(object: &Object, maps: bool) -> Result<Vec<(String, Option<OptionValue>)>> {
    let keys = object.get_all_property_names(
        KeyCollectionMode::OwnOnly,
        KeyFilter::Enumerable,
        KeyConversion::NumbersToStrings,
    )?;
    let mut entries = Vec::new();
    for i in 0..keys.get_array_length()? {
        let key: Unknown = keys.get_element(i)?;
        if key.get_type()? != ValueType::String {
            // A symbol, which `Object.entries` leaves out too.
            continue;
        }
        // SAFETY: `key` is a string, checked above.
        let name = unsafe { key.cast::<String>() }?;
        let value = option_value(&name, object.get_property(key)?, maps)?;
        entries.push((name, value));
    }
    Ok(entries)
}

/// Whether the object `value` is a plain one (`{...}` or `Object.create(null)`, of any realm):
/// its prototype is null or has none itself. A Map, a Date or a class instance is not.
fn is_plain(value: &Unknown) -> Result<bool> {
    // SAFETY (the casts): `value` is an object, and a prototype that is not null is one too.
    let prototype = unsafe { value.cast::<Object>() }?.get_prototype()?;
    if prototype.get_type()? == ValueType::Null {
        return Ok(true);
    }
    let grand = unsafe { prototype.cast::<Object>() }?.get_prototype()?;
    Ok(grand.get_type()? == ValueType::Null)
}

/// A non-plain object's constructor's name (`Map`, `Date`), else `object`.
fn class_name(value: &Unknown) -> Result<String> {
    // SAFETY (the casts): `value` is an object, a function is one too, and `name` is a string.
    let constructor: Unknown =
        unsafe { value.cast::<Object>() }?.get_named_property("constructor")?;
    if constructor.get_type()? == ValueType::Function {
        let name: Unknown = unsafe { constructor.cast::<Object>() }?.get_named_property("name")?;
        if name.get_type()? == ValueType::String {
            let name = unsafe { name.cast::<String>() }?;
            if !name.is_empty() {
                return Ok(name);
            }
        }
    }
    Ok("object".to_owned())
}

/// An option's value as the core reads it; `None` for `undefined` (an option left out). A plain
/// object is a map of its entries (`defaultHeaders`, `extraHeaders`) when `maps` allows, leaving
/// out its `undefined` ones. Any other value is named as `typeof` names it, an array as `array`.
fn option_value(name: &str, value: Unknown, maps: bool) -> Result<Option<OptionValue>> {
    let other = |type_name: &str| OptionValue::Other(type_name.to_owned());
    // SAFETY (the casts): each is to the type `get_type` found.
    Ok(Some(match value.get_type()? {
        ValueType::Undefined => return Ok(None),
        ValueType::Null => OptionValue::Null,
        ValueType::Number => OptionValue::Float(unsafe { value.cast() }?),
        ValueType::String => {
            // napi's own conversion would turn a lone surrogate into U+FFFD: other text than
            // was given.
            let text = unsafe { value.cast::<JsString>() }?.into_utf16()?;
            OptionValue::Text(String::try_from(text).map_err(|_| {
                failure(
                    ErrorKind::Configuration,
                    format!("{name} is not valid Unicode (it holds a lone surrogate)"),
                )
            })?)
        }
        ValueType::Object if value.is_array()? => other("array"),
        // A Buffer or another Uint8Array; any other typed array is an object.
        ValueType::Object if value.is_typedarray()? => {
            match unsafe { value.cast::<Uint8Array>() } {
                Ok(bytes) => OptionValue::Bytes(bytes.to_vec()),
                Err(_) => other("object"),
            }
        }
        ValueType::Object if maps && is_plain(&value)? => {
            // SAFETY: an object, checked above.
            let object = unsafe { value.cast::<Object>() }?;
            let entries = option_entries(&object, false)?.into_iter();
            OptionValue::Map(entries.filter_map(|(k, v)| Some((k, v?))).collect())
        }
        // Named by its class, so that "must be an object of string values" is not refused
        // with "not object".
        ValueType::Object if maps => OptionValue::Other(class_name(&value)?),
        ValueType::Boolean => other("boolean"),
        ValueType::Symbol => other("symbol"),
        ValueType::Function => other("function"),
        ValueType::BigInt => other("bigint"),
        // An object, or an external (which `typeof` calls an object too).
        _ => other("object"),
    }))
}

#[napi(object, object_to_js = false)]
pub struct SubmitParams {
    pub submission_id: String,
    /// A path (streamed from disk by the core) or the image bytes.
    pub face_image: Either<String, Buffer>,
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
}

impl From<SubmitParams> for SubmitRequest {
    fn from(p: SubmitParams) -> Self {
        let image = match p.face_image {
            Either::A(path) => FaceImage::Path(path.into()),
            // Shared with the JavaScript buffer, not copied.
            Either::B(bytes) => FaceImage::Bytes(Bytes::from_owner(bytes)),
        };
        let mut request = SubmitRequest::new(p.submission_id, image);
        request.user_id = p.user_id;
        request.cf1 = p.cf1;
        request.cf2 = p.cf2;
        request.cf3 = p.cf3;
        request
    }
}

/// The filters and paging of `listPage` and `list` (whose `count` is the page size); dates are
/// `YYYY-MM-DD`.
fn list_params(
    start_date: Option<String>,
    end_date: Option<String>,
    count: Option<i64>,
    next_key: Option<String>,
) -> Result<ListParams> {
    let next_key = next_key.map(|k| k.parse::<NextKey>()).transpose();
    Ok(ListParams {
        start_date,
        end_date,
        count,
        next_key: next_key.map_err(to_js)?,
    })
}

/// The W3C trace context node/telemetry.js sends with one call: the carrier its propagator
/// filled, of which only these two entries are read.
#[napi(object, object_to_js = false)]
pub struct TraceContext {
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

/// `client` sending `trace` on every attempt of its calls (a copy sharing everything). A context
/// the core refuses (a propagator's odd value) is left out: telemetry must not fail a call.
fn traced(client: Client, trace: Option<TraceContext>) -> Client {
    let Some(trace) = trace else {
        return client;
    };
    let pairs: Vec<(String, String)> = [
        ("traceparent", trace.traceparent),
        ("tracestate", trace.tracestate),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value?)))
    .collect();
    if pairs.is_empty() {
        return client;
    }
    let options = CallOptions::new().trace_context(pairs);
    client.with_options(&options).unwrap_or(client)
}

/// Where an operation goes, as spans name it; `routes()` gives one per operation.
#[napi(object, object_from_js = false)]
pub struct RouteInfo {
    pub span_name: &'static str,
    pub method: &'static str,
    pub url_template: String,
    pub server_address: String,
    pub server_port: u16,
}

/// The optional fields of a Face Auth URL.
#[napi(object, object_to_js = false)]
pub struct UrlFields {
    pub user_id: Option<String>,
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
    pub token: Option<String>,
}

#[napi]
pub struct NativeClient {
    base_url: String,
    /// `None` once closed.
    current: Mutex<Option<Client>>,
    bridge: Arc<Bridge>,
}

impl NativeClient {
    fn core(&self) -> Result<Client> {
        lock(&self.current).clone().ok_or_else(|| {
            failure(
                ErrorKind::Connection,
                "this client is closed; create a new one",
            )
        })
    }
}

#[napi]
impl NativeClient {
    /// Checks every option and builds the connection pool; no I/O happens here. The user agent
    /// gets `user_agent_suffix` (the Node version) appended.
    #[napi(constructor)]
    pub fn new(env: &Env, options: Object, user_agent_suffix: String) -> Result<Self> {
        guard("new Client()", || {
            let client = build(&options, user_agent_suffix)?;
            Ok(NativeClient {
                base_url: client.config().base_url().to_owned(),
                current: Mutex::new(Some(client)),
                bridge: Bridge::new(env)?,
            })
        })
    }

    #[napi(getter)]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A copy sharing the connection pool, the limiter, the budget and the completion callback,
    /// with `options` applied to its calls; checked here, before any I/O.
    #[napi]
    pub fn with_options(&self, options: Object) -> Result<NativeClient> {
        guard("withOptions", || {
            let call = call_options(&options)?;
            let client = self.core()?.with_options(&call).map_err(to_js)?;
            Ok(NativeClient {
                base_url: self.base_url.clone(),
                current: Mutex::new(Some(client)),
                bridge: Arc::clone(&self.bridge),
            })
        })
    }

    /// Where each operation goes, keyed by its name (`submit`, `get`, `list_page`, `image`,
    /// `delete`), for the spans of node/telemetry.js.
    #[napi]
    pub fn routes<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let client = self.core()?;
        let mut routes = Object::new(env)?;
        for operation in Operation::ALL {
            let route = client.route(operation);
            let info = RouteInfo {
                span_name: operation.span_name(),
                method: route.method,
                url_template: route.url_template.clone(),
                server_address: route.server_address.clone(),
                server_port: route.server_port,
            };
            routes.set_named_property(operation.name(), info)?;
        }
        Ok(routes)
    }

    /// Drops this object's share of the connection pool, which closes with the last client or
    /// copy holding it; later calls reject with `APIConnectionError`.
    #[napi]
    pub fn close(&self) {
        drop(lock(&self.current).take());
    }

    #[napi]
    pub fn submit<'env>(
        &self,
        env: &'env Env,
        params: SubmitParams,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, Json>> {
        let client = traced(self.core()?, trace);
        self.bridge
            .spawn(env, "submit", Abort::take(abort), async move {
                client
                    .face_auth()
                    .submit(params.into())
                    .await
                    .map(Json::from)
            })
    }

    #[napi]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, Json>> {
        let client = traced(self.core()?, trace);
        self.bridge
            .spawn(env, "get", Abort::take(abort), async move {
                client.face_auth().get(&auth_id).await.map(Json::from)
            })
    }

    #[napi]
    // Positional, as JavaScript passes them: an object would cost property reads per call.
    #[allow(clippy::too_many_arguments)]
    pub fn list_page<'env>(
        &self,
        env: &'env Env,
        start_date: Option<String>,
        end_date: Option<String>,
        count: Option<i64>,
        next_key: Option<String>,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, Json>> {
        let params = list_params(start_date, end_date, count, next_key)?;
        let client = traced(self.core()?, trace);
        self.bridge
            .spawn(env, "listPage", Abort::take(abort), async move {
                client.face_auth().list_page(&params).await.map(Json::from)
            })
    }

    /// A pager over every record, `page_size` at a time (the core's default when absent); the
    /// parameters are checked now, by the core's `pager`, before any request.
    #[napi]
    pub fn pager(
        &self,
        start_date: Option<String>,
        end_date: Option<String>,
        page_size: Option<i64>,
    ) -> Result<NativePager> {
        guard("list", || {
            let params = list_params(start_date, end_date, page_size, None)?;
            let client = self.core()?;
            let pager = client.face_auth().pager(params).map_err(to_js)?;
            Ok(NativePager {
                client,
                pager: Arc::new(AsyncMutex::new(pager)),
                done: Arc::new(AtomicBool::new(false)),
                bridge: Arc::clone(&self.bridge),
            })
        })
    }

    /// The decoded image, with the answer's response (`image()` keeps only the image).
    #[napi]
    pub fn image_with_response<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, WithResponse<Buffer>>> {
        let client = traced(self.core()?, trace);
        self.bridge
            .spawn(env, "image", Abort::take(abort), async move {
                let (image, response) = client.face_auth().with_response().image(&auth_id).await?;
                Ok(WithResponse::new(Buffer::from(Vec::from(image)), response))
            })
    }

    /// `{ value: undefined, response }`.
    #[napi]
    pub fn delete_with_response<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, WithResponse<()>>> {
        let client = traced(self.core()?, trace);
        self.bridge
            .spawn(env, "delete", Abort::take(abort), async move {
                let response = client.face_auth().with_response().delete(&auth_id).await?;
                Ok(WithResponse::new((), response))
            })
    }

    #[napi]
    pub fn budget_status<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "budgetStatus", None, async move {
            Ok(Json::from(client.budget_status().await))
        })
    }

    #[napi]
    pub fn face_auth_url(
        &self,
        project_id: String,
        submission_id: String,
        fields: UrlFields,
    ) -> Result<String> {
        let params = FaceAuthUrlParams {
            project_id,
            submission_id,
            user_id: fields.user_id,
            cf1: fields.cf1,
            cf2: fields.cf2,
            cf3: fields.cf3,
            token: fields.token,
        };
        guard("faceAuthUrl", || {
            self.core()?.face_auth_url(&params).map_err(to_js)
        })
    }

    /// Test hook, never called by the package (and not exported by it): a call that panics on
    /// the runtime, settled through the same bridge as every operation.
    #[napi(js_name = "_panicForTests")]
    pub fn panic_for_tests<'env>(
        &self,
        env: &'env Env,
        message: String,
    ) -> Result<PromiseRaw<'env, ()>> {
        self.bridge.spawn::<(), _>(
            env,
            "_panicForTests",
            None,
            async move { panic!("{message}") },
        )
    }
}

/// Walks every record page by page for `list()`; the JavaScript side makes it async-iterable
/// and records each page as a `list_page` span, whose trace context that page is fetched with.
#[napi]
pub struct NativePager {
    client: Client,
    pager: Arc<AsyncMutex<Pager>>,
    /// The pager's `is_done`, readable without waiting for a page in flight.
    done: Arc<AtomicBool>,
    bridge: Arc<Bridge>,
}

#[napi]
impl NativePager {
    #[napi(getter)]
    pub fn done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }

    /// The next page, or `null` after the last one.
    #[napi]
    pub fn next_page<'env>(
        &self,
        env: &'env Env,
        trace: Option<TraceContext>,
        abort: Option<&Abort>,
    ) -> Result<PromiseRaw<'env, Option<Json>>> {
        let client = traced(self.client.clone(), trace);
        let (pager, done) = (Arc::clone(&self.pager), Arc::clone(&self.done));
        self.bridge
            .spawn(env, "list", Abort::take(abort), async move {
                let mut pager = pager.lock().await;
                let page = pager.next_page_with(&client).await;
                done.store(pager.is_done(), Ordering::Relaxed);
                page.map(|page| page.map(Json::from))
            })
    }
}

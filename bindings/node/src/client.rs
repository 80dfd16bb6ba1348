//! `NativeClient`: the core client behind `Client`, built from the user's options object by the
//! core's own option rules, every network operation a Promise (made by [`Bridge`]).

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
    Client, ClientOption, ErrorKind, FaceAuthUrlParams, FaceImage, Host, ListParams, NextKey,
    OptionError, OptionValue, Pager, SubmitRequest,
};

use crate::bridge::Bridge;
use crate::errors::{failure, guard, to_js};
use crate::lock;
use crate::models::Json;

/// The core client for the options object of `new Client(options)`: every own enumerable key
/// goes to the core's `ClientBuilder::set`, which names, checks and applies it; one whose value
/// is `undefined` is left out, but its name must still be an option's.
fn build(options: &Object, user_agent_suffix: String) -> Result<Client> {
    let mut builder = Client::builder().user_agent_suffix(user_agent_suffix);
    let keys = options.get_all_property_names(
        KeyCollectionMode::OwnOnly,
        KeyFilter::Enumerable,
        KeyConversion::NumbersToStrings,
    )?;
    for i in 0..keys.get_array_length()? {
        let key: Unknown = keys.get_element(i)?;
        if key.get_type()? != ValueType::String {
            // A symbol, which `Object.entries` leaves out too.
            continue;
        }
        // SAFETY: `key` is a string, checked above.
        let name = unsafe { key.cast::<String>() }?;
        let Some(value) = option_value(&name, options.get_property(key)?)? else {
            // Left out, yet a misspelt name is still refused.
            ClientOption::find(Host::Node, &name).map_err(to_js)?;
            continue;
        };
        builder = builder
            .set(Host::Node, &name, value)
            .map_err(|err| match err {
                OptionError::WrongType(message) => failure(ErrorKind::Configuration, message),
                OptionError::Invalid(err) => to_js(err),
            })?;
    }
    builder.build().map_err(to_js)
}

/// An option's value as the core reads it; `None` for `undefined` (an option left out). Any
/// other value is named as `typeof` names it, an array as `array`.
fn option_value(name: &str, value: Unknown) -> Result<Option<OptionValue>> {
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

    /// Drops the connection pool; later calls reject with `APIConnectionError`.
    #[napi]
    pub fn close(&self) {
        drop(lock(&self.current).take());
    }

    #[napi]
    pub fn submit<'env>(
        &self,
        env: &'env Env,
        params: SubmitParams,
    ) -> Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "submit", async move {
            client
                .face_auth()
                .submit(params.into())
                .await
                .map(Json::from)
        })
    }

    #[napi]
    pub fn get<'env>(&self, env: &'env Env, auth_id: String) -> Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "get", async move {
            client.face_auth().get(&auth_id).await.map(Json::from)
        })
    }

    #[napi]
    pub fn list_page<'env>(
        &self,
        env: &'env Env,
        start_date: Option<String>,
        end_date: Option<String>,
        count: Option<i64>,
        next_key: Option<String>,
    ) -> Result<PromiseRaw<'env, Json>> {
        let params = list_params(start_date, end_date, count, next_key)?;
        let client = self.core()?;
        self.bridge.spawn(env, "listPage", async move {
            client.face_auth().list_page(&params).await.map(Json::from)
        })
    }

    /// A pager over every record, `page_size` at a time (the core's default when absent); the
    /// parameters are checked now, before any request.
    #[napi]
    pub fn pager(
        &self,
        start_date: Option<String>,
        end_date: Option<String>,
        page_size: Option<i64>,
    ) -> Result<NativePager> {
        guard("list", || {
            let params = list_params(start_date, end_date, page_size, None)?;
            let pager = self.core()?.face_auth().pager(params);
            Ok(NativePager {
                pager: Arc::new(AsyncMutex::new(pager.map_err(to_js)?)),
                bridge: Arc::clone(&self.bridge),
            })
        })
    }

    #[napi]
    pub fn image<'env>(&self, env: &'env Env, auth_id: String) -> Result<PromiseRaw<'env, Buffer>> {
        let client = self.core()?;
        self.bridge.spawn(env, "image", async move {
            let image = client.face_auth().image(&auth_id).await?;
            Ok(Buffer::from(Vec::from(image)))
        })
    }

    #[napi]
    pub fn delete<'env>(&self, env: &'env Env, auth_id: String) -> Result<PromiseRaw<'env, ()>> {
        let client = self.core()?;
        self.bridge.spawn(env, "delete", async move {
            client.face_auth().delete(&auth_id).await
        })
    }

    #[napi]
    pub fn budget_status<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "budgetStatus", async move {
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
        self.bridge
            .spawn::<(), _>(env, "_panicForTests", async move { panic!("{message}") })
    }
}

/// Walks every record page by page for `list()`; the JavaScript side makes it async-iterable.
#[napi]
pub struct NativePager {
    pager: Arc<AsyncMutex<Pager>>,
    bridge: Arc<Bridge>,
}

#[napi]
impl NativePager {
    /// The next record, or `null` after the last.
    #[napi]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<Json>>> {
        let pager = Arc::clone(&self.pager);
        self.bridge.spawn(env, "list", async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(Json::from))
        })
    }
}

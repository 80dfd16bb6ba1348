//! `NativeClient`: the core client behind `Client`, every network operation a Promise (made by
//! [`Bridge`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use napi::bindgen_prelude::{Buffer, Either, Env, Null, PromiseRaw};
use napi_derive::napi;
use tokio::sync::Mutex as AsyncMutex;

use argos_addon::{
    Client, FaceAuthUrlParams, FaceImage, ListParams, NextKey, Pager, SubmitRequest,
    duration_from_secs, int_option,
};

use crate::bridge::Bridge;
use crate::errors::{failure, guard, to_js};
use crate::models::Json;
use crate::{lock, nullable, whole};

/// The options of `new Client(...)`, their types already checked by `node/index.js`; an absent
/// one takes the core's default (or environment variable), and `rateLimit: null` turns the
/// client-side limit off.
#[napi(object, object_to_js = false)]
pub struct ClientOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    /// Milliseconds.
    pub timeout: Option<f64>,
    /// Milliseconds.
    pub connect_timeout: Option<f64>,
    pub max_retries: Option<f64>,
    pub ca_cert: Option<Either<String, Buffer>>,
    pub rate_limit: Option<Either<f64, Null>>,
    pub max_upload_bytes: Option<f64>,
    pub max_response_bytes: Option<f64>,
    pub user_agent_suffix: String,
}

/// A positive number of milliseconds as a `Duration`.
fn millis(option: &str, ms: f64) -> napi::Result<Duration> {
    // The core names seconds in its message; a Node user gave milliseconds.
    duration_from_secs(option, ms / 1000.0).map_err(|_| {
        failure(
            "ConfigurationError",
            format!("{option} must be a positive, finite number of milliseconds, got {ms}"),
        )
    })
}

/// A JavaScript number for an integer option; the core checks that it is at least `min`.
fn int(option: &str, value: f64, min: i64) -> napi::Result<u64> {
    let value = whole("ConfigurationError", option, value, i64::MIN..=i64::MAX)?;
    int_option(option, value, min).map_err(to_js)
}

fn build(o: ClientOptions) -> napi::Result<Client> {
    let mut builder = Client::builder().user_agent_suffix(o.user_agent_suffix);
    if let Some(key) = o.api_key {
        builder = builder.api_key(key);
    }
    if let Some(url) = o.base_url {
        builder = builder.base_url(url);
    }
    if let Some(ms) = o.timeout {
        builder = builder.timeout(millis("timeout", ms)?);
    }
    if let Some(ms) = o.connect_timeout {
        builder = builder.connect_timeout(millis("connectTimeout", ms)?);
    }
    if let Some(n) = o.max_retries {
        builder = builder.max_retries(int("maxRetries", n, 0)?.min(u32::MAX.into()) as u32);
    }
    if let Some(n) = o.max_upload_bytes {
        builder = builder.max_upload_bytes(int("maxUploadBytes", n, 1)?);
    }
    if let Some(n) = o.max_response_bytes {
        builder = builder.max_response_bytes(int("maxResponseBytes", n, 1)?);
    }
    if let Some(rate) = o.rate_limit {
        builder = builder.rate_limit(nullable(rate));
    }
    builder = match o.ca_cert {
        Some(Either::A(pem)) => builder.ca_cert_pem(pem),
        Some(Either::B(pem)) => builder.ca_cert_pem(pem.to_vec()),
        None => builder,
    };
    builder.build().map_err(to_js)
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

/// Filters and paging of `listPage` (`count`) and `list` (`count` is the page size); dates are
/// `YYYY-MM-DD`.
#[napi(object, object_to_js = false)]
pub struct ListOptions {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub count: Option<i64>,
    pub next_key: Option<String>,
}

impl TryFrom<ListOptions> for ListParams {
    type Error = napi::Error;

    fn try_from(o: ListOptions) -> napi::Result<Self> {
        let next_key = o.next_key.map(|k| k.parse::<NextKey>()).transpose();
        Ok(ListParams {
            start_date: o.start_date,
            end_date: o.end_date,
            count: o.count,
            next_key: next_key.map_err(to_js)?,
        })
    }
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
    fn core(&self) -> napi::Result<Client> {
        lock(&self.current).clone().ok_or_else(|| {
            failure(
                "APIConnectionError",
                "this client is closed; create a new one",
            )
        })
    }
}

#[napi]
impl NativeClient {
    /// Checks every option and builds the connection pool; no I/O happens here.
    #[napi(constructor)]
    pub fn new(env: &Env, options: ClientOptions) -> napi::Result<Self> {
        guard("new Client()", || {
            let client = build(options)?;
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
    ) -> napi::Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "submit", async move {
            let result = client.face_auth().submit(params.into()).await;
            result.map(Json::from).map_err(to_js)
        })
    }

    #[napi]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
    ) -> napi::Result<PromiseRaw<'env, Json>> {
        let client = self.core()?;
        self.bridge.spawn(env, "get", async move {
            let record = client.face_auth().get(&auth_id).await;
            record.map(Json::from).map_err(to_js)
        })
    }

    #[napi]
    pub fn list_page<'env>(
        &self,
        env: &'env Env,
        options: ListOptions,
    ) -> napi::Result<PromiseRaw<'env, Json>> {
        let params = ListParams::try_from(options)?;
        let client = self.core()?;
        self.bridge.spawn(env, "listPage", async move {
            let page = client.face_auth().list_page(&params).await;
            page.map(Json::from).map_err(to_js)
        })
    }

    /// A pager over every record; the options are checked now, before any request.
    #[napi]
    pub fn pager(&self, options: ListOptions) -> napi::Result<NativePager> {
        guard("list", || {
            let pager = self.core()?.face_auth().pager(options.try_into()?);
            Ok(NativePager {
                pager: Arc::new(AsyncMutex::new(pager.map_err(to_js)?)),
                bridge: Arc::clone(&self.bridge),
            })
        })
    }

    #[napi]
    pub fn image<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        let client = self.core()?;
        self.bridge.spawn(env, "image", async move {
            let image = client.face_auth().image(&auth_id).await;
            image
                .map(|bytes| Buffer::from(Vec::from(bytes)))
                .map_err(to_js)
        })
    }

    #[napi]
    pub fn delete<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let client = self.core()?;
        self.bridge.spawn(env, "delete", async move {
            client.face_auth().delete(&auth_id).await.map_err(to_js)
        })
    }

    #[napi]
    pub fn face_auth_url(
        &self,
        project_id: String,
        submission_id: String,
        fields: UrlFields,
    ) -> napi::Result<String> {
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
    ) -> napi::Result<PromiseRaw<'env, ()>> {
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
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Option<Json>>> {
        let pager = Arc::clone(&self.pager);
        self.bridge.spawn(env, "list", async move {
            let record = pager.lock().await.next_record().await;
            record.map(|r| r.map(Json::from)).map_err(to_js)
        })
    }
}

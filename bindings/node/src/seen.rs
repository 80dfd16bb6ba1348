//! `NativeSeenWebhooks`: the core's `SeenWebhooks` behind `SeenWebhooks` of node/webhooks.js.

use std::sync::Arc;
use std::time::Duration;

use argos_addon::{ErrorKind, SeenWebhooks};
use napi::Result;
use napi::bindgen_prelude::{Env, PromiseRaw};
use napi_derive::napi;

use crate::bridge::Bridge;
use crate::errors::{failure, guard, to_js};

#[napi]
pub struct NativeSeenWebhooks {
    store: Arc<SeenWebhooks>,
    bridge: Arc<Bridge>,
}

#[napi]
impl NativeSeenWebhooks {
    /// `redis_url` or memory; `ttl_ms` and `max_entries` are numbers node/webhooks.js checked.
    /// No I/O happens here.
    #[napi(constructor)]
    pub fn new(
        env: &Env,
        redis_url: Option<String>,
        ttl_ms: f64,
        max_entries: f64,
    ) -> Result<Self> {
        guard("new SeenWebhooks()", || {
            let ttl = Duration::try_from_secs_f64(ttl_ms / 1000.0)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    failure(
                        ErrorKind::Configuration,
                        "ttlMs must be a positive number of milliseconds",
                    )
                })?;
            if !(max_entries.fract() == 0.0 && max_entries >= 1.0) {
                return Err(failure(
                    ErrorKind::Configuration,
                    "maxEntries must be an integer of at least 1",
                ));
            }
            let max_entries = max_entries.min(usize::MAX as f64) as usize;
            let store = SeenWebhooks::new(redis_url.as_deref(), ttl, max_entries).map_err(to_js)?;
            Ok(NativeSeenWebhooks {
                store: Arc::new(store),
                bridge: Bridge::new(env)?,
            })
        })
    }

    /// The ttl in milliseconds.
    #[napi(getter)]
    pub fn ttl_ms(&self) -> f64 {
        self.store.ttl().as_secs_f64() * 1000.0
    }

    /// `true` the first time (authId, version, authStatus) is seen within the ttl.
    #[napi]
    pub fn first_delivery<'env>(
        &self,
        env: &'env Env,
        auth_id: String,
        version: u32,
        auth_status: Option<String>,
    ) -> Result<PromiseRaw<'env, bool>> {
        let store = Arc::clone(&self.store);
        let version = u8::try_from(version).unwrap_or(u8::MAX);
        let status = auth_status.unwrap_or_default();
        self.bridge.spawn(env, "firstDelivery", None, async move {
            store.first_delivery_of(&auth_id, version, &status).await
        })
    }
}

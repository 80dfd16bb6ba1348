//! `NativeSeenWebhooks`: the core's `SeenWebhooks` behind `argos_addon.webhooks.SeenWebhooks`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;

use argos_addon::{ErrorKind, SeenWebhooks};

use crate::bridge::{Finished, Target, finish};
use crate::convert::{Text, integer, number};
use crate::errors::{guard, raise, to_py};

#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct NativeSeenWebhooks {
    redis_url: Option<String>,
    ttl: Duration,
    max_entries: usize,
    /// The store with the process it was made in: a Redis connection is bound to the runtime,
    /// which a forked child rebuilds (see `runtime`), so the child opens its own.
    store: Mutex<(u32, Arc<SeenWebhooks>)>,
}

#[pymethods]
impl NativeSeenWebhooks {
    #[new]
    #[pyo3(signature = (*, redis_url, ttl, max_entries))]
    fn new(
        py: Python<'_>,
        redis_url: Option<Text>,
        ttl: &Bound<'_, PyAny>,
        max_entries: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        guard(py, "SeenWebhooks", || {
            let kind = ErrorKind::Configuration;
            let secs = number(ttl, kind, "ttl")?;
            let ttl = Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| raise(py, kind, "ttl must be a positive number of seconds"))?;
            let max_entries = usize::try_from(integer(max_entries, kind, "max_entries")?)
                .map_err(|_| raise(py, kind, "max_entries must be at least 1"))?;
            let redis_url = redis_url.map(String::from);
            let store = SeenWebhooks::new(redis_url.as_deref(), ttl, max_entries)
                .map_err(|e| to_py(py, &e))?;
            Ok(NativeSeenWebhooks {
                redis_url,
                ttl,
                max_entries,
                store: Mutex::new((std::process::id(), Arc::new(store))),
            })
        })
    }

    /// The ttl in seconds.
    #[getter]
    fn ttl(&self) -> f64 {
        self.ttl.as_secs_f64()
    }

    /// Whether the store is Redis.
    #[getter]
    fn shared(&self) -> bool {
        self.redis_url.is_some()
    }

    /// `True` the first time (auth_id, version, auth_status) is seen within the ttl.
    #[pyo3(signature = (auth_id, version, auth_status, to=None))]
    fn first_delivery(
        &self,
        py: Python<'_>,
        auth_id: Text,
        version: u8,
        auth_status: Option<Text>,
        to: Option<Target<'_>>,
    ) -> Finished<bool> {
        guard(py, "first_delivery", || {
            let store = self.store().map_err(|e| to_py(py, &e))?;
            let auth_id = String::from(auth_id);
            let status = auth_status.map(String::from).unwrap_or_default();
            let fut = async move { store.first_delivery_of(&auth_id, version, &status).await };
            finish(py, "first_delivery", to, fut)
        })
    }
}

impl NativeSeenWebhooks {
    fn store(&self) -> argos_addon::Result<Arc<SeenWebhooks>> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if store.0 != pid && self.redis_url.is_some() {
            let fresh = SeenWebhooks::new(self.redis_url.as_deref(), self.ttl, self.max_entries)?;
            // Never dropped: its connection's tasks belong to the parent's dead runtime.
            std::mem::forget(std::mem::replace(&mut store.1, Arc::new(fresh)));
        }
        store.0 = pid;
        Ok(store.1.clone())
    }
}

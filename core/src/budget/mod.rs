//! The budget every call draws from before it is sent: `rate_limit` requests per second and
//! `daily_quota` per UTC day, kept by this client or, with a `budget_url`, shared by every
//! client of the same API key through Redis (README, *Sharing one key across processes*).

mod combine;
mod local;
mod store;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, Utc};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::error_kind::ErrorKind;
use crate::models::BudgetStatus;
use local::LocalBudget;
use store::RedisStore;
pub(crate) use store::{Connection, Link};
pub use store::{STORE_TIMEOUT, StoreUrl, key_prefix};

/// The share of `rate_limit` a fleet paces itself at: the 1 % left over absorbs the jitter
/// between a slot and the request's arrival, so that no second of the gateway's count goes over.
const FLEET_PACE: f64 = 0.99;

/// What a call does when the budget store cannot answer in time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BudgetFailure {
    /// This process's own budget, at `rate_limit`, with one warning in the log.
    #[default]
    Local,
    /// No budget at all.
    Open,
    /// `BudgetUnavailableError`; nothing is sent.
    Closed,
}

impl BudgetFailure {
    pub const NAMES: [&'static str; 3] = ["local", "open", "closed"];

    pub fn name(self) -> &'static str {
        match self {
            BudgetFailure::Local => "local",
            BudgetFailure::Open => "open",
            BudgetFailure::Closed => "closed",
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "local" => Ok(BudgetFailure::Local),
            "open" => Ok(BudgetFailure::Open),
            "closed" => Ok(BudgetFailure::Closed),
            other => Err(Error::configuration(format!(
                "budget_failure must be one of {}; got {other:?}",
                Self::NAMES.map(|n| format!("{n:?}")).join(", ")
            ))),
        }
    }
}

/// What the budget said to one call.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Admission {
    /// Send after `wait`.
    Granted { wait: Duration },
    /// The next slot is `wait` away, longer than the call may wait; nothing was taken.
    TooLong { wait: Duration },
    /// The day's quota is spent.
    QuotaSpent { used: u64, resets_at: DateTime<Utc> },
}

#[derive(Debug)]
pub(crate) struct Budget {
    rate: Option<f64>,
    quota: Option<u64>,
    failure: BudgetFailure,
    local: LocalBudget,
    store: Option<Arc<RedisStore>>,
}

impl Budget {
    /// No I/O: a store is first contacted by the first call.
    pub(crate) fn new(config: &Config) -> Result<Self> {
        let store = config
            .budget_url
            .as_ref()
            .map(|url| {
                RedisStore::new(
                    url,
                    &config.api_key,
                    config.budget_failure,
                    interval(config.rate_limit),
                    config.daily_quota,
                )
                .map(Arc::new)
            })
            .transpose()?;
        Ok(Budget {
            rate: config.rate_limit,
            quota: config.daily_quota,
            failure: config.budget_failure,
            local: LocalBudget::new(config.rate_limit),
            store,
        })
    }

    /// Waits (without blocking a thread) for the call's slot; a call with no slot within
    /// `max_wait`, past the day's quota, or without its store under `budget_failure="closed"`
    /// fails here, unsent.
    pub(crate) async fn admit(&self, max_wait: Duration) -> Result<()> {
        let admission = match &self.store {
            None => self.local.take(self.quota, max_wait),
            Some(store) => match store.take(max_wait).await {
                Ok(admission) => admission,
                Err(why) => match self.failure {
                    BudgetFailure::Local => self.local.take(self.quota, max_wait),
                    BudgetFailure::Open => return Ok(()),
                    BudgetFailure::Closed => return Err(Error::budget_unavailable(&why)),
                },
            },
        };
        match admission {
            Admission::Granted { wait } => {
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                Ok(())
            }
            Admission::TooLong { wait } => Err(Error::local_rate_limit(wait, max_wait)),
            Admission::QuotaSpent { used, resets_at } => {
                Err(Error::local_quota(used, self.quota, resets_at))
            }
        }
    }

    /// Tells the fleet what a 429 from the API means: `Retry-After` holds every client for that
    /// long, "Limit Exceeded" spends the day. Without a store a client keeps to the per-call
    /// retry policy alone, as it always has.
    pub(crate) async fn observe(&self, err: &Error) {
        let Some(store) = &self.store else {
            return;
        };
        if err.status() != Some(429) {
            return;
        }
        // An unreachable store was logged when it failed; the local budget, the fallback, knows
        // either way.
        let _ = match (err.kind(), err.retry_after()) {
            (ErrorKind::QuotaExceeded, _) => {
                self.local.exhaust();
                store.exhaust().await
            }
            (_, Some(wait)) => {
                self.local.hold(wait);
                store.hold(wait).await
            }
            _ => Ok(()),
        };
    }

    pub(crate) async fn status(&self) -> BudgetStatus {
        let local = || self.local.used_today();
        let (store, healthy, (used, resets_at, exhausted)) = match &self.store {
            None => ("local", true, local()),
            Some(store) => match store.status().await {
                Ok(reply) => (
                    "redis",
                    true,
                    (reply.used, reply.resets_at, reply.exhausted),
                ),
                Err(_) => ("redis", false, local()),
            },
        };
        BudgetStatus {
            rate_limit: self.rate,
            daily_quota: self.quota,
            used_today: used,
            remaining_today: self
                .quota
                .map(|q| if exhausted { 0 } else { q.saturating_sub(used) }),
            resets_at,
            store: store.to_owned(),
            healthy,
        }
    }
}

/// The time between two of the fleet's slots; zero without a rate.
fn interval(rate: Option<f64>) -> Duration {
    rate.map_or(Duration::ZERO, |rate| {
        Duration::try_from_secs_f64(1.0 / (rate * FLEET_PACE)).unwrap_or(Duration::MAX)
    })
}

/// The next 00:00 UTC after `now`.
pub(crate) fn next_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.date_naive() + Days::new(1);
    tomorrow.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

//! The budget store: Redis, or a Redis Cluster, reached through redis-rs. One script call per
//! operation, each bounded by [`STORE_TIMEOUT`]; a store that failed is left alone for
//! [`STORE_PAUSE`], so that an outage costs the calls nothing but the fallback.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use sha2::{Digest, Sha256};

use super::combine::{self, Combiner, Slots};
use super::{Admission, BudgetFailure};
use crate::config::ApiKey;
use crate::error::{Error, Result};
use crate::logging::TARGET;

/// A store operation slower than this counts as the store being unreachable.
pub const STORE_TIMEOUT: Duration = Duration::from_millis(250);
/// How long calls skip a store that just failed before one of them tries it again.
const STORE_PAUSE: Duration = Duration::from_secs(1);
/// How long opening a cluster's connections (every node, then its slot map) may take. It runs in
/// a task of its own, so a call still gives up after [`STORE_TIMEOUT`], but a far or loaded
/// cluster that needs longer is ready for the calls that come after.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

const SCRIPT: &str = include_str!("budget.lua");

/// How long before its slot a call may go. tokio's timer ends a sleep on a millisecond tick at
/// or after its deadline, so a call that aims one tick early goes no earlier than 1 ms before
/// its slot (and no longer up to a tick after it), and one whose slot is due within the tick
/// goes at once (at 64 calls in flight, most of a batch's slots are microseconds apart). That
/// is a burst of at most `rate_limit / 1000` calls: inside the contract's 1 %, and inside the
/// 1 % the fleet's pace keeps free.
const EARLY: Duration = Duration::from_millis(1);

/// The validated `budget_url`: one Redis, or the nodes of a Redis Cluster. Its `Debug` hides
/// the URLs, which may hold a password.
#[derive(Clone)]
pub struct StoreUrl {
    urls: Vec<String>,
    /// The option it came from, for messages.
    what: &'static str,
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({} node(s), ****)", self.urls.len())
    }
}

impl StoreUrl {
    /// `redis://[user:pass@]host:port[/db]` or `rediss://`, or several of them, comma-separated,
    /// for the nodes of a cluster. Messages name the node, never the URL (it may hold a password).
    pub(crate) fn parse(raw: &str) -> Result<StoreUrl> {
        Self::parse_named(raw, "budget_url")
    }

    /// [`StoreUrl::parse`] for the option `what`, which messages name.
    pub(crate) fn parse_named(raw: &str, what: &'static str) -> Result<StoreUrl> {
        let urls: Vec<String> = raw.split(',').map(|u| u.trim().to_owned()).collect();
        for (i, url) in urls.iter().enumerate() {
            let which = match urls.len() {
                1 => what.to_owned(),
                _ => format!("{what}'s node {}", i + 1),
            };
            let parsed = reqwest::Url::parse(url).map_err(|_| {
                Error::configuration(format!(
                    "{which} is not a URL; expected redis://host:port or rediss://host:port"
                ))
            })?;
            if !matches!(parsed.scheme(), "redis" | "rediss") {
                return Err(Error::configuration(format!(
                    "{which} must use redis:// or rediss:// (got {}://)",
                    parsed.scheme()
                )));
            }
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(Error::configuration(format!("{which} has no host")));
            }
            let db = parsed.path().trim_start_matches('/');
            if !(db.is_empty() || db.parse::<u16>().is_ok()) {
                return Err(Error::configuration(format!(
                    "{which}'s path must be a database number, such as /0"
                )));
            }
        }
        let store = StoreUrl { urls, what };
        store.target()?;
        Ok(store)
    }

    pub(crate) fn target(&self) -> Result<Target> {
        let what = self.what;
        let invalid =
            |_| Error::configuration(format!("{what} is not a Redis URL redis-rs accepts"));
        Ok(match self.urls.as_slice() {
            [one] => Target::Single(Box::new(
                redis::Client::open(one.as_str()).map_err(invalid)?,
            )),
            nodes => Target::Cluster(Box::new(
                ClusterClient::builder(nodes.iter().map(String::as_str))
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(STORE_TIMEOUT)
                    .retries(1)
                    .build()
                    .map_err(invalid)?,
            )),
        })
    }
}

#[derive(Clone)]
pub(crate) enum Target {
    Single(Box<redis::Client>),
    Cluster(Box<ClusterClient>),
}

impl Target {
    /// Opens the connection: the builder does no I/O, and redis-rs must start its tasks inside
    /// the runtime. Both kinds reconnect by themselves afterwards.
    pub(crate) async fn open(&self) -> redis::RedisResult<Connection> {
        Ok(match self {
            Target::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(STORE_TIMEOUT))
                    .set_response_timeout(Some(STORE_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(STORE_PAUSE);
                Connection::Single(ConnectionManager::new_lazy_with_config(
                    (**client).clone(),
                    config,
                )?)
            }
            Target::Cluster(client) => Connection::Cluster(client.get_async_connection().await?),
        })
    }
}

#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// What a script call answered.
pub(crate) struct Reply {
    /// How many of the slots asked for were taken.
    pub granted: usize,
    /// Until the first of them.
    pub wait: Duration,
    pub used: u64,
    pub resets_at: DateTime<Utc>,
    pub exhausted: bool,
    /// Why the others were not: 1 = beyond the longest wait, 2 = the quota is spent.
    pub cut: i64,
}

impl Reply {
    /// The admission of the `i`-th caller of a `take` for slots `interval` apart.
    fn admission(&self, i: usize, interval: Duration) -> Admission {
        let wait = self.wait + interval * i as u32;
        match (i < self.granted, self.cut) {
            (true, _) => Admission::Granted {
                wait: wait.saturating_sub(EARLY),
            },
            (false, 2) => Admission::QuotaSpent {
                used: self.used,
                resets_at: self.resets_at,
            },
            (false, _) => Admission::TooLong { wait },
        }
    }
}

/// Opening a connection, in a task of its own; every call that needs it awaits the same one.
type Opening = Shared<BoxFuture<'static, std::result::Result<Connection, String>>>;

#[derive(Default)]
enum LinkState {
    #[default]
    Closed,
    Opening(Opening),
    Open(Connection),
}

/// A store's connection: opened on first use, shared by the calls, dropped after a failure.
///
/// Opening runs in a spawned task, so a call that gives up after [`STORE_TIMEOUT`] does not
/// cancel it: the calls after it find the connection ready instead of starting over, and a
/// store whose connections take longer than one call may wait (a far cluster over TLS) still
/// becomes usable.
pub(crate) struct Link {
    target: Target,
    state: Mutex<LinkState>,
}

impl Link {
    pub(crate) fn new(target: Target) -> Link {
        Link {
            target,
            state: Mutex::new(LinkState::Closed),
        }
    }

    /// The connection, opened on first use (see [`Target::open`]).
    pub(crate) async fn connect(&self) -> std::result::Result<Connection, String> {
        let opening = {
            let mut state = self.state();
            match &*state {
                LinkState::Open(connection) => return Ok(connection.clone()),
                LinkState::Opening(opening) => opening.clone(),
                LinkState::Closed => {
                    let target = self.target.clone();
                    let task = tokio::spawn(async move { target.open().await });
                    let opening = async move {
                        match task.await {
                            Ok(opened) => opened.map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    .boxed()
                    .shared();
                    *state = LinkState::Opening(opening.clone());
                    opening
                }
            }
        };
        let opened = opening.clone().await;
        let mut state = self.state();
        // Only the opening this call awaited is settled here: a reset since then wins.
        if matches!(&*state, LinkState::Opening(current) if current.ptr_eq(&opening)) {
            *state = match &opened {
                Ok(connection) => LinkState::Open(connection.clone()),
                Err(_) => LinkState::Closed,
            };
        }
        opened
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops the connection after a failure: redis-rs would hand the next call the error of its
    /// own failed reconnect even after the store is back, so the next call opens a fresh one.
    /// An opening still under way is kept: it is the fresh one.
    pub(crate) fn reset(&self) {
        let mut state = self.state();
        if matches!(&*state, LinkState::Open(_)) {
            *state = LinkState::Closed;
        }
    }
}

pub(crate) struct RedisStore {
    link: Link,
    /// The key names, all in one hash slot, derived from a hash of the API key.
    keys: [String; 2],
    script: redis::Script,
    /// Shares one `take` among the calls that want slots at the same moment.
    combiner: Combiner,
    /// The time between two of the fleet's slots, and the daily quota (0 = none).
    interval: Duration,
    quota: u64,
    failure: BudgetFailure,
    /// Since when the store has been failing, and until when calls skip it.
    outage: Mutex<Option<Outage>>,
}

#[derive(Clone, Copy)]
struct Outage {
    retry_at: Instant,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// `argos:{<first 16 hex of SHA-256(key)>}:`: the braces put every key of one API key in one
/// Redis Cluster hash slot, and the key itself never reaches the store.
pub fn key_prefix(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("argos:{{{hex}}}:")
}

impl RedisStore {
    pub(crate) fn new(
        url: &StoreUrl,
        api_key: &ApiKey,
        failure: BudgetFailure,
        interval: Duration,
        quota: Option<u64>,
    ) -> Result<Self> {
        let prefix = key_prefix(api_key.expose());
        Ok(RedisStore {
            link: Link::new(url.target()?),
            keys: ["budget", "clock"].map(|k| format!("{prefix}{k}")),
            script: redis::Script::new(SCRIPT),
            combiner: Combiner::default(),
            interval,
            quota: quota.unwrap_or(0),
            failure,
            outage: Mutex::new(None),
        })
    }

    /// Takes a slot within `max_wait` (`interval` apart from the fleet's previous one) and
    /// counts it against the quota; calls that ask at the same moment share one script call.
    pub(crate) async fn take(
        self: &Arc<Self>,
        max_wait: Duration,
    ) -> std::result::Result<Admission, String> {
        combine::take(self, max_wait).await
    }

    /// Holds the fleet for `wait`.
    pub(crate) async fn hold(&self, wait: Duration) -> std::result::Result<(), String> {
        self.call("hold", micros(wait), 0, 0, 0).await.map(drop)
    }

    /// Marks the fleet's UTC day spent.
    pub(crate) async fn exhaust(&self) -> std::result::Result<(), String> {
        self.call("exhaust", 0, 0, 0, 0).await.map(drop)
    }

    pub(crate) async fn status(&self) -> std::result::Result<Reply, String> {
        self.call("status", 0, 0, 0, 0).await
    }

    /// One script call, or why the store could not answer in time.
    async fn call(
        &self,
        op: &str,
        amount: u64,
        quota: u64,
        max_wait: u64,
        slots: usize,
    ) -> std::result::Result<Reply, String> {
        if let Some(outage) = *self.outage()
            && Instant::now() < outage.retry_at
        {
            return Err("the store failed less than a second ago".into());
        }
        let mut invocation = self.script.prepare_invoke();
        for key in &self.keys {
            invocation.key(key);
        }
        invocation
            .arg(op)
            .arg(amount)
            .arg(quota)
            .arg(max_wait)
            .arg(slots);
        let answer = tokio::time::timeout(STORE_TIMEOUT, async {
            let reply: redis::RedisResult<Vec<i64>> = match self.link.connect().await? {
                Connection::Single(mut c) => invocation.invoke_async(&mut c).await,
                Connection::Cluster(mut c) => invocation.invoke_async(&mut c).await,
            };
            reply.map_err(|e| e.to_string())
        })
        .await;
        let reply = match answer {
            Ok(Ok(reply)) => reply,
            Ok(Err(err)) => return Err(self.failed(err)),
            Err(_) => return Err(self.failed(format!("no answer within {STORE_TIMEOUT:?}"))),
        };
        self.answered();
        let [granted, wait, used, resets_at, exhausted, cut] = reply[..] else {
            return Err(format!("the budget script answered {} values", reply.len()));
        };
        Ok(Reply {
            granted: granted.max(0) as usize,
            wait: Duration::from_micros(wait.max(0) as u64),
            used: used.max(0) as u64,
            resets_at: DateTime::from_timestamp_micros(resets_at).unwrap_or_default(),
            exhausted: exhausted == 1,
            cut,
        })
    }

    fn outage(&self) -> std::sync::MutexGuard<'_, Option<Outage>> {
        self.outage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts (or extends) an outage; its first failure is logged once, saying what calls do
    /// meanwhile. The connection is dropped ([`Link::reset`]).
    fn failed(&self, why: String) -> String {
        self.link.reset();
        let mut outage = self.outage();
        if outage.is_none() {
            let meanwhile = match self.failure {
                BudgetFailure::Local => "calls use this process's own budget until it returns",
                BudgetFailure::Open => "calls are sent without a budget until it returns",
                BudgetFailure::Closed => "calls fail with BudgetUnavailableError until it returns",
            };
            tracing::warn!(target: TARGET, "the budget store is unreachable ({why}); {meanwhile}");
        }
        *outage = Some(Outage {
            retry_at: Instant::now() + STORE_PAUSE,
        });
        why
    }

    fn answered(&self) {
        if self.outage().take().is_some() {
            tracing::info!(target: TARGET, "the budget store is reachable again");
        }
    }
}

impl Slots for RedisStore {
    fn combiner(&self) -> &Combiner {
        &self.combiner
    }

    async fn slots(
        &self,
        n: usize,
        max_wait: Duration,
    ) -> std::result::Result<Vec<Admission>, String> {
        let interval = self.interval;
        let reply = self
            .call("take", micros(interval), self.quota, micros(max_wait), n)
            .await?;
        Ok((0..n).map(|i| reply.admission(i, interval)).collect())
    }
}

/// Whole microseconds, rounded up: a slot is never shorter than asked.
fn micros(d: Duration) -> u64 {
    d.as_nanos().div_ceil(1000).min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(granted: usize, wait_us: u64, cut: i64) -> Reply {
        Reply {
            granted,
            wait: Duration::from_micros(wait_us),
            used: 0,
            resets_at: DateTime::default(),
            exhausted: false,
            cut,
        }
    }

    fn waits(reply: &Reply, n: usize, interval: Duration) -> Vec<String> {
        (0..n)
            .map(|i| match reply.admission(i, interval) {
                Admission::Granted { wait } => format!("go {}", wait.as_micros()),
                Admission::TooLong { wait } => format!("too long {}", wait.as_micros()),
                Admission::QuotaSpent { .. } => "spent".into(),
            })
            .collect()
    }

    #[test]
    fn granted_callers_go_up_to_a_timer_tick_before_their_slot() {
        let interval = Duration::from_micros(400);
        assert_eq!(
            waits(&reply(3, 1500, 1), 4, interval),
            ["go 500", "go 900", "go 1300", "too long 2700"]
        );
        // A batch whose slots are microseconds apart goes at once rather than a tick late.
        assert_eq!(
            waits(&reply(3, 0, 0), 3, Duration::from_micros(2)),
            ["go 0", "go 0", "go 0"]
        );
        assert_eq!(waits(&reply(1, 0, 2), 2, interval), ["go 0", "spent"]);
    }
}

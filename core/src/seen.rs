//! Dropping duplicate webhook deliveries: [`SeenWebhooks`] remembers which (auth id, version,
//! status) it was shown, in this process's memory or in the fleet's Redis (the store of the
//! fleet budget, README *Sharing one key across processes*).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::budget::{Connection, Link, STORE_TIMEOUT, StoreUrl};
use crate::error::{Error, Result};
use crate::models::FaceAuthWebhook;

/// How long a delivery is remembered unless told otherwise: one day. ARGOS does not document
/// how long it retries a webhook (`../shared/spec`, §8: "retry schedule ... not captured"), so
/// this is a choice: far longer than any retry schedule of a webhook sender in practice, and a
/// day of keys is small (one short Redis key, or 16 bytes in memory, per delivery).
pub const DEFAULT_SEEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How many deliveries the in-memory store remembers unless told otherwise; past it the oldest
/// are forgotten first.
pub const DEFAULT_SEEN_MAX_ENTRIES: usize = 100_000;

/// The prefix of every key [`SeenWebhooks`] writes to Redis.
pub const SEEN_KEY_PREFIX: &str = "argos:webhook:";

/// Remembers the webhooks it was shown for `ttl`, so that a receiver can drop a duplicate
/// delivery: [`SeenWebhooks::first_delivery`] is `true` the first time an (auth id, version,
/// status) is seen within `ttl`, `false` after.
///
/// The store holds a hash, never the auth id: the key is `argos:webhook:` followed by the hex
/// of the first 16 bytes of SHA-256 over the auth id, the version and the status, joined by a
/// NUL byte.
///
/// With Redis, one `SET key 1 NX PX <ttl>` per call, bounded by [`STORE_TIMEOUT`]. A store
/// that cannot answer in time is an [`Error`] of kind `Connection` and nothing is recorded: the
/// caller decides whether to process the webhook anyway (at least once: a later retry may be
/// processed again) or to answer 5xx so that ARGOS sends it again.
pub struct SeenWebhooks {
    ttl: Duration,
    store: Store,
}

enum Store {
    Memory(Mutex<Memory>),
    /// The connection to the store, kept as the budget keeps its own.
    Redis(Box<Link>),
}

impl fmt::Debug for SeenWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = match &self.store {
            Store::Memory(_) => "memory",
            Store::Redis(_) => "redis",
        };
        f.debug_struct("SeenWebhooks")
            .field("store", &store)
            .field("ttl", &self.ttl)
            .finish()
    }
}

type Digest16 = [u8; 16];

/// Keys with their expiry, and the same keys in the order they were added: with one `ttl`
/// that is also the order they expire in, so both evictions take from the front.
struct Memory {
    expiry: HashMap<Digest16, Instant>,
    order: VecDeque<(Digest16, Instant)>,
    max_entries: usize,
}

impl Memory {
    fn first(&mut self, key: Digest16, ttl: Duration) -> bool {
        let now = Instant::now();
        while let Some(&(old, expires)) = self.order.front() {
            if expires > now {
                break;
            }
            self.order.pop_front();
            self.expiry.remove(&old);
        }
        if self.expiry.contains_key(&key) {
            return false;
        }
        while self.expiry.len() >= self.max_entries {
            let Some((old, _)) = self.order.pop_front() else {
                break;
            };
            self.expiry.remove(&old);
        }
        let expires = now + ttl;
        self.expiry.insert(key, expires);
        self.order.push_back((key, expires));
        true
    }
}

impl SeenWebhooks {
    /// Remembers deliveries in this process for `ttl`, at most `max_entries` of them (at least
    /// one; past it the oldest are forgotten first).
    pub fn in_memory(ttl: Duration, max_entries: usize) -> SeenWebhooks {
        let max_entries = max_entries.max(1);
        SeenWebhooks {
            ttl,
            store: Store::Memory(Mutex::new(Memory {
                expiry: HashMap::new(),
                order: VecDeque::new(),
                max_entries,
            })),
        }
    }

    /// Remembers deliveries in Redis for `ttl`, shared by every process that uses the same
    /// store: `url` is one `redis://` / `rediss://` URL, or the comma-separated nodes of a
    /// cluster, as the fleet budget's `budget_url`. No I/O happens here: the connection is
    /// opened by the first call. A bad URL is a `Configuration` error that never quotes it
    /// (it may hold a password).
    pub fn redis(url: &str, ttl: Duration) -> Result<SeenWebhooks> {
        let target = StoreUrl::parse_named(url, "redis_url")?.target()?;
        Ok(SeenWebhooks {
            ttl,
            store: Store::Redis(Box::new(Link::new(target))),
        })
    }

    /// What the Python and Node packages build: Redis when `redis_url` is given, memory
    /// otherwise. `ttl` must be positive and `max_entries` (memory only) at least 1.
    pub fn new(redis_url: Option<&str>, ttl: Duration, max_entries: usize) -> Result<SeenWebhooks> {
        if ttl.is_zero() {
            return Err(Error::configuration("ttl must be positive"));
        }
        if max_entries == 0 {
            return Err(Error::configuration("max_entries must be at least 1"));
        }
        match redis_url {
            Some(url) => SeenWebhooks::redis(url, ttl),
            None => Ok(SeenWebhooks::in_memory(ttl, max_entries)),
        }
    }

    /// How long a delivery is remembered.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// `true` the first time this webhook's (auth id, version, status) is seen within the ttl,
    /// `false` for a repeat. A webhook without a status counts as one with an empty status.
    pub async fn first_delivery(&self, hook: &FaceAuthWebhook) -> Result<bool> {
        let status = hook.auth_status.as_deref().unwrap_or_default();
        self.first_delivery_of(&hook.auth_id, hook.version, status)
            .await
    }

    /// [`SeenWebhooks::first_delivery`] from the three parts of the key.
    pub async fn first_delivery_of(
        &self,
        auth_id: &str,
        version: u8,
        auth_status: &str,
    ) -> Result<bool> {
        let key = digest(auth_id, version, auth_status);
        match &self.store {
            Store::Memory(memory) => Ok(memory
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .first(key, self.ttl)),
            Store::Redis(link) => set_first(link, &seen_key_of(&key), self.ttl).await,
        }
    }
}

/// The Redis key of a delivery (see [`SeenWebhooks`]).
pub fn seen_key(auth_id: &str, version: u8, auth_status: &str) -> String {
    seen_key_of(&digest(auth_id, version, auth_status))
}

fn seen_key_of(digest: &Digest16) -> String {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{SEEN_KEY_PREFIX}{hex}")
}

fn digest(auth_id: &str, version: u8, auth_status: &str) -> Digest16 {
    let mut hasher = Sha256::new();
    hasher.update(auth_id.as_bytes());
    hasher.update([0]);
    hasher.update(version.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(auth_status.as_bytes());
    let full = hasher.finalize();
    let mut out = [0; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// `SET key 1 NX PX <ttl>`: whether the key was set, bounded by [`STORE_TIMEOUT`]. After a
/// failure the connection is dropped ([`Link::reset`]), as the budget does.
async fn set_first(link: &Link, key: &str, ttl: Duration) -> Result<bool> {
    let millis = ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
    let mut set = redis::cmd("SET");
    set.arg(key).arg(1).arg("NX").arg("PX").arg(millis);
    let answer = tokio::time::timeout(STORE_TIMEOUT, async {
        let reply: redis::RedisResult<Option<String>> = match link.connect().await? {
            Connection::Single(mut c) => set.query_async(&mut c).await,
            Connection::Cluster(mut c) => set.query_async(&mut c).await,
        };
        reply.map_err(|e| e.to_string())
    })
    .await;
    let why = match answer {
        Ok(Ok(reply)) => return Ok(reply.is_some()),
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {STORE_TIMEOUT:?}"),
    };
    link.reset();
    Err(Error::webhook_store_unreachable(&why))
}

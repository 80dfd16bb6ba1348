//! Everything the server knows, shared between its connections and the test's
//! [`MockServer`](crate::MockServer) handle.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::fault::Fault;
use crate::ids;
use crate::limits::{DailyQuota, TokenBucket};
use crate::options::MockOptions;
use crate::recorded::BoundedLog;
use crate::records::{FaceAuthRecord, truncate_to_millis};
use crate::seconds::SecondWindows;
use crate::shapes::{ImageEncoding, ListShape};
use crate::verdict::ForcedVerdict;

/// Settings fixed at start.
#[derive(Debug)]
pub(crate) struct Config {
    pub api_key: String,
    pub project_id: String,
    pub max_body_bytes: usize,
    pub similarity_threshold: f64,
}

/// An ID Check submission that FaceAuth requests refer to.
#[derive(Debug)]
pub(crate) struct Submission {
    pub status: String,
    pub selfie: Option<Vec<u8>>,
}

/// What changes while the server runs.
#[derive(Debug)]
pub(crate) struct State {
    pub submissions: HashMap<String, Submission>,
    pub records: HashMap<String, FaceAuthRecord>,
    pub forced: VecDeque<ForcedVerdict>,
    pub faults: Vec<Fault>,
    /// Requests per `"METHOD /path"`.
    pub counts: HashMap<String, u64>,
    pub requests: BoundedLog,
    pub deny: bool,
    pub list_shape: ListShape,
    pub image_encoding: ImageEncoding,
    pub bucket: Option<TokenBucket>,
    pub quota: DailyQuota,
    pub seconds: SecondWindows,
    /// Whether requests go to [`bench`](crate::bench) instead of the gateway and its routes:
    /// see [`MockServer::set_bench`](crate::MockServer::set_bench).
    pub bench: bool,
    last_create_time: Option<DateTime<Utc>>,
}

impl State {
    /// A fresh `auth_id` that no stored record uses.
    pub(crate) fn new_auth_id(&self) -> String {
        loop {
            let id = ids::auth_id();
            if !self.records.contains_key(&id) {
                return id;
            }
        }
    }

    /// Now, in milliseconds, but always after the previous record so that listing
    /// order is deterministic even for records made within the same millisecond.
    pub(crate) fn next_create_time(&mut self) -> DateTime<Utc> {
        let now = truncate_to_millis(Utc::now());
        let time = match self.last_create_time {
            Some(last) if now <= last => last + TimeDelta::milliseconds(1),
            _ => now,
        };
        self.last_create_time = Some(time);
        time
    }
}

/// Count key for a route, e.g. `POST /faceauth`.
pub(crate) fn count_key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_ascii_uppercase())
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    /// TCP connections accepted, counted by the accept loop; outside the lock so that
    /// counting never waits for a request that holds it.
    pub connections: AtomicU64,
    /// TLS handshakes completed, counted by each connection's task before it serves HTTP.
    pub handshakes: AtomicU64,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(opts: &MockOptions) -> Self {
        let config = Config {
            api_key: opts.api_key.clone().unwrap_or_else(ids::api_key),
            project_id: opts.project_id.clone().unwrap_or_else(ids::project_id),
            max_body_bytes: opts.max_body_bytes,
            similarity_threshold: opts.similarity_threshold,
        };
        let state = State {
            submissions: HashMap::new(),
            records: HashMap::new(),
            forced: VecDeque::new(),
            faults: Vec::new(),
            counts: HashMap::new(),
            requests: BoundedLog::new(opts.request_log_limit),
            deny: false,
            list_shape: ListShape::default(),
            image_encoding: ImageEncoding::default(),
            bucket: opts.rate_limit.map(TokenBucket::new),
            quota: DailyQuota::new(opts.daily_quota),
            seconds: SecondWindows::new(opts.gateway_limit),
            bench: false,
            last_create_time: None,
        };
        Self {
            config,
            connections: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            state: Mutex::new(state),
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave it half-updated
    /// in a way that matters to a test double, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_times_strictly_increase() {
        let shared = Shared::new(&MockOptions::default());
        let mut state = shared.lock();
        let times: Vec<_> = (0..50).map(|_| state.next_create_time()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert!(
            times
                .iter()
                .all(|t| t.timestamp_subsec_micros() % 1000 == 0)
        );
    }

    #[test]
    fn generated_credentials_have_documented_shapes() {
        let shared = Shared::new(&MockOptions::default());
        assert_eq!(shared.config.api_key.len(), 40);
        assert_eq!(shared.config.project_id.len(), 10);
        assert_eq!(count_key("get", "/faceauth"), "GET /faceauth");
    }
}

//! One member of a fleet sharing an API key's budget (tests/python/test_fleet.py):
//! `cargo run --example fleet_worker`, configured by the environment.
//!
//! The same contract as `tests/fleet/worker.py` and `tests/fleet/worker.mjs`:
//!
//! - `ARGOS_API_KEY`, `ARGOS_BASE_URL`: the API (e.g. the mock); `ARGOS_CA_FILE`: a PEM file of
//!   extra trusted roots, if any.
//! - `ARGOS_BUDGET_URL`: the budget store (empty or unset: none); `ARGOS_BUDGET_FAILURE`:
//!   `local`, `open` or `closed` (unset: the client's default).
//! - `ARGOS_FLEET_RATE_LIMIT`: requests per second, or `none` (unset: the client's default);
//!   `ARGOS_FLEET_DAILY_QUOTA`: the daily quota (unset: none).
//! - `ARGOS_FLEET_CALLS`: how many calls; `ARGOS_FLEET_DURATION`: seconds during which calls
//!   are started. At least one of them; with both, whichever ends first.
//! - `ARGOS_FLEET_CONCURRENCY`: calls in flight (default 8).
//! - `ARGOS_FLEET_WARMUP`: calls made (as many at once as the concurrency allows) before the
//!   start, to open the connections; not counted (default 0).
//! - `ARGOS_FLEET_START`: the Unix time (seconds) to begin at; `stdin`: print `ready` on stdout
//!   once the client is built and warmed up, then read that time from a line of stdin; unset:
//!   at once.
//!
//! Every call is `list_page(count=1)` with `max_retries=0`, so that a 429 is seen as an error.
//! At the end it prints one JSON line: `{"ok", "throttled" (any 429), "local_quota",
//! "local_rate_limit", "other", "first_other_error" (null when none), "elapsed" (seconds from
//! the start to the last answer), "start" and "end" (the same two moments, in Unix seconds)}`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use argos_addon::{BudgetFailure, Client, ListParams};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str) -> Result<Option<T>, Failure> {
    var(name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("{name} is not a number: {v:?}").into())
        })
        .transpose()
}

fn client() -> Result<Client, Failure> {
    let mut builder = Client::builder().max_retries(0);
    if let Some(key) = var("ARGOS_API_KEY") {
        builder = builder.api_key(key);
    }
    if let Some(url) = var("ARGOS_BASE_URL") {
        builder = builder.base_url(url);
    }
    if let Some(path) = var("ARGOS_CA_FILE") {
        builder = builder.ca_cert_pem(std::fs::read(&path)?);
    }
    if let Some(url) = var("ARGOS_BUDGET_URL") {
        builder = builder.budget_url(url);
    }
    if let Some(mode) = var("ARGOS_BUDGET_FAILURE") {
        builder = builder.budget_failure(BudgetFailure::parse(mode.trim())?);
    }
    match var("ARGOS_FLEET_RATE_LIMIT").as_deref().map(str::trim) {
        None => {}
        Some("none") => builder = builder.rate_limit(None),
        Some(_) => builder = builder.rate_limit(parsed("ARGOS_FLEET_RATE_LIMIT")?),
    }
    if let Some(quota) = parsed("ARGOS_FLEET_DAILY_QUOTA")? {
        builder = builder.daily_quota(quota);
    }
    Ok(builder.build()?)
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    throttled: AtomicU64,
    local_quota: AtomicU64,
    local_rate_limit: AtomicU64,
    other: AtomicU64,
    first_other_error: Mutex<Option<String>>,
}

impl Tally {
    fn count(&self, outcome: argos_addon::Result<argos_addon::FaceAuthPage>) {
        let counter = match &outcome {
            Ok(_) => &self.ok,
            Err(err) if err.status() == Some(429) => &self.throttled,
            Err(err) if err.code() == Some("local_quota") => &self.local_quota,
            Err(err) if err.code() == Some("local_rate_limit") => &self.local_rate_limit,
            Err(err) => {
                let mut first = self
                    .first_other_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                first.get_or_insert_with(|| format!("{}: {err}", err.kind().class_name()));
                &self.other
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Which calls are still to be made: a budget of calls and a deadline, shared by the tasks.
struct Plan {
    calls: Option<u64>,
    deadline: Option<Instant>,
    claimed: AtomicU64,
}

impl Plan {
    fn claim(&self) -> bool {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        let n = self.claimed.fetch_add(1, Ordering::Relaxed);
        self.calls.is_none_or(|calls| n < calls)
    }
}

/// `plan`'s calls, `concurrency` at a time.
async fn run(client: &Client, plan: Arc<Plan>, concurrency: u64, tally: Arc<Tally>) {
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, plan, tally) = (client.clone(), plan.clone(), tally.clone());
            tokio::spawn(async move {
                let page = ListParams::new().count(1);
                while plan.claim() {
                    tally.count(client.face_auth().list_page(&page).await);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a call task panicked");
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The Unix time to begin at, if any (after `ready`, from stdin).
async fn start_time() -> Result<Option<f64>, Failure> {
    match var("ARGOS_FLEET_START").as_deref().map(str::trim) {
        None => Ok(None),
        Some("stdin") => {
            println!("ready");
            let line = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            })
            .await??;
            let at = line
                .trim()
                .parse()
                .map_err(|_| format!("bad start time {line:?}"))?;
            Ok(Some(at))
        }
        Some(_) => parsed("ARGOS_FLEET_START"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let client = client()?;
    let calls: Option<u64> = parsed("ARGOS_FLEET_CALLS")?;
    let duration: Option<f64> = parsed("ARGOS_FLEET_DURATION")?;
    if calls.is_none() && duration.is_none() {
        return Err("set ARGOS_FLEET_CALLS or ARGOS_FLEET_DURATION".into());
    }
    let concurrency = parsed("ARGOS_FLEET_CONCURRENCY")?.unwrap_or(8u64).max(1);
    let warmup: u64 = parsed("ARGOS_FLEET_WARMUP")?.unwrap_or(0);
    if warmup > 0 {
        let plan = Plan {
            calls: Some(warmup),
            deadline: None,
            claimed: AtomicU64::new(0),
        };
        run(&client, Arc::new(plan), concurrency, Arc::default()).await;
    }
    if let Some(at) = start_time().await? {
        let wait = at - unix_now();
        if wait > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }
    let (started, start) = (Instant::now(), unix_now());
    let plan = Plan {
        calls,
        deadline: duration.map(|d| started + Duration::from_secs_f64(d.max(0.0))),
        claimed: AtomicU64::new(0),
    };
    let tally = Arc::new(Tally::default());
    run(&client, Arc::new(plan), concurrency, tally.clone()).await;
    let (elapsed, end) = (started.elapsed().as_secs_f64(), unix_now());
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let first_other_error = tally
        .first_other_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let line = serde_json::json!({
        "ok": load(&tally.ok),
        "throttled": load(&tally.throttled),
        "local_quota": load(&tally.local_quota),
        "local_rate_limit": load(&tally.local_rate_limit),
        "other": load(&tally.other),
        "first_other_error": first_other_error,
        "elapsed": elapsed,
        "start": start,
        "end": end,
    });
    println!("{line}");
    Ok(())
}

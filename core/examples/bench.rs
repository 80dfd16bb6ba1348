//! The Rust core's side of `make bench` (the ceiling the bindings are measured against).
//!
//! `bench --base-url URL --ca FILE --key KEY --workload NAME [--image FILE]` prints one JSON
//! line. Workloads: `latency` (sequential GETs: p50/p99 µs, and where the CPU time went),
//! `latency-spawned` (the same, each call spawned on a runtime worker as the bindings run it),
//! `throughput` (GETs, 64 in flight:
//! req/s), `upload` (200 KB multipart POSTs, 16 in flight: req/s), `big-path` / `big-memory`
//! (one 5 MB upload: peak RSS growth in KiB), `soak` (100,000 GETs, 64 in flight: RSS at 10k
//! and 100k).
//!
//! `--budget-url URL --rate-limit R` runs the same workloads with the fleet budget on that Redis
//! (bench/fleet.py measures its overhead with R far above the rate reached, so that only the
//! store's round trip is measured); without them the client has no budget at all.
//! `--raw-budget URL` runs, before each call of `latency` and inside its timed part, the budget's
//! script on that Redis through redis-rs's blocking connection on the calling thread (no runtime,
//! no task, no combining): the least any client could add for one script call per request.

use std::sync::Arc;
use std::time::Instant;

use argos_addon::{Client, FaceImage, SubmitRequest, budget_key_prefix};
use bytes::Bytes;
use futures_util::StreamExt;

struct Args {
    base_url: String,
    ca: String,
    key: String,
    workload: String,
    image: Option<String>,
    count: usize,
    budget_url: Option<String>,
    rate_limit: Option<f64>,
    raw_budget: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        base_url: String::new(),
        ca: String::new(),
        key: String::new(),
        workload: String::new(),
        image: None,
        count: 0,
        budget_url: None,
        rate_limit: None,
        raw_budget: None,
    };
    let mut it = std::env::args().skip(1);
    while let (Some(flag), Some(value)) = (it.next(), it.next()) {
        match flag.as_str() {
            "--base-url" => args.base_url = value,
            "--ca" => args.ca = value,
            "--key" => args.key = value,
            "--workload" => args.workload = value,
            "--image" => args.image = Some(value),
            "--count" => args.count = value.parse().expect("--count is a number"),
            "--budget-url" => args.budget_url = Some(value),
            "--rate-limit" => {
                args.rate_limit = Some(value.parse().expect("--rate-limit is a number"))
            }
            "--raw-budget" => args.raw_budget = Some(value),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// Peak resident set size since the last [`reset_peak`], in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Makes `VmHWM` start again from the current RSS (Linux `clear_refs` value 5).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs");
}

fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("the field is present")
}

/// CPU nanoseconds of the main thread, of the runtime's workers and of every other thread, and
/// context switches of all (the same accounting as bench/python_bench.py and bench/node).
fn threads() -> [u64; 4] {
    let main = std::process::id().to_string();
    let mut totals = [0; 4];
    for task in std::fs::read_dir("/proc/self/task").expect("procfs") {
        let dir = task.expect("a thread").path();
        let Ok(schedstat) = std::fs::read_to_string(dir.join("schedstat")) else {
            continue; // it ended meanwhile
        };
        let ns: u64 = schedstat
            .split_whitespace()
            .next()
            .map_or(0, |v| v.parse().unwrap_or(0));
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let group = if dir.file_name() == Some(main.as_ref()) {
            0
        } else if name.starts_with("tokio") || name.starts_with("argos") {
            1
        } else {
            2
        };
        totals[group] += ns;
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        totals[3] += status
            .lines()
            .filter(|l| l.contains("ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum::<u64>();
    }
    totals
}

/// The budget's script, sent the leanest way: a blocking connection on the calling thread.
struct RawBudget {
    connection: redis::Connection,
    script: redis::Script,
    keys: [String; 2],
}

impl RawBudget {
    fn open(url: &str, key: &str) -> Self {
        let prefix = budget_key_prefix(key);
        RawBudget {
            connection: redis::Client::open(url)
                .and_then(|c| c.get_connection())
                .expect("the Redis of --raw-budget"),
            script: redis::Script::new(include_str!("../src/budget/budget.lua")),
            keys: ["budget", "clock"].map(|k| format!("{prefix}raw-{k}")),
        }
    }

    /// One slot, 1 µs apart from the last (the client's interval at `rate_limit=1e6`).
    fn take(&mut self) {
        let reply: Vec<i64> = self
            .script
            .key(&self.keys[0])
            .key(&self.keys[1])
            .arg("take")
            .arg(1)
            .arg(0)
            .arg(1_000_000)
            .arg(1)
            .invoke(&mut self.connection)
            .expect("the script");
        assert_eq!(reply[0], 1, "the slot was granted");
    }
}

async fn gets(client: &Client, total: usize, in_flight: usize) {
    futures_util::stream::iter(0..total)
        .for_each_concurrent(in_flight, |_| async {
            client.face_auth().get("bench-auth-id").await.expect("get");
        })
        .await;
}

#[tokio::main]
async fn main() {
    let args = args();
    let mut builder = Client::builder()
        .api_key(&args.key)
        .base_url(&args.base_url)
        .ca_cert_pem(std::fs::read(&args.ca).expect("the CA file"))
        .rate_limit(args.rate_limit);
    if let Some(url) = &args.budget_url {
        builder = builder.budget_url(url);
    }
    let client = builder.build().expect("client");
    let count = |default: usize| if args.count > 0 { args.count } else { default };
    gets(&client, 64, 64).await; // warm the pool
    let result = match args.workload.as_str() {
        "latency" | "latency-spawned" => {
            let calls = count(2000);
            let spawned = args.workload == "latency-spawned";
            let mut raw = args
                .raw_budget
                .as_deref()
                .map(|url| RawBudget::open(url, &args.key));
            let mut micros: Vec<f64> = Vec::new();
            let before = threads();
            for _ in 0..calls {
                let started = Instant::now();
                if let Some(raw) = raw.as_mut() {
                    raw.take();
                }
                if spawned {
                    // The bindings' shape: the call runs on a worker, the caller waits for it.
                    let client = client.clone();
                    tokio::spawn(async move { client.face_auth().get("bench-auth-id").await })
                        .await
                        .expect("the task")
                        .expect("get");
                } else {
                    client.face_auth().get("bench-auth-id").await.expect("get");
                }
                micros.push(started.elapsed().as_secs_f64() * 1e6);
            }
            let after = threads();
            let per_call = |i: usize| (after[i] - before[i]) as f64 / calls as f64;
            micros.sort_by(f64::total_cmp);
            let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
            format!(
                r#"{{"p50_us": {:.1}, "p99_us": {:.1}, "caller_cpu_us": {:.1}, "runtime_cpu_us": {:.1}, "other_cpu_us": {:.1}, "switches": {:.2}}}"#,
                at(0.5),
                at(0.99),
                per_call(0) / 1e3,
                per_call(1) / 1e3,
                per_call(2) / 1e3,
                per_call(3)
            )
        }
        "throughput" => {
            let total = count(5000);
            let started = Instant::now();
            gets(&client, total, 64).await;
            format!(
                r#"{{"rps": {:.1}}}"#,
                total as f64 / started.elapsed().as_secs_f64()
            )
        }
        "upload" => {
            let image =
                Bytes::from(std::fs::read(args.image.as_ref().expect("--image")).expect("image"));
            let total = count(500);
            let started = Instant::now();
            futures_util::stream::iter(0..total)
                .for_each_concurrent(16, |_| {
                    let image = image.clone();
                    let client = client.clone();
                    async move {
                        let request = SubmitRequest::new("bench-submission", image);
                        client.face_auth().submit(request).await.expect("submit");
                    }
                })
                .await;
            format!(
                r#"{{"rps": {:.1}}}"#,
                total as f64 / started.elapsed().as_secs_f64()
            )
        }
        "big-path" | "big-memory" => {
            let path = args.image.clone().expect("--image");
            let image = if args.workload == "big-path" {
                FaceImage::Path(path.into())
            } else {
                FaceImage::Bytes(Bytes::from(std::fs::read(&path).expect("image")))
            };
            reset_peak();
            let before = rss_kib();
            client
                .face_auth()
                .submit(SubmitRequest::new("bench-submission", image))
                .await
                .expect("submit");
            format!(
                r#"{{"growth_kib": {}}}"#,
                peak_rss_kib().saturating_sub(before)
            )
        }
        "soak" => {
            let client = Arc::new(client);
            gets(&client, 10_000, 64).await;
            let at_10k = rss_kib();
            gets(&client, count(100_000) - 10_000, 64).await;
            format!(
                r#"{{"rss_10k_kib": {}, "rss_100k_kib": {}}}"#,
                at_10k,
                rss_kib()
            )
        }
        other => panic!("unknown workload {other}"),
    };
    println!("{result}");
}

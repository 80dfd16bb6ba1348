//! The budget: rate and daily quota per client, and shared through a real Redis (and a real
//! three-master Redis Cluster) by clients of one key, against the mock.

mod common;
#[path = "support/redis.rs"]
mod redis_support;

use std::time::{Duration, Instant};

use argos_addon::{BudgetFailure, Client, ClientBuilder, ErrorKind, ListParams, budget_key_prefix};
use argos_addon_mock::{Fault, MockServer};
use common::*;
use redis_support::{RedisCluster, RedisServer};

fn page() -> ListParams {
    ListParams::new().count(1)
}

fn lists(mock: &MockServer) -> u64 {
    mock.request_count("GET", "/faceauth")
}

fn budgeted(mock: &MockServer, url: &str) -> ClientBuilder {
    builder(mock).budget_url(url).max_retries(0)
}

/// `n` calls, all of which must succeed.
async fn succeed(client: &Client, n: usize) {
    for i in 0..n {
        if let Err(err) = client.face_auth().list_page(&page()).await {
            panic!("call {i}: {err}");
        }
    }
}

async fn refused(client: &Client) -> argos_addon::Error {
    client
        .face_auth()
        .list_page(&page())
        .await
        .expect_err("the budget refuses")
}

#[tokio::test]
async fn without_a_store_the_daily_quota_is_this_clients() {
    let mock = mock();
    let client = builder(&mock).daily_quota(3).build().unwrap();
    succeed(&client, 3).await;
    let err = refused(&client).await;
    assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(err.code(), Some("local_quota"));
    assert_eq!(err.status(), None);
    assert!(err.to_string().contains("resets at"), "{err}");
    assert_eq!(lists(&mock), 3, "the refused call was not sent");
    let status = client.budget_status().await;
    assert_eq!(
        (status.store.as_str(), status.healthy, status.used_today),
        ("local", true, 3)
    );
    assert_eq!(
        (status.daily_quota, status.remaining_today),
        (Some(3), Some(0))
    );
    assert_eq!(
        status.resets_at.timestamp() % 86_400,
        0,
        "resets at midnight"
    );
}

#[tokio::test]
async fn a_slot_beyond_the_timeout_is_a_local_rate_limit_unsent() {
    let mock = mock();
    let client = builder(&mock)
        .rate_limit(Some(1.0))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    succeed(&client, 1).await;
    let started = Instant::now();
    let err = refused(&client).await;
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "not waited for"
    );
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!((err.code(), err.status()), (Some("local_rate_limit"), None));
    assert_eq!(lists(&mock), 1);
}

#[tokio::test]
async fn clients_of_one_key_share_the_daily_quota_through_redis() {
    let redis = RedisServer::start();
    let mock = mock();
    let make = || {
        budgeted(&mock, &redis.url())
            .daily_quota(4)
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    succeed(&a, 2).await;
    succeed(&b, 2).await;
    for client in [&a, &b] {
        let err = refused(client).await;
        assert_eq!(err.code(), Some("local_quota"), "{err}");
    }
    assert_eq!(lists(&mock), 4);
    let status = b.budget_status().await;
    assert_eq!((status.store.as_str(), status.healthy), ("redis", true));
    assert_eq!((status.used_today, status.remaining_today), (4, Some(0)));
}

#[tokio::test]
async fn the_next_utc_day_starts_again_by_the_stores_clock() {
    let redis = RedisServer::start();
    let mock = mock();
    let client = budgeted(&mock, &redis.url())
        .daily_quota(2)
        .build()
        .unwrap();
    succeed(&client, 2).await;
    assert_eq!(refused(&client).await.code(), Some("local_quota"));
    let before = client.budget_status().await.resets_at;
    // The script adds this offset to Redis TIME: the store's clock moves a day ahead.
    let clock = format!("{}clock", budget_key_prefix(mock.api_key()));
    redis.command(&["SET", &clock, "86400000000"]);
    succeed(&client, 2).await;
    assert_eq!(refused(&client).await.code(), Some("local_quota"));
    let after = client.budget_status().await;
    assert_eq!(after.resets_at - before, chrono::Duration::days(1));
    assert_eq!(lists(&mock), 4);
}

#[tokio::test]
async fn a_retry_after_seen_by_one_client_holds_the_others() {
    let redis = RedisServer::start();
    let mock = mock();
    let a = budgeted(&mock, &redis.url()).build().unwrap();
    let b = budgeted(&mock, &redis.url()).build().unwrap();
    mock.inject_fault(
        Fault::status(429, r#"{"message":"Too Many Requests"}"#).header("Retry-After", "1"),
    );
    assert_eq!(refused(&a).await.status(), Some(429));
    let started = Instant::now();
    succeed(&b, 1).await;
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "b waited for the fleet's hold: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_limit_exceeded_answer_spends_the_day_for_the_fleet() {
    let redis = RedisServer::start();
    let mock = mock();
    let a = budgeted(&mock, &redis.url()).build().unwrap();
    let b = budgeted(&mock, &redis.url())
        .daily_quota(1000)
        .build()
        .unwrap();
    mock.set_daily_quota(Some(0));
    let err = refused(&a).await;
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::QuotaExceeded, Some(429))
    );
    let sent = lists(&mock);
    let err = refused(&b).await;
    assert_eq!(err.code(), Some("local_quota"), "{err}");
    assert_eq!(lists(&mock), sent, "b sent nothing");
    assert_eq!(b.budget_status().await.remaining_today, Some(0));
}

#[tokio::test]
async fn the_store_never_holds_the_api_key() {
    let redis = RedisServer::start();
    let mock = mock();
    let client = budgeted(&mock, &redis.url())
        .daily_quota(100)
        .build()
        .unwrap();
    succeed(&client, 3).await;
    client.budget_status().await;
    let keys = redis.keys();
    assert!(!keys.is_empty());
    let prefix = budget_key_prefix(mock.api_key());
    assert!(prefix.starts_with("argos:{") && prefix.ends_with("}:") && prefix.len() == 25);
    for key in &keys {
        assert!(key.starts_with(&prefix), "{key}");
        assert!(!key.contains(mock.api_key()));
        let dump = redis.command_bytes(&["DUMP", key]);
        let text = String::from_utf8_lossy(&dump);
        assert!(!text.contains(mock.api_key()), "{key} holds the key");
    }
}

#[tokio::test]
async fn each_call_costs_one_store_command() {
    let redis = RedisServer::start();
    let mock = mock();
    let client = budgeted(&mock, &redis.url()).build().unwrap();
    succeed(&client, 1).await; // loads the script
    redis.command(&["CONFIG", "RESETSTAT"]);
    succeed(&client, 20).await;
    let stats = redis.command(&["INFO", "commandstats"]);
    // commandstats also counts the commands the script runs; the client sent only EVALSHA.
    let inside_the_script = ["time", "get", "hmget", "set", "hset", "pexpire"];
    let mut sent = 0;
    for line in stats.lines().filter_map(|l| l.strip_prefix("cmdstat_")) {
        let (command, rest) = line.split_once(':').unwrap();
        let calls: u64 = rest["calls=".len()..]
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        match command {
            "evalsha" | "eval" => sent += calls,
            "config|resetstat" => {}
            c if inside_the_script.contains(&c) => {}
            other => panic!("the client sent {other}: {stats}"),
        }
    }
    assert_eq!(sent, 20, "{stats}");
}

/// Stops Redis under one client per mode, checks each mode's behaviour, then starts Redis again
/// (with an empty script cache) and checks every client is back on the store.
#[tokio::test]
async fn store_faults_follow_budget_failure_and_recover() {
    let mut redis = RedisServer::start();
    let mock = mock();
    let client = |mode| {
        budgeted(&mock, &redis.url())
            .budget_failure(mode)
            .build()
            .unwrap()
    };
    let closed = client(BudgetFailure::Closed);
    let local = client(BudgetFailure::Local);
    let open = client(BudgetFailure::Open);
    for c in [&closed, &local, &open] {
        succeed(c, 1).await;
    }
    redis.stop();
    let sent = lists(&mock);
    let started = Instant::now();
    let err = refused(&closed).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::BudgetUnavailable, "{err}");
    assert_eq!(err.code(), Some("budget_unavailable"));
    assert_eq!(lists(&mock), sent, "closed sent nothing");
    succeed(&local, 3).await;
    succeed(&open, 3).await;
    assert_eq!(lists(&mock), sent + 6);
    let down = local.budget_status().await;
    assert_eq!((down.store.as_str(), down.healthy), ("redis", false));

    redis.start_again();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for c in [&closed, &local, &open] {
        succeed(c, 1).await;
        assert!(c.budget_status().await.healthy);
    }
    assert_eq!(lists(&mock), sent + 9);
}

#[tokio::test]
async fn a_redis_cluster_shares_the_budget() {
    let cluster = RedisCluster::start();
    let mock = mock();
    let make = || {
        budgeted(&mock, &cluster.urls())
            .daily_quota(3)
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    succeed(&a, 2).await;
    succeed(&b, 1).await;
    assert_eq!(refused(&a).await.code(), Some("local_quota"));
    assert_eq!(lists(&mock), 3);
    let status = b.budget_status().await;
    assert_eq!((status.healthy, status.used_today), (true, 3));
}

#[test]
fn budget_options_are_checked_before_any_io() {
    let bad = |b: ClientBuilder| b.api_key("k").build().unwrap_err();
    for url in [
        "http://localhost:6379",
        "redis://",
        "not a url",
        "redis://h:1/x",
    ] {
        let err = bad(Client::builder().budget_url(url));
        assert_eq!(err.kind(), ErrorKind::Configuration, "{url}");
    }
    let err = bad(Client::builder().budget_url("redis://u:s3cret-pass@h:1,http://h:2"));
    assert!(err.to_string().contains("node 2"), "{err}");
    assert!(!err.to_string().contains("s3cret-pass"), "{err}");
    let err = bad(Client::builder().daily_quota(0));
    assert!(err.to_string().contains("daily_quota"), "{err}");
    let client = Client::builder()
        .api_key("k")
        .budget_url("redis://u:s3cret-pass@127.0.0.1:1")
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("s3cret-pass"));
}

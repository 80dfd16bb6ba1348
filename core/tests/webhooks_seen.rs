//! `SeenWebhooks`: dropping duplicate webhook deliveries, in memory and through a real Redis
//! (and a real three-master Redis Cluster).

#[path = "support/redis.rs"]
mod redis_support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use argos_addon::{
    DEFAULT_SEEN_TTL, ErrorKind, SEEN_KEY_PREFIX, SeenWebhooks, parse_webhook, seen_key,
};
use redis_support::{RedisCluster, RedisServer};

const DAY: Duration = Duration::from_secs(86_400);

fn hook(auth_id: &str, status: &str) -> argos_addon::FaceAuthWebhook {
    let body = format!(
        r#"{{"webhook_trigger":"faceAuth","data":{{"authentication_id":"{auth_id}","auth_status":"{status}"}}}}"#
    );
    parse_webhook(body.as_bytes(), None).expect("a v3 webhook")
}

#[tokio::test]
async fn memory_first_then_repeat_then_another_status() {
    let seen = SeenWebhooks::in_memory(DAY, 100);
    let approved = hook("auth-1", "approved");
    assert!(seen.first_delivery(&approved).await.unwrap());
    assert!(!seen.first_delivery(&approved).await.unwrap());
    assert!(
        !seen
            .first_delivery(&hook("auth-1", "approved"))
            .await
            .unwrap()
    );
    assert!(
        seen.first_delivery(&hook("auth-1", "rejected"))
            .await
            .unwrap()
    );
    assert!(
        seen.first_delivery(&hook("auth-2", "approved"))
            .await
            .unwrap()
    );
    // The version is part of the key.
    assert!(
        !seen
            .first_delivery_of("auth-1", 3, "approved")
            .await
            .unwrap()
    );
    assert!(
        seen.first_delivery_of("auth-1", 2, "approved")
            .await
            .unwrap()
    );
    // Joined by NUL: ("a", "b c") and ("a b", "c") are different keys.
    assert!(seen.first_delivery_of("x", 1, "yz").await.unwrap());
    assert!(seen.first_delivery_of("xy", 1, "z").await.unwrap());
    assert_eq!(DEFAULT_SEEN_TTL, DAY);
}

#[tokio::test]
async fn memory_forgets_after_the_ttl() {
    let seen = SeenWebhooks::in_memory(Duration::from_millis(100), 100);
    assert!(seen.first_delivery_of("a", 3, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("a", 3, "approved").await.unwrap());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(seen.first_delivery_of("a", 3, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("a", 3, "approved").await.unwrap());
}

#[tokio::test]
async fn memory_forgets_the_oldest_past_max_entries() {
    let seen = SeenWebhooks::in_memory(DAY, 3);
    for id in ["a", "b", "c"] {
        assert!(seen.first_delivery_of(id, 3, "approved").await.unwrap());
    }
    assert!(!seen.first_delivery_of("a", 3, "approved").await.unwrap());
    // A fourth pushes out the oldest, "a".
    assert!(seen.first_delivery_of("d", 3, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("c", 3, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("d", 3, "approved").await.unwrap());
    assert!(seen.first_delivery_of("a", 3, "approved").await.unwrap());
    // ... and re-adding "a" pushed out "b".
    assert!(seen.first_delivery_of("b", 3, "approved").await.unwrap());
}

#[test]
fn bad_settings_are_configuration_errors_that_never_quote_the_url() {
    for url in [
        "http://user:s3cret@host:6379",
        "not a url s3cret",
        "redis://:s3cret@host:6379,ftp://s3cret@x",
    ] {
        let err = SeenWebhooks::redis(url, DAY).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration, "{url}");
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("redis_url"), "{err}");
    }
    let err = SeenWebhooks::new(None, Duration::ZERO, 10).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = SeenWebhooks::new(None, DAY, 0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(SeenWebhooks::new(Some("redis://:s3cret@127.0.0.1:1"), DAY, 1).is_ok());
    let debug = format!(
        "{:?}",
        SeenWebhooks::redis("redis://:s3cret@h:1", DAY).unwrap()
    );
    assert!(!debug.contains("s3cret"), "{debug}");
}

#[tokio::test]
async fn redis_is_shared_and_holds_no_auth_id_in_clear() {
    let server = RedisServer::start();
    let one = SeenWebhooks::redis(&server.url(), DAY).unwrap();
    let two = SeenWebhooks::redis(&server.url(), DAY).unwrap();
    let approved = hook("auth-secret-id-42", "approved");
    assert!(one.first_delivery(&approved).await.unwrap());
    assert!(!one.first_delivery(&approved).await.unwrap());
    assert!(!two.first_delivery(&approved).await.unwrap());
    assert!(
        two.first_delivery(&hook("auth-secret-id-42", "rejected"))
            .await
            .unwrap()
    );
    assert!(
        !one.first_delivery(&hook("auth-secret-id-42", "rejected"))
            .await
            .unwrap()
    );

    let mut keys = server.keys();
    keys.sort();
    let mut expected = vec![
        seen_key("auth-secret-id-42", 3, "approved"),
        seen_key("auth-secret-id-42", 3, "rejected"),
    ];
    expected.sort();
    assert_eq!(keys, expected);
    for key in &keys {
        assert!(key.starts_with(SEEN_KEY_PREFIX), "{key}");
        assert_eq!(key.len(), SEEN_KEY_PREFIX.len() + 32, "{key}");
        assert!(!key.contains("auth-secret"), "{key}");
        let ttl: u64 = server.command(&["PTTL", key]).parse().unwrap();
        assert!(ttl > 86_000_000 && ttl <= 86_400_000, "{ttl}");
    }
}

#[tokio::test]
async fn redis_forgets_after_the_ttl() {
    let server = RedisServer::start();
    let seen = SeenWebhooks::redis(&server.url(), Duration::from_millis(100)).unwrap();
    assert!(seen.first_delivery_of("a", 1, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("a", 1, "approved").await.unwrap());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(seen.first_delivery_of("a", 1, "approved").await.unwrap());
}

#[tokio::test]
async fn an_unreachable_redis_is_a_connection_error_within_the_store_timeout() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let seen = SeenWebhooks::redis(&format!("redis://127.0.0.1:{port}"), DAY).unwrap();
    for _ in 0..2 {
        let started = Instant::now();
        let err = seen
            .first_delivery_of("a", 3, "approved")
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
        assert!(
            err.to_string().contains("webhook store is unreachable"),
            "{err}"
        );
        assert!(err.to_string().contains("nothing was recorded"), "{err}");
        assert!(took < Duration::from_millis(400), "{took:?}");
    }
}

#[tokio::test]
async fn a_stopped_redis_fails_then_recovers() {
    let mut server = RedisServer::start();
    let seen = SeenWebhooks::redis(&server.url(), DAY).unwrap();
    assert!(seen.first_delivery_of("a", 3, "approved").await.unwrap());
    server.stop();
    let err = seen
        .first_delivery_of("b", 3, "approved")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    server.start_again();
    assert!(seen.first_delivery_of("b", 3, "approved").await.unwrap());
    assert!(!seen.first_delivery_of("b", 3, "approved").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_is_shared() {
    let cluster = RedisCluster::start();
    let one = SeenWebhooks::redis(&cluster.urls(), DAY).unwrap();
    let two = SeenWebhooks::redis(&cluster.urls(), DAY).unwrap();
    // Opening a cluster's connections (every node, then the slot map) may outlast one call's
    // 250 ms on a loaded machine; that call fails, as it should, and the opening goes on.
    for seen in [&one, &two] {
        until_reachable(seen).await;
    }
    for id in ["a", "b", "c", "d", "e", "f"] {
        assert!(one.first_delivery_of(id, 3, "approved").await.unwrap());
        assert!(!two.first_delivery_of(id, 3, "approved").await.unwrap());
    }
    let keys = cluster.keys_everywhere();
    assert_eq!(keys.len(), 7, "six and the warm-up's: {keys:?}");
}

/// Waits (10 s at most) until `seen` answers, recording the delivery `warm-up`.
async fn until_reachable(seen: &SeenWebhooks) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Err(err) = seen.first_delivery_of("warm-up", 3, "approved").await {
        assert!(Instant::now() < deadline, "never reachable: {err}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

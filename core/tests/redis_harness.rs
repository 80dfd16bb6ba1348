//! The Redis harness itself (`support/redis.rs`): a real server answers, stops freeing its port,
//! comes back empty on the same port; a real three-master cluster is ok on every node.

#[path = "support/redis.rs"]
mod redis_support;

use std::net::TcpListener;
use std::time::Instant;

use redis_support::{RedisCluster, RedisServer};

#[test]
fn server_starts_stops_and_restarts_empty_on_the_same_port() {
    let started = Instant::now();
    let mut server = RedisServer::start();
    eprintln!("redis-server started in {:?}", started.elapsed());
    let port = server.port();
    assert_ne!(port, 6379);
    assert_eq!(server.url(), format!("redis://127.0.0.1:{port}"));

    assert_eq!(server.command(&["SET", "greeting", "hello world"]), "OK");
    assert_eq!(server.command(&["GET", "greeting"]), "hello world");
    assert_eq!(server.command(&["GET", "missing"]), "");
    assert_eq!(server.keys(), vec!["greeting".to_owned()]);
    assert!(server.command(&["INCR", "a", "b"]).starts_with("ERR"));
    let sha = server.command(&["SCRIPT", "LOAD", "return 1"]);
    assert_eq!(server.command(&["SCRIPT", "EXISTS", &sha]), "1");
    assert!(!server.command_bytes(&["DUMP", "greeting"]).is_empty());

    server.stop();
    assert!(!server.is_running());
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "stop() frees port {port}"
    );
    assert!(server.try_command(&["PING"]).is_err());

    server.start_again();
    assert_eq!(server.port(), port);
    assert_eq!(server.command(&["PING"]), "PONG");
    assert_eq!(server.command(&["DBSIZE"]), "0");
    assert_eq!(server.command(&["SCRIPT", "EXISTS", &sha]), "0");

    server.command(&["SET", "again", "1"]);
    server.restart();
    assert_eq!(server.port(), port);
    assert_eq!(server.command(&["GET", "again"]), "");
    assert!(server.keys().is_empty());

    let dir = server.dir().to_path_buf();
    drop(server);
    assert!(!dir.exists(), "drop removes {}", dir.display());
    assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
}

#[test]
fn cluster_of_three_masters_is_ok() {
    let started = Instant::now();
    let mut cluster = RedisCluster::start();
    eprintln!("cluster started in {:?}", started.elapsed());
    let ports = cluster.ports().to_vec();
    assert_eq!(ports.len(), 3);
    assert_eq!(
        cluster.urls(),
        ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (i, port) in ports.iter().enumerate() {
        assert!(*port < 55535);
        let info = cluster.node_command(i, &["CLUSTER", "INFO"]);
        assert!(info.contains("cluster_state:ok"), "node {port}: {info}");
    }

    assert_eq!(cluster.command(&["SET", "{tag}a", "1"]), "OK");
    assert_eq!(cluster.command(&["SET", "{other}b", "2"]), "OK");
    assert_eq!(cluster.command(&["GET", "{tag}a"]), "1");
    assert_eq!(
        cluster.keys_everywhere(),
        vec!["{other}b".to_owned(), "{tag}a".to_owned()]
    );

    cluster.stop();
    for port in ports {
        assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
    }
}

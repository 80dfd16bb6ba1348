"""The Redis harness itself (redis_harness.py): a real server answers, stops freeing its port and
comes back empty on the same port; a real three-master cluster is ok on every node."""

from __future__ import annotations

import time

import pytest

from redis_harness import RedisCluster, RedisHarnessError, RedisServer
from redis_harness import _port_is_free as port_is_free


def test_server_starts_stops_and_restarts_empty_on_the_same_port() -> None:
    started = time.monotonic()
    with RedisServer() as server:
        assert time.monotonic() - started < 5
        port = server.port
        assert port != 6379 and server.url == f"redis://127.0.0.1:{port}"
        assert server.command("SET", "greeting", "hello world") == "OK"
        assert server.command("GET", "greeting") == "hello world"
        assert server.command("GET", "missing") == ""
        assert server.keys() == ["greeting"]
        assert server.command("INCR", "a", "b").startswith("ERR")
        sha = server.command("SCRIPT", "LOAD", "return 1")
        assert server.command("SCRIPT", "EXISTS", sha) == "1"
        assert server.command_bytes("DUMP", "greeting")

        server.stop()
        assert not server.running and port_is_free(port)
        with pytest.raises(RedisHarnessError, match="failed"):
            server.command("PING")

        server.start_again()
        assert server.port == port and server.command("PING") == "PONG"
        assert server.command("DBSIZE") == "0"
        assert server.command("SCRIPT", "EXISTS", sha) == "0"

        server.command("SET", "again", 1)
        server.restart()
        assert server.port == port and server.keys() == []
        directory = server.dir
    assert not directory.exists() and port_is_free(port)
    server.close()  # idempotent


def test_fixture_gives_a_fresh_server(redis_server: RedisServer) -> None:
    assert redis_server.running and redis_server.command("DBSIZE") == "0"


def test_cluster_of_three_masters_is_ok(redis_cluster: RedisCluster) -> None:
    """The session's cluster (a second one would cost 2 s more; stop() shares its code with
    RedisServer.stop(), tested above)."""
    cluster = redis_cluster
    assert cluster.running and cluster.keys_everywhere() == []
    assert len(cluster.ports) == 3 and all(p < 55535 for p in cluster.ports)
    assert cluster.urls == ",".join(f"redis://127.0.0.1:{p}" for p in cluster.ports)
    for i, port in enumerate(cluster.ports):
        assert "cluster_state:ok" in cluster.node_command(i, "CLUSTER", "INFO"), port
    assert cluster.command("SET", "{tag}a", "1") == "OK"
    assert cluster.command("SET", "{other}b", "2") == "OK"
    assert cluster.command("GET", "{tag}a") == "1"
    assert cluster.keys_everywhere() == ["{other}b", "{tag}a"]


def test_cluster_fixture_is_emptied(redis_cluster: RedisCluster) -> None:
    assert redis_cluster.keys_everywhere() == []
    assert all("cmdstat_set:" not in s for s in redis_cluster.command_everywhere("INFO", "commandstats"))

#!/usr/bin/env bash
# Installs Debian's `redis-server` package (which brings `redis-tools`, so `redis-cli`) when
# `redis-server` or `redis-cli` is missing from PATH; does nothing when both are there.
#
# The Redis test harnesses (core/tests/support/redis.rs, tests/python/redis_harness.py,
# tests/node/support/redis.mjs) start their own servers on free loopback ports and never use the
# system service on 6379. The package's postinst may start that service (where invoke-rc.d allows
# it; in containers /usr/sbin/policy-rc.d usually forbids it): if it was not running before and
# is running after the install, this script stops it again, so no idle Redis is left behind. A
# service that was already running is left alone.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    exit 0
fi

fail() {
    echo "install-redis.sh: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 \
    || fail "redis-server/redis-cli are missing and apt-get is not available: install Redis 7 (redis-server, redis-cli) by hand"

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo is missing: cannot install redis-server"
    sudo=(sudo)
fi

# Whether the distribution's redis-server service is running (systemd, or the init script's pid file).
service_running() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl is-active --quiet redis-server 2>/dev/null && return 0
    fi
    local pidfile=/run/redis/redis-server.pid
    [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

was_running=no
service_running && was_running=yes

echo "install-redis.sh: installing Debian's redis-server package"
"${sudo[@]}" apt-get update -qq || fail "apt-get update failed"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server \
    || fail "apt-get install redis-server failed"

if [ "$was_running" = no ] && service_running; then
    echo "install-redis.sh: stopping the redis-server service the package started (the tests start their own servers)"
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        "${sudo[@]}" systemctl stop redis-server || true
    else
        "${sudo[@]}" service redis-server stop || true
    fi
fi

command -v redis-server >/dev/null 2>&1 || fail "redis-server is still not on PATH after the install"
command -v redis-cli >/dev/null 2>&1 || fail "redis-cli is still not on PATH after the install"
echo "install-redis.sh: $(redis-server --version)"

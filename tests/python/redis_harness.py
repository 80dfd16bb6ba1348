"""Real Redis servers and clusters for tests and benchmarks (no mock of Redis, no client library).

A plain module with no pytest dependency: the fixtures in ``conftest.py`` wrap it, and other
scripts load it by path::

    spec = importlib.util.spec_from_file_location("redis_harness", ROOT / "tests/python/redis_harness.py")
    redis_harness = importlib.util.module_from_spec(spec); spec.loader.exec_module(redis_harness)

``RedisServer()`` runs one ``redis-server`` (Debian's 7.0, installed by
``scripts/install-redis.sh``) on a free loopback port (never 6379), without persistence, in a
temporary directory of its own; ``RedisCluster()`` runs three masters joined by
``redis-cli --cluster create``. Both are context managers; ``close()`` (also run by ``__exit__``,
by a finalizer when the object is collected, and at interpreter exit) stops the processes and
deletes the directories. A failure to start raises ``RedisHarnessError`` with the log tail.
``ARGOS_REDIS_SERVER`` / ``ARGOS_REDIS_CLI`` override the binaries' names or paths.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Sequence, TypeVar

__all__ = ["RedisCluster", "RedisHarnessError", "RedisServer"]

START_TIMEOUT = 10.0
"""Seconds a server may take to answer its first ``PING``."""
CLUSTER_TIMEOUT = 20.0
"""Seconds a cluster may take to report ``cluster_state:ok`` on every node."""
STOP_TIMEOUT = 5.0
"""Seconds a server may take to exit after SIGTERM before it is killed."""
PORT_ATTEMPTS = 20
"""Attempts at a fresh port when another process took the chosen one first."""
BUS_OFFSET = 10000
"""The cluster bus listens on the client port + 10000."""
CLI_TIMEOUT = 30.0


class RedisHarnessError(RuntimeError):
    """A server or cluster could not start, or ``redis-cli`` failed."""


def server_bin() -> str:
    return os.environ.get("ARGOS_REDIS_SERVER", "redis-server")


def cli_bin() -> str:
    return os.environ.get("ARGOS_REDIS_CLI", "redis-cli")


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As redis-server binds: a stopped server's connections in TIME_WAIT do not hold the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    """A port the kernel just handed out on loopback (a race stays possible: callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _free_cluster_port(taken: Sequence[int]) -> int:
    """A free port P below 55535 whose cluster bus port P + 10000 is free too."""
    for _ in range(1000):
        port = _free_port()
        if port not in taken and port < 65535 - BUS_OFFSET and _port_is_free(port + BUS_OFFSET):
            return port
    raise RedisHarnessError(f"no free loopback port P with P + {BUS_OFFSET} free too")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return "\n".join(text.splitlines()[-lines:])


def _pings(port: int) -> bool:
    """Whether the server on ``port`` answers ``PING`` with ``+PONG``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            answer = b""
            while len(answer) < 7:
                chunk = sock.recv(7 - len(answer))
                if not chunk:
                    break
                answer += chunk
            return answer.startswith(b"+PONG")
    except OSError:
        return False


def _run_cli(cli_args: Sequence[str], args: Sequence[object]) -> bytes:
    """``redis-cli <cli_args> <args>``'s standard output. Error replies (``ERR …``) are output,
    not failures (``redis-cli`` prints them and exits 0); a non-zero exit (cannot connect, say)
    raises ``RedisHarnessError``."""
    argv = [cli_bin(), *cli_args, *(str(a) for a in args)]
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=CLI_TIMEOUT, check=False
        )
    except FileNotFoundError as e:
        raise RedisHarnessError(f"cannot run {cli_bin()} (scripts/install-redis.sh installs it): {e}") from e
    except subprocess.TimeoutExpired as e:
        raise RedisHarnessError(f"`{' '.join(argv)}` timed out after {CLI_TIMEOUT} s") from e
    if done.returncode != 0:
        raise RedisHarnessError(
            f"`{' '.join(argv)}` failed (exit {done.returncode}): "
            + (done.stderr + done.stdout).decode("utf-8", "replace").strip()
        )
    return done.stdout


def _text(raw: bytes) -> str:
    return raw.rstrip(b"\n").decode("utf-8", "replace")


def _one_newline_less(raw: bytes) -> bytes:
    return raw[:-1] if raw.endswith(b"\n") else raw


class _PortTaken(Exception):
    pass


class _Process:
    """One ``redis-server`` process and its log."""

    def __init__(self, port: int, directory: Path, extra_args: Sequence[str]) -> None:
        self.port = port
        self.log = directory / f"redis-{port}.log"
        # An earlier run in this directory must not hand its data to this one.
        (directory / "dump.rdb").unlink(missing_ok=True)
        argv = [
            server_bin(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(directory),
            *extra_args,
        ]  # fmt: skip
        log: IO[bytes] = open(self.log, "wb")
        try:
            self.popen = subprocess.Popen(
                argv, cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        except FileNotFoundError as e:
            raise RedisHarnessError(
                f"cannot run {server_bin()} (scripts/install-redis.sh installs it): {e}"
            ) from e
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            status = self.popen.poll()
            if status is not None:
                tail = _tail(self.log)
                if "Address already in use" in tail:
                    raise _PortTaken()
                raise RedisHarnessError(
                    f"redis-server on port {port} exited ({status}) before answering PING; "
                    f"its log:\n{tail}"
                )
            if _pings(port):
                return
            if time.monotonic() > deadline:
                self.kill()
                raise RedisHarnessError(
                    f"redis-server on port {port} did not answer PING within {START_TIMEOUT} s; "
                    f"its log:\n{_tail(self.log)}"
                )
            time.sleep(0.005)

    def kill(self) -> None:
        """SIGTERM (SIGKILL after 5 s), reaped, then waits until the port can be bound again."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        deadline = time.monotonic() + 5.0
        while not _port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.005)


def _spawn(port: int | None, directory: Path, extra_args: Sequence[str]) -> _Process:
    """A process on ``port`` (retried for ``START_TIMEOUT`` while another process holds it), or
    on a fresh free port (another one each time the chosen port is taken)."""
    deadline = time.monotonic() + START_TIMEOUT
    attempts = 0
    while True:
        attempts += 1
        try:
            return _Process(port if port is not None else _free_port(), directory, extra_args)
        except _PortTaken:
            if port is None and attempts >= PORT_ATTEMPTS:
                raise RedisHarnessError(
                    f"redis-server: every port tried ({PORT_ATTEMPTS}) was taken"
                ) from None
            if port is not None:
                if time.monotonic() > deadline:
                    raise RedisHarnessError(f"redis-server: port {port} stayed taken") from None
                time.sleep(0.05)


class _Resources:
    """What a finalizer must clean up: live processes and temporary directories."""

    def __init__(self) -> None:
        self.processes: list[_Process] = []
        self.dirs: list[Path] = []

    def stop(self) -> None:
        while self.processes:
            self.processes.pop().kill()

    def close(self) -> None:
        self.stop()
        while self.dirs:
            shutil.rmtree(self.dirs.pop(), ignore_errors=True)


def _temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


_C = TypeVar("_C", bound="_Closing")


class _Closing:
    """``with`` closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RedisServer(_Closing):
    """One ``redis-server`` on a free loopback port, started by the constructor.

    ``extra_args`` are more ``redis-server`` arguments (e.g. ``["--maxmemory", "10mb"]``), kept
    for ``start_again()`` / ``restart()``.
    """

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self._extra_args = list(extra_args)
        self._resources = _Resources()
        self._finalizer = weakref.finalize(self, _Resources.close, self._resources)
        self.dir = _temp_dir("argos-redis-")
        self._resources.dirs.append(self.dir)
        try:
            process = _spawn(None, self.dir, self._extra_args)
        except BaseException:
            self.close()
            raise
        self.port: int = process.port
        self._resources.processes.append(process)

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:P``."""
        return f"redis://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return bool(self._resources.processes)

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.dir / f"redis-{self.port}.log", lines)

    def stop(self) -> None:
        """Stops the server and waits until its port is free; nothing when it is not running."""
        self._resources.stop()

    def start_again(self) -> None:
        """Starts the server again on the same port, with no data and an empty script cache."""
        if self.running:
            raise RedisHarnessError(f"start_again: the server on port {self.port} is running")
        if not self._finalizer.alive:
            raise RedisHarnessError("start_again: the server is closed")
        self._resources.processes.append(_spawn(self.port, self.dir, self._extra_args))

    def restart(self) -> None:
        """``stop()`` then ``start_again()``: the same port, empty data, empty script cache."""
        self.stop()
        self.start_again()

    def close(self) -> None:
        """Stops the server and deletes its directory (idempotent)."""
        self._finalizer()

    def command(self, *args: object) -> str:
        """Runs one command with ``redis-cli -p P`` and returns its output (raw mode: one line
        per array element, ``ERR …`` for an error reply, ``""`` for nil) without the trailing
        newlines; raises ``RedisHarnessError`` when ``redis-cli`` fails (server down, say)."""
        return _text(self._cli(args))

    def command_bytes(self, *args: object) -> bytes:
        """``command()``'s output as bytes, less the one newline ``redis-cli`` adds (``DUMP``)."""
        return _one_newline_less(self._cli(args))

    def keys(self) -> list[str]:
        """Every key (``redis-cli --scan``), sorted."""
        return _scan(self.port)

    def _cli(self, args: Sequence[object]) -> bytes:
        return _run_cli(["-h", "127.0.0.1", "-p", str(self.port)], args)

    def __repr__(self) -> str:
        return f"RedisServer(url={self.url!r}, running={self.running})"


def _scan(port: int) -> list[str]:
    out = _run_cli(["-h", "127.0.0.1", "-p", str(port), "--scan"], [])
    return sorted(line for line in out.decode("utf-8", "replace").splitlines() if line)


class RedisCluster(_Closing):
    """Three cluster masters on free loopback ports (bus ports P + 10000 free too), joined by
    ``redis-cli --cluster create``, started by the constructor; ready when every node reports
    ``cluster_state:ok``."""

    def __init__(self) -> None:
        self._resources = _Resources()
        self._finalizer = weakref.finalize(self, _Resources.close, self._resources)
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        ports: list[int] = []
        for _ in range(3):
            directory = _temp_dir("argos-redis-cluster-")
            self._resources.dirs.append(directory)
            for _attempt in range(PORT_ATTEMPTS):
                port = _free_cluster_port(ports)
                try:
                    process = _Process(
                        port,
                        directory,
                        [
                            "--cluster-enabled", "yes",
                            "--cluster-config-file", f"nodes-{port}.conf",
                            "--cluster-node-timeout", "2000",
                        ],
                    )  # fmt: skip
                    break
                except _PortTaken:
                    continue
            else:
                raise RedisHarnessError(f"cluster node: every port tried ({PORT_ATTEMPTS}) was taken")
            self._resources.processes.append(process)
            ports.append(port)
        self.ports: tuple[int, ...] = tuple(ports)
        try:
            _run_cli(
                [
                    "--cluster", "create",
                    *(f"127.0.0.1:{p}" for p in self.ports),
                    "--cluster-replicas", "0",
                    "--cluster-yes",
                ],
                [],
            )  # fmt: skip
        except RedisHarnessError as e:
            raise RedisHarnessError(f"{e}\n{self.logs()}") from e
        deadline = time.monotonic() + CLUSTER_TIMEOUT
        while True:
            states = self.command_everywhere("CLUSTER", "INFO")
            if all("cluster_state:ok" in s for s in states):
                return
            if time.monotonic() > deadline:
                raise RedisHarnessError(
                    f"the cluster on ports {self.ports} is not ok after {CLUSTER_TIMEOUT} s:\n"
                    + "\n--\n".join(states)
                    + "\n"
                    + self.logs()
                )
            time.sleep(0.05)

    @property
    def urls(self) -> str:
        """``redis://127.0.0.1:P1,redis://127.0.0.1:P2,redis://127.0.0.1:P3``."""
        return ",".join(self.url_list)

    @property
    def url_list(self) -> list[str]:
        return [f"redis://127.0.0.1:{p}" for p in self.ports]

    @property
    def running(self) -> bool:
        return bool(self._resources.processes)

    def command(self, *args: object) -> str:
        """Runs one command with ``redis-cli -c -p P1`` (following redirections); output as
        ``RedisServer.command``."""
        return _text(_run_cli(["-c", "-h", "127.0.0.1", "-p", str(self.ports[0])], args))

    def node_command(self, index: int, *args: object) -> str:
        """Runs one command on node ``index`` (0, 1 or 2) alone, without redirections
        (``CLUSTER INFO``, ``INFO commandstats``, ``CONFIG RESETSTAT``, ``SCRIPT FLUSH``, …)."""
        return _text(_run_cli(["-h", "127.0.0.1", "-p", str(self.ports[index])], args))

    def command_everywhere(self, *args: object) -> list[str]:
        """Runs one command on every node (``FLUSHALL``, ``SCRIPT FLUSH``, …); outputs in node order."""
        return [self.node_command(i, *args) for i in range(len(self.ports))]

    def node_keys(self, index: int) -> list[str]:
        return _scan(self.ports[index])

    def keys_everywhere(self) -> list[str]:
        """The keys of every node, sorted."""
        return sorted(k for p in self.ports for k in _scan(p))

    def logs(self) -> str:
        return "\n".join(f"== {p.log}\n{_tail(p.log)}" for p in self._resources.processes)

    def stop(self) -> None:
        """Stops every node and waits until their ports are free."""
        self._resources.stop()

    def close(self) -> None:
        """Stops every node and deletes their directories (idempotent)."""
        self._finalizer()

    def __repr__(self) -> str:
        return f"RedisCluster(urls={self.urls!r}, running={self.running})"

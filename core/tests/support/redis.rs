//! Real Redis servers and clusters for the integration tests (Debian's `redis-server` 7.0, put on
//! PATH by `scripts/install-redis.sh`, which `make test-rust` runs first). No mock of Redis, no
//! extra crate: processes, `std::net::TcpStream` and `redis-cli`.
//!
//! Include it in a test crate (a file of `core/tests/`) with
//!
//! ```ignore
//! #[path = "support/redis.rs"]
//! mod redis_support;
//! use redis_support::{RedisCluster, RedisServer};
//! ```
//!
//! `RedisServer::start()` runs one `redis-server` on a free loopback port (never 6379), without
//! persistence, in a temporary directory of its own; `RedisCluster::start()` runs three masters
//! joined by `redis-cli --cluster create`. Both stop their processes and delete their directories
//! when dropped (also when a test panics). A failure to start panics with the server's log tail.
//! `ARGOS_REDIS_SERVER` / `ARGOS_REDIS_CLI` override the binaries' names or paths.
#![allow(dead_code)]

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// How long a server may take to answer its first `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a cluster may take to report `cluster_state:ok` on every node.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a server may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts at a fresh port when another process took the chosen one first.
const PORT_ATTEMPTS: usize = 20;
/// The cluster bus listens on the client port + 10000.
const BUS_OFFSET: u16 = 10000;

fn server_bin() -> String {
    std::env::var("ARGOS_REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

fn cli_bin() -> String {
    std::env::var("ARGOS_REDIS_CLI").unwrap_or_else(|_| "redis-cli".to_owned())
}

/// A directory under `std::env::temp_dir()` with a unique name, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("{prefix}-{}-{n}-{nanos:08x}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return TempDir(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((LOOPBACK, port)).is_ok()
}

/// A port the kernel just handed out on loopback (free right now; a race stays possible, so the
/// callers retry when the server cannot bind it).
fn free_port() -> u16 {
    let listener = TcpListener::bind((LOOPBACK, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A free port P below 55535 whose cluster bus port P + 10000 is free too.
fn free_cluster_port() -> u16 {
    for _ in 0..1000 {
        let port = free_port();
        if port < u16::MAX - BUS_OFFSET && port_is_free(port + BUS_OFFSET) {
            return port;
        }
    }
    panic!("no free loopback port P with P + {BUS_OFFSET} free too");
}

/// The last `lines` lines of a file, for error messages.
fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|e| format!("<cannot read {}: {e}>", path.display()));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether the server on `port` answers `PING` with `+PONG`.
fn pings(port: u16) -> bool {
    let addr = SocketAddr::from((LOOPBACK, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    let mut read = 0;
    while read < answer.len() {
        match stream.read(&mut answer[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    answer[..read].starts_with(b"+PONG")
}

/// Runs `redis-cli <cli_args> <args>`; its standard output, or an error naming the command and
/// its standard error when it exits non-zero (it cannot connect, say). Error replies (`ERR …`) are
/// output, not failures: `redis-cli` prints them and exits 0.
fn run_cli(cli_args: &[String], args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new(cli_bin())
        .args(cli_args)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "cannot run {} (scripts/install-redis.sh installs it): {e}",
                cli_bin()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "`redis-cli {} {}` failed ({}): {}{}",
            cli_args.join(" "),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    Ok(output.stdout)
}

/// `redis-cli`'s raw output as text, without the trailing newlines.
fn text(mut raw: Vec<u8>) -> String {
    while raw.last() == Some(&b'\n') {
        raw.pop();
    }
    String::from_utf8_lossy(&raw).into_owned()
}

/// One `redis-server` process and where it logs.
struct Process {
    child: Child,
    log: PathBuf,
}

enum Spawned {
    Up(Process),
    /// The port was taken before the server could bind it.
    PortTaken,
}

/// Starts `redis-server --port <port> <extra>` in `dir` and waits for its `PING`.
fn spawn_server(port: u16, dir: &Path, extra: &[String]) -> Result<Spawned, String> {
    let log = dir.join(format!("redis-{port}.log"));
    // An earlier run on this directory must not hand its data to this one.
    let _ = fs::remove_file(dir.join("dump.rdb"));
    let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let port_text = port.to_string();
    let dir_text = dir.to_string_lossy().into_owned();
    let mut child = Command::new(server_bin())
        .args(["--port", &port_text, "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .args(["--dir", &dir_text])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run {} (scripts/install-redis.sh installs it): {e}",
                server_bin()
            )
        })?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let log_tail = tail(&log, 30);
            if log_tail.contains("Address already in use") {
                return Ok(Spawned::PortTaken);
            }
            return Err(format!(
                "redis-server on port {port} exited ({status}) before answering PING; its log:\n{log_tail}"
            ));
        }
        if pings(port) {
            return Ok(Spawned::Up(Process { child, log }));
        }
        if started.elapsed() > START_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "redis-server on port {port} did not answer PING within {START_TIMEOUT:?}; its log:\n{}",
                tail(&log, 30)
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Stops the process as the Python and Node harnesses do: SIGTERM (through `kill`, std having no
/// signal API), SIGKILL when it has not exited within 5 s (or `kill` cannot run); reaps it and
/// waits until its port can be bound again.
fn kill_server(process: &mut Process, port: u16) {
    let child = &mut process.child;
    if let Ok(None) = child.try_wait() {
        let termed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + STOP_TIMEOUT;
        while termed && Instant::now() < deadline {
            match child.try_wait() {
                Ok(None) => thread::sleep(Duration::from_millis(2)),
                _ => break,
            }
        }
        let _ = child.kill();
    }
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !port_is_free(port) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
}

/// One `redis-server` on a free loopback port, in its own temporary directory; stopped and
/// deleted on drop.
pub struct RedisServer {
    port: u16,
    process: Option<Process>,
    dir: TempDir,
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts a server on a free port; panics (with the log tail) when it cannot.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// `start()` with extra `redis-server` arguments, e.g. `&["--maxmemory", "10mb"]`; they are
    /// kept for `start_again()` / `restart()`.
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let dir = TempDir::new("argos-redis");
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            match spawn_server(port, dir.path(), &extra) {
                Ok(Spawned::Up(process)) => {
                    return RedisServer {
                        port,
                        process: Some(process),
                        dir,
                        extra,
                    };
                }
                Ok(Spawned::PortTaken) => continue,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("redis-server: every port tried ({PORT_ATTEMPTS}) was taken by another process");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:P`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's own directory (its log is `redis-P.log` there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        tail(
            &self.dir.path().join(format!("redis-{}.log", self.port)),
            30,
        )
    }

    /// Stops the server (SIGTERM, SIGKILL after 5 s) and waits until its port is free; nothing
    /// when it is not running.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            kill_server(&mut process, self.port);
        }
    }

    /// Starts the server again on the same port, with no data and an empty script cache; panics
    /// when it is running, or when it cannot start within 10 s (another process may have taken the
    /// port meanwhile).
    pub fn start_again(&mut self) {
        assert!(
            self.process.is_none(),
            "start_again: the server on port {} is running",
            self.port
        );
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match spawn_server(self.port, self.dir.path(), &self.extra) {
                Ok(Spawned::Up(process)) => {
                    self.process = Some(process);
                    return;
                }
                Ok(Spawned::PortTaken) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(50));
                }
                Ok(Spawned::PortTaken) => {
                    panic!("start_again: port {} stayed taken", self.port)
                }
                Err(e) => panic!("start_again: {e}"),
            }
        }
    }

    /// `stop()` then `start_again()`: the same port, empty data, empty script cache.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }

    /// Runs one command with `redis-cli -p P` and returns its output (raw mode: one line per
    /// array element, `ERR …` for an error reply, an empty string for nil) without the trailing
    /// newlines; panics when `redis-cli` fails (the server is down, say).
    pub fn command(&self, args: &[&str]) -> String {
        text(self.command_bytes(args))
    }

    /// `command()`'s output as bytes, less the one newline `redis-cli` adds (for `DUMP`).
    pub fn command_bytes(&self, args: &[&str]) -> Vec<u8> {
        let mut raw = self
            .try_command_bytes(args)
            .unwrap_or_else(|e| panic!("{e}"));
        if raw.last() == Some(&b'\n') {
            raw.pop();
        }
        raw
    }

    /// `command()`, with `Err` (`redis-cli`'s message) instead of a panic when it fails.
    pub fn try_command(&self, args: &[&str]) -> Result<String, String> {
        self.try_command_bytes(args).map(text)
    }

    fn try_command_bytes(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        run_cli(
            &[
                "-h".to_owned(),
                "127.0.0.1".to_owned(),
                "-p".to_owned(),
                self.port.to_string(),
            ],
            args,
        )
    }

    /// Every key (`redis-cli --scan`), sorted.
    pub fn keys(&self) -> Vec<String> {
        scan(self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn scan(port: u16) -> Vec<String> {
    let out = run_cli(
        &[
            "-h".to_owned(),
            "127.0.0.1".to_owned(),
            "-p".to_owned(),
            port.to_string(),
            "--scan".to_owned(),
        ],
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut keys: Vec<String> = String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys
}

/// Three cluster masters on free loopback ports (each bus port P + 10000 free too), joined by
/// `redis-cli --cluster create`, each in its own temporary directory; stopped and deleted on drop.
pub struct RedisCluster {
    ports: Vec<u16>,
    processes: Vec<Process>,
    dirs: Vec<TempDir>,
}

impl RedisCluster {
    /// Starts the three masters, creates the cluster and waits until every node reports
    /// `cluster_state:ok` (20 s at most); panics with the nodes' logs when it cannot.
    pub fn start() -> RedisCluster {
        let mut cluster = RedisCluster {
            ports: Vec::new(),
            processes: Vec::new(),
            dirs: Vec::new(),
        };
        for _ in 0..3 {
            let dir = TempDir::new("argos-redis-cluster");
            let mut spawned = None;
            for _ in 0..PORT_ATTEMPTS {
                let port = loop {
                    let port = free_cluster_port();
                    if !cluster.ports.contains(&port) {
                        break port;
                    }
                };
                let extra: Vec<String> = [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &format!("nodes-{port}.conf"),
                    "--cluster-node-timeout",
                    "2000",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
                match spawn_server(port, dir.path(), &extra) {
                    Ok(Spawned::Up(process)) => {
                        spawned = Some((port, process));
                        break;
                    }
                    Ok(Spawned::PortTaken) => continue,
                    Err(e) => panic!("cluster node: {e}"),
                }
            }
            let (port, process) = spawned.unwrap_or_else(|| {
                panic!("cluster node: every port tried ({PORT_ATTEMPTS}) was taken")
            });
            cluster.ports.push(port);
            cluster.processes.push(process);
            cluster.dirs.push(dir);
        }

        let mut create: Vec<String> = vec!["--cluster".to_owned(), "create".to_owned()];
        create.extend(cluster.ports.iter().map(|p| format!("127.0.0.1:{p}")));
        create.extend(
            ["--cluster-replicas", "0", "--cluster-yes"]
                .iter()
                .map(|s| (*s).to_owned()),
        );
        if let Err(e) = run_cli(&create, &[]) {
            panic!("{e}\n{}", cluster.logs());
        }

        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        loop {
            let states: Vec<String> = (0..cluster.ports.len())
                .map(|i| cluster.node_command(i, &["CLUSTER", "INFO"]))
                .collect();
            if states.iter().all(|s| s.contains("cluster_state:ok")) {
                return cluster;
            }
            if Instant::now() > deadline {
                panic!(
                    "the cluster on ports {:?} is not ok after {CLUSTER_TIMEOUT:?}:\n{}\n{}",
                    cluster.ports,
                    states.join("\n--\n"),
                    cluster.logs()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The three nodes' ports.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// `redis://127.0.0.1:P1,redis://127.0.0.1:P2,redis://127.0.0.1:P3`.
    pub fn urls(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// One URL per node.
    pub fn url_list(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }

    /// Runs one command with `redis-cli -c -p P1` (following `MOVED`/`ASK` redirections) and
    /// returns its output as `RedisServer::command` does.
    pub fn command(&self, args: &[&str]) -> String {
        let cli = [
            "-c".to_owned(),
            "-h".to_owned(),
            "127.0.0.1".to_owned(),
            "-p".to_owned(),
            self.ports[0].to_string(),
        ];
        text(run_cli(&cli, args).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Runs one command on node `index` (0, 1 or 2) alone, without following redirections
    /// (`CLUSTER INFO`, `INFO commandstats`, `CONFIG RESETSTAT`, `SCRIPT FLUSH`, …).
    pub fn node_command(&self, index: usize, args: &[&str]) -> String {
        let cli = [
            "-h".to_owned(),
            "127.0.0.1".to_owned(),
            "-p".to_owned(),
            self.ports[index].to_string(),
        ];
        text(run_cli(&cli, args).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Runs one command on every node (e.g. `FLUSHALL`, `SCRIPT FLUSH`); the outputs in node order.
    pub fn command_everywhere(&self, args: &[&str]) -> Vec<String> {
        (0..self.ports.len())
            .map(|i| self.node_command(i, args))
            .collect()
    }

    /// The keys of node `index`, sorted.
    pub fn node_keys(&self, index: usize) -> Vec<String> {
        scan(self.ports[index])
    }

    /// The keys of every node, sorted.
    pub fn keys_everywhere(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.ports.iter().flat_map(|p| scan(*p)).collect();
        keys.sort();
        keys
    }

    /// Every node's log tail, for error messages.
    pub fn logs(&self) -> String {
        self.processes
            .iter()
            .map(|p| format!("== {}\n{}", p.log.display(), tail(&p.log, 30)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stops every node (SIGTERM, SIGKILL after 5 s) and waits until their ports are free.
    pub fn stop(&mut self) {
        for (mut process, port) in self.processes.drain(..).zip(self.ports.iter().copied()) {
            kill_server(&mut process, port);
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

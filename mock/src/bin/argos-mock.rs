//! `argos-mock`: runs the ARGOS Add-On mock until SIGINT or SIGTERM (or, with
//! `--exit-with-stdin`, until stdin closes).

use std::io::{self, Write};
use std::process::ExitCode;
use std::{env, fs, thread};

use argos_addon_mock::{MockOptions, MockServer};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

const USAGE: &str = "\
usage: argos-mock [--port N] [--api-key KEY] [--project-id PID] [--ca-out FILE]
                  [--seed ID:STATUS[:SELFIE_PATH]]... [--gateway-limit N]
                  [--request-log-limit N] [--bench] [--exit-with-stdin] [--help]

Serves a mock ARGOS Add-On (FaceAuth) API on https://127.0.0.1:PORT/v3 and prints
base_url=, api_key=, project_id= (and ca_cert= with --ca-out) lines on stdout.
--seed adds an ID Check submission (e.g. sub-1:approved:selfie.jpg); repeatable.
--gateway-limit lets at most N requests with the key through in each whole UTC second, like a
strict gateway: the rest of that second get 429 Too Many Requests with Retry-After: 1.
--request-log-limit keeps only the last N requests in memory (default 10000; 0 keeps none), so
the server stays the same size however long it runs.
--bench serves benchmarks: no token-bucket throttling or quota (a --gateway-limit still
applies), nothing recorded or stored, any submit approved, and an unknown authId looked up by
GET /faceauth answers a canned approved record.
The server stops on SIGINT (Ctrl-C) or SIGTERM, so it runs in the background of a script
(`argos-mock &`). --exit-with-stdin also stops it when stdin reaches end of file, for a
parent process that wants the server gone even if it dies without cleaning up.";

/// An ID Check submission to add at start.
struct Seed {
    id: String,
    status: String,
    selfie: Option<Vec<u8>>,
}

#[derive(Default)]
struct Args {
    options: MockOptions,
    ca_out: Option<String>,
    seeds: Vec<Seed>,
    bench: bool,
    exit_with_stdin: bool,
}

enum Command {
    Help,
    Run(Args),
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => {
                let port = value()?;
                parsed.options.port = port.parse().map_err(|_| format!("bad port: {port}"))?;
            }
            "--api-key" => parsed.options.api_key = Some(value()?),
            "--project-id" => parsed.options.project_id = Some(value()?),
            "--gateway-limit" => {
                let limit = value()?;
                let limit = limit
                    .parse()
                    .map_err(|_| format!("bad gateway limit: {limit}"))?;
                parsed.options.gateway_limit = Some(limit);
            }
            "--request-log-limit" => {
                let limit = value()?;
                parsed.options.request_log_limit = limit
                    .parse()
                    .map_err(|_| format!("bad request log limit: {limit}"))?;
            }
            "--ca-out" => parsed.ca_out = Some(value()?),
            "--seed" => parsed.seeds.push(parse_seed(&value()?)?),
            "--bench" => {
                parsed.bench = true;
                parsed.options.rate_limit = None;
                parsed.options.daily_quota = None;
            }
            "--exit-with-stdin" => parsed.exit_with_stdin = true,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Command::Run(parsed))
}

/// `ID:STATUS[:SELFIE_PATH]`, reading the selfie right away so that a bad path is
/// reported like any other bad argument.
fn parse_seed(text: &str) -> Result<Seed, String> {
    let mut fields = text.splitn(3, ':');
    let (id, status) = match (fields.next(), fields.next()) {
        (Some(id), Some(status)) if !id.is_empty() && !status.is_empty() => (id, status),
        _ => return Err(format!("bad --seed (want ID:STATUS:SELFIE_PATH): {text}")),
    };
    let selfie = match fields.next().filter(|path| !path.is_empty()) {
        Some(path) => Some(fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?),
        None => None,
    };
    Ok(Seed {
        id: id.to_owned(),
        status: status.to_owned(),
        selfie,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("argos-mock: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("argos-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        // Installed before readiness is announced, so a signal right after the ready lines
        // still stops the server cleanly.
        let watch = |kind| signal(kind).map_err(|e| format!("cannot watch signals: {e}"));
        let (mut interrupt, mut terminate) = (
            watch(SignalKind::interrupt())?,
            watch(SignalKind::terminate())?,
        );
        let server = MockServer::start(args.options).map_err(|e| format!("cannot start: {e}"))?;
        server.set_bench(args.bench);
        for seed in args.seeds {
            server.add_submission(&seed.id, &seed.status, seed.selfie);
        }
        announce(&server, args.ca_out.as_deref())?;
        let stdin = async {
            match args.exit_with_stdin {
                true => drop(stdin_closed().await),
                false => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            () = stdin => {}
        }
        server.stop();
        Ok(())
    })
}

/// Prints the `key=value` lines a parent process waits for.
fn announce(server: &MockServer, ca_out: Option<&str>) -> Result<(), String> {
    let mut lines = format!(
        "base_url={}\napi_key={}\nproject_id={}\n",
        server.base_url(),
        server.api_key(),
        server.project_id()
    );
    if let Some(path) = ca_out {
        fs::write(path, server.ca_cert_pem()).map_err(|e| format!("cannot write {path}: {e}"))?;
        lines.push_str(&format!("ca_cert={path}\n"));
    }
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(lines.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

/// Resolves at end of stdin: with `--exit-with-stdin`, a parent process stops the server by
/// exiting, even when it dies without cleaning up.
fn stdin_closed() -> oneshot::Receiver<()> {
    let (eof_tx, eof_rx) = oneshot::channel();
    // A plain thread rather than tokio's stdin: a blocked tokio stdin read would
    // keep the runtime from shutting down after Ctrl-C.
    thread::spawn(move || {
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
        let _ = eof_tx.send(());
    });
    eof_rx
}

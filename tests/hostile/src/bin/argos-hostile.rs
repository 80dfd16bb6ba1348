//! `argos-hostile`: the hostile server for the Python and Node suites.
//!
//! Prints `base_url=`, `silent_base_url=`, `ca_cert=` (a file it wrote) and `ready` on stdout,
//! then answers each `stats` line on stdin with one line of JSON, and exits at end of stdin, so
//! that it never outlives the test process that started it.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use argos_addon_hostile::{HostileServer, Scenario};

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        println!(
            "usage: argos-hostile\nScenarios (first path segment or authId): {}",
            names.join(", ")
        );
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("argos-hostile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let server = HostileServer::start()?;
    let ca_path = std::env::temp_dir().join(format!("argos-hostile-{}.pem", std::process::id()));
    std::fs::write(&ca_path, server.ca_cert_pem())?;
    let mut out = io::stdout().lock();
    writeln!(out, "base_url={}", server.base_url())?;
    writeln!(out, "silent_base_url={}", server.silent_base_url())?;
    writeln!(out, "ca_cert={}", ca_path.display())?;
    writeln!(out, "ready")?;
    out.flush()?;
    for line in io::stdin().lock().lines() {
        if line?.trim() == "stats" {
            writeln!(out, "{}", server.stats().to_json())?;
            out.flush()?;
        }
    }
    let _ = std::fs::remove_file(ca_path);
    Ok(())
}

//! `cargo run -p xtask -- surface [--check]`: renders every mirror of the core's declared surface
//! (result models, client options, error classes) into the regions of the Python and TypeScript
//! files that hold them, or with `--check` fails when one of them has drifted.
//!
//! `cargo run -p xtask -- sbom [--check]`: renders the CycloneDX bill of materials of the wheel
//! and of the npm package (`sbom/`) and the README's table of direct dependencies, or with
//! `--check` fails when the lockfile has moved on.

mod dependencies;
mod python;
mod region;
mod sbom;
mod types;
mod typescript;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use region::Region;

/// Every generated region: the file, the region's name, and its text.
fn regions() -> Vec<Region> {
    vec![
        Region::new("python/argos_addon/_native.pyi", "models", python::models()),
        Region::new(
            "python/argos_addon/_client.py",
            "client-options",
            python::client_options(),
        ),
        Region::new("python/argos_addon/errors.py", "errors", python::errors()),
        Region::new(
            "node/index.d.ts",
            "client-options",
            typescript::client_options(),
        ),
        Region::new("node/index.d.ts", "models", typescript::models()),
        Region::new("node/index.d.ts", "errors", typescript::error_types()),
        Region::new("node/errors.js", "errors", typescript::error_classes()),
    ]
}

/// The surface as data, for the suites that compare it with the built packages.
const SURFACE_JSON: &str = "tests/conformance/surface.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, check) = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [task @ ("surface" | "sbom")] => (task, false),
        [task @ ("surface" | "sbom"), "--check"] => (task, true),
        _ => {
            eprintln!("usage: cargo run -p xtask -- surface|sbom [--check]");
            return ExitCode::from(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace")
        .to_path_buf();
    let (outcome, fix) = match task {
        "surface" => (
            run(&root, check),
            "the mirrors above disagree with the core's declaration; run `make surface` and commit the result",
        ),
        _ => (
            run_sbom(&root, check),
            "the bills of materials above disagree with Cargo.lock; run `make sbom` and commit the result",
        ),
    };
    match outcome {
        Ok(drift) if !check => {
            for place in &drift {
                println!("rewrote {place}");
            }
            ExitCode::SUCCESS
        }
        Ok(drift) if drift.is_empty() => ExitCode::SUCCESS,
        Ok(drift) => {
            for place in &drift {
                eprintln!("out of date: {place}");
            }
            eprintln!("{fix}");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("xtask {task}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Renders every mirror; returns the ones that differed (and, unless `check`, were rewritten).
fn run(root: &Path, check: bool) -> Result<Vec<String>, String> {
    let mut drift = Vec::new();
    let mut files: Vec<(String, String, String)> = Vec::new();
    for region in regions() {
        let slot = match files.iter().position(|(path, ..)| *path == region.path) {
            Some(slot) => slot,
            None => {
                let text = read(&root.join(region.path))?;
                files.push((region.path.to_owned(), text.clone(), text));
                files.len() - 1
            }
        };
        let (_, _, text) = &mut files[slot];
        let rendered = region.render_into(text)?;
        if rendered != *text {
            drift.push(format!("{} (region {})", region.path, region.name));
            *text = rendered;
        }
    }
    if update(&root.join(SURFACE_JSON), &types::surface_json(), check)? {
        drift.push(SURFACE_JSON.to_owned());
    }
    if !check {
        for (path, before, after) in &files {
            if before != after {
                write(&root.join(path), after)?;
            }
        }
    }
    Ok(drift)
}

/// Renders every package's bill of materials; returns the ones that differed (and, unless
/// `check`, were rewritten).
fn run_sbom(root: &Path, check: bool) -> Result<Vec<String>, String> {
    let mut drift = Vec::new();
    let mut graphs = Vec::new();
    for package in &sbom::PACKAGES {
        let graph = sbom::Graph::of(root, package)?;
        if update(
            &root.join(package.path),
            &sbom::render(root, package, &graph)?,
            check,
        )? {
            drift.push(package.path.to_owned());
        }
        graphs.push(graph);
    }
    let region = Region::new("README.md", "dependencies", dependencies::table(&graphs)?);
    let path = root.join(region.path);
    if update(&path, &region.render_into(&read(&path)?)?, check)? {
        drift.push(format!("{} (region {})", region.path, region.name));
    }
    Ok(drift)
}

/// Whether the file at `path` differs from `text`; unless `check`, it is rewritten to it.
fn update(path: &Path, text: &str, check: bool) -> Result<bool, String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    if !check {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        write(path, text)?;
    }
    Ok(true)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

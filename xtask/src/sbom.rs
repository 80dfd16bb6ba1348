//! The CycloneDX bill of materials of each package: the package itself (the wheel, the npm
//! package), the native crate it compiles, and every crate that crate pulls in for the one
//! target the packages are built for, with versions, licences and the crates.io SHA-256 from
//! `Cargo.lock`.
//!
//! `cargo tree -p <crate>` is the source of truth: it resolves features as `maturin` and `napi
//! build` do when they build that crate alone, where `cargo metadata` would unify them across the
//! workspace. Crates only a build script or a proc-macro needs are listed with scope `excluded`:
//! they run while building but no byte of them is in the module.
//!
//! The documents carry no timestamp and no random serial number, so that the same lockfile always
//! renders the same bytes (the builds are reproducible, and the SBOMs are inside them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// A shipped package and the crate that is its native module.
pub struct Package {
    /// Where the rendered document lives in the repository (and is packed from).
    pub path: &'static str,
    pub crate_name: &'static str,
    /// The package URL type: `pypi` or `npm`.
    pub ecosystem: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub const PACKAGES: [Package; 2] = [
    Package {
        path: "sbom/argos-addon-python.cdx.json",
        crate_name: "argos-addon-python",
        ecosystem: "pypi",
        name: "argos-addon",
        description: "The argos-addon wheel: the Python face over the native module argos_addon._native",
    },
    Package {
        path: "sbom/argos-addon-node.cdx.json",
        crate_name: "argos-addon-node",
        ecosystem: "npm",
        name: "argos-addon",
        description: "The argos-addon npm package: the Node face over the native addon argos-addon.*.node",
    },
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct CrateId {
    name: String,
    version: String,
}

struct Crate {
    licence: String,
    /// The path relative to the workspace root, for the workspace's own crates.
    workspace_path: Option<String>,
}

/// The crates of one `cargo tree` and the edges between them.
#[derive(Default)]
struct Tree {
    crates: BTreeMap<CrateId, Crate>,
    edges: BTreeMap<CrateId, BTreeSet<CrateId>>,
}

/// The crates one package's native crate builds with, and those of them linked into it.
pub struct Graph {
    all: Tree,
    linked: Tree,
}

impl Graph {
    pub fn of(root: &Path, package: &Package) -> Result<Graph, String> {
        Ok(Graph {
            all: cargo_tree(root, package.crate_name, "normal,build")?,
            // In the module: normal edges only, and not through a proc-macro.
            linked: cargo_tree(root, package.crate_name, "normal,no-proc-macro")?,
        })
    }

    /// `(name, version, licence)` of each crate that a workspace crate of this graph names in its
    /// manifest (normal and build dependencies), leaving out the workspace's own.
    pub fn direct_dependencies(&self) -> impl Iterator<Item = (String, String, String)> + '_ {
        let crates = &self.all.crates;
        let workspace = |id: &CrateId| crates[id].workspace_path.is_some();
        self.all
            .edges
            .iter()
            .filter(move |(from, _)| workspace(from))
            .flat_map(|(_, to)| to)
            .filter(move |id| !workspace(id))
            .map(|id| {
                let licence = spdx(&crates[id].licence);
                (id.name.clone(), id.version.clone(), licence)
            })
    }
}

/// Renders `package`'s document (pretty JSON, one trailing newline).
pub fn render(root: &Path, package: &Package, graph: &Graph) -> Result<String, String> {
    let version = package_version(root, package)?;
    let Graph { all, linked } = graph;
    let checksums = lock_checksums(&read(&root.join("Cargo.lock"))?);
    let root_crate = all
        .crates
        .keys()
        .find(|id| id.name == package.crate_name)
        .ok_or_else(|| format!("cargo tree did not list {}", package.crate_name))?
        .clone();

    let package_ref = format!("pkg:{}/{}@{version}", package.ecosystem, package.name);
    let mut components = Vec::new();
    for (id, krate) in &all.crates {
        let mut component = json!({
            "type": "library",
            "bom-ref": bom_ref(id, krate),
            "name": id.name,
            "version": id.version,
            "scope": if linked.crates.contains_key(id) { "required" } else { "excluded" },
            "licenses": licences(&krate.licence)?,
        });
        match &krate.workspace_path {
            Some(path) => {
                component["properties"] = json!([
                    { "name": "argos-addon:workspace-path", "value": path },
                ]);
            }
            None => {
                component["purl"] = json!(purl(id));
                let sum = checksums
                    .get(id)
                    .ok_or_else(|| format!("Cargo.lock has no checksum for {}", purl(id)))?;
                component["hashes"] = json!([{ "alg": "SHA-256", "content": sum }]);
            }
        }
        components.push(component);
    }

    let mut dependencies = vec![json!({
        "ref": package_ref,
        "dependsOn": [bom_ref(&root_crate, &all.crates[&root_crate])],
    })];
    for (id, krate) in &all.crates {
        let depends_on: Vec<String> = all
            .edges
            .get(id)
            .into_iter()
            .flatten()
            .map(|dep| bom_ref(dep, &all.crates[dep]))
            .collect();
        dependencies.push(json!({ "ref": bom_ref(id, krate), "dependsOn": depends_on }));
    }

    let document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": { "components": [{
                "type": "application",
                "name": "argos-addon xtask sbom",
                "description": "cargo tree of the native crate, with Cargo.lock's checksums (cargo run -p xtask -- sbom)",
            }]},
            "component": {
                "type": "library",
                "bom-ref": package_ref,
                "name": package.name,
                "version": version,
                "description": package.description,
                "purl": package_ref,
                "licenses": licences("MIT")?,
                "externalReferences": [
                    { "type": "vcs", "url": "https://github.com/argos-addon/argos-addon" },
                ],
            },
            "properties": [
                { "name": "argos-addon:target", "value": TARGET },
                { "name": "argos-addon:native-crate", "value": package.crate_name },
            ],
        },
        "components": components,
        "dependencies": dependencies,
    });
    let mut text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// The package's version, and a check that it declares no runtime dependency of its host: the
/// SBOM lists the Rust tree alone because that is the whole of what installing the package brings.
fn package_version(root: &Path, package: &Package) -> Result<String, String> {
    match package.ecosystem {
        "npm" => {
            let manifest: Value = serde_json::from_str(&read(&root.join("package.json"))?)
                .map_err(|e| format!("package.json: {e}"))?;
            for key in ["dependencies", "bundleDependencies", "bundledDependencies"] {
                if manifest.get(key).is_some_and(|deps| deps != &json!({})) {
                    return Err(format!(
                        "package.json declares `{key}`: the npm package must install nothing but itself (peer dependencies are optional)"
                    ));
                }
            }
            manifest["version"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| "package.json has no version".to_owned())
        }
        _ => {
            let pyproject = read(&root.join("pyproject.toml"))?;
            let mut in_project = false;
            for line in pyproject.lines().map(str::trim) {
                if line.starts_with('[') {
                    in_project = line == "[project]";
                } else if in_project
                    && line.split('=').next().map(str::trim) == Some("dependencies")
                {
                    return Err(
                        "pyproject.toml declares [project] dependencies: the wheel must install nothing but itself (extras are optional)".to_owned(),
                    );
                }
            }
            // The wheel's version is the native crate's (`dynamic = ["version"]`).
            let manifest = read(&root.join("Cargo.toml"))?;
            manifest
                .lines()
                .skip_while(|line| line.trim() != "[workspace.package]")
                .find_map(|line| line.trim().strip_prefix("version = "))
                .map(|v| v.trim_matches('"').to_owned())
                .ok_or_else(|| "Cargo.toml has no [workspace.package] version".to_owned())
        }
    }
}

fn cargo_tree(root: &Path, crate_name: &str, edges: &str) -> Result<Tree, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "tree", "--locked", "-p", crate_name, "-e", edges, "--target", TARGET,
        ])
        .args(["--prefix", "depth", "-f", "{p}|{l}"])
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree -p {crate_name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8(output.stdout).map_err(|e| e.to_string())?;
    parse_tree(root, &stdout)
}

/// Reads `cargo tree --prefix depth -f '{p}|{l}'`: a depth, `name vX.Y.Z[ (path)][ (*)]`, `|`,
/// the licence expression.
fn parse_tree(root: &Path, text: &str) -> Result<Tree, String> {
    let workspace = format!("{}/", root.display());
    let mut tree = Tree::default();
    let mut stack: Vec<CrateId> = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
        let depth: usize = line[..digits]
            .parse()
            .map_err(|_| format!("cargo tree line without a depth: {line}"))?;
        let (package, licence) = line[digits..]
            .split_once('|')
            .ok_or_else(|| format!("cargo tree line without a licence: {line}"))?;
        // `name vX.Y.Z`, then notes in parentheses: the path of a path package, `proc-macro`,
        // `*` where the crate's dependencies were listed before.
        let mut parts = package.split(" (");
        let (name, version) = parts
            .next()
            .and_then(|head| head.split_once(" v"))
            .ok_or_else(|| format!("cargo tree line without a version: {line}"))?;
        let path = parts
            .map(|note| note.trim_end_matches(')'))
            .find(|note| note.starts_with('/'));
        let workspace_path = match path {
            None => None,
            Some(path) => Some(
                path.strip_prefix(&workspace)
                    .ok_or_else(|| format!("{name} comes from outside the workspace: {path}"))?
                    .to_owned(),
            ),
        };
        let id = CrateId {
            name: name.to_owned(),
            version: version.to_owned(),
        };
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            tree.edges
                .entry(parent.clone())
                .or_default()
                .insert(id.clone());
        }
        tree.crates.entry(id.clone()).or_insert(Crate {
            licence: licence.to_owned(),
            workspace_path,
        });
        stack.push(id);
    }
    Ok(tree)
}

/// `(name, version) -> checksum` for every crates.io package in `Cargo.lock`.
fn lock_checksums(lock: &str) -> BTreeMap<CrateId, String> {
    let mut sums = BTreeMap::new();
    for block in lock.split("[[package]]") {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix(" = \""))
                    .map(|value| value.trim_end_matches('"').to_owned())
            })
        };
        if let (Some(name), Some(version), Some(sum)) =
            (field("name"), field("version"), field("checksum"))
        {
            sums.insert(CrateId { name, version }, sum);
        }
    }
    sums
}

fn purl(id: &CrateId) -> String {
    format!("pkg:cargo/{}@{}", id.name, id.version)
}

/// Registry crates are named by their package URL; the workspace's own, unpublished crates by a
/// reference that no registry can claim.
fn bom_ref(id: &CrateId, krate: &Crate) -> String {
    match krate.workspace_path {
        Some(_) => format!("argos-addon-workspace:{}@{}", id.name, id.version),
        None => purl(id),
    }
}

/// A crate's licence as CycloneDX wants it: one SPDX id, or an SPDX expression. Old manifests
/// write `MIT/Apache-2.0` for `MIT OR Apache-2.0`.
fn licences(licence: &str) -> Result<Value, String> {
    if licence.trim().is_empty() {
        return Err("a crate without a licence".to_owned());
    }
    let expression = spdx(licence);
    Ok(if expression.contains(' ') {
        json!([{ "expression": expression }])
    } else {
        json!([{ "license": { "id": expression } }])
    })
}

fn spdx(licence: &str) -> String {
    licence
        .split('/')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_gives_edges_paths_and_licences() {
        let text = "0top v0.1.0 (/ws/bindings/x)|MIT\n1a v1.0.0|MIT/Apache-2.0\n2b v2.0.0|ISC\n1b v2.0.0|ISC\n1c v0.3.0 (proc-macro) (*)|MIT\n";
        let tree = parse_tree(Path::new("/ws"), text).unwrap();
        let id = |name: &str, version: &str| CrateId {
            name: name.into(),
            version: version.into(),
        };
        assert_eq!(tree.crates.len(), 4);
        assert_eq!(
            tree.crates[&id("top", "0.1.0")].workspace_path.as_deref(),
            Some("bindings/x")
        );
        assert_eq!(
            tree.edges[&id("top", "0.1.0")],
            BTreeSet::from([id("a", "1.0.0"), id("b", "2.0.0"), id("c", "0.3.0")])
        );
        assert_eq!(
            tree.edges[&id("a", "1.0.0")],
            BTreeSet::from([id("b", "2.0.0")])
        );
        assert_eq!(
            licences("MIT/Apache-2.0").unwrap(),
            json!([{ "expression": "MIT OR Apache-2.0" }])
        );
        assert_eq!(
            licences("ISC").unwrap(),
            json!([{ "license": { "id": "ISC" } }])
        );
        assert!(parse_tree(Path::new("/ws"), "0far v1.0.0 (/elsewhere/far)|MIT\n").is_err());
    }

    #[test]
    fn checksums_come_from_the_lockfile() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n";
        let sums = lock_checksums(lock);
        assert_eq!(sums.len(), 1);
        assert_eq!(
            sums[&CrateId {
                name: "a".into(),
                version: "1.0.0".into()
            }],
            "abc"
        );
    }
}

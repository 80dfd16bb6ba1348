//! The README's table of direct dependencies: every crate the shipped crates (the core, the mock,
//! both bindings: the workspace crates of the packages' graphs) name in their manifests, with the
//! locked version and licence from `cargo tree` and the reason it is there from [`REASONS`]. A new dependency without a reason fails
//! `make vet`, so each one is argued for where reviewers read it.

use std::collections::BTreeMap;

use crate::sbom::Graph;

const REASONS: &[(&str, &str)] = &[
    (
        "aes",
        "AES-256 of the Face Auth URL and of encrypted webhooks (RustCrypto)",
    ),
    ("base64", "images and encrypted payloads travel as base64"),
    (
        "bytes",
        "image bodies handed between transport and bindings without copies",
    ),
    ("chrono", "the API's timestamps; the mock's clock"),
    (
        "ecb",
        "the ECB mode the API specifies for its AES (RustCrypto)",
    ),
    ("fastrand", "retry jitter; the mock's ids"),
    ("form_urlencoded", "the Face Auth URL's query"),
    ("futures-util", "streamed bodies; cancellable calls"),
    ("http-body-util", "the mock's HTTP bodies"),
    ("httpdate", "`Retry-After` given as an HTTP date"),
    ("hyper", "the mock's HTTPS server"),
    ("hyper-util", "the mock's HTTPS server"),
    ("multer", "the mock reads multipart uploads as ARGOS does"),
    ("napi", "the Node binding"),
    ("napi-build", "the Node binding's link flags (build time)"),
    ("napi-derive", "the Node binding (proc-macro, build time)"),
    ("percent-encoding", "query strings"),
    ("pyo3", "the Python binding"),
    ("rcgen", "the mock's throwaway CA and certificate"),
    (
        "redis",
        "the fleet budget and webhook de-duplication store (redis-rs)",
    ),
    (
        "reqwest",
        "HTTP/1.1 and HTTP/2 client: pooling, multipart, proxies",
    ),
    (
        "rustls",
        "TLS, with the ring provider: no OpenSSL, no aws-lc",
    ),
    ("serde", "the API's JSON, into typed models"),
    ("serde_json", "the API's JSON, into typed models"),
    (
        "sha2",
        "the store keys' hash of the API key; webhook ids in the store",
    ),
    ("tokio", "the async runtime under every call"),
    ("tokio-rustls", "the mock's TLS"),
    ("tokio-util", "uploads streamed from files"),
    ("tracing", "spans and the `ARGOS_LOG` lines"),
    ("tracing-subscriber", "`ARGOS_LOG` output in the bindings"),
];

/// The Markdown table, one row per direct dependency.
pub fn table(graphs: &[Graph]) -> Result<String, String> {
    let mut rows: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, version, licence) in graphs.iter().flat_map(Graph::direct_dependencies) {
        rows.insert(name, (version, licence));
    }
    let mut out = String::from("| crate | version | licence | why |\n| --- | --- | --- | --- |\n");
    for (name, (version, licence)) in &rows {
        let why = REASONS
            .iter()
            .find(|(crate_name, _)| crate_name == name)
            .map(|(_, why)| *why)
            .ok_or_else(|| {
                format!("{name} is a new dependency: say why in xtask/src/dependencies.rs")
            })?;
        out.push_str(&format!("| {name} | {version} | {licence} | {why} |\n"));
    }
    if let Some((gone, _)) = REASONS.iter().find(|(name, _)| !rows.contains_key(*name)) {
        return Err(format!(
            "{gone} is no longer a dependency: drop its reason from xtask/src/dependencies.rs"
        ));
    }
    Ok(out)
}

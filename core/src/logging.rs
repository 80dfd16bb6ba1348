//! One line per attempt through `tracing`; `ARGOS_LOG=info|debug` prints them to stderr.
//!
//! Lines carry the method, the path without its query, the status, the attempt number, the
//! elapsed time and the request id: never headers, bodies or keys.

use std::sync::Once;
use std::time::Duration;

use reqwest::Method;
use tracing::level_filters::LevelFilter;

use crate::answer::Answer;
use crate::error::{Error, Result};
use crate::response::request_id;

pub const ENV_LOG: &str = "ARGOS_LOG";
/// The `tracing` target of every record, for applications that route the SDK's logs.
pub const TARGET: &str = "argos_addon";

/// A `tracing` layer a binding adds beside the stderr printer (e.g. to feed its host's logging).
pub type ExtraLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;

static INIT: Once = Once::new();

/// Installs a stderr subscriber for the SDK's target when `ARGOS_LOG` asks for one and the
/// application has not installed its own.
pub(crate) fn init_from_env() {
    init(None);
}

/// Like the client's own set-up, plus `layer`; a binding calls this once, before any client.
/// Returns false when logging was already set up (the layer is then not installed).
pub fn init_with_layer(layer: ExtraLayer) -> bool {
    init(Some(layer))
}

fn init(extra: Option<ExtraLayer>) -> bool {
    let mut ran = false;
    INIT.call_once(|| {
        ran = true;
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        use tracing_subscriber::{Layer as _, filter::Targets, fmt};
        let mut layers: Vec<ExtraLayer> = extra.into_iter().collect();
        if let Some(level) = env_level() {
            let stderr = fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(Targets::new().with_target(TARGET, level));
            layers.push(Box::new(stderr));
        }
        if layers.is_empty() {
            return;
        }
        // Err: the application already has a subscriber, which receives our events instead.
        let _ = tracing_subscriber::registry().with(layers).try_init();
    });
    ran
}

fn env_level() -> Option<LevelFilter> {
    match std::env::var(ENV_LOG)
        .ok()?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        _ => None,
    }
}

pub(crate) fn attempt(
    method: &Method,
    path: &str,
    attempt: u32,
    elapsed: Duration,
    outcome: &Result<Answer>,
) {
    let elapsed_ms = elapsed.as_millis() as u64;
    match outcome {
        Ok(answer) => {
            let request_id = request_id(&answer.headers).unwrap_or("-");
            tracing::info!(
                target: TARGET,
                %method, path, status = answer.status.as_u16(), attempt, elapsed_ms, request_id,
                "{method} {path} -> {} (attempt {attempt}, {elapsed_ms} ms, request id {request_id})",
                answer.status.as_u16()
            );
        }
        Err(err) => {
            let status = err
                .status()
                .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
            let request_id = err.request_id().unwrap_or("-");
            tracing::info!(
                target: TARGET,
                %method, path, status, attempt, elapsed_ms, request_id, kind = err.kind().class_name(),
                "{method} {path} -> {status} {} (attempt {attempt}, {elapsed_ms} ms, request id {request_id})",
                err.kind().class_name()
            );
        }
    }
}

pub(crate) fn retrying(method: &Method, path: &str, attempt: u32, delay: Duration, err: &Error) {
    let delay_ms = delay.as_millis() as u64;
    tracing::debug!(
        target: TARGET,
        %method, path, attempt, delay_ms, kind = err.kind().class_name(),
        "{method} {path}: retrying in {delay_ms} ms after attempt {attempt} ({})",
        err.kind().class_name()
    );
}

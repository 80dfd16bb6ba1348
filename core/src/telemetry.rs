//! What the tracing of a call records: one span per operation with the OpenTelemetry HTTP
//! client attributes, and the [`Route`] the Python and Node telemetry layers read to record the
//! same span through the application's own OpenTelemetry API.

use reqwest::Method;
use tracing::Span;
use tracing::field::Empty;

use crate::config::Config;
use crate::error::Error;
use crate::retry::Replay;

/// The `tracing` target of the spans: not the log's, so that `ARGOS_LOG` never prints them.
pub const SPAN_TARGET: &str = "argos";

/// An operation of the API, as spans and metrics name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Submit,
    Get,
    ListPage,
    Image,
    Delete,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::Submit,
        Operation::Get,
        Operation::ListPage,
        Operation::Image,
        Operation::Delete,
    ];

    /// `submit`, `get`, `list_page`, `image`, `delete`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Submit => "submit",
            Operation::Get => "get",
            Operation::ListPage => "list_page",
            Operation::Image => "image",
            Operation::Delete => "delete",
        }
    }

    /// `argos.face_auth.<name>`.
    pub fn span_name(self) -> &'static str {
        match self {
            Operation::Submit => "argos.face_auth.submit",
            Operation::Get => "argos.face_auth.get",
            Operation::ListPage => "argos.face_auth.list_page",
            Operation::Image => "argos.face_auth.image",
            Operation::Delete => "argos.face_auth.delete",
        }
    }

    pub(crate) fn method(self) -> Method {
        Method::from_bytes(self.method_name().as_bytes()).expect("a standard method")
    }

    fn method_name(self) -> &'static str {
        match self {
            Operation::Submit => "POST",
            Operation::Delete => "DELETE",
            _ => "GET",
        }
    }

    /// The endpoint's path below the base URL.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Operation::Image => "faceauth/image",
            _ => "faceauth",
        }
    }

    pub(crate) fn replay(self) -> Replay {
        match self {
            Operation::Submit => Replay::OnlyIfUnsent,
            _ => Replay::Idempotent,
        }
    }

    /// A span with the attributes known before the call; [`finish`] records the rest.
    pub(crate) fn span(self, route: &Route) -> Span {
        // A span's name must be a literal, hence one macro call per operation.
        macro_rules! span {
            ($name:literal) => {
                tracing::info_span!(
                    target: SPAN_TARGET,
                    $name,
                    otel.kind = "client",
                    http.request.method = route.method,
                    url.template = route.url_template.as_str(),
                    server.address = route.server_address.as_str(),
                    server.port = route.server_port,
                    http.response.status_code = Empty,
                    http.request.resend_count = Empty,
                    error.type = Empty,
                    argos.request_id = Empty,
                    otel.status_code = Empty,
                )
            };
        }
        match self {
            Operation::Submit => span!("argos.face_auth.submit"),
            Operation::Get => span!("argos.face_auth.get"),
            Operation::ListPage => span!("argos.face_auth.list_page"),
            Operation::Image => span!("argos.face_auth.image"),
            Operation::Delete => span!("argos.face_auth.delete"),
        }
    }
}

/// Where an operation goes, as the OpenTelemetry HTTP client attributes name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub operation: Operation,
    /// `http.request.method`.
    pub method: &'static str,
    /// `url.template`: the endpoint's path (e.g. `/v3/faceauth`), never a query.
    pub url_template: String,
    /// `server.address`.
    pub server_address: String,
    /// `server.port` (443 when the base URL names none).
    pub server_port: u16,
}

impl Route {
    pub(crate) fn new(config: &Config, operation: Operation) -> Route {
        let url = config.endpoint(operation.path());
        Route {
            operation,
            method: operation.method_name(),
            url_template: url.path().to_owned(),
            server_address: url.host_str().unwrap_or_default().to_owned(),
            server_port: url.port_or_known_default().unwrap_or(443),
        }
    }
}

/// Records how the call ended on its span: the status, the retries, the request id, and for a
/// failure the error class and the span's error status.
pub(crate) fn finish(span: &Span, attempts: u32, outcome: std::result::Result<Ended<'_>, &Error>) {
    if span.is_disabled() {
        return;
    }
    if attempts > 1 {
        span.record("http.request.resend_count", attempts - 1);
    }
    match outcome {
        Ok(ended) => {
            span.record("http.response.status_code", ended.status);
            if let Some(id) = ended.request_id {
                span.record("argos.request_id", id);
            }
        }
        Err(err) => {
            if let Some(status) = err.status() {
                span.record("http.response.status_code", status);
            }
            if let Some(id) = err.request_id() {
                span.record("argos.request_id", id);
            }
            span.record("error.type", err.kind().class_name());
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// A call's answer, as [`finish`] records it.
pub(crate) struct Ended<'a> {
    pub(crate) status: u16,
    pub(crate) request_id: Option<&'a str>,
}

//! Headers a user adds to requests (`default_headers`, `with_options(extra_headers=…)`), checked
//! before any I/O, and the trace context a telemetry layer adds to each attempt.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Set by the SDK itself (the key, the body's framing, the origin) or by its telemetry: a user's
/// value would break authentication, the upload, or the trace.
pub const RESERVED_HEADERS: [&str; 6] = [
    "x-api-key",
    "content-type",
    "content-length",
    "host",
    "traceparent",
    "tracestate",
];

/// The W3C trace context headers, the only ones [`trace_context`] takes.
const TRACE_HEADERS: [&str; 2] = ["traceparent", "tracestate"];

/// `pairs` as headers, refusing reserved names, malformed names and values that cannot be sent
/// (`option` names the setting in the message). A later pair replaces an earlier one of the
/// same name.
pub(crate) fn user_headers(option: &str, pairs: &[(String, String)]) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Error::configuration(format!("{option} has an invalid header name {name:?}"))
        })?;
        if RESERVED_HEADERS.contains(&header.as_str()) {
            return Err(Error::configuration(format!(
                "{option} cannot set {header}: the client sets it itself"
            )));
        }
        headers.insert(header.clone(), value_of(option, &header, value)?);
    }
    Ok(headers)
}

/// The trace context to send on every attempt of a call; only `traceparent` and `tracestate`.
pub(crate) fn trace_context(pairs: &[(String, String)]) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let Some(known) = TRACE_HEADERS.iter().find(|t| t.eq_ignore_ascii_case(name)) else {
            return Err(Error::configuration(format!(
                "the trace context has a header {name:?}; only traceparent and tracestate are sent"
            )));
        };
        let header = HeaderName::from_static(known);
        headers.insert(
            header.clone(),
            value_of("the trace context", &header, value)?,
        );
    }
    Ok(headers)
}

fn value_of(option: &str, name: &HeaderName, value: &str) -> Result<HeaderValue> {
    // Visible ASCII and spaces only: a control character could split the request, and other
    // bytes are read differently by each server.
    if !value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return Err(Error::configuration(format!(
            "{option}: the value of {name} must be visible ASCII characters"
        )));
    }
    HeaderValue::from_str(value.trim())
        .map_err(|_| Error::configuration(format!("{option}: the value of {name} cannot be sent")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refused(list: &[(&str, &str)]) -> String {
        let err = user_headers("default_headers", &pairs(list)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        err.message().to_owned()
    }

    #[test]
    fn names_are_lower_cased_and_the_last_value_wins() {
        let headers = user_headers(
            "default_headers",
            &pairs(&[("X-Team", "kyc"), ("x-team", "fraud"), ("X-Trace", " a b ")]),
        )
        .unwrap();
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["x-team"], "fraud");
        assert_eq!(headers["x-trace"], "a b");
    }

    #[test]
    fn reserved_and_malformed_headers_are_refused() {
        for name in RESERVED_HEADERS {
            let upper = name.to_ascii_uppercase();
            assert!(refused(&[(&upper, "x")]).contains(name), "{name}");
        }
        assert!(refused(&[("bad name", "x")]).contains("invalid header name \"bad name\""));
        assert!(refused(&[("", "x")]).contains("invalid header name"));
        let split = refused(&[("x-ok", "a\r\nx-api-key: stolen")]);
        assert!(
            split.contains("x-ok") && split.contains("visible ASCII"),
            "{split}"
        );
        assert!(refused(&[("x-ok", "café")]).contains("visible ASCII"));
    }

    #[test]
    fn the_trace_context_takes_only_its_two_headers() {
        let headers = trace_context(&pairs(&[
            (
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
            ("TraceState", "congo=t61rcWkgMzE"),
        ]))
        .unwrap();
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["tracestate"], "congo=t61rcWkgMzE");
        let err = trace_context(&pairs(&[("x-api-key", "k")])).unwrap_err();
        assert!(err.message().contains("only traceparent and tracestate"));
    }
}

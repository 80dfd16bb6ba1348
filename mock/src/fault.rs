//! Faults a test injects: misbehaviour that requests meet before routing and the gateway's checks.

use std::time::Duration;

/// A one-shot (or `times`-shot) misbehaviour injected with
/// [`MockServer::inject_fault`](crate::MockServer::inject_fault).
///
/// Faults form a FIFO list: each request takes the first fault whose method and
/// path match, before any routing or gateway check, and uses up one of its `times`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Only requests with this method (case-insensitive); `None` matches any.
    pub method: Option<String>,
    /// Only requests to this path, relative to `/v3` (e.g. `/faceauth/image`);
    /// `None` matches any.
    pub path: Option<String>,
    /// How many requests the fault applies to; a fault injected with `0` is ignored.
    pub times: u32,
    /// What the server does instead of answering normally.
    pub action: FaultAction,
}

/// What a [`Fault`] does to the request it catches.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this status, headers and body. An `x-amzn-RequestId` header is
    /// added unless `headers` has one (or an `x-amz-apigw-id`); an invalid status becomes 500 and invalid
    /// headers are skipped.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Close the connection without sending a single response byte.
    Drop,
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

impl Fault {
    fn new(action: FaultAction) -> Self {
        Self {
            method: None,
            path: None,
            times: 1,
            action,
        }
    }

    /// Respond with `status` and `body`, labelled `application/json` unless the body
    /// looks like markup (starts with `<` after any whitespace), which is labelled `text/html`.
    #[must_use]
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        let body = body.into();
        let content_type = if body.trim_start().starts_with('<') {
            "text/html"
        } else {
            "application/json"
        };
        Self::new(FaultAction::Respond {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        })
    }

    /// The HTML `502 Bad Gateway` page an AWS load balancer sends when its target fails.
    #[must_use]
    pub fn html_502() -> Self {
        Self::status(502, HTML_502).header("server", "awselb/2.0")
    }

    /// Delay the request by `d`, then answer normally.
    #[must_use]
    pub fn delay(d: Duration) -> Self {
        Self::new(FaultAction::Delay(d))
    }

    /// Close the connection without answering.
    #[must_use]
    pub fn drop_connection() -> Self {
        Self::new(FaultAction::Drop)
    }

    /// Adds a response header; only [`FaultAction::Respond`] faults send headers.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let FaultAction::Respond { headers, .. } = &mut self.action {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Applies the fault to the next `n` matching requests instead of one.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Restricts the fault to one route, e.g. `.on("GET", "/faceauth/image")`.
    #[must_use]
    pub fn on(mut self, method: &str, path: &str) -> Self {
        self.method = Some(method.to_owned());
        self.path = Some(path.to_owned());
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| p == path)
    }
}

/// Takes one use of the first fault matching the request, dropping used-up faults.
pub(crate) fn take(faults: &mut Vec<Fault>, method: &str, path: &str) -> Option<FaultAction> {
    let index = faults.iter().position(|f| f.matches(method, path))?;
    let fault = &mut faults[index];
    fault.times -= 1;
    let action = fault.action.clone();
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_fault_is_used_up_in_order() {
        let mut faults = vec![
            Fault::status(500, "{}").on("GET", "/faceauth"),
            Fault::drop_connection().times(2),
        ];
        assert_eq!(
            take(&mut faults, "POST", "/faceauth"),
            Some(FaultAction::Drop)
        );
        assert!(matches!(
            take(&mut faults, "get", "/faceauth"),
            Some(FaultAction::Respond { status: 500, .. })
        ));
        assert_eq!(
            take(&mut faults, "GET", "/faceauth"),
            Some(FaultAction::Drop)
        );
        assert_eq!(take(&mut faults, "GET", "/faceauth"), None);
    }

    #[test]
    fn status_picks_content_type_from_body() {
        let html = Fault::html_502();
        let FaultAction::Respond { headers, .. } = html.action else {
            panic!("html_502 must respond");
        };
        assert!(headers.contains(&("content-type".into(), "text/html".into())));
        let FaultAction::Respond { headers, .. } = Fault::status(500, "{}").action else {
            panic!("status must respond");
        };
        assert!(headers.contains(&("content-type".into(), "application/json".into())));
    }
}

//! What the mock keeps of each request, for a test to inspect: the most recent ones only.

use std::collections::VecDeque;

/// One request as it reached the mock, listed by [`MockServer::requests`](crate::MockServer::requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Upper-case method, e.g. `POST`.
    pub method: String,
    /// Path relative to `/v3` (e.g. `/faceauth`); paths outside `/v3` are kept whole.
    pub path: String,
    /// Percent-decoded query parameters in their original order.
    pub query: Vec<(String, String)>,
    /// Headers with lower-case names; the `x-api-key` value reads `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The parts of a `multipart/form-data` body; empty for any other body.
    pub form: Vec<FormPart>,
    /// Body size in bytes.
    pub body_len: usize,
}

/// One part of a recorded multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// The part's form field name.
    pub name: String,
    /// The `filename` of a file part.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if it declared one.
    pub content_type: Option<String>,
    /// Size of the part's content in bytes.
    pub len: usize,
    /// The (lossily UTF-8 decoded) value of a non-file part.
    pub text: Option<String>,
}

/// The requests a [`MockServer`](crate::MockServer) holds, as
/// [`MockServer::request_log`](crate::MockServer::request_log) reads them in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestLog {
    /// The last [`request_log_limit`](crate::MockOptions::request_log_limit) requests at most,
    /// oldest first.
    pub requests: Vec<RecordedRequest>,
    /// How many requests came before the first one held and were let go, since start (or the
    /// last [`reset_counts`](crate::MockServer::reset_counts)).
    pub dropped: u64,
}

/// The last `limit` recorded requests, and how many older ones were let go: a server that runs
/// for days keeps its size.
#[derive(Debug)]
pub(crate) struct BoundedLog {
    limit: usize,
    held: VecDeque<RecordedRequest>,
    dropped: u64,
}

impl BoundedLog {
    /// An empty log. Its room grows with use rather than up front: `limit` may be huge.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            held: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Keeps `request`, letting the oldest go once the log is full (a limit of 0 keeps none).
    pub(crate) fn push(&mut self, request: RecordedRequest) {
        self.held.push_back(request);
        while self.held.len() > self.limit {
            self.held.pop_front();
            self.dropped += 1;
        }
    }

    /// Forgets the requests held and the count of those let go.
    pub(crate) fn clear(&mut self) {
        self.held.clear();
        self.dropped = 0;
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// A copy of the requests held, oldest first, and the count of those let go.
    pub(crate) fn snapshot(&self) -> RequestLog {
        RequestLog {
            requests: self.held.iter().cloned().collect(),
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            form: Vec::new(),
            body_len: 0,
        }
    }

    #[test]
    fn a_limit_of_zero_keeps_none_but_counts_them() {
        let mut log = BoundedLog::new(0);
        log.push(request("/a"));
        log.push(request("/b"));
        assert_eq!(
            log.snapshot(),
            RequestLog {
                requests: Vec::new(),
                dropped: 2
            }
        );
    }

    #[test]
    fn a_full_log_lets_the_oldest_go() {
        let mut log = BoundedLog::new(2);
        for path in ["/a", "/b", "/c"] {
            log.push(request(path));
        }
        let snapshot = log.snapshot();
        let paths: Vec<&str> = snapshot.requests.iter().map(|r| r.path.as_str()).collect();
        assert_eq!((paths, snapshot.dropped), (vec!["/b", "/c"], 1));
        log.clear();
        assert_eq!(log.snapshot(), RequestLog::default());
    }
}

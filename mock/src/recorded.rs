//! What the mock keeps of each request, for a test to inspect.

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

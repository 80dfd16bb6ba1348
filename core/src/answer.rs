//! Reading an answer within bounds: redirects are refused, bodies are capped, and reading stops
//! at the cap so that a hostile or broken server cannot grow the client's memory.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, HeaderMap, LOCATION};
use reqwest::{StatusCode, Url};

use crate::config::MAX_ERROR_READ_BYTES;
use crate::error::{Error, Result};
use crate::response::{Response, ResponseInfo};

/// A 2xx answer, read whole.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// Set by the call once it ends: how many attempts it made and how long it took.
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
}

impl Answer {
    /// What the result of this answer carries about it, once the body is read.
    pub(crate) fn into_response(self) -> Response {
        Response::new(ResponseInfo::new(
            self.status.as_u16(),
            self.headers,
            self.attempts,
            self.elapsed,
        ))
    }
}

/// Reads `response` into an [`Answer`], or the error it stands for. A 2xx body may hold at most
/// `max_body` bytes; an error body is read up to [`MAX_ERROR_READ_BYTES`] and the rest ignored.
/// Dropping the response mid-body closes its connection instead of draining it.
pub(crate) async fn read(response: reqwest::Response, max_body: u64) -> Result<Answer> {
    let status = response.status();
    if status.is_redirection() {
        let location = location(response.url(), response.headers());
        return Err(Error::redirect(status, response.headers(), &location));
    }
    let headers = response.headers().clone();
    let declared = declared_length(&headers);
    if !status.is_success() {
        let (body, _) = read_capped(response, declared, MAX_ERROR_READ_BYTES).await?;
        return Err(Error::from_response(status.as_u16(), &headers, &body));
    }
    if declared.is_some_and(|len| len > max_body) {
        return Err(Error::response_too_large(status, &headers, max_body));
    }
    match read_capped(response, declared, max_body).await? {
        (body, false) => Ok(Answer {
            status,
            headers,
            body,
            attempts: 1,
            elapsed: Duration::ZERO,
        }),
        (_, true) => Err(Error::response_too_large(status, &headers, max_body)),
    }
}

/// At most `cap` bytes of the body (whose `Content-Length` is `declared`), and whether there
/// was more.
async fn read_capped(
    mut response: reqwest::Response,
    declared: Option<u64>,
    cap: u64,
) -> Result<(Bytes, bool)> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    // The usual answer is one chunk, kept as it is. Later chunks are copied into one buffer:
    // keeping them would pin hyper's read buffers, which can be far larger than the data.
    let mut first = Bytes::new();
    let mut joined = BytesMut::new();
    let mut over = false;
    while let Some(chunk) = response.chunk().await.map_err(Error::transport)? {
        let len = first.len() + joined.len();
        over = chunk.len() > cap - len;
        let chunk = if over {
            chunk.slice(..cap - len)
        } else {
            chunk
        };
        if len == 0 {
            first = chunk;
        } else {
            if joined.is_empty() {
                // Reserving untouched capacity costs address space, not memory.
                let expected = declared.map_or(2 * len, |d| d.min(cap as u64) as usize);
                joined.reserve(expected.max(len + chunk.len()));
                joined.extend_from_slice(&std::mem::take(&mut first));
            }
            joined.extend_from_slice(&chunk);
        }
        if over {
            break;
        }
    }
    let body = if joined.is_empty() {
        first
    } else {
        joined.freeze()
    };
    Ok((body, over))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The redirect's target, resolved against the request and without query, fragment or
/// credentials (they may carry secrets), for the error message.
fn location(request: &Url, headers: &HeaderMap) -> String {
    let Some(raw) = headers.get(LOCATION) else {
        return "no Location".to_owned();
    };
    let Some(mut url) = raw.to_str().ok().and_then(|l| request.join(l).ok()) else {
        return "an unreadable Location".to_owned();
    };
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

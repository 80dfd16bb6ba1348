//! Reading request bodies under the size limit.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HeaderMap};

/// A request body, kept only if it fits the size limit.
pub(crate) struct ReadBody {
    /// `None` when the body was larger than the limit.
    pub data: Option<Bytes>,
    /// Bytes received.
    pub len: usize,
}

/// Reads the whole body, keeping at most `max` bytes of it.
///
/// Oversized bodies are still drained, so that the client reads the 413 instead of
/// failing to write into a connection the server has stopped reading.
pub(crate) async fn read(
    mut body: Incoming,
    headers: &HeaderMap,
    max: usize,
) -> Result<ReadBody, hyper::Error> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let mut too_large = declared.is_some_and(|len| len > max as u64);
    let mut data = Vec::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(chunk) = frame?.into_data() {
            len += chunk.len();
            too_large |= len > max;
            if !too_large {
                data.extend_from_slice(&chunk);
            }
        }
    }
    Ok(ReadBody {
        data: (!too_large).then(|| Bytes::from(data)),
        len,
    })
}

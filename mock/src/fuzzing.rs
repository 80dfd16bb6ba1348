//! Entry points for `fuzz/`: the mock's internal parsers of what clients send. Not public API.

use bytes::Bytes;

use crate::recorded::FormPart;

/// The gateway's multipart reader: each part's summary and its content.
pub async fn multipart(content_type: Option<&str>, body: Bytes) -> Option<Vec<(FormPart, Bytes)>> {
    let parts = crate::multipart::parse(content_type, body).await?;
    Some(parts.into_iter().map(|p| (p.summary(), p.data)).collect())
}

/// The gateway's query-string split, then the `GET /faceauth` parameter check on it;
/// `Some(true)` for a lookup by id, `Some(false)` for a page, `None` for `invalid_parameter`.
pub fn list_query(raw: &str) -> (Vec<(String, String)>, Option<bool>) {
    let pairs = crate::query::parse(raw);
    let by_id = crate::listing::parse(&pairs)
        .ok()
        .map(|q| matches!(q, crate::listing::ListQuery::ById(_)));
    (pairs, by_id)
}

//! What the SDK reads from the headers of any HTTP answer, success or error: the request id and
//! `Retry-After` (errors, logs and the retry policy all read them here, so they agree), and the
//! [`ResponseInfo`] every result carries.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The HTTP answer that carried a result, and how the call got it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ResponseInfo {
    pub status_code: u16,
    /// `x-amzn-RequestId` (else `x-amz-apigw-id`): quote it to ARGOS support.
    pub request_id: Option<String>,
    /// The answer's headers (names lower-cased).
    pub headers: HeaderMap,
    /// Attempts the call made, 1 when it was not retried.
    pub attempts: u32,
    /// From the call's start (its wait for the budget included) to the answer read whole.
    pub elapsed: Duration,
}

impl ResponseInfo {
    pub(crate) fn new(status: u16, headers: HeaderMap, attempts: u32, elapsed: Duration) -> Self {
        ResponseInfo {
            status_code: status,
            request_id: request_id(&headers).map(str::to_owned),
            headers,
            attempts,
            elapsed,
        }
    }

    /// The headers as (name, value) text, the values of a repeated name joined by `", "`, and a
    /// value that is not text read lossily.
    pub fn header_pairs(&self) -> Vec<(&str, String)> {
        let mut pairs: Vec<(&str, String)> = Vec::with_capacity(self.headers.keys_len());
        for name in self.headers.keys() {
            let values: Vec<_> = self
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            pairs.push((name.as_str(), values.join(", ")));
        }
        pairs
    }
}

/// The [`ResponseInfo`] of a result, shared by the records of one page.
///
/// Results compare by their data: two results equal in every field are equal whichever
/// answers carried them, so `Response`s are always equal to each other.
#[derive(Clone, Default)]
pub struct Response(Arc<ResponseInfo>);

impl Response {
    pub(crate) fn new(info: ResponseInfo) -> Self {
        Response(Arc::new(info))
    }
}

impl Deref for Response {
    type Target = ResponseInfo;

    fn deref(&self) -> &ResponseInfo {
        &self.0
    }
}

impl PartialEq for Response {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `x-amzn-RequestId`, or the API Gateway id when only that one is present.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-amzn-requestid", "x-amz-apigw-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

/// `Retry-After` as seconds (possibly fractional) or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // Also refuses what no Duration holds (`1e30`), where from_secs_f64 would panic.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let retry_after = |value: &str| retry_after(&headers("retry-after", value));
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(retry_after("-1"), None);
        assert_eq!(retry_after("1e30"), None);
        assert_eq!(retry_after("soon"), None);
        let later = SystemTime::now() + Duration::from_secs(30);
        let wait = retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
    }

    #[test]
    fn request_id_prefers_the_amazon_request_id() {
        let mut both = headers("x-amz-apigw-id", "gw");
        assert_eq!(request_id(&both), Some("gw"));
        both.insert("x-amzn-RequestId", HeaderValue::from_static("req"));
        assert_eq!(request_id(&both), Some("req"));
        assert_eq!(request_id(&HeaderMap::new()), None);
    }
}

//! What the SDK reads from the headers of any HTTP answer, success or error: the request id and
//! `Retry-After`. Errors, logs and the retry policy all read them here, so they agree.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

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

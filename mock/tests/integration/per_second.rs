//! The gateway limit in fixed one-second windows, and the per-second counts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argos_addon_mock::{MockOptions, SecondCount};
use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::support::{Harness, start_with};

const LIMIT: u64 = 5;
const BURST: u64 = 3 * LIMIT;

/// Sleeps into the start of the next whole second, so that a short burst most likely falls in
/// one window (the assertions hold either way).
async fn next_second() {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let into_second = Duration::from_nanos(since_epoch.subsec_nanos().into());
    tokio::time::sleep(Duration::from_secs(1) - into_second + Duration::from_millis(5)).await;
}

/// Fires `BURST` keyed `GET /faceauth` at once; the statuses of the throttled ones are checked
/// here, and their number returned.
async fn burst(h: &Harness) -> u64 {
    let responses = join_all((0..BURST).map(|_| h.get("/faceauth").send())).await;
    let mut throttled = 0;
    for response in responses {
        let response = response.unwrap();
        let header = |name| response.headers().get(name).map(|v| v.to_str().unwrap());
        match response.status() {
            StatusCode::OK => assert_eq!(header("retry-after"), None),
            StatusCode::TOO_MANY_REQUESTS => {
                throttled += 1;
                assert_eq!(header("retry-after"), Some("1"));
                assert_eq!(header("x-amzn-errortype"), Some("TooManyRequestsException"));
                let body = response.text().await.unwrap();
                assert_eq!(body, r#"{"message":"Too Many Requests"}"#);
            }
            other => panic!("unexpected {other}"),
        }
    }
    throttled
}

fn sums(counts: &[SecondCount]) -> (u64, u64) {
    let requests = counts.iter().map(|c| c.requests).sum();
    let throttled = counts.iter().map(|c| c.throttled).sum();
    (requests, throttled)
}

#[tokio::test]
async fn the_gateway_limit_refuses_the_rest_of_each_second() {
    let h = start_with(MockOptions {
        gateway_limit: Some(LIMIT),
        ..MockOptions::default()
    });
    // A wrong key never reaches the usage plan, so it is neither counted nor throttled.
    let wrong_key = h.client.get(h.url("/faceauth")).send().await.unwrap();
    assert_eq!(wrong_key.status(), StatusCode::FORBIDDEN);
    assert_eq!(h.server.per_second_counts(), []);

    next_second().await;
    let refused = burst(&h).await;
    let counts = h.server.per_second_counts();
    assert_eq!(sums(&counts), (BURST, refused), "{counts:?}");
    for window in &counts {
        assert_eq!(window.throttled, window.requests.saturating_sub(LIMIT));
    }
    assert!(counts.windows(2).all(|w| w[0].second < w[1].second));
    // However the burst fell on the seconds, at most two of them could let LIMIT through each.
    assert!(refused >= BURST - 2 * LIMIT, "{counts:?}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(counts.iter().all(|c| (now - 5..=now).contains(&c.second)));

    h.server.set_gateway_limit(None);
    assert_eq!(burst(&h).await, 0);
    let after = h.server.per_second_counts();
    assert_eq!(sums(&after), (2 * BURST, refused), "{after:?}");

    h.server.reset_counts();
    assert_eq!(h.server.per_second_counts(), []);
}

#[tokio::test]
async fn without_a_gateway_limit_nothing_is_throttled_but_all_is_counted() {
    let h = start_with(MockOptions::default());
    assert_eq!(burst(&h).await, 0);
    assert_eq!(sums(&h.server.per_second_counts()), (BURST, 0));
    h.server.set_gateway_limit(Some(0));
    assert_eq!(burst(&h).await, BURST);
}

#[tokio::test]
async fn the_token_bucket_still_answers_without_retry_after() {
    let h = start_with(MockOptions {
        rate_limit: Some(0.01),
        gateway_limit: Some(LIMIT),
        ..MockOptions::default()
    });
    assert_eq!(
        h.get("/faceauth").send().await.unwrap().status(),
        StatusCode::OK
    );
    let bucket = h.get("/faceauth").send().await.unwrap();
    assert_eq!(bucket.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(bucket.headers().get("retry-after").is_none());
    let counts = h.server.per_second_counts();
    assert_eq!(
        sums(&counts).1,
        0,
        "the bucket's refusals are not the limit's: {counts:?}"
    );
}

//! What a test can arrange and inspect on a running [`MockServer`].

use std::sync::atomic::Ordering;

use crate::fault::Fault;
use crate::limits::{DailyQuota, TokenBucket};
use crate::recorded::{RecordedRequest, RequestLog};
use crate::records::{FaceAuthRecord, SeedRecord};
use crate::seconds::SecondCount;
use crate::server::MockServer;
use crate::shapes::{ImageEncoding, ListShape};
use crate::state::{Submission, count_key};
use crate::verdict::ForcedVerdict;

impl MockServer {
    /// Adds (or replaces) an ID Check submission that `POST /faceauth` can refer to.
    ///
    /// Only `approved` submissions can be authenticated against; an upload is
    /// approved when its bytes equal `selfie`.
    pub fn add_submission(&self, submission_id: &str, status: &str, selfie: Option<Vec<u8>>) {
        let submission = Submission {
            status: status.to_owned(),
            selfie,
        };
        self.shared
            .lock()
            .submissions
            .insert(submission_id.to_owned(), submission);
    }

    /// Inserts a FaceAuth record directly and returns its `auth_id`.
    pub fn add_record(&self, record: SeedRecord) -> String {
        let mut state = self.shared.lock();
        let auth_id = record
            .auth_id
            .clone()
            .unwrap_or_else(|| state.new_auth_id());
        let threshold = self.shared.config.similarity_threshold;
        let record = FaceAuthRecord::seeded(record, auth_id.clone(), threshold);
        state.records.insert(auth_id.clone(), record);
        auth_id
    }

    /// The stored record with this `auth_id`, including the fields the API does not
    /// list (scores, fail codes, `userId`, `cf1`..`cf3`, image).
    pub fn record(&self, auth_id: &str) -> Option<FaceAuthRecord> {
        self.shared.lock().records.get(auth_id).cloned()
    }

    /// Queues a verdict for the next successful `POST /faceauth`; each call queues one.
    pub fn force_next_verdict(&self, verdict: ForcedVerdict) {
        self.shared.lock().forced.push_back(verdict);
    }

    /// Appends a fault to the FIFO list that requests consult before routing and the gateway's
    /// checks.
    pub fn inject_fault(&self, fault: Fault) {
        if fault.times > 0 {
            self.shared.lock().faults.push(fault);
        }
    }

    /// Removes all pending faults.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Turns the IP allow-list "explicit deny" on or off.
    pub fn set_deny(&self, deny: bool) {
        self.shared.lock().deny = deny;
    }

    /// Chooses the `GET /faceauth` response shape.
    pub fn set_list_shape(&self, shape: ListShape) {
        self.shared.lock().list_shape = shape;
    }

    /// Chooses how `GET /faceauth/image` packages the base64 image.
    pub fn set_image_encoding(&self, encoding: ImageEncoding) {
        self.shared.lock().image_encoding = encoding;
    }

    /// Replaces the daily quota (`None` = unlimited) and forgets today's usage.
    pub fn set_daily_quota(&self, quota: Option<u64>) {
        self.shared.lock().quota = DailyQuota::new(quota);
    }

    /// Replaces the rate limit (`None` = unlimited) with a full bucket.
    pub fn set_rate_limit(&self, rate: Option<f64>) {
        self.shared.lock().bucket = rate.map(TokenBucket::new);
    }

    /// Replaces the gateway limit (`None` = off, see [`MockOptions::gateway_limit`]), which
    /// starts counting the current second afresh; the [per-second counts](Self::per_second_counts)
    /// are kept.
    ///
    /// [`MockOptions::gateway_limit`]: crate::MockOptions::gateway_limit
    pub fn set_gateway_limit(&self, per_second: Option<u64>) {
        self.shared.lock().seconds.set_limit(per_second);
    }

    /// How many requests arrived for `method` (any case) and `path` relative to
    /// `/v3`, e.g. `("POST", "/faceauth")`, whatever their outcome.
    pub fn request_count(&self, method: &str, path: &str) -> u64 {
        let key = count_key(method, path);
        self.shared.lock().counts.get(&key).copied().unwrap_or(0)
    }

    /// How many requests arrived in all.
    pub fn total_requests(&self) -> u64 {
        self.shared.lock().counts.values().sum()
    }

    /// How many TCP connections the server accepted since start (or the last
    /// [`reset_counts`](Self::reset_counts)), whether or not their TLS handshake then succeeded.
    ///
    /// A connection is counted when it is accepted, before the server reads from it, so once a
    /// client has a response (or a TLS error) its connection is already counted: a client that
    /// reused one connection for several requests counts once.
    pub fn connection_count(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many TLS handshakes completed since start (or the last
    /// [`reset_counts`](Self::reset_counts)); each is counted before its connection serves a
    /// request. Connections whose handshake failed or timed out count in
    /// [`connection_count`](Self::connection_count) only.
    pub fn handshake_count(&self) -> u64 {
        self.shared.handshakes.load(Ordering::SeqCst)
    }

    /// Bench mode, for benchmarks of clients: requests are counted but not recorded, any submit
    /// is approved without its form being parsed or stored, and `GET /faceauth?authId=` for an
    /// unknown `authId` lists a canned approved record, so the server stays cheap and its memory
    /// flat. Faults and the gateway's checks apply as usual; takes effect from the next request.
    pub fn set_bench(&self, on: bool) {
        self.shared.lock().bench = on;
    }

    /// Zeroes all counts (the per-second ones, [`connection_count`](Self::connection_count),
    /// [`handshake_count`](Self::handshake_count) and [`dropped_requests`](Self::dropped_requests)
    /// too) and forgets the recorded requests.
    /// Connections already open are not counted again when they send further requests.
    pub fn reset_counts(&self) {
        let mut state = self.shared.lock();
        self.shared.connections.store(0, Ordering::SeqCst);
        self.shared.handshakes.store(0, Ordering::SeqCst);
        state.counts.clear();
        state.requests.clear();
        state.seconds.clear();
    }

    /// How many requests reached the usage plan (those with the right key, which the daily quota
    /// counts) in each whole UTC second, and how many of them the gateway limit refused: the
    /// seconds of the last hour that had any, oldest first, since start (or the last
    /// [`reset_counts`](Self::reset_counts)).
    pub fn per_second_counts(&self) -> Vec<SecondCount> {
        self.shared.lock().seconds.counts()
    }

    /// The requests that arrived since start (or the last [`reset_counts`](Self::reset_counts)),
    /// oldest first: the last [`request_log_limit`](crate::MockOptions::request_log_limit) of them
    /// at most. Bench mode records none.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.request_log().requests
    }

    /// How many recorded requests the log let go to stay within
    /// [`request_log_limit`](crate::MockOptions::request_log_limit), since start (or the last
    /// [`reset_counts`](Self::reset_counts)): the first of [`requests`](Self::requests) is the
    /// one that arrived after them.
    pub fn dropped_requests(&self) -> u64 {
        self.shared.lock().requests.dropped()
    }

    /// [`requests`](Self::requests) and [`dropped_requests`](Self::dropped_requests), read
    /// together so that they agree while requests keep arriving.
    pub fn request_log(&self) -> RequestLog {
        self.shared.lock().requests.snapshot()
    }
}

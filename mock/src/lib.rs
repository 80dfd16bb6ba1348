//! A local HTTPS mock of the ARGOS Identity Add-On (FaceAuth) REST API.
//!
//! [`MockServer::start`] serves `POST`/`GET`/`DELETE /v3/faceauth` and
//! `GET /v3/faceauth/image` over TLS on `127.0.0.1`, signed by a throw-away CA
//! whose PEM is available from [`MockServer::ca_cert_pem`]. Besides the routes it
//! imitates the API Gateway in front of the real service (key check, IP deny,
//! body limit, throttling, an optional per-second gateway limit, daily quota) and
//! lets tests inject faults, force verdicts and inspect the requests that arrived
//! (the last 10,000 by default) and how many came in each second. Bench mode
//! ([`MockServer::set_bench`]) serves benchmarks of clients instead.
//!
//! ```no_run
//! use argos_addon_mock::{MockOptions, MockServer};
//!
//! let server = MockServer::start(MockOptions::default())?;
//! server.add_submission("sub-1", "approved", Some(b"selfie".to_vec()));
//! println!("{} {}", server.base_url(), server.api_key());
//! # Ok::<(), std::io::Error>(())
//! ```

mod accept;
mod admission;
mod bench;
mod body;
mod control;
mod fault;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod ids;
mod limits;
mod listing;
mod multipart;
mod options;
mod query;
mod recorded;
mod records;
mod response;
mod routes;
mod seconds;
mod server;
mod shapes;
mod state;
mod tls;
mod verdict;

pub use fault::{Fault, FaultAction};
pub use options::{
    DEFAULT_DAILY_QUOTA, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, DEFAULT_REQUEST_LOG_LIMIT,
    DEFAULT_SIMILARITY_THRESHOLD, MockOptions,
};
pub use recorded::{FormPart, RecordedRequest, RequestLog};
pub use records::{FaceAuthRecord, SeedRecord};
pub use seconds::SecondCount;
pub use server::MockServer;
pub use shapes::{ImageEncoding, ListShape};
pub use verdict::ForcedVerdict;

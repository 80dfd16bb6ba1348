//! End-to-end tests of the mock over real TLS, with reqwest as the client.

mod binary;
mod connections;
mod delete;
mod faults;
mod fuzz_regressions;
mod gateway;
mod image;
mod lifecycle;
mod listing;
mod per_second;
mod recording;
mod submit;
mod support;

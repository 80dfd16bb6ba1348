//! A deliberately misbehaving HTTPS server, for the transport-safety tests of argos-addon in
//! Rust, Python and Node (those two drive the `argos-hostile` binary). It speaks HTTP/1.1 by
//! hand over raw TLS so that it can break the protocol in ways a real server library would not.
//! Never shipped; the well-behaved ARGOS server is `argos-addon-mock`.

mod scenario;
mod server;
mod tls;

pub use scenario::{HUGE, OK_BODY, Scenario};
pub use server::{HostileServer, Stats};

//! One self-signed certificate for `127.0.0.1`, which clients add as a trusted root.

use std::io;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub(crate) fn self_signed() -> io::Result<(String, Arc<ServerConfig>)> {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .map_err(io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    // HTTP/1.1 only: every scenario is written as HTTP/1 bytes.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((cert.cert.pem(), Arc::new(config)))
}

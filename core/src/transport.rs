//! The HTTP client under a [`crate::Client`], set up from a resolved [`Config`]: rustls, the
//! extra roots, the key header, the timeouts and no redirects.

use std::sync::Once;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::config::Config;
use crate::error::{Error, Result, describe_chain};

/// Builds the connection pool; no network I/O happens here.
pub(crate) fn http_client(config: &Config) -> Result<reqwest::Client> {
    install_crypto_provider();
    let mut key_header = HeaderValue::from_str(config.api_key.expose())
        .map_err(|_| Error::configuration("api_key cannot be sent as a header"))?;
    key_header.set_sensitive(true);
    let mut headers = config.default_headers.clone();
    headers.insert("x-api-key", key_header);
    let mut http = reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(&config.user_agent)
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(50))
        // The key header would follow a redirect to any origin; a 3xx becomes an error.
        .redirect(reqwest::redirect::Policy::none())
        .https_only(true);
    if !config.ca_certs.is_empty() {
        http = http.tls_certs_merge(config.ca_certs.iter().cloned());
    }
    http.build().map_err(|e| {
        let why = describe_chain(&e.without_url());
        match config.ca_certs.len() {
            0 => Error::configuration(format!("cannot set up HTTPS: {why}")),
            _ => Error::configuration(format!("ca_cert cannot be used: {why}")),
        }
    })
}

/// rustls with ring, installed once for the process unless the application chose a provider.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already the default: keep the application's choice.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

//! Starting and stopping the server on its own thread and runtime.

use std::io;
use std::net::Ipv4Addr;
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};

use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::accept;
use crate::options::MockOptions;
use crate::state::Shared;
use crate::tls;

/// A running mock of the ARGOS Add-On API on `https://127.0.0.1:{port}/v3`.
///
/// The server runs on its own thread with its own Tokio runtime, so it works from
/// synchronous tests and from inside any async runtime alike. Dropping the handle
/// stops the server, like [`MockServer::stop`].
#[derive(Debug)]
pub struct MockServer {
    pub(crate) shared: Arc<Shared>,
    base_url: String,
    port: u16,
    ca_cert_pem: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server and returns once it accepts connections.
    ///
    /// Generates a fresh CA and server certificate, binds `127.0.0.1:{opts.port}`
    /// and serves on a dedicated thread with a two-worker Tokio runtime. It never
    /// blocks on the caller's runtime, so it may be called from async code.
    ///
    /// # Errors
    ///
    /// Fails if the port cannot be bound (e.g. it is in use), or if the
    /// certificates, the TLS configuration or the runtime cannot be created.
    pub fn start(opts: MockOptions) -> io::Result<MockServer> {
        let tls = tls::generate()?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(&opts));

        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let acceptor = TlsAcceptor::from(tls.config);
        let serving = shared.clone();
        let thread = thread::Builder::new()
            .name(format!("argos-mock-{port}"))
            .spawn(move || match runtime_for(listener) {
                Ok((runtime, listener)) => {
                    let _ = ready_tx.send(Ok(()));
                    runtime.block_on(accept::serve(listener, acceptor, serving, stop_rx));
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                }
            })?;
        // A plain channel, not an async wait: the caller may be inside a runtime.
        let ready = ready_rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("mock server thread died while starting")));
        if let Err(error) = ready {
            let _ = thread.join();
            return Err(error);
        }
        Ok(MockServer {
            shared,
            base_url: format!("https://127.0.0.1:{port}/v3"),
            port,
            ca_cert_pem: tls.ca_cert_pem,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `https://127.0.0.1:{port}/v3`, the base URL to configure a client with.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// PEM of the CA that signed the server certificate; clients must trust it.
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    /// The only `x-api-key` the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// The Add-On project ID reported as `faceAuth_projectId`.
    pub fn project_id(&self) -> &str {
        &self.shared.config.project_id
    }

    /// Stops accepting connections, gives in-flight requests a moment to finish
    /// and waits for the server thread to exit.
    pub fn stop(self) {
        drop(self);
    }
}

/// A two-worker runtime and the listener registered with it.
fn runtime_for(listener: std::net::TcpListener) -> io::Result<(Runtime, TcpListener)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("argos-mock-worker")
        .enable_all()
        .build()?;
    let listener = {
        let _context = runtime.enter();
        TcpListener::from_std(listener)?
    };
    Ok((runtime, listener))
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

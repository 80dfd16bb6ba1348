//! The listeners: the hostile origin, a second TLS origin and a plain-HTTP one that redirects
//! point to, and a port that accepts connections and never speaks.

use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::scenario::{OK_BODY, Origins, Scenario, play};

const MAX_HEAD: usize = 64 * 1024;

/// What reached the server so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Request heads read on the hostile origin.
    pub requests: u64,
    /// Connections of any listener not yet closed: after a client gives up, this returns to 0.
    pub open_connections: u64,
    /// Requests that reached the other TLS origin.
    pub other_origin_requests: u64,
    /// Of those, the ones carrying an `x-api-key` header.
    pub other_origin_keys: u64,
    /// Connections made to the plain-HTTP listener.
    pub plain_connections: u64,
}

impl Stats {
    /// One line of JSON, as the binary prints it.
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"requests":{},"open_connections":{},"other_origin_requests":{},"other_origin_keys":{},"plain_connections":{}}}"#,
            self.requests,
            self.open_connections,
            self.other_origin_requests,
            self.other_origin_keys,
            self.plain_connections
        )
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    open: AtomicU64,
    other_requests: AtomicU64,
    other_keys: AtomicU64,
    plain: AtomicU64,
}

/// Counts a connection as open until dropped.
struct Open(Arc<Counters>);

impl Open {
    fn new(counters: &Arc<Counters>) -> Self {
        counters.open.fetch_add(1, Ordering::SeqCst);
        Open(counters.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The running server; dropping it stops every listener and connection.
pub struct HostileServer {
    port: u16,
    silent_port: u16,
    ca_cert_pem: String,
    counters: Arc<Counters>,
    /// Taken on drop: the signal that stops the server's thread, and the thread.
    running: Option<(oneshot::Sender<()>, thread::JoinHandle<()>)>,
}

impl HostileServer {
    pub fn start() -> io::Result<HostileServer> {
        let (ca_cert_pem, config) = crate::tls::self_signed()?;
        let bind = || -> io::Result<std::net::TcpListener> {
            let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            listener.set_nonblocking(true)?;
            Ok(listener)
        };
        let [main, other, plain, silent] = [bind()?, bind()?, bind()?, bind()?];
        let port = main.local_addr()?.port();
        let silent_port = silent.local_addr()?.port();
        let origins = Arc::new(Origins {
            other_tls_port: other.local_addr()?.port(),
            plain_port: plain.local_addr()?.port(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let counters = Arc::new(Counters::default());
        let serving = counters.clone();
        let acceptor = TlsAcceptor::from(config);
        let (stop, stopped) = oneshot::channel();
        let thread = thread::Builder::new()
            .name(format!("argos-hostile-{port}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listeners = (
                        TcpListener::from_std(main),
                        TcpListener::from_std(other),
                        TcpListener::from_std(plain),
                        TcpListener::from_std(silent),
                    );
                    let (Ok(main), Ok(other), Ok(plain), Ok(silent)) = listeners else {
                        return;
                    };
                    tokio::select! {
                        _ = stopped => {}
                        () = accept(main, serving.clone(), Role::Hostile(acceptor.clone(), origins.clone())) => {}
                        () = accept(other, serving.clone(), Role::OtherOrigin(acceptor, origins)) => {}
                        () = accept(plain, serving.clone(), Role::Plain) => {}
                        () = accept(silent, serving, Role::Silent) => {}
                    }
                });
            })?;
        Ok(HostileServer {
            port,
            silent_port,
            ca_cert_pem,
            counters,
            running: Some((stop, thread)),
        })
    }

    /// The base URL of the hostile origin: `https://127.0.0.1:PORT/v3`.
    pub fn base_url(&self) -> String {
        format!("https://127.0.0.1:{}/v3", self.port)
    }

    /// A base URL whose requests play `scenario` whatever the operation.
    pub fn scenario_url(&self, scenario: Scenario) -> String {
        format!("https://127.0.0.1:{}/{}/v3", self.port, scenario.name())
    }

    /// A base URL whose port accepts connections and never answers, not even the TLS handshake.
    pub fn silent_base_url(&self) -> String {
        format!("https://127.0.0.1:{}/v3", self.silent_port)
    }

    /// The certificate to trust (it signs itself).
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            requests: c.requests.load(Ordering::SeqCst),
            open_connections: c.open.load(Ordering::SeqCst),
            other_origin_requests: c.other_requests.load(Ordering::SeqCst),
            other_origin_keys: c.other_keys.load(Ordering::SeqCst),
            plain_connections: c.plain.load(Ordering::SeqCst),
        }
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

#[derive(Clone)]
enum Role {
    Hostile(TlsAcceptor, Arc<Origins>),
    OtherOrigin(TlsAcceptor, Arc<Origins>),
    Plain,
    Silent,
}

async fn accept(listener: TcpListener, counters: Arc<Counters>, role: Role) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let open = Open::new(&counters);
        let role = role.clone();
        tokio::spawn(async move {
            // Errors are what the client does to a hostile server: hang up. Nothing to report.
            let _ = serve(stream, &open.0, role).await;
            drop(open);
        });
    }
}

async fn serve(mut stream: TcpStream, counters: &Counters, role: Role) -> io::Result<()> {
    match role {
        Role::Hostile(acceptor, origins) => {
            let mut tls = acceptor.accept(stream).await?;
            let head = read_head(&mut tls).await?;
            counters.requests.fetch_add(1, Ordering::SeqCst);
            play(Scenario::for_target(target(&head)), tls, &origins).await
        }
        Role::OtherOrigin(acceptor, origins) => {
            let mut tls = acceptor.accept(stream).await?;
            let head = read_head(&mut tls).await?;
            counters.other_requests.fetch_add(1, Ordering::SeqCst);
            if has_api_key(&head) {
                counters.other_keys.fetch_add(1, Ordering::SeqCst);
            }
            play(Scenario::Ok, tls, &origins).await
        }
        Role::Plain => {
            counters.plain.fetch_add(1, Ordering::SeqCst);
            let _ = read_head(&mut stream).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                OK_BODY.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(OK_BODY.as_bytes()).await
        }
        Role::Silent => {
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            Ok(())
        }
    }
}

/// The request line and headers; the body, if any, is never needed.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > MAX_HEAD {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

fn target(head: &str) -> &str {
    head.split_whitespace().nth(1).unwrap_or("/")
}

fn has_api_key(head: &str) -> bool {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .any(|(name, _)| name.trim().eq_ignore_ascii_case("x-api-key"))
}

//! The accept loop: TLS handshakes and one HTTP/1.1 connection task per client.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::bench;
use crate::gateway::{self, DropConnection};
use crate::response::Body;
use crate::state::Shared;

/// How long in-flight requests may finish after a stop before they are cut off,
/// so that a long delay fault cannot stall the stop.
const GRACE: Duration = Duration::from_secs(1);
/// Clients that connect but never finish a handshake must not pin a task.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `stop` fires (or its sender is dropped), then shuts connections down.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let (closing_tx, closing) = watch::channel(());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    // Counted before the handshake, so a client that gives up on TLS still counts.
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let task = connection(tcp, acceptor.clone(), shared.clone(), closing.clone());
                    connections.spawn(task);
                }
                // Errors such as EMFILE are transient; back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow forever.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Dropping the sender wakes every connection's `closing.changed()`.
    drop(closing_tx);
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

async fn connection(
    tcp: TcpStream,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut closing: watch::Receiver<()>,
) {
    // Small request/response exchanges would otherwise stall on Nagle plus delayed ACKs.
    let _ = tcp.set_nodelay(true);
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    // Counted before any request is read, so a client holding a response knows it is counted.
    shared.handshakes.fetch_add(1, Ordering::SeqCst);
    let service = service_fn(move |request| respond(shared.clone(), request));
    let conn = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
    let mut conn = std::pin::pin!(conn);
    // Connection errors (including deliberate drops) only concern the client.
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = closing.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Hands the request to bench mode or to the gateway and its routes. The choice is made per
/// request because [`MockServer::set_bench`](crate::MockServer::set_bench) may switch at any time.
async fn respond(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let bench = shared.lock().bench;
    if bench {
        bench::handle(shared, request).await
    } else {
        gateway::handle(shared, request).await
    }
}

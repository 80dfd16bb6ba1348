//! The ways the server misbehaves, one per request, chosen by the request's target.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;
use tokio_rustls::server::TlsStream;

/// A 1 GiB body: far past any cap, so only the client's limit ends the transfer.
pub const HUGE: u64 = 1 << 30;
const BLOCK: usize = 64 * 1024;

/// One misbehaviour. Its name selects it: as the first path segment of the request
/// (`/slow-drip/v3/faceauth`, for any method) or as the `authId` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A well-formed `GET /faceauth` answer with one record.
    Ok,
    /// `302` to the other TLS origin (same host, another port), which counts what reaches it.
    RedirectCrossOrigin,
    /// `302` to a plain-HTTP listener, which counts what reaches it.
    RedirectHttp,
    /// `307` to the same URL path on the same origin.
    RedirectSameOrigin,
    /// `200` declaring and sending 1 GiB.
    HugeBody,
    /// `200` sending 1 GiB in chunks, with no declared length.
    HugeBodyChunked,
    /// `500` declaring and sending 1 GiB.
    HugeError,
    /// `500` sending 1 GiB in chunks.
    HugeErrorChunked,
    /// HTTP/1.0 `200` whose 1 GiB body ends only when the connection closes.
    HugeCloseDelimited,
    /// `200` declaring 100 kB and sending one byte every 500 ms.
    SlowDrip,
    /// `200` chunked, a one-byte chunk every 50 ms, never the last chunk.
    EndlessChunked,
    /// Headers and a little body, then half a TLS record and silence.
    StalledTls,
    /// Reads the request and never answers.
    NoAnswer,
    /// A status line, then headers as fast as the socket takes them, never the blank line.
    HeaderFlood,
    /// A status line, then a header every 100 ms, never the blank line.
    HeaderDrip,
    /// Not an HTTP status line.
    MalformedStatusLine,
    /// A `Content-Length` shorter than the (valid JSON) body sent.
    ShortContentLength,
    /// A `Content-Length` longer than the body, then the connection closes.
    LongContentLength,
    /// A chunked body cut off by a closed connection.
    ClosedMidBody,
    /// HTTP/1.0, no `Content-Length`, a valid record ended by closing the connection.
    Http10CloseDelimited,
}

impl Scenario {
    pub const ALL: [Scenario; 20] = [
        Scenario::Ok,
        Scenario::RedirectCrossOrigin,
        Scenario::RedirectHttp,
        Scenario::RedirectSameOrigin,
        Scenario::HugeBody,
        Scenario::HugeBodyChunked,
        Scenario::HugeError,
        Scenario::HugeErrorChunked,
        Scenario::HugeCloseDelimited,
        Scenario::SlowDrip,
        Scenario::EndlessChunked,
        Scenario::StalledTls,
        Scenario::NoAnswer,
        Scenario::HeaderFlood,
        Scenario::HeaderDrip,
        Scenario::MalformedStatusLine,
        Scenario::ShortContentLength,
        Scenario::LongContentLength,
        Scenario::ClosedMidBody,
        Scenario::Http10CloseDelimited,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Ok => "ok",
            Scenario::RedirectCrossOrigin => "redirect-cross-origin",
            Scenario::RedirectHttp => "redirect-http",
            Scenario::RedirectSameOrigin => "redirect-same-origin",
            Scenario::HugeBody => "huge-body",
            Scenario::HugeBodyChunked => "huge-body-chunked",
            Scenario::HugeError => "huge-error",
            Scenario::HugeErrorChunked => "huge-error-chunked",
            Scenario::HugeCloseDelimited => "huge-close-delimited",
            Scenario::SlowDrip => "slow-drip",
            Scenario::EndlessChunked => "endless-chunked",
            Scenario::StalledTls => "stalled-tls",
            Scenario::NoAnswer => "no-answer",
            Scenario::HeaderFlood => "header-flood",
            Scenario::HeaderDrip => "header-drip",
            Scenario::MalformedStatusLine => "malformed-status-line",
            Scenario::ShortContentLength => "short-content-length",
            Scenario::LongContentLength => "long-content-length",
            Scenario::ClosedMidBody => "closed-mid-body",
            Scenario::Http10CloseDelimited => "http10-close-delimited",
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The scenario a request target asks for; anything unknown is [`Scenario::Ok`].
    pub fn for_target(target: &str) -> Scenario {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let first_segment = path.trim_start_matches('/').split('/').next();
        let auth_id = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("authId="));
        first_segment
            .and_then(Scenario::from_name)
            .or_else(|| auth_id.and_then(Scenario::from_name))
            .unwrap_or(Scenario::Ok)
    }
}

/// Where the redirect scenarios point.
pub(crate) struct Origins {
    pub other_tls_port: u16,
    pub plain_port: u16,
}

/// The body of [`Scenario::Ok`]: the bare-array shape of `GET /faceauth`.
pub const OK_BODY: &str = r#"[{"auth_id":"ok","auth_status":"approved","create_time":"2024-01-02T03:04:05.000Z","submit_type":"api","kyc_submission_id":"sub-1","delete_check":false}]"#;

/// Plays `scenario` on an accepted, handshaken connection whose request head was read.
pub(crate) async fn play(
    scenario: Scenario,
    mut stream: TlsStream<TcpStream>,
    origins: &Origins,
) -> io::Result<()> {
    let s = &mut stream;
    match scenario {
        Scenario::Ok => answer(s, "HTTP/1.1 200 OK", OK_BODY).await,
        Scenario::RedirectCrossOrigin => {
            let to = format!(
                "https://127.0.0.1:{}/v3/faceauth?authId=ok&token=secret",
                origins.other_tls_port
            );
            redirect(s, "302 Found", &to).await
        }
        Scenario::RedirectHttp => {
            let to = format!(
                "http://127.0.0.1:{}/v3/faceauth?authId=ok",
                origins.plain_port
            );
            redirect(s, "302 Found", &to).await
        }
        Scenario::RedirectSameOrigin => {
            redirect(s, "307 Temporary Redirect", "/v3/faceauth?authId=ok").await
        }
        Scenario::HugeBody => sized(s, "HTTP/1.1 200 OK").await,
        Scenario::HugeError => sized(s, "HTTP/1.1 500 Internal Server Error").await,
        Scenario::HugeBodyChunked => chunked(s, "HTTP/1.1 200 OK").await,
        Scenario::HugeErrorChunked => chunked(s, "HTTP/1.1 500 Internal Server Error").await,
        Scenario::HugeCloseDelimited => {
            s.write_all(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n")
                .await?;
            blocks(s, HUGE).await
        }
        Scenario::SlowDrip => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
            drip(s, head, b" ", Duration::from_millis(500)).await
        }
        Scenario::EndlessChunked => {
            let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            drip(s, head, b"1\r\n \r\n", Duration::from_millis(50)).await
        }
        Scenario::StalledTls => {
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n[")
                .await?;
            s.flush().await?;
            // An application-data record header announcing 16 KiB, and only 100 bytes of it.
            let mut partial = vec![0x17, 0x03, 0x03, 0x40, 0x00];
            partial.extend([0u8; 100]);
            let tcp = s.get_mut().0;
            tcp.write_all(&partial).await?;
            tcp.flush().await?;
            until_closed(tcp).await
        }
        Scenario::NoAnswer => until_closed(s).await,
        Scenario::HeaderFlood => {
            s.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            for n in 0u64.. {
                s.write_all(format!("x-flood-{n}: {}\r\n", "a".repeat(1000)).as_bytes())
                    .await?;
            }
            Ok(())
        }
        Scenario::HeaderDrip => {
            s.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            for n in 0u64.. {
                s.write_all(format!("x-drip-{n}: a\r\n").as_bytes()).await?;
                s.flush().await?;
                sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        }
        Scenario::MalformedStatusLine => {
            s.write_all(b"HTTP/1.1 2OO ALRIGHT\r\ncontent-length: 2\r\n\r\n[]")
                .await?;
            close(s).await
        }
        Scenario::ShortContentLength => mislabelled(s, OK_BODY.len() / 2).await,
        Scenario::LongContentLength => mislabelled(s, OK_BODY.len() * 2).await,
        Scenario::ClosedMidBody => {
            let half = &OK_BODY[..OK_BODY.len() / 2];
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            s.write_all(format!("{head}{:x}\r\n{half}\r\n", half.len()).as_bytes())
                .await?;
            close(s).await
        }
        Scenario::Http10CloseDelimited => {
            s.write_all(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n")
                .await?;
            s.write_all(OK_BODY.as_bytes()).await?;
            close(s).await
        }
    }
}

async fn answer<S: AsyncWrite + Unpin>(s: &mut S, status_line: &str, body: &str) -> io::Result<()> {
    let head = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await?;
    s.write_all(body.as_bytes()).await?;
    close(s).await
}

async fn redirect<S: AsyncWrite + Unpin>(
    s: &mut S,
    status: &str,
    location: &str,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await?;
    close(s).await
}

async fn sized<S: AsyncWrite + Unpin>(s: &mut S, status_line: &str) -> io::Result<()> {
    let head = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {HUGE}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await?;
    blocks(s, HUGE).await
}

async fn chunked<S: AsyncWrite + Unpin>(s: &mut S, status_line: &str) -> io::Result<()> {
    let head = format!(
        "{status_line}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await?;
    let block = [b' '; BLOCK];
    for _ in 0..HUGE / BLOCK as u64 {
        s.write_all(format!("{BLOCK:x}\r\n").as_bytes()).await?;
        s.write_all(&block).await?;
        s.write_all(b"\r\n").await?;
    }
    s.write_all(b"0\r\n\r\n").await?;
    close(s).await
}

/// `head`, then `piece` every `every` until the peer gives up.
async fn drip<S: AsyncWrite + Unpin>(
    s: &mut S,
    head: &[u8],
    piece: &[u8],
    every: Duration,
) -> io::Result<()> {
    s.write_all(head).await?;
    loop {
        s.write_all(piece).await?;
        s.flush().await?;
        sleep(every).await;
    }
}

/// [`OK_BODY`] under a `content-length` of `declared`.
async fn mislabelled<S: AsyncWrite + Unpin>(s: &mut S, declared: usize) -> io::Result<()> {
    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {declared}\r\n\r\n");
    s.write_all(head.as_bytes()).await?;
    s.write_all(OK_BODY.as_bytes()).await?;
    close(s).await
}

/// `total` bytes of JSON whitespace, as fast as the peer reads them.
async fn blocks<S: AsyncWrite + Unpin>(s: &mut S, total: u64) -> io::Result<()> {
    let block = [b' '; BLOCK];
    for _ in 0..total / BLOCK as u64 {
        s.write_all(&block).await?;
    }
    close(s).await
}

async fn close<S: AsyncWrite + Unpin>(s: &mut S) -> io::Result<()> {
    s.flush().await?;
    s.shutdown().await
}

/// Waits for the peer to give up (end of stream or an error), discarding what it sends.
async fn until_closed<S: AsyncRead + Unpin>(s: &mut S) -> io::Result<()> {
    let mut sink = [0u8; 4096];
    while s.read(&mut sink).await? > 0 {}
    Ok(())
}

//! A minimal HTTP/1.1 server on loopback, for scripted responses (dropped connections included) and for the
//! benchmark, where it must not be the bottleneck. It speaks just enough HTTP/1.1: a request line, headers, a
//! `content-length` body, keep-alive. Shared by the tests and the bench through `#[path]`.
#![allow(dead_code, unreachable_pub)]

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
pub struct Request {
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body, as sent (still compressed).
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body decoded according to `content-encoding`.
    pub fn decoded(&self) -> Vec<u8> {
        decode(self.header("content-encoding"), &self.body)
    }

    /// The NDJSON lines of the decoded body.
    pub fn lines(&self) -> Vec<String> {
        ndjson_lines(&self.decoded())
    }
}

/// Decodes a body sent with `encoding` (gzip, zstd or none).
pub fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    match encoding {
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("a valid gzip body");
            out
        }
        Some("zstd") => zstd::decode_all(body).expect("a valid zstd body"),
        None => body.to_vec(),
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
}

/// Splits NDJSON into lines, checking that it ends with a newline.
pub fn ndjson_lines(body: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(body).expect("UTF-8 NDJSON");
    assert!(text.ends_with('\n'), "NDJSON must end with a newline");
    text.lines().map(str::to_string).collect()
}

/// What to do with a request.
pub enum Reply {
    /// Answer with a status, extra headers and a body, after an optional delay.
    Status {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(&'static str, String)>,
        /// The body.
        body: String,
        /// Wait this long before answering.
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
    /// Answer `status` once a permit of `gate` is available (the test adds permits to release requests).
    Gated {
        /// Each answer consumes one permit.
        gate: Arc<tokio::sync::Semaphore>,
        /// The status then.
        status: u16,
    },
}

impl Reply {
    /// `status` with no body and no delay.
    pub fn status(status: u16) -> Self {
        Reply::Status {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }
}

/// A running server; it stops when the test's runtime does.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Requests being handled right now.
    pub active: Arc<AtomicUsize>,
    /// The most requests handled at once.
    pub max_active: Arc<AtomicUsize>,
}

impl Server {
    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts a server that answers each request with `handler`'s reply.
pub async fn start<F>(handler: F) -> Server
where
    F: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let handler = Arc::new(handler);
    let active = Arc::new(AtomicUsize::new(0));
    let max_active = Arc::new(AtomicUsize::new(0));
    let (task_active, task_max) = (Arc::clone(&active), Arc::clone(&max_active));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = Arc::clone(&handler);
            let (active, max_active) = (Arc::clone(&task_active), Arc::clone(&task_max));
            tokio::spawn(async move {
                let _ = serve(stream, handler.as_ref(), &active, &max_active).await;
            });
        }
    });
    Server {
        addr,
        active,
        max_active,
    }
}

async fn serve<F>(
    stream: TcpStream,
    handler: &F,
    active: &AtomicUsize,
    max_active: &AtomicUsize,
) -> std::io::Result<()>
where
    F: Fn(&Request) -> Reply,
{
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let text = line.trim_end();
            if text.is_empty() {
                break;
            }
            if let Some((name, value)) = text.split_once(':') {
                let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
                if name == "content-length" {
                    length = value.parse().unwrap_or(0);
                }
                headers.push((name, value));
            }
        }
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await?;
        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
        max_active.fetch_max(now, Ordering::SeqCst);
        let mut reply = handler(&Request { headers, body });
        if let Reply::Gated { gate, status } = reply {
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
            reply = Reply::status(status);
        }
        let result = match reply {
            Reply::Drop | Reply::Gated { .. } => {
                active.fetch_sub(1, Ordering::SeqCst);
                return Ok(());
            }
            Reply::Status {
                status,
                headers,
                body,
                delay,
            } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut head = format!(
                    "HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                head.push_str(&body);
                let stream = stream.get_mut();
                let written = stream.write_all(head.as_bytes()).await;
                active.fetch_sub(1, Ordering::SeqCst);
                written
            }
        };
        result?;
    }
}

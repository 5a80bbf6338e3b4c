//! The local HTTP/1.1 server every benchmark talks to: hyper 1 on loopback, on a thread and a single-threaded
//! tokio runtime of its own, answering from bytes prepared before the measurement starts.
//!
//! It must never be the bottleneck: a search answer is a reference-counted copy of a pre-serialized body, and
//! the export object is generated on the fly from one Zstandard frame of 64 KiB of NDJSON, repeated (a valid
//! multi-frame object, as the live service stores exports compressed; the 1 GiB of data never exists in memory
//! whole).
//! Routes:
//!
//! | route | answer |
//! |---|---|
//! | `POST /search` | the configured search response (the request body is read and discarded) |
//! | `POST /exports` (201), `GET /exports/{id}` | an export already `COMPLETE`, `location` pointing at the file route |
//! | `GET /files/export.json.zst` | the configured number of bytes of data as repeated Zstandard frames, with `content-length` |

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::BoxError;

/// The id of the one export the server knows.
pub(crate) const EXPORT_ID: &str = "6f1c2a1e-6f4e-4c55-9a83-0c8d2f7b9e10";
/// The path of the export's file.
pub(crate) const EXPORT_FILE: &str = "/files/export.json.zst";
/// Bytes of data in each Zstandard frame of the generated export object.
pub(crate) const CHUNK: usize = 64 * 1024;

/// What the server answers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    /// The body of `POST /search`.
    pub(crate) search: Bytes,
    /// Bytes of data in the export (a multiple of [`CHUNK`]); the stored object is its Zstandard compression.
    pub(crate) export_bytes: u64,
}

/// A running server; dropping it stops the server and joins its thread.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server on `127.0.0.1` with an OS-chosen port.
    pub(crate) fn start(routes: Routes) -> Result<Self, BoxError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, String>>();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready_tx.send(Err(format!("server runtime: {error}")));
                        return;
                    }
                };
                runtime.block_on(serve(routes, ready_tx, shutdown_rx));
            })?;
        let addr = ready_rx
            .recv()
            .map_err(|_| "the server thread ended before listening")??;
        Ok(Self {
            addr,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:port`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One Zstandard frame of [`CHUNK`] bytes of NDJSON events whose values vary as real logs do (it compresses
/// about as well as a real export, not a thousand to one).
pub(crate) fn export_frame() -> std::io::Result<Bytes> {
    let mut data = Vec::with_capacity(CHUNK + 256);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut n: u64 = 0;
    while data.len() < CHUNK {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        n += 1;
        let line = format!(
            "{{\"@time\":\"2025-11-22 15:04:{:02}.{:03} UTC\",\"@raw\":\"GET /api/v1/orders/{} {} {} ms\",\"trace\":\"{:016x}\"}}\n",
            n % 60,
            state % 1000,
            state >> 44,
            [200, 200, 200, 404, 500][(state % 5) as usize],
            state % 997,
            state
        );
        data.extend_from_slice(line.as_bytes());
    }
    data.truncate(CHUNK);
    Ok(Bytes::from(zstd::encode_all(&data[..], 3)?))
}

/// The export as the API describes it: complete, its file on this server.
fn export_json(addr: SocketAddr, bytes: u64) -> Bytes {
    let export = serde_json::json!({
        "export_id": EXPORT_ID,
        "org_id": "bench-org",
        "status": "COMPLETE",
        "progress": 100,
        "bytes": bytes,
        "events": bytes / 300,
        "created_at": 1_763_800_000_000_i64,
        "location": format!("http://{addr}{EXPORT_FILE}"),
        "search_details": {"from": "bench-dataset", "time_range": "Last 24 hours"},
    });
    Bytes::from(export.to_string())
}

struct State {
    search: Bytes,
    export: Bytes,
    export_bytes: u64,
    chunk: Bytes,
}

async fn serve(
    routes: Routes,
    ready: std::sync::mpsc::Sender<Result<SocketAddr, String>>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => {
            let _ = ready.send(Err(format!("bind 127.0.0.1: {error}")));
            return;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(error) => {
            let _ = ready.send(Err(format!("local address: {error}")));
            return;
        }
    };
    let frame = match export_frame() {
        Ok(frame) => frame,
        Err(error) => {
            let _ = ready.send(Err(format!("compressing the export frame: {error}")));
            return;
        }
    };
    let stored = routes.export_bytes / CHUNK as u64 * frame.len() as u64;
    let state = Arc::new(State {
        search: routes.search,
        export: export_json(addr, stored),
        export_bytes: stored,
        chunk: frame,
    });
    let _ = ready.send(Ok(addr));
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(answer(&state, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(state: &State, request: Request<Incoming>) -> Response<Payload> {
    let (parts, body) = request.into_parts();
    // Read the request body whole, as a real server would, and drop it.
    if body.collect().await.is_err() {
        return status(StatusCode::BAD_REQUEST);
    }
    let path = parts.uri.path();
    match parts.method {
        Method::POST if path == "/search" => {
            // As the live service does: every answer carries the account's window, so the facade's rate governor
            // does its bookkeeping on every call (a window that never runs low: pacing never waits).
            let mut response = json(state.search.clone());
            let headers = response.headers_mut();
            headers.insert("ratelimit-limit", HeaderValue::from_static("100000000"));
            headers.insert("ratelimit-remaining", HeaderValue::from_static("99999999"));
            headers.insert("ratelimit-reset", HeaderValue::from_static("300"));
            response
        }
        Method::POST if path == "/exports" => {
            let mut response = json(state.export.clone());
            *response.status_mut() = StatusCode::CREATED;
            response
        }
        Method::GET if path.strip_prefix("/exports/") == Some(EXPORT_ID) => {
            json(state.export.clone())
        }
        Method::GET if path == EXPORT_FILE => Response::new(Payload::Generated {
            remaining: state.export_bytes,
            chunk: state.chunk.clone(),
        }),
        _ => status(StatusCode::NOT_FOUND),
    }
}

fn json(body: Bytes) -> Response<Payload> {
    let mut response = Response::new(Payload::Full(Some(body)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn status(code: StatusCode) -> Response<Payload> {
    let mut response = Response::new(Payload::Full(None));
    *response.status_mut() = code;
    response
}

/// A response body: bytes prepared in advance, or a file generated frame by frame with an exact length.
#[derive(Debug)]
pub(crate) enum Payload {
    /// One frame (or none).
    Full(Option<Bytes>),
    /// `remaining` bytes, sent as slices of `chunk`.
    Generated {
        /// Bytes still to send.
        remaining: u64,
        /// The frame repeated.
        chunk: Bytes,
    },
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = match self.get_mut() {
            Payload::Full(body) => body.take(),
            Payload::Generated { remaining, chunk } => {
                if *remaining == 0 {
                    None
                } else {
                    let len = chunk
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    *remaining -= len as u64;
                    Some(chunk.slice(..len))
                }
            }
        };
        Poll::Ready(frame.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Payload::Full(body) => body.is_none(),
            Payload::Generated { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Payload::Full(body) => {
                SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
            Payload::Generated { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_decodes_as_the_generated_type() {
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("an address");
        let body = export_json(addr, 1 << 30);
        let export: sdk::bronto_api::types::Export =
            serde_json::from_slice(&body).expect("decodes");
        assert_eq!(export.bytes, Some(1 << 30));
        assert_eq!(export.location, Some(format!("http://{addr}{EXPORT_FILE}")));
    }
}

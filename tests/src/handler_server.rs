//! A loopback HTTP/1.1 server (hyper) that answers each request with a function of what it saw, and records
//! it: for the conversations a test computes (a shared budget, the nth answer, bodies that take their time).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, combinators::BoxBody};
use hyper::{Request, Response};

/// A response body.
pub type Body = BoxBody<Bytes, Infallible>;

/// What the loopback server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The request's headers.
    pub headers: hyper::HeaderMap,
    /// When it arrived.
    pub at: Instant,
}

type Handler = Arc<dyn Fn(&Seen) -> Response<Body> + Send + Sync>;

/// A loopback HTTP/1.1 server answering every request with `handler`, recording what it saw.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts the server on a free loopback port.
    pub async fn start(handler: impl Fn(&Seen) -> Response<Body> + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Handler = Arc::new(handler);
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let record = record.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |request: Request<hyper::body::Incoming>| {
                            let handler = handler.clone();
                            let record = record.clone();
                            async move {
                                let seen = Seen {
                                    method: request.method().to_string(),
                                    path: request.uri().path().to_string(),
                                    headers: request.headers().clone(),
                                    at: Instant::now(),
                                };
                                let _ = request.into_body().collect().await;
                                record.lock().expect("lock").push(seen.clone());
                                Ok::<_, Infallible>(handler(&seen))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { base_url, seen }
    }

    /// Every request seen so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// How many `method` requests under `path_prefix` came.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path.starts_with(path_prefix))
            .count()
    }
}

/// A complete body of `text`.
pub fn body(text: impl Into<String>) -> Body {
    Full::new(Bytes::from(text.into())).boxed()
}

/// A JSON response of `status` with `text` and `headers`.
pub fn answer(status: u16, text: &str, headers: &[(&str, String)]) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder.body(body(text)).expect("response")
}

//! The SDK facade end to end against hostile servers on loopback: servers that ignore paging parameters, trickle
//! or never finish a body, send a 1 GiB error body, nest JSON a million deep, ask for `Retry-After: 999999`,
//! redirect in a loop, drop the connection after the headers, or take 10,000 concurrent calls. Each test asserts
//! the typed error kind and, where it matters, the number of requests the server saw. Durations appear only as
//! generous bounds against hangs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use sdk::blubracket_api::types::{Filter, SearchRequest};
use sdk::bronto_api::types;
use sdk::{Config, ConfigBuilder, ErrorKind, RetryPolicy, Sdk};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// No test may take longer than this (a hang guard, not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(60);

/// What the server does with one request.
enum Behaviour {
    /// A complete response; the connection is kept for the next request.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A `200` with a JSON body after `delay` (so that calls overlap); the connection is kept.
    RespondAfter { delay: Duration, body: Vec<u8> },
    /// The head at once, then the body one byte every `every`.
    Trickle { body: Vec<u8>, every: Duration },
    /// The head and part of the body, then silence.
    NeverFinish { promised: usize, sent: Vec<u8> },
    /// A `status` with a body of `length` zero bytes, written lazily (64 KiB at a time) until the client stops
    /// reading; the bytes written are counted.
    Endless { status: u16, length: u64 },
    /// The head promising a body, then the connection closed.
    DropAfterHeaders,
}

impl Behaviour {
    fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Behaviour::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        if let Behaviour::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Script = dyn Fn(usize, &str) -> Behaviour + Send + Sync;

/// A raw HTTP/1.1 server: `script(n, request head)` decides what the n-th request (from 0) gets.
struct HostileServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    active: Arc<AtomicUsize>,
    max_active: Arc<AtomicUsize>,
    body_bytes_written: Arc<AtomicU64>,
}

impl HostileServer {
    async fn start(script: impl Fn(usize, &str) -> Behaviour + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let server = Self {
            base_url: format!("http://{address}"),
            requests: Arc::default(),
            heads: Arc::default(),
            active: Arc::default(),
            max_active: Arc::default(),
            body_bytes_written: Arc::default(),
        };
        let script: Arc<Script> = Arc::new(script);
        let shared = (
            Arc::clone(&server.requests),
            Arc::clone(&server.heads),
            Arc::clone(&server.active),
            Arc::clone(&server.max_active),
            Arc::clone(&server.body_bytes_written),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = Arc::clone(&script);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, script, shared).await;
                });
            }
        });
        server
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }
}

type Shared = (
    Arc<AtomicUsize>,
    Arc<Mutex<Vec<String>>>,
    Arc<AtomicUsize>,
    Arc<AtomicUsize>,
    Arc<AtomicU64>,
);

/// Reads one request head and its `content-length` body; `None` when the client closed the connection.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            buffer.drain(..end + 4 + length);
            return Some(head);
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

async fn serve(mut stream: TcpStream, script: Arc<Script>, shared: Shared) -> std::io::Result<()> {
    let (requests, heads, active, max_active, written) = shared;
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    while let Some(head) = read_request(&mut stream, &mut buffer).await {
        let index = requests.fetch_add(1, Ordering::SeqCst);
        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
        max_active.fetch_max(now, Ordering::SeqCst);
        heads.lock().expect("lock").push(head.clone());
        let behaviour = script(index, &head);
        let keep_alive = matches!(
            behaviour,
            Behaviour::Respond { .. } | Behaviour::RespondAfter { .. }
        );
        let mut in_flight = InFlight {
            active: &active,
            counted: true,
        };
        let result = answer(&mut stream, behaviour, &written, &mut in_flight).await;
        in_flight.done();
        result?;
        if !keep_alive {
            return Ok(());
        }
    }
    Ok(())
}

/// A request the server counts as in flight, until its response's last bytes are about to be written: from then
/// on the client may have its answer, release its in-flight slot and send the next request before this task runs
/// again, so counting it any longer would see one request too many.
struct InFlight<'a> {
    active: &'a AtomicUsize,
    counted: bool,
}

impl InFlight<'_> {
    fn done(&mut self) {
        if std::mem::take(&mut self.counted) {
            self.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

async fn answer(
    stream: &mut TcpStream,
    behaviour: Behaviour,
    written: &AtomicU64,
    in_flight: &mut InFlight<'_>,
) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Respond {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let response = [head.as_bytes(), &body].concat();
            in_flight.done();
            stream.write_all(&response).await?;
        }
        Behaviour::RespondAfter { delay, body } => {
            tokio::time::sleep(delay).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let response = [head.as_bytes(), &body].concat();
            in_flight.done();
            stream.write_all(&response).await?;
        }
        Behaviour::Trickle { body, every } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            for byte in body {
                tokio::time::sleep(every).await;
                stream.write_all(&[byte]).await?;
                written.fetch_add(1, Ordering::SeqCst);
            }
        }
        Behaviour::NeverFinish { promised, sent } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {promised}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&sent).await?;
            // Until the client gives up (and closes), or the test ends.
            let mut sink = [0u8; 64];
            let _ = tokio::time::timeout(HANG_GUARD, stream.read(&mut sink)).await;
        }
        Behaviour::Endless { status, length } => {
            let head = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = length;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                stream.write_all(&chunk[..n]).await?;
                written.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
        }
        Behaviour::DropAfterHeaders => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{\"api_keys\": [";
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
        }
    }
    stream.flush().await
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .jitter(false)
}

fn bronto_sdk(server: &HostileServer, tweak: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Sdk {
    let builder = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key("hostile-test-key")
        .retry_policy(fast_retries(3));
    Sdk::new(tweak(builder).build().expect("config")).expect("sdk")
}

fn blubracket_sdk(server: &HostileServer) -> Sdk {
    let config = Config::builder()
        .blubracket_tenant(&server.base_url)
        .blubracket_token("hostile-test-token")
        .retry_policy(fast_retries(3))
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

/// Runs `future` under the hang guard.
async fn guarded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: still running after {HANG_GUARD:?}"))
}

// ---------------------------------------------------------------------------------------------------------------
// Servers that ignore paging parameters: every paged stream of both vendors ends with a typed error.

fn search_request(per_page: Option<u64>) -> types::CreateSearchRequest {
    let mut builder = types::CreateSearchRequest::builder()
        .from(vec!["d".to_string()])
        .select(vec!["@raw".to_string()]);
    if let Some(per_page) = per_page {
        builder = builder.per_page(std::num::NonZeroU64::new(per_page).expect("non-zero"));
    }
    builder.try_into().expect("a search")
}

/// A Bronto search server that ignores the pagination token and `per_page`: the same three events each time,
/// with a fresh next link.
fn bronto_page_ignoring_paging(index: usize, _: &str) -> Behaviour {
    let token = format!("{:08x}-1111-4111-8111-111111111111", index + 1);
    Behaviour::json(
        200,
        json!({
            "events": [{"@raw": "e1"}, {"@raw": "e2"}, {"@raw": "e3"}],
            "links": [{"rel": "next", "href": format!("/search?pagination_token={token}")}]
        })
        .to_string(),
    )
}

#[tokio::test]
async fn bronto_search_pages_end_with_a_paging_error_when_the_server_ignores_the_token() {
    let server = HostileServer::start(bronto_page_ignoring_paging).await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let mut stream = std::pin::pin!(bronto.search_pages(search_request(None)));
    let results: Vec<_> = guarded("search_pages", async {
        let mut results = Vec::new();
        while let Some(page) = stream.next().await {
            results.push(page);
        }
        results
    })
    .await;
    assert_eq!(results.len(), 2, "one good page, then the error");
    let error = results[1].as_ref().expect_err("a paging error");
    assert_eq!(error.kind(), ErrorKind::Paging, "{error}");
    assert_eq!(server.requests(), 2, "no third request");
}

#[tokio::test]
async fn bronto_search_pages_end_with_a_paging_error_when_the_server_ignores_per_page() {
    let server = HostileServer::start(bronto_page_ignoring_paging).await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let results: Vec<_> = guarded(
        "search_pages",
        bronto.search_pages(search_request(Some(2))).collect(),
    )
    .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().expect_err("a paging error");
    assert_eq!(error.kind(), ErrorKind::Paging, "{error}");
    assert!(error.to_string().contains("per_page"), "{error}");
    assert_eq!(server.requests(), 1);
    // The events stream built on it ends the same way.
    let events: Vec<_> = guarded(
        "search_events",
        bronto.search_events(search_request(None)).collect(),
    )
    .await;
    let last = events
        .last()
        .expect("items")
        .as_ref()
        .expect_err("the error ends the stream");
    assert_eq!(last.kind(), ErrorKind::Paging);
    assert_eq!(events.len(), 4, "three events of page 1, then the error");
    assert_eq!(server.requests(), 3);
}

/// A BluBracket search server that ignores `page` (and, with `items` above the limit, `limit`): the same items
/// each time.
fn blubracket_ignoring_paging(items: usize) -> impl Fn(usize, &str) -> Behaviour + Send + Sync {
    move |_, _| {
        let list: Vec<_> = (0..items)
            .map(|i| json!({"id": format!("item-{i}"), "alert_id": format!("a{i}")}))
            .collect();
        Behaviour::json(200, serde_json::to_vec(&list).expect("json"))
    }
}

fn blubracket_request() -> SearchRequest {
    SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(2)
}

#[tokio::test]
async fn every_blubracket_paged_stream_ends_with_a_paging_error_when_the_server_ignores_page() {
    let server = HostileServer::start(blubracket_ignoring_paging(2)).await;
    let sdk = blubracket_sdk(&server);
    let blubracket = sdk.blubracket().expect("blubracket");
    let limits = sdk::PagingLimits::default;
    let outcomes: Vec<(&str, Vec<Result<usize, sdk::Error>>)> = vec![
        (
            "alert_pages",
            guarded(
                "alert_pages",
                blubracket
                    .alert_pages(blubracket_request(), limits())
                    .map(|p| p.map(|p| p.len()))
                    .collect(),
            )
            .await,
        ),
        (
            "alerts",
            guarded(
                "alerts",
                blubracket
                    .alerts(blubracket_request())
                    .map(|r| r.map(|_| 1))
                    .collect(),
            )
            .await,
        ),
        (
            "events",
            guarded(
                "events",
                blubracket
                    .events(blubracket_request())
                    .map(|r| r.map(|_| 1))
                    .collect(),
            )
            .await,
        ),
        (
            "audit_records",
            guarded(
                "audit_records",
                blubracket
                    .audit_records(blubracket_request())
                    .map(|r| r.map(|_| 1))
                    .collect(),
            )
            .await,
        ),
    ];
    for (stream, results) in &outcomes {
        let error = results
            .last()
            .expect("items")
            .as_ref()
            .expect_err("ends with an error");
        assert_eq!(error.kind(), ErrorKind::Paging, "{stream}: {error}");
        assert!(
            error.to_string().contains("ignores `page`"),
            "{stream}: {error}"
        );
        let delivered: usize = results.iter().filter_map(|r| r.as_ref().ok()).sum();
        assert_eq!(delivered, 2, "{stream}: the first page's items");
    }
    assert_eq!(
        server.requests(),
        2 * outcomes.len(),
        "two requests per stream"
    );
}

#[tokio::test]
async fn every_blubracket_paged_stream_ends_with_a_paging_error_when_the_server_ignores_limit() {
    let server = HostileServer::start(blubracket_ignoring_paging(5)).await;
    let sdk = blubracket_sdk(&server);
    let blubracket = sdk.blubracket().expect("blubracket");
    let outcomes: Vec<Vec<Result<(), sdk::Error>>> = vec![
        guarded(
            "alerts",
            blubracket
                .alerts(blubracket_request())
                .map(|r| r.map(drop))
                .collect(),
        )
        .await,
        guarded(
            "events",
            blubracket
                .events(blubracket_request())
                .map(|r| r.map(drop))
                .collect(),
        )
        .await,
        guarded(
            "audit_records",
            blubracket
                .audit_records(blubracket_request())
                .map(|r| r.map(drop))
                .collect(),
        )
        .await,
    ];
    for results in &outcomes {
        assert_eq!(results.len(), 1, "nothing delivered from an oversized page");
        let error = results[0].as_ref().expect_err("a paging error");
        assert_eq!(error.kind(), ErrorKind::Paging, "{error}");
        assert!(error.to_string().contains("ignores `limit`"), "{error}");
    }
    assert_eq!(server.requests(), outcomes.len(), "one request per stream");
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies that trickle, never finish, never end, or nest too deep.

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_fails_at_the_attempt_timeout() {
    // One byte every 20 ms keeps the idle timeout (2 s) from ever firing; the attempt timeout (400 ms) must.
    let body = json!({"api_keys": [{"name": "x".repeat(200)}]})
        .to_string()
        .into_bytes();
    let server = HostileServer::start(move |_, _| Behaviour::Trickle {
        body: body.clone(),
        every: Duration::from_millis(20),
    })
    .await;
    let sdk = bronto_sdk(&server, |b| {
        b.attempt_timeout(Duration::from_millis(400))
            .idle_timeout(Duration::from_secs(2))
            .operation_timeout(Duration::from_secs(20))
    });
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let error = guarded("trickle", bronto.list_api_keys().call())
        .await
        .expect_err("too slow");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.is_timeout());
    assert_eq!(
        server.requests(),
        1,
        "the headers arrived: nothing to retry"
    );
    assert!(
        server.body_bytes_written.load(Ordering::SeqCst) < 200,
        "gave up long before the body ended"
    );
    eprintln!("trickle: gave up after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_body_that_never_finishes_fails_at_the_idle_timeout() {
    let server = HostileServer::start(|_, _| Behaviour::NeverFinish {
        promised: 10_000,
        sent: b"{\"api_keys\": [".to_vec(),
    })
    .await;
    let sdk = bronto_sdk(&server, |b| {
        b.attempt_timeout(Duration::from_secs(30))
            .idle_timeout(Duration::from_millis(300))
    });
    let bronto = sdk.bronto().expect("bronto");
    let error = guarded("never finishes", bronto.list_api_keys().call())
        .await
        .expect_err("stalled");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_one_gibibyte_error_body_is_read_only_up_to_the_bound() {
    const GIB: u64 = 1 << 30;
    let server = HostileServer::start(|_, _| Behaviour::Endless {
        status: 500,
        length: GIB,
    })
    .await;
    let sdk = bronto_sdk(&server, |b| b.retry_policy(RetryPolicy::none()));
    let bronto = sdk.bronto().expect("bronto");
    let before = peak_memory_kib();
    let error = guarded("1 GiB error body", bronto.list_api_keys().call())
        .await
        .expect_err("500");
    assert_eq!(error.kind(), ErrorKind::Status, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(error.body_truncated(), "{error}");
    assert!(
        error
            .body_bytes()
            .is_some_and(|body| body.len() <= sdk::MAX_ERROR_BODY)
    );
    // Give the server a moment to notice the closed connection, then count what it managed to write.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.body_bytes_written.load(Ordering::SeqCst);
    eprintln!(
        "1 GiB error body: the server wrote {written} bytes before the client hung up; peak memory {before:?} -> {:?} KiB",
        peak_memory_kib()
    );
    assert!(
        written < 64 * 1024 * 1024,
        "the client read {written} bytes of the body"
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn json_nested_a_million_deep_is_a_decode_error_not_a_stack_overflow() {
    let depth = 1_000_000;
    let mut body = String::with_capacity(depth * 2 + 16);
    body.push_str("{\"api_keys\": ");
    body.push_str(&"[".repeat(depth));
    body.push_str(&"]".repeat(depth));
    body.push('}');
    let server = HostileServer::start(move |_, _| Behaviour::json(200, body.clone())).await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let error = guarded("deep JSON", bronto.list_api_keys().call())
        .await
        .expect_err("too deep");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert_eq!(server.requests(), 1, "a decode error is not retried");
    // The same through the raw escape hatch (`serde_json::Value`), and as an error body.
    let error = guarded("deep JSON raw", bronto.get::<serde_json::Value>("/parsers"))
        .await
        .expect_err("too deep");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
}

#[tokio::test]
async fn a_deeply_nested_error_body_is_still_a_status_error() {
    let depth = 1_000_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let server = HostileServer::start(move |_, _| Behaviour::json(403, body.clone())).await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let error = guarded("deep error body", bronto.list_api_keys().call())
        .await
        .expect_err("403");
    assert_eq!(error.kind(), ErrorKind::Status, "{error}");
    assert!(error.is_auth());
    assert_eq!(server.requests(), 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Retry-After, redirect loops, dropped connections.

#[tokio::test]
async fn retry_after_999999_is_clamped_and_the_operation_deadline_holds() {
    let server = HostileServer::start(|_, _| {
        Behaviour::json(503, r#"{"details": "come back much later"}"#)
            .header("retry-after", "999999")
    })
    .await;
    let sdk = bronto_sdk(&server, |b| b.operation_timeout(Duration::from_secs(2)));
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let error = guarded("retry-after", bronto.list_api_keys().call())
        .await
        .expect_err("503");
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::Status, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        error.rate_limit().retry_after,
        Some(Duration::from_secs(999_999)),
        "the hint reaches the caller"
    );
    assert_eq!(
        server.requests(),
        1,
        "no retry sooner than the server asked"
    );
    assert!(elapsed < HANG_GUARD, "{elapsed:?}");
}

#[tokio::test]
async fn a_redirect_loop_ends_with_a_redirect_error() {
    let server = HostileServer::start(|index, _| Behaviour::Respond {
        status: 302,
        headers: vec![("location".into(), format!("/loop/{}", index % 2))],
        body: Vec::new(),
    })
    .await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let error = guarded("redirect loop", bronto.list_api_keys().call())
        .await
        .expect_err("loop");
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error}");
    let requests = server.requests();
    assert!(
        (2..=6).contains(&requests),
        "{requests} requests: the loop is cut at five redirects, not retried"
    );
    // Every hop stayed on the configured host, with the key.
    assert!(server.heads().iter().all(|head| {
        head.to_ascii_lowercase()
            .contains("x-bronto-api-key: hostile-test-key")
    }));
}

#[tokio::test]
async fn a_connection_dropped_after_the_headers_is_a_body_error() {
    let server = HostileServer::start(|_, _| Behaviour::DropAfterHeaders).await;
    let sdk = bronto_sdk(&server, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let error = guarded("dropped after headers", bronto.list_api_keys().call())
        .await
        .expect_err("dropped");
    assert_eq!(error.kind(), ErrorKind::Body, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200), "{error}");
    assert_eq!(server.requests(), 1, "the response had begun: not retried");
}

// ---------------------------------------------------------------------------------------------------------------
// 10,000 concurrent calls.

/// The process's peak resident memory (`VmHWM`), in KiB (Linux; `None` elsewhere).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_calls_stay_under_the_in_flight_bound() {
    const CALLS: usize = 10_000;
    const BOUND: usize = 8;
    // Each answer waits a millisecond, so calls pile up against the bound.
    let server = HostileServer::start(|_, _| Behaviour::RespondAfter {
        delay: Duration::from_millis(1),
        body: br#"{"api_keys": [{"name": "k"}]}"#.to_vec(),
    })
    .await;
    let sdk = bronto_sdk(&server, |b| {
        b.max_in_flight(BOUND).operation_timeout(HANG_GUARD)
    });
    let bronto = sdk.bronto().expect("bronto").clone();
    let started = Instant::now();
    let calls = (0..CALLS).map(|_| {
        let bronto = bronto.clone();
        async move { bronto.list_api_keys().call().await }
    });
    let results = guarded("10,000 calls", futures::future::join_all(calls)).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, first: {}",
        failed.len(),
        failed[0]
    );
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|keys| keys.api_keys.len() == 1))
    );
    assert_eq!(server.requests(), CALLS);
    let peak = server.max_active.load(Ordering::SeqCst);
    assert!(
        peak <= BOUND,
        "{peak} requests in flight at once, bound {BOUND}"
    );
    assert!(peak >= 1);
    eprintln!(
        "10,000 concurrent calls: at most {peak} in flight (bound {BOUND}), {:?}, peak memory (VmHWM) {} KiB",
        started.elapsed(),
        peak_memory_kib().map_or("unknown".to_string(), |kib| kib.to_string())
    );
}

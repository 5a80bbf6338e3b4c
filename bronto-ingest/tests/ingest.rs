//! The ingestor against httpmock and scripted loopback servers: wire format, batching, linger, 413 splitting,
//! retries, failures handed back, backpressure, and a no-loss run under a scripted mix of failures.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bronto_ingest::{
    Compression, DeliveryReport, EncodedEvent, Event, EventError, FailureReason, IngestConfig,
    IngestError, Ingestor, RetryPolicy, SendError, TrySendError,
};
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::{Value, json};
use server::{Reply, Request};

const KEY: &str = "ingest-key-0123456789-secret";

/// Retries that take milliseconds, not seconds.
fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .max_server_delay(Duration::from_millis(50))
        .jitter(false)
}

fn config(url: &str) -> IngestConfig {
    IngestConfig::base_url(url)
        .api_key(KEY)
        .linger(Duration::from_millis(10))
        .max_in_flight(1)
        .retry_policy(fast_retry(4))
        .request_timeout(Duration::from_secs(5))
}

fn build(config: IngestConfig) -> Ingestor {
    config.build().expect("a valid configuration")
}

fn event(i: usize) -> Event {
    Event::new(format!("event {i}")).field("i", i)
}

/// Requests captured by an httpmock responder (called once per served request).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<Request>>>);

impl Captured {
    fn responder(&self, status: u16) -> impl Fn(&HttpMockRequest) -> HttpMockResponse + use<> {
        let store = Arc::clone(&self.0);
        move |req: &HttpMockRequest| {
            store.lock().expect("lock").push(Request {
                headers: req
                    .headers_vec()
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                    .collect(),
                body: req.body_vec(),
            });
            HttpMockResponse::builder().status(status).build()
        }
    }

    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.0.lock().expect("lock"))
    }

    fn len(&self) -> usize {
        self.0.lock().expect("lock").len()
    }
}

fn json_lines(request: &Request) -> Vec<Value> {
    request
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

fn indices(request: &Request) -> Vec<u64> {
    json_lines(request)
        .iter()
        .map(|v| v["i"].as_u64().expect("an index"))
        .collect()
}

#[tokio::test]
async fn bodies_are_ndjson_with_the_headers_in_every_encoding() {
    for (compression, encoding) in [
        (Compression::Gzip, Some("gzip")),
        (Compression::Zstd, Some("zstd")),
        (Compression::None, None),
    ] {
        let server = MockServer::start_async().await;
        let captured = Captured::default();
        let mock = server
            .mock_async(|when, then| {
                let when = when
                    .method(POST)
                    .path("/")
                    .header("x-bronto-api-key", KEY)
                    .header("content-type", "application/json")
                    .header("x-bronto-dataset", "checkout")
                    .header("x-bronto-collection", "payments")
                    .header("x-bronto-tags", "env=test,team=core");
                match encoding {
                    Some(encoding) => when.header("content-encoding", encoding),
                    None => when.header_missing("content-encoding"),
                };
                then.respond_with(captured.responder(200));
            })
            .await;
        let ingestor = build(
            config(&server.base_url())
                .compression(compression)
                .dataset("checkout")
                .collection("payments")
                .tag("env", "test")
                .tag("team", "core")
                .linger(Duration::from_secs(10)),
        );
        ingestor
            .send(Event::new("first").field("nested", json!({"a": {"b": 1}})))
            .await
            .expect("accepted");
        ingestor
            .send(Event::new("second\nwith a newline").field("timestamp", "2024-05-06T07:08:09Z"))
            .await
            .expect("accepted");
        #[derive(serde::Serialize)]
        struct Typed {
            message: &'static str,
            user_id: u64,
        }
        ingestor
            .send(
                Event::from_serialize(&Typed {
                    message: "third",
                    user_id: 42,
                })
                .expect("an object"),
            )
            .await
            .expect("accepted");
        let report = ingestor.close().await;
        assert_eq!(mock.calls_async().await, 1, "{compression:?}: one request");
        assert_eq!((report.accepted, report.sent, report.failed), (3, 3, 0));
        let requests = captured.take();
        let lines = json_lines(&requests[0]);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["message"], json!("first"));
        assert_eq!(lines[0]["nested"], json!({"a": {"b": 1}}));
        assert_eq!(lines[1]["message"], json!("second\nwith a newline"));
        assert_eq!(lines[1]["timestamp"], json!("2024-05-06T07:08:09Z"), "kept");
        assert_eq!(lines[2]["user_id"], json!(42));
        for line in [&lines[0], &lines[2]] {
            let stamp = line["timestamp"].as_str().expect("a timestamp was added");
            chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
            assert!(stamp.ends_with('Z'), "UTC: {stamp}");
        }
        if compression != Compression::None {
            assert!(
                requests[0].body.len() < requests[0].decoded().len(),
                "{compression:?} body is compressed"
            );
        }
    }
}

#[tokio::test]
async fn batches_close_at_the_event_count() {
    let server = MockServer::start_async().await;
    let captured = Captured::default();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/");
            then.respond_with(captured.responder(200));
        })
        .await;
    let ingestor = build(
        config(&server.base_url())
            .max_batch_events(4)
            .linger(Duration::from_secs(30)),
    );
    for i in 0..10 {
        ingestor.send(event(i)).await.expect("accepted");
    }
    let started = Instant::now();
    let report = ingestor.flush().await.expect("flushed");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "flush sends the partial batch without waiting for the linger"
    );
    assert_eq!((report.sent, report.requests), (10, 3));
    let batches: Vec<Vec<u64>> = captured.take().iter().map(indices).collect();
    assert_eq!(
        batches,
        vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
    );
    ingestor.close().await;
}

#[tokio::test]
async fn batches_close_before_the_byte_limit() {
    let server = MockServer::start_async().await;
    let captured = Captured::default();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/");
            then.respond_with(captured.responder(200));
        })
        .await;
    let limit = 1_000;
    let ingestor = build(
        config(&server.base_url())
            .max_batch_bytes(limit)
            .linger(Duration::from_secs(30)),
    );
    // Lines of varied sizes (about 60 to 260 bytes).
    let mut sizes = Vec::new();
    for i in 0..40 {
        let event = event(i).field("pad", "x".repeat((i * 37) % 200));
        sizes.push(event.encode().expect("valid").len() + 1);
        ingestor.send(event).await.expect("accepted");
    }
    let report = ingestor.close().await;
    assert_eq!(report.sent, 40);
    let requests = captured.take();
    let mut next = 0usize;
    for (n, request) in requests.iter().enumerate() {
        let raw = request.decoded().len();
        assert!(raw <= limit, "request {n}: {raw} bytes > {limit}");
        assert!(
            request.body.len() <= limit,
            "compressed body over the limit"
        );
        let count = request.lines().len();
        next += count;
        if next < 40 {
            // Full: the next event's line would not have fitted.
            assert!(
                raw + sizes[next] > limit,
                "request {n} closed early at {raw} bytes"
            );
        }
    }
    assert_eq!(next, 40);
    assert!(requests.len() >= 5, "{} requests", requests.len());
}

#[tokio::test]
async fn an_event_larger_than_the_limit_is_refused_at_send() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200);
        })
        .await;
    let ingestor = build(config(&server.base_url()).max_batch_bytes(100));
    let big = Event::new("x".repeat(200));
    let error = ingestor.send(big.clone()).await.expect_err("too large");
    assert!(
        matches!(error.event_error(), Some(EventError::TooLarge { limit: 100, size }) if *size > 200),
        "{error:?}"
    );
    assert_eq!(error.into_event(), big, "the event comes back");

    let missing = Event::default().field("level", "info");
    match ingestor.send(missing.clone()).await {
        Err(SendError::Rejected { event, error }) => {
            assert_eq!(event, missing);
            assert_eq!(error, EventError::MissingMessage);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    match ingestor.try_send(Event::default().field("message", 1)) {
        Err(TrySendError::Rejected { error, .. }) => {
            assert_eq!(error, EventError::MessageNotString);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let report = ingestor.close().await;
    assert_eq!((report.accepted, report.sent, report.failed), (0, 0, 0));
    assert_eq!(
        mock.calls_async().await,
        0,
        "nothing invalid reaches the server"
    );
}

#[tokio::test]
async fn the_linger_sends_a_partial_batch_without_a_flush() {
    let server = MockServer::start_async().await;
    let captured = Captured::default();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/");
            then.respond_with(captured.responder(200));
        })
        .await;
    let linger = Duration::from_millis(300);
    let ingestor = build(
        config(&server.base_url())
            .max_batch_events(100)
            .linger(linger),
    );
    let started = Instant::now();
    ingestor.send(event(0)).await.expect("accepted");
    ingestor.send(event(1)).await.expect("accepted");
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Read the count first, then the clock: if the clock is still short of the linger, so was it at the count.
    let seen = captured.len();
    if started.elapsed() < linger {
        assert_eq!(seen, 0, "nothing sent before the linger");
    }
    while captured.len() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the linger never fired"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(started.elapsed() >= linger - Duration::from_millis(20));
    assert_eq!(indices(&captured.take()[0]), vec![0, 1]);
    assert_eq!(ingestor.close().await.sent, 2);
}

#[tokio::test]
async fn a_413_splits_the_batch_until_the_halves_fit() {
    let server = MockServer::start_async().await;
    let captured = Captured::default();
    let too_large = server
        .mock_async(|when, then| {
            when.method(POST).is_true(|req: &HttpMockRequest| {
                let encoding = req
                    .headers_vec()
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
                    .map(|(_, v)| v.clone());
                server::ndjson_lines(&server::decode(encoding.as_deref(), &req.body_vec())).len()
                    > 2
            });
            then.status(413);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.respond_with(captured.responder(200));
        })
        .await;
    let ingestor = build(
        config(&server.base_url())
            .max_batch_events(8)
            .linger(Duration::from_secs(30)),
    );
    for i in 0..8 {
        ingestor.send(event(i)).await.expect("accepted");
    }
    let report = ingestor.close().await;
    assert_eq!((report.sent, report.failed), (8, 0));
    // 8 -> 4 + 4, each 4 -> 2 + 2.
    assert_eq!(report.split_batches, 3);
    assert_eq!(too_large.calls_async().await, 3);
    let batches: Vec<Vec<u64>> = captured.take().iter().map(indices).collect();
    assert_eq!(
        batches,
        vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7]],
        "halves go in order"
    );
}

#[tokio::test]
async fn a_single_event_refused_with_413_is_handed_back() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(413);
        })
        .await;
    let ingestor = build(config(&server.base_url()).max_batch_events(2));
    ingestor.send(event(0)).await.expect("accepted");
    ingestor.send(event(1)).await.expect("accepted");
    let report = ingestor.close().await;
    assert_eq!(
        (report.sent, report.failed, report.split_batches),
        (0, 2, 1)
    );
    assert_eq!(report.failed_batches.len(), 2);
    for batch in &report.failed_batches {
        assert!(
            matches!(batch.reason, FailureReason::TooLarge { .. }),
            "{:?}",
            batch.reason
        );
        assert_eq!(batch.events.len(), 1);
    }
    assert_eq!(report.failed_by_reason.get("too large"), Some(&2));
}

#[tokio::test]
async fn retryable_statuses_are_retried_then_succeed() {
    let server = MockServer::start_async().await;
    let captured = Captured::default();
    let throttled = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(429).header("Retry-After", "0").up_to_n_times(2);
        })
        .await;
    let unavailable = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(503).up_to_n_times(1);
        })
        .await;
    let internal = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(500).up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.respond_with(captured.responder(200));
        })
        .await;
    let ingestor = build(config(&server.base_url()).retry_policy(fast_retry(5)));
    for i in 0..5 {
        ingestor.send(event(i)).await.expect("accepted");
    }
    let report = ingestor.close().await;
    assert_eq!((report.sent, report.failed), (5, 0));
    assert_eq!(
        (report.requests, report.retried_requests, report.retried),
        (5, 4, 20)
    );
    assert_eq!(throttled.calls_async().await, 2);
    assert_eq!(unavailable.calls_async().await, 1);
    assert_eq!(internal.calls_async().await, 1);
    let requests = captured.take();
    assert_eq!(requests.len(), 1);
    assert_eq!(indices(&requests[0]), vec![0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(429).header("Retry-After", "1").up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200);
        })
        .await;
    // Computed backoff 1 ms, server hint 1 s (allowed up to 2 s): the wait is the server's.
    let ingestor = build(
        config(&server.base_url())
            .retry_policy(fast_retry(3).max_server_delay(Duration::from_secs(2))),
    );
    let started = Instant::now();
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.flush().await.expect("flushed");
    assert_eq!(report.sent, 1);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "retried after {:?}",
        started.elapsed()
    );
    ingestor.close().await;
}

#[tokio::test]
async fn a_permanent_error_hands_the_events_back_in_the_report() {
    let server = MockServer::start_async().await;
    let rejecting = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(400)
                .header("content-type", "application/json")
                .body(r#"{"code":400,"message":"malformed event"}"#);
        })
        .await;
    let ingestor = build(config(&server.base_url()));
    let sent: Vec<Event> = (0..3).map(event).collect();
    for event in &sent {
        ingestor.send(event.clone()).await.expect("accepted");
    }
    let report = ingestor.flush().await.expect("flushed");
    assert_eq!(rejecting.calls_async().await, 1, "a 400 is not retried");
    assert_eq!((report.accepted, report.sent, report.failed), (3, 0, 3));
    assert_eq!(report.failed_by_reason.get("status 400"), Some(&3));
    assert_eq!(report.failed_batches.len(), 1);
    let batch = &report.failed_batches[0];
    match &batch.reason {
        FailureReason::Rejected { status, message } => {
            assert_eq!(*status, 400);
            assert!(message.contains("malformed event"), "{message}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let back: Vec<Option<String>> = batch
        .events
        .iter()
        .map(|e| e.to_event().expect("parses").message().map(str::to_string))
        .collect();
    let expected: Vec<Option<String>> = sent
        .iter()
        .map(|e| e.message().map(str::to_string))
        .collect();
    assert_eq!(back, expected);
    // Handed back once: the next report has none.
    let again = ingestor.close().await;
    assert!(again.failed_batches.is_empty());
    assert_eq!(again.failed, 3);
    assert!(!format!("{report:?}{again:?}").contains(KEY));
}

#[tokio::test]
async fn failures_reach_a_receiver_and_can_be_resent() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(400).up_to_n_times(1);
        })
        .await;
    let captured = Captured::default();
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.respond_with(captured.responder(200));
        })
        .await;
    let ingestor = build(config(&server.base_url()));
    let mut failures = ingestor.failures().expect("a receiver");
    assert!(ingestor.failures().is_none(), "only one receiver at a time");
    ingestor.send(event(0)).await.expect("accepted");
    ingestor.send(event(1)).await.expect("accepted");
    let report = ingestor.flush().await.expect("flushed");
    assert_eq!(report.failed, 2);
    assert!(
        report.failed_batches.is_empty(),
        "they went to the receiver"
    );
    let batch = failures.try_recv().expect("a failed batch was received");
    assert_eq!(batch.events.len(), 2);
    let lines: Vec<String> = batch
        .events
        .iter()
        .map(|e| e.as_str().to_string())
        .collect();
    for event in batch.events {
        ingestor.resend(event).await.expect("accepted again");
    }
    let report = ingestor.close().await;
    assert_eq!((report.accepted, report.sent, report.failed), (4, 2, 2));
    let resent = captured.take();
    assert_eq!(
        resent[0].lines(),
        lines,
        "resent byte for byte, timestamps kept"
    );
}

#[tokio::test]
async fn pre_encoded_lines_go_out_byte_for_byte_and_are_counted() {
    let captured = Captured::default();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.respond_with(captured.responder(200));
        })
        .await;
    let ingestor = build(config(&server.base_url()).max_batch_bytes(200));
    // Key order, spacing inside the object, escapes and number forms are the caller's: nothing is re-encoded.
    let lines = [
        r#"{"timestamp":"2026-12-02T07:21:09.512Z","message":"first","z":1,"a":1.50,"big":18446744073709551615}"#,
        r#"{"message":"second \u00e9\n", "timestamp":"2026-12-02T07:21:09.513Z" , "nested":{"k":[1,"x"]}}"#,
    ];
    for line in &lines {
        let event = EncodedEvent::from_line(line.to_string()).expect("valid");
        ingestor.try_send_encoded(event).expect("room in the queue");
    }
    let third = EncodedEvent::from_line(
        r#"{"timestamp":"2026-12-02T07:21:09.514Z","message":"third"}"#.to_string(),
    )
    .expect("valid");
    ingestor
        .send_encoded(third.clone())
        .await
        .expect("accepted");
    // Larger than a batch: refused, given back, not counted.
    let big = EncodedEvent::from_line(format!(r#"{{"message":"{}"}}"#, "x".repeat(300)))
        .expect("valid JSON");
    match ingestor.try_send_encoded(big.clone()) {
        Err(TrySendError::Rejected { event, error }) => {
            assert_eq!(event, big);
            assert!(
                matches!(error, EventError::TooLarge { limit: 200, .. }),
                "{error:?}"
            );
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(matches!(
        ingestor.send_encoded(big).await,
        Err(SendError::Rejected { .. })
    ));
    let report = ingestor.close().await;
    assert_eq!(
        (report.accepted, report.sent, report.failed),
        (3, 3, 0),
        "{report}"
    );
    let sent: Vec<String> = captured
        .take()
        .iter()
        .flat_map(|request| request.lines())
        .collect();
    assert_eq!(sent, [lines[0], lines[1], third.as_str()]);
    assert!(matches!(
        ingestor.try_send_encoded(third),
        Err(TrySendError::Closed(_))
    ));
}

#[tokio::test]
async fn exhausted_retries_hand_the_events_back() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(500);
        })
        .await;
    let ingestor = build(config(&server.base_url()).retry_policy(fast_retry(3)));
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.close().await;
    assert_eq!(failing.calls_async().await, 3);
    assert_eq!((report.sent, report.failed, report.retried), (0, 1, 2));
    match &report.failed_batches[0].reason {
        FailureReason::RetriesExhausted { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert_eq!(last, "status 500");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_errors_are_retried() {
    // The first two connections are dropped after the request was read; the third is answered.
    let served = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&served);
    let server = server::start(move |_request| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::Drop
        } else {
            Reply::status(200)
        }
    })
    .await;
    let ingestor = build(config(&server.url()));
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.close().await;
    assert_eq!(
        (report.sent, report.failed, report.retried_requests),
        (1, 0, 2)
    );
    assert_eq!(served.load(Ordering::SeqCst), 3);

    // Nothing listening at all: connect errors, retried, then handed back.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let ingestor = build(config(&format!("http://{addr}")).retry_policy(fast_retry(2)));
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.close().await;
    assert_eq!((report.sent, report.failed), (0, 1));
    match &report.failed_batches[0].reason {
        FailureReason::RetriesExhausted { attempts: 2, last } => {
            assert!(
                last.contains("connect") || last.contains("refused"),
                "{last}"
            );
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn backpressure_bounds_the_queue_and_requests_in_flight() {
    // Requests are held until the test opens the gate.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let server_gate = Arc::clone(&gate);
    let server = server::start(move |_request| Reply::Gated {
        gate: Arc::clone(&server_gate),
        status: 200,
    })
    .await;
    let ingestor = build(
        config(&server.url())
            .max_in_flight(2)
            .max_batch_events(1)
            .queue_capacity(3)
            .linger(Duration::ZERO),
    );
    // The queue takes three events; once the dispatcher has started two requests and holds a third batch waiting
    // for a slot, it takes three more, and then nothing until a request finishes.
    let mut accepted = 0;
    for _round in 0..2 {
        loop {
            match ingestor.try_send(event(accepted)) {
                Ok(()) => accepted += 1,
                Err(error) => {
                    assert!(error.is_full(), "{error:?}");
                    assert_eq!(error.into_event(), event(accepted), "the event comes back");
                    break;
                }
            }
            assert!(accepted < 50, "the queue never filled");
        }
        // Let the dispatcher take what it can and block on the request slots.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(accepted, 6, "2 in flight + 1 waiting for a slot + 3 queued");
    let started = Instant::now();
    while server.active.load(Ordering::SeqCst) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "two requests never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // `send` waits for room instead of failing.
    let waited =
        tokio::time::timeout(Duration::from_millis(50), ingestor.send(event(accepted))).await;
    assert!(waited.is_err(), "send returned while the queue was full");
    let release = Arc::clone(&gate);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        release.add_permits(1_000);
    });
    ingestor
        .send(event(accepted))
        .await
        .expect("accepted once there is room");
    let report = ingestor.close().await;
    assert_eq!(report.sent, accepted as u64 + 1);
    assert_eq!(report.sent, report.accepted);
    assert_eq!(
        server.max_active.load(Ordering::SeqCst),
        2,
        "never more than two requests in flight"
    );
}

#[tokio::test]
async fn with_no_linger_events_queued_behind_a_busy_request_still_share_a_batch() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let (server_gate, server_sizes) = (Arc::clone(&gate), Arc::clone(&sizes));
    let server = server::start(move |request: &Request| {
        server_sizes
            .lock()
            .expect("lock")
            .push(request.lines().len());
        Reply::Gated {
            gate: Arc::clone(&server_gate),
            status: 200,
        }
    })
    .await;
    let ingestor = build(config(&server.url()).linger(Duration::ZERO));
    ingestor.send(event(0)).await.expect("accepted");
    // The first event goes out alone and is held; ten more queue up behind it meanwhile.
    let started = Instant::now();
    while sizes.lock().expect("lock").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no request arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for i in 1..=10 {
        ingestor.try_send(event(i)).expect("room in the queue");
    }
    gate.add_permits(1_000);
    let report = ingestor.close().await;
    assert_eq!(report.sent, 11);
    assert_eq!(*sizes.lock().expect("lock"), vec![1, 10]);
}

#[tokio::test]
async fn a_closed_ingestor_gives_events_back() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200);
        })
        .await;
    let ingestor = build(config(&server.base_url()));
    let clone = ingestor.clone();
    ingestor.send(event(0)).await.expect("accepted");
    let report = clone.close().await;
    assert_eq!(report.sent, 1);
    assert!(ingestor.is_closed());
    assert!(matches!(ingestor.send(event(1)).await, Err(SendError::Closed(e)) if e == event(1)));
    assert!(matches!(
        ingestor.try_send(event(2)),
        Err(TrySendError::Closed(_))
    ));
    assert_eq!(ingestor.flush().await.err(), Some(IngestError::Closed));
    let again = ingestor.close().await;
    assert_eq!((again.accepted, again.sent), (1, 1));
    assert!(!format!("{ingestor:?}").contains(KEY));
}

/// A deterministic pseudo-random sequence (an LCG), so that the scripted mix is the same on every run.
fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_under_a_scripted_mix_of_failures() {
    const EVENTS: usize = 2_000;
    // Per request: 429, 500, 413 (when more than one event), a dropped connection, 400, or 200. Events in a 200
    // are recorded as acknowledged by the server.
    let acked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let script = Arc::new(Mutex::new(0x5eed_u64));
    let outcomes = Arc::new(Mutex::new(
        std::collections::BTreeMap::<&'static str, u64>::new(),
    ));
    let (server_acked, server_outcomes) = (Arc::clone(&acked), Arc::clone(&outcomes));
    let server = server::start(move |request: &Request| {
        let roll = lcg(&mut script.lock().expect("lock")) % 100;
        let lines = request.lines();
        let (name, reply) = match roll {
            0..20 => (
                "429",
                Reply::Status {
                    status: 429,
                    headers: vec![("retry-after", "0".to_string())],
                    body: String::new(),
                    delay: Duration::ZERO,
                },
            ),
            20..35 => ("500", Reply::status(500)),
            35..47 if lines.len() > 1 => ("413", Reply::status(413)),
            47..60 => ("dropped", Reply::Drop),
            60..65 => ("400", Reply::status(400)),
            _ => ("200", Reply::status(200)),
        };
        *server_outcomes
            .lock()
            .expect("lock")
            .entry(name)
            .or_default() += 1;
        if name == "200" {
            let mut acked = server_acked.lock().expect("lock");
            for line in lines {
                let value: Value = serde_json::from_str(&line).expect("JSON line");
                acked.push(value["i"].as_u64().expect("an index"));
            }
        }
        reply
    })
    .await;
    let ingestor = build(
        config(&server.url())
            .max_in_flight(4)
            .max_batch_events(25)
            .queue_capacity(64)
            .linger(Duration::from_millis(2))
            .retry_policy(fast_retry(4)),
    );
    let mut failures = ingestor.failures().expect("a receiver");
    // Four producers on clones of the handle, each sending its own slice of indices.
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let ingestor = ingestor.clone();
            tokio::spawn(async move {
                for i in (p..EVENTS).step_by(4) {
                    ingestor.send(event(i)).await.expect("accepted");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer finished");
    }
    let report = ingestor.close().await;
    let mut failed_ids = Vec::new();
    let mut failed_batches = 0;
    while let Ok(batch) = failures.try_recv() {
        failed_batches += 1;
        for event in batch.events {
            let value: Value = serde_json::from_str(event.as_str()).expect("JSON");
            failed_ids.push(value["i"].as_u64().expect("an index"));
        }
    }
    let acked = acked.lock().expect("lock").clone();
    let outcomes = outcomes.lock().expect("lock").clone();
    eprintln!(
        "no-loss: accepted {} sent {} failed {} ({} batches; {:?}) retried {} events in {} requests; \
         {} requests, {} splits; server outcomes {:?}",
        report.accepted,
        report.sent,
        report.failed,
        failed_batches,
        report.failed_by_reason,
        report.retried,
        report.retried_requests,
        report.requests,
        report.split_batches,
        outcomes
    );
    assert_eq!(report.accepted, EVENTS as u64);
    assert_eq!(
        report.sent + report.failed,
        report.accepted,
        "sent + failed = accepted"
    );
    assert_eq!(report.pending(), 0);
    // What the server acknowledged is exactly what was counted as sent, each event once.
    let acked_set: BTreeSet<u64> = acked.iter().copied().collect();
    assert_eq!(acked.len(), acked_set.len(), "an event acknowledged twice");
    assert_eq!(acked.len() as u64, report.sent);
    // What was handed back is exactly what was counted as failed, and disjoint from what was acknowledged.
    let failed_set: BTreeSet<u64> = failed_ids.iter().copied().collect();
    assert_eq!(failed_ids.len(), failed_set.len());
    assert_eq!(failed_ids.len() as u64, report.failed);
    assert!(acked_set.is_disjoint(&failed_set));
    let all: BTreeSet<u64> = (0..EVENTS as u64).collect();
    let union: BTreeSet<u64> = acked_set.union(&failed_set).copied().collect();
    assert_eq!(union, all, "every accepted event is accounted for");
    // The mix really happened: each kind of failure was exercised.
    for kind in ["429", "500", "413", "dropped", "400", "200"] {
        assert!(
            outcomes.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} in {outcomes:?}"
        );
    }
    assert!(report.failed > 0 && report.split_batches > 0 && report.retried_requests > 0);
}

#[tokio::test]
async fn the_request_timeout_is_the_one_that_holds() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200).delay(Duration::from_secs(5));
        })
        .await;
    let ingestor = build(
        config(&server.base_url())
            .retry_policy(fast_retry(1))
            .request_timeout(Duration::from_millis(300)),
    );
    let started = Instant::now();
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.close().await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "300 ms asked, the attempt ran {took:?}"
    );
    assert_eq!(report.failed, 1);
    assert_eq!(slow.calls_async().await, 1);
    match &report.failed_batches[0].reason {
        FailureReason::RetriesExhausted { last, .. } => {
            assert!(last.starts_with("timeout"), "{last}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn duration_max_in_every_ingestion_setting_does_not_panic() {
    let server = MockServer::start_async().await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200);
        })
        .await;
    let ingestor = build(
        config(&server.base_url())
            .linger(Duration::MAX)
            .request_timeout(Duration::MAX)
            .connect_timeout(Duration::MAX),
    );
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.flush().await.expect("flushed");
    assert_eq!(report.sent, 1);
    assert_eq!(accepted.calls_async().await, 1);
    ingestor.close().await;
}

#[tokio::test]
async fn ingestion_errors_are_sdk_errors_and_the_report_reads_as_one_line() {
    async fn send_after_close(server: &str) -> Result<(), client_runtime::Error> {
        let ingestor = IngestConfig::base_url(server).api_key(KEY).build()?;
        ingestor.close().await;
        ingestor.send(event(0)).await?;
        Ok(())
    }
    let server = MockServer::start_async().await;
    let error = send_after_close(&server.base_url())
        .await
        .expect_err("closed");
    assert_eq!(error.kind(), client_runtime::ErrorKind::Config);
    assert_eq!(
        error.to_string(),
        "ingest: invalid configuration: the ingestor is closed"
    );
    let error: client_runtime::Error = IngestConfig::region("not a region!")
        .api_key(KEY)
        .build()
        .expect_err("bad region")
        .into();
    assert_eq!(error.kind(), client_runtime::ErrorKind::Config);
    assert!(!error.to_string().contains(KEY));

    let mut report = DeliveryReport::default();
    report.accepted = 3;
    report.sent = 2;
    report.failed = 1;
    report.requests = 2;
    report.retried_requests = 1;
    report.failed_by_reason = [("rejected".to_string(), 1)].into_iter().collect();
    assert_eq!(
        report.to_string(),
        "accepted 3, sent 2, failed 1 (rejected 1), pending 0; 2 requests, 1 retried, 0 split"
    );
}

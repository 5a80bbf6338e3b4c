//! The ingestor while Bronto says "slow down" or is down: a long `Retry-After` is waited for with the dispatcher
//! held (back-pressure on `send`/`try_send`, nothing failed after one attempt), a short one is honoured and
//! delivered, a long outage keeps memory bounded and delivery resumes by itself, and failed batches stay within
//! their bound with the overflow counted. Every test ends with the exact accounting.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bronto_ingest::{
    Compression, DeliveryReport, Event, FailureReason, IngestConfig, Ingestor, RetryPolicy,
    TryRecvError,
};
use server::{Reply, Request};

const KEY: &str = "ingest-key-0123456789-secret";

fn config(url: &str) -> IngestConfig {
    IngestConfig::base_url(url)
        .api_key(KEY)
        .compression(Compression::None)
        .linger(Duration::ZERO)
        .request_timeout(Duration::from_secs(5))
}

fn build(config: IngestConfig) -> Ingestor {
    config.build().expect("a valid configuration")
}

fn event(i: usize) -> Event {
    Event::new(format!("event {i}")).field("i", i)
}

/// The `i` field of every line of a request.
fn indices(request: &Request) -> Vec<usize> {
    request
        .lines()
        .iter()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["i"].as_u64().expect("an index") as usize
        })
        .collect()
}

/// The `i` field of every event of the failed batches, in order.
fn failed_indices(report: &DeliveryReport) -> Vec<usize> {
    report
        .failed_batches
        .iter()
        .flat_map(|batch| batch.events.iter())
        .map(|event| {
            let value: serde_json::Value = serde_json::from_str(event.as_str()).expect("JSON");
            value["i"].as_u64().expect("an index") as usize
        })
        .collect()
}

/// Polls `condition` every 10 ms, for at most 20 s (a guard against hanging, not a timed assertion).
async fn until(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "gave up waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn assert_exact(report: &DeliveryReport) {
    assert_eq!(report.sent + report.failed, report.accepted, "{report}");
    assert!(report.overflowed <= report.failed, "{report}");
    assert_eq!(report.buffered_bytes, 0, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_second_retry_after_is_waited_for_with_the_dispatcher_held() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let server = server::start(move |_request| {
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::Status {
            status: 429,
            headers: vec![("retry-after", "60".to_string())],
            body: String::new(),
            delay: Duration::ZERO,
        }
    })
    .await;
    let ingestor = build(
        config(&server.url())
            .max_in_flight(1)
            .max_batch_events(1)
            .queue_capacity(2),
    );
    ingestor.send(event(0)).await.expect("accepted");
    until("the first attempt", || seen.load(Ordering::SeqCst) == 1).await;
    until("the server's wait to be read", || {
        ingestor.stats().server_waits == 1
    })
    .await;

    // The one request slot is taken by the waiting batch: the dispatcher holds the next batch, the queue fills,
    // and then `try_send` gives the event back.
    let mut accepted = 1;
    let full = loop {
        match ingestor.try_send(event(accepted)) {
            Ok(()) => accepted += 1,
            Err(error) if error.is_full() => break true,
            Err(error) => panic!("unexpected {error}"),
        }
        assert!(accepted <= 10, "the queue of 2 never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(full);
    assert!(
        accepted <= 4,
        "1 waiting + 1 held + 2 queued, got {accepted}"
    );
    // `send` waits rather than buffering more.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), ingestor.send(event(99)))
            .await
            .is_err(),
        "send must wait while the batch waits"
    );

    // Still waiting a second later: one attempt, nothing failed (today's code failed the batch after it).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = ingestor.stats();
    assert_eq!(seen.load(Ordering::SeqCst), 1, "{stats}");
    assert_eq!(
        (stats.requests, stats.failed, stats.sent),
        (1, 0, 0),
        "{stats}"
    );
    assert_eq!(stats.accepted, accepted as u64, "{stats}");
    assert!(stats.buffered_bytes > 0, "{stats}");

    // A shutdown with a short deadline does not wait out the 60 s: what is left fails as abandoned.
    let started = Instant::now();
    let report = ingestor.close_within(Duration::from_millis(200)).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "close_within waited {:?}",
        started.elapsed()
    );
    assert_exact(&report);
    assert_eq!(report.accepted, accepted as u64);
    assert_eq!(report.sent, 0);
    assert_eq!(
        report.failed_by_reason,
        BTreeMap::from([("abandoned".to_string(), accepted as u64)])
    );
    match &report.failed_batches[0].reason {
        FailureReason::Abandoned { attempts: 1, last } => assert_eq!(last, "status 429"),
        other => panic!("expected the waiting batch abandoned after 1 attempt, got {other:?}"),
    }
    assert_eq!(failed_indices(&report), (0..accepted).collect::<Vec<_>>());
    assert_eq!(seen.load(Ordering::SeqCst), 1, "no attempt before the 60 s");
}

/// When a request arrived, and the indices of its events.
type Arrival = (Instant, Vec<usize>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_retry_afters_in_seconds_and_as_a_date_are_honoured_and_the_batch_delivered() {
    let arrivals: Arc<Mutex<Vec<Arrival>>> = Arc::default();
    let log = Arc::clone(&arrivals);
    let server = server::start(move |request: &Request| {
        let mut log = log.lock().expect("lock");
        log.push((Instant::now(), indices(request)));
        let retry_after = match log.len() {
            1 => "1".to_string(),
            2 => httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2)),
            _ => return Reply::status(202),
        };
        Reply::Status {
            status: 429,
            headers: vec![("retry-after", retry_after)],
            body: String::new(),
            delay: Duration::ZERO,
        }
    })
    .await;
    // A policy whose own server maximum (50 ms) is the runtime's business: ingestion honours hints up to its
    // `max_server_wait` (5 minutes), so the 1-2 s waits are kept (today's code failed the batch at once).
    // One batch of the three events (closed by its count, not the linger).
    let ingestor = build(
        config(&server.url())
            .max_batch_events(3)
            .linger(Duration::from_secs(60))
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(5)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(5))
                    .max_server_delay(Duration::from_millis(50))
                    .jitter(false),
            ),
    );
    for i in 0..3 {
        ingestor.send(event(i)).await.expect("accepted");
    }
    let report = ingestor.close().await;
    assert_exact(&report);
    assert_eq!(
        (report.accepted, report.sent, report.failed),
        (3, 3, 0),
        "{report}"
    );
    assert_eq!(
        (
            report.requests,
            report.retried_requests,
            report.server_waits
        ),
        (3, 2, 2)
    );
    let arrivals = arrivals.lock().expect("lock");
    assert_eq!(arrivals.len(), 3);
    assert!(arrivals.iter().all(|(_, lines)| lines == &[0, 1, 2]));
    let first_gap = arrivals[1].0 - arrivals[0].0;
    let second_gap = arrivals[2].0 - arrivals[1].0;
    assert!(
        first_gap >= Duration::from_millis(990),
        "Retry-After: 1 waited {first_gap:?}"
    );
    // An HTTP date has whole seconds: 2 s ahead is between 1 and 2 s away.
    assert!(
        second_gap >= Duration::from_millis(900),
        "the date waited {second_gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_outage_keeps_memory_bounded_holds_send_and_delivery_resumes_by_itself() {
    const EVENTS: usize = 400;
    const QUEUE: usize = 20;
    const BATCH: usize = 10;
    const IN_FLIGHT: usize = 2;
    let up = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicUsize::new(0));
    let delivered: Arc<Mutex<Vec<usize>>> = Arc::default();
    let (server_up, server_refused, server_delivered) = (
        Arc::clone(&up),
        Arc::clone(&refused),
        Arc::clone(&delivered),
    );
    let server = server::start(move |request: &Request| {
        if server_up.load(Ordering::SeqCst) {
            server_delivered
                .lock()
                .expect("lock")
                .extend(indices(request));
            return Reply::status(202);
        }
        // Down: unavailable, every third request a dropped connection.
        let n = server_refused.fetch_add(1, Ordering::SeqCst);
        if n % 3 == 2 {
            Reply::Drop
        } else {
            Reply::status(503)
        }
    })
    .await;
    let ingestor = build(
        config(&server.url())
            .max_in_flight(IN_FLIGHT)
            .max_batch_events(BATCH)
            .queue_capacity(QUEUE)
            // Fast retries, so the outage spends far more than the API calls' 100-retry budget in a few
            // seconds; the default schedule (200 ms doubling to 30 s) only stretches it out.
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(u32::MAX)
                    .initial_backoff(Duration::from_millis(2))
                    .max_backoff(Duration::from_millis(10)),
            ),
    );
    let produced = Arc::new(AtomicUsize::new(0));
    let producer = {
        let (ingestor, produced) = (ingestor.clone(), Arc::clone(&produced));
        tokio::spawn(async move {
            for i in 0..EVENTS {
                ingestor.send(event(i)).await.expect("accepted");
                produced.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    // The largest line is `{"message":"event 399","i":399,"timestamp":"...Z"}` plus its newline: under 100 bytes.
    // What may be buffered: the queue, the batch the dispatcher holds, one event held beside it, and the batches
    // in flight.
    let bound = ((QUEUE + BATCH + 1 + IN_FLIGHT * BATCH) * 100) as u64;
    let mut peak = 0;
    let mut sample = || {
        let stats = ingestor.stats();
        assert!(
            stats.buffered_bytes <= bound,
            "{} > {bound}: {stats}",
            stats.buffered_bytes
        );
        assert_eq!(stats.failed, 0, "nothing fails during the outage: {stats}");
        assert_eq!(stats.held_failed_bytes, 0);
        peak = peak.max(stats.buffered_bytes);
        stats
    };
    // Three times the API calls' retry budget (500 tokens, 5 a retry: 100 retries).
    while refused.load(Ordering::SeqCst) < 300 {
        sample();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let during = sample();
    let stuck_at = produced.load(Ordering::SeqCst);
    // Back-pressure: the producer is held in `send`, far short of its events.
    assert!(
        stuck_at < QUEUE + BATCH * (IN_FLIGHT + 1) + 2,
        "produced {stuck_at}"
    );
    assert!(
        during.accepted <= (QUEUE + BATCH * (IN_FLIGHT + 1) + 2) as u64,
        "{during}"
    );
    let before = refused.load(Ordering::SeqCst);
    while refused.load(Ordering::SeqCst) < before + 100 {
        sample();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        produced.load(Ordering::SeqCst),
        stuck_at,
        "send stayed held"
    );
    assert!(peak > 0);

    // The server comes back: nobody intervenes, and everything is delivered.
    up.store(true, Ordering::SeqCst);
    tokio::time::timeout(Duration::from_secs(60), producer)
        .await
        .expect("the producer finishes once the server is back")
        .expect("the producer task");
    let report = ingestor.close().await;
    assert_exact(&report);
    assert_eq!(
        (
            report.accepted,
            report.sent,
            report.failed,
            report.overflowed
        ),
        (EVENTS as u64, EVENTS as u64, 0, 0),
        "{report}"
    );
    assert!(report.retried_requests >= 300, "{report}");
    let mut delivered = delivered.lock().expect("lock").clone();
    delivered.sort_unstable();
    assert_eq!(
        delivered,
        (0..EVENTS).collect::<Vec<_>>(),
        "each event acknowledged once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_batches_stay_within_their_bound_and_the_overflow_is_counted() {
    let server = server::start(|_request| Reply::Status {
        status: 400,
        headers: Vec::new(),
        body: r#"{"message":"malformed"}"#.to_string(),
        delay: Duration::ZERO,
    })
    .await;
    const BOUND: usize = 1_000;
    let ingestor = build(
        config(&server.url())
            .max_in_flight(1)
            .max_batch_events(5)
            .max_failed_bytes(BOUND),
    );
    // No receiver: the failures are held for the next report, within the bound.
    for i in 0..50 {
        ingestor.send(event(i)).await.expect("accepted");
        let stats = ingestor.stats();
        assert!(stats.held_failed_bytes <= BOUND as u64, "{stats}");
    }
    let report = ingestor.flush().await.expect("flushed");
    assert_eq!(report.sent + report.failed, 50);
    assert_eq!(report.failed, 50);
    let kept = failed_indices(&report);
    assert!(report.overflowed > 0, "{report}");
    assert_eq!(report.overflowed + kept.len() as u64, 50, "{report}");
    assert_eq!(
        report.overflowed_batches + report.failed_batches.len() as u64,
        report.requests,
        "one batch per request: {report}"
    );
    // The oldest went first: what is kept is the newest, in order.
    let first_kept = 50 - kept.len();
    assert_eq!(kept, (first_kept..50).collect::<Vec<_>>());
    let kept_bytes: usize = report
        .failed_batches
        .iter()
        .flat_map(|b| b.events.iter())
        .map(|e| e.len() + 1)
        .sum();
    assert!(kept_bytes <= BOUND, "{kept_bytes}");
    assert!(report.to_string().contains("overflowed"), "{report}");
    assert_eq!(
        ingestor.stats().held_failed_bytes,
        0,
        "the report took them"
    );

    // A receiver that is not drained is held to the same bound.
    let mut failures = ingestor.failures().expect("a receiver");
    for i in 50..100 {
        ingestor.send(event(i)).await.expect("accepted");
        let stats = ingestor.stats();
        assert!(stats.held_failed_bytes <= BOUND as u64, "{stats}");
    }
    let report = ingestor.flush().await.expect("flushed");
    assert!(report.failed_batches.is_empty(), "they are the receiver's");
    let mut received = Vec::new();
    while let Ok(batch) = failures.try_recv() {
        received.extend(batch.events);
    }
    assert!(!received.is_empty() && received.len() < 50);
    let received_bytes: usize = received.iter().map(|e| e.len() + 1).sum();
    assert!(received_bytes <= BOUND);
    assert!(received.last().expect("one").as_str().contains(r#""i":99"#));
    let final_report = ingestor.close().await;
    assert_exact(&final_report);
    assert_eq!((final_report.accepted, final_report.failed), (100, 100));
    assert_eq!(
        final_report.overflowed + kept.len() as u64 + received.len() as u64,
        100,
        "every failed event was handed back or counted as overflowed: {final_report}"
    );
    // Once the ingestor has stopped and nothing is left, the receiver ends instead of waiting forever.
    assert!(
        tokio::time::timeout(Duration::from_secs(10), failures.recv())
            .await
            .expect("recv ends")
            .is_none()
    );
    assert_eq!(failures.try_recv().err(), Some(TryRecvError::Disconnected));
}

#[tokio::test]
async fn duration_max_in_the_retry_settings_does_not_panic() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let server = server::start(move |_request| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Status {
                status: 503,
                headers: vec![("retry-after", "0".to_string())],
                body: String::new(),
                delay: Duration::ZERO,
            }
        } else {
            Reply::status(202)
        }
    })
    .await;
    let ingestor = build(
        config(&server.url())
            .max_server_wait(Duration::MAX)
            .retry_deadline(Duration::MAX)
            .max_failed_bytes(usize::MAX)
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(1)),
            ),
    );
    ingestor.send(event(0)).await.expect("accepted");
    let report = ingestor.close().await;
    assert_exact(&report);
    assert_eq!(
        (report.sent, report.requests, report.server_waits),
        (1, 2, 1)
    );
}

//! Ingestion framing, for any sequence of events: no request body passes the batch limit (at most
//! `MAX_REQUEST_BYTES`, 10,485,760 bytes) compressed or not, each request carries whole events, byte for byte, in
//! the order they were accepted, and `sent + failed == accepted`. Generated with proptest; `HOSTILE_SCALE` runs
//! more cases locally (see `tests/README.md`).

#[path = "support/server.rs"]
mod server;

#[path = "support/property_budget.rs"]
mod property_budget;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bronto_ingest::{Compression, Event, IngestConfig, MAX_REQUEST_BYTES, RetryPolicy};
use proptest::prelude::*;
use server::{Reply, Request};

/// A request as the server received it.
struct Received {
    body_len: usize,
    decoded_len: usize,
    lines: Vec<String>,
    acknowledged: bool,
}

/// One event: its text, and a filler that makes it large (`filler_len` bytes of varied ASCII).
#[derive(Clone, Debug)]
struct EventSpec {
    message: String,
    filler_len: usize,
    seed: u64,
}

impl EventSpec {
    fn event(&self, index: usize) -> Event {
        // Varied printable ASCII, so that compression gains little on it (an LCG).
        let mut state = self.seed | 1;
        let filler: String = (0..self.filler_len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(b' ' + ((state >> 33) % 95) as u8)
            })
            .collect();
        Event::new(self.message.clone())
            .field("i", index)
            .field("filler", filler)
            // A fixed timestamp, so the line the test encodes is the one the ingestor sends.
            .field("timestamp", "2026-11-27T00:00:00Z")
    }
}

#[derive(Clone, Debug)]
struct Framing {
    events: Vec<EventSpec>,
    max_batch_bytes: usize,
    max_batch_events: usize,
    compression: Compression,
    /// Per request: 200 (true) or 413 (false), cycled; a 413 splits the batch.
    script: Vec<bool>,
}

fn small_events() -> impl Strategy<Value = Framing> {
    (
        proptest::collection::vec(
            (any::<String>(), 0usize..3_000, any::<u64>()).prop_map(
                |(message, filler_len, seed)| EventSpec {
                    message,
                    filler_len,
                    seed,
                },
            ),
            0..60,
        ),
        64usize..40_000,
        1usize..30,
        prop_oneof![
            Just(Compression::None),
            Just(Compression::Gzip),
            Just(Compression::Zstd)
        ],
        proptest::collection::vec(proptest::bool::weighted(0.8), 1..6),
    )
        .prop_map(
            |(events, max_batch_bytes, max_batch_events, compression, script)| Framing {
                events,
                max_batch_bytes,
                max_batch_events,
                compression,
                script,
            },
        )
}

/// A few events of megabytes against the real limit (10 MiB): the sizes where an off-by-one would pass it.
fn large_events() -> impl Strategy<Value = Framing> {
    (
        proptest::collection::vec(
            (".{0,20}", 1usize..(4 * 1024 * 1024), any::<u64>()).prop_map(
                |(message, filler_len, seed)| EventSpec {
                    message,
                    filler_len,
                    seed,
                },
            ),
            1..7,
        ),
        prop_oneof![
            Just(Compression::None),
            Just(Compression::Gzip),
            Just(Compression::Zstd)
        ],
    )
        .prop_map(|(events, compression)| Framing {
            events,
            max_batch_bytes: MAX_REQUEST_BYTES,
            max_batch_events: 10_000,
            compression,
            script: vec![true],
        })
}

fn check_framing(framing: Framing) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let received = Arc::new(Mutex::new(Vec::<Received>::new()));
    let (report, accepted) = rt.block_on(async {
        let log = Arc::clone(&received);
        let script = framing.script.clone();
        let server = server::start(move |request: &Request| {
            let decoded = request.decoded();
            let mut log = log.lock().expect("lock");
            let acknowledged = script[log.len() % script.len()] || request.lines().len() <= 1;
            log.push(Received {
                body_len: request.body.len(),
                decoded_len: decoded.len(),
                lines: server::ndjson_lines(&decoded),
                acknowledged,
            });
            Reply::status(if acknowledged { 200 } else { 413 })
        })
        .await;
        let ingestor = IngestConfig::base_url(server.url())
            .api_key("k")
            .compression(framing.compression)
            .max_batch_bytes(framing.max_batch_bytes)
            .max_batch_events(framing.max_batch_events)
            .max_in_flight(1)
            .linger(Duration::ZERO)
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("config");
        let mut accepted = Vec::new();
        for (index, spec) in framing.events.iter().enumerate() {
            let event = spec.event(index);
            let line = event.encode().expect("a valid event").into_string();
            match ingestor.send(event).await {
                Ok(()) => accepted.push(line),
                Err(error) => {
                    // Only an event too large for any batch may be refused.
                    assert!(line.len() + 1 > framing.max_batch_bytes, "refused: {error}");
                }
            }
        }
        (ingestor.close().await, accepted)
    });
    drop(rt);
    let received = std::mem::take(&mut *received.lock().expect("lock"));
    prop_assert_eq!(report.accepted, accepted.len() as u64);
    prop_assert_eq!(report.sent + report.failed, report.accepted, "{}", report);
    // This server acknowledges every single event, and a 413 splits: nothing may fail.
    prop_assert_eq!(report.failed, 0, "{}", report);
    let mut acknowledged = Vec::new();
    for request in &received {
        prop_assert!(
            request.body_len <= framing.max_batch_bytes,
            "a body of {} bytes",
            request.body_len
        );
        prop_assert!(request.body_len <= MAX_REQUEST_BYTES);
        prop_assert!(
            request.decoded_len <= framing.max_batch_bytes,
            "NDJSON of {} bytes",
            request.decoded_len
        );
        prop_assert!(request.lines.len() <= framing.max_batch_events);
        prop_assert!(!request.lines.is_empty(), "an empty request");
        // Whole events, byte for byte, consecutive in the order of acceptance.
        let first = accepted.iter().position(|line| *line == request.lines[0]);
        prop_assert!(first.is_some(), "a line that is no accepted event");
        let first = first.unwrap_or_default();
        prop_assert_eq!(
            &accepted[first..(first + request.lines.len()).min(accepted.len())],
            &request.lines[..],
            "a request's events are not a run of accepted events in order"
        );
        if request.acknowledged {
            acknowledged.extend(request.lines.iter().cloned());
        }
    }
    // One request at a time: what was acknowledged is every accepted event but the failed ones, in order.
    prop_assert_eq!(acknowledged.len() as u64, report.sent);
    let failed: Vec<String> = report
        .failed_batches
        .iter()
        .flat_map(|batch| batch.events.iter().map(|event| event.as_str().to_string()))
        .collect();
    prop_assert_eq!(failed.len() as u64, report.failed);
    let mut expected = accepted.clone();
    expected.retain(|line| !failed.contains(line));
    prop_assert_eq!(acknowledged, expected, "acknowledged events out of order");
    Ok(())
}

#[test]
fn batches_hold_whole_events_in_order_under_the_limit() {
    property_budget::check(
        "ingestion framing (small events)",
        40,
        small_events(),
        check_framing,
    );
}

#[test]
fn batches_of_megabyte_events_never_pass_ten_mebibytes() {
    property_budget::check(
        "ingestion framing (megabyte events)",
        3,
        large_events(),
        check_framing,
    );
}

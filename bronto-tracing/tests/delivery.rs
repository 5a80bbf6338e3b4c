//! A full queue drops and counts (and says so once there is room); an outage ends with exact accounting.

mod support;

use std::time::Duration;

use bronto_ingest::RetryPolicy;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt as _;

#[test]
fn a_full_queue_drops_counts_and_reports_once_room_returns() {
    let receiver = support::Receiver::start();
    receiver.set_down(true);
    // While the receiver answers 503 and retries never run out, nothing is settled, so nothing leaves the
    // byte budget: after a handful of events the queue is full, deterministically.
    let ingest = support::ingest(&receiver).retry_policy(
        RetryPolicy::default()
            .max_attempts(u32::MAX)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(10))
            .retry_budget(u32::MAX),
    );
    let (layer, guard) = bronto_tracing::LayerBuilder::new(ingest)
        .queue_bytes(4096)
        .interval(Duration::from_millis(10))
        .build()
        .expect("builds");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    for index in 0..100 {
        tracing::info!(index, padding = "x".repeat(100), "event");
    }
    let during = guard.stats();
    assert_eq!(during.emitted, 100);
    assert!(during.dropped_full > 50, "{during}");
    assert!(during.queued_bytes <= 4096, "{during}");
    assert_eq!(during.sent, 0);

    receiver.set_down(false);
    let report = guard.shutdown(Duration::from_secs(20));
    assert_eq!(report.pending(), 0, "{report}");
    assert_eq!(report.notices, 1, "{report}");
    assert_eq!(report.dropped, report.dropped_full, "{report}");
    assert_eq!(
        report.sent + report.dropped,
        report.emitted + report.notices,
        "{report}"
    );
    let events = receiver.events();
    assert_eq!(events.len() as u64, report.sent);
    let notices: Vec<_> = events
        .iter()
        .filter(|e| e["target"] == "bronto_tracing")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["dropped"], json!(report.dropped_full));
    assert_eq!(notices[0]["level"], json!("WARN"));
    // The events that made it are in order, starting with the first ones (the queue filled from the start; an
    // event may still get in later, once the worker has handed queued lines on and room returned).
    let indexes: Vec<u64> = events.iter().filter_map(|e| e["index"].as_u64()).collect();
    assert_eq!(indexes.first(), Some(&0), "{indexes:?}");
    assert!(
        indexes.windows(2).all(|pair| pair[0] < pair[1]),
        "{indexes:?}"
    );
}

#[test]
fn an_outage_ends_with_every_event_sent_failed_or_dropped() {
    const BOUND: usize = 64 * 1024;
    let receiver = support::Receiver::start();
    let ingest = support::ingest(&receiver)
        .max_batch_events(50)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(2))
                .max_backoff(Duration::from_millis(5))
                .retry_budget(u32::MAX),
        );
    let (layer, guard) = bronto_tracing::LayerBuilder::new(ingest)
        .queue_bytes(BOUND)
        .interval(Duration::from_millis(5))
        .build()
        .expect("builds");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let mut peak = 0u64;
    for index in 0..3000_u64 {
        if index == 500 {
            receiver.set_down(true);
        }
        if index == 2000 {
            receiver.set_down(false);
        }
        tracing::info!(index, "event {index}");
        if index % 20 == 0 {
            peak = peak.max(guard.stats().queued_bytes);
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let report = guard.shutdown(Duration::from_secs(30));
    assert_eq!(report.emitted, 3000);
    assert_eq!(report.pending(), 0, "{report}");
    assert_eq!(
        report.emitted + report.notices,
        report.sent + report.failed + report.dropped,
        "{report}"
    );
    assert!(
        receiver.refused.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the outage happened"
    );
    assert_eq!(
        report.failed,
        report
            .failed_by_reason
            .get("retries exhausted")
            .copied()
            .unwrap_or(0),
        "{report}"
    );
    assert!(peak <= BOUND as u64, "peak {peak}");
    // Sent means received, exactly once (the receiver never dropped a connection).
    let events = receiver.events();
    assert_eq!(events.len() as u64, report.sent, "{report}");
    // Delivery resumed by itself: the last event arrived.
    assert!(events.iter().any(|e| e["index"] == 2999), "{report}");
}

//! Shared by the test files: the loopback receiver and a layer pointed at it.
#![allow(dead_code, unreachable_pub)]

pub mod receiver;

use std::time::Duration;

use bronto_ingest::{Compression, IngestConfig, RetryPolicy};
use bronto_tracing::{BrontoLayer, Guard, LayerBuilder};
pub use receiver::Receiver;

/// An ingestion configuration for `receiver`: uncompressed, a short linger, quick retries.
pub fn ingest(receiver: &Receiver) -> IngestConfig {
    IngestConfig::base_url(receiver.url.clone())
        .api_key("test-ingestion-key")
        .dataset("tests")
        .compression(Compression::None)
        .linger(Duration::from_millis(5))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20))
                .retry_budget(1_000_000),
        )
}

/// A layer and guard sending to `receiver`, with a fixed host name and a quick worker.
pub fn layer(receiver: &Receiver) -> (BrontoLayer, Guard) {
    builder(receiver).build().expect("layer builds")
}

/// The builder [`layer`] uses.
pub fn builder(receiver: &Receiver) -> LayerBuilder {
    LayerBuilder::new(ingest(receiver))
        .host(Some("test-host".to_string()))
        .interval(Duration::from_millis(10))
}

/// Runs `f` with the layer as the thread's default subscriber, shuts down and returns what arrived.
pub fn capture(f: impl FnOnce()) -> Vec<serde_json::Value> {
    capture_lines(f).0
}

/// [`capture`], with the NDJSON lines as they came.
pub fn capture_lines(f: impl FnOnce()) -> (Vec<serde_json::Value>, Vec<String>) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let receiver = Receiver::start();
    let (layer, guard) = layer(&receiver);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
    let report = guard.shutdown(Duration::from_secs(10));
    assert_eq!(report.pending(), 0, "{report}");
    assert_eq!(report.dropped, 0, "{report}");
    (receiver.events(), receiver.lines())
}

/// The one event whose message is `message`.
pub fn event<'a>(events: &'a [serde_json::Value], message: &str) -> &'a serde_json::Value {
    let found: Vec<_> = events.iter().filter(|e| e["message"] == message).collect();
    assert_eq!(found.len(), 1, "one event `{message}` in {events:#?}");
    found[0]
}

//! No feedback loop: with the layer installed as the global subscriber at TRACE (and `log` records bridged in),
//! nothing the shipper does while shipping is shipped, although it does emit events and spans.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

/// Records the target and thread of every event and span the subscriber sees.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    fn note(&self, target: &str) {
        let thread = std::thread::current().name().unwrap_or("").to_string();
        self.0
            .lock()
            .expect("lock")
            .push((target.to_string(), thread));
    }
}

impl<S: Subscriber> Layer<S> for Seen {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        self.note(event.metadata().target());
    }
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        self.note(attrs.metadata().target());
    }
}

#[test]
fn nothing_the_shipper_emits_is_shipped() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let seen = Seen::default();
    tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::TRACE)
        .with(layer)
        .with(seen.clone())
        .init();
    tracing_log::LogTracer::builder()
        .with_max_level(log::LevelFilter::Trace)
        .init()
        .expect("the only logger");

    for round in 0..5 {
        let span = tracing::trace_span!("app", round);
        let _s = span.enter();
        tracing::trace!(round, "app event");
        let report = guard.flush(Duration::from_secs(10));
        assert_eq!(report.pending(), 0, "{report}");
    }
    // Let the worker run a few more intervals with nothing to send: still nothing new arrives.
    std::thread::sleep(Duration::from_millis(100));
    let report = guard.shutdown(Duration::from_secs(10));

    let shipper: Vec<(String, String)> = seen
        .0
        .lock()
        .expect("lock")
        .iter()
        .filter(|(_, thread)| thread.starts_with("bronto-tracing"))
        .cloned()
        .collect();
    assert!(
        !shipper.is_empty(),
        "the shipper emits events and spans (so this test means something)"
    );
    let events = receiver.events();
    assert_eq!(events.len(), 5, "{events:#?}");
    assert!(
        events.iter().all(|e| e["message"] == "app event"),
        "{events:#?}"
    );
    assert_eq!(
        (report.emitted, report.sent, report.dropped),
        (5, 5, 0),
        "{report}"
    );
}

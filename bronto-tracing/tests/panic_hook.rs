//! The panic hook ships the panic with its spans and flushes before the previous hook runs.

mod support;

use std::fmt;
use std::time::Duration;

use serde_json::json;
use tracing_subscriber::layer::SubscriberExt as _;

struct Bomb;

impl fmt::Debug for Bomb {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Debug exploded")
    }
}

#[test]
fn a_panic_is_shipped_with_its_spans_and_flushed() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    guard.install_panic_hook(Duration::from_secs(10));
    let subscriber = tracing_subscriber::registry().with(layer);
    let joined = std::thread::Builder::new()
        .name("job-runner".to_string())
        .spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                let span = tracing::info_span!("job", id = 9);
                let _s = span.enter();
                // A panic inside a field's Debug is caught by the layer and not shipped as a panic.
                tracing::info!(bomb = ?Bomb, "with a bomb");
                panic!("the job failed");
            })
        })
        .expect("thread")
        .join();
    assert!(joined.is_err(), "the thread panicked");
    // The hook flushed before the thread ended: the event is there without another flush.
    let events = receiver.events();
    let panics: Vec<_> = events.iter().filter(|e| e["target"] == "panic").collect();
    assert_eq!(panics.len(), 1, "{events:#?}");
    let panic = panics[0];
    assert_eq!(panic["message"], json!("panicked: the job failed"));
    assert_eq!(panic["level"], json!("ERROR"));
    assert_eq!(panic["span.job.id"], json!(9));
    assert_eq!(panic["panic_thread"], json!("job-runner"));
    assert!(
        panic["panic_location"]
            .as_str()
            .is_some_and(|l| l.contains("panic_hook.rs")),
        "{panic}"
    );
    assert!(events.iter().any(|e| e["message"] == "with a bomb"));
    let report = guard.shutdown(Duration::from_secs(10));
    assert_eq!((report.sent, report.pending()), (2, 0), "{report}");
}

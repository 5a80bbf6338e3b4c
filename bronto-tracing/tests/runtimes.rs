//! The worker never needs the application's runtime: sync `main`, `current_thread`, `#[tokio::test]`, and after
//! the application's runtime is gone.

mod support;

use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt as _;

fn messages(receiver: &support::Receiver) -> Vec<String> {
    let mut found: Vec<String> = receiver
        .events()
        .iter()
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn from_a_plain_sync_main() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info!("sync one");
        tracing::info!("sync two");
    });
    let report = guard.flush(Duration::from_secs(10));
    assert_eq!((report.sent, report.pending()), (2, 0), "{report}");
    assert_eq!(messages(&receiver), ["sync one", "sync two"]);
}

#[test]
fn on_a_current_thread_runtime_with_a_blocking_flush_inside_it() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let report = runtime.block_on(async {
        tracing::info!("in current_thread");
        tokio::task::yield_now().await;
        // The blocking form inside the only runtime thread: no deadlock, the worker has its own.
        let flushed = guard.flush(Duration::from_secs(10));
        assert_eq!(flushed.sent, 1, "{flushed}");
        tracing::info!("then async");
        guard.shutdown_async(Duration::from_secs(10)).await
    });
    assert_eq!((report.sent, report.pending()), (2, 0), "{report}");
    assert_eq!(messages(&receiver), ["in current_thread", "then async"]);
}

#[tokio::test]
async fn in_a_tokio_test() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    tracing::info!("in tokio test");
    let report = guard.flush_async(Duration::from_secs(10)).await;
    assert_eq!(report.sent, 1, "{report}");
    drop(guard); // Drop shuts down with a bounded wait, inside the runtime too.
    assert_eq!(messages(&receiver), ["in tokio test"]);
}

#[test]
fn after_the_applications_runtime_has_shut_down() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        use tracing::instrument::WithSubscriber as _;
        tokio::spawn(async { tracing::info!("from a task") }.with_current_subscriber())
            .await
            .expect("task");
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    tracing::info!("after the runtime");
    let report = guard.shutdown(Duration::from_secs(10));
    assert_eq!(
        (report.sent, report.pending(), report.dropped),
        (2, 0, 0),
        "{report}"
    );
    assert_eq!(messages(&receiver), ["after the runtime", "from a task"]);
}

#[test]
fn the_guard_flushes_when_dropped_and_later_events_are_counted_as_dropped() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(layer.clone()));
    tracing::info!("before drop");
    let control = format!("{guard:?}");
    assert!(!control.contains("test-ingestion-key"), "{control}");
    drop(guard);
    assert_eq!(messages(&receiver), ["before drop"]);
    tracing::info!("after drop");
}

#[test]
fn shutdown_twice_and_events_after_shutdown() {
    let receiver = support::Receiver::start();
    let (layer, guard) = support::layer(&receiver);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    tracing::info!("one");
    let first = guard.shutdown(Duration::from_secs(10));
    tracing::info!("too late");
    let second = guard.shutdown(Duration::from_secs(10));
    let flushed = guard.flush(Duration::from_secs(1));
    assert_eq!((first.sent, first.pending()), (1, 0), "{first}");
    assert!(second.finished);
    assert_eq!(
        (second.emitted, second.sent, second.dropped_closed),
        (2, 1, 1),
        "{second}"
    );
    assert_eq!(second.pending(), 0);
    assert_eq!(flushed, second);
    assert_eq!(messages(&receiver), ["one"]);
}

#[test]
fn a_bad_configuration_is_an_error_at_build() {
    let config = bronto_ingest::IngestConfig::base_url("http://127.0.0.1:9").dataset("x");
    let error = bronto_tracing::LayerBuilder::new(config)
        .build()
        .expect_err("no credential");
    assert!(
        matches!(error, bronto_tracing::BuildError::Ingest(_)),
        "{error}"
    );
    let config = bronto_ingest::IngestConfig::region("eu").api_key("secret-key-value");
    let error = bronto_tracing::LayerBuilder::new(config)
        .queue_bytes(10)
        .build()
        .expect_err("too small");
    assert!(!error.to_string().contains("secret-key-value"));
}

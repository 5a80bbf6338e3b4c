//! "Nothing lost" under faults: every accepted event ends up counted as sent or failed, and every failed event is
//! handed back exactly once, also when a task panics (a `tracing` subscriber is the caller's code and may panic at
//! any of its callbacks), when a `failures()` receiver is dropped with batches still in it, and when the runtime
//! shuts down at any point. The named tests are the regressions the review found; the property runs them together
//! on generated scenarios (`HOSTILE_SCALE` for a longer local run; see `tests/README.md`).

#[path = "support/server.rs"]
mod server;

#[path = "support/property_budget.rs"]
mod property_budget;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use bronto_ingest::{
    Compression, DeliveryReport, Event, FailedBatch, FailureReason, IngestConfig, RetryPolicy,
};
use proptest::prelude::*;
use serde_json::Value;
use server::{Reply, Request};
use tracing::span;

/// The message of every injected panic, so the panic hook can keep them out of the test output.
const INJECTED: &str = "injected fault";

/// A fault plan: panics once, at the `fault_at`-th `tracing` callback for a span or an event of the ingestor or
/// the runtime under it, a stand-in for any caller code that runs inside the ingestor's tasks.
struct FaultySubscriber {
    calls: AtomicU64,
    fault_at: u64,
    /// Count only the creation of spans with this name.
    only_span: Option<&'static str>,
}

impl FaultySubscriber {
    fn new(fault_at: u64) -> Self {
        Self {
            calls: AtomicU64::new(0),
            fault_at,
            only_span: None,
        }
    }

    /// Panics when the first span named `name` is created.
    fn on_span(name: &'static str) -> Self {
        Self {
            only_span: Some(name),
            ..Self::new(1)
        }
    }

    /// Counts a callback made from this crate's or the runtime's code (HTTP internals are left alone: a panic
    /// inside hyper's connection pool poisons its lock, which tests hyper, not the ingestor).
    fn tick(&self, metadata: &tracing::Metadata<'_>, span: Option<&str>) {
        let ours = ["bronto_ingest", "client_runtime"]
            .iter()
            .any(|crate_name| metadata.target().starts_with(crate_name));
        if !ours || (self.only_span.is_some() && self.only_span != span) {
            return;
        }
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call == self.fault_at && !std::thread::panicking() {
            panic!("{INJECTED} at tracing callback {call}");
        }
    }

    /// Makes this plan the one for the calling thread (the current-thread runtime's, where the ingestor's tasks
    /// run) until the guard drops.
    ///
    /// The plans go through one process-wide subscriber rather than `tracing::subscriber::set_default`: a scoped
    /// subscriber races with other test threads registering the same callsites (a thread with none caches the
    /// callsite as never enabled just as this one sets its own), so the span that should panic sometimes was
    /// never created. One global subscriber that is always interested has no such window.
    fn install(self) -> FaultGuard {
        static GLOBAL: Once = Once::new();
        GLOBAL.call_once(|| {
            tracing::subscriber::set_global_default(FaultRouter {
                next_id: AtomicU64::new(1),
            })
            .expect("the only global subscriber of this test binary");
        });
        PLAN.with(|plan| *plan.borrow_mut() = Some(Arc::new(self)));
        FaultGuard
    }
}

thread_local! {
    /// The fault plan of this thread, if any.
    static PLAN: std::cell::RefCell<Option<Arc<FaultySubscriber>>> = const { std::cell::RefCell::new(None) };
}

/// Removes the thread's fault plan when dropped.
struct FaultGuard;

impl Drop for FaultGuard {
    fn drop(&mut self) {
        PLAN.with(|plan| plan.borrow_mut().take());
    }
}

/// The process-wide subscriber: hands each callback to the calling thread's fault plan, if it has one.
struct FaultRouter {
    next_id: AtomicU64,
}

impl FaultRouter {
    fn tick(metadata: &tracing::Metadata<'_>, span: Option<&str>) {
        // The plan is cloned out first: it may panic, and must not do so with the cell borrowed.
        let plan = PLAN.with(|plan| plan.borrow().clone());
        if let Some(plan) = plan {
            plan.tick(metadata, span);
        }
    }
}

impl tracing::Subscriber for FaultRouter {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &span::Attributes<'_>) -> span::Id {
        Self::tick(attributes.metadata(), Some(attributes.metadata().name()));
        span::Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst))
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        Self::tick(event.metadata(), None);
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

/// Keeps injected panics out of the output (tokio prints a task's panic through the hook); others still print.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !message.starts_with(INJECTED) {
                default(info);
            }
        }));
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2))
        .max_server_delay(Duration::from_millis(5))
        .jitter(false)
}

fn event(i: usize) -> Event {
    Event::new(format!("event {i}")).field("i", i)
}

fn index_of(line: &str) -> u64 {
    let value: Value = serde_json::from_str(line).expect("a JSON line");
    value["i"].as_u64().expect("an index")
}

/// What the server did with each kind of request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Ok,
    BadRequest,
    Unavailable,
    TooLarge,
    DropConnection,
}

/// A loopback server answering the n-th request with `script[n % len]`, recording the events it acknowledged
/// with a 200.
fn start_server(
    script: Vec<Answer>,
    acked: Arc<Mutex<Vec<u64>>>,
) -> impl Future<Output = server::Server> {
    let next = AtomicU64::new(0);
    server::start(move |request: &Request| {
        let n = next.fetch_add(1, Ordering::SeqCst) as usize;
        let answer = script
            .get(n % script.len().max(1))
            .copied()
            .unwrap_or(Answer::Ok);
        match answer {
            Answer::Ok => {
                let mut acked = acked.lock().expect("lock");
                acked.extend(request.lines().iter().map(|line| index_of(line)));
                Reply::status(200)
            }
            Answer::BadRequest => Reply::status(400),
            Answer::Unavailable => Reply::status(503),
            Answer::TooLarge => Reply::status(413),
            Answer::DropConnection => Reply::Drop,
        }
    })
}

/// The indices of the events in failed batches, in the order handed back.
fn failed_indices<'a>(batches: impl IntoIterator<Item = &'a FailedBatch>) -> Vec<u64> {
    batches
        .into_iter()
        .flat_map(|batch| batch.events.iter().map(|event| index_of(event.as_str())))
        .collect()
}

/// The invariant: `sent + failed == accepted`; every failed event handed back exactly once; every accepted event
/// either acknowledged by the server or handed back; and `sent` is exactly what the server acknowledged and was
/// not handed back (an event interrupted after the server's 200 is both: at least once, never lost).
fn assert_nothing_lost(
    report: &DeliveryReport,
    accepted: &[u64],
    handed_back: &[u64],
    acked: &[u64],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(report.accepted, accepted.len() as u64, "accepted");
    prop_assert_eq!(
        report.sent + report.failed,
        report.accepted,
        "sent + failed == accepted in {}",
        report
    );
    let failed: BTreeSet<u64> = handed_back.iter().copied().collect();
    prop_assert_eq!(
        failed.len(),
        handed_back.len(),
        "an event handed back twice"
    );
    prop_assert_eq!(
        handed_back.len() as u64,
        report.failed,
        "failed events handed back"
    );
    let acked: BTreeSet<u64> = acked.iter().copied().collect();
    let all: BTreeSet<u64> = accepted.iter().copied().collect();
    let settled: BTreeSet<u64> = acked.union(&failed).copied().collect();
    prop_assert_eq!(
        &settled,
        &all,
        "every accepted event acknowledged or handed back"
    );
    prop_assert_eq!(
        acked.difference(&failed).count() as u64,
        report.sent,
        "sent = acknowledged and not handed back"
    );
    Ok(())
}

#[test]
fn a_panic_in_a_request_task_still_settles_its_events() {
    // The review's reproduction: one event, and the first `tracing` callback on its request (the request span)
    // panics. Before the fix the report said accepted 1, sent 0, failed 0 forever.
    quiet_injected_panics();
    let rt = runtime();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let report = rt.block_on(async {
        let server = start_server(vec![Answer::Ok], Arc::clone(&acked)).await;
        let ingestor = IngestConfig::base_url(server.url())
            .api_key("k")
            .compression(Compression::None)
            .retry_policy(fast_retry(2))
            .build()
            .expect("config");
        // The runtime's span for the request panics as it is created.
        let _faulty = FaultySubscriber::on_span("api.request").install();
        ingestor.send(event(0)).await.expect("accepted");
        ingestor.close().await
    });
    assert_eq!(
        (report.accepted, report.sent, report.failed),
        (1, 0, 1),
        "{report}"
    );
    assert_eq!(
        report.failed_by_reason.get("interrupted"),
        Some(&1),
        "{report}"
    );
    assert_eq!(report.failed_batches.len(), 1);
    assert_eq!(report.failed_batches[0].reason, FailureReason::Interrupted);
    assert_eq!(failed_indices(&report.failed_batches), [0]);
}

#[test]
fn batches_a_dropped_receiver_still_held_come_back_in_the_report() {
    // Before the fix, the batches buffered in a dropped `failures()` receiver were discarded, although the docs
    // said failures are never discarded.
    let rt = runtime();
    let report = rt.block_on(async {
        let server = start_server(vec![Answer::BadRequest], Arc::default()).await;
        let ingestor = IngestConfig::base_url(server.url())
            .api_key("k")
            .max_batch_events(1)
            .max_in_flight(1)
            .linger(Duration::ZERO)
            .build()
            .expect("config");
        let failures = ingestor.failures().expect("a receiver");
        for i in 0..3 {
            ingestor.send(event(i)).await.expect("accepted");
        }
        let flushed = ingestor.flush().await.expect("flushed");
        assert_eq!(flushed.failed, 3);
        assert!(
            flushed.failed_batches.is_empty(),
            "all three went to the receiver"
        );
        drop(failures);
        ingestor.send(event(3)).await.expect("accepted");
        ingestor.close().await
    });
    assert_eq!((report.accepted, report.failed), (4, 4), "{report}");
    assert_eq!(
        failed_indices(&report.failed_batches),
        [0, 1, 2, 3],
        "the three the receiver held, then the one after it was dropped"
    );
}

#[test]
fn a_runtime_shut_down_mid_delivery_settles_every_event() {
    // The runtime goes away with a request in flight (the server holds it) and events still queued: the
    // ingestor's tasks are dropped, and their guards count what they held as failed.
    let rt = runtime();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let ingestor = rt.block_on(async {
        let gate = Arc::clone(&gate);
        let server = server::start(move |_: &Request| Reply::Gated {
            gate: Arc::clone(&gate),
            status: 200,
        })
        .await;
        let ingestor = IngestConfig::base_url(server.url())
            .api_key("k")
            .max_batch_events(2)
            .max_in_flight(1)
            .linger(Duration::ZERO)
            .build()
            .expect("config");
        for i in 0..7 {
            ingestor.send(event(i)).await.expect("accepted");
        }
        // Let the first request reach the server and wait there.
        while server.active.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        ingestor
    });
    drop(rt);
    let stats = ingestor.stats();
    assert_eq!(
        (stats.accepted, stats.sent, stats.failed),
        (7, 0, 7),
        "{stats}"
    );
    let report = runtime().block_on(ingestor.close());
    // The tasks are dropped in no particular order: the request's events, the batch waiting for a request slot,
    // and the queue.
    let mut handed_back = failed_indices(&report.failed_batches);
    handed_back.sort_unstable();
    assert_eq!(handed_back, [0, 1, 2, 3, 4, 5, 6]);
    assert!(
        report
            .failed_batches
            .iter()
            .all(|batch| batch.reason == FailureReason::Interrupted)
    );
}

/// How a scenario ends.
#[derive(Clone, Debug)]
enum Ending {
    /// `close()`, after the receiver (if any) took some batches and was dropped.
    Close,
    /// The runtime shuts down after the test task yielded this many times (no `close` before it).
    Shutdown { after_yields: usize },
}

#[derive(Clone, Debug)]
struct Scenario {
    events: usize,
    max_batch_events: usize,
    max_in_flight: usize,
    compression: Compression,
    script: Vec<Answer>,
    /// Panic at this `tracing` callback (none: no panic).
    fault_at: Option<u64>,
    /// Take a `failures()` receiver, and drop it after taking this many batches.
    receiver_takes: Option<usize>,
    ending: Ending,
}

fn scenarios() -> impl Strategy<Value = Scenario> {
    let answer = prop_oneof![
        4 => Just(Answer::Ok),
        1 => Just(Answer::BadRequest),
        1 => Just(Answer::Unavailable),
        1 => Just(Answer::TooLarge),
        1 => Just(Answer::DropConnection),
    ];
    let compression = prop_oneof![
        Just(Compression::None),
        Just(Compression::Gzip),
        Just(Compression::Zstd)
    ];
    let ending = prop_oneof![
        Just(Ending::Close),
        (0usize..60).prop_map(|after_yields| Ending::Shutdown { after_yields }),
    ];
    (
        (0usize..40, 1usize..8, 1usize..4, compression),
        proptest::collection::vec(answer, 1..12),
        proptest::option::weighted(0.6, 1u64..40),
        proptest::option::of(0usize..4),
        ending,
    )
        .prop_map(
            |(
                (events, max_batch_events, max_in_flight, compression),
                script,
                fault_at,
                receiver_takes,
                ending,
            )| {
                Scenario {
                    events,
                    max_batch_events,
                    max_in_flight,
                    compression,
                    script,
                    fault_at,
                    receiver_takes,
                    ending,
                }
            },
        )
}

fn run_scenario(scenario: Scenario) -> Result<(), TestCaseError> {
    let rt = runtime();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut received: Vec<FailedBatch> = Vec::new();
    let mut accepted = Vec::new();
    let (ingestor, closed) = rt.block_on(async {
        let server = start_server(scenario.script.clone(), Arc::clone(&acked)).await;
        let ingestor = IngestConfig::base_url(server.url())
            .api_key("k")
            .compression(scenario.compression)
            .max_batch_events(scenario.max_batch_events)
            .max_in_flight(scenario.max_in_flight)
            .linger(Duration::ZERO)
            .retry_policy(fast_retry(3))
            .request_timeout(Duration::from_secs(10))
            .build()
            .expect("config");
        let mut receiver = scenario
            .receiver_takes
            .map(|_| ingestor.failures().expect("a receiver"));
        // Set once the server and the ingestor are built: from here on only the ingestor's tasks (and the
        // runtime under them) make `tracing` callbacks on this thread, the one the current-thread runtime runs.
        let _faulty = scenario
            .fault_at
            .map(|at| FaultySubscriber::new(at).install());
        for i in 0..scenario.events {
            if ingestor.send(event(i)).await.is_ok() {
                accepted.push(i as u64);
            }
        }
        match scenario.ending {
            Ending::Close => {
                if let (Some(mut rx), Some(takes)) = (receiver.take(), scenario.receiver_takes) {
                    let _ = ingestor.flush().await;
                    while received.len() < takes {
                        match rx.try_recv() {
                            Ok(batch) => received.push(batch),
                            Err(_) => break,
                        }
                    }
                    // Dropped with whatever it still holds.
                }
                let report = ingestor.close().await;
                (ingestor, Some(report))
            }
            Ending::Shutdown { after_yields } => {
                for _ in 0..after_yields {
                    tokio::task::yield_now().await;
                }
                if let (Some(mut rx), Some(takes)) = (receiver.take(), scenario.receiver_takes) {
                    while received.len() < takes {
                        match rx.try_recv() {
                            Ok(batch) => received.push(batch),
                            Err(_) => break,
                        }
                    }
                }
                (ingestor, None)
            }
        }
    });
    // Shutdown: every task still running is dropped here.
    drop(rt);
    let final_report = runtime().block_on(ingestor.close());
    let report = match closed {
        Some(mut report) => {
            // A second close returns the counts and no batches; anything held after the first is a bug.
            prop_assert!(
                final_report.failed_batches.is_empty(),
                "batches after close: {final_report}"
            );
            prop_assert_eq!(
                (
                    final_report.accepted,
                    final_report.sent,
                    final_report.failed
                ),
                (report.accepted, report.sent, report.failed)
            );
            report.failed_batches.extend(final_report.failed_batches);
            report
        }
        None => final_report,
    };
    let mut handed_back = failed_indices(&received);
    handed_back.extend(failed_indices(&report.failed_batches));
    let acked = acked.lock().expect("lock").clone();
    assert_nothing_lost(&report, &accepted, &handed_back, &acked)
}

#[test]
fn accounting_holds_under_panics_dropped_receivers_and_shutdown_at_every_point() {
    quiet_injected_panics();
    property_budget::check(
        "ingestion accounting under faults",
        48,
        scenarios(),
        run_scenario,
    );
}

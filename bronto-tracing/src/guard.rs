//! [`Guard`]: flush and shut down the layer's worker, read its counts; its `Drop` flushes with a bounded wait.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use bronto_ingest::Ingestor;
use tokio::sync::{mpsc as tokio_mpsc, oneshot};

use crate::LayerReport;
use crate::queue::Queue;
use crate::worker::{Command, Reply, WorkerState};

/// How long the worker's answer may come after the caller's deadline before the caller stops waiting.
const GRACE: Duration = Duration::from_millis(500);

/// What a guard and the panic hook share: the way to the worker and the counts.
#[derive(Clone)]
pub(crate) struct Control {
    pub(crate) queue: Arc<Queue>,
    pub(crate) state: Arc<WorkerState>,
    pub(crate) ingestor: Ingestor,
    pub(crate) commands: tokio_mpsc::UnboundedSender<Command>,
}

impl Control {
    pub(crate) fn stats(&self) -> LayerReport {
        let finished = self.state.finished.load(Ordering::Acquire);
        let delivery = self.ingestor.stats();
        let queue = &self.queue;
        let mut dropped_closed = queue.dropped_closed.load(Ordering::Relaxed);
        if finished {
            // Lines still in the channel when the worker stopped were never delivered.
            dropped_closed += queue.queued() as u64;
        }
        let mut report = LayerReport {
            emitted: queue.emitted.load(Ordering::Relaxed),
            notices: self.state.notices.load(Ordering::Relaxed),
            accepted: delivery.accepted,
            sent: delivery.sent,
            failed: delivery.failed,
            dropped: 0,
            dropped_full: queue.dropped_full.load(Ordering::Relaxed),
            dropped_closed,
            dropped_reentrant: queue.dropped_reentrant.load(Ordering::Relaxed),
            dropped_invalid: queue.dropped_invalid.load(Ordering::Relaxed),
            failed_by_reason: delivery.failed_by_reason,
            requests: delivery.requests,
            queued_bytes: queue.bytes() as u64,
            finished,
        };
        report.dropped = report.dropped_full
            + report.dropped_closed
            + report.dropped_reentrant
            + report.dropped_invalid;
        report
    }

    fn deadline(timeout: Duration) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        now.checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
    }

    /// Sends `command` and waits (blocking this thread) for the answer, at most `timeout` plus a grace.
    pub(crate) fn call_blocking(&self, timeout: Duration, shutdown: bool) -> LayerReport {
        let (tx, rx) = mpsc::sync_channel(1);
        let deadline = Self::deadline(timeout);
        let reply = Reply::Sync(tx);
        let command = if shutdown {
            Command::Shutdown { deadline, reply }
        } else {
            Command::Flush { deadline, reply }
        };
        if self.commands.send(command).is_ok() {
            let _ = rx.recv_timeout(timeout.saturating_add(GRACE));
        }
        self.stats()
    }

    /// As [`Control::call_blocking`], awaiting instead (no timer of the caller's runtime is used: the worker
    /// answers by the deadline, and if it is gone the answer channel closes).
    pub(crate) async fn call(&self, timeout: Duration, shutdown: bool) -> LayerReport {
        let (tx, rx) = oneshot::channel();
        let deadline = Self::deadline(timeout);
        let reply = Reply::Async(tx);
        let command = if shutdown {
            Command::Shutdown { deadline, reply }
        } else {
            Command::Flush { deadline, reply }
        };
        if self.commands.send(command).is_ok() {
            let _ = rx.await;
        }
        self.stats()
    }
}

/// Keeps the layer's worker running; flushes on [`Guard::flush`], stops on [`Guard::shutdown`] or when dropped.
///
/// Every method is callable from sync code and from inside any tokio runtime (the blocking ones block the calling
/// thread for at most their timeout plus half a second; the worker runs on its own thread, so this never
/// deadlocks, also on a `current_thread` runtime). Dropping the guard shuts the worker down with a bounded wait
/// ([`crate::LayerBuilder::drop_timeout`], 5 s by default); it never panics. `std::process::exit` skips
/// destructors: call [`Guard::shutdown`] before it.
pub struct Guard {
    pub(crate) control: Control,
    pub(crate) drop_timeout: Duration,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// The counts now, without waiting.
    pub fn stats(&self) -> LayerReport {
        self.control.stats()
    }

    /// Delivers every event emitted before this call (waiting at most `timeout`), then returns the counts.
    /// Blocks the calling thread; from async code prefer [`Guard::flush_async`].
    pub fn flush(&self, timeout: Duration) -> LayerReport {
        self.control.call_blocking(timeout, false)
    }

    /// [`Guard::flush`] without blocking the calling thread.
    pub async fn flush_async(&self, timeout: Duration) -> LayerReport {
        self.control.call(timeout, false).await
    }

    /// Stops accepting events (later ones are dropped and counted), delivers everything (waiting at most
    /// `timeout`), stops the worker and returns the final counts: `pending() == 0` when it finished in time.
    /// Calling it again returns the counts at once.
    pub fn shutdown(&self, timeout: Duration) -> LayerReport {
        self.control.call_blocking(timeout, true)
    }

    /// [`Guard::shutdown`] without blocking the calling thread.
    pub async fn shutdown_async(&self, timeout: Duration) -> LayerReport {
        self.control.call(timeout, true).await
    }

    /// Installs a panic hook that ships each panic (as an `ERROR` event with target `panic`: the message, the
    /// location, and the spans the panicking thread was in) and flushes, waiting at most `timeout`, before the
    /// previous hook runs (and the unwinding, or the abort with `panic = "abort"`, continues). A panic on the
    /// worker's thread, or inside a field's `Debug` while an event is encoded, is not shipped.
    pub fn install_panic_hook(&self, timeout: Duration) {
        crate::panic_hook::install(self.control.clone(), timeout);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.control.state.finished.load(Ordering::Acquire) {
            let _ = self.control.call_blocking(self.drop_timeout, true);
        }
    }
}

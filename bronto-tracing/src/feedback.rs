//! The feedback-loop guard: which threads the layer never records from.
//!
//! The worker thread (and the blocking threads of its runtime, where DNS lookups run) is marked *quiet*: every
//! event and span created there, by reqwest, hyper, h2, rustls, `bronto-ingest`, `client-runtime` or this crate,
//! is ignored by every Bronto layer of the process, so shipping never produces more to ship. A thread is also
//! quiet while the layer is encoding an event on it, so that a `Debug` implementation that logs cannot recurse
//! into the layer (and the panic hook does not ship a panic raised by a field's `Debug`).

use std::cell::Cell;

thread_local! {
    static WORKER: Cell<bool> = const { Cell::new(false) };
    static ENCODING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as one of the shipper's own: nothing recorded on it is ever shipped.
pub(crate) fn mark_worker_thread() {
    WORKER.with(|worker| worker.set(true));
}

/// `true` on the shipper's own threads (and while the thread is being torn down).
pub(crate) fn on_worker_thread() -> bool {
    WORKER.try_with(Cell::get).unwrap_or(true)
}

/// `true` while this thread is encoding an event.
pub(crate) fn encoding() -> bool {
    ENCODING.try_with(Cell::get).unwrap_or(true)
}

/// `true` when nothing recorded on this thread now may be shipped.
pub(crate) fn quiet() -> bool {
    on_worker_thread() || encoding()
}

/// Marks the thread as encoding until dropped.
pub(crate) struct Encoding(());

impl Encoding {
    /// Starts encoding on this thread.
    pub(crate) fn enter() -> Self {
        let _ = ENCODING.try_with(|encoding| encoding.set(true));
        Encoding(())
    }
}

impl Drop for Encoding {
    fn drop(&mut self) {
        let _ = ENCODING.try_with(|encoding| encoding.set(false));
    }
}

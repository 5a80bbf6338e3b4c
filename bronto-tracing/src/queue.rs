//! The queue between calling threads and the worker: lock-free, bounded in bytes, every refusal counted.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use tokio::sync::Notify;

/// What one queued line is charged besides its bytes (the allocation and queue slot, roughly).
pub(crate) const LINE_OVERHEAD: usize = 64;

/// Lines from calling threads to the worker.
///
/// `push` is an atomic add on the byte count and a push onto `std::sync::mpsc`'s lock-free list: no lock, no
/// system call (the worker never blocks on the receiver, so there is nobody to wake), except once each time the
/// queue passes half its bound, when the worker is notified so that it drains early.
#[derive(Debug)]
pub(crate) struct Queue {
    tx: mpsc::Sender<Vec<u8>>,
    capacity: usize,
    /// Bytes charged for lines queued here or held by the ingestor and not yet settled.
    bytes: AtomicUsize,
    /// Lines in the queue (pushed, not yet taken by the worker).
    queued: AtomicUsize,
    pub(crate) emitted: AtomicU64,
    pub(crate) dropped_full: AtomicU64,
    pub(crate) dropped_closed: AtomicU64,
    pub(crate) dropped_reentrant: AtomicU64,
    /// Refused by the ingestor (larger than a batch) or not a valid event (never, short of a bug).
    pub(crate) dropped_invalid: AtomicU64,
    closed: AtomicBool,
    line_hint: AtomicUsize,
    pub(crate) wake: Notify,
}

impl Queue {
    /// A queue of at most `capacity` bytes, and the worker's end.
    pub(crate) fn new(capacity: usize) -> (Self, mpsc::Receiver<Vec<u8>>) {
        let (tx, rx) = mpsc::channel();
        let queue = Self {
            tx,
            capacity,
            bytes: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
            emitted: AtomicU64::new(0),
            dropped_full: AtomicU64::new(0),
            dropped_closed: AtomicU64::new(0),
            dropped_reentrant: AtomicU64::new(0),
            dropped_invalid: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            line_hint: AtomicUsize::new(256),
            wake: Notify::new(),
        };
        (queue, rx)
    }

    /// The bound in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// A good initial capacity for the next line (the size of a recent one).
    pub(crate) fn line_hint(&self) -> usize {
        self.line_hint.load(Ordering::Relaxed)
    }

    /// Queues an event's line, or drops and counts it when the queue is full or closed.
    pub(crate) fn push(&self, line: Vec<u8>) {
        self.emitted.fetch_add(1, Ordering::Relaxed);
        if self.closed.load(Ordering::Acquire) {
            self.dropped_closed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Charged what the line holds (its allocation, which may be larger than the text), not its length.
        let size = line.capacity() + LINE_OVERHEAD;
        if line.len() > self.line_hint.load(Ordering::Relaxed) {
            // The next lines start with room for this one, rounded up to 64 bytes (not to a power of two: the
            // slack would be held, and charged, by every queued line).
            self.line_hint
                .store(line.len().div_ceil(64) * 64, Ordering::Relaxed);
        }
        if !self.charge(size) {
            self.dropped_full.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(line).is_err() {
            // The worker is gone.
            self.queued.fetch_sub(1, Ordering::Relaxed);
            self.release(size);
            self.dropped_closed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Charges `size` bytes if they fit; wakes the worker when the charge crosses half the bound.
    pub(crate) fn charge(&self, size: usize) -> bool {
        let before = self.bytes.fetch_add(size, Ordering::AcqRel);
        if before + size > self.capacity {
            self.bytes.fetch_sub(size, Ordering::AcqRel);
            return false;
        }
        let half = self.capacity / 2;
        if before < half && before + size >= half {
            self.wake.notify_one();
        }
        true
    }

    /// Returns `size` bytes to the budget (the line was settled or dropped).
    pub(crate) fn release(&self, size: usize) {
        self.bytes.fetch_sub(size, Ordering::AcqRel);
    }

    /// The worker took a line off the queue.
    pub(crate) fn taken(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
    }

    /// Lines in the queue now.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Bytes charged now.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// An event emitted while another was being encoded on the same thread (by a field's `Debug`): dropped.
    pub(crate) fn reentrant(&self) {
        self.emitted.fetch_add(1, Ordering::Relaxed);
        self.dropped_reentrant.fetch_add(1, Ordering::Relaxed);
    }

    /// Refuses every later event (counted as dropped).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Every event dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped_full.load(Ordering::Relaxed)
            + self.dropped_closed.load(Ordering::Relaxed)
            + self.dropped_reentrant.load(Ordering::Relaxed)
            + self.dropped_invalid.load(Ordering::Relaxed)
    }
}

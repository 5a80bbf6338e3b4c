//! What the handles and the tasks share: the counts, and the failed batches not yet handed back, kept within
//! [`crate::IngestConfig::max_failed_bytes`] (the oldest are released, counted as overflowed, beyond it).

use std::collections::VecDeque;
use std::mem;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::{DeliveryReport, EncodedEvent, FailedBatch, FailureReason};

/// NDJSON bytes of `events` (each line and its newline): the unit of every byte count of the ingestor.
pub(crate) fn line_bytes(events: &[EncodedEvent]) -> u64 {
    events.iter().map(|e| e.len() as u64 + 1).sum()
}

/// Counters and the failed batches held, all under one lock so that the counts and the batches agree.
#[derive(Debug, Default)]
struct State {
    /// Counts (`failed_batches` stays empty here; `held_failed_bytes` covers `for_report` and `for_receiver`).
    report: DeliveryReport,
    /// Failed batches kept for the next report, oldest first.
    for_report: VecDeque<FailedBatch>,
    /// Failed batches waiting for the live [`crate::Failures`] receiver, oldest first.
    for_receiver: VecDeque<FailedBatch>,
    /// The live receiver's id, if one is alive.
    receiver: Option<u64>,
    next_receiver: u64,
    /// The dispatcher has stopped: nothing more will fail.
    stopped: bool,
}

/// State shared by the handles and the tasks: counters and the failures not yet handed back.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Counted on its own (once per event, on the caller's path); always incremented before the event is queued,
    /// so it is read after the other counts and `sent + failed <= accepted` holds in every snapshot.
    accepted: AtomicU64,
    /// NDJSON bytes of accepted events not settled yet (queued, in the open batch, in flight or retrying).
    buffered: AtomicU64,
    state: Mutex<State>,
    /// Wakes a receiver waiting in [`Shared::recv`].
    arrived: Notify,
    /// Set by `close_within` once its time is up: retries stop, and what is left fails as abandoned.
    abandoned: AtomicBool,
    /// Wakes the request tasks that wait (in a backoff, or on a request) when the ingestor is abandoned.
    abandon: Notify,
    /// The most failed-batch bytes held at once ([`crate::IngestConfig::max_failed_bytes`]).
    max_failed_bytes: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(max_failed_bytes: usize) -> Self {
        Self {
            max_failed_bytes: max_failed_bytes as u64,
            ..Self::default()
        }
    }

    /// Counts an accepted event of `bytes` NDJSON bytes (its line and newline).
    pub(crate) fn accepted(&self, bytes: u64) {
        self.buffered.fetch_add(bytes, Ordering::SeqCst);
        self.accepted.fetch_add(1, Ordering::SeqCst);
    }

    fn settled(&self, bytes: u64) {
        // Never below zero, even were a count to go wrong.
        let _ = self
            .buffered
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
                Some(held.saturating_sub(bytes))
            });
    }

    /// Counts, plus the failed batches held for the reports since the previous one (taken out).
    pub(crate) fn take_report(&self) -> DeliveryReport {
        let mut state = lock(&self.state);
        let failed_batches: Vec<FailedBatch> = mem::take(&mut state.for_report).into();
        let taken: u64 = failed_batches.iter().map(|b| line_bytes(&b.events)).sum();
        state.report.held_failed_bytes = state.report.held_failed_bytes.saturating_sub(taken);
        self.snapshot(&state.report, failed_batches)
    }

    /// Counts only, with no failed batches.
    pub(crate) fn counts(&self) -> DeliveryReport {
        let state = lock(&self.state);
        self.snapshot(&state.report, Vec::new())
    }

    fn snapshot(
        &self,
        report: &DeliveryReport,
        failed_batches: Vec<FailedBatch>,
    ) -> DeliveryReport {
        DeliveryReport {
            accepted: self.accepted.load(Ordering::SeqCst),
            buffered_bytes: self.buffered.load(Ordering::SeqCst),
            failed_batches,
            failed_by_reason: report.failed_by_reason.clone(),
            ..*report
        }
    }

    pub(crate) fn update(&self, change: impl FnOnce(&mut DeliveryReport)) {
        change(&mut lock(&self.state).report);
    }

    /// Counts `count` events of `bytes` as sent.
    pub(crate) fn sent(&self, count: u64, bytes: u64) {
        self.update(|report| report.sent += count);
        self.settled(bytes);
    }

    /// Counts `events` as failed and hands them back (to the receiver, else to the next report), releasing the
    /// oldest held batches if the bound is passed.
    ///
    /// Nothing here runs code outside this crate until the batch is counted and stored: the `tracing` events (a
    /// subscriber is the caller's code, and may panic) come last, and are skipped while the thread is already
    /// unwinding (a second panic would abort the process).
    pub(crate) fn fail(&self, events: Vec<EncodedEvent>, reason: FailureReason) {
        let count = events.len() as u64;
        let bytes = line_bytes(&events);
        let label = reason.label();
        let message = reason.to_string();
        let batch = FailedBatch { events, reason };
        let released = {
            let mut state = lock(&self.state);
            // Counted together with being stored, so `sent + failed` never runs behind what a receiver has seen.
            state.report.failed += count;
            *state.report.failed_by_reason.entry(label).or_default() += count;
            state.report.held_failed_bytes += bytes;
            if state.receiver.is_some() {
                state.for_receiver.push_back(batch);
            } else {
                state.for_report.push_back(batch);
            }
            self.release_beyond_bound(&mut state)
        };
        self.settled(bytes);
        self.arrived.notify_waiters();
        if !std::thread::panicking() {
            tracing::warn!(events = count, reason = %message, "bronto ingestion: events failed");
            if released.0 > 0 {
                tracing::error!(
                    events = released.0,
                    batches = released.1,
                    max_failed_bytes = self.max_failed_bytes,
                    "bronto ingestion: failed batches over the bound released (counted as overflowed)"
                );
            }
        }
    }

    /// Releases the oldest held batches (those for the reports are older than the receiver's) until the held
    /// bytes are within the bound; returns the events and batches released.
    fn release_beyond_bound(&self, state: &mut State) -> (u64, u64) {
        let (mut events, mut batches) = (0, 0);
        while state.report.held_failed_bytes > self.max_failed_bytes {
            let oldest = match state.for_report.pop_front() {
                Some(batch) => Some(batch),
                None => state.for_receiver.pop_front(),
            };
            let Some(oldest) = oldest else {
                break;
            };
            let bytes = line_bytes(&oldest.events);
            state.report.held_failed_bytes = state.report.held_failed_bytes.saturating_sub(bytes);
            state.report.overflowed += oldest.events.len() as u64;
            state.report.overflowed_batches += 1;
            events += oldest.events.len() as u64;
            batches += 1;
        }
        (events, batches)
    }

    /// A new receiver's id, or `None` while one is alive. From now on failures are queued for it.
    pub(crate) fn new_receiver(&self) -> Option<u64> {
        let mut state = lock(&self.state);
        if state.receiver.is_some() {
            return None;
        }
        let id = state.next_receiver;
        state.next_receiver += 1;
        state.receiver = Some(id);
        Some(id)
    }

    /// The receiver `id` is gone: what it had not taken goes back to the reports, in order, and so do later
    /// failures.
    pub(crate) fn drop_receiver(&self, id: u64) {
        let mut state = lock(&self.state);
        if state.receiver == Some(id) {
            state.receiver = None;
            let left = mem::take(&mut state.for_receiver);
            state.for_report.extend(left);
        }
    }

    /// The next batch for receiver `id`: `Ok(None)` when none is waiting, `Err(())` when none will come (the
    /// dispatcher stopped, or the receiver was replaced).
    pub(crate) fn try_take(&self, id: u64) -> Result<Option<FailedBatch>, ()> {
        let mut state = lock(&self.state);
        if state.receiver != Some(id) {
            return Err(());
        }
        match state.for_receiver.pop_front() {
            Some(batch) => {
                let bytes = line_bytes(&batch.events);
                state.report.held_failed_bytes =
                    state.report.held_failed_bytes.saturating_sub(bytes);
                Ok(Some(batch))
            }
            None if state.stopped => Err(()),
            None => Ok(None),
        }
    }

    /// Waits for the next batch for receiver `id`; `None` once the ingestor has stopped and nothing is left.
    pub(crate) async fn recv(&self, id: u64) -> Option<FailedBatch> {
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            // Registered before looking, so a batch stored in between wakes it.
            arrived.as_mut().enable();
            match self.try_take(id) {
                Ok(Some(batch)) => return Some(batch),
                Ok(None) => arrived.await,
                Err(()) => return None,
            }
        }
    }

    /// The dispatcher is done (after its last failures were stored): waiting receivers see the end.
    pub(crate) fn stop(&self) {
        lock(&self.state).stopped = true;
        self.arrived.notify_waiters();
    }

    /// Failed batches held for the reports.
    pub(crate) fn held_failures(&self) -> usize {
        lock(&self.state).for_report.len()
    }

    /// Stops every retry: batches waiting or in flight fail as [`FailureReason::Abandoned`], and later ones
    /// without an attempt.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
        self.abandon.notify_waiters();
    }

    /// Completes once [`Shared::abandon`] was called (at once if it already was).
    pub(crate) async fn abandoned(&self) {
        loop {
            let woken = self.abandon.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.abandoned.load(Ordering::SeqCst) {
                return;
            }
            woken.await;
        }
    }
}

//! [`LayerReport`]: what became of every event the layer saw.

use std::collections::BTreeMap;
use std::fmt;

/// Counts since the layer was built. Every event the layer saw ends as sent, failed or dropped:
/// `emitted + notices == sent + failed + dropped + pending`, and after a [`crate::Guard::shutdown`] that finished
/// in time, `pending == 0`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerReport {
    /// Events the layer encoded (or refused) on calling threads.
    pub emitted: u64,
    /// The layer's own events that report drops (one per burst of drops, once there is room again). They are
    /// sent like any other event, so `sent` and `failed` include them.
    pub notices: u64,
    /// Events handed to the ingestor (`bronto-ingest`'s `accepted`).
    pub accepted: u64,
    /// Events the server acknowledged.
    pub sent: u64,
    /// Events that failed for good, counted by reason in [`LayerReport::failed_by_reason`] (the ingestor's
    /// accounting: rejected, retries exhausted, interrupted, ...).
    pub failed: u64,
    /// Events dropped before the ingestor: the sum of the four `dropped_*` counts.
    pub dropped: u64,
    /// Dropped because the queue was full (its bound in bytes).
    pub dropped_full: u64,
    /// Dropped because the guard had shut the layer down.
    pub dropped_closed: u64,
    /// Dropped because they were emitted by a field's `Debug` while another event was being encoded.
    pub dropped_reentrant: u64,
    /// Dropped because the ingestor refused them (a line larger than a batch).
    pub dropped_invalid: u64,
    /// Failed events by reason (`"status 400"`, `"retries exhausted"`, `"interrupted"`, ...).
    pub failed_by_reason: BTreeMap<String, u64>,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Bytes charged against the queue's bound now (queued lines and lines the ingestor has not settled).
    pub queued_bytes: u64,
    /// `true` once the worker has stopped.
    pub finished: bool,
}

impl LayerReport {
    /// Events neither sent, failed nor dropped yet (queued, or in flight).
    pub fn pending(&self) -> u64 {
        (self.emitted + self.notices).saturating_sub(self.sent + self.failed + self.dropped)
    }
}

/// `emitted 1000, sent 990, failed 0, dropped 10 (full 10), pending 0; 1 notices, 4 requests`.
impl fmt::Display for LayerReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "emitted {}, sent {}, failed {}",
            self.emitted, self.sent, self.failed
        )?;
        if !self.failed_by_reason.is_empty() {
            let reasons: Vec<String> = self
                .failed_by_reason
                .iter()
                .map(|(reason, count)| format!("{reason} {count}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        write!(f, ", dropped {}", self.dropped)?;
        if self.dropped > 0 {
            let parts: Vec<String> = [
                ("full", self.dropped_full),
                ("closed", self.dropped_closed),
                ("reentrant", self.dropped_reentrant),
                ("refused", self.dropped_invalid),
            ]
            .iter()
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        write!(
            f,
            ", pending {}; {} notices, {} requests",
            self.pending(),
            self.notices,
            self.requests
        )
    }
}

//! What happened to accepted events: [`DeliveryReport`], and the events handed back ([`FailedBatch`]).

use std::collections::BTreeMap;

use crate::EncodedEvent;

/// Events that could not be delivered, handed back with the reason. Nothing is dropped silently: every accepted
/// event is either acknowledged by the server (counted in [`DeliveryReport::sent`]), or comes back in one of these,
/// or, when more failed than [`crate::IngestConfig::max_failed_bytes`] holds, is counted in
/// [`DeliveryReport::overflowed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedBatch {
    /// The events, exactly as they were sent, in the order they were accepted.
    pub events: Vec<EncodedEvent>,
    /// Why they failed.
    pub reason: FailureReason,
}

/// Why a batch of events failed for good.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureReason {
    /// A permanent error status (400 malformed, 401/403 credentials, 404 ...): retrying the same body would not
    /// help.
    #[error("rejected with status {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 512 bytes).
        message: String,
    },
    /// The batch's schedule gave it up: every attempt failed with a retryable error (429, 408, 5xx, connection
    /// errors), and its attempts ran out or its next attempt would have started after its retry deadline
    /// ([`crate::IngestConfig::retry_deadline`]).
    #[error("gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last error (a status or a connection error).
        last: String,
    },
    /// A single event was refused with `413 Payload Too Large`, so splitting could not help.
    #[error("a single event of {size} bytes was refused as too large (413)")]
    TooLarge {
        /// The event's NDJSON line size in bytes.
        size: usize,
    },
    /// The request body could not be built (a bug; the events are handed back all the same).
    #[error("internal error: {0}")]
    Internal(String),
    /// Delivery stopped before the events were settled: the task carrying them panicked (in a `tracing`
    /// subscriber, say), or the tokio runtime shut down under it. The server may or may not have received them.
    #[error(
        "delivery was interrupted (a panic, or the runtime shutting down) before the events were settled"
    )]
    Interrupted,
    /// [`crate::Ingestor::close_within`] ran out of time while the batch was waiting to be retried or in flight
    /// (or before it was sent): delivery was stopped. The server may have received an attempt in flight.
    #[error("delivery was abandoned at shutdown after {attempts} attempts; last error: {last}")]
    Abandoned {
        /// Attempts made (a request cut short counts as none).
        attempts: u32,
        /// The last error, or `no attempt was made`.
        last: String,
    },
}

impl FailureReason {
    /// A short label for counting: the status for [`FailureReason::Rejected`] (`"status 400"`), else
    /// `"retries exhausted"`, `"too large"`, `"internal"`, `"interrupted"` or `"abandoned"`.
    pub fn label(&self) -> String {
        match self {
            FailureReason::Rejected { status, .. } => format!("status {status}"),
            FailureReason::RetriesExhausted { .. } => "retries exhausted".to_string(),
            FailureReason::TooLarge { .. } => "too large".to_string(),
            FailureReason::Internal(_) => "internal".to_string(),
            FailureReason::Interrupted => "interrupted".to_string(),
            FailureReason::Abandoned { .. } => "abandoned".to_string(),
        }
    }
}

/// Counts since the ingestor started, and the failed batches handed back since the previous report.
///
/// After [`crate::Ingestor::close`], `sent + failed == accepted`, exactly, and every failed event was either
/// handed back in a [`FailedBatch`] (in a report or through [`crate::Ingestor::failures`]) or released by the
/// failed-batch bound and counted in `overflowed` (`overflowed <= failed`). After
/// [`crate::Ingestor::flush`], every event accepted before the flush is counted in `sent` or `failed`; events
/// accepted concurrently by other handles may still be [`DeliveryReport::pending`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Events accepted by `send`, `try_send` or `resend`.
    pub accepted: u64,
    /// Events acknowledged by the server (2xx).
    pub sent: u64,
    /// Events handed back as failed (in [`DeliveryReport::failed_batches`] or through
    /// [`crate::Ingestor::failures`]).
    pub failed: u64,
    /// Event retransmissions: each retry of a request adds the number of events it carries.
    pub retried: u64,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Requests retried after a retryable failure.
    pub retried_requests: u64,
    /// Batches split in two after a `413`.
    pub split_batches: u64,
    /// Failed events by [`FailureReason::label`].
    pub failed_by_reason: BTreeMap<String, u64>,
    /// Failed events that were released, not handed back, because the failed batches held
    /// (for the reports and a [`crate::Ingestor::failures`] receiver together) passed
    /// [`crate::IngestConfig::max_failed_bytes`]: the oldest batches go first. Included in `failed` and in
    /// `failed_by_reason`.
    pub overflowed: u64,
    /// Failed batches released by the bound (see `overflowed`).
    pub overflowed_batches: u64,
    /// Retries that waited for the server's `Retry-After` (or `RateLimit-Reset` with the window spent).
    pub server_waits: u64,
    /// Right now: NDJSON bytes (each event's line and newline) of accepted events not settled yet: queued, in
    /// the open batch, in flight or waiting to be retried. Bounded by the queue, the batch limits and the
    /// requests in flight.
    pub buffered_bytes: u64,
    /// Right now: NDJSON bytes of the failed batches held for the reports and a receiver; at most
    /// [`crate::IngestConfig::max_failed_bytes`]. A report's own `failed_batches` are no longer counted here.
    pub held_failed_bytes: u64,
    /// Failed batches handed back since the previous report, unless a [`crate::Ingestor::failures`] receiver
    /// takes them (batches a receiver still held when it was dropped come back here).
    pub failed_batches: Vec<FailedBatch>,
}

/// One line a person can read:
/// `accepted 1000, sent 998, failed 2 (status 400 2), pending 0; 5 requests, 1 retried, 0 split`, with
/// `; 3 overflowed` appended when the failed-batch bound released events.
impl std::fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "accepted {}, sent {}, failed {}",
            self.accepted, self.sent, self.failed
        )?;
        if !self.failed_by_reason.is_empty() {
            let reasons: Vec<String> = self
                .failed_by_reason
                .iter()
                .map(|(reason, count)| format!("{reason} {count}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        write!(
            f,
            ", pending {}; {} requests, {} retried, {} split",
            self.pending(),
            self.requests,
            self.retried_requests,
            self.split_batches
        )?;
        if self.overflowed > 0 {
            write!(f, "; {} overflowed", self.overflowed)?;
        }
        Ok(())
    }
}

impl DeliveryReport {
    /// Accepted events neither acknowledged nor failed yet.
    pub fn pending(&self) -> u64 {
        self.accepted.saturating_sub(self.sent + self.failed)
    }
}

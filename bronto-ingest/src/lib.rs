//! Ingestion into Bronto: batched, compressed, back-pressured, and nothing lost silently.
//!
//! Bronto's ingestion endpoint (`POST https://ingestion.{region}.bronto.io/`) takes newline-delimited JSON, one
//! event a line, at most 10 MiB a request. An [`Ingestor`] takes events one at a time and does the rest in a
//! background task:
//!
//! * **Events** ([`Event`]): a JSON object with a string `message`, built field by field or from any
//!   `Serialize` value. An event without a message, or too large for any request, is refused at `send` with a
//!   typed [`EventError`]; a `timestamp` (RFC 3339, UTC) is added when missing. Each event is serialized once.
//! * **Batches**: closed by uncompressed bytes ([`IngestConfig::max_batch_bytes`], at most
//!   [`MAX_REQUEST_BYTES`]), by count ([`IngestConfig::max_batch_events`]) or after a linger time
//!   ([`IngestConfig::linger`]). Bodies are built once per batch and compressed with gzip (default), zstd or not
//!   at all; the compressed size is checked too (see [`Compression`]).
//! * **Backpressure**: at most [`IngestConfig::max_in_flight`] requests at once and a bounded queue
//!   ([`IngestConfig::queue_capacity`]); [`Ingestor::send`] waits when the queue is full, [`Ingestor::try_send`]
//!   gives the event back. A batch waiting to be retried keeps its request slot, so a throttled or unavailable
//!   server slows the producer instead of filling memory: what is buffered stays within the queue, one open
//!   batch (and the event beside it) and the batches in flight ([`DeliveryReport::buffered_bytes`] counts it).
//! * **Delivery**, on ingestion's own retry schedule (not the API calls' [`RetryPolicy`] loop, and no share of
//!   their retry budget): 429, 408, 5xx (not 501/505) and connection errors are retried with a backoff of
//!   200 ms doubling up to 30 s, each delay plus a random jitter of up to as much again; a server's
//!   `Retry-After` (seconds or an HTTP date; `RateLimit-Reset` when the window is spent) is honoured up to
//!   [`DEFAULT_MAX_SERVER_WAIT`], 5 minutes ([`IngestConfig::max_server_wait`]; the wait is the longer of the
//!   hint and the backoff, and a longer hint is clamped); a batch is retried without an attempt limit until its
//!   next attempt would start more than [`DEFAULT_RETRY_DEADLINE`], 10 minutes, after its first
//!   ([`IngestConfig::retry_deadline`], [`IngestConfig::retry_policy`] for attempts and backoff) and then fails
//!   as [`FailureReason::RetriesExhausted`] with the last error. A `413` splits the batch in halves that are sent
//!   on their own; a permanent error (400, 401, ...) hands the events back at once. Every failure comes back in
//!   a [`FailedBatch`] with its [`FailureReason`].
//! * **Failed batches are bounded**: those not handed back yet (held for the next report, or for a
//!   [`Ingestor::failures`] receiver that has not taken them) are kept up to [`DEFAULT_MAX_FAILED_BYTES`],
//!   16 MiB of NDJSON ([`IngestConfig::max_failed_bytes`]); beyond it the oldest are released and counted in
//!   [`DeliveryReport::overflowed`] (and logged), never silently and never without bound.
//! * **Accounting**: [`Ingestor::flush`] and [`Ingestor::close`] wait until every accepted event is acknowledged
//!   or failed, and return a [`DeliveryReport`] (sent, failed, overflowed, retried, by reason). After `close`,
//!   `sent + failed == accepted`, exactly, and every failed event was handed back or counted as overflowed: also
//!   when a task panics (a `tracing` subscriber is the caller's code) or the runtime shuts down under it (those
//!   events fail as [`FailureReason::Interrupted`]), when a [`Ingestor::failures`] receiver is dropped with
//!   batches in it (they go back to the reports), and when [`Ingestor::close_within`] stops waiting retries at
//!   a shutdown deadline ([`FailureReason::Abandoned`]).
//!
//! The API key travels in `x-bronto-api-key` (marked sensitive), only to the configured host; no error, report or
//! `Debug` output contains it.
//!
//! ```no_run
//! use bronto_ingest::{Credential, Event, IngestConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ingestor = IngestConfig::region("eu")
//!     .credential(Credential::api_key(std::env::var("BRONTO_INGEST_KEY")?))
//!     .dataset("checkout")
//!     .collection("payments")
//!     .tag("env", "prod")
//!     .build()?;
//!
//! // Clones share one queue; `send` waits when it is full.
//! ingestor.send(Event::new("payment accepted").field("amount_cents", 1299)).await?;
//!
//! #[derive(serde::Serialize)]
//! struct Refund<'a> { message: &'a str, order: u64 }
//! ingestor.send(Event::from_serialize(&Refund { message: "refund issued", order: 7 })?).await?;
//!
//! // Within a shutdown grace period: retries still waiting after 10 s fail as abandoned.
//! let report = ingestor.close_within(std::time::Duration::from_secs(10)).await;
//! assert_eq!(report.sent + report.failed, report.accepted);
//! for batch in &report.failed_batches {
//!     eprintln!("{} events failed: {}", batch.events.len(), batch.reason);
//!     // batch.events holds the exact NDJSON lines: write them to a dead-letter file, or `resend` them.
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod accounting;
mod body;
mod config;
mod error;
mod event;
mod failures;
mod ingestor;
mod line;
mod report;
mod retry;
mod worker;

pub use client_runtime::{Credential, RetryPolicy};
pub use config::{
    Compression, ConfigError, DEFAULT_MAX_FAILED_BYTES, DEFAULT_MAX_SERVER_WAIT,
    DEFAULT_RETRY_DEADLINE, IngestConfig, MAX_REQUEST_BYTES,
};
pub use error::{IngestError, SendError, TrySendError};
pub use event::{EncodedEvent, Event, EventError};
pub use failures::{Failures, TryRecvError};
pub use ingestor::Ingestor;
pub use report::{DeliveryReport, FailedBatch, FailureReason};

/// What only this workspace's own crates call (serde's `__private` convention): not part of the public API, no
/// semver promise, hidden from the docs.
#[doc(hidden)]
pub mod __private {
    use crate::EncodedEvent;

    /// A line written by an encoder that produces valid lines by construction (`bronto-tracing`'s: one compact
    /// JSON object, a string `message`, a `timestamp`, no raw line break), taken as it is, without the full
    /// parse of [`EncodedEvent::from_line`] on the way to the ingestor. The encoder's own tests prove the
    /// construction (a property test over arbitrary field values reads every line back with `from_line`), and
    /// debug builds run the check here as well. A line that broke the rule anyway would be refused by the
    /// server and come back as a failed batch: counted, never silently lost.
    pub fn trusted_line(line: String) -> EncodedEvent {
        EncodedEvent::trusted(line)
    }
}

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
//!   gives the event back.
//! * **Delivery**: 429, 408, 5xx (not 501/505) and connection errors are retried with exponential backoff and
//!   jitter ([`RetryPolicy`]), honouring `Retry-After`; a `413` splits the batch in halves that are sent on
//!   their own; a permanent error (400, 401, ...) or exhausted retries hand the events back in a
//!   [`FailedBatch`] with its [`FailureReason`].
//! * **Accounting**: [`Ingestor::flush`] and [`Ingestor::close`] wait until every accepted event is acknowledged
//!   or handed back, and return a [`DeliveryReport`] (sent, failed, retried, by reason). After `close`,
//!   `sent + failed == accepted`, exactly: also when a task panics (a `tracing` subscriber is the caller's code)
//!   or the runtime shuts down under it (those events fail as [`FailureReason::Interrupted`]), and also when a
//!   [`Ingestor::failures`] receiver is dropped with batches in it (they go back to the reports).
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
//! let report = ingestor.close().await;
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

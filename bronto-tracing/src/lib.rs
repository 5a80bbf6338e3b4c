//! A service's own logs into Bronto: a [`tracing_subscriber::Layer`] on top of `bronto-ingest`.
//!
//! ```no_run
//! use std::time::Duration;
//! use bronto_ingest::IngestConfig;
//! use bronto_tracing::LayerBuilder;
//! use tracing_subscriber::layer::SubscriberExt as _;
//! use tracing_subscriber::util::SubscriberInitExt as _;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ingest = IngestConfig::region("eu")
//!     .api_key(std::env::var("BRONTO_INGEST_KEY")?)
//!     .dataset("checkout")
//!     .collection("payments");
//! let (layer, guard) = LayerBuilder::new(ingest)
//!     .service("checkout", env!("CARGO_PKG_VERSION"))
//!     .environment("prod")
//!     .build()?;
//! tracing_subscriber::registry().with(layer).init();
//! guard.install_panic_hook(Duration::from_secs(2));
//!
//! let span = tracing::info_span!("request", request_id = "r-7", method = "POST");
//! let _entered = span.enter();
//! tracing::info!(order = 42_u64, amount_cents = 1299, "payment accepted");
//!
//! let report = guard.shutdown(Duration::from_secs(5));
//! assert_eq!(report.emitted + report.notices, report.sent + report.failed + report.dropped + report.pending());
//! # Ok(()) }
//! ```
//!
//! # What the calling thread does, and what it never does
//! Each event is encoded on the calling thread into one JSON line and pushed onto a lock-free queue bounded in
//! bytes ([`LayerBuilder::queue_bytes`], [`DEFAULT_QUEUE_BYTES`] by default; each event is charged the memory of
//! its line plus 64 bytes until the server acknowledges it). No lock, no system call, and the worker is not woken per event
//! (it wakes every 100 ms, and once when the queue passes half its bound). A full queue drops the event and
//! counts it ([`LayerReport::dropped_full`]); once there is room again, the worker ships one `WARN` event with
//! target `bronto_tracing` and fields `dropped` and `dropped_total` ([`LayerReport::notices`]).
//!
//! The worker is an OS thread of its own with its own single-threaded tokio runtime, where the
//! `bronto_ingest::Ingestor` is built: the layer works from a plain sync `main`, on a `current_thread` runtime,
//! in `#[tokio::test]`, and after the application's runtime has shut down. It never uses the application's
//! runtime (no `Handle::current()`, no `block_on` on it).
//!
//! Nothing the shipper does is shipped: events and spans recorded on the worker thread and its runtime's
//! blocking threads (reqwest, hyper, h2, rustls, `bronto-ingest`, `client-runtime`, this crate) are ignored by
//! every Bronto layer of the process. A field whose `Debug` or `Display` panics is written as
//! `"<formatting this value panicked>"`; the service carries on.
//!
//! # Shutdown and accounting
//! [`Guard::flush`] and [`Guard::shutdown`] (and their `_async` forms) wait at most their timeout and return a
//! [`LayerReport`]: `emitted + notices == sent + failed + dropped + pending`, exactly, with `pending == 0` after a
//! shutdown that finished in time. `failed` is `bronto-ingest`'s accounting (a rejected batch, exhausted retries,
//! interrupted delivery), by reason in [`LayerReport::failed_by_reason`]; failed batches are not kept (memory
//! stays within the bound during an outage). Dropping the guard shuts down with a bounded wait and never panics.
//! `std::process::exit` runs no destructor: call [`Guard::shutdown`] first. With `panic = "abort"` the panic hook
//! ([`Guard::install_panic_hook`]) still runs before the abort, so the panic is shipped and flushed; without it,
//! events still queued at the abort are lost.
//!
//! # The encoding, rule by rule
//! One JSON object per event (Bronto's NDJSON ingestion), for example:
//!
//! ```text
//! {"timestamp":"2026-12-02T07:21:09.512Z","level":"INFO","target":"checkout::pay","file":"src/pay.rs","line":42,
//!  "span.request.request_id":"r-7","span.request.method":"POST","span.charge.attempt":2,"spans":"request>charge",
//!  "service.name":"checkout","service.version":"1.4.0","service.environment":"prod","host.name":"web-3",
//!  "order":42,"amount_cents":1299,"big":"340282366920938463463374607431768211455","ratio":0.25,"ok":true,
//!  "error":"card declined","error.sources.0":"issuer said no","message":"payment failed"}
//! ```
//! (keys reach the wire as the layer writes them, each once: its own keys, the spans' fields root to leaf,
//! `spans`, the service identity, then the event's fields in the callsite's order; the line is sent as it is,
//! with no second encoding and no second parse: a property test proves every line valid, debug builds check it.)
//!
//! 1. **`message`**: the event's message (`info!("...")`), always a string; an event without one gets its
//!    callsite name (`event src/pay.rs:42`), since Bronto requires a message.
//! 2. **`timestamp`**: when the event was encoded, RFC 3339 in UTC with milliseconds and `Z`
//!    (`2026-12-02T07:21:09.512Z`): the form Bronto indexes as event time (a `+00:00` offset with microseconds
//!    was observed not to be).
//! 3. **`level`** (`TRACE` ... `ERROR`), **`target`**; **`file`** and **`line`** (on by default),
//!    **`module_path`** and **`thread`** (off by default), see [`LayerBuilder`]. Events from the `log` crate
//!    (through `tracing_log::LogTracer`) carry the `log` record's own target, file and line; their `log.*`
//!    fields are not repeated.
//! 4. **Typed fields**: booleans are JSON booleans; every `i64`/`u64` is a JSON number written digit by digit
//!    (exact: `u64::MAX` arrives as `18446744073709551615`, never through a float); an `i128`/`u128` within the
//!    64-bit range is a number, beyond it a **string of its decimal digits** (JSON parsers, Bronto's included,
//!    read larger numbers as floats and would round them); floats are numbers in their shortest exact form,
//!    `NaN`, `inf` and `-inf` (not JSON numbers) the strings `"NaN"`, `"inf"`, `"-inf"`; `&str` is a string;
//!    `Debug` values (`?x`) and `Display` values (`%x`) are their text.
//! 5. **Errors** (`error = &e as &dyn Error`): the field is the error's `Display`, and its source chain follows
//!    as `<field>.sources.0`, `<field>.sources.1`, ... (nearest first, at most 32).
//! 6. **Spans**: each enclosing span's fields as `span.<span name>.<field>`, root to leaf, and `spans`: the span
//!    names root to leaf joined by `>` (`request>charge`). Search a span field as any other key
//!    (`"span.request.request_id" = 'r-7'`), and the path with `spans LIKE '%charge%'`. A field recorded later
//!    (`span.record`) replaces its value; when two enclosing spans have the same name and field, the innermost
//!    wins.
//! 7. **Collisions**: span fields live under `span.`, so an event field and a span field never share a key. The
//!    layer's own keys (`timestamp`, `level`, `target`, `module_path`, `file`, `line`, `thread`, `spans`,
//!    `trace_id`, `span_id`, `service.name`, `service.version`, `service.environment`, `host.name`) always
//!    hold the layer's values: an event field with one of those names, or starting with `span.` or `fields.`,
//!    is written as `fields.<name>` instead.
//! 8. **Dotted keys**: nested values are written as flat dotted keys (`span.request.method`,
//!    `error.sources.0`, `service.name`), the form Bronto flattens nested JSON into, so every value is
//!    searchable by the key shown here. A field named with dots (`info!(http.method = "GET")`) keeps its name.
//! 9. **Trace context** (feature `otlp`): inside a span that `tracing-opentelemetry` tracks, `trace_id` (32
//!    lowercase hex digits) and `span_id` (16), the ids OpenTelemetry exports, so a log line leads to its trace
//!    in Bronto ([`LayerBuilder::with_trace_ids`]). The other way round, `otlp::TraceContext` sends the
//!    current trace with every API call as W3C `traceparent`.
//! 10. **Service identity**: `service.name`, `service.version`, `service.environment`, `host.name` on every
//!     event, from [`LayerBuilder::service`], [`LayerBuilder::environment`], [`LayerBuilder::host`]; dataset,
//!     collection and `x-bronto-tags` come from the `IngestConfig`.
//!
//! # Composing
//! The layer is an ordinary `Layer`: filter it with `with_filter` (`tracing_subscriber::filter::Targets`,
//! `LevelFilter`, `EnvFilter`), stack it beside `fmt`, or install two of them with different configurations to
//! send different events to two datasets (each has its own queue and worker).
//!
//! # `log` crate users
//! Install `tracing_log::LogTracer::init()` once; `log::info!` records then reach the layer like `tracing`
//! events, with their own target, file and line.

#![deny(missing_docs)]

mod builder;
mod encode;
mod feedback;
mod guard;
mod json;
mod layer;
#[cfg(feature = "otlp")]
pub mod otlp;
mod panic_hook;
mod queue;
mod report;
mod worker;

pub use builder::{BuildError, DEFAULT_QUEUE_BYTES, LayerBuilder};
pub use guard::Guard;
pub use layer::BrontoLayer;
pub use report::LayerReport;

/// `LayerBuilder::new(ingest)`.
pub fn layer(ingest: bronto_ingest::IngestConfig) -> LayerBuilder {
    LayerBuilder::new(ingest)
}

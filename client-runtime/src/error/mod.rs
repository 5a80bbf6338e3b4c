//! [`Error`]: one error type for every call through the runtime (the facade's `sdk::Error`), keeping what the server
//! said. Services build their own for tests with [`Error::new`] and its builder methods.
//!
//! Where each part lives: `kind.rs` holds what kind of failure an error is ([`ErrorKind`], [`TimeLimit`]);
//! `builder.rs` the type itself and the builder methods the runtime and services fill it with; `accessors.rs` what
//! callers read back (status, correlation id, headers, body, the `is_*` predicates); `report.rs` its `Display` and
//! `Debug`; `response.rs` what is read of a response (the rate-limit state, the bounded body); `decode.rs` where a
//! body failed to decode; `from_progenitor.rs` the mapping from a generated client's error.

mod accessors;
mod builder;
mod decode;
mod from_progenitor;
mod kind;
mod report;
mod response;

pub use builder::Error;
pub use decode::{DecodeFailure, decode_json};
pub use from_progenitor::{from_progenitor, root_cause, transport_kind};
pub use kind::{ErrorKind, TimeLimit};
pub(crate) use response::read_at_most;
pub use response::{RateLimit, read_bounded};

/// The most of an error body kept in an [`Error`]; the rest is dropped (and [`Error::body_truncated`] says so).
pub const MAX_ERROR_BODY: usize = 16 * 1024;

/// The most of an error body read: enough for the vendor's fields (a correlation id before 40 KiB of details) to
/// be parsed from it, bounded so that an endless or 1 GiB error body is never read to its end. Of what is read,
/// [`MAX_ERROR_BODY`] bytes are kept.
pub const MAX_ERROR_READ: usize = 1024 * 1024;

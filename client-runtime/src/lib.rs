//! The runtime policy shared by the generated clients of this workspace.
//!
//! progenitor's `ClientHooks::exec` is the one middleware point of a generated client, and its impl has to live in
//! the crate that includes the generated code. Each client crate's impl is one line that calls
//! [`Runtime::execute`], which sends the request down an ordered [`stack`] of components (credential, retry,
//! rate governor, the caller's layers, in-flight slot, the caller's interceptors, attempt), implemented once,
//! here.
//!
//! ```
//! use client_runtime::{AuthScheme, Credential, Runtime};
//!
//! let runtime = Runtime::builder("https://api.eu.bronto.io")
//!     .credential(Credential::api_key("my-key"))
//!     .auth_scheme(AuthScheme::bronto())
//!     .build()
//!     .unwrap();
//! // The key never shows in Debug output.
//! assert!(!format!("{runtime:?}").contains("my-key"));
//! ```

#![deny(missing_docs)]

pub mod call;
mod credential;
pub mod error;
mod hooks;
mod http_client;
mod null_members;
mod options;
mod paging;
mod rate_headers;
mod retry;
mod runtime;
mod setters;
pub mod stack;
pub mod tls;
mod tolerant;

pub use credential::{AuthScheme, Credential};
pub use error::{Error, ErrorKind, MAX_ERROR_BODY, RateLimit, TimeLimit};
pub use hooks::RuntimeClient;
pub use http_client::{BaseUrl, BaseUrlError, is_region_slug};
pub use options::{CallRecord, InvalidHeader, RequestOptions, ResponseMeta, record};
pub use paging::PagingLimits;
pub use retry::{RetryPolicy, is_retryable_status, server_delay};
pub use runtime::{CredentialMode, Runtime, RuntimeBuilder, Timeouts};
pub use stack::governor::PacingPolicy;
pub use stack::interceptor::{AttemptOutcome, BeforeAttempt, Interceptor};

/// What only the generated code calls: the setters' conversions (the `plain_value_setters` pass), the response
/// policy's deserializers (its code half) and the operation note every `send()` makes first (`note_operations`).
/// Public so the generated clients reach them, hidden from the documentation (serde's convention): not part of the
/// API, and it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::null_members::NullMembers;
    pub use crate::options::note_operation;
    pub use crate::setters::{
        IntoOptional, IntoOptionalMember, IntoOptionalStrings, IntoStrings, form,
    };
    pub use crate::tolerant::{empty_as_none, null_as_default, number_or_numeric_string};
}

/// The longest duration handed to the HTTP client or the clock: a year. Longer settings (`Duration::MAX` for "no
/// limit") are saturated to it rather than overflowing an `Instant` (which panics).
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(365 * 86_400);

/// `duration`, at most [`LONGEST_WAIT`].
///
/// ```
/// use std::time::Duration;
/// assert_eq!(client_runtime::saturate(Duration::MAX), client_runtime::LONGEST_WAIT);
/// assert_eq!(client_runtime::saturate(Duration::from_secs(5)), Duration::from_secs(5));
/// ```
pub fn saturate(duration: std::time::Duration) -> std::time::Duration {
    duration.min(LONGEST_WAIT)
}

//! The runtime policy shared by the generated clients of this workspace.
//!
//! progenitor's `ClientHooks::exec` is the one middleware point of a generated client, and its impl has to live in
//! the crate that includes the generated code. Each client crate's impl is one line that calls
//! [`Runtime::execute`], so credentials, redirects, the user agent and tracing are implemented once, here.
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
mod options;
mod paging;
mod retry;
mod runtime;
pub mod tolerant;

pub use credential::{AuthScheme, Credential};
pub use error::{Error, ErrorKind, MAX_ERROR_BODY, RateLimit};
pub use hooks::RuntimeClient;
pub use http_client::{BaseUrl, BaseUrlError, is_region_slug};
pub use options::{
    CallRecord, InvalidHeader, RequestOptions, ResponseMeta, note_operation, record,
};
pub use paging::PagingLimits;
pub use retry::{RetryPolicy, is_retryable_status, server_delay};
pub use runtime::{CredentialMode, Runtime, RuntimeBuilder, Timeouts};

//! Typed async client for the [BluBracket](https://blubracket.com) Event and Alert API.
//!
//! BluBracket published prose docs only, so the OpenAPI document this client is generated from,
//! `openapi/blubracket.yaml`, is written by hand in this repository; every operation and schema in it says, in an
//! `x-evidence` extension, whether it is documented by the vendor or inferred (and from what). progenitor generates
//! the client from it at build time: each of its 9 operations is a method on [`Client`] returning a request builder,
//! and request and response types live in [`types`].
//!
//! ```no_run
//! use blubracket_client::{ClientConfig, KeyFile};
//! use blubracket_client::types::{Filter, FilterOperator, SearchRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The JSON or CSV file the console downloads (Settings > API Keys > Integration key).
//! let keys = KeyFile::load("blubracket-api-key.json")?;
//! let client = ClientConfig::from_tenant(keys.single()?).build()?;
//!
//! let request = SearchRequest::new([
//!     Filter::new("alert_type", ["REPO_SCAN_MATCH"]).with_op(FilterOperator::Eq).exact(true),
//! ])
//! .with_limit(100);
//! let page = client.search_alerts().body(request).send().await?.into_inner();
//! for alert in page.alerts() {
//!     println!("{:?} {:?} {:?}", alert.alert_id, alert.severity, alert.extra.get("status"));
//! }
//! # Ok(()) }
//! ```
//!
//! # Credentials
//! [`KeyFile`] reads the key file (JSON `{"api_keys": {"<tenant URL>": {"id", "key", "token"}}}`, one or many
//! tenants, or CSV with a header row) and picks a tenant by URL; [`TenantCredentials::from_env`] reads
//! `BLUBRACKET_HOST` and `BLUBRACKET_INTEGRATION_KEY`. The token is sent as `Authorization: Bearer`, only to the
//! tenant's host, and never appears in `Debug` output, logs or error messages.
//!
//! # Forward compatibility
//! The vendor never published an alert or event object, so every response object keeps the fields the document
//! does not model in a flattened `extra` map, every string enum has an `UnknownValue(String)` variant, and list
//! responses decode whether the server sends a bare array or an object wrapping it ([`types::AlertSearchResponse`]
//! and its siblings; `.alerts()` / `.into_alerts()` read either).
//!
//! # Timestamps
//! The API requires ISO 8601 timestamps with `Z` or `+00:00`. Generated types hold
//! `chrono::DateTime<chrono::Utc>`, which cannot be built without an offset and always serializes with one;
//! [`timestamp`] formats and parses filter values the same way.
//!
//! # Hand-written parts
//! Only what generation cannot provide: [`ClientConfig`] and the key-file and environment credentials
//! ([`key_file`]), the documented filter ids ([`filters`]), paging as a `futures::Stream` ([`paging`]), waiting for a commit scan ([`scan`]), small
//! constructors and accessors on the generated types ([`search`]), timestamp helpers ([`timestamp`]), and the
//! `ClientHooks` impl that routes every request through [`client_runtime::Runtime`]. The raw YAML upload of the
//! ignore rules *is* generated: the document declares it `text/plain` (progenitor 0.15 generates raw request
//! bodies for `text/plain` and `application/octet-stream` only, not `application/yaml`), and the YAML is sent byte
//! for byte, like the vendor's documented `curl --data-binary`.

#![deny(missing_docs)]

mod config;
pub mod filters;
mod hooks;
pub mod key_file;
pub mod paging;
pub mod scan;
pub mod search;
pub mod timestamp;

/// The code progenitor generates from the document; never edited by hand.
#[allow(
    missing_docs,
    unreachable_pub,
    unused,
    unused_comparisons,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_rust_codeblocks
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/blubracket.rs"));
}

pub use client_runtime::PagingLimits;
pub use client_runtime::{Credential, Runtime};
pub use config::{ClientConfig, ConfigError, RETRY_SAFE_POSTS};
pub use generated::*;
pub use key_file::{CredentialsError, KeyFile, TenantCredentials};
pub use paging::{DEFAULT_PAGE_SIZE, ItemStream, PageError, PageStream};
pub use scan::{ScanPolling, ScanWaitError};

/// The API-surface summary generated from the current document (compare with `openapi/blubracket-api-surface.txt`).
pub const API_SURFACE: &str = include_str!(concat!(env!("OUT_DIR"), "/blubracket-api-surface.txt"));

//! Typed async client for the [Bronto](https://bronto.io) log-management API.
//!
//! The client is generated at build time by progenitor from the vendor's own OpenAPI document, vendored byte for
//! byte under `openapi/bronto/` and corrected by the recorded patches and live corrections beside it. Every one of
//! the document's 127 operations, and the 3 the live service serves beyond it, is a method on [`Client`] returning a
//! builder whose `call()` sends it under the runtime policy; request and response types live in [`types`], and
//! derive `serde` and `schemars::JsonSchema`. [`operations::ALL`] lists every operation with a decoder of its
//! success body.
//!
//! # Builder interface
//! Each method returns a request builder: set the parameters you need, then `.call().await` (the typed body or a
//! `client_runtime::Error` naming the operation), or `.send().await` for progenitor's own `ResponseValue` and
//! error. The builder style
//! was chosen over positional arguments because the vendor's document changes under us: when an operation gains
//! an optional parameter, builder calls keep compiling, while positional calls would all break.
//!
//! ```no_run
//! use bronto_client::{ClientConfig, Region};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = ClientConfig::new(Region::Eu).api_key("my-api-key").build()?;
//! let keys = client.list_api_keys().call().await?;
//! for key in &keys.api_keys {
//!     println!("{:?}", key.name);
//! }
//! # Ok(()) }
//! ```
//!
//! # Forward compatibility
//! Responses decode even when the server is newer than the document: unknown fields are ignored, and every string
//! enum has an extra `UnknownValue(String)` variant that keeps a value the document does not list. And they decode
//! when the service differs from the document (the response policy, see `build-support`): every member of a
//! response type is optional, identifiers are opaque strings, and `""`, `null` and numeric strings decode as what
//! they mean.
//!
//! # Choosing what to compile
//! Each tag of the document is a cargo feature of the same name (`api-keys`, `search`, `exports`, `datasets`,
//! `monitors`, ...), and `all-tags` (the default) compiles the whole document. Without `all-tags`, only the
//! operations of the enabled tags are generated, with the types they reach; an operation listed under several tags
//! comes with any of them. A service that only lists API keys:
//!
//! ```toml
//! bronto-client = { version = "0.1", default-features = false, features = ["api-keys"] }
//! ```
//!
//! Features are additive: a type is generated the same whatever tags are enabled, so another crate of the build
//! enabling more tags never breaks code written against fewer. [`API_SURFACE`] and [`operations::ALL`] list what
//! was compiled.
//!
//! # Hand-written parts
//! Only what generation cannot provide: [`Region`] and [`ClientConfig`] (host, credentials) and the `ClientHooks`
//! impl that routes every request through [`client_runtime::Runtime`] (auth headers marked sensitive, no
//! cross-host redirects, a tracing span per request).

#![deny(missing_docs)]

mod config;
#[cfg(feature = "exports")]
mod dataset_lists;
mod hooks;
mod region;

/// The code progenitor generates from the patched document; never edited by hand.
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
    include!(concat!(env!("OUT_DIR"), "/bronto.rs"));
}

pub use client_runtime::{Credential, RequestOptions, Runtime};
pub use config::{ClientConfig, ConfigError, RETRY_SAFE_POSTS};
pub use generated::*;
pub use region::{Region, RegionError};

/// The API-surface summary generated from the current document (compare with `openapi/bronto/api-surface.txt`).
pub const API_SURFACE: &str = include_str!(concat!(env!("OUT_DIR"), "/bronto-api-surface.txt"));

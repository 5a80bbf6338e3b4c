//! [`Bronto`]: the Bronto client under the SDK's policy, with typed errors, its workflows and a raw escape hatch.
//!
//! One module per workflow, under `bronto/`: `paging.rs` (every page of a search as a stream), `async_search.rs`
//! (an asynchronous search as one awaited call), `export.rs` (create, wait, download), and `raw.rs` (the escape hatch for endpoints the document does not declare).

#[cfg(feature = "bronto-search")]
mod async_search;
#[cfg(feature = "bronto-exports")]
mod export;
#[cfg(feature = "bronto-search")]
mod paging;
mod raw;

#[cfg(feature = "bronto-search")]
pub use async_search::{AsyncSearch, AsyncSearchOptions};
#[cfg(feature = "bronto-exports")]
pub use export::{ExportData, ExportOptions, ExportOutcome, ExportProgress};

crate::call::vendor_handle!(
    /// The Bronto API under the SDK's runtime policy: every operation of the document, the workflows, and a raw
    /// escape hatch.
    ///
    /// **Operations.** The handle dereferences to the generated [`bronto_client::Client`], so each of its operations
    /// is a method here (listed below under "Methods from `Deref`"): a typed builder whose `call()` sends it under
    /// the runtime policy and answers with the typed response or an [`Error`](crate::Error). Request bodies have builders too
    /// (`sdk::bronto_api::types::CreateApiKeyRequest::builder()`). The operations compiled are those of the enabled
    /// `bronto-<tag>` features: every one by default (see "Choosing what to compile" in the crate docs).
    ///
    /// **Workflows.** With the `bronto-search` feature, [`search_pages`](Self::search_pages) (every page of a
    /// search, exactly once), [`search_events`](Self::search_events) (their events one by one),
    /// [`search_async`](Self::search_async) / [`submit_search`](Self::submit_search) (asynchronous searches); with
    /// `bronto-exports`, [`export_to`](Self::export_to) (create, wait, download, decompress); always,
    /// [`get`](Self::get) / [`post`](Self::post) / [`raw`](Self::raw) for endpoints the vendor serves but does not
    /// declare. Ingestion is [`Sdk::ingestion`](crate::Sdk::ingestion) (feature `ingest`).
    ///
    /// **Per-call context.** [`with`](Self::with) gives a handle carrying a tenant's credential, a deadline or
    /// headers.
    ///
    /// ```no_run
    /// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
    /// use sdk::bronto_api::types::CreateApiKeyRequest;
    /// let bronto = sdk.bronto()?;
    /// let keys = bronto.list_api_keys().call().await?;
    /// println!("{} keys", keys.api_keys.len());
    /// let created = bronto
    ///     .create_api_key()
    ///     .body(CreateApiKeyRequest::builder().name("ci-reader").roles(["SearchApi"]))
    ///     .call()
    ///     .await?;
    /// // An endpoint the vendor serves but does not declare, through the same auth, retries and errors:
    /// let raw: serde_json::Value = bronto.get("/undocumented/thing").await?;
    /// # let _ = (created, raw); Ok(()) }
    /// ```
    Bronto,
    bronto_client::Client
);

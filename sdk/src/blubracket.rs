//! [`BluBracket`]: the BluBracket client under the SDK's policy, with typed errors and paged streams.
//!
//! One module per workflow, under `blubracket/`, as for Bronto: `pages.rs` (alerts, events and audit records,
//! page after page) and `scan.rs` (a CI commit scan: start, wait, resume by id).

mod pages;
mod scan;

pub use scan::{CommitScan, ScanOptions};

crate::call::vendor_handle!(
    /// The BluBracket API under the SDK's runtime policy: every operation of our hand-written document, and paged
    /// streams of alerts, events and audit records.
    ///
    /// **Operations.** The handle dereferences to the generated [`blubracket_client::Client`], so each operation is
    /// a method here (listed below under "Methods from `Deref`"), a typed builder whose `call()` answers with the
    /// typed body or an [`Error`](crate::Error).
    ///
    /// **Workflows.** [`alerts`](Self::alerts), [`events`](Self::events) and
    /// [`audit_records`](Self::audit_records) stream every item page after page;
    /// [`alert_pages`](Self::alert_pages), [`event_pages`](Self::event_pages) and
    /// [`audit_pages`](Self::audit_pages) give one `Vec` per page; [`start_scan`](Self::start_scan) starts a CI
    /// commit scan and [`CommitScan::wait`] polls it to its result ([`commit_scan`](Self::commit_scan) resumes one
    /// by id). Filter ids are in
    /// [`blubracket_api::filters`](crate::blubracket_api::filters).
    ///
    /// ```no_run
    /// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
    /// use futures::TryStreamExt as _;
    /// use sdk::blubracket_api::filters::{FilterId, values};
    /// use sdk::blubracket_api::types::{Filter, SearchRequest};
    /// let blubracket = sdk.blubracket()?;
    /// let request = SearchRequest::new([
    ///     Filter::new(FilterId::State, [values::ACTIVE]),
    ///     Filter::new(FilterId::AlertType, [values::REPO_SCAN_MATCH]),
    /// ])
    /// .with_limit(100);
    /// let alerts: Vec<_> = blubracket.alerts(request).try_collect().await?;
    /// # let _ = alerts; Ok(()) }
    /// ```
    BluBracket,
    blubracket_client::Client
);

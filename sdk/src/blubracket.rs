//! [`BluBracket`]: the BluBracket client under the SDK's policy, with typed errors and paged streams.

use blubracket_client::PageError;
use blubracket_client::types::{Alert, AuditRecord, Event, SearchRequest};
use client_runtime::PagingLimits;
use futures::{Stream, StreamExt as _};

use client_runtime::error::{self, Error, ErrorKind};

/// The BluBracket API under the SDK's runtime policy.
///
/// It dereferences to the generated [`blubracket_client::Client`]; run a builder's `send()` through
/// [`Api::call`](crate::Api::call) for the typed body or an [`Error`], or page through alerts and events as streams:
///
/// ```no_run
/// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
/// use futures::TryStreamExt as _;
/// use sdk::blubracket_api::types::{Filter, SearchRequest};
/// let blubracket = sdk.blubracket()?;
/// let request = SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(100);
/// let alerts: Vec<_> = blubracket.alerts(request).try_collect().await?;
/// # let _ = alerts; Ok(()) }
/// ```
pub type BluBracket = crate::call::Api<blubracket_client::Client>;

impl BluBracket {
    /// Every alert matching `request`, page after page (the same filters and the handle's options on every page)
    /// until the service's empty page; see [`blubracket_client::paging`] for how the stream stays exact and
    /// always ends.
    pub fn alerts(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<Alert, Error>> + Send + use<> {
        self.alerts_with(request, PagingLimits::default())
    }

    /// [`BluBracket::alerts`] within other caps.
    pub fn alerts_with(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<Alert, Error>> + Send + use<> {
        flatten(self.client.alert_pages(request, limits), "search_alerts")
    }

    /// The pages of alerts matching `request`, one `Vec` per page.
    pub fn alert_pages(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<Vec<Alert>, Error>> + Send + use<> {
        pages(self.client.alert_pages(request, limits), "search_alerts")
    }

    /// Every event matching `request`, page after page.
    pub fn events(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + use<> {
        self.events_with(request, PagingLimits::default())
    }

    /// [`BluBracket::events`] within other caps.
    pub fn events_with(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + use<> {
        flatten(self.client.event_pages(request, limits), "search_events")
    }

    /// Every system-audit record matching `request`, page after page.
    pub fn audit_records(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<AuditRecord, Error>> + Send + use<> {
        self.audit_records_with(request, PagingLimits::default())
    }

    /// [`BluBracket::audit_records`] within other caps.
    pub fn audit_records_with(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<AuditRecord, Error>> + Send + use<> {
        flatten(
            self.client.audit_pages(request, limits),
            "search_system_audit",
        )
    }
}

/// A page stream's items, with errors mapped to [`Error`] naming `operation`.
fn flatten<T: Send + 'static>(
    pages: blubracket_client::PageStream<T>,
    operation: &'static str,
) -> impl Stream<Item = Result<T, Error>> + Send + use<T> {
    use futures::TryStreamExt as _;
    self::pages(pages, operation)
        .map_ok(|page| futures::stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
}

/// A page stream with errors mapped to [`Error`] naming `operation`.
fn pages<T: Send + 'static>(
    pages: blubracket_client::PageStream<T>,
    operation: &'static str,
) -> impl Stream<Item = Result<Vec<T>, Error>> + Send + use<T> {
    pages.then(move |page| async move {
        match page {
            Ok(items) => Ok(items),
            Err(PageError::Call(error)) => {
                let record = client_runtime::CallRecord {
                    operation_id: Some(operation),
                    ..Default::default()
                };
                Err(error::from_progenitor(error, record, |_| None).await)
            }
            Err(paging @ PageError::Paging { .. }) => Err(Error::new(ErrorKind::Paging)
                .operation(operation)
                .message(paging.to_string())),
        }
    })
}

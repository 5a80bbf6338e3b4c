//! BluBracket's paged searches under the SDK's errors: alerts, events and system-audit records item by item or page
//! by page, the same filters on every page (the paging itself is [`blubracket_client::paging`]'s).

use blubracket_client::PageError;
use blubracket_client::types::{Alert, AuditRecord, Event, SearchRequest};
use client_runtime::PagingLimits;
use futures::{Stream, StreamExt as _};

use client_runtime::error::{self, Error, ErrorKind};

use super::BluBracket;

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

    /// The pages of events matching `request`, one `Vec` per page.
    pub fn event_pages(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<Vec<Event>, Error>> + Send + use<> {
        pages(self.client.event_pages(request, limits), "search_events")
    }

    /// The pages of system-audit records matching `request`, one `Vec` per page.
    pub fn audit_pages(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<Vec<AuditRecord>, Error>> + Send + use<> {
        pages(
            self.client.audit_pages(request, limits),
            "search_system_audit",
        )
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

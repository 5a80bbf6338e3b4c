//! Paging as a `futures::Stream`: alerts, events and audit records, page after page.
//!
//! The search operations page with a 1-based `page` and a `limit`, with no cursor and no total. A stream sends the
//! same request (filters, sort, limit) with `page` = 1, 2, 3, ... and stops after a page shorter than the limit
//! (or empty). An error ends the stream: it is the last item.
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use blubracket_client::types::{Filter, SearchRequest};
//!
//! # async fn run(client: blubracket_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let request = SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(200);
//! let mut alerts = client.alert_stream(request);
//! while let Some(alert) = alerts.try_next().await? {
//!     println!("{:?}", alert.alert_id);
//! }
//! # Ok(()) }
//! ```

use std::num::NonZeroU32;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};

use crate::generated::{Client, Error};
use crate::types::{Alert, AuditRecord, ErrorMessage, Event, SearchRequest};

/// The page size used when the request sets no `limit`.
pub const DEFAULT_PAGE_SIZE: NonZeroU32 = match NonZeroU32::new(100) {
    Some(size) => size,
    None => NonZeroU32::MIN,
};

/// A stream of pages.
pub type PageStream<T> = BoxStream<'static, Result<Vec<T>, Error<ErrorMessage>>>;

/// A stream of items across pages.
pub type ItemStream<T> = BoxStream<'static, Result<T, Error<ErrorMessage>>>;

type Fetch<T> =
    fn(Client, SearchRequest) -> BoxFuture<'static, Result<Vec<T>, Error<ErrorMessage>>>;

impl Client {
    /// Every alert matching `request`, across pages (see the [module docs](self)).
    pub fn alert_stream(&self, request: SearchRequest) -> ItemStream<Alert> {
        items(self.alert_pages(request))
    }

    /// The pages of alerts matching `request`.
    pub fn alert_pages(&self, request: SearchRequest) -> PageStream<Alert> {
        pages(self.clone(), request, |client, request| {
            Box::pin(async move {
                let page = client.search_alerts().body(request).send().await?;
                Ok(page.into_inner().into_alerts())
            })
        })
    }

    /// Every event matching `request`, across pages.
    pub fn event_stream(&self, request: SearchRequest) -> ItemStream<Event> {
        items(self.event_pages(request))
    }

    /// The pages of events matching `request`.
    pub fn event_pages(&self, request: SearchRequest) -> PageStream<Event> {
        pages(self.clone(), request, |client, request| {
            Box::pin(async move {
                let page = client.search_events().body(request).send().await?;
                Ok(page.into_inner().into_events())
            })
        })
    }

    /// Every system-audit record matching `request`, across pages.
    pub fn audit_stream(&self, request: SearchRequest) -> ItemStream<AuditRecord> {
        items(self.audit_pages(request))
    }

    /// The pages of system-audit records matching `request`.
    pub fn audit_pages(&self, request: SearchRequest) -> PageStream<AuditRecord> {
        pages(self.clone(), request, |client, request| {
            Box::pin(async move {
                let page = client.search_system_audit().body(request).send().await?;
                Ok(page.into_inner().into_records())
            })
        })
    }
}

/// Pages from `request.page` (default 1) on, `request.limit` (default [`DEFAULT_PAGE_SIZE`]) items each.
fn pages<T: Send + 'static>(
    client: Client,
    mut request: SearchRequest,
    fetch: Fetch<T>,
) -> PageStream<T> {
    let limit = *request.limit.get_or_insert(DEFAULT_PAGE_SIZE);
    request.page.get_or_insert(NonZeroU32::MIN);
    stream::try_unfold(Some(request), move |state| {
        let client = client.clone();
        async move {
            let Some(request) = state else {
                return Ok(None);
            };
            let next_page = request.page.and_then(|page| page.checked_add(1));
            let items = fetch(client, request.clone()).await?;
            if items.is_empty() {
                return Ok(None);
            }
            let full = u32::try_from(items.len()).is_ok_and(|len| len >= limit.get());
            let next = match next_page {
                Some(page) if full => Some(SearchRequest {
                    page: Some(page),
                    ..request
                }),
                _ => None,
            };
            Ok(Some((items, next)))
        }
    })
    .boxed()
}

fn items<T: Send + 'static>(pages: PageStream<T>) -> ItemStream<T> {
    pages
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

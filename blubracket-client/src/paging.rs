//! Paging as a `futures::Stream`: alerts, events and audit records, page after page.
//!
//! The search operations page with a 1-based `page` and a `limit`, with no cursor and no total, and the largest
//! page the service serves is not documented. A stream sends the same request (filters, sort, limit) with
//! `page` = 1, 2, 3, ... and ends at the service's own signal, an **empty page**: a short page does not end it (a
//! service that caps pages below the limit asked for would otherwise lose every page after the first, silently).
//! It never runs forever or repeats itself: a page larger than the limit (the service ignores `limit`), a page
//! equal to the one before (the service ignores `page`), or the [`PagingLimits`] cap (default 10,000 pages,
//! 1,000,000 items) ends it with a [`PageError::Paging`]. An error ends the stream: it is the last item.
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

use client_runtime::PagingLimits;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};

use crate::generated::{Client, Error};
use crate::types::{Alert, AuditRecord, ErrorMessage, Event, SearchRequest};

/// Why a paged stream ended early.
#[derive(Debug)]
pub enum PageError {
    /// A page's call failed.
    Call(Error<ErrorMessage>),
    /// The service's paging did not let the stream go on exactly (see the [module docs](self)); the items of the
    /// pages before were delivered.
    Paging {
        /// The page that could not be taken.
        page: u32,
        /// What went wrong.
        problem: String,
    },
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Call(error) => write!(f, "{error}"),
            PageError::Paging { page, problem } => {
                write!(f, "paging stopped at page {page}: {problem}")
            }
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PageError::Call(error) => Some(error),
            PageError::Paging { .. } => None,
        }
    }
}

impl From<Error<ErrorMessage>> for PageError {
    fn from(error: Error<ErrorMessage>) -> Self {
        PageError::Call(error)
    }
}

/// The page size used when the request sets no `limit`.
pub const DEFAULT_PAGE_SIZE: NonZeroU32 = match NonZeroU32::new(100) {
    Some(size) => size,
    None => NonZeroU32::MIN,
};

/// A stream of pages.
pub type PageStream<T> = BoxStream<'static, Result<Vec<T>, PageError>>;

/// A stream of items across pages.
pub type ItemStream<T> = BoxStream<'static, Result<T, PageError>>;

type Fetch<T> =
    fn(Client, SearchRequest) -> BoxFuture<'static, Result<Vec<T>, Error<ErrorMessage>>>;

impl Client {
    /// Every alert matching `request`, across pages (see the [module docs](self)).
    pub fn alert_stream(&self, request: SearchRequest) -> ItemStream<Alert> {
        items(self.alert_pages(request, PagingLimits::default()))
    }

    /// The pages of alerts matching `request`, within `limits`.
    pub fn alert_pages(&self, request: SearchRequest, limits: PagingLimits) -> PageStream<Alert> {
        pages(self.clone(), request, limits, |client, request| {
            Box::pin(async move {
                let page = client.search_alerts().body(request).send().await?;
                Ok(page.into_inner().into_alerts())
            })
        })
    }

    /// Every event matching `request`, across pages.
    pub fn event_stream(&self, request: SearchRequest) -> ItemStream<Event> {
        items(self.event_pages(request, PagingLimits::default()))
    }

    /// The pages of events matching `request`, within `limits`.
    pub fn event_pages(&self, request: SearchRequest, limits: PagingLimits) -> PageStream<Event> {
        pages(self.clone(), request, limits, |client, request| {
            Box::pin(async move {
                let page = client.search_events().body(request).send().await?;
                Ok(page.into_inner().into_events())
            })
        })
    }

    /// Every system-audit record matching `request`, across pages.
    pub fn audit_stream(&self, request: SearchRequest) -> ItemStream<AuditRecord> {
        items(self.audit_pages(request, PagingLimits::default()))
    }

    /// The pages of system-audit records matching `request`, within `limits`.
    pub fn audit_pages(
        &self,
        request: SearchRequest,
        limits: PagingLimits,
    ) -> PageStream<AuditRecord> {
        pages(self.clone(), request, limits, |client, request| {
            Box::pin(async move {
                let page = client.search_system_audit().body(request).send().await?;
                Ok(page.into_inner().into_records())
            })
        })
    }
}

/// Where a paged stream stands.
struct Paging {
    client: Client,
    request: Option<SearchRequest>,
    limit: NonZeroU32,
    limits: PagingLimits,
    pages: u64,
    items: u64,
    previous: Option<String>,
    /// The error the stream ends with after the page it just delivered.
    stop: Option<PageError>,
}

/// Pages from `request.page` (default 1) on, `request.limit` (default [`DEFAULT_PAGE_SIZE`]) items each, until an
/// empty page (see the [module docs](self)).
fn pages<T: serde::Serialize + Send + 'static>(
    client: Client,
    mut request: SearchRequest,
    limits: PagingLimits,
    fetch: Fetch<T>,
) -> PageStream<T> {
    let limit = *request.limit.get_or_insert(DEFAULT_PAGE_SIZE);
    request.page.get_or_insert(NonZeroU32::MIN);
    let state = Paging {
        client,
        request: Some(request),
        limit,
        limits,
        pages: 0,
        items: 0,
        previous: None,
        stop: None,
    };
    stream::try_unfold(state, move |mut state| async move {
        if let Some(error) = state.stop.take() {
            return Err(error);
        }
        let Some(request) = state.request.take() else {
            return Ok(None);
        };
        let page = request.page.map_or(1, NonZeroU32::get);
        let stop = |problem: String| PageError::Paging { page, problem };
        let items = fetch(state.client.clone(), request.clone()).await?;
        if items.is_empty() {
            return Ok(None);
        }
        state.pages += 1;
        state.items += items.len() as u64;
        if items.len() as u64 > u64::from(state.limit.get()) {
            return Err(stop(format!(
                "{} items, more than the limit of {} asked for (the service ignores `limit`)",
                items.len(),
                state.limit
            )));
        }
        let fingerprint = serde_json::to_string(&items).unwrap_or_default();
        if state.previous.as_deref() == Some(fingerprint.as_str()) {
            return Err(stop(
                "the same items as the page before (the service ignores `page`)".into(),
            ));
        }
        state.previous = Some(fingerprint);
        let next = request.page.and_then(|page| page.checked_add(1));
        match (next, state.limits.exceeded(state.pages, state.items)) {
            // This page is delivered; the stream ends with the error instead of fetching the next one.
            (Some(next), Some(problem)) => {
                state.stop = Some(PageError::Paging {
                    page: next.get(),
                    problem,
                })
            }
            (Some(next), None) => {
                state.request = Some(SearchRequest {
                    page: Some(next),
                    ..request
                })
            }
            (None, _) => state.stop = Some(stop("the page number ran out".into())),
        }
        Ok(Some((items, state)))
    })
    .boxed()
}

fn items<T: Send + 'static>(pages: PageStream<T>) -> ItemStream<T> {
    pages
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

//! Bronto search workflows: every page of a search as a stream, and asynchronous searches as one awaited call.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use client_runtime::PagingLimits;

use bronto_client::types::{
    CreateSearchRequest, Event, PostSearchResponse, PostSearchResponseStatus,
    SearchCompletedLinksAsyncEnabled,
};
use futures::Stream;

use crate::bronto::Bronto;
use client_runtime::{Error, ErrorKind};

/// The `href` of the link with relation `rel` in a search answer's `links`.
///
/// The document types each link as an `anyOf` of four link shapes, which typify renders as a struct of four
/// flattened options; serde hands the fields to whichever comes first. Reading the links back as plain JSON finds
/// the relation wherever it landed.
pub(crate) fn link(links: Option<&SearchCompletedLinksAsyncEnabled>, rel: &str) -> Option<String> {
    let value = serde_json::to_value(links?).ok()?;
    value.as_array()?.iter().find_map(|item| {
        (item.get("rel")?.as_str()? == rel)
            .then(|| item.get("href")?.as_str().map(str::to_string))
            .flatten()
    })
}

/// The value of query parameter `name` in `href` (absolute URL or path).
fn query_value(href: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(href)
        .or_else(|_| reqwest::Url::parse("http://placeholder.invalid")?.join(href))
        .ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Where a paged search stands.
struct SearchPaging {
    bronto: Bronto,
    request: Option<CreateSearchRequest>,
    followed: BTreeSet<String>,
    previous: Option<String>,
    pages: u64,
    items: u64,
    limits: PagingLimits,
    /// The error the stream ends with after the page it just delivered.
    stop: Option<Error>,
}

/// The request for the page `href` links to, or why there is none to follow.
fn next_request(
    state: &mut SearchPaging,
    mut request: CreateSearchRequest,
    href: &str,
) -> Result<CreateSearchRequest, String> {
    if let Some(problem) = state.limits.exceeded(state.pages, state.items) {
        return Err(problem);
    }
    let Some(token) =
        query_value(href, "pagination_token").filter(|token| !token.trim().is_empty())
    else {
        return Err(format!(
            "its next link has no pagination_token: {}",
            without_query(href)
        ));
    };
    if !state.followed.insert(token.clone()) {
        return Err("its next link repeats a pagination token already followed".into());
    }
    request.pagination_token = Some(
        token
            .parse()
            .map_err(|_| "its next link's pagination_token is not a token this API issues")?,
    );
    if let Some(per_page) = query_value(href, "per_page") {
        request.per_page = Some(per_page.parse().map_err(|_| {
            format!("its next link's per_page `{per_page}` is not a positive number")
        })?);
    }
    Ok(request)
}

/// A link for an error message: its query may carry a token, so it is left out.
fn without_query(href: &str) -> &str {
    href.split(['?', '#']).next().unwrap_or_default()
}

/// Options of an asynchronous search.
#[derive(Debug, Clone, Copy)]
pub struct AsyncSearchOptions {
    /// The first wait between status polls when the server gives no `Retry-After` (default 1 s); each later wait
    /// is 1.5 times the one before, up to 15 s ([`PollSchedule::search`](crate::PollSchedule::search)). The
    /// service cancels a search that is not polled for a minute, so a longer `Retry-After` is capped at 50 s.
    pub poll_interval: Duration,
    /// Give up (and cancel the search) after this long (default 10 minutes).
    pub deadline: Duration,
}

impl Default for AsyncSearchOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            deadline: Duration::from_secs(600),
        }
    }
}

/// The longest wait between two polls: the service cancels a search (as `TIMED_OUT`) that is not polled at least
/// once a minute.
const MAX_POLL_WAIT: Duration = Duration::from_secs(50);

/// The id at the end of a `rel=status` link (`.../search/status/{statusId}`).
fn status_id(href: &str) -> Option<String> {
    let path = href.split(['?', '#']).next()?;
    let (_, id) = path.trim_end_matches('/').rsplit_once("/status/")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

/// A submitted asynchronous search. [`AsyncSearch::wait`] polls it to the end with the typed status operation
/// (`getSearchStatus`); dropping it (or the `wait` future) before the end cancels it on the server
/// (`deleteSearchStatus`).
#[derive(Debug)]
pub struct AsyncSearch {
    bronto: Bronto,
    status_id: Option<String>,
    done: Option<PostSearchResponse>,
}

impl AsyncSearch {
    /// The id the search is polled with (`None` when the server answered at once).
    pub fn status_id(&self) -> Option<&str> {
        self.status_id.as_deref()
    }

    /// Polls until the search completes, honouring `Retry-After`, and returns its result. `on_poll` is called
    /// after each "still running" answer with the number of polls so far.
    ///
    /// A `410` (the results expired before they were read) is an [`ErrorKind::ResultsExpired`] error; a search the
    /// service ended as `TIMED_OUT`, `CANCELLED_BY_USER` or `INTERNAL_SERVER_ERROR` is an
    /// [`ErrorKind::SearchFailed`] error.
    pub async fn wait(
        mut self,
        options: AsyncSearchOptions,
        mut on_poll: impl FnMut(u32),
    ) -> Result<PostSearchResponse, Error> {
        if let Some(done) = self.done.take() {
            return ended(done);
        }
        let Some(mut id) = self.status_id.clone() else {
            return Err(Error::new(ErrorKind::Decode)
                .during("search: wait")
                .operation("post_search")
                .message("the running search's answer has no rel=status link"));
        };
        let started = Instant::now();
        let mut polls = 0;
        let cap = crate::PollSchedule::search().cap();
        let mut waits = crate::PollSchedule::new(options.poll_interval, 1.5, cap).waits();
        loop {
            let response = self
                .bronto
                .call_response(self.bronto.get_search_status().status_id(&id).send())
                .await
                .map_err(|error| {
                    if error.status().map(|s| s.as_u16()) == Some(410) {
                        // Gone: nothing left to cancel.
                        self.status_id = None;
                        error.with_kind(ErrorKind::ResultsExpired)
                    } else {
                        error
                    }
                    .during("search: wait")
                })?;
            if response.status().as_u16() != 202 {
                // Done: the search is no longer cancellable, so the drop guard has nothing to do.
                self.status_id = None;
                return ended(response.into_inner());
            }
            polls += 1;
            on_poll(polls);
            // A "still running" answer may point to a new status link: follow it (and cancel that one on drop).
            if let Some(next) = link(response.links.as_ref(), "status")
                .as_deref()
                .and_then(status_id)
                .filter(|next| *next != id)
            {
                id = next;
                self.status_id = Some(id.clone());
            }
            let scheduled = waits.next().unwrap_or(options.poll_interval);
            let wait = client_runtime::server_delay(response.headers())
                .unwrap_or(scheduled)
                .min(MAX_POLL_WAIT);
            if started.elapsed().saturating_add(wait) > options.deadline {
                return Err(Error::new(ErrorKind::PollTimeout)
                    .during("search: wait")
                    .operation("get_search_status")
                    .message(format!(
                        "the search was still running after {:?}; it was cancelled",
                        options.deadline
                    )));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Cancels the search on the server.
    pub async fn cancel(mut self) -> Result<(), Error> {
        match self.status_id.take() {
            Some(id) => cancel(&self.bronto, &id).await,
            None => Ok(()),
        }
    }
}

async fn cancel(bronto: &Bronto, id: &str) -> Result<(), Error> {
    bronto
        .call(bronto.delete_search_status().status_id(id).send())
        .await
}

/// A finished search's answer, or the error its `status` reports.
fn ended(answer: PostSearchResponse) -> Result<PostSearchResponse, Error> {
    match &answer.status {
        Some(
            status @ (PostSearchResponseStatus::TimedOut
            | PostSearchResponseStatus::CancelledByUser
            | PostSearchResponseStatus::InternalServerError),
        ) => Err(Error::new(ErrorKind::SearchFailed)
            .operation("get_search_status")
            .message(format!("the search ended as {status}"))),
        _ => Ok(answer),
    }
}

impl Drop for AsyncSearch {
    fn drop(&mut self) {
        if let Some(id) = self.status_id.take()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            let bronto = self.bronto.clone();
            handle.spawn(async move {
                if let Err(error) = cancel(&bronto, &id).await {
                    tracing::warn!(%error, "cancelling an abandoned asynchronous search failed");
                }
            });
        }
    }
}

impl Bronto {
    /// Every page of a search, as a stream: `POST /search` with `request`, then the same request again with the
    /// `pagination_token` of each page's `rel=next` link, until a page has no such link. Every filter of
    /// `request` is sent on every page, with the handle's options (credential, deadline, headers).
    ///
    /// The stream is exact and always ends: a short page does not end it (only the absence of a `next` link
    /// does); a `next` link without a usable token, a token already followed, a page that repeats the previous
    /// page's events, or a page larger than the `per_page` asked for ends it with an [`ErrorKind::Paging`] error;
    /// and it stops with that error at the [`PagingLimits`] cap (default 10,000 pages, 1,000,000 events; see
    /// [`Bronto::search_pages_with`]).
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
    /// use futures::TryStreamExt as _;
    /// use sdk::bronto_api::types::CreateSearchRequest;
    /// let request = CreateSearchRequest::builder()
    ///     .from(vec!["my-dataset".to_string()])
    ///     .select(["@raw"])
    ///     .where_("level = 'error'")
    ///     .time_range("Last 1 hour");
    /// let pages: Vec<_> = bronto.search_pages(request.try_into()?).try_collect().await?;
    /// # let _ = pages; Ok(()) }
    /// ```
    pub fn search_pages(
        &self,
        request: CreateSearchRequest,
    ) -> impl Stream<Item = Result<PostSearchResponse, Error>> + Send + 'static {
        self.search_pages_with(request, PagingLimits::default())
    }

    /// [`Bronto::search_pages`] with other caps.
    pub fn search_pages_with(
        &self,
        request: CreateSearchRequest,
        limits: PagingLimits,
    ) -> impl Stream<Item = Result<PostSearchResponse, Error>> + Send + 'static {
        let state = SearchPaging {
            bronto: self.clone(),
            request: Some(request),
            followed: BTreeSet::new(),
            previous: None,
            pages: 0,
            items: 0,
            limits,
            stop: None,
        };
        futures::stream::try_unfold(state, |mut state| async move {
            if let Some(error) = state.stop.take() {
                return Err(error);
            }
            let Some(request) = state.request.take() else {
                return Ok(None);
            };
            state.pages += 1;
            let page_number = state.pages;
            let page = state
                .bronto
                .call(state.bronto.post_search().body(request.clone()).send())
                .await
                .map_err(|e| e.during(format!("search: page {page_number}")))?;
            state.items += page.events.len() as u64;
            let paging = move |problem: String| {
                Error::new(ErrorKind::Paging)
                    .operation("post_search")
                    .message(format!("page {page_number}: {problem}"))
            };
            if let Some(asked) = request.per_page
                && page.events.len() as u64 > asked.get()
            {
                return Err(paging(format!(
                    "{} events, more than the {asked} per page asked for (the server ignores per_page)",
                    page.events.len()
                )));
            }
            let fingerprint = serde_json::to_string(&page.events).unwrap_or_default();
            if !page.events.is_empty() && state.previous.as_deref() == Some(fingerprint.as_str()) {
                return Err(paging(
                    "the same events as the page before (the server ignores the pagination token)"
                        .into(),
                ));
            }
            state.previous = Some(fingerprint);
            if let Some(href) = link(page.links.as_ref(), "next") {
                // This page is good; what is wrong with its next link ends the stream after it.
                match next_request(&mut state, request, &href) {
                    Ok(next) => state.request = Some(next),
                    Err(problem) => state.stop = Some(paging(problem)),
                }
            }
            Ok(Some((page, state)))
        })
    }

    /// The events of every page of a search, one by one (see [`Bronto::search_pages`]).
    pub fn search_events(
        &self,
        request: CreateSearchRequest,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + 'static {
        use futures::{StreamExt as _, TryStreamExt as _};
        self.search_pages(request)
            .map_ok(|page| futures::stream::iter(page.events.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Submits `request` as an asynchronous search (`async_enabled: true`). The server answers at once
    /// (`200`/`201`) or later (`202` with a `rel=status` link); see [`AsyncSearch::wait`].
    pub async fn submit_search(
        &self,
        mut request: CreateSearchRequest,
    ) -> Result<AsyncSearch, Error> {
        request.async_enabled = Some(true);
        // A submit starts a search: sent twice (after a 504, say), it would start two. It is retried only when
        // the server certainly did nothing (a 429, a connection that never opened).
        let once = self.with(client_runtime::RequestOptions::new().retry_safe(false));
        let response = once
            .call_response(once.post_search().body(request).send())
            .await
            .map_err(|e| e.during("search: submit"))?;
        let running = response.status().as_u16() == 202;
        let answer = response.into_inner();
        if !running {
            return Ok(AsyncSearch {
                bronto: self.clone(),
                status_id: None,
                done: Some(answer),
            });
        }
        let status_id = link(answer.links.as_ref(), "status")
            .as_deref()
            .and_then(status_id)
            .ok_or_else(|| {
                Error::new(ErrorKind::Decode)
                    .during("search: submit")
                    .operation("post_search")
                    .message("a 202 answer without a rel=status link ending in /search/status/{statusId}")
            })?;
        Ok(AsyncSearch {
            bronto: self.clone(),
            status_id: Some(status_id),
            done: None,
        })
    }

    /// Submits an asynchronous search and waits for its result (cancelled on the server if this future is
    /// dropped first).
    pub async fn search_async(
        &self,
        request: CreateSearchRequest,
        options: AsyncSearchOptions,
    ) -> Result<PostSearchResponse, Error> {
        self.submit_search(request)
            .await?
            .wait(options, |_| {})
            .await
    }
}

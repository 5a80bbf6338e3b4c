//! Bronto search workflows: every page of a search as a stream, and asynchronous searches as one awaited call.

use std::time::{Duration, Instant};

use bronto_client::types::{
    CreateSearchRequest, Event, PostSearchResponse, PostSearchResponseStatus,
    SearchCompletedLinksAsyncEnabled,
};
use futures::Stream;

use crate::bronto::Bronto;
use crate::error::{Error, ErrorKind};

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

/// Options of an asynchronous search.
#[derive(Debug, Clone, Copy)]
pub struct AsyncSearchOptions {
    /// Wait between status polls when the server gives no `Retry-After` (default 1 s). The service cancels a
    /// search that is not polled for a minute, so a longer `Retry-After` is capped at 50 s.
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
                .operation("postSearch")
                .message("the running search's answer has no rel=status link"));
        };
        let started = Instant::now();
        let mut polls = 0;
        loop {
            let response = self
                .bronto
                .call_response(
                    crate::RequestOptions::new(),
                    self.bronto.get_search_status().status_id(&id).send(),
                )
                .await
                .map_err(|error| {
                    if error.status().map(|s| s.as_u16()) == Some(410) {
                        // Gone: nothing left to cancel.
                        self.status_id = None;
                        error.with_kind(ErrorKind::ResultsExpired)
                    } else {
                        error
                    }
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
            let wait = client_runtime::server_delay(response.headers())
                .unwrap_or(options.poll_interval)
                .min(MAX_POLL_WAIT);
            if started.elapsed() + wait > options.deadline {
                return Err(Error::new(ErrorKind::PollTimeout)
                    .operation("getSearchStatus")
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
            .operation("getSearchStatus")
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
    /// `request` is sent on every page.
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
    /// use futures::TryStreamExt as _;
    /// let request = serde_json::from_value(serde_json::json!({
    ///     "from": ["my-dataset"], "select": ["@raw"], "where": "level = 'error'", "time_range": "Last 1 hour",
    /// })).expect("a valid search");
    /// let pages: Vec<_> = bronto.search_pages(request).try_collect().await?;
    /// # let _ = pages; Ok(()) }
    /// ```
    pub fn search_pages(
        &self,
        request: CreateSearchRequest,
    ) -> impl Stream<Item = Result<PostSearchResponse, Error>> + '_ {
        futures::stream::try_unfold(Some(request), move |state| async move {
            let Some(request) = state else {
                return Ok(None);
            };
            let page = self
                .call(self.post_search().body(request.clone()).send())
                .await?;
            let next = link(page.links.as_ref(), "next").and_then(|href| {
                let token = query_value(&href, "pagination_token")?;
                let mut next = request.clone();
                next.pagination_token = Some(token.parse().ok()?);
                if let Some(per_page) = query_value(&href, "per_page").and_then(|v| v.parse().ok())
                {
                    next.per_page = Some(per_page);
                }
                Some(next)
            });
            Ok(Some((page, next)))
        })
    }

    /// The events of every page of a search, one by one (see [`Bronto::search_pages`]).
    pub fn search_events(
        &self,
        request: CreateSearchRequest,
    ) -> impl Stream<Item = Result<Event, Error>> + '_ {
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
        request.async_enabled = true;
        let response = self
            .call_response(
                crate::RequestOptions::new(),
                self.post_search().body(request).send(),
            )
            .await?;
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
                    .operation("postSearch")
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

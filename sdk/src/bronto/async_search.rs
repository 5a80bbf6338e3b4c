//! Asynchronous search, [`Bronto::search_async`]: submitted once ([`Bronto::submit_search`]), then polled to its
//! end on the [`PollSchedule::search`](crate::PollSchedule::search) schedule ([`AsyncSearch::wait`]), and cancelled
//! on the server when dropped first.

use std::time::{Duration, Instant};

use bronto_client::types::{CreateSearchRequest, PostSearchResponse, PostSearchResponseStatus};

use super::paging::link;
use crate::bronto::Bronto;
use client_runtime::{Error, ErrorKind};

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

//! Paged search, [`Bronto::search_pages`]: every page of a search as a stream, following each page's `rel=next`
//! link with every filter of the request, exact and always ending; and [`Bronto::search_events`], their events.

use std::collections::BTreeSet;

use client_runtime::PagingLimits;

use bronto_client::types::{
    CreateSearchRequest, Event, PostSearchResponse, SearchCompletedLinksAsyncEnabled,
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
}

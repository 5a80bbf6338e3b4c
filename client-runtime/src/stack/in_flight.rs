//! Component 5, the in-flight slot: an attempt takes a slot of its tenant's share and one of the client's bound
//! before it is sent, and holds both until its response body has been read to the end (or the response is
//! dropped), so bodies still streaming count against the bound. The wait for a slot counts against the
//! operation's deadline; a call sleeping before a retry holds none.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use reqwest::ResponseBuilderExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::Service;

use super::{Attempt, AttemptFuture, AttemptService, always_ready};

#[derive(Clone)]
pub(super) struct Slot {
    pub(super) inner: AttemptService,
    pub(super) bound: Arc<Semaphore>,
}

type Permits = (OwnedSemaphorePermit, OwnedSemaphorePermit);

impl Service<Attempt> for Slot {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = AttemptFuture;

    always_ready!();

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let mut inner = self.inner.clone();
        let bound = self.bound.clone();
        Box::pin(async move {
            let share = attempt.call.tenant.slots.clone();
            let slots = async move {
                let share = share.acquire_owned().await.ok()?;
                let bound = bound.acquire_owned().await.ok()?;
                Some((share, bound))
            };
            let deadline = tokio::time::Instant::from_std(attempt.call.deadline);
            match tokio::time::timeout_at(deadline, slots).await {
                Ok(Some(permits)) => {
                    let response = inner.call(attempt).await?;
                    Ok(holding(response, permits))
                }
                // The deadline ran out in the queue: the attempt goes on with nothing left of its time, so the HTTP
                // client answers with its own timeout error before writing anything, as for any timeout.
                _ => inner.call(attempt).await,
            }
        })
    }
}

/// `response`, its body holding `permits` until it has been read or dropped.
fn holding(response: reqwest::Response, permits: Permits) -> reqwest::Response {
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    if body.is_end_stream() {
        return rebuild(parts, body, url);
    }
    let held = reqwest::Body::wrap(Held {
        inner: body,
        permits: Some(permits),
    });
    rebuild(parts, held, url)
}

fn rebuild(
    parts: http::response::Parts,
    body: reqwest::Body,
    url: reqwest::Url,
) -> reqwest::Response {
    // The URL travels in an extension only reqwest can write: a builder sets it, the rest is moved over.
    let mut built = http::Response::builder()
        .url(url)
        .body(body)
        .unwrap_or_else(|_| http::Response::new(reqwest::Body::from(Vec::new())));
    let extensions = std::mem::take(built.extensions_mut());
    *built.status_mut() = parts.status;
    *built.version_mut() = parts.version;
    *built.headers_mut() = parts.headers;
    *built.extensions_mut() = parts.extensions;
    built.extensions_mut().extend(extensions);
    reqwest::Response::from(built)
}

/// A body that releases its slots when read to its end, when it fails, or when dropped.
struct Held {
    inner: reqwest::Body,
    permits: Option<Permits>,
}

impl Body for Held {
    type Data = bytes::Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) || self.inner.is_end_stream() {
            self.permits = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! Scripted conversations for any httpmock mock, typed or not: a sequence of replies (status, headers, body,
//! delay) answered in order, the last repeated, with a count of the calls. What "test my retry handling" needs:
//!
//! ```
//! use bronto_mock::MockServerExt as _;
//! use bronto_mock::httpmock::MockServer;
//! use vendor_sandbox::conversation::{Conversation, Reply};
//!
//! # #[tokio::main] async fn main() -> Result<(), sdk::Error> {
//! let server = MockServer::start_async().await;
//! // Two 429s with a retry hint, then the answer.
//! let conversation = Conversation::new([
//!     Reply::status(429).retry_after(0),
//!     Reply::status(429).retry_after(0),
//!     Reply::json(200, &serde_json::json!({"api_keys": []})),
//! ]);
//! server.list_api_keys(|_when, then| {
//!     conversation.answer(then.into_inner());
//! });
//! let config = sdk::Config::builder().bronto_base_url(server.base_url()).bronto_api_key("test").build()?;
//! let keys = sdk::Sdk::new(config)?.bronto()?.list_api_keys().call().await?;
//! assert!(keys.api_keys.is_empty());
//! assert_eq!(conversation.calls(), 3, "two refusals and the answer");
//! # Ok(()) }
//! ```
//!
//! A delayed reply sleeps on the mock server's own thread: that server answers nothing else meanwhile (one mock
//! server per client under test keeps that invisible).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::HttpMockResponse;

/// One reply of a [`Conversation`].
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    delay: Duration,
}

impl Reply {
    /// A reply with `status` and no body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: None,
            delay: Duration::ZERO,
        }
    }

    /// A reply with `status` and `body` as JSON (a typed response, or a `serde_json::Value`).
    pub fn json(status: u16, body: &impl serde::Serialize) -> Self {
        let mut reply = Self::status(status).header("content-type", "application/json");
        reply.body = Some(
            serde_json::to_vec(body)
                .unwrap_or_else(|e| format!("{{\"unserialisable\":\"{e}\"}}").into_bytes()),
        );
        reply
    }

    /// The vendor's error body (`code`, `type`, `details`, `correlation_id`) with `status`.
    pub fn error(status: u16, details: &str) -> Self {
        Self::json(status, &crate::seed::error(status, "Error", details))
    }

    /// Adds a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Retry-After: seconds`.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.header("retry-after", seconds.to_string())
    }

    /// Waits this long before answering (to exercise timeouts).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn response(&self) -> HttpMockResponse {
        HttpMockResponse {
            status: Some(self.status),
            headers: Some(self.headers.clone()),
            body: self.body.clone().map(Into::into),
        }
    }
}

/// Replies answered in order, the last one repeated once the script is spent; cloning shares the script and
/// the count.
#[derive(Debug, Clone)]
pub struct Conversation {
    replies: Arc<Vec<Reply>>,
    calls: Arc<AtomicUsize>,
}

impl Conversation {
    /// A conversation of `replies` (with none, every call is a `500` saying so).
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: Arc::new(replies.into_iter().collect()),
            calls: Arc::default(),
        }
    }

    /// Makes `then` (an httpmock `Then`, or a typed mock's `then.into_inner()`) answer this conversation.
    pub fn answer(&self, then: httpmock::Then) -> httpmock::Then {
        let replies = self.replies.clone();
        let calls = self.calls.clone();
        then.respond_with(move |_| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            match replies.get(call).or(replies.last()) {
                Some(reply) => {
                    if !reply.delay.is_zero() {
                        std::thread::sleep(reply.delay);
                    }
                    reply.response()
                }
                None => Reply::error(500, "the conversation has no replies").response(),
            }
        })
    }

    /// The calls answered so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

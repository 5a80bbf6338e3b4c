//! [`Runtime`]: what a generated client's hooks delegate to. One implementation of credentials, retries,
//! timeouts, the in-flight bound and tracing for every client of the workspace.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response};
use tokio::sync::Semaphore;
use tracing::Instrument as _;

use crate::credential::{AuthScheme, Credential};
use crate::http_client::{self, BaseUrl, BaseUrlError, HttpSettings};
use crate::options::{self, RequestOptions, ResponseMeta};
use crate::retry::{
    RETRY_COST, RetryBudget, RetryPolicy, SUCCESS_REFUND, TIMEOUT_RETRY_COST, server_delay,
};

/// Where a client's credential comes from. There is no fallback between the modes.
#[derive(Debug, Clone)]
pub enum CredentialMode {
    /// One credential for every call.
    Bound(Credential),
    /// The client holds none; every call supplies one through
    /// [`RequestOptions::credential`](crate::RequestOptions::credential) (multi-tenant services). A call without
    /// one fails before anything is sent.
    PerRequest,
    /// No credential at all (only for endpoints that need none, and tests).
    Anonymous,
}

/// Timeouts, each on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (default 10 s).
    pub connect: Duration,
    /// One attempt: sending the request and reading the whole response (default 30 s).
    pub attempt: Duration,
    /// The whole operation: every attempt and every wait between them (default 120 s). A per-call
    /// [`RequestOptions::timeout`](crate::RequestOptions::timeout) replaces it.
    pub operation: Duration,
    /// Idle time while reading a response: each read of the headers or the body must make progress within it
    /// (default 30 s), so a body that stalls fails however long the attempt's budget (an export download).
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(120),
            idle: Duration::from_secs(30),
        }
    }
}

/// Builds a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    base_url: String,
    credentials: CredentialMode,
    scheme: AuthScheme,
    timeouts: Timeouts,
    retry: RetryPolicy,
    max_in_flight: usize,
    retry_safe_posts: BTreeSet<String>,
    user_agent: String,
}

impl RuntimeBuilder {
    /// One credential for every call (to the base URL's origin only).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials = CredentialMode::Bound(credential);
        self
    }

    /// Sets the credential mode.
    pub fn credential_mode(mut self, mode: CredentialMode) -> Self {
        self.credentials = mode;
        self
    }

    /// Which header carries an API key.
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Timeouts (see [`Timeouts`] for the defaults).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Connect timeout of the HTTP client.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// At most this many requests of this client in flight at once (default 16); more wait their turn.
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.max_in_flight = limit.max(1);
        self
    }

    /// Operations sent with POST that only read (searches, counts), and so are safe to send twice, named as the
    /// generated client reports them at run time (progenitor's snake-case method name, e.g. `post_search`).
    /// Every other POST (and every PATCH) is sent at most once: retrying could create a second API key, user or
    /// export.
    pub fn retry_safe_posts<I, S>(mut self, operation_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retry_safe_posts = operation_ids.into_iter().map(Into::into).collect();
        self
    }

    /// The `User-Agent` header (the client crates set `<crate>/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Validates the base URL and builds the runtime and its HTTP client.
    pub fn build(self) -> Result<Runtime, BaseUrlError> {
        let base_url = BaseUrl::parse(&self.base_url)?;
        let http = http_client::build(&HttpSettings {
            connect_timeout: self.timeouts.connect,
            idle_timeout: self.timeouts.idle,
            user_agent: self.user_agent,
        })
        .map_err(|e| BaseUrlError::HttpClient(e.to_string()))?;
        Ok(Runtime {
            options: Arc::default(),
            shared: Arc::new(Shared {
                base_url,
                credentials: self.credentials,
                scheme: self.scheme,
                timeouts: self.timeouts,
                budget: RetryBudget::new(self.retry.budget()),
                retry: self.retry,
                in_flight: Semaphore::new(self.max_in_flight),
                max_in_flight: self.max_in_flight,
                retry_safe_posts: self.retry_safe_posts,
                http,
            }),
        })
    }
}

#[derive(Debug)]
struct Shared {
    base_url: BaseUrl,
    credentials: CredentialMode,
    scheme: AuthScheme,
    timeouts: Timeouts,
    retry: RetryPolicy,
    in_flight: Semaphore,
    budget: RetryBudget,
    max_in_flight: usize,
    retry_safe_posts: BTreeSet<String>,
    http: reqwest::Client,
}

/// The runtime policy a generated client runs every request through, and the per-call options of the handle it
/// belongs to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
    options: Arc<RequestOptions>,
}

/// `start + wait`, at most [`LONGEST_WAIT`](crate::LONGEST_WAIT) from `start` (`Duration::MAX` asks for no
/// deadline).
fn far_or(start: Instant, wait: Duration) -> Instant {
    start + crate::saturate(wait)
}

/// Response headers that may carry the vendor's correlation id.
const CORRELATION_HEADERS: [&str; 3] = ["x-correlation-id", "correlation-id", "x-request-id"];

fn correlation_id(headers: &HeaderMap) -> Option<&str> {
    CORRELATION_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
}

impl Runtime {
    /// Starts a builder for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> RuntimeBuilder {
        RuntimeBuilder {
            base_url: base_url.into(),
            credentials: CredentialMode::Anonymous,
            scheme: AuthScheme::bearer_only(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            max_in_flight: 16,
            retry_safe_posts: BTreeSet::new(),
            user_agent: concat!("client-runtime/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// The same runtime (the same HTTP client, in-flight bound and policy) carrying `options` on top of this one's:
    /// every request sent through it uses them. This is how a handle carries per-call context as a value
    /// (`sdk::Api::with`): across `tokio::spawn`, nested workflow calls and streams alike.
    ///
    /// ```
    /// use client_runtime::{AuthScheme, Credential, CredentialMode, RequestOptions, Runtime};
    ///
    /// let shared = Runtime::builder("https://api.eu.bronto.io")
    ///     .credential_mode(CredentialMode::PerRequest)
    ///     .auth_scheme(AuthScheme::bronto())
    ///     .build()
    ///     .unwrap();
    /// let tenant = shared.with_options(RequestOptions::new().credential(Credential::api_key("tenant-a")));
    /// assert!(shared.check_credentials().is_err());
    /// assert!(tenant.check_credentials().is_ok());
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Runtime {
        Runtime {
            shared: self.shared.clone(),
            options: Arc::new(self.options.merged(options)),
        }
    }

    /// The per-call options this runtime's handle carries.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// The deadline of an operation started now: the handle's timeout, or the runtime's operation timeout
    /// (saturating: `Duration::MAX` means no deadline, never a panic).
    pub fn operation_timeout(&self) -> Duration {
        self.options.timeout_or(self.shared.timeouts.operation)
    }

    /// The validated base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.shared.base_url
    }

    /// The HTTP client to hand to the generated `Client::new_with_client`.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The scheme credentials are sent under.
    pub fn auth_scheme(&self) -> &AuthScheme {
        &self.shared.scheme
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.shared.timeouts
    }

    /// Tokens left in the client's retry budget (see [`RetryPolicy::retry_budget`]).
    pub fn retry_budget_available(&self) -> u32 {
        self.shared.budget.available()
    }

    /// The bound on requests in flight.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight
    }

    /// `true` when a request of `operation_id` with `method` may be sent more than once.
    pub fn is_retry_safe(&self, method: &Method, operation_id: &str) -> bool {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE => true,
            Method::POST => self.shared.retry_safe_posts.contains(operation_id),
            _ => false,
        }
    }

    /// The credential check that runs before a request is built into the wire (progenitor's `pre` hook): fails
    /// closed when the mode and the call's options disagree. The message never contains a secret.
    pub fn check_credentials(&self) -> Result<(), String> {
        let per_call = self.options.credential.clone();
        match (&self.shared.credentials, per_call) {
            (CredentialMode::PerRequest, None) => Err(
                "this client takes a credential per request, and the call supplied none".into(),
            ),
            (CredentialMode::PerRequest, Some(credential)) if credential.is_blank() => {
                Err("the call's credential is empty".into())
            }
            (CredentialMode::Bound(_) | CredentialMode::Anonymous, Some(_)) => Err(
                "the call supplied a credential, but this client is not in per-request credential mode".into(),
            ),
            (CredentialMode::Bound(credential), None) if credential.is_blank() => {
                Err("the client's credential is empty".into())
            }
            _ => Ok(()),
        }
    }

    fn credential_for_call(&self) -> Option<Credential> {
        match &self.shared.credentials {
            CredentialMode::Bound(credential) => Some(credential.clone()),
            CredentialMode::PerRequest => self.options.credential.clone(),
            CredentialMode::Anonymous => None,
        }
    }

    /// Sends `request` for the operation `operation_id` under the runtime policy:
    ///
    /// - waits for a slot under the in-flight bound before each attempt (the wait counts against the operation's
    ///   deadline; a call sleeping before a retry holds no slot);
    /// - adds the call's extra headers and the credential (only when the request goes to the configured origin,
    ///   marked sensitive);
    /// - limits each attempt to the attempt timeout and the whole operation to its deadline;
    /// - retries 408/429/502/503/504 and connection failures with backoff, honouring `Retry-After` and
    ///   `RateLimit-Reset` (a hint longer than the policy's maximum ends the call with the server's answer), but
    ///   only for requests that are safe to repeat, and only while the client's retry budget lasts;
    /// - records a `tracing` span per attempt with operation id, attempt, status, duration and correlation id;
    /// - reads an error response's body (4xx, 5xx) here, at most [`MAX_ERROR_READ`](crate::error::MAX_ERROR_READ)
    ///   bytes and one more, and hands the response on with that body: the generated code reads an error body whole
    ///   before it decodes it, so an endless or 1 GiB error body would otherwise be read into memory to its end.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: Request,
        operation_id: &'static str,
    ) -> reqwest::Result<Response> {
        match self.execute_attempts(client, request, operation_id).await {
            Ok(response)
                if response.status().is_client_error() || response.status().is_server_error() =>
            {
                Ok(bound_error_body(response).await)
            }
            other => other,
        }
    }

    async fn execute_attempts(
        &self,
        client: &reqwest::Client,
        mut request: Request,
        operation_id: &'static str,
    ) -> reqwest::Result<Response> {
        options::note_operation(operation_id);
        let scope = options::current();
        let started = Instant::now();
        let deadline = far_or(started, self.operation_timeout());

        for (name, value) in self.options.headers() {
            let carries_credentials = self.shared.scheme.credential_headers().contains(name);
            if !carries_credentials {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        if let Some(credential) = self.credential_for_call()
            && self.shared.base_url.same_origin(request.url())
            && let Some((name, value)) = credential.header(&self.shared.scheme)
        {
            request.headers_mut().insert(name, value);
        }

        if let Some(scope) = &scope
            && let Ok(mut slot) = scope.request.lock()
        {
            *slot = Some((request.method().clone(), request.url().clone()));
        }
        let retry_safe = self.is_retry_safe(request.method(), operation_id);
        let attempts = if retry_safe {
            self.shared.retry.attempts()
        } else {
            1
        };
        let mut backoff = self.shared.retry.backoff();

        let mut attempt = 1;
        let mut spent = 0;
        let mut pending = request;
        loop {
            // A slot under the in-flight bound for this attempt only: a call waiting to retry holds none, and the
            // wait for one counts against the operation's deadline.
            let permit = tokio::time::timeout_at(
                tokio::time::Instant::from_std(deadline),
                self.shared.in_flight.acquire(),
            )
            .await;
            let Ok(permit) = permit else {
                // The deadline ran out in the queue: answer with the HTTP client's own timeout error (a zero
                // timeout fires before anything is written), so the caller sees a timeout like any other.
                *pending.timeout_mut() = Some(Duration::ZERO);
                let result = client.execute(pending).await;
                return self.finish(result, operation_id, attempt, scope.as_ref());
            };
            // Keep a copy for the next attempt while one may follow; a streaming body cannot be replayed, so a
            // request that does not clone gets this one attempt only.
            let (mut this_attempt, next) = if attempt < attempts {
                match pending.try_clone() {
                    Some(copy) => (copy, Some(pending)),
                    None => (pending, None),
                }
            } else {
                (pending, None)
            };
            let now = Instant::now();
            if let Some(scope) = &scope
                && let Ok(mut slot) = scope.attempt_started.lock()
            {
                *slot = Some(now);
            }
            let remaining = deadline.saturating_duration_since(now);
            *this_attempt.timeout_mut() = Some(self.shared.timeouts.attempt.min(remaining));
            let result = self
                .attempt(client, this_attempt, operation_id, attempt)
                .await;
            drop(permit);

            if result
                .as_ref()
                .is_ok_and(|response| !self.shared.retry.retries_status(response.status()))
            {
                // A success refunds what its retries cost, or a token when it needed none.
                self.shared
                    .budget
                    .refund(if spent > 0 { spent } else { SUCCESS_REFUND });
            }
            let Some(next) = next else {
                return self.finish(result, operation_id, attempt, scope.as_ref());
            };
            let hint = match &result {
                Ok(response) if self.shared.retry.retries_status(response.status()) => {
                    Some(server_delay(response.headers()))
                }
                Err(error) if error.is_connect() || error.is_timeout() || error.is_request() => {
                    Some(None)
                }
                _ => None,
            };
            let Some(hint) = hint else {
                return self.finish(result, operation_id, attempt, scope.as_ref());
            };
            if hint.is_some_and(|wait| !self.shared.retry.honours(wait)) {
                // The server asks for longer than the policy waits: its answer (with the hint) goes to the caller
                // rather than a retry sooner than asked.
                return self.finish(result, operation_id, attempt, scope.as_ref());
            }
            let cost = match &result {
                Err(error) if error.is_timeout() => TIMEOUT_RETRY_COST,
                _ => RETRY_COST,
            };
            if !self.shared.budget.take(cost) {
                tracing::debug!(operation_id, attempt, "retry budget spent: not retrying");
                return self.finish(result, operation_id, attempt, scope.as_ref());
            }
            spent += cost;
            let computed = backoff.next().unwrap_or(Duration::ZERO);
            let wait = self.shared.retry.delay(computed, hint);
            if Instant::now()
                .checked_add(wait)
                .is_none_or(|resume| resume >= deadline)
            {
                return self.finish(result, operation_id, attempt, scope.as_ref());
            }
            tracing::debug!(
                operation_id,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
            pending = next;
        }
    }

    async fn attempt(
        &self,
        client: &reqwest::Client,
        request: Request,
        operation_id: &'static str,
        attempt: u32,
    ) -> reqwest::Result<Response> {
        let span = tracing::info_span!(
            "api.request",
            operation_id,
            attempt,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let result = client.execute(request).await;
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    if let Some(id) = correlation_id(response.headers()) {
                        span.record("correlation_id", id);
                    }
                }
                Err(error) => {
                    tracing::debug!(
                        timeout = error.is_timeout(),
                        connect = error.is_connect(),
                        "request failed"
                    );
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Records what the call's scope should know about the final response, and hands the result back.
    fn finish(
        &self,
        result: reqwest::Result<Response>,
        operation_id: &'static str,
        attempts: u32,
        scope: Option<&options::CallScope>,
    ) -> reqwest::Result<Response> {
        if let Some(scope) = scope
            && let Ok(mut slot) = scope.attempts.lock()
        {
            *slot = attempts;
        }
        if let (Ok(response), Some(scope)) = (&result, scope)
            && let Ok(mut slot) = scope.last_response.lock()
        {
            *slot = Some(ResponseMeta {
                operation_id,
                status: response.status(),
                headers: response.headers().clone(),
                attempts,
            });
        }
        result
    }
}

/// `response` with its body replaced by at most [`MAX_ERROR_READ`](crate::error::MAX_ERROR_READ) + 1 bytes of it
/// (anything over [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY) tells [`Error::body`](crate::Error::body) that the kept
/// body was cut). Status, version and headers are kept (less
/// `content-length`, which no longer applies); what was not read is never read.
async fn bound_error_body(response: Response) -> Response {
    let (status, version, mut headers) = (
        response.status(),
        response.version(),
        response.headers().clone(),
    );
    let (body, _cut) = crate::error::read_at_most(response, crate::error::MAX_ERROR_READ + 1).await;
    headers.remove(reqwest::header::CONTENT_LENGTH);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}

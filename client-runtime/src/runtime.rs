//! [`Runtime`]: what a generated client's hooks delegate to. One implementation of credentials, retries,
//! timeouts, the in-flight bound and tracing for every client of the workspace.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, Request, Response};
use tokio::sync::Semaphore;

use crate::credential::{AuthScheme, Credential};
use crate::http_client::{self, BaseUrl, BaseUrlError, HttpSettings};
use crate::options::{self, RequestOptions, ResponseMeta};
use crate::retry::RetryPolicy;
use crate::stack::governor::PacingPolicy;
use crate::stack::interceptor::{Interceptor, Interceptors};
use crate::stack::tenants::{Tenant, TenantSettings, Tenants};
use crate::stack::{Attempt, AttemptService, CallContext, SharedLayer, Stack, StackSettings};

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
#[derive(Clone)]
pub struct RuntimeBuilder {
    base_url: String,
    credentials: CredentialMode,
    scheme: AuthScheme,
    timeouts: Timeouts,
    retry: RetryPolicy,
    max_in_flight: usize,
    max_in_flight_per_tenant: Option<usize>,
    retry_safe_posts: BTreeSet<String>,
    user_agent: String,
    pacing: PacingPolicy,
    interceptors: Interceptors,
    layers: Vec<SharedLayer>,
}

impl std::fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
            .field("pacing", &self.pacing)
            .field("interceptors", &self.interceptors)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
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

    /// At most this many requests of this client in flight at once (default 16); more wait their turn. A request
    /// holds its slot until its response body has been read (or dropped).
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.max_in_flight = limit.max(1);
        self
    }

    /// At most this many of those requests for one tenant (one credential at one host). Default: the whole
    /// bound for a client with one credential, half of it (at least 1) for a client that takes a credential per
    /// request, so that one tenant's slow calls leave room for the others.
    pub fn max_in_flight_per_tenant(mut self, limit: usize) -> Self {
        self.max_in_flight_per_tenant = Some(limit.max(1));
        self
    }

    /// How the rate governor paces each tenant from the `RateLimit-*` headers (default [`PacingPolicy::default`]:
    /// on, no reserve). See [`crate::stack`] for the rule.
    pub fn pacing(mut self, policy: PacingPolicy) -> Self {
        self.pacing = policy;
        self
    }

    /// Adds an [`Interceptor`]: hooks before and after every attempt (a computed header, an observer for
    /// metrics). Interceptors run in the order added.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.0.push(Arc::new(interceptor));
        self
    }

    /// Adds a component of the caller's own: a `tower` layer over [`AttemptService`], placed after the rate
    /// governor and before the in-flight slot (see [`crate::stack`]); several run in the order added, the first
    /// outermost. `tower::limit::ConcurrencyLimitLayer` or a service's own limiter fit here as they are.
    ///
    /// ```
    /// use client_runtime::stack::AttemptService;
    ///
    /// // A component that tags every attempt, written as a plain tower layer.
    /// let tag = tower::layer::layer_fn(|inner: AttemptService| {
    ///     tower::util::MapRequestLayer::new(|mut attempt: client_runtime::stack::Attempt| {
    ///         attempt.request_mut().headers_mut().insert("x-component", "tag".parse().unwrap());
    ///         attempt
    ///     })
    ///     .layer(inner)
    /// });
    /// # use tower::Layer as _;
    /// let runtime = client_runtime::Runtime::builder("https://api.eu.bronto.io").layer(tag).build()?;
    /// # let _ = runtime; Ok::<(), client_runtime::BaseUrlError>(())
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<AttemptService> + Send + Sync + 'static,
        L::Service: tower::Service<Attempt, Response = Response, Error = reqwest::Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Attempt>>::Future: Send + 'static,
    {
        self.layers.push(SharedLayer::new(layer));
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
        let per_tenant = self
            .max_in_flight_per_tenant
            .unwrap_or(match self.credentials {
                CredentialMode::PerRequest => self.max_in_flight.div_ceil(2),
                _ => self.max_in_flight,
            });
        let in_flight = Arc::new(Semaphore::new(self.max_in_flight));
        let stack = Stack::build(&StackSettings {
            retry: self.retry.clone(),
            attempt_timeout: self.timeouts.attempt,
            in_flight,
            credential_headers: self.scheme.credential_headers(),
            scheme: self.scheme.clone(),
            base_url: base_url.clone(),
            interceptors: self.interceptors,
            layers: self.layers,
        });
        Ok(Runtime {
            options: Arc::default(),
            shared: Arc::new(Shared {
                tenants: Tenants::new(TenantSettings {
                    pacing: self.pacing,
                    retry_budget: self.retry.budget(),
                    slots: per_tenant.min(self.max_in_flight).max(1),
                }),
                base_url,
                credentials: self.credentials,
                scheme: self.scheme,
                timeouts: self.timeouts,
                retry: self.retry,
                max_in_flight: self.max_in_flight,
                retry_safe_posts: self.retry_safe_posts,
                http,
                stack,
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
    tenants: Tenants,
    max_in_flight: usize,
    retry_safe_posts: BTreeSet<String>,
    http: reqwest::Client,
    stack: Stack,
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
            max_in_flight_per_tenant: None,
            retry_safe_posts: BTreeSet::new(),
            user_agent: concat!("client-runtime/", env!("CARGO_PKG_VERSION")).to_string(),
            pacing: PacingPolicy::default(),
            interceptors: Interceptors::default(),
            layers: Vec::new(),
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

    /// Tokens left in the retry budget of this handle's tenant (see [`RetryPolicy::retry_budget`]): each
    /// credential at each host has its own.
    pub fn retry_budget_available(&self) -> u32 {
        self.tenant().budget.available()
    }

    /// What the server last said is left of this handle's tenant's rate-limit window, and when it refills
    /// (`None` before any answer carried the headers).
    pub fn rate_window(&self) -> Option<(u64, Duration)> {
        self.tenant().governor.view()
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
            _ => self.check_sendable(),
        }
    }

    /// Fails closed when the call's credential cannot travel in its header (a control character such as the
    /// trailing newline of a mounted secret): refused before anything is sent, never dropped silently.
    fn check_sendable(&self) -> Result<(), String> {
        match self.credential_for_call() {
            Some(credential) if credential.header(&self.shared.scheme).is_none() => Err(
                if credential.is_bearer() || self.shared.scheme.credential_headers().len() > 1 {
                    "the credential cannot be sent: it holds a character that is not allowed in a header \
                     (a newline or another control character; trim values read from files)"
                        .into()
                } else {
                    "the credential cannot be sent: this API takes bearer tokens only".into()
                },
            ),
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

    /// The tenant this handle's calls belong to: its origin and credential.
    fn tenant(&self) -> Arc<Tenant> {
        let credential = self.credential_for_call();
        self.shared
            .tenants
            .get(&self.shared.base_url.to_string(), credential.as_ref())
    }

    /// Sends `request` for the operation `operation_id` down the runtime's stack of components (see
    /// [`crate::stack`] for the components and their order): the credential, retries under the classifier and the
    /// tenant's retry tokens, the rate governor, the caller's layers, the in-flight slot, the caller's
    /// interceptors, and the attempt with its timeout and span.
    ///
    /// An error response's body (4xx, 5xx) is read here, at most [`MAX_ERROR_READ`](crate::error::MAX_ERROR_READ)
    /// bytes and one more, and the response handed on with that body: the generated code reads an error body
    /// whole before it decodes it, so an endless or 1 GiB error body would otherwise be read into memory to its
    /// end.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: Request,
        operation_id: &'static str,
    ) -> reqwest::Result<Response> {
        options::note_operation(operation_id);
        let scope = options::current();
        let deadline = far_or(Instant::now(), self.operation_timeout());
        if let Some(scope) = &scope
            && let Ok(mut slot) = scope.request.lock()
        {
            *slot = Some((request.method().clone(), request.url().clone()));
        }
        let retry_safe = self
            .options
            .retry_safe
            .unwrap_or_else(|| self.is_retry_safe(request.method(), operation_id));
        let call = Arc::new(CallContext {
            operation_id,
            deadline,
            tenant: self.tenant(),
            retry_safe,
            credential: self.credential_for_call(),
            extra_headers: self.options.headers().clone(),
            scope: scope.clone(),
        });
        let attempt = Attempt {
            request,
            client: client.clone(),
            call,
            number: 1,
            paced: Duration::ZERO,
        };
        let result = self.shared.stack.send(attempt).await;
        let result = self.finish(result, operation_id, scope.as_ref());
        match result {
            Ok(response)
                if response.status().is_client_error() || response.status().is_server_error() =>
            {
                Ok(bound_error_body(response).await)
            }
            other => other,
        }
    }

    /// Records what the call's scope should know about the final response, and hands the result back.
    fn finish(
        &self,
        result: reqwest::Result<Response>,
        operation_id: &'static str,
        scope: Option<&options::CallScope>,
    ) -> reqwest::Result<Response> {
        if let (Ok(response), Some(scope)) = (&result, scope) {
            let attempts = scope.attempts.lock().map(|guard| *guard).unwrap_or(1);
            if let Ok(mut slot) = scope.last_response.lock() {
                *slot = Some(ResponseMeta {
                    operation_id,
                    status: response.status(),
                    headers: response.headers().clone(),
                    attempts,
                });
            }
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

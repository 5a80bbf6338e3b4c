//! What a [`Runtime`] is built from: [`RuntimeBuilder`] and its settings, where the credential comes from
//! ([`CredentialMode`]) and the [`Timeouts`]. [`RuntimeBuilder::build`] assembles the [`stack`](crate::stack).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Response;
use tokio::sync::Semaphore;

use super::{Runtime, Shared};
use crate::credential::{AuthScheme, Credential};
use crate::http_client::{self, BaseUrl, BaseUrlError, HttpSettings};
use crate::retry::RetryPolicy;
use crate::stack::governor::PacingPolicy;
use crate::stack::interceptor::{Interceptor, Interceptors};
use crate::stack::tenants::{TenantSettings, Tenants};
use crate::stack::{Attempt, AttemptService, SharedLayer, Stack, StackSettings};

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
    /// A builder for the API at `base_url`, with the documented defaults ([`Runtime::builder`]).
    pub(super) fn new(base_url: String) -> Self {
        Self {
            base_url,
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

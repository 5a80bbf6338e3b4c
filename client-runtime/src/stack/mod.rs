//! The request path: an ordered stack of runtime components, each one concept, each a [`tower`] layer over
//! [`AttemptService`]. A generated client's `ClientHooks::exec` hands its request to [`Runtime::execute`], which
//! sends it down the stack, outermost first:
//!
//! | # | component | once per | what it does |
//! |---|---|---|---|
//! | 1 | credential | call | the handle's extra headers; the credential, only to the configured origin, marked sensitive |
//! | 2 | retry | call | attempts under the [`RetryPolicy`]: the classifier, the back-off, the tenant's retry tokens, the operation deadline |
//! | 3 | rate governor | attempt | paces from the tenant's `RateLimit-*` view; waits for a spent window's reset, or refuses at once (not sent) when the wait would pass the deadline ([`PacingPolicy`](crate::PacingPolicy)) |
//! | 4 | the caller's layers | attempt | [`RuntimeBuilder::layer`](crate::RuntimeBuilder::layer), in the order added (a service's own limiter, say) |
//! | 5 | in-flight slot | attempt | the tenant's share and the client's bound; held until the response body is read or dropped |
//! | 6 | the caller's interceptors | attempt | [`Interceptor`](crate::Interceptor): headers computed at send time, then an observer of the outcome |
//! | 7 | attempt | attempt | the attempt timeout (cut to the deadline), the `api.request` span, the HTTP client |
//!
//! Why `tower` layers rather than a bespoke hook list: a layer is the shape Rust HTTP middleware already has
//! (kube-client builds its client stack the same way), so a service brings its own component as a layer it may
//! already have (`tower::limit::ConcurrencyLimitLayer` works on [`Attempt`] as on any request), each component
//! is a small type tested alone, and the order is one visible list (`Stack::build`, in this module). The interceptors on top
//! give the common cases (a header, a metric) without writing a `Service`.
//!
//! Per-call state (the operation, its deadline, the tenant) travels in the [`Attempt`] as a value, never in a
//! task-local, so a layer that spawns keeps it.
//!
//! [`Runtime::execute`]: crate::Runtime::execute

mod attempt;
pub(crate) mod classifier;
mod credential;
pub(crate) mod governor;
mod in_flight;
pub(crate) mod interceptor;
mod pacing;
mod retry;
pub(crate) mod tenants;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName};
use tokio::sync::Semaphore;
use tower::util::BoxCloneSyncService;

use crate::Credential;
use crate::options::CallScope;
use crate::retry::RetryPolicy;
use interceptor::Interceptors;
use tenants::Tenant;

/// One attempt of a call on its way down the stack: the request as it will go on the wire, and what the
/// components know of its call.
pub struct Attempt {
    pub(crate) request: reqwest::Request,
    pub(crate) client: reqwest::Client,
    pub(crate) call: Arc<CallContext>,
    pub(crate) number: u32,
    pub(crate) paced: Duration,
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("operation_id", &self.call.operation_id)
            .field("method", self.request.method())
            .field("path", &self.request.url().path())
            .field("attempt", &self.number)
            .finish_non_exhaustive()
    }
}

impl Attempt {
    /// The request (its credential header is marked sensitive: `Debug` redacts it).
    pub fn request(&self) -> &reqwest::Request {
        &self.request
    }

    /// The request, to change before it is sent.
    pub fn request_mut(&mut self) -> &mut reqwest::Request {
        &mut self.request
    }

    /// The operation (the generated method's name, such as `list_api_keys`).
    pub fn operation_id(&self) -> &'static str {
        self.call.operation_id
    }

    /// 1 for the first attempt, 2 for the first retry, ...
    pub fn attempt(&self) -> u32 {
        self.number
    }

    /// When the whole operation must be over.
    pub fn deadline(&self) -> Instant {
        self.call.deadline
    }

    /// How long the rate governor held this attempt.
    pub fn paced(&self) -> Duration {
        self.paced
    }
}

/// A component's inner service: the rest of the stack below it. A layer added with
/// [`RuntimeBuilder::layer`](crate::RuntimeBuilder::layer) wraps one of these.
pub type AttemptService = BoxCloneSyncService<Attempt, reqwest::Response, reqwest::Error>;

/// What every attempt of one call shares.
#[derive(Debug)]
pub(crate) struct CallContext {
    pub(crate) operation_id: &'static str,
    pub(crate) deadline: Instant,
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) retry_safe: bool,
    pub(crate) credential: Option<Credential>,
    pub(crate) extra_headers: HeaderMap,
    pub(crate) scope: Option<CallScope>,
}

/// A caller's layer, type-erased.
pub(crate) type CustomLayer = Arc<dyn Fn(AttemptService) -> AttemptService + Send + Sync>;

/// What the components need from the runtime, fixed when it is built.
#[derive(Clone)]
pub(crate) struct StackSettings {
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Duration,
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) credential_headers: Vec<HeaderName>,
    pub(crate) scheme: crate::AuthScheme,
    pub(crate) base_url: crate::BaseUrl,
    pub(crate) interceptors: Interceptors,
    pub(crate) layers: Vec<SharedLayer>,
}

/// The built stack.
#[derive(Clone)]
pub(crate) struct Stack {
    service: AttemptService,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stack { credential, retry, rate governor, layers, in-flight slot, interceptors, attempt }")
    }
}

impl Stack {
    /// The components in order, innermost first as they are wrapped.
    pub(crate) fn build(settings: &StackSettings) -> Self {
        let mut service = AttemptService::new(attempt::Send {
            timeout: settings.attempt_timeout,
        });
        service = AttemptService::new(interceptor::Hooks {
            inner: service,
            interceptors: settings.interceptors.clone(),
            credential_headers: settings.credential_headers.clone(),
        });
        service = AttemptService::new(in_flight::Slot {
            inner: service,
            bound: settings.in_flight.clone(),
        });
        for layer in settings.layers.iter().rev() {
            service = tower::Layer::layer(layer, service);
        }
        service = AttemptService::new(pacing::Pacing { inner: service });
        service = AttemptService::new(retry::Retry {
            inner: service,
            policy: settings.retry.clone(),
        });
        service = AttemptService::new(credential::Credentials {
            inner: service,
            scheme: settings.scheme.clone(),
            base_url: settings.base_url.clone(),
        });
        Self { service }
    }

    /// Sends `attempt` down the stack.
    pub(crate) async fn send(&self, attempt: Attempt) -> reqwest::Result<reqwest::Response> {
        use tower::ServiceExt as _;
        self.service.clone().oneshot(attempt).await
    }
}

/// The future every component returns.
pub(crate) type AttemptFuture =
    std::pin::Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send>>;

/// Components are always ready: waiting happens inside `call`, where the deadline is known.
macro_rules! always_ready {
    () => {
        fn poll_ready(
            &mut self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }
    };
}
pub(crate) use always_ready;

/// A caller's layer, type-erased and cheap to clone: what a configuration keeps so that every client it builds
/// gets the same component ([`RuntimeBuilder::layer`](crate::RuntimeBuilder::layer) takes it as any layer).
#[derive(Clone)]
pub struct SharedLayer(CustomLayer);

impl fmt::Debug for SharedLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedLayer")
    }
}

impl SharedLayer {
    /// Type-erases `layer`.
    pub fn new<L>(layer: L) -> Self
    where
        L: tower::Layer<AttemptService> + Send + Sync + 'static,
        L::Service: tower::Service<Attempt, Response = reqwest::Response, Error = reqwest::Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Attempt>>::Future: Send + 'static,
    {
        Self(Arc::new(move |inner| {
            AttemptService::new(layer.layer(inner))
        }))
    }
}

impl tower::Layer<AttemptService> for SharedLayer {
    type Service = AttemptService;

    fn layer(&self, inner: AttemptService) -> AttemptService {
        (self.0)(inner)
    }
}

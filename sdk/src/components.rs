//! What a service adds to the runtime's stack through [`Config`](crate::Config): the rate governor's
//! [`PacingPolicy`], its own [`Interceptor`]s and layers, and the in-flight share of a tenant. Every client built
//! from the config (Bronto's and BluBracket's) gets them, in the stack's order (see [`client_runtime::stack`]).

use std::fmt;
use std::sync::Arc;

use client_runtime::stack::{AttemptService, SharedLayer};
use client_runtime::{Interceptor, PacingPolicy, RuntimeBuilder};

use crate::config::ConfigBuilder;

/// The service's components and their settings.
#[derive(Clone, Default)]
pub(crate) struct Components {
    pacing: PacingPolicy,
    interceptors: Vec<Arc<dyn Interceptor>>,
    layers: Vec<SharedLayer>,
    max_in_flight_per_tenant: Option<usize>,
}

impl fmt::Debug for Components {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Components")
            .field("pacing", &self.pacing)
            .field("interceptors", &self.interceptors)
            .field("layers", &self.layers.len())
            .field("max_in_flight_per_tenant", &self.max_in_flight_per_tenant)
            .finish()
    }
}

impl Components {
    /// `builder` with these components.
    pub(crate) fn apply(&self, mut builder: RuntimeBuilder) -> RuntimeBuilder {
        builder = builder.pacing(self.pacing.clone());
        for interceptor in &self.interceptors {
            builder = builder.interceptor(interceptor.clone());
        }
        for layer in &self.layers {
            builder = builder.layer(layer.clone());
        }
        if let Some(limit) = self.max_in_flight_per_tenant {
            builder = builder.max_in_flight_per_tenant(limit);
        }
        builder
    }
}

impl ConfigBuilder {
    /// How the rate governor paces each tenant from the `RateLimit-*` headers (default: on, no reserve). The
    /// budget belongs to the account and every replica of every service using the key spends it; the server's
    /// `RateLimit-Remaining` counts them all, so pacing from it needs no shared store. A reserve leaves room for
    /// the other services on the key:
    ///
    /// ```
    /// let config = sdk::Config::builder()
    ///     .bronto_region("eu")
    ///     .bronto_api_key("my-key")
    ///     .pacing(sdk::PacingPolicy::default().reserve(10)) // never spend the last 10 requests of a window
    ///     .build()?;
    /// # let _ = config; Ok::<(), sdk::Error>(())
    /// ```
    pub fn pacing(mut self, policy: PacingPolicy) -> Self {
        self.components.pacing = policy;
        self
    }

    /// Adds an [`Interceptor`] to every client: a header computed at send time (a `traceparent`), an observer of
    /// every attempt for the service's metrics. See [`client_runtime::Interceptor`] for an example. A service on
    /// OpenTelemetry sends its current trace with `bronto_tracing::otlp::TraceContext` (crate `bronto-tracing`,
    /// feature `otlp`).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.components.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Adds a component of the service's own, a `tower` layer over the attempts (after the rate governor, before
    /// the in-flight slot): a limiter of its own, say.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<AttemptService> + Send + Sync + 'static,
        L::Service: tower::Service<
                client_runtime::stack::Attempt,
                Response = reqwest::Response,
                Error = reqwest::Error,
            > + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<client_runtime::stack::Attempt>>::Future: Send + 'static,
    {
        self.components.layers.push(SharedLayer::new(layer));
        self
    }

    /// At most this many requests in flight for one tenant (one credential), of the client's
    /// [`max_in_flight`](ConfigBuilder::max_in_flight). Default: all of them with one credential, half with
    /// per-request credentials.
    pub fn max_in_flight_per_tenant(mut self, limit: usize) -> Self {
        self.components.max_in_flight_per_tenant = Some(limit.max(1));
        self
    }
}

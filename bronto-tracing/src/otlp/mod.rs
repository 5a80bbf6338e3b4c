//! OpenTelemetry interop (feature `otlp`): OTLP/HTTP protobuf exporters for traces and logs to Bronto's
//! ingestion host, the filter that keeps the shipper's own threads out of any layer, and [`TraceContext`], which
//! sends the current trace with every API call.
//!
//! Bronto ingests OTLP natively: `POST /v1/traces` and `/v1/logs` on the ingestion host, protobuf, the key in
//! `x-bronto-api-key`; the resource's `service.name` becomes the dataset and `service.namespace` the collection.
//!
//! How the known pitfalls cannot happen here: the exporters are given an HTTP client ([`OtlpConfig`] builds it)
//! whose requests run on a thread of its own with its own single-threaded tokio runtime. The SDK's batch
//! processors run on their own threads and only await an answer from that thread: there is no blocking client
//! inside async code, no "no reactor running" on the export thread, and no deadlock when a provider is shut down
//! from a `current_thread` runtime (the runtime that does the I/O is not the caller's). OpenTelemetry's internal
//! logs are not compiled (`internal-logs` off), and the HTTP thread is one of the shipper's: put
//! [`SkipShipperThreads`] on the `tracing-opentelemetry` layer so that nothing it does becomes a span.
//!
//! ```no_run
//! use bronto_tracing::otlp::{OtlpConfig, SkipShipperThreads};
//! use opentelemetry::trace::TracerProvider as _;
//! use tracing_subscriber::Layer as _;
//! use tracing_subscriber::layer::SubscriberExt as _;
//! use tracing_subscriber::util::SubscriberInitExt as _;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let otlp = OtlpConfig::region("eu")
//!     .api_key(std::env::var("BRONTO_INGEST_KEY")?)
//!     .service_name("checkout")
//!     .service_namespace("payments");
//! let provider = otlp.tracer_provider()?;
//! let traces = tracing_opentelemetry::layer()
//!     .with_tracer(provider.tracer("checkout"))
//!     .with_filter(SkipShipperThreads);
//! tracing_subscriber::registry().with(traces).init();
//! // ... spans reach Bronto's traces; a `BrontoLayer` beside it writes each log line's `trace_id`/`span_id`.
//! provider.shutdown()?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry::KeyValue;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{
    LogExporter, Protocol, SpanExporter, WithExportConfig as _, WithHttpConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tokio::sync::{mpsc, oneshot};
use tracing::Metadata;
use tracing_subscriber::layer::{Context, Filter};

use crate::feedback;

mod trace_context;

pub use trace_context::TraceContext;

/// Where and as what a service's OpenTelemetry data goes: the ingestion host, the key, and the resource.
#[derive(Clone)]
pub struct OtlpConfig {
    base_url: Result<String, String>,
    api_key: Option<String>,
    service_name: Option<String>,
    service_namespace: Option<String>,
    timeout: Duration,
}

impl fmt::Debug for OtlpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("service_name", &self.service_name)
            .field("service_namespace", &self.service_namespace)
            .finish()
    }
}

/// Why an exporter could not be built. Never contains the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtlpError {
    /// The region is not a slug, or the base URL not https (or http on loopback).
    #[error("{0}")]
    Target(String),
    /// No API key was configured.
    #[error("an API key (an ingestion key) is required")]
    MissingCredential,
    /// The exporter or its HTTP thread could not be built.
    #[error("the OTLP exporter could not be built: {0}")]
    Build(String),
}

impl OtlpConfig {
    /// Sends to `https://ingestion.{region}.bronto.io` (`eu`, `us`).
    pub fn region(region: impl Into<String>) -> Self {
        let region = region.into();
        let base_url = if client_runtime::is_region_slug(&region) {
            Ok(format!("https://ingestion.{region}.bronto.io"))
        } else {
            Err(format!(
                "`{}` is not a region slug",
                region.chars().take(64).collect::<String>()
            ))
        };
        Self::with_base(base_url)
    }

    /// Sends to `base_url` (https, or http on loopback for tests and local collectors).
    pub fn base_url(base_url: impl Into<String>) -> Self {
        let base_url = base_url.into();
        let checked = client_runtime::BaseUrl::parse(&base_url)
            .map(|url| url.as_str().trim_end_matches('/').to_string())
            .map_err(|error| error.to_string());
        Self::with_base(checked)
    }

    fn with_base(base_url: Result<String, String>) -> Self {
        Self {
            base_url,
            api_key: None,
            service_name: None,
            service_namespace: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// The ingestion (or admin) key, sent as `x-bronto-api-key` by the HTTP thread (the exporter never holds it).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The resource's `service.name`: Bronto's dataset.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// The resource's `service.namespace`: Bronto's collection.
    pub fn service_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.service_namespace = Some(namespace.into());
        self
    }

    /// Timeout of one export request (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The resource every exported span and log record carries.
    pub fn resource(&self) -> Resource {
        let mut builder = Resource::builder_empty();
        if let Some(name) = &self.service_name {
            builder = builder.with_service_name(name.clone());
        }
        if let Some(namespace) = &self.service_namespace {
            builder = builder.with_attribute(KeyValue::new("service.namespace", namespace.clone()));
        }
        builder.build()
    }

    fn endpoint(&self, path: &str) -> Result<(String, ThreadClient), OtlpError> {
        let base = self.base_url.clone().map_err(OtlpError::Target)?;
        let key = self.api_key.clone().filter(|key| !key.trim().is_empty());
        let key = key.ok_or(OtlpError::MissingCredential)?;
        let client = ThreadClient::start(key, self.timeout)?;
        Ok((format!("{base}{path}"), client))
    }

    /// A span exporter: OTLP/HTTP protobuf to `/v1/traces`.
    pub fn span_exporter(&self) -> Result<SpanExporter, OtlpError> {
        let (endpoint, client) = self.endpoint("/v1/traces")?;
        SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_timeout(self.timeout)
            .with_headers(HashMap::new())
            .build()
            .map_err(|error| OtlpError::Build(error.to_string()))
    }

    /// A log exporter: OTLP/HTTP protobuf to `/v1/logs`.
    pub fn log_exporter(&self) -> Result<LogExporter, OtlpError> {
        let (endpoint, client) = self.endpoint("/v1/logs")?;
        LogExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_timeout(self.timeout)
            .build()
            .map_err(|error| OtlpError::Build(error.to_string()))
    }

    /// A tracer provider with a batch processor over [`OtlpConfig::span_exporter`] and [`OtlpConfig::resource`].
    /// Call its `shutdown()` (from anywhere: sync code or any runtime) before the process ends.
    pub fn tracer_provider(&self) -> Result<SdkTracerProvider, OtlpError> {
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(self.span_exporter()?)
            .with_resource(self.resource())
            .build())
    }

    /// A logger provider with a batch processor over [`OtlpConfig::log_exporter`] and [`OtlpConfig::resource`].
    pub fn logger_provider(&self) -> Result<SdkLoggerProvider, OtlpError> {
        Ok(SdkLoggerProvider::builder()
            .with_batch_exporter(self.log_exporter()?)
            .with_resource(self.resource())
            .build())
    }
}

/// A per-layer filter that disables a layer on the shipper's own threads (this crate's workers and OTLP HTTP
/// thread), so that a `tracing-opentelemetry` layer (or any other) never records what shipping does.
#[derive(Clone, Copy, Debug, Default)]
pub struct SkipShipperThreads;

impl<S> Filter<S> for SkipShipperThreads {
    fn enabled(&self, _: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        !feedback::on_worker_thread()
    }

    fn callsite_enabled(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // Decided per thread, so never cached per callsite.
        tracing::subscriber::Interest::sometimes()
    }
}

/// One request for the HTTP thread.
struct Job {
    request: http::Request<Bytes>,
    reply: oneshot::Sender<Result<http::Response<Bytes>, HttpError>>,
}

/// The exporters' HTTP client: hands each request to a thread of its own (its own tokio runtime and reqwest
/// client with the workspace's rustls), which adds the key, and awaits the answer from any executor.
#[derive(Clone)]
struct ThreadClient {
    jobs: mpsc::UnboundedSender<Job>,
}

impl fmt::Debug for ThreadClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ThreadClient")
    }
}

impl ThreadClient {
    fn start(key: String, timeout: Duration) -> Result<Self, OtlpError> {
        let mut key = reqwest::header::HeaderValue::from_str(&key)
            .map_err(|_| OtlpError::Build("the API key is not a valid header value".to_string()))?;
        key.set_sensitive(true);
        let client = client_runtime::tls::client_builder()
            .timeout(timeout)
            .build()
            .map_err(|error| OtlpError::Build(error.to_string()))?;
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .on_thread_start(feedback::mark_worker_thread)
            .build()
            .map_err(|error| OtlpError::Build(error.to_string()))?;
        std::thread::Builder::new()
            .name("bronto-tracing-otlp".to_string())
            .spawn(move || {
                feedback::mark_worker_thread();
                runtime.block_on(async move {
                    while let Some(job) = rx.recv().await {
                        let (client, key) = (client.clone(), key.clone());
                        tokio::spawn(async move {
                            let _ = job.reply.send(send(&client, key, job.request).await);
                        });
                    }
                });
            })
            .map_err(|error| OtlpError::Build(error.to_string()))?;
        Ok(Self { jobs })
    }
}

async fn send(
    client: &reqwest::Client,
    key: reqwest::header::HeaderValue,
    request: http::Request<Bytes>,
) -> Result<http::Response<Bytes>, HttpError> {
    let (parts, body) = request.into_parts();
    let response = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .header("x-bronto-api-key", key)
        .body(body)
        .send()
        .await?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?;
    Ok(builder.body(body)?)
}

impl HttpClient for ThreadClient {
    fn send_bytes<'life0, 'async_trait>(
        &'life0 self,
        request: http::Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<http::Response<Bytes>, HttpError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let (reply, answer) = oneshot::channel();
        let queued = self.jobs.send(Job { request, reply });
        Box::pin(async move {
            queued.map_err(|_| HttpError::from("the OTLP HTTP thread has stopped"))?;
            answer
                .await
                .map_err(|_| HttpError::from("the OTLP HTTP thread dropped the request"))?
        })
    }
}

//! The one entry point services use for the Bronto and BluBracket APIs.
//!
//! The generated clients (`bronto-client`, `blubracket-client`) give every operation of the vendors' documents
//! as typed builders; this crate adds what a service should not re-implement: one [`Config`] (explicit values,
//! then the environment), credentials in redacting types (client-bound or per request), one runtime policy for
//! every client (bounded retries with backoff and jitter honouring `Retry-After`/`RateLimit-Reset`, only for
//! requests safe to repeat; connect, attempt and operation timeouts; a bound on requests in flight; no redirect
//! that carries a credential to another host; a tracing span per request), one [`Error`] type, and a raw escape
//! hatch for endpoints the vendor serves but does not declare.
//!
//! A service's first program: list the API keys, find the errors of the last day, export them.
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use sdk::bronto_api::types::{CreateExportDetails, CreateExportRequest, CreateSearchRequest};
//! use sdk::query::{attribute, string_literal};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), sdk::Error> {
//!     let sdk = sdk::Sdk::from_env()?; // BRONTO_REGION=eu BRONTO_API_KEY=...
//!     let bronto = sdk.bronto()?;
//!     for key in bronto.list_api_keys().call().await?.api_keys {
//!         println!("{:?} {:?}", key.name, key.roles);
//!     }
//!     let errors = format!("{} = {}", attribute("level"), string_literal("error"));
//!     let search = CreateSearchRequest::builder()
//!         .select(["*"]).from(["checkout"]).where_(&errors).time_range("Last 24 hours");
//!     let events: Vec<_> = bronto.search_events(search.try_into()?).try_collect().await?;
//!     println!("{} errors in the last 24 hours", events.len());
//!     let export = CreateExportRequest::builder()
//!         .search_details(CreateExportDetails::builder().from(["checkout"]).where_(&errors).time_range("Last 24 hours"));
//!     let mut data = Vec::new();
//!     let outcome = bronto.export_to(export.try_into()?, &mut data, Default::default(), |p| println!("{}%", p.percent)).await?;
//!     println!("exported {} bytes", outcome.written);
//!     Ok(())
//! }
//! ```
//!
//! Every operation of both documents is a method of [`Bronto`] or [`BluBracket`] returning a typed builder; request
//! bodies have builders that take plain values (`.where_("...")`, `.from(["a", "b"])`); `call()` sends under the
//! runtime policy and answers with the typed response or one [`Error`], which names the operation (and the workflow
//! step, the time limit that ran out, the JSON path that did not decode) and never a secret. The
//! [`cookbook`] has the ten most common tasks, each a tested program.
//!
//! # Choosing what to compile
//!
//! The default features compile everything: every operation of both documents, the workflows and ingestion. A
//! service that uses less turns the default off and names what it uses. Each tag of the Bronto document is a
//! feature, `bronto-<tag>` (`bronto-api-keys`, `bronto-search`, `bronto-exports`, `bronto-datasets`,
//! `bronto-users`, ...; the list is in `sdk/Cargo.toml`), beside `bronto-all`, `blubracket` and `ingest`. A
//! service that only lists API keys:
//!
//! ```toml
//! [dependencies]
//! sdk = { version = "=0.1.0", registry = "internal", default-features = false, features = ["bronto-api-keys"] }
//! ```
//!
//! and one that only searches and exports (the paged and asynchronous searches come with `bronto-search`,
//! [`Bronto::export_to`] and its Zstandard decoder with `bronto-exports`):
//!
//! ```toml
//! [dependencies]
//! sdk = { version = "=0.1.0", registry = "internal", default-features = false, features = ["bronto-search", "bronto-exports"] }
//! ```
//!
//! Always compiled: [`Config`], the credentials, [`Error`], the runtime policy, [`Sdk::bronto`] and its raw escape
//! hatch ([`Bronto::get`] reaches any endpoint). An operation of a tag left out is simply not a method (`no method
//! named list_users`: add `bronto-users`). Features are additive: a type is the same whatever tags are enabled, so
//! another crate of the build enabling more never breaks code written against fewer. The sandbox (a fake of both
//! services for tests) is its own crate, `vendor-sandbox`: keep it in `[dev-dependencies]`.
//!
//! Multi-tenant services keep no credential in the client, and make each tenant's calls through a handle that
//! carries the tenant's credential as a value ([`Bronto::with`]): every call, workflow, stream and spawned task made
//! through it sends that credential, and nothing else does.
//!
//! ```no_run
//! # async fn run() -> Result<(), sdk::Error> {
//! use sdk::{Credential, RequestOptions};
//! let config = sdk::Config::builder().bronto_region("us").bronto_per_request_credentials().build()?;
//! let sdk = sdk::Sdk::new(config)?;
//! let tenant = sdk.bronto()?.with(RequestOptions::new().credential(Credential::api_key("tenant-a-key")));
//! let keys = tenant.list_api_keys().call().await?;
//! # let _ = keys; Ok(()) }
//! ```

#![deny(missing_docs)]

#[cfg(feature = "blubracket")]
mod blubracket;
mod bronto;
mod call;
mod components;
mod config;
mod poll;
/// Recipes: the tasks a service does most, each a compiled and tested program.
#[cfg(all(feature = "bronto-all", feature = "blubracket", feature = "ingest"))]
#[doc = include_str!("cookbook.md")]
pub mod cookbook {}
#[cfg(feature = "tracing-layer")]
mod log_layer;
pub mod query;

#[cfg(feature = "blubracket")]
pub use blubracket::{BluBracket, CommitScan, ScanOptions};
pub use bronto::Bronto;
#[cfg(feature = "bronto-search")]
pub use bronto::{AsyncSearch, AsyncSearchOptions};
#[cfg(feature = "bronto-exports")]
pub use bronto::{ExportData, ExportOptions, ExportOutcome, ExportProgress};
/// The runtime's stack of components, for a service that adds its own ([`ConfigBuilder::layer`]).
pub use client_runtime::stack;
pub use client_runtime::{
    AttemptOutcome, BeforeAttempt, Credential, Interceptor, PacingPolicy, PagingLimits,
    RequestOptions, RetryPolicy, Timeouts,
};
pub use client_runtime::{Error, ErrorKind, MAX_ERROR_BODY, RateLimit, TimeLimit};
pub use config::{Config, ConfigBuilder, env};
pub use poll::PollSchedule;

/// The generated BluBracket client and its types (`sdk::blubracket_api::types::Alert`, ...).
/// Inlined, so `cargo doc --no-deps -p sdk` shows every request and response type.
#[cfg(feature = "blubracket")]
#[doc(inline)]
pub use blubracket_client as blubracket_api;
/// The generated Bronto client and its types (`sdk::bronto_api::types::ApiKey`, ...). Inlined, so `cargo doc
/// --no-deps -p sdk` shows every request and response type and every operation's builder.
#[doc(inline)]
pub use bronto_client as bronto_api;

/// Bronto's ingestion client (`sdk.ingestion()?...build()?`): batched, compressed, back-pressured NDJSON delivery.
#[cfg(feature = "ingest")]
#[doc(inline)]
pub use bronto_ingest as ingest;

/// The `tracing` layer that ships the service's own logs into Bronto (`sdk.log_layer()?...build()?`).
#[cfg(feature = "tracing-layer")]
pub use bronto_tracing as tracing_layer;

/// The SDK: one handle per configured API, sharing one runtime policy.
#[derive(Debug, Clone)]
pub struct Sdk {
    bronto: Option<Bronto>,
    #[cfg(feature = "blubracket")]
    blubracket: Option<BluBracket>,
    #[cfg(feature = "ingest")]
    ingestion: Option<Ingestion>,
}

/// What ingestion takes from the configuration.
#[cfg(feature = "ingest")]
#[derive(Debug, Clone)]
struct Ingestion {
    target: config::IngestionTarget,
    credential: Option<Credential>,
    timeouts: Timeouts,
}

impl Sdk {
    /// Builds the clients `config` describes.
    pub fn new(config: Config) -> Result<Self, Error> {
        let bronto = match &config.bronto {
            None => None,
            Some(settings) => {
                let builder = bronto_client::ClientConfig::with_base_url(settings.base_url.clone())
                    .runtime_builder()
                    .map_err(|e| Error::new(ErrorKind::Config).message(e.to_string()))?
                    .credential_mode(settings.credentials.clone());
                let runtime = config.finish_runtime(builder, "bronto-client")?;
                Some(Bronto::new(bronto_client::Client::with_runtime(runtime)))
            }
        };
        #[cfg(feature = "blubracket")]
        let blubracket = match &config.blubracket {
            None => None,
            Some(settings) => {
                let builder = blubracket_client::ClientConfig::new(settings.tenant_url.clone())
                    .credential(settings.credential.clone())
                    .runtime_builder()
                    .map_err(|e| Error::new(ErrorKind::Config).message(e.to_string()))?;
                let runtime = config.finish_runtime(builder, "blubracket-client")?;
                Some(BluBracket::new(blubracket_client::Client::with_runtime(
                    runtime,
                )))
            }
        };
        #[cfg(feature = "ingest")]
        let ingestion = config.bronto.as_ref().and_then(|settings| {
            let target = settings.ingestion.clone()?;
            let credential = match &settings.credentials {
                client_runtime::CredentialMode::Bound(credential) => Some(credential.clone()),
                _ => None,
            };
            Some(Ingestion {
                target,
                credential,
                timeouts: config.timeouts,
            })
        });
        Ok(Self {
            bronto,
            #[cfg(feature = "blubracket")]
            blubracket,
            #[cfg(feature = "ingest")]
            ingestion,
        })
    }

    /// An ingestion configuration from the same `Config` as the API clients (its region or
    /// `BRONTO_INGESTION_URL`, credential, retry policy, connect and attempt timeouts), to adjust (dataset,
    /// collection, tags, batching) and build. In per-request credential mode, set the tenant's credential on it.
    ///
    /// ```no_run
    /// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
    /// use sdk::ingest::Event;
    /// let ingestor = sdk.ingestion()?.dataset("checkout").build()?;
    /// ingestor.send(Event::new("payment declined").field("order", 42)).await?;
    /// let report = ingestor.close().await;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "ingest")]
    pub fn ingestion(&self) -> Result<ingest::IngestConfig, Error> {
        let settings = self.ingestion.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Config).message(
                "Bronto ingestion is not configured (set BRONTO_REGION, or BRONTO_INGESTION_URL beside a custom \
                 BRONTO_BASE_URL)",
            )
        })?;
        let config = match &settings.target {
            config::IngestionTarget::Region(region) => ingest::IngestConfig::region(region.clone()),
            config::IngestionTarget::Url(url) => ingest::IngestConfig::base_url(url.clone()),
        };
        let config = match &settings.credential {
            Some(credential) => config.credential(credential.clone()),
            None => config,
        };
        // Ingestion keeps its own retry schedule (it waits out throttling and outages, holding back `send`): the
        // API calls' policy, which gives up after a few attempts, is not its own.
        Ok(config
            .connect_timeout(settings.timeouts.connect)
            .request_timeout(settings.timeouts.attempt))
    }

    /// The SDK configured from the environment alone (see [`env`](mod@crate::env)).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(Config::from_env()?)
    }

    /// The BluBracket API; a configuration error when no BluBracket tenant was configured.
    #[cfg(feature = "blubracket")]
    pub fn blubracket(&self) -> Result<&BluBracket, Error> {
        self.blubracket.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Config).message(
                "BluBracket is not configured (set BLUBRACKET_HOST and BLUBRACKET_INTEGRATION_KEY, or a key file)",
            )
        })
    }

    /// The Bronto API; a configuration error when no Bronto host was configured.
    pub fn bronto(&self) -> Result<&Bronto, Error> {
        self.bronto.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Config).message(
                "Bronto is not configured (set BRONTO_REGION or BRONTO_BASE_URL and a credential)",
            )
        })
    }
}

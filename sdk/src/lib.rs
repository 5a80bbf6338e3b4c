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
//! ```no_run
//! # async fn run() -> Result<(), sdk::Error> {
//! // BRONTO_REGION=eu BRONTO_API_KEY=... in the environment
//! let sdk = sdk::Sdk::from_env()?;
//! let bronto = sdk.bronto()?;
//! let keys = bronto.list_api_keys().call().await?;
//! for key in keys.api_keys {
//!     println!("{:?} {:?}", key.name, key.roles);
//! }
//! # Ok(()) }
//! ```
//!
//! Multi-tenant services keep no credential in the client, and make each tenant's calls through a handle that
//! carries the tenant's credential as a value ([`Api::with`]): every call, workflow, stream and spawned task made
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

mod blubracket;
mod bronto;
mod call;
mod config;
mod export;
pub mod query;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod search;

pub use blubracket::BluBracket;
pub use bronto::Bronto;
pub use call::Api;
pub use client_runtime::{Credential, PagingLimits, RequestOptions, RetryPolicy, Timeouts};
pub use client_runtime::{Error, ErrorKind, MAX_ERROR_BODY, RateLimit};
pub use config::{Config, ConfigBuilder, env};
pub use export::{ExportData, ExportOptions, ExportOutcome, ExportProgress};
pub use search::{AsyncSearch, AsyncSearchOptions};

/// The generated BluBracket client and its types (`sdk::blubracket_api::types::Alert`, ...).
pub use blubracket_client as blubracket_api;
/// The generated Bronto client and its types (`sdk::bronto_api::types::ApiKey`, ...).
pub use bronto_client as bronto_api;

/// The SDK: one handle per configured API, sharing one runtime policy.
#[derive(Debug, Clone)]
pub struct Sdk {
    bronto: Option<Bronto>,
    blubracket: Option<BluBracket>,
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
        Ok(Self { bronto, blubracket })
    }

    /// The SDK configured from the environment alone (see [`env`](mod@crate::env)).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(Config::from_env()?)
    }

    /// The BluBracket API; a configuration error when no BluBracket tenant was configured.
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

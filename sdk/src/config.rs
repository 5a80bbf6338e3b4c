//! [`Config`]: one builder for every client, plus the environment.

use std::fmt;
use std::time::Duration;

use client_runtime::{Credential, RetryPolicy, Timeouts};

use client_runtime::{Error, ErrorKind};

/// Environment variables read by [`Config::from_env`].
pub mod env {
    /// Bronto API key (`X-BRONTO-API-KEY`).
    pub const BRONTO_API_KEY: &str = "BRONTO_API_KEY";
    /// Bronto bearer token (wins over the API key).
    pub const BRONTO_BEARER_TOKEN: &str = "BRONTO_BEARER_TOKEN";
    /// Bronto region slug (`eu`, `us`, ...).
    pub const BRONTO_REGION: &str = "BRONTO_REGION";
    /// Bronto base URL (tests, proxies); wins over the region.
    pub const BRONTO_BASE_URL: &str = "BRONTO_BASE_URL";
    /// A custom Bronto ingestion URL (the root its NDJSON is posted to); by default it follows the region
    /// (`https://ingestion.{region}.bronto.io`).
    #[cfg(feature = "ingest")]
    pub const BRONTO_INGESTION_URL: &str = "BRONTO_INGESTION_URL";
    /// BluBracket tenant URL (`https://<tenant>.blubracket.com`).
    #[cfg(feature = "blubracket")]
    pub const BLUBRACKET_HOST: &str = "BLUBRACKET_HOST";
    /// BluBracket integration token (the key file's `token`).
    #[cfg(feature = "blubracket")]
    pub const BLUBRACKET_INTEGRATION_KEY: &str = "BLUBRACKET_INTEGRATION_KEY";
    /// Path of the key file the BluBracket console downloads (JSON or CSV).
    #[cfg(feature = "blubracket")]
    pub const BLUBRACKET_KEY_FILE: &str = "BLUBRACKET_KEY_FILE";
}

/// The BluBracket part of a configuration, resolved.
#[cfg(feature = "blubracket")]
#[derive(Clone)]
pub(crate) struct BluBracketSettings {
    pub(crate) tenant_url: String,
    pub(crate) credential: Credential,
}

/// The Bronto part of a configuration, resolved.
#[derive(Clone)]
pub(crate) struct BrontoSettings {
    pub(crate) base_url: String,
    pub(crate) credentials: client_runtime::CredentialMode,
    /// Where ingestion posts: a region slug or a URL (`None` for a custom base URL without an ingestion URL).
    #[cfg(feature = "ingest")]
    pub(crate) ingestion: Option<IngestionTarget>,
}

/// Where ingestion posts.
#[cfg(feature = "ingest")]
#[derive(Debug, Clone)]
pub(crate) enum IngestionTarget {
    Region(String),
    Url(String),
}

/// Where the Bronto host comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BrontoHost {
    Region(String),
    BaseUrl(String),
}

/// One source of settings (explicit calls, or the environment).
#[derive(Clone, Default)]
struct Layer {
    bronto_host: Option<BrontoHost>,
    #[cfg(feature = "ingest")]
    bronto_ingestion_url: Option<String>,
    bronto_api_key: Option<Credential>,
    bronto_bearer: Option<Credential>,
    #[cfg(feature = "blubracket")]
    blubracket_tenant: Option<String>,
    #[cfg(feature = "blubracket")]
    blubracket_token: Option<Credential>,
    #[cfg(feature = "blubracket")]
    blubracket_key_file: Option<std::path::PathBuf>,
}

impl Layer {
    fn bronto_credential(&self) -> Option<Credential> {
        // Bearer wins over an API key within one source.
        self.bronto_bearer
            .clone()
            .or_else(|| self.bronto_api_key.clone())
    }
}

/// Configuration of the SDK: hosts, credentials and the runtime policy shared by every client.
///
/// Precedence, field by field: explicit builder calls, then the environment ([`Config::from_env`]), then (for
/// BluBracket) the key file. Within one source a Bronto bearer token wins over an API key. Secrets live in
/// redacting types: `Debug` never shows them.
///
/// ```
/// use std::time::Duration;
/// let config = sdk::Config::builder()
///     .bronto_region("eu")
///     .bronto_api_key("my-key")
///     .max_attempts(5)
///     .operation_timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert!(!format!("{config:?}").contains("my-key"));
/// assert!(sdk::Config::builder().bronto_region("evil.com/").bronto_api_key("k").build().is_err());
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) bronto: Option<BrontoSettings>,
    #[cfg(feature = "blubracket")]
    pub(crate) blubracket: Option<BluBracketSettings>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_in_flight: usize,
    pub(crate) components: crate::components::Components,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bronto = self.bronto.as_ref().map(|b| {
            let mode = match &b.credentials {
                client_runtime::CredentialMode::Bound(c) => format!("{c:?}"),
                client_runtime::CredentialMode::PerRequest => "per request".to_string(),
                client_runtime::CredentialMode::Anonymous => "none".to_string(),
            };
            format!("{} ({mode})", b.base_url)
        });
        let mut debug = f.debug_struct("Config");
        debug.field("bronto", &bronto);
        #[cfg(feature = "blubracket")]
        debug.field(
            "blubracket",
            &self
                .blubracket
                .as_ref()
                .map(|b| format!("{} ({:?})", b.tenant_url, b.credential)),
        );
        debug
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("max_in_flight", &self.max_in_flight)
            .field("components", &self.components)
            .finish()
    }
}

impl Config {
    /// Applies the shared runtime policy (retries, timeouts, in-flight bound, user agent) to a client's runtime.
    pub(crate) fn finish_runtime(
        &self,
        builder: client_runtime::RuntimeBuilder,
        client: &str,
    ) -> Result<client_runtime::Runtime, Error> {
        self.components
            .apply(builder)
            .retry(self.retry.clone())
            .timeouts(self.timeouts)
            .max_in_flight(self.max_in_flight)
            .user_agent(format!(
                "sdk/{v} {client}/{v}",
                v = env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| config_error(e.to_string()))
    }

    /// A builder with the defaults: 3 attempts, timeouts 10 s connect / 30 s per attempt / 120 s per operation,
    /// 16 requests in flight per client.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The configuration from the process environment alone (see [`env`](mod@crate::env)).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().with_env().build()
    }
}

/// Builds a [`Config`].
#[derive(Clone)]
pub struct ConfigBuilder {
    explicit: Layer,
    environment: Layer,
    bronto_per_request: bool,
    retry: RetryPolicy,
    timeouts: Timeouts,
    max_in_flight: usize,
    pub(crate) components: crate::components::Components,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            explicit: Layer::default(),
            environment: Layer::default(),
            bronto_per_request: false,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            max_in_flight: 16,
            components: crate::components::Components::default(),
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field(
                "bronto_host",
                &self
                    .explicit
                    .bronto_host
                    .clone()
                    .or(self.environment.bronto_host.clone()),
            )
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// The Bronto region (`eu`, `us`, or a future region's slug).
    pub fn bronto_region(mut self, region: impl Into<String>) -> Self {
        self.explicit.bronto_host = Some(BrontoHost::Region(region.into()));
        self
    }

    /// A custom Bronto ingestion URL (https; http only on loopback). By default ingestion follows the region;
    /// with a custom base URL and no ingestion URL, [`Sdk::ingestion`](crate::Sdk::ingestion) says so.
    #[cfg(feature = "ingest")]
    pub fn bronto_ingestion_url(mut self, url: impl Into<String>) -> Self {
        self.explicit.bronto_ingestion_url = Some(url.into());
        self
    }

    /// A custom Bronto base URL (https; http only on loopback).
    pub fn bronto_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.explicit.bronto_host = Some(BrontoHost::BaseUrl(base_url.into()));
        self
    }

    /// A Bronto API key, used for every call.
    pub fn bronto_api_key(mut self, key: impl Into<String>) -> Self {
        self.explicit.bronto_api_key = Some(Credential::api_key(key));
        self
    }

    /// A Bronto bearer token, used for every call (wins over an API key).
    pub fn bronto_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.explicit.bronto_bearer = Some(Credential::bearer(token));
        self
    }

    /// The Bronto client holds no credential: every call is made through a handle that carries one (`Api::with` and
    /// `RequestOptions::credential`). No
    /// credential from the environment is used, and a call without one fails before anything is sent.
    pub fn bronto_per_request_credentials(mut self) -> Self {
        self.bronto_per_request = true;
        self
    }

    /// The BluBracket tenant URL (`https://<tenant>.blubracket.com`, or a self-hosted https URL).
    #[cfg(feature = "blubracket")]
    pub fn blubracket_tenant(mut self, tenant_url: impl Into<String>) -> Self {
        self.explicit.blubracket_tenant = Some(tenant_url.into());
        self
    }

    /// The BluBracket integration token (`Authorization: Bearer`).
    #[cfg(feature = "blubracket")]
    pub fn blubracket_token(mut self, token: impl Into<String>) -> Self {
        self.explicit.blubracket_token = Some(Credential::bearer(token));
        self
    }

    /// The key file the BluBracket console downloads (JSON or CSV): the tenant (when not set otherwise; the file
    /// must then hold one tenant) and its token come from it.
    #[cfg(feature = "blubracket")]
    pub fn blubracket_key_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.explicit.blubracket_key_file = Some(path.into());
        self
    }

    /// Fills what the explicit calls left unset from the process environment (see [`env`](mod@crate::env)).
    pub fn with_env(self) -> Self {
        self.with_env_from(|name| std::env::var(name).ok())
    }

    /// Like [`ConfigBuilder::with_env`], reading variables through `lookup` (for tests and embedders).
    pub fn with_env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        // Trimmed, as bronto-ingest reads them: a mounted secret often ends with a newline, which no header can
        // carry.
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        self.environment = Layer {
            bronto_host: value(env::BRONTO_BASE_URL)
                .map(BrontoHost::BaseUrl)
                .or_else(|| value(env::BRONTO_REGION).map(BrontoHost::Region)),
            #[cfg(feature = "ingest")]
            bronto_ingestion_url: value(env::BRONTO_INGESTION_URL),
            bronto_api_key: value(env::BRONTO_API_KEY).map(Credential::api_key),
            bronto_bearer: value(env::BRONTO_BEARER_TOKEN).map(Credential::bearer),
            #[cfg(feature = "blubracket")]
            blubracket_tenant: value(env::BLUBRACKET_HOST),
            #[cfg(feature = "blubracket")]
            blubracket_token: value(env::BLUBRACKET_INTEGRATION_KEY).map(Credential::bearer),
            #[cfg(feature = "blubracket")]
            blubracket_key_file: value(env::BLUBRACKET_KEY_FILE).map(Into::into),
        };
        self
    }

    /// Total attempts per operation, including the first (retries apply only to requests safe to repeat).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry = self.retry.max_attempts(attempts);
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Timeout of one attempt (request and whole response).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// Idle time while reading a response: each read of the headers or body must make progress within it
    /// (default 30 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.idle = timeout;
        self
    }

    /// Timeout of a whole operation, retries and waits included.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.operation = timeout;
        self
    }

    /// At most this many requests in flight per client.
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.max_in_flight = limit.max(1);
        self
    }

    /// Resolves and validates the configuration.
    pub fn build(self) -> Result<Config, Error> {
        let host = self
            .explicit
            .bronto_host
            .clone()
            .or_else(|| self.environment.bronto_host.clone());
        let credential = self
            .explicit
            .bronto_credential()
            .or_else(|| self.environment.bronto_credential());
        let bronto = match host {
            None if credential.is_some() && !self.bronto_per_request => {
                return Err(config_error(
                    "a Bronto credential is set but no region or base URL (BRONTO_REGION or BRONTO_BASE_URL)",
                ));
            }
            None => None,
            Some(host) => {
                #[cfg(feature = "ingest")]
                let ingestion_url = self
                    .explicit
                    .bronto_ingestion_url
                    .clone()
                    .or_else(|| self.environment.bronto_ingestion_url.clone());
                #[cfg(feature = "ingest")]
                let ingestion = match (&host, ingestion_url) {
                    (_, Some(url)) => Some(IngestionTarget::Url(url)),
                    (BrontoHost::Region(slug), None) => Some(IngestionTarget::Region(slug.clone())),
                    (BrontoHost::BaseUrl(_), None) => None,
                };
                let base_url = match host {
                    BrontoHost::BaseUrl(url) => url,
                    BrontoHost::Region(slug) => slug
                        .parse::<bronto_client::Region>()
                        .map_err(|e| config_error(e.to_string()))?
                        .api_base_url(),
                };
                client_runtime::BaseUrl::parse(&base_url)
                    .map_err(|e| config_error(e.to_string()))?;
                let credentials = if self.bronto_per_request {
                    client_runtime::CredentialMode::PerRequest
                } else {
                    match credential {
                        Some(credential) if credential.is_blank() => {
                            return Err(Error::new(ErrorKind::Credential)
                                .message("the Bronto credential is empty"));
                        }
                        Some(credential)
                            if credential
                                .header(&client_runtime::AuthScheme::bronto())
                                .is_none() =>
                        {
                            return Err(Error::new(ErrorKind::Credential).message(
                                "the Bronto credential cannot be sent: it holds a newline or another control \
                                 character, which no header can carry",
                            ));
                        }
                        Some(credential) => client_runtime::CredentialMode::Bound(credential),
                        None => {
                            return Err(Error::new(ErrorKind::Credential).message(
                                "no Bronto credential: set an API key or bearer token (BRONTO_API_KEY, \
                                 BRONTO_BEARER_TOKEN), or choose per-request credentials",
                            ));
                        }
                    }
                };
                Some(BrontoSettings {
                    base_url,
                    credentials,
                    #[cfg(feature = "ingest")]
                    ingestion,
                })
            }
        };
        Ok(Config {
            bronto,
            #[cfg(feature = "blubracket")]
            blubracket: self.resolve_blubracket()?,
            retry: self.retry,
            timeouts: self.timeouts,
            max_in_flight: self.max_in_flight,
            components: self.components,
        })
    }
}

#[cfg(feature = "blubracket")]
impl ConfigBuilder {
    /// BluBracket: tenant and token from explicit calls, then the environment, then the key file.
    fn resolve_blubracket(&self) -> Result<Option<BluBracketSettings>, Error> {
        let tenant = self
            .explicit
            .blubracket_tenant
            .clone()
            .or_else(|| self.environment.blubracket_tenant.clone());
        let token = self
            .explicit
            .blubracket_token
            .clone()
            .or_else(|| self.environment.blubracket_token.clone());
        let key_file = self
            .explicit
            .blubracket_key_file
            .clone()
            .or_else(|| self.environment.blubracket_key_file.clone());
        let (tenant_url, credential) = match (tenant, token, key_file) {
            (None, None, None) => return Ok(None),
            (Some(tenant), Some(token), _) => (tenant, token),
            (tenant, token, Some(path)) => {
                let keys = blubracket_client::KeyFile::load(&path)
                    .map_err(|e| config_error(e.to_string()))?;
                let chosen = keys
                    .select(tenant.as_deref())
                    .map_err(|e| config_error(e.to_string()))?;
                (
                    tenant.unwrap_or_else(|| chosen.tenant_url().to_string()),
                    token.unwrap_or_else(|| chosen.credential().clone()),
                )
            }
            (None, Some(_), None) => {
                return Err(config_error(
                    "a BluBracket token is set but no tenant URL (BLUBRACKET_HOST or a key file)",
                ));
            }
            (Some(_), None, None) => {
                return Err(Error::new(ErrorKind::Credential).message(
                    "no BluBracket token: set BLUBRACKET_INTEGRATION_KEY or a key file (BLUBRACKET_KEY_FILE)",
                ));
            }
        };
        if credential.is_blank() {
            return Err(Error::new(ErrorKind::Credential).message("the BluBracket token is empty"));
        }
        if credential
            .header(&client_runtime::AuthScheme::bearer_only())
            .is_none()
        {
            return Err(Error::new(ErrorKind::Credential).message(
                "the BluBracket token cannot be sent: it holds a newline or another control character, which no \
                 header can carry",
            ));
        }
        client_runtime::BaseUrl::parse(&tenant_url).map_err(|e| config_error(e.to_string()))?;
        Ok(Some(BluBracketSettings {
            tenant_url,
            credential,
        }))
    }
}

fn config_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config).message(message)
}

//! Building a [`Client`]: host (region or base URL) and credential.

use client_runtime::{
    AuthScheme, BaseUrlError, Credential, CredentialMode, Runtime, RuntimeBuilder,
};

use crate::Region;
use crate::generated::Client;

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL was refused (not https, plain http off loopback, ...).
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// The credential is empty: refused rather than sending unauthenticated requests.
    #[error("the credential is empty")]
    EmptyCredential,
}

/// Settings for a Bronto [`Client`].
///
/// ```
/// use bronto_client::{ClientConfig, ClientInfo as _, Region};
/// let client = ClientConfig::new(Region::Us).bearer_token("jwt").build().unwrap();
/// assert_eq!(client.baseurl(), "https://api.us.bronto.io");
/// // Neither the client nor its config shows the token.
/// assert!(!format!("{client:?}").contains("jwt"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    base_url: String,
    credentials: CredentialMode,
}

/// The Bronto operations sent with `POST` that only read, and so may be retried: searches. Every other `POST`
/// creates something (an API key, a user, an export) and is never sent twice. Named as the generated client names
/// operations at run time (the method name: `postSearch` is `post_search`).
pub const RETRY_SAFE_POSTS: &[&str] = &["post_search", "search_timeseries", "post_patterns"];

impl ClientConfig {
    /// A client for a region's API host.
    pub fn new(region: Region) -> Self {
        Self {
            base_url: region.api_base_url(),
            credentials: CredentialMode::Anonymous,
        }
    }

    /// A client for a custom base URL (https, or http on loopback for tests).
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            credentials: CredentialMode::Anonymous,
        }
    }

    /// Authenticate with an API key (`X-BRONTO-API-KEY`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = CredentialMode::Bound(Credential::api_key(key));
        self
    }

    /// Authenticate with a bearer token (`Authorization: Bearer`).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = CredentialMode::Bound(Credential::bearer(token));
        self
    }

    /// Authenticate with a credential built elsewhere.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials = CredentialMode::Bound(credential);
        self
    }

    /// No credential in the client: every call supplies its own through `client_runtime::RequestOptions`
    /// (multi-tenant services). A call without one fails before anything is sent.
    pub fn per_request_credentials(mut self) -> Self {
        self.credentials = CredentialMode::PerRequest;
        self
    }

    /// The runtime builder with Bronto's settings (auth scheme, user agent, retry-safe POSTs, credential), for
    /// callers that tune retries, timeouts or the in-flight bound before building.
    pub fn runtime_builder(self) -> Result<RuntimeBuilder, ConfigError> {
        if let CredentialMode::Bound(credential) = &self.credentials
            && credential.is_blank()
        {
            return Err(ConfigError::EmptyCredential);
        }
        Ok(Runtime::builder(self.base_url)
            .auth_scheme(AuthScheme::bronto())
            .user_agent(concat!("bronto-client/", env!("CARGO_PKG_VERSION")))
            .retry_safe_posts(RETRY_SAFE_POSTS.iter().copied())
            .credential_mode(self.credentials))
    }

    /// Builds the runtime the client's requests go through.
    pub fn runtime(self) -> Result<Runtime, ConfigError> {
        Ok(self.runtime_builder()?.build()?)
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        Ok(Client::with_runtime(self.runtime()?))
    }
}

/// A client that cannot be built is a configuration error (`?` in a function returning `sdk::Error`).
impl From<ConfigError> for client_runtime::Error {
    fn from(error: ConfigError) -> Self {
        let kind = match error {
            ConfigError::EmptyCredential => client_runtime::ErrorKind::Credential,
            _ => client_runtime::ErrorKind::Config,
        };
        client_runtime::Error::new(kind)
            .message(error.to_string())
            .with_source(error)
    }
}

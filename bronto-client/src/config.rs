//! Building a [`Client`]: host (region or base URL) and credential.

use client_runtime::{AuthScheme, BaseUrlError, Credential, Runtime};

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
    credential: Option<Credential>,
}

impl ClientConfig {
    /// A client for a region's API host.
    pub fn new(region: Region) -> Self {
        Self {
            base_url: region.api_base_url(),
            credential: None,
        }
    }

    /// A client for a custom base URL (https, or http on loopback for tests).
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            credential: None,
        }
    }

    /// Authenticate with an API key (`X-BRONTO-API-KEY`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credential = Some(Credential::api_key(key));
        self
    }

    /// Authenticate with a bearer token (`Authorization: Bearer`).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credential = Some(Credential::bearer(token));
        self
    }

    /// Authenticate with a credential built elsewhere.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Builds the runtime the client's requests go through.
    pub fn runtime(self) -> Result<Runtime, ConfigError> {
        let mut builder = Runtime::builder(self.base_url)
            .auth_scheme(AuthScheme::bronto())
            .user_agent(concat!("bronto-client/", env!("CARGO_PKG_VERSION")));
        if let Some(credential) = self.credential {
            if credential.is_blank() {
                return Err(ConfigError::EmptyCredential);
            }
            builder = builder.credential(credential);
        }
        Ok(builder.build()?)
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        Ok(Client::with_runtime(self.runtime()?))
    }
}

impl Client {
    /// A client whose requests go through `runtime` (its base URL, credential and HTTP client).
    pub fn with_runtime(runtime: Runtime) -> Self {
        let base_url = runtime.base_url().to_string();
        let http = runtime.http_client().clone();
        Client::new_with_client(&base_url, http, runtime)
    }

    /// The runtime this client sends requests through.
    pub fn runtime(&self) -> &Runtime {
        &self.inner
    }
}

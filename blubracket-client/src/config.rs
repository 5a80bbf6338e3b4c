//! Building a [`Client`]: the tenant URL and its bearer token.

use std::path::Path;

use client_runtime::{AuthScheme, BaseUrlError, Credential, Runtime, RuntimeBuilder};

use crate::generated::Client;
use crate::key_file::{CredentialsError, KeyFile, TenantCredentials};

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The tenant URL was refused (not https, plain http off loopback, ...).
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// No token was given: every BluBracket operation needs one.
    #[error(
        "no BluBracket token: set one with `.token(...)`, or build the config from a key file or the environment"
    )]
    MissingCredential,
    /// The token is empty: refused rather than sending unauthenticated requests.
    #[error("the BluBracket token is empty")]
    EmptyCredential,
    /// The credential is not a bearer token (BluBracket takes `Authorization: Bearer` only).
    #[error("BluBracket takes a bearer token only, not an API-key header")]
    NotBearer,
}

/// The BluBracket operations sent with `POST` that only read, and so may be retried (as the generated client names
/// them at run time). Starting a commit scan is never sent twice.
pub const RETRY_SAFE_POSTS: &[&str] = &[
    "search_events",
    "search_alerts",
    "count_alerts",
    "search_system_audit",
];

/// Settings for a BluBracket [`Client`]: the tenant URL (`https://<tenant>.blubracket.com`, or a self-hosted https
/// host; plain http only on loopback) and the Integration key's token.
///
/// ```
/// use blubracket_client::{ClientConfig, ClientInfo as _};
/// let client = ClientConfig::new("https://mycompany.blubracket.com/")
///     .token("QkxVLWE0OTIxNDRi")
///     .build()
///     .unwrap();
/// assert_eq!(client.baseurl(), "https://mycompany.blubracket.com");
/// // Neither the client nor its config shows the token.
/// assert!(!format!("{client:?}").contains("QkxVLWE0OTIxNDRi"));
/// assert!(ClientConfig::new("http://mycompany.blubracket.com").token("t").build().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    base_url: String,
    credential: Option<Credential>,
}

impl ClientConfig {
    /// A client for the tenant at `tenant_url`.
    pub fn new(tenant_url: impl Into<String>) -> Self {
        Self {
            base_url: tenant_url.into(),
            credential: None,
        }
    }

    /// A client for one tenant of a key file, or for the environment's tenant.
    pub fn from_tenant(tenant: &TenantCredentials) -> Self {
        Self {
            base_url: tenant.tenant_url().to_string(),
            credential: Some(tenant.credential().clone()),
        }
    }

    /// Loads the key file at `path` and picks `tenant` (a URL), or the file's only tenant when `tenant` is `None`.
    pub fn from_key_file(
        path: impl AsRef<Path>,
        tenant: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        let keys = KeyFile::load(path)?;
        Ok(Self::from_tenant(keys.select(tenant)?))
    }

    /// `BLUBRACKET_HOST` and `BLUBRACKET_INTEGRATION_KEY` from the environment (see
    /// [`TenantCredentials::from_env`]).
    pub fn from_env() -> Result<Self, CredentialsError> {
        Ok(Self::from_tenant(&TenantCredentials::from_env()?))
    }

    /// Authenticate with this token (`Authorization: Bearer <token>`).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credential = Some(Credential::bearer(token));
        self
    }

    /// Authenticate with a bearer credential built elsewhere.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The runtime builder with BluBracket's settings (bearer-only auth, user agent, retry-safe POSTs, the
    /// credential), for callers that tune retries, timeouts or the in-flight bound before building.
    pub fn runtime_builder(self) -> Result<RuntimeBuilder, ConfigError> {
        let credential = self.credential.ok_or(ConfigError::MissingCredential)?;
        if !credential.is_bearer() {
            return Err(ConfigError::NotBearer);
        }
        if credential.is_blank() {
            return Err(ConfigError::EmptyCredential);
        }
        Ok(Runtime::builder(self.base_url)
            .auth_scheme(AuthScheme::bearer_only())
            .credential(credential)
            .retry_safe_posts(RETRY_SAFE_POSTS.iter().copied())
            .user_agent(concat!("blubracket-client/", env!("CARGO_PKG_VERSION"))))
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
            ConfigError::BaseUrl(_) => client_runtime::ErrorKind::Config,
            _ => client_runtime::ErrorKind::Credential,
        };
        client_runtime::Error::new(kind)
            .message(error.to_string())
            .with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_needs_a_non_empty_bearer_token() {
        let url = "https://mycompany.blubracket.com";
        assert_eq!(
            ClientConfig::new(url).build().err(),
            Some(ConfigError::MissingCredential)
        );
        assert_eq!(
            ClientConfig::new(url).token("  ").build().err(),
            Some(ConfigError::EmptyCredential)
        );
        assert_eq!(
            ClientConfig::new(url)
                .credential(Credential::api_key("k"))
                .build()
                .err(),
            Some(ConfigError::NotBearer)
        );
        assert!(ClientConfig::new(url).token("t").build().is_ok());
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let error = ClientConfig::new("http://mycompany.blubracket.com")
            .token("t")
            .build()
            .err();
        assert!(
            matches!(
                error,
                Some(ConfigError::BaseUrl(BaseUrlError::InsecureHost(_)))
            ),
            "{error:?}"
        );
        assert!(
            ClientConfig::new("http://127.0.0.1:8080")
                .token("t")
                .build()
                .is_ok()
        );
    }
}

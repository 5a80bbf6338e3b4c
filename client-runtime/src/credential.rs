//! Credentials and how they travel: which header, marked sensitive, never printed.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// A credential for one API. Its value is never shown by `Debug` or `Display`.
#[derive(Clone)]
pub struct Credential {
    kind: CredentialKind,
    secret: SecretString,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CredentialKind {
    ApiKey,
    Bearer,
}

impl Credential {
    /// An API key, sent in the API's key header (Bronto: `X-BRONTO-API-KEY`).
    pub fn api_key(key: impl Into<String>) -> Self {
        Self {
            kind: CredentialKind::ApiKey,
            secret: SecretString::from(key.into()),
        }
    }

    /// A bearer token, sent as `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self {
            kind: CredentialKind::Bearer,
            secret: SecretString::from(token.into()),
        }
    }

    /// `true` for a bearer token.
    pub fn is_bearer(&self) -> bool {
        self.kind == CredentialKind::Bearer
    }

    /// `true` when the secret is empty or only whitespace: such a credential is refused (fail closed).
    pub fn is_blank(&self) -> bool {
        self.secret.expose_secret().trim().is_empty()
    }

    /// The secret itself, for code that must hand it on (a key-file loader's checks, say). Never log it.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The header this credential travels in under `scheme`, with its value marked sensitive (redacted by
    /// reqwest's and http's `Debug`). `None` when the value cannot be a header (control characters).
    pub fn header(&self, scheme: &AuthScheme) -> Option<(HeaderName, HeaderValue)> {
        let (name, text) = match self.kind {
            CredentialKind::Bearer => (
                AUTHORIZATION,
                format!("Bearer {}", self.secret.expose_secret()),
            ),
            CredentialKind::ApiKey => (
                scheme.api_key_header.clone()?,
                self.secret.expose_secret().to_string(),
            ),
        };
        let mut value = HeaderValue::from_str(&text).ok()?;
        value.set_sensitive(true);
        Some((name, value))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            CredentialKind::ApiKey => f.write_str("Credential::ApiKey(<redacted>)"),
            CredentialKind::Bearer => f.write_str("Credential::Bearer(<redacted>)"),
        }
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How an API takes credentials: which header carries an API key (bearer tokens always use `Authorization`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthScheme {
    api_key_header: Option<HeaderName>,
}

impl AuthScheme {
    /// Bronto: `X-BRONTO-API-KEY: <key>` or `Authorization: Bearer <JWT>`.
    pub fn bronto() -> Self {
        Self {
            api_key_header: Some(HeaderName::from_static("x-bronto-api-key")),
        }
    }

    /// Bearer tokens only (BluBracket).
    pub fn bearer_only() -> Self {
        Self {
            api_key_header: None,
        }
    }

    /// Every header name a credential can travel in under this scheme (for redaction and redirect checks).
    pub fn credential_headers(&self) -> Vec<HeaderName> {
        std::iter::once(AUTHORIZATION)
            .chain(self.api_key_header.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        for credential in [
            Credential::api_key("k-123-secret"),
            Credential::bearer("t-456-secret"),
        ] {
            assert!(!format!("{credential:?}").contains("secret"));
            assert!(!format!("{credential}").contains("secret"));
        }
    }

    #[test]
    fn api_key_goes_in_the_schemes_header_and_is_sensitive() {
        let (name, value) = Credential::api_key("abc")
            .header(&AuthScheme::bronto())
            .expect("a header");
        assert_eq!(name.as_str(), "x-bronto-api-key");
        assert_eq!(value.to_str().ok(), Some("abc"));
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("abc"));
    }

    #[test]
    fn bearer_goes_in_authorization() {
        let (name, value) = Credential::bearer("tok")
            .header(&AuthScheme::bronto())
            .expect("a header");
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().ok(), Some("Bearer tok"));
    }

    #[test]
    fn an_api_key_has_no_header_under_a_bearer_only_scheme() {
        assert!(
            Credential::api_key("abc")
                .header(&AuthScheme::bearer_only())
                .is_none()
        );
    }

    #[test]
    fn a_secret_with_a_newline_cannot_become_a_header() {
        assert!(
            Credential::api_key("abc\r\nX-Evil: 1")
                .header(&AuthScheme::bronto())
                .is_none()
        );
    }

    #[test]
    fn blank_credentials_are_detected() {
        assert!(Credential::api_key("  ").is_blank());
        assert!(!Credential::bearer("x").is_blank());
    }
}

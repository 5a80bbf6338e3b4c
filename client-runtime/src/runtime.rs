//! [`Runtime`]: what a generated client's `exec` hook delegates to.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::credential::{AuthScheme, Credential};
use crate::http_client::{self, BaseUrl, BaseUrlError, HttpSettings};

/// Builds a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    base_url: String,
    credential: Option<Credential>,
    scheme: AuthScheme,
    connect_timeout: Duration,
    user_agent: String,
}

impl RuntimeBuilder {
    /// The credential sent with every request (to the base URL's origin only).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Which header carries an API key.
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Connect timeout of the HTTP client (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `client-runtime/<version>`; the client crates set their own).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Validates the base URL and builds the runtime and its HTTP client.
    pub fn build(self) -> Result<Runtime, BaseUrlError> {
        let base_url = BaseUrl::parse(&self.base_url)?;
        let http = http_client::build(&HttpSettings {
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent,
        })
        .map_err(|_| BaseUrlError::Invalid(base_url.to_string()))?;
        Ok(Runtime {
            shared: Arc::new(Shared {
                base_url,
                credential: self.credential,
                scheme: self.scheme,
                http,
            }),
        })
    }
}

#[derive(Debug)]
struct Shared {
    base_url: BaseUrl,
    credential: Option<Credential>,
    scheme: AuthScheme,
    http: reqwest::Client,
}

/// The runtime policy a generated client runs every request through. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

impl Runtime {
    /// Starts a builder for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> RuntimeBuilder {
        RuntimeBuilder {
            base_url: base_url.into(),
            credential: None,
            scheme: AuthScheme::bearer_only(),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("client-runtime/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// The validated base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.shared.base_url
    }

    /// The HTTP client to hand to the generated `Client::new_with_client`.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The scheme credentials are sent under.
    pub fn auth_scheme(&self) -> &AuthScheme {
        &self.shared.scheme
    }

    /// Sends `request` for the operation `operation_id`: adds the credential (only when the request goes to the
    /// configured origin), and records a `tracing` span with the operation id, status and duration, never a secret.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(credential) = &self.shared.credential
            && self.shared.base_url.same_origin(request.url())
            && let Some((name, value)) = credential.header(&self.shared.scheme)
        {
            request.headers_mut().insert(name, value);
        }
        let span = tracing::info_span!(
            "api.request",
            operation_id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let result = client.execute(request).await;
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            if let Ok(response) = &result {
                span.record("status", response.status().as_u16());
            }
            result
        }
        .instrument(span)
        .await
    }
}

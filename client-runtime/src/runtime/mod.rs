//! [`Runtime`]: what a generated client's hooks delegate to. One implementation of credentials, retries,
//! timeouts, the in-flight bound and tracing for every client of the workspace: the handle's settings, the
//! per-call credential and tenant, and [`Runtime::execute`], which sends a request down the [`stack`](crate::stack).
//! What it is built from ([`RuntimeBuilder`], [`CredentialMode`], [`Timeouts`]) lives in `builder.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, Request, Response};

use crate::credential::{AuthScheme, Credential};
use crate::http_client::BaseUrl;
use crate::options::{self, RequestOptions, ResponseMeta};
use crate::retry::RetryPolicy;
use crate::stack::tenants::{Tenant, Tenants};
use crate::stack::{Attempt, CallContext, Stack};

mod builder;

pub use builder::{CredentialMode, RuntimeBuilder, Timeouts};

#[derive(Debug)]
struct Shared {
    base_url: BaseUrl,
    credentials: CredentialMode,
    scheme: AuthScheme,
    timeouts: Timeouts,
    retry: RetryPolicy,
    tenants: Tenants,
    max_in_flight: usize,
    retry_safe_posts: BTreeSet<String>,
    http: reqwest::Client,
    stack: Stack,
}

/// The runtime policy a generated client runs every request through, and the per-call options of the handle it
/// belongs to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
    options: Arc<RequestOptions>,
}

/// `start + wait`, at most [`LONGEST_WAIT`](crate::LONGEST_WAIT) from `start` (`Duration::MAX` asks for no
/// deadline).
fn far_or(start: Instant, wait: Duration) -> Instant {
    start + crate::saturate(wait)
}

impl Runtime {
    /// Starts a builder for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> RuntimeBuilder {
        RuntimeBuilder::new(base_url.into())
    }

    /// The same runtime (the same HTTP client, in-flight bound and policy) carrying `options` on top of this one's:
    /// every request sent through it uses them. This is how a handle carries per-call context as a value
    /// (`sdk::Api::with`): across `tokio::spawn`, nested workflow calls and streams alike.
    ///
    /// ```
    /// use client_runtime::{AuthScheme, Credential, CredentialMode, RequestOptions, Runtime};
    ///
    /// let shared = Runtime::builder("https://api.eu.bronto.io")
    ///     .credential_mode(CredentialMode::PerRequest)
    ///     .auth_scheme(AuthScheme::bronto())
    ///     .build()
    ///     .unwrap();
    /// let tenant = shared.with_options(RequestOptions::new().credential(Credential::api_key("tenant-a")));
    /// assert!(shared.check_credentials().is_err());
    /// assert!(tenant.check_credentials().is_ok());
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Runtime {
        Runtime {
            shared: self.shared.clone(),
            options: Arc::new(self.options.merged(options)),
        }
    }

    /// The per-call options this runtime's handle carries.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// The deadline of an operation started now: the handle's timeout, or the runtime's operation timeout
    /// (saturating: `Duration::MAX` means no deadline, never a panic).
    pub fn operation_timeout(&self) -> Duration {
        self.options.timeout_or(self.shared.timeouts.operation)
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

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.shared.timeouts
    }

    /// Tokens left in the retry budget of this handle's tenant (see [`RetryPolicy::retry_budget`]): each
    /// credential at each host has its own.
    pub fn retry_budget_available(&self) -> u32 {
        self.tenant().budget.available()
    }

    /// What the server last said is left of this handle's tenant's rate-limit window, and when it refills
    /// (`None` before any answer carried the headers).
    pub fn rate_window(&self) -> Option<(u64, Duration)> {
        self.tenant().governor.view()
    }

    /// The bound on requests in flight.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight
    }

    /// `true` when a request of `operation_id` with `method` may be sent more than once.
    pub fn is_retry_safe(&self, method: &Method, operation_id: &str) -> bool {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE => true,
            Method::POST => self.shared.retry_safe_posts.contains(operation_id),
            _ => false,
        }
    }

    /// The credential check that runs before a request is built into the wire (progenitor's `pre` hook): fails
    /// closed when the mode and the call's options disagree. The message never contains a secret.
    pub fn check_credentials(&self) -> Result<(), String> {
        let per_call = self.options.credential.clone();
        match (&self.shared.credentials, per_call) {
            (CredentialMode::PerRequest, None) => Err(
                "this client takes a credential per request, and the call supplied none".into(),
            ),
            (CredentialMode::PerRequest, Some(credential)) if credential.is_blank() => {
                Err("the call's credential is empty".into())
            }
            (CredentialMode::Bound(_) | CredentialMode::Anonymous, Some(_)) => Err(
                "the call supplied a credential, but this client is not in per-request credential mode".into(),
            ),
            (CredentialMode::Bound(credential), None) if credential.is_blank() => {
                Err("the client's credential is empty".into())
            }
            _ => self.check_sendable(),
        }
    }

    /// Fails closed when the call's credential cannot travel in its header (a control character such as the
    /// trailing newline of a mounted secret): refused before anything is sent, never dropped silently.
    fn check_sendable(&self) -> Result<(), String> {
        match self.credential_for_call() {
            Some(credential) if credential.header(&self.shared.scheme).is_none() => Err(
                if credential.is_bearer() || self.shared.scheme.credential_headers().len() > 1 {
                    "the credential cannot be sent: it holds a character that is not allowed in a header \
                     (a newline or another control character; trim values read from files)"
                        .into()
                } else {
                    "the credential cannot be sent: this API takes bearer tokens only".into()
                },
            ),
            _ => Ok(()),
        }
    }

    fn credential_for_call(&self) -> Option<Credential> {
        match &self.shared.credentials {
            CredentialMode::Bound(credential) => Some(credential.clone()),
            CredentialMode::PerRequest => self.options.credential.clone(),
            CredentialMode::Anonymous => None,
        }
    }

    /// The tenant this handle's calls belong to: its origin and credential.
    fn tenant(&self) -> Arc<Tenant> {
        let credential = self.credential_for_call();
        self.shared
            .tenants
            .get(&self.shared.base_url.to_string(), credential.as_ref())
    }

    /// Sends `request` for the operation `operation_id` down the runtime's stack of components (see
    /// [`crate::stack`] for the components and their order): the credential, retries under the classifier and the
    /// tenant's retry tokens, the rate governor, the caller's layers, the in-flight slot, the caller's
    /// interceptors, and the attempt with its timeout and span.
    ///
    /// Calling it directly (not through a generated client, whose `ClientHooks::pre` does it): call
    /// [`Runtime::check_credentials`] first. This method's error is reqwest's, which cannot say "not sent", so a
    /// credential that cannot travel (a control character, an API key under [`AuthScheme::bearer_only`]) is left
    /// off the request here rather than refused.
    ///
    /// An error response's body (4xx, 5xx) is read here, at most [`MAX_ERROR_READ`](crate::error::MAX_ERROR_READ)
    /// bytes and one more, and the response handed on with that body: the generated code reads an error body
    /// whole before it decodes it, so an endless or 1 GiB error body would otherwise be read into memory to its
    /// end.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: Request,
        operation_id: &'static str,
    ) -> reqwest::Result<Response> {
        options::note_operation(operation_id);
        let scope = options::current();
        let deadline = far_or(Instant::now(), self.operation_timeout());
        if let Some(scope) = &scope
            && let Ok(mut slot) = scope.request.lock()
        {
            *slot = Some((request.method().clone(), request.url().clone()));
        }
        let retry_safe = self
            .options
            .retry_safe
            .unwrap_or_else(|| self.is_retry_safe(request.method(), operation_id));
        let call = Arc::new(CallContext {
            operation_id,
            deadline,
            tenant: self.tenant(),
            retry_safe,
            credential: self.credential_for_call(),
            extra_headers: self.options.headers().clone(),
            scope: scope.clone(),
        });
        let attempt = Attempt {
            request,
            client: client.clone(),
            call,
            number: 1,
            paced: Duration::ZERO,
        };
        let result = self.shared.stack.send(attempt).await;
        let result = self.finish(result, operation_id, scope.as_ref());
        match result {
            Ok(response)
                if response.status().is_client_error() || response.status().is_server_error() =>
            {
                Ok(bound_error_body(response).await)
            }
            other => other,
        }
    }

    /// Records what the call's scope should know about the final response, and hands the result back.
    fn finish(
        &self,
        result: reqwest::Result<Response>,
        operation_id: &'static str,
        scope: Option<&options::CallScope>,
    ) -> reqwest::Result<Response> {
        if let (Ok(response), Some(scope)) = (&result, scope) {
            let attempts = scope.attempts.lock().map(|guard| *guard).unwrap_or(1);
            if let Ok(mut slot) = scope.last_response.lock() {
                *slot = Some(ResponseMeta {
                    operation_id,
                    status: response.status(),
                    headers: response.headers().clone(),
                    attempts,
                });
            }
        }
        result
    }
}

/// `response` with its body replaced by at most [`MAX_ERROR_READ`](crate::error::MAX_ERROR_READ) + 1 bytes of it
/// (anything over [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY) tells [`Error::body`](crate::Error::body) that the kept
/// body was cut). Status, version and headers are kept (less
/// `content-length`, which no longer applies); what was not read is never read.
async fn bound_error_body(response: Response) -> Response {
    let (status, version, mut headers) = (
        response.status(),
        response.version(),
        response.headers().clone(),
    );
    let (body, _cut) = crate::error::read_at_most(response, crate::error::MAX_ERROR_READ + 1).await;
    headers.remove(reqwest::header::CONTENT_LENGTH);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}

//! [`Api`]: a generated client under the SDK's policy. Running one call: a typed [`Error`] out; per-call context
//! carried by the handle ([`Api::with`]).

use std::future::Future;
use std::ops::Deref;

use client_runtime::{RequestOptions, RuntimeClient};
use progenitor_client::ResponseValue;

use client_runtime::Error;

/// A generated client under the SDK's runtime policy: it dereferences to the client, so every operation is there
/// as a typed builder whose `call()` sends it under the policy and answers with the typed body or an [`Error`]
/// (`bronto.list_api_keys().call().await?`). Used as [`Bronto`](crate::Bronto) and [`BluBracket`](crate::BluBracket).
///
/// Per-call context (a tenant's credential, a deadline, extra headers) is a value: [`Api::with`] returns a handle
/// that carries it, and every call, workflow, stream, spawned task and drop-time cancel made through that handle
/// uses it.
#[derive(Debug, Clone)]
pub struct Api<C> {
    pub(crate) client: C,
}

impl<C> Deref for Api<C> {
    type Target = C;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl<C: RuntimeClient> Api<C> {
    pub(crate) fn new(client: C) -> Self {
        Self { client }
    }

    /// The generated client.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// A handle that carries `options` (on top of this handle's): a credential for per-request credential mode
    /// (multi-tenant services), an operation deadline, extra headers. Cheap: the HTTP client, the in-flight bound
    /// and the policy are shared with this handle.
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
    /// use sdk::{Credential, RequestOptions};
    /// let tenant = bronto.with(RequestOptions::new().credential(Credential::api_key("tenant-a-key")));
    /// let keys = tenant.list_api_keys().call().await?;
    /// // Workflows, raw calls and streams made through the handle carry the same credential on every request:
    /// let parsers: serde_json::Value = tenant.get("/parsers").await?;
    /// # let _ = (keys, parsers); Ok(()) }
    /// ```
    pub fn with(&self, options: RequestOptions) -> Self {
        Self::new(C::with_runtime(self.client.runtime().with_options(options)))
    }

    /// The per-call options this handle carries.
    pub fn options(&self) -> &RequestOptions {
        self.client.runtime().options()
    }

    /// Runs a future of the generated client (`api.some_operation()...send()`, built on this handle) and returns
    /// its typed body: the same as the builder's own `call()`, for code that holds the future.
    ///
    /// A body that does not decode into its type is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) error naming the operation and the
    /// JSON path of the failing value; the body stays readable through [`Error::body_json`].
    pub async fn call<T, E, F>(&self, call: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        self.call_response(call)
            .await
            .map(ResponseValue::into_inner)
    }

    /// Like [`Api::call`], keeping the status and headers of the response.
    pub async fn call_response<T, E, F>(&self, call: F) -> Result<ResponseValue<T>, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        client_runtime::call::json(self.client.runtime(), call).await
    }

    /// Runs a call whose answer is not JSON (`-> ByteStream`, such as Bronto's `explain_error`); read the stream
    /// with `into_inner()`.
    pub async fn call_stream<E, F>(
        &self,
        call: F,
    ) -> Result<ResponseValue<progenitor_client::ByteStream>, Error>
    where
        F: Future<
            Output = Result<
                ResponseValue<progenitor_client::ByteStream>,
                progenitor_client::Error<E>,
            >,
        >,
        E: serde::Serialize,
    {
        client_runtime::call::stream(self.client.runtime(), call).await
    }
}

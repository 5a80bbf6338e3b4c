//! The vendor handles' shared shape: a generated client under the SDK's policy, running one call with a typed
//! [`Error`](client_runtime::Error) out, and per-call context carried by the handle (`with`).

/// Defines a vendor handle: a struct holding the generated client `$client` that dereferences to it (so rustdoc
/// lists every operation on the handle's page, under "Methods from Deref"), with `with`, `options`, `client`,
/// `call`, `call_response` and `call_stream`. Each vendor's workflows are then inherent methods of its own type.
macro_rules! vendor_handle {
    ($(#[$doc:meta])* $name:ident, $client:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            pub(crate) client: $client,
        }

        impl std::ops::Deref for $name {
            type Target = $client;

            fn deref(&self) -> &Self::Target {
                &self.client
            }
        }

        impl $name {
            pub(crate) fn new(client: $client) -> Self {
                Self { client }
            }

            /// The generated client (also reached through `Deref`: every operation is a method of this handle).
            pub fn client(&self) -> &$client {
                &self.client
            }

            /// A handle that carries `options` (on top of this handle's): a credential for per-request credential
            /// mode (multi-tenant services), an operation deadline, extra headers. Every call, workflow, stream,
            /// spawned task and drop-time cancel made through the new handle uses them. Cheap: the HTTP client, the
            /// in-flight bound and the policy are shared with this handle.
            pub fn with(&self, options: client_runtime::RequestOptions) -> Self {
                Self::new(<$client as client_runtime::RuntimeClient>::with_runtime(
                    <$client as client_runtime::RuntimeClient>::runtime(&self.client).with_options(options),
                ))
            }

            /// The per-call options this handle carries.
            pub fn options(&self) -> &client_runtime::RequestOptions {
                <$client as client_runtime::RuntimeClient>::runtime(&self.client).options()
            }

            /// Runs a future of the generated client (`api.some_operation()...send()`, built on this handle) and
            /// returns its typed body: the same as the builder's own `call()`, for code that holds the future.
            ///
            /// A body that does not decode into its type is an [`ErrorKind::Decode`](crate::ErrorKind::Decode)
            /// error naming the operation and the JSON path of the failing value; the body stays readable through
            /// [`Error::body_json`](crate::Error::body_json).
            ///
            /// `call` moves to the heap here, before the returned future is first polled, so the future is small
            /// whatever the operation (see `client_runtime::call::json`).
            pub fn call<'a, T, E, F>(
                &'a self,
                call: F,
            ) -> impl std::future::Future<Output = Result<T, client_runtime::Error>> + 'a
            where
                F: std::future::Future<
                    Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
                > + 'a,
                T: serde::de::DeserializeOwned + 'a,
                E: serde::Serialize + 'a,
            {
                let response = self.call_response(call);
                async move { response.await.map(progenitor_client::ResponseValue::into_inner) }
            }

            /// Like `call`, keeping the status and headers of the response.
            pub fn call_response<'a, T, E, F>(
                &'a self,
                call: F,
            ) -> impl std::future::Future<
                Output = Result<progenitor_client::ResponseValue<T>, client_runtime::Error>,
            > + 'a
            where
                F: std::future::Future<
                    Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
                > + 'a,
                T: serde::de::DeserializeOwned + 'a,
                E: serde::Serialize + 'a,
            {
                client_runtime::call::json(<$client as client_runtime::RuntimeClient>::runtime(&self.client), call)
            }

            /// Runs a call whose answer is not JSON (`-> ByteStream`); read the stream with `into_inner()`.
            pub fn call_stream<'a, E, F>(
                &'a self,
                call: F,
            ) -> impl std::future::Future<
                Output = Result<
                    progenitor_client::ResponseValue<progenitor_client::ByteStream>,
                    client_runtime::Error,
                >,
            > + 'a
            where
                F: std::future::Future<
                    Output = Result<
                        progenitor_client::ResponseValue<progenitor_client::ByteStream>,
                        progenitor_client::Error<E>,
                    >,
                > + 'a,
                E: serde::Serialize + 'a,
            {
                client_runtime::call::stream(<$client as client_runtime::RuntimeClient>::runtime(&self.client), call)
            }
        }
    };
}

pub(crate) use vendor_handle;

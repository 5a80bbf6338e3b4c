//! The glue every generated client needs, as one macro: progenitor requires the `ClientHooks` impl to live in the
//! crate that includes the generated code, so each client crate invokes [`runtime_hooks!`](crate::runtime_hooks)
//! once instead of repeating the impl.

/// A generated client that sends through a [`Runtime`](crate::Runtime): what a facade needs to give a handle other
/// per-call options ([`Runtime::with_options`](crate::Runtime::with_options)). Implemented by
/// [`runtime_hooks!`](crate::runtime_hooks).
pub trait RuntimeClient: Sized {
    /// The runtime the client sends through.
    fn runtime(&self) -> &crate::Runtime;
    /// A client that sends through `runtime`.
    fn with_runtime(runtime: crate::Runtime) -> Self;
}

/// Implements, for a generated `Client` whose inner type is [`Runtime`](crate::Runtime):
///
/// - `ClientHooks`: `pre` fails closed when the call's credential does not fit the client's mode
///   ([`Runtime::check_credentials`](crate::Runtime::check_credentials)); `exec` sends through
///   [`Runtime::execute`](crate::Runtime::execute);
/// - [`RuntimeClient`], and `Client::with_runtime(runtime)` and `Client::runtime()`;
/// - `From<types::error::ConversionError>` for [`Error`](crate::Error), so `builder.try_into()?` works in a function
///   that returns the runtime's error.
///
/// Invoke it in the crate that `include!`s the generated code, with the paths of the generated `Client` and of its
/// builders' `ConversionError`:
///
/// ```ignore
/// client_runtime::runtime_hooks!(crate::generated::Client, crate::generated::types::error::ConversionError);
/// ```
#[macro_export]
macro_rules! runtime_hooks {
    ($client:path, $conversion_error:ty) => {
        impl ::progenitor_client::ClientHooks<$crate::Runtime> for $client {
            async fn pre<E>(
                &self,
                _request: &mut ::reqwest::Request,
                _info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                self.inner
                    .check_credentials()
                    .map_err(::progenitor_client::Error::Custom)
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                self.inner
                    .execute(&self.client, request, info.operation_id)
                    .await
            }
        }

        impl ::std::convert::From<$conversion_error> for $crate::Error {
            /// A typed builder that could not build its value (a required member missing, a value out of range).
            fn from(error: $conversion_error) -> Self {
                $crate::Error::new($crate::ErrorKind::InvalidRequest).message(error.to_string())
            }
        }

        impl $crate::RuntimeClient for $client {
            fn runtime(&self) -> &$crate::Runtime {
                &self.inner
            }

            fn with_runtime(runtime: $crate::Runtime) -> Self {
                <$client>::with_runtime(runtime)
            }
        }

        impl $client {
            /// A client whose requests go through `runtime` (its base URL, credential, HTTP client and policy).
            pub fn with_runtime(runtime: $crate::Runtime) -> Self {
                let base_url = runtime.base_url().to_string();
                let http = runtime.http_client().clone();
                Self::new_with_client(&base_url, http, runtime)
            }

            /// The runtime this client sends requests through.
            pub fn runtime(&self) -> &$crate::Runtime {
                &self.inner
            }
        }
    };
}

//! The one middleware point of the generated client: every request goes through the shared runtime (see
//! `client_runtime::runtime_hooks!`).

client_runtime::runtime_hooks!(
    crate::generated::Client,
    crate::generated::types::error::ConversionError
);

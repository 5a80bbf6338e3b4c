//! `client_new_uses_the_runtime`: the generated `Client::new(baseurl, inner)` uses the runtime's HTTP client.
//!
//! progenitor's `new` builds its own `reqwest::Client`, which would have none of the runtime's settings (its TLS
//! configuration, which carries the crypto provider, the redirect policy that keeps credentials on their host, the
//! timeouts), and without a process-wide crypto provider it would panic.
//!
//! **What it expects.** An inherent `impl Client` with a two-argument `fn new(baseurl, inner)`: exactly one change.

use super::{Pass, PassCount};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "client_new_uses_the_runtime",
    expects: "an inherent `impl Client` block with `fn new(baseurl: &str, inner: Inner)`",
};

/// Runs the pass on the generated file.
pub fn run(file: &mut syn::File) -> Result<PassCount, PipelineError> {
    let mut changed = 0;
    for item in file.items.iter_mut() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in block.items.iter_mut() {
            if let syn::ImplItem::Fn(function) = member
                && function.sig.ident == "new"
                && function.sig.inputs.len() == 2
            {
                function.attrs.retain(|attr| !attr.path().is_ident("doc"));
                function.attrs.insert(
                    0,
                    syn::parse_quote!(
                        #[doc = " A client sending to `baseurl` through `inner`: its HTTP client (TLS, timeouts, a \
                                 redirect policy that keeps credentials on their host), credential and policy. \
                                 [`Client::with_runtime`] takes the base URL from the runtime too."]
                    ),
                );
                function.block = syn::parse_quote!({
                    let client = inner.http_client().clone();
                    Self::new_with_client(baseurl, client, inner)
                });
                changed += 1;
            }
        }
    }
    PASS.check(1, changed)
}

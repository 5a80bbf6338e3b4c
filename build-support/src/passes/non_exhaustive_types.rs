//! `non_exhaustive_types`: every generated type is `#[non_exhaustive]`.
//!
//! A re-vendored document that only adds (a member, an enum value) is then not a breaking release: callers cannot
//! write struct literals or exhaustive matches that a new member or value would break, and build values with the
//! builders (`X::builder()`) and constructors instead. The string enums keep their `UnknownValue(String)` variant
//! for values the client has not been generated with.
//!
//! **What it expects.** Structs and enums at the top of `types`. The document implies at least one change when it
//! has any component schema.

use super::{Pass, PassCount};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "non_exhaustive_types",
    expects: "structs and enums at the top level of the `types` module",
};

/// Runs the pass on the items of the `types` module.
pub fn run(
    types: &mut [syn::Item],
    document: &serde_json::Value,
) -> Result<PassCount, PipelineError> {
    let attribute: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    let mut changed = 0;
    for item in types.iter_mut() {
        let attrs = match item {
            syn::Item::Struct(structure) => &mut structure.attrs,
            syn::Item::Enum(enumeration) => &mut enumeration.attrs,
            _ => continue,
        };
        if !attrs
            .iter()
            .any(|existing| existing.path().is_ident("non_exhaustive"))
        {
            attrs.push(attribute.clone());
            changed += 1;
        }
    }
    let has_schemas = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|schemas| !schemas.is_empty());
    PASS.check(usize::from(has_schemas), changed)
}

//! The named passes that rewrite progenitor's output, in the order the pipeline runs them.
//!
//! Each pass is one module working on the syntax tree (`syn`), never on the text of token streams. Each states
//! what it expects to find ([`Pass::expects`]), counts what it changed, and fails the build naming itself when it
//! changes nothing (or less than the document implies) where the document says it must: a progenitor release that
//! changes the shape a pass recognises stops the build here instead of shipping a client without the rewrite. The
//! counts are listed in the API-surface summary ([`crate::surface`]), so such a release shows up as a readable
//! diff of the committed summary.
//!
//! Client passes, in order (after `forward_compat` and the response policy's code half, which keep their own
//! reports):
//! 1. [`note_operations`] and [`client_new_uses_the_runtime`] on the operation builders and `Client` (clients on
//!    `client_runtime` only, with [`plain_value_setters`]);
//! 2. [`plain_value_setters`] and [`null_members`] (clients on `client_runtime` only), [`name_constraint_errors`],
//!    [`maps_default_to_empty`] and [`name_required_members`] on the types' builders and conversions;
//! 3. [`redact_secrets`], [`integral_numbers`] and [`non_exhaustive_types`] on the types.
//!
//! Mock passes: [`repeat_array_query_params`]. (The CLI's rewrite lives in [`crate::cli`] and fails the same way.)

pub mod client_new_uses_the_runtime;
pub mod integral_numbers;
pub mod maps_default_to_empty;
pub mod name_constraint_errors;
pub mod name_required_members;
pub mod non_exhaustive_types;
pub mod note_operations;
pub mod null_members;
pub mod plain_value_setters;
pub mod redact_secrets;
pub mod repeat_array_query_params;

use crate::PipelineError;

/// A named rewrite of generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Its name, as the surface summary and its errors show it.
    pub name: &'static str,
    /// What it expects to find in progenitor's output, in a sentence.
    pub expects: &'static str,
}

/// What one pass changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassCount {
    /// The pass's name.
    pub name: &'static str,
    /// How many items it changed.
    pub changed: usize,
}

impl Pass {
    /// Checks a run of this pass: `implied` is how many changes the document implies (at least), `changed` how many
    /// the pass made. Fewer than implied fails, naming the pass and what it expected to find.
    pub fn check(&self, implied: usize, changed: usize) -> Result<PassCount, PipelineError> {
        if changed < implied {
            return Err(PipelineError::Generate(format!(
                "pass `{}` changed {changed} item(s) where the document implies {implied}: it expects {}. \
                 The generator's output changed shape (a progenitor or typify update?): update the pass.",
                self.name, self.expects
            )));
        }
        Ok(PassCount {
            name: self.name,
            changed,
        })
    }
}

/// The items of the module `name` among `items` (`types`, `builder`), if the generator emitted it.
pub(crate) fn module_items<'a>(
    items: &'a mut [syn::Item],
    name: &str,
) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == name => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// The wire name of a struct member: its `#[serde(rename = "...")]`, or its Rust name (`r#type` reads `type`).
pub(crate) fn wire_name(field: &syn::Field) -> Option<String> {
    let mut renamed = None;
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                renamed = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|nested| {
                    if nested.input.peek(syn::Token![=]) {
                        let _: syn::Expr = nested.value()?.parse()?;
                    }
                    Ok(())
                });
            }
            Ok(())
        });
    }
    renamed.or_else(|| {
        field.ident.as_ref().map(|ident| {
            let text = ident.to_string();
            text.strip_prefix("r#").map(str::to_string).unwrap_or(text)
        })
    })
}

/// The last path segment's name of a type (`Option` for `::std::option::Option<T>`).
pub(crate) fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// The first generic argument of a type's last segment (`T` of `Option<T>`).
pub(crate) fn first_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(arguments) = &last_segment(ty)?.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

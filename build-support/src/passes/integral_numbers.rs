//! `integral_numbers`: a `number` member holding a whole value is sent as an integer (`100`, not `100.0`).
//!
//! typify maps `type: number` to `f64` (`f32` for `format: float`), and serde_json writes every `f64` with a
//! fraction: `"max_buffer_time_ms": 300000.0`. A service that reads the member as an integer (most do for sizes,
//! counts and milliseconds) may refuse it, and the bytes differ from what the caller wrote. Each such member of
//! `types` gets a `serialize_with` that writes a whole value within ±2^53 as an integer and any other value as
//! before; decoding is untouched (serde reads `100` into an `f64`).
//!
//! **What it expects.** Named fields of structs in `types` typed `f64`, `f32` or `Option` of either. The document
//! implies at least one change when any schema property is `type: number`.

use super::{Pass, PassCount, first_argument, last_segment};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "integral_numbers",
    expects: "named fields typed `f64`/`f32` or `::std::option::Option<f64>` in the structs of `types`",
};

fn float_kind(ty: &syn::Type) -> Option<&'static str> {
    let segment = last_segment(ty)?;
    if !segment.arguments.is_empty() {
        return None;
    }
    if segment.ident == "f64" {
        Some("f64")
    } else if segment.ident == "f32" {
        Some("f32")
    } else {
        None
    }
}

fn has_number_property(node: &serde_json::Value) -> bool {
    match node {
        serde_json::Value::Object(fields) => {
            fields
                .get("properties")
                .and_then(serde_json::Value::as_object)
                .is_some_and(|properties| {
                    properties
                        .values()
                        .any(|member| member.get("type").and_then(|t| t.as_str()) == Some("number"))
                })
                || fields.values().any(has_number_property)
        }
        serde_json::Value::Array(items) => items.iter().any(has_number_property),
        _ => false,
    }
}

/// Runs the pass on the items of the `types` module.
pub fn run(
    types: &mut Vec<syn::Item>,
    document: &serde_json::Value,
) -> Result<PassCount, PipelineError> {
    let mut changed = 0;
    for item in types.iter_mut() {
        let syn::Item::Struct(structure) = item else {
            continue;
        };
        for field in structure.fields.iter_mut() {
            if field.ident.is_none() {
                continue;
            }
            let writer = if let Some(kind) = float_kind(&field.ty) {
                format!("wire_numbers::{kind}")
            } else if last_segment(&field.ty).is_some_and(|s| s.ident == "Option")
                && let Some(kind) = first_argument(&field.ty).and_then(float_kind)
            {
                format!("wire_numbers::optional_{kind}")
            } else {
                continue;
            };
            field
                .attrs
                .push(syn::parse_quote!(#[serde(serialize_with = #writer)]));
            changed += 1;
        }
    }
    if changed > 0 {
        types.push(syn::parse_quote! {
            /// How `number` members are written: a whole value as an integer, any other as a float.
            #[allow(dead_code)]
            mod wire_numbers {
                const EXACT: f64 = 9_007_199_254_740_992.0;

                pub(super) fn f64<S: ::serde::Serializer>(
                    value: &f64,
                    serializer: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    if value.is_finite() && value.fract() == 0.0 && value.abs() <= EXACT {
                        serializer.serialize_i64(*value as i64)
                    } else {
                        serializer.serialize_f64(*value)
                    }
                }

                pub(super) fn f32<S: ::serde::Serializer>(
                    value: &f32,
                    serializer: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    if value.is_finite() && value.fract() == 0.0 {
                        self::f64(&f64::from(*value), serializer)
                    } else {
                        serializer.serialize_f32(*value)
                    }
                }

                pub(super) fn optional_f64<S: ::serde::Serializer>(
                    value: &::std::option::Option<f64>,
                    serializer: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    match value {
                        ::std::option::Option::Some(value) => self::f64(value, serializer),
                        ::std::option::Option::None => serializer.serialize_none(),
                    }
                }

                pub(super) fn optional_f32<S: ::serde::Serializer>(
                    value: &::std::option::Option<f32>,
                    serializer: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    match value {
                        ::std::option::Option::Some(value) => self::f32(value, serializer),
                        ::std::option::Option::None => serializer.serialize_none(),
                    }
                }
            }
        });
    }
    PASS.check(usize::from(has_number_property(document)), changed)
}

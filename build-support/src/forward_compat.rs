//! Forward compatibility: the server changes before the document does.
//!
//! Two rewrites of the generated syntax tree, applied to every client (the policy of this workspace, not a quirk of
//! one document):
//!
//! 1. **Open enums.** typify turns a string `enum` into a closed Rust enum, so a value the server adds later fails to
//!    decode the whole response. Each such enum gets one more variant, `UnknownValue(String)`, marked
//!    `#[serde(untagged)]`: serde tries it after every named variant, so an unknown value decodes into it and
//!    serializes back unchanged. `Display` and `FromStr` learn it too; `Copy` is dropped (a `String` is not `Copy`),
//!    and the derived `JsonSchema` (which cannot express an untagged variant) becomes a string schema listing the
//!    known values as `examples`.
//! 2. **Open objects.** `additionalProperties: false` becomes `#[serde(deny_unknown_fields)]`, which rejects a
//!    response the moment the server adds a field. The attribute is removed: unknown fields are ignored.

use quote::quote;
use syn::{Fields, Item, ItemEnum, ItemImpl, parse_quote};

/// The name of the variant added to every open enum.
pub const UNKNOWN_VARIANT: &str = "UnknownValue";

/// What the rewrite changed, for the build log and for tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ForwardCompatReport {
    /// Enums that received an `UnknownValue(String)` variant.
    pub opened_enums: Vec<String>,
    /// Types whose `deny_unknown_fields` was removed.
    pub opened_structs: Vec<String>,
    /// Members that decode `""` or `null` as absent (the response policy's code half).
    pub tolerant_members: usize,
}

/// Applies both rewrites to the items of the generated `types` module (and its nested modules).
pub fn open_types(items: &mut Vec<Item>) -> Result<ForwardCompatReport, String> {
    let mut report = ForwardCompatReport::default();
    let mut simple_enums = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Enum(item_enum) => {
                if strip_deny_unknown_fields(&mut item_enum.attrs) {
                    report.opened_structs.push(item_enum.ident.to_string());
                }
                if is_simple_string_enum(item_enum) {
                    open_enum(item_enum)?;
                    simple_enums.push(item_enum.ident.to_string());
                }
            }
            Item::Struct(item_struct) => {
                let opened = strip_deny_unknown_fields(&mut item_struct.attrs);
                if opened {
                    report.opened_structs.push(item_struct.ident.to_string());
                }
            }
            Item::Mod(module) => {
                if let Some((_, nested)) = module.content.as_mut() {
                    let nested_report = open_types(nested)?;
                    report.opened_enums.extend(nested_report.opened_enums);
                    report.opened_structs.extend(nested_report.opened_structs);
                }
            }
            _ => {}
        }
    }
    for item in items.iter_mut() {
        if let Item::Impl(item_impl) = item
            && let Some(name) = self_type_name(item_impl)
            && simple_enums.contains(&name)
        {
            extend_impl(item_impl);
        }
    }
    for name in &simple_enums {
        if let Some(schema_impl) = json_schema_impl(items, name) {
            items.push(schema_impl);
        }
    }
    report.opened_enums.extend(simple_enums);
    Ok(report)
}

/// The wire value of each variant: its `#[serde(rename = "...")]`, or its name.
fn wire_values(item: &ItemEnum) -> Vec<String> {
    item.variants
        .iter()
        .filter(|variant| variant.ident != UNKNOWN_VARIANT)
        .map(|variant| {
            variant
                .attrs
                .iter()
                .filter(|attr| is_serde_attr(attr))
                .find_map(|attr| {
                    let mut renamed = None;
                    let _ = attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            renamed = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                        }
                        Ok(())
                    });
                    renamed
                })
                .unwrap_or_else(|| variant.ident.to_string())
        })
        .collect()
}

/// schemars 0.8 does not understand a `#[serde(untagged)]` variant and would describe the unknown value as an
/// object; an open enum's schema is a string whose known values are listed as `examples`.
fn json_schema_impl(items: &mut [Item], name: &str) -> Option<Item> {
    let item = items.iter_mut().find_map(|item| match item {
        Item::Enum(e) if e.ident == name => Some(e),
        _ => None,
    })?;
    let mut had_schema_derive = false;
    for attr in item.attrs.iter_mut() {
        if attr.path().is_ident("derive")
            && let Ok(list) = attr.meta.require_list()
            && let Ok(paths) = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
        {
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|path| {
                    let is_schema = path
                        .segments
                        .last()
                        .is_some_and(|last| last.ident == "JsonSchema");
                    had_schema_derive |= is_schema;
                    !is_schema
                })
                .collect();
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    if !had_schema_derive {
        return None;
    }
    let ident = item.ident.clone();
    let known = wire_values(item);
    let description = format!(
        "One of {}, or a value this version of the document does not know.",
        known
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some(parse_quote! {
        impl ::schemars::JsonSchema for #ident {
            fn schema_name() -> ::std::string::String {
                ::std::string::String::from(#name)
            }

            fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                let mut schema = ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    ..Default::default()
                };
                let metadata = schema.metadata();
                metadata.description = Some(::std::string::String::from(#description));
                metadata.examples = vec![#(::serde_json::Value::from(#known)),*];
                schema.into()
            }
        }
    })
}

fn is_serde_attr(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("serde")
}

fn strip_deny_unknown_fields(attrs: &mut Vec<syn::Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| {
        !(is_serde_attr(attr)
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string() == "deny_unknown_fields"))
    });
    before != attrs.len()
}

/// A unit-only enum that derives `Deserialize` and is not `untagged`/`tag`ged as a whole: a string enum.
fn is_simple_string_enum(item: &ItemEnum) -> bool {
    let unit_only = !item.variants.is_empty()
        && item
            .variants
            .iter()
            .all(|variant| matches!(variant.fields, Fields::Unit));
    let derives_deserialize = item.attrs.iter().any(|attr| {
        attr.path().is_ident("derive") && quote!(#attr).to_string().contains("Deserialize")
    });
    let container_tagged = item.attrs.iter().any(|attr| {
        is_serde_attr(attr) && {
            let text = quote!(#attr).to_string();
            text.contains("untagged") || text.contains("tag =")
        }
    });
    unit_only && derives_deserialize && !container_tagged
}

fn open_enum(item: &mut ItemEnum) -> Result<(), String> {
    let unknown = syn::Ident::new(UNKNOWN_VARIANT, proc_macro2::Span::call_site());
    if item.variants.iter().any(|variant| variant.ident == unknown) {
        return Err(format!(
            "enum `{}` already has a variant named `{UNKNOWN_VARIANT}`",
            item.ident
        ));
    }
    item.variants.push(parse_quote! {
        /// A value this version of the API document does not know: the server is newer than the client.
        /// It round-trips unchanged.
        #[serde(untagged)]
        #unknown(::std::string::String)
    });
    for attr in item.attrs.iter_mut() {
        if attr.path().is_ident("derive")
            && let Ok(list) = attr.meta.require_list()
        {
            let paths: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = list
                .parse_args_with(syn::punctuated::Punctuated::parse_terminated)
                .map_err(|e| e.to_string())?;
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|path| path.segments.last().is_none_or(|last| last.ident != "Copy"))
                .collect();
            *attr = parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    Ok(())
}

fn self_type_name(item: &ItemImpl) -> Option<String> {
    match item.self_ty.as_ref() {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Teaches typify's `Display` and `FromStr` impls about the new variant.
fn extend_impl(item: &mut ItemImpl) {
    let Some((trait_path, _)) = item.trait_.as_ref() else {
        return;
    };
    let Some(trait_name) = trait_path.segments.last().map(|s| s.ident.to_string()) else {
        return;
    };
    let unknown = syn::Ident::new(UNKNOWN_VARIANT, proc_macro2::Span::call_site());
    for impl_item in item.items.iter_mut() {
        let syn::ImplItem::Fn(function) = impl_item else {
            continue;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Match(matched), _)) = function.block.stmts.last_mut()
        else {
            continue;
        };
        match trait_name.as_str() {
            "Display" => {
                // `match *self` cannot bind the `String` by value; match on the reference instead.
                matched.expr = parse_quote!(self);
                matched
                    .arms
                    .push(parse_quote!(Self::#unknown(value) => f.write_str(value),));
            }
            "FromStr" => {
                if let Some(last) = matched.arms.last_mut()
                    && matches!(last.pat, syn::Pat::Wild(_))
                {
                    *last = parse_quote!(other => Ok(Self::#unknown(other.to_string())),);
                }
            }
            _ => {}
        }
    }
}

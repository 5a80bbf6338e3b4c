//! A small, human-readable summary of a generated client's public surface.
//!
//! One line per operation (operationId, HTTP method, path, Rust method, parameters, body, success and error types),
//! then one block per generated type (struct fields, enum variants). It is committed next to the document, so a
//! change of the vendor's document shows up in review as a readable diff of what callers see.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quote::ToTokens;

/// Renders a Rust type compactly: `Option<Vec<ApiKey>>` rather than `:: std :: option :: Option < ... >`.
pub fn compact_type(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        (",>", ">"),
        ("& '", "&'"),
        ("& ", "&"),
    ] {
        text = text.replace(from, to);
    }
    for prefix in [
        "::std::option::",
        "::std::vec::",
        "::std::string::",
        "::std::collections::",
        "::serde_json::",
        "::chrono::",
        "::uuid::",
        "::std::num::",
        "types::builder::",
        "types::",
        "super::",
        "progenitor_client::",
        "::std::",
    ] {
        text = text.replace(prefix, "");
    }
    text
}

struct Operation {
    method_name: String,
    builder: String,
}

struct Builder {
    fields: Vec<(String, String)>,
    send: Option<syn::Type>,
    body: Option<syn::Type>,
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Sends a `GET` request to `/api-keys`` -> ("GET", "/api-keys").
fn request_line(doc: &str) -> Option<(String, String)> {
    let rest = &doc[doc.find("Sends a `")? + "Sends a `".len()..];
    let (method, rest) = rest.split_once('`')?;
    let rest = &rest[rest.find('`')? + 1..];
    let (path, _) = rest.split_once('`')?;
    Some((method.to_string(), path.to_string()))
}

fn self_ty_name(item: &syn::ItemImpl) -> Option<String> {
    match item.self_ty.as_ref() {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn module_items<'f>(items: &'f [syn::Item], name: &str) -> &'f [syn::Item] {
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| i.as_slice()),
            _ => None,
        })
        .unwrap_or(&[])
}

/// One operation as generated: its place in the document and the client method, builder and `send()` output
/// that serve it.
#[derive(Debug, Clone)]
pub struct GeneratedOperation {
    /// The operationId.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// The client method and the fields of its builder; `None` when the generator produced none.
    pub generated: Option<GeneratedMethod>,
}

/// The Rust side of a [`GeneratedOperation`].
#[derive(Debug, Clone)]
pub struct GeneratedMethod {
    /// `list_api_keys`.
    pub method_name: String,
    /// The builder type the method returns (`ListApiKeys`).
    pub builder: String,
    /// `(field, compact type)` of the builder.
    pub fields: Vec<(String, String)>,
    /// The success body type (`ResponseValue<T>`'s `T`) as written in the generated code.
    pub success: Option<syn::Type>,
    /// The error body type (`Error<E>`'s `E`).
    pub error: Option<syn::Type>,
    /// The JSON request body's type (`types::X`), when the operation takes a typed body.
    pub body: Option<syn::Type>,
}

/// `T` and `E` of `Result<ResponseValue<T>, Error<E>>`.
fn send_types(ty: &syn::Type) -> (Option<syn::Type>, Option<syn::Type>) {
    fn first_arg(ty: &syn::Type) -> Option<syn::Type> {
        let syn::Type::Path(p) = ty else { return None };
        let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    }
    let syn::Type::Path(p) = ty else {
        return (None, None);
    };
    let Some(syn::PathArguments::AngleBracketed(args)) =
        p.path.segments.last().map(|s| &s.arguments)
    else {
        return (None, None);
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let ok = types.next().and_then(first_arg);
    let error = types.next().and_then(first_arg);
    (ok, error)
}

/// Pairs every operation of the document (operationId, METHOD, path, in document order) with what the generator
/// made of it.
pub fn generated_operations(
    operations: &[(String, String, String)],
    file: &syn::File,
) -> Vec<GeneratedOperation> {
    // Client methods keyed by (METHOD, path).
    let mut by_request = BTreeMap::<(String, String), Operation>::new();
    for item in &file.items {
        let syn::Item::Impl(item_impl) = item else {
            continue;
        };
        if item_impl.trait_.is_some() || self_ty_name(item_impl).as_deref() != Some("Client") {
            continue;
        }
        for impl_item in &item_impl.items {
            let syn::ImplItem::Fn(function) = impl_item else {
                continue;
            };
            let Some(request) = request_line(&doc_text(&function.attrs)) else {
                continue;
            };
            let builder = match &function.sig.output {
                syn::ReturnType::Type(_, ty) => match ty.as_ref() {
                    syn::Type::Path(p) => p
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                },
                syn::ReturnType::Default => String::new(),
            };
            by_request.insert(
                request,
                Operation {
                    method_name: function.sig.ident.to_string(),
                    builder,
                },
            );
        }
    }

    let builder_items = module_items(&file.items, "builder");
    let mut builders = BTreeMap::<String, Builder>::new();
    for item in builder_items {
        if let syn::Item::Struct(s) = item {
            let fields = s
                .fields
                .iter()
                .filter_map(|f| {
                    let name = f.ident.as_ref()?.to_string();
                    (name != "client").then(|| (name, compact_type(&unwrap_result(&f.ty))))
                })
                .collect();
            let body = s.fields.iter().find_map(|f| {
                let is_body = f.ident.as_ref().is_some_and(|name| name == "body");
                let syn::Type::Path(path) = unwrap_result(&f.ty) else {
                    return None;
                };
                // `types::builder::X` for a struct, `types::X` for an enum (which has no builder).
                let typed = path
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "types");
                let last = path.path.segments.last()?.ident.clone();
                (is_body && typed).then(|| syn::parse_quote!(types::#last))
            });
            builders.insert(
                s.ident.to_string(),
                Builder {
                    fields,
                    send: None,
                    body,
                },
            );
        }
    }
    for item in builder_items {
        let syn::Item::Impl(item_impl) = item else {
            continue;
        };
        let Some(name) = self_ty_name(item_impl) else {
            continue;
        };
        for impl_item in &item_impl.items {
            if let syn::ImplItem::Fn(function) = impl_item
                && function.sig.ident == "send"
                && let syn::ReturnType::Type(_, ty) = &function.sig.output
                && let Some(builder) = builders.get_mut(&name)
            {
                builder.send = Some(ty.as_ref().clone());
            }
        }
    }

    operations
        .iter()
        .map(|(id, method, path)| {
            let generated = by_request
                .get(&(method.clone(), path.clone()))
                .map(|operation| {
                    let builder = builders.get(&operation.builder);
                    let (success, error) = builder
                        .and_then(|b| b.send.as_ref())
                        .map(send_types)
                        .unwrap_or((None, None));
                    GeneratedMethod {
                        method_name: operation.method_name.clone(),
                        builder: operation.builder.clone(),
                        fields: builder.map(|b| b.fields.clone()).unwrap_or_default(),
                        success,
                        error,
                        body: builder.and_then(|b| b.body.clone()),
                    }
                });
            GeneratedOperation {
                id: id.clone(),
                method: method.clone(),
                path: path.clone(),
                generated,
            }
        })
        .collect()
}

/// What the pipeline did besides generating, listed at the end of the summary.
#[derive(Debug, Clone, Copy)]
pub struct PipelineFacts<'a> {
    /// Defaults the request policy moved into descriptions ([`crate::request_policy`]).
    pub moved_defaults: usize,
    /// What each named pass changed ([`crate::passes`]).
    pub passes: &'a [crate::passes::PassCount],
    /// `Type.member` of every member redacted in `Debug`.
    pub redacted: &'a [String],
    /// `Type.member` of every member a partial update can send as `null` ([`crate::passes::null_members`]).
    pub clearable: &'a [String],
}

/// Builds the summary. `operations` lists (operationId, METHOD, path) in document order.
pub fn summarize(
    title: &str,
    operations: &[(String, String, String)],
    file: &syn::File,
    facts: &PipelineFacts<'_>,
) -> String {
    let generated = generated_operations(operations, file);
    let mut out = String::new();
    let _ = writeln!(out, "# API surface: {title}");
    let _ = writeln!(
        out,
        "# Generated by build-support from the patched document. Do not edit: see the README to refresh."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "## Operations ({})", operations.len());
    for operation in &generated {
        let (operation_id, method, path) = (&operation.id, &operation.method, &operation.path);
        let Some(rust) = &operation.generated else {
            let _ = writeln!(out, "{operation_id} {method} {path} => NOT GENERATED");
            continue;
        };
        let params = rust
            .fields
            .iter()
            .map(|(name, ty)| format!("{name}: {ty}"))
            .collect::<Vec<_>>()
            .join(", ");
        let send = match (&rust.success, &rust.error) {
            (Some(ok), Some(error)) => {
                format!("{}, error {}", compact_type(ok), compact_type(error))
            }
            _ => "?".to_string(),
        };
        let _ = writeln!(
            out,
            "{operation_id} {method} {path} => {}({params}) -> {send}",
            rust.method_name
        );
    }

    let _ = writeln!(out);
    let type_items = module_items(&file.items, "types");
    let mut types = Vec::new();
    for item in type_items {
        match item {
            syn::Item::Struct(s) => {
                let mut block = format!("struct {}", s.ident);
                // A private named member (`null_members`'s hidden set) is no part of the surface.
                for field in &s.fields {
                    match &field.ident {
                        Some(_) if matches!(field.vis, syn::Visibility::Inherited) => {}
                        Some(name) => {
                            let _ = write!(block, "\n  .{name}: {}", compact_type(&field.ty));
                        }
                        None => {
                            let _ = write!(block, "\n  .0: {}", compact_type(&field.ty));
                        }
                    }
                }
                types.push(block);
            }
            syn::Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| match &v.fields {
                        syn::Fields::Unit => v.ident.to_string(),
                        fields => format!("{}{}", v.ident, compact_type(fields)),
                    })
                    .collect::<Vec<_>>()
                    .join(" | ");
                types.push(format!("enum {} = {variants}", e.ident));
            }
            syn::Item::Type(t) => types.push(format!("type {} = {}", t.ident, compact_type(&t.ty))),
            _ => {}
        }
    }
    let _ = writeln!(out, "## Types ({})", types.len());
    for block in types {
        let _ = writeln!(out, "{block}");
    }
    let _ = writeln!(out);
    member_section(
        &mut out,
        "Redacted in Debug",
        "members that hold secrets (by name, or marked x-sensitive)",
        facts.redacted,
    );
    member_section(
        &mut out,
        "Sent as null when cleared",
        "members of partial-update bodies with a `clear_<member>()`",
        facts.clearable,
    );
    let _ = writeln!(out, "## Pipeline ({} passes)", facts.passes.len() + 1);
    let _ = writeln!(
        out,
        "request_policy: {} document defaults moved into descriptions",
        facts.moved_defaults
    );
    for pass in facts.passes {
        let _ = writeln!(out, "{}: {} changed", pass.name, pass.changed);
    }
    out
}

/// A section of the summary listing `members` under `## {title} ({count}): {what}`, then a blank line.
fn member_section(out: &mut String, title: &str, what: &str, members: &[String]) {
    let _ = writeln!(out, "## {title} ({}): {what}", members.len());
    for member in members {
        let _ = writeln!(out, "{member}");
    }
    let _ = writeln!(out);
}

/// Builder fields are `Result<T, String>` (the error is a conversion message); show `T`.
fn unwrap_result(ty: &syn::Type) -> syn::Type {
    if let syn::Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return inner.clone();
    }
    ty.clone()
}

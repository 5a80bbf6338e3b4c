//! The code half of the response policy, applied to the generated `types` module rather than the document:
//! [`tolerate_empty_and_null`] (an empty string for a formatted member is absent, a number also decodes from a
//! numeric string, `null` for a member with a default is that default) and [`opaque_identifiers`] (every `Uuid`
//! becomes a `String`). The rules and their reasons are in the [parent module](super).

/// Every `Uuid` in the generated types becomes a `String` (see the [policy](super), rule 2). Run after
/// [`tolerate_empty_and_null`], which still sees the uuid members. Returns the number of types rewritten.
pub fn opaque_identifiers(items: &mut [syn::Item]) -> usize {
    use syn::visit_mut::VisitMut;

    struct Rewriter(usize);
    impl VisitMut for Rewriter {
        fn visit_type_mut(&mut self, ty: &mut syn::Type) {
            if let syn::Type::Path(path) = ty
                && path.qself.is_none()
                && path.path.segments.len() == 2
                && path.path.segments[0].ident == "uuid"
                && path.path.segments[1].ident == "Uuid"
            {
                *ty = syn::parse_quote!(::std::string::String);
                self.0 += 1;
                return;
            }
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
    let mut rewriter = Rewriter(0);
    for item in items.iter_mut() {
        rewriter.visit_item_mut(item);
    }
    rewriter.0
}

/// The code half of the policy, applied to the generated `types` module: an `Option` of a formatted string type
/// (`Uuid`, `DateTime`, `NaiveDate`) decodes `""` as `None`, an optional number also decodes from a numeric string
/// (`"6"`, as the live service sends usage series), and a list or map that defaults to empty decodes `null` as
/// empty. Returns the number of members changed.
pub fn tolerate_empty_and_null(items: &mut Vec<syn::Item>) -> usize {
    let mut changed = 0;
    let mut wrappers = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(item_struct) => {
                let owner = item_struct.ident.to_string();
                for field in item_struct.fields.iter_mut() {
                    changed += usize::from(tolerate_field(&owner, field, &mut wrappers));
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, nested)) = module.content.as_mut() {
                    changed += tolerate_empty_and_null(nested);
                }
            }
            _ => {}
        }
    }
    items.extend(wrappers);
    changed
}

fn type_text(ty: &syn::Type) -> String {
    quote::quote!(#ty).to_string().replace(' ', "")
}

/// `Some(path)` for `#[serde(default = "path")]`, `Some("")` for a bare `#[serde(default)]`.
fn serde_default(field: &syn::Field) -> Option<String> {
    let mut found = None;
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                found = Some(if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::LitStr>()?.value()
                } else {
                    String::new()
                });
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// `owner`: the name of the struct holding `field`, which names the helper a member with a default value gets
/// (`tolerant_default_CreateSearchRequest_limit`): a name that depends on nothing else keeps the generated code
/// the same whatever else the document holds (another member, another tag's types).
fn tolerate_field(owner: &str, field: &mut syn::Field, wrappers: &mut Vec<syn::Item>) -> bool {
    if field.attrs.iter().any(|attr| {
        attr.path().is_ident("serde") && quote::quote!(#attr).to_string().contains("with")
    }) {
        return false;
    }
    let text = type_text(&field.ty);
    let optional = text.starts_with("::std::option::Option<");
    let formatted = ["::uuid::Uuid", "::chrono::", "NaiveDate"]
        .iter()
        .any(|needle| text.contains(needle));
    const NUMBERS: [&str; 8] = [
        "i64",
        "i32",
        "u64",
        "u32",
        "f64",
        "f32",
        "::std::num::NonZeroU64",
        "::std::num::NonZeroU32",
    ];
    let helper = if optional && formatted {
        "::client_runtime::__private::empty_as_none".to_string()
    } else if NUMBERS
        .iter()
        .any(|number| text == format!("::std::option::Option<{number}>"))
    {
        "::client_runtime::__private::number_or_numeric_string".to_string()
    } else if optional {
        // `null` is already `None`.
        return false;
    } else {
        match serde_default(field) {
            // A member with a default (an empty list or map, `false`, the schema's default value): `null` is the
            // default too.
            Some(path) if path.is_empty() => {
                "::client_runtime::__private::null_as_default".to_string()
            }
            Some(path) => {
                let member = field
                    .ident
                    .as_ref()
                    .map(|ident| ident.to_string().trim_start_matches("r#").to_string())
                    .unwrap_or_else(|| wrappers.len().to_string());
                let name = format!("tolerant_default_{owner}_{member}");
                let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
                let default: syn::Path = match syn::parse_str(&path) {
                    Ok(default) => default,
                    Err(_) => return false,
                };
                let ty = &field.ty;
                wrappers.push(syn::parse_quote! {
                    /// `null` decodes as the member's default (the response policy).
                    #[allow(non_snake_case)]
                    fn #ident<'de, D: ::serde::Deserializer<'de>>(
                        deserializer: D,
                    ) -> ::std::result::Result<#ty, D::Error> {
                        ::std::result::Result::Ok(
                            <::std::option::Option<#ty> as ::serde::Deserialize>::deserialize(deserializer)?
                                .unwrap_or_else(#default),
                        )
                    }
                });
                name
            }
            None => return false,
        }
    };
    field
        .attrs
        .push(syn::parse_quote!(#[serde(deserialize_with = #helper)]));
    if serde_default(field).is_none() {
        field.attrs.push(syn::parse_quote!(#[serde(default)]));
    }
    true
}

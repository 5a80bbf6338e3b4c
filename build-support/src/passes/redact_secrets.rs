//! `redact_secrets`: members that hold secrets print redacted in `Debug`, while serde still sends and reads them.
//!
//! **The rule.** A member holds a secret when its wire name, split into words (`snake_case`, `kebab-case` or
//! `camelCase`), says so ([`is_secret_name`]):
//! - its last word is `secret`, `password`, `passwd`, `passphrase`, `credential` or `credentials`
//!   (`client_secret`; not `secret_type` or `secret_hash`, which describe a secret a scanner found);
//! - it ends in `key` after `api`, `private`, `secret`, `access` or `signing` (`api_key`, `apiKey`), or is
//!   `apikey`;
//! - it ends in `token`/`tokens` and is not a paging cursor (no word `page`, `pagination`, `next`, `continuation`,
//!   `cursor`: `pagination_token` is a position, not a credential).
//!
//! A patch marks what the name does not say with `x-sensitive: true` on a component schema's property (the Bronto
//! webhooks' `custom_headers`, whose documented example is `{"x-bronto-api-key": "xxxxx"}`), and unmarks a false
//! positive with `x-sensitive: false`.
//!
//! **The rewrite.** Each struct of `types` holding such a member loses its derived `Debug` for one that prints the
//! member as `<redacted>` (an `Option` stays visible as `Some(<redacted>)` or `None`, so a caller can still see
//! whether it arrived); its builder in `types::builder` gets the same. Serialisation is untouched.
//!
//! **What it expects.** Structs of `types` deriving `Debug` in a `#[derive(...)]` list; a secret member of an enum
//! variant, or a struct without a derived `Debug`, or an `x-sensitive` mark that names no generated member fails
//! the build. The document implies at least one change per component property the rule or a mark selects.

use std::collections::BTreeSet;

use quote::quote;
use syn::punctuated::Punctuated;

use super::{Pass, PassCount, first_argument, last_segment, module_items, wire_name};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "redact_secrets",
    expects: "structs in `types` (and their builders in `types::builder`) deriving `Debug` in a `#[derive(...)]` \
              list, holding the secret members as named fields",
};

const SECRET_WORDS: [&str; 6] = [
    "secret",
    "password",
    "passwd",
    "passphrase",
    "credential",
    "credentials",
];
const KEY_QUALIFIERS: [&str; 5] = ["api", "private", "secret", "access", "signing"];
const CURSOR_WORDS: [&str; 5] = ["page", "pagination", "next", "continuation", "cursor"];

/// The words of a member name, lower case: `clientSecret` and `client_secret` are `["client", "secret"]`.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for character in name.chars() {
        if !character.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if character.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = character.is_lowercase() || character.is_ascii_digit();
        current.extend(character.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a member named `name` (its wire name) holds a secret by the rule of this module.
pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let has = |set: &[&str]| words.iter().any(|word| set.contains(&word.as_str()));
    if words
        .last()
        .is_some_and(|last| SECRET_WORDS.contains(&last.as_str()))
    {
        return true;
    }
    match words.as_slice() {
        [only] if only == "apikey" => true,
        [.., qualifier, last] if last == "key" && KEY_QUALIFIERS.contains(&qualifier.as_str()) => {
            true
        }
        [.., last] if (last == "token" || last == "tokens") => !has(&CURSOR_WORDS),
        _ => false,
    }
}

fn normalise(type_name: &str) -> String {
    type_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `x-sensitive` marks of the document's component properties: `(normalised component name, property, mark)`.
fn marks(document: &serde_json::Value) -> Vec<(String, String, String, bool)> {
    let mut found = Vec::new();
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
    else {
        return found;
    };
    for (component, schema) in schemas {
        let Some(properties) = schema
            .get("properties")
            .and_then(serde_json::Value::as_object)
        else {
            continue;
        };
        for (property, member) in properties {
            if let Some(mark) = member
                .get("x-sensitive")
                .and_then(serde_json::Value::as_bool)
            {
                found.push((
                    normalise(component),
                    component.clone(),
                    property.clone(),
                    mark,
                ));
            }
        }
    }
    found
}

/// How many component properties of the document the rule and the marks select: the least the pass must change.
fn implied(document: &serde_json::Value) -> usize {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
    else {
        return 0;
    };
    schemas
        .values()
        .filter_map(|schema| schema.get("properties")?.as_object())
        .flat_map(|properties| properties.iter())
        .filter(|(name, member)| {
            match member
                .get("x-sensitive")
                .and_then(serde_json::Value::as_bool)
            {
                Some(mark) => mark,
                None => is_secret_name(name),
            }
        })
        .count()
}

/// What the pass did: its count and the members it redacts, as `Type.member`.
#[derive(Debug, Clone)]
pub struct Redactions {
    /// The pass's count (members redacted in `types`).
    pub count: PassCount,
    /// `Type.member` (wire name) of every member redacted, sorted.
    pub members: Vec<String>,
}

/// Runs the pass on the items of the `types` module, with the prepared document's marks.
pub fn run(
    types: &mut Vec<syn::Item>,
    document: &serde_json::Value,
) -> Result<Redactions, PipelineError> {
    let marks = marks(document);
    let selected = |owner: &str, wire: &str| {
        let owner = normalise(owner);
        match marks
            .iter()
            .find(|(component, _, property, _)| *component == owner && property == wire)
        {
            Some((_, _, _, mark)) => *mark,
            None => is_secret_name(wire),
        }
    };
    let mut members = Vec::new();
    let mut used_marks = BTreeSet::new();
    let mut redacted_structs = std::collections::BTreeMap::new();
    let mut impls = Vec::new();
    for item in types.iter_mut() {
        match item {
            syn::Item::Struct(structure) => {
                let owner = structure.ident.to_string();
                let mut secret_fields = BTreeSet::new();
                for field in &structure.fields {
                    let (Some(ident), Some(wire)) = (&field.ident, wire_name(field)) else {
                        continue;
                    };
                    if selected(&owner, &wire) {
                        secret_fields.insert(ident.to_string());
                        members.push(format!("{owner}.{wire}"));
                    }
                    used_marks.insert((normalise(&owner), wire));
                }
                if !secret_fields.is_empty() {
                    impls.push(redact(
                        structure,
                        &secret_fields,
                        quote!(redaction::Redacted),
                    )?);
                    redacted_structs.insert(owner, secret_fields);
                }
            }
            syn::Item::Enum(enumeration) => {
                for variant in &enumeration.variants {
                    for field in &variant.fields {
                        if let Some(wire) = wire_name(field)
                            && field.ident.is_some()
                            && selected(&enumeration.ident.to_string(), &wire)
                        {
                            return Err(PipelineError::Generate(format!(
                                "pass `{}`: the enum variant `{}::{}` holds the secret member `{wire}`, which \
                                 the pass cannot redact: give the schema a component of its own",
                                PASS.name, enumeration.ident, variant.ident
                            )));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((_, component, property, _)) =
        marks.iter().find(|(component, _, property, mark)| {
            *mark && !used_marks.contains(&(component.clone(), property.clone()))
        })
    {
        return Err(PipelineError::Generate(format!(
            "pass `{}`: `{component}.{property}` is marked `x-sensitive` but no generated struct has that member",
            PASS.name
        )));
    }
    if !redacted_structs.is_empty() {
        if let Some(builders) = module_items(types, "builder") {
            let mut builder_impls = Vec::new();
            for item in builders.iter_mut() {
                if let syn::Item::Struct(structure) = item
                    && let Some(fields) = redacted_structs.get(&structure.ident.to_string())
                {
                    builder_impls.push(redact(
                        structure,
                        fields,
                        quote!(super::redaction::Redacted),
                    )?);
                }
            }
            builders.extend(builder_impls);
        }
        types.extend(impls);
        types.push(syn::parse_quote! {
            /// How `Debug` shows a member that holds a secret: whether it is there, never its value.
            mod redaction {
                pub(super) struct Redacted;

                impl ::std::fmt::Debug for Redacted {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("<redacted>")
                    }
                }
            }
        });
    }
    members.sort();
    let count = PASS.check(implied(document), members.len())?;
    Ok(Redactions { count, members })
}

/// `self.member` seen through `Option`s and `Result`s down to the marker: `Some(<redacted>)`, `Ok(None)`.
fn redacted_view(
    ty: &syn::Type,
    value: proc_macro2::TokenStream,
    marker: &proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let wrapper = last_segment(ty).map(|segment| segment.ident.to_string());
    match (wrapper.as_deref(), first_argument(ty)) {
        (Some("Option" | "Result"), Some(inner)) => {
            let inner = redacted_view(inner, quote!(_value), marker);
            quote!(#value.as_ref().map(|_value| #inner))
        }
        _ => quote!(#marker),
    }
}

/// Replaces the derived `Debug` of `structure` with one that shows `secret_fields` as `marker`.
fn redact(
    structure: &mut syn::ItemStruct,
    secret_fields: &BTreeSet<String>,
    marker: proc_macro2::TokenStream,
) -> Result<syn::Item, PipelineError> {
    let mut removed = false;
    for attr in structure
        .attrs
        .iter_mut()
        .filter(|attr| attr.path().is_ident("derive"))
    {
        let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Punctuated<syn::Path, syn::Token![,]> = paths
            .iter()
            .filter(|path| path.segments.last().is_none_or(|s| s.ident != "Debug"))
            .cloned()
            .collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote!(#[derive(#kept)]);
        }
    }
    if !removed {
        return Err(PipelineError::Generate(format!(
            "pass `{}`: `{}` holds a secret but derives no `Debug` to replace; it expects {}",
            PASS.name, structure.ident, PASS.expects
        )));
    }
    let name = &structure.ident;
    let label = name.to_string();
    let fields = structure.fields.iter().filter_map(|field| {
        let ident = field.ident.as_ref()?;
        let text = ident.to_string();
        let shown = text.strip_prefix("r#").unwrap_or(&text).to_string();
        let view = if secret_fields.contains(&text) {
            let view = redacted_view(&field.ty, quote!(self.#ident), &marker);
            quote!(&#view)
        } else {
            quote!(&self.#ident)
        };
        Some(quote!(.field(#shown, #view)))
    });
    let generics = &structure.generics;
    let implementation: syn::ItemImpl = syn::parse_quote! {
        impl #generics ::std::fmt::Debug for #name #generics {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* .finish()
            }
        }
    };
    Ok(syn::Item::Impl(implementation))
}

//! `null_members`: a partial update can clear a member, sending `"<member>": null`.
//!
//! typify writes every optional member with a `skip_serializing_if` (`Option<T>` left out when `None`, a list or a
//! map when empty), so a member the caller never touched is absent from the bytes, as it must be; but nothing
//! could send `null` (nor, for a list, `[]`), which a
//! partial update (JSON merge patch, RFC 7396) reads as "clear this member". After this pass the builder of each
//! partial-update body has, for every optional member `m`, a `clear_m()` that unsets the member and records it in
//! a hidden `#[serde(flatten, skip_deserializing)]` set (`client_runtime::__private::NullMembers`), which the body writes as
//! `"m": null` after its other members. The member's setter takes it out of the set again (the last call wins),
//! so a member is never sent both with a value and as `null`. Decoding is untouched: the set is skipped when
//! reading (serde then reads the type without buffering, exactly as before), so a body type that is also a
//! response type (`UserGroup`) decodes as it did, a `null` read from a response being an unset member.
//!
//! **Which bodies.** The JSON body of every `PATCH` operation, and only those. A `PUT` replaces the resource
//! (RFC 9110), so leaving a member out already clears it; and the document never says that one of its `PUT`s
//! is partial: a `PUT` body that requires nothing is not one either (the live `updateRole` blanks what a body
//! leaves out, see `live-corrections.yaml`), and after the response policy a type that is also a response
//! (`Tag`) requires nothing whatever the document said. Only the body's own members: a nested object's type is
//! often shared with bodies that are not updates, and the document does not say whether the service merges a
//! nested object or replaces it.
//!
//! **Which members.** Every optional member of such a body, not only those marked `nullable`. In a merge patch
//! `null` is the instruction "remove", not a value of the member's schema, so the member's own schema does not
//! need to allow it; and the vendor's document marks almost nothing `nullable` (no member of a `PATCH` body), so
//! "only nullable ones" would leave the updates unable to clear anything. Whether the service accepts clearing a
//! given member is the service's to say: a refusal comes back as the typed error of the call.
//!
//! **Across tags.** [`mark`] marks the component schemas that are `PATCH` bodies on the whole document, before
//! tags are kept, so a type shared with another tag (`UserGroup`) is generated the same in every client.
//!
//! **What it expects.** For each such body type `T`: `struct T` in `types` with named members
//! carrying `skip_serializing_if` (`Option<…>`, lists, maps), `struct T` in `types::builder` with the same members
//! and a setter per member in its inherent impl, and its `Default`/conversion impls building them with `Self {
//! … }`. The document implies one change per optional member of each such body whose schema lists its members
//! directly (`properties`, no `oneOf`/`anyOf`/`allOf`).

use std::collections::BTreeMap;

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, last_segment, module_items, wire_name};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "null_members",
    expects: "for each partial-update body `T`, `struct T` in `types` with optional members (named fields with \
              `skip_serializing_if`) and `struct T` in `types::builder` with a setter per member",
};

/// The hidden member holding the members sent as `null`, in the body type and in its builder.
const FIELD: &str = "sent_as_null";

/// What the pass changed.
#[derive(Debug, Clone)]
pub struct NullMembersReport {
    /// The pass's count: the `clear_<member>()` methods added.
    pub count: PassCount,
    /// `Type.member` (wire name) of every member a partial update can clear, sorted.
    pub members: Vec<String>,
}

/// A partial-update (`PATCH`) operation of the document: its operationId and the number of optional members its
/// body lists directly (0 when the body is a union or a composition, which implies nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialUpdate {
    /// The operationId.
    pub operation: String,
    /// Optional members the body's schema lists in `properties`.
    pub optional_members: usize,
}

fn resolve<'a>(
    document: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    let mut schema = schema;
    for _ in 0..16 {
        match schema.get("$ref").and_then(serde_json::Value::as_str) {
            Some(reference) => match document.pointer(reference.trim_start_matches('#')) {
                Some(target) => schema = target,
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

/// The partial-update operations of `document`: every `PATCH` with a JSON body.
pub fn partial_updates(document: &serde_json::Value) -> Vec<PartialUpdate> {
    let Some(paths) = document.get("paths").and_then(serde_json::Value::as_object) else {
        return Vec::new();
    };
    paths
        .values()
        .filter_map(|item| item.get("patch"))
        .filter_map(|operation| {
            let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
            Some(PartialUpdate {
                operation: operation
                    .get("operationId")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                optional_members: listed_optional(resolve(document, schema)),
            })
        })
        .collect()
}

/// The mark [`mark`] leaves on a component schema that is the body of a `PATCH`.
pub const MARK: &str = "x-partial-update";

/// Marks every component schema that is the JSON body of a `PATCH` with [`MARK`], on the whole document before
/// tags are kept: a type shared by several tags (`UserGroup`, sent by `updateGroup`, read by `users`) is then
/// generated the same in every client, whichever of its operations a client keeps. Returns how many it marked.
pub fn mark(document: &mut serde_json::Value) -> usize {
    let names: Vec<String> = document
        .get("paths")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| {
            item.get("patch")?
                .pointer("/requestBody/content/application~1json/schema/$ref")?
                .as_str()?
                .strip_prefix("#/components/schemas/")
                .map(str::to_string)
        })
        .collect();
    let mut marked = 0;
    for name in names {
        if let Some(serde_json::Value::Object(schema)) = document.pointer_mut(&format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        )) && schema
            .insert(MARK.into(), serde_json::Value::Bool(true))
            .is_none()
        {
            marked += 1;
        }
    }
    marked
}

/// Optional members a body schema lists directly (0 for a union or a composition, which implies nothing).
fn listed_optional(schema: &serde_json::Value) -> usize {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    if ["oneOf", "anyOf", "allOf"]
        .iter()
        .any(|key| schema.get(key).is_some())
    {
        return 0;
    }
    schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .map_or(0, |properties| {
            properties
                .keys()
                .filter(|name| !required.contains(&name.as_str()))
                .count()
        })
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `(rust name, wire name)` of the optional members of a body struct: those left out when unset (`Option<…>`
/// when `None`, a list or a map when empty).
fn optional_members(structure: &syn::ItemStruct) -> Vec<(syn::Ident, String)> {
    structure
        .fields
        .iter()
        .filter(|field| skips_when_unset(field))
        .filter_map(|field| Some((field.ident.clone()?, wire_name(field)?)))
        .collect()
}

fn skips_when_unset(field: &syn::Field) -> bool {
    field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .any(|attr| {
            let mut skips = false;
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip_serializing_if") {
                    skips = true;
                }
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            skips
        })
}

fn has_field(structure: &syn::ItemStruct, name: &str) -> bool {
    structure
        .fields
        .iter()
        .any(|field| field.ident.as_ref().is_some_and(|ident| ident == name))
}

/// Adds `field` to a struct with named members (the only ones [`optional_members`] finds members in).
fn add_field(structure: &mut syn::ItemStruct, field: syn::Field) {
    if let syn::Fields::Named(fields) = &mut structure.fields {
        fields.named.push(field);
    }
}

/// Adds the hidden member to every `Self { … }` of an impl: carried over by the conversions between the type and
/// its builder (their argument is `value`), empty elsewhere (`Default`).
struct Literals {
    carry: bool,
}

impl VisitMut for Literals {
    fn visit_expr_struct_mut(&mut self, literal: &mut syn::ExprStruct) {
        syn::visit_mut::visit_expr_struct_mut(self, literal);
        if !literal.path.is_ident("Self") || literal.rest.is_some() {
            return;
        }
        let field = syn::Ident::new(FIELD, proc_macro2::Span::call_site());
        let value: syn::Expr = if self.carry {
            syn::parse_quote!(value.#field)
        } else {
            syn::parse_quote!(::std::default::Default::default())
        };
        literal.fields.push(syn::parse_quote!(#field: #value));
    }
}

fn is_conversion(implementation: &syn::ItemImpl) -> bool {
    implementation
        .trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .is_some_and(|segment| segment.ident == "From" || segment.ident == "TryFrom")
}

fn self_name(implementation: &syn::ItemImpl) -> Option<String> {
    last_segment(&implementation.self_ty).map(|segment| segment.ident.to_string())
}

fn fail(detail: String) -> PipelineError {
    PipelineError::Generate(format!(
        "pass `{}`: {detail}; it expects {}",
        PASS.name, PASS.expects
    ))
}

/// Runs the pass on the items of the `types` module. `bodies` maps an operationId to the name of its JSON body
/// type (as the operation builders name it); run after `plain_value_setters`, whose setters it extends.
pub fn run(
    types: &mut [syn::Item],
    bodies: &BTreeMap<String, String>,
    document: &serde_json::Value,
) -> Result<NullMembersReport, PipelineError> {
    // Body type -> members the document implies: the marked components (their type named after them, as
    // typify names it up to case), and the bodies written inline in a `PATCH` of this document.
    let mut implied: BTreeMap<String, usize> = BTreeMap::new();
    let mut bodies_here: Vec<String> = Vec::new();
    for (component, schema) in document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.get(MARK).and_then(serde_json::Value::as_bool) == Some(true))
    {
        let name = types
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(structure)
                    if normalise(&structure.ident.to_string()) == normalise(component) =>
                {
                    Some(structure.ident.to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| component.clone());
        implied.insert(name.clone(), listed_optional(schema));
        bodies_here.push(name);
    }
    let paths = document.get("paths").and_then(serde_json::Value::as_object);
    for operation in paths
        .into_iter()
        .flatten()
        .filter_map(|(_, item)| item.get("patch"))
    {
        let Some(schema) = operation.pointer("/requestBody/content/application~1json/schema")
        else {
            continue;
        };
        let id = operation
            .get("operationId")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let name = bodies.get(id).cloned().unwrap_or_else(|| id.to_string());
        if schema.get("$ref").is_none() {
            implied.insert(name.clone(), listed_optional(schema));
        } else {
            let wanted = listed_optional(resolve(document, schema));
            let entry = implied.entry(name.clone()).or_default();
            *entry = (*entry).max(wanted);
        }
        bodies_here.push(name);
    }
    // Body type -> its optional members.
    let mut targets: BTreeMap<String, Vec<(syn::Ident, String)>> = BTreeMap::new();
    for body in &bodies_here {
        let Some(structure) = types.iter().find_map(|item| match item {
            syn::Item::Struct(structure) if structure.ident == body => Some(structure),
            _ => None,
        }) else {
            // A union body (an enum) has no member to clear: each branch is sent whole.
            continue;
        };
        let members = optional_members(structure);
        if !members.is_empty() {
            targets.insert(body.clone(), members);
        }
    }

    let mut reported = Vec::new();
    for item in types.iter_mut() {
        match item {
            syn::Item::Struct(structure) if targets.contains_key(&structure.ident.to_string()) => {
                if has_field(structure, FIELD) {
                    return Err(fail(format!(
                        "`{}` already has a member `{FIELD}`",
                        structure.ident
                    )));
                }
                let ident = syn::Ident::new(FIELD, proc_macro2::Span::call_site());
                let field: syn::Field = syn::parse_quote! {
                    /// The members sent as `null` (set by the builder's `clear_<member>()`).
                    #[serde(flatten, skip_deserializing)]
                    #[schemars(skip)]
                    #ident: ::client_runtime::__private::NullMembers
                };
                add_field(structure, field);
                for (_, wire) in &targets[&structure.ident.to_string()] {
                    reported.push(format!("{}.{wire}", structure.ident));
                }
            }
            syn::Item::Impl(implementation)
                if self_name(implementation).is_some_and(|name| targets.contains_key(&name)) =>
            {
                let mut literals = Literals {
                    carry: is_conversion(implementation),
                };
                literals.visit_item_impl_mut(implementation);
            }
            _ => {}
        }
    }

    let mut changed: BTreeMap<String, usize> = BTreeMap::new();
    if !targets.is_empty() {
        let Some(builders) = module_items(types, "builder") else {
            return Err(fail(
                "the body types have no `types::builder` module".into(),
            ));
        };
        for item in builders.iter_mut() {
            match item {
                syn::Item::Struct(structure)
                    if targets.contains_key(&structure.ident.to_string()) =>
                {
                    if has_field(structure, FIELD) {
                        return Err(fail(format!(
                            "builder `{}` already has a member `{FIELD}`",
                            structure.ident
                        )));
                    }
                    let ident = syn::Ident::new(FIELD, proc_macro2::Span::call_site());
                    let field: syn::Field =
                        syn::parse_quote!(#ident: ::client_runtime::__private::NullMembers);
                    add_field(structure, field);
                }
                syn::Item::Impl(implementation) => {
                    let Some(name) = self_name(implementation) else {
                        continue;
                    };
                    let Some(members) = targets.get(&name) else {
                        continue;
                    };
                    if implementation.trait_.is_some() {
                        let mut literals = Literals {
                            carry: is_conversion(implementation),
                        };
                        literals.visit_item_impl_mut(implementation);
                        continue;
                    }
                    *changed.entry(name.clone()).or_default() +=
                        add_clear_methods(&name, implementation, members)?;
                }
                _ => {}
            }
        }
    }
    reported.sort();
    let short: Vec<String> = implied
        .iter()
        .filter_map(|(body, &wanted)| {
            let got = changed.get(body).copied().unwrap_or(0);
            (got < wanted).then(|| format!("{body}: {got} of {wanted}"))
        })
        .collect();
    let (wanted, got): (usize, usize) = (implied.values().sum(), changed.values().sum());
    if got < wanted || !short.is_empty() {
        return Err(PipelineError::Generate(format!(
            "pass `{}` changed {got} item(s) where the document implies {wanted} (short: {}): it expects {}. \
             The generator's output changed shape (a progenitor or typify update?): update the pass.",
            PASS.name,
            short.join(", "),
            PASS.expects
        )));
    }
    let count = PASS.check(wanted, got)?;
    Ok(NullMembersReport {
        count,
        members: reported,
    })
}

/// Gives the builder `name`'s inherent impl a `clear_<member>()` per member, and makes each member's setter take
/// the member out of the set. Returns how many members got one.
fn add_clear_methods(
    name: &str,
    implementation: &mut syn::ItemImpl,
    members: &[(syn::Ident, String)],
) -> Result<usize, PipelineError> {
    let field = syn::Ident::new(FIELD, proc_macro2::Span::call_site());
    let mut added = 0;
    for (member, wire) in members {
        let plain = member.to_string();
        let plain = plain.strip_prefix("r#").unwrap_or(&plain);
        let clear = syn::Ident::new(&format!("clear_{plain}"), member.span());
        let Some(setter) = implementation.items.iter_mut().find_map(|item| match item {
            syn::ImplItem::Fn(function) if function.sig.ident == *member => Some(function),
            _ => None,
        }) else {
            continue;
        };
        setter
            .block
            .stmts
            .insert(0, syn::parse_quote!(self.#field.remove(#wire);));
        if implementation
            .items
            .iter()
            .any(|item| matches!(item, syn::ImplItem::Fn(function) if function.sig.ident == clear))
        {
            return Err(fail(format!(
                "builder `{name}` already has a method `{clear}`"
            )));
        }
        let doc = format!(
            " Sends `{wire}` as `null`: the update clears it (JSON merge patch), where leaving it unset keeps it. \
             A later `.{plain}(…)` sets it again instead."
        );
        implementation.items.push(syn::parse_quote! {
            #[doc = #doc]
            pub fn #clear(mut self) -> Self {
                self.#member = ::std::result::Result::Ok(::std::default::Default::default());
                self.#field.insert(#wire);
                self
            }
        });
        added += 1;
    }
    Ok(added)
}

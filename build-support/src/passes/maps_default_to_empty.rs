//! `maps_default_to_empty`: a builder may leave a map member unset.
//!
//! typify's builders treat a flattened `extra` map (an object's `additionalProperties`) as required, so
//! `Alert::builder()...try_into()` failed with "no value supplied for extra" unless the caller supplied an empty
//! map. After this pass an unset map is empty, as serde reads an absent one.
//!
//! **What it expects.** Builder structs in `types::builder` whose map members are typed `Result<…Map<…>, String>`
//! (`HashMap`, `BTreeMap`, `serde_json::Map`), and their `impl Default` initialising such a member with
//! `Err("no value supplied for <member>".to_string())`. The document implies no minimum (a document may have no
//! required map), so the count is reported for the summary only.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, first_argument, last_segment, module_items};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "maps_default_to_empty",
    expects: "builder members typed `Result<…Map<K, V>, String>` whose `Default` is \
              `Err(\"no value supplied for <member>\".to_string())`",
};

fn is_map(ty: &syn::Type) -> bool {
    let inner = match last_segment(ty) {
        Some(segment) if segment.ident == "Result" => first_argument(ty),
        _ => Some(ty),
    };
    inner
        .and_then(last_segment)
        .is_some_and(|segment| segment.ident.to_string().ends_with("Map"))
}

/// Whether an expression holds the literal `"no value supplied for ..."`.
struct Missing(bool);

impl VisitMut for Missing {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        self.0 |= literal.value().starts_with("no value supplied for ");
    }
}

struct Defaults<'a> {
    members: &'a BTreeSet<String>,
    changed: usize,
}

impl VisitMut for Defaults<'_> {
    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        if let syn::Member::Named(name) = &field.member
            && self.members.contains(&name.to_string())
        {
            let mut missing = Missing(false);
            missing.visit_expr_mut(&mut field.expr.clone());
            if missing.0 {
                field.expr = syn::parse_quote!(Ok(Default::default()));
                self.changed += 1;
            }
        }
    }
}

/// Runs the pass on the items of the `types` module. Run before [`super::name_required_members`], which rewords
/// the same literals.
pub fn run(types: &mut [syn::Item]) -> Result<PassCount, PipelineError> {
    let Some(builder) = module_items(types, "builder") else {
        return PASS.check(0, 0);
    };
    let mut maps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in builder.iter() {
        if let syn::Item::Struct(structure) = item {
            for field in &structure.fields {
                if let (true, Some(name)) = (is_map(&field.ty), &field.ident) {
                    maps.entry(structure.ident.to_string())
                        .or_default()
                        .insert(name.to_string());
                }
            }
        }
    }
    let mut changed = 0;
    for item in builder.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let is_default = implementation
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|segment| segment.ident == "Default");
        let Some(name) = last_segment(&implementation.self_ty).map(|s| s.ident.to_string()) else {
            continue;
        };
        if let (true, Some(members)) = (is_default, maps.get(&name)) {
            let mut defaults = Defaults {
                members,
                changed: 0,
            };
            defaults.visit_item_impl_mut(implementation);
            changed += defaults.changed;
        }
    }
    PASS.check(0, changed)
}

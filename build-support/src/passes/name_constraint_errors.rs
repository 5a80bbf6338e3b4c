//! `name_constraint_errors`: the errors of constrained strings name their type and read as a sentence.
//!
//! typify's `FromStr` of a newtype with `minLength`/`maxLength`/`pattern` fails with `"shorter than 1
//! characters"`, which names neither the type nor, through a builder or a response decode, where it came from.
//! After this pass: `"CreateApiKeyRequestName: must not be empty"`, `"CreateApiKeyRequestName: longer than 255
//! characters"`.
//!
//! **What it expects.** `impl FromStr for X` blocks in `types` holding the string literals `"shorter than N
//! characters"`, `"longer than N characters"` or `"doesn't match pattern ..."`. The document implies at least one
//! change when a string schema has `minLength`, `maxLength` or `pattern`.

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, last_segment};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "name_constraint_errors",
    expects: "`impl FromStr` blocks in `types` holding typify's literals `\"shorter than N characters\"`, \
              `\"longer than N characters\"`, `\"doesn't match pattern ...\"`",
};

struct Namer {
    type_name: String,
    changed: usize,
}

impl VisitMut for Namer {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        let text = literal.value();
        let reads = if text == "shorter than 1 characters" {
            "must not be empty".to_string()
        } else if text.starts_with("longer than ")
            || text.starts_with("shorter than ")
            || text.starts_with("doesn't match pattern ")
        {
            text
        } else {
            return;
        };
        *literal = syn::LitStr::new(&format!("{}: {reads}", self.type_name), literal.span());
        self.changed += 1;
    }
}

fn has_constraint(node: &serde_json::Value) -> bool {
    match node {
        serde_json::Value::Object(fields) => {
            let constrained = fields.get("type").and_then(|t| t.as_str()) == Some("string")
                && ["minLength", "maxLength", "pattern"]
                    .iter()
                    .any(|key| fields.contains_key(*key));
            constrained || fields.values().any(has_constraint)
        }
        serde_json::Value::Array(items) => items.iter().any(has_constraint),
        _ => false,
    }
}

/// Runs the pass on the items of the `types` module.
pub fn run(
    types: &mut [syn::Item],
    document: &serde_json::Value,
) -> Result<PassCount, PipelineError> {
    let mut changed = 0;
    for item in types.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let is_from_str = implementation
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|segment| segment.ident == "FromStr");
        let Some(name) = last_segment(&implementation.self_ty).map(|s| s.ident.to_string()) else {
            continue;
        };
        if is_from_str {
            let mut namer = Namer {
                type_name: name,
                changed: 0,
            };
            namer.visit_item_impl_mut(implementation);
            changed += namer.changed;
        }
    }
    // Only the components count: a constraint under `parameters` gives no type of `types`.
    let components = document
        .get("components")
        .unwrap_or(&serde_json::Value::Null);
    PASS.check(usize::from(has_constraint(components)), changed)
}

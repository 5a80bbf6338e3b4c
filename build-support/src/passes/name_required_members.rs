//! `name_required_members`: a builder's error for a missing required member names the type and the member.
//!
//! typify's builders start every required member as `Err("no value supplied for actions")`; through a call that
//! reads `invalid request: no value supplied for actions`, naming neither the type nor where to look. After this
//! pass: ``no value supplied for `CreateMonitorRequest.actions` (a required member)``.
//!
//! **What it expects.** `impl Default for X` blocks in `types::builder` whose field initialisers hold the string
//! literal `"no value supplied for <member>"`. The document implies at least one change when any object schema
//! still lists `required` members after the response policy (request types), not counting the branches written
//! inline in a `oneOf`/`anyOf`, which become enum variants without a builder.

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, module_items};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "name_required_members",
    expects: "`impl Default` blocks in `types::builder` initialising required members with \
              `Err(\"no value supplied for <member>\".to_string())`",
};

const PREFIX: &str = "no value supplied for ";

/// Whether some object schema of `node` still lists required members and gets a builder. A branch written inline
/// in a `oneOf`/`anyOf` keeps its `required` list (the response policy keeps what tells the branches apart) but
/// becomes an enum variant, which has no builder: it implies nothing, while what the branch holds still may.
fn has_required(node: &serde_json::Value) -> bool {
    match node {
        serde_json::Value::Object(fields) => {
            lists_required(fields)
                || fields
                    .iter()
                    .any(|(key, value)| match (key.as_str(), value) {
                        ("oneOf" | "anyOf", serde_json::Value::Array(branches)) => {
                            branches.iter().any(|branch| match branch {
                                serde_json::Value::Object(members) => {
                                    members.values().any(has_required)
                                }
                                other => has_required(other),
                            })
                        }
                        _ => has_required(value),
                    })
        }
        serde_json::Value::Array(items) => items.iter().any(has_required),
        _ => false,
    }
}

fn lists_required(fields: &serde_json::Map<String, serde_json::Value>) -> bool {
    fields
        .get("required")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|required| !required.is_empty())
        && fields.get("properties").is_some()
}

struct Namer<'a> {
    owner: &'a str,
    changed: usize,
}

impl VisitMut for Namer<'_> {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        let text = literal.value();
        if let Some(member) = text.strip_prefix(PREFIX)
            && !member.starts_with('`')
        {
            *literal = syn::LitStr::new(
                &format!("{PREFIX}`{}.{member}` (a required member)", self.owner),
                literal.span(),
            );
            self.changed += 1;
        }
    }
}

/// Runs the pass on the items of the `types` module.
pub fn run(
    types: &mut [syn::Item],
    document: &serde_json::Value,
) -> Result<PassCount, PipelineError> {
    let mut changed = 0;
    if let Some(builders) = module_items(types, "builder") {
        for item in builders.iter_mut() {
            let syn::Item::Impl(implementation) = item else {
                continue;
            };
            let is_default = implementation
                .trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .is_some_and(|segment| segment.ident == "Default");
            let Some(owner) =
                super::last_segment(&implementation.self_ty).map(|s| s.ident.to_string())
            else {
                continue;
            };
            if is_default {
                let mut namer = Namer {
                    owner: &owner,
                    changed: 0,
                };
                namer.visit_item_impl_mut(implementation);
                changed += namer.changed;
            }
        }
    }
    PASS.check(usize::from(has_required(document)), changed)
}

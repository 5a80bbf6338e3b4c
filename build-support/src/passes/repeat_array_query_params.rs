//! `repeat_array_query_params` (typed mocks): an array query parameter is matched as repeated `name=item` pairs,
//! as the client sends it. progenitor's httpmock helpers match it with `value.to_string()`, which does not compile
//! for a `Vec`.
//!
//! **What it expects.** Methods of the mock module's `When` types taking `value: T` where `T` is bounded by
//! `Into<Option<...Vec<...>...>>` and whose body calls `query_param("<name>", ...)`. The document implies one change
//! per array query parameter.

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "repeat_array_query_params",
    expects: "mock `When` methods bounded by a `Vec` type whose body calls `query_param(\"<name>\", ...)`",
};

/// Whether a `Vec` type appears among the function's generic bounds.
struct MentionsVec(bool);

impl VisitMut for MentionsVec {
    fn visit_path_segment_mut(&mut self, segment: &mut syn::PathSegment) {
        if segment.ident == "Vec" {
            self.0 = true;
        }
        syn::visit_mut::visit_path_segment_mut(self, segment);
    }
}

/// The first argument of the first `query_param(...)` call: the parameter's name.
struct QueryParamName(Option<syn::LitStr>);

impl VisitMut for QueryParamName {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if self.0.is_none()
            && call.method == "query_param"
            && let Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            })) = call.args.first()
        {
            self.0 = Some(name.clone());
        }
        syn::visit_mut::visit_expr_method_call_mut(self, call);
    }
}

struct Rewriter(usize);

impl VisitMut for Rewriter {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let mut vec = MentionsVec(false);
        // syn's read-only visitor is not enabled in this workspace: look through copies.
        vec.visit_generics_mut(&mut function.sig.generics.clone());
        if !vec.0 {
            return;
        }
        let mut name = QueryParamName(None);
        name.visit_block_mut(&mut function.block.clone());
        let Some(name) = name.0 else {
            return;
        };
        function.block = syn::parse_quote! {{
            if let Some(value) = value.into() {
                let mut inner = self.0;
                for item in value {
                    inner = inner.query_param(#name, item.to_string());
                }
                Self(inner)
            } else {
                Self(self.0.query_param_missing(#name))
            }
        }};
        self.0 += 1;
    }
}

/// How many query parameters of the document are arrays: the least the pass must change.
pub fn implied(document: &serde_json::Value) -> usize {
    let mut count = 0;
    let paths = document.get("paths").and_then(serde_json::Value::as_object);
    for item in paths.into_iter().flat_map(|paths| paths.values()) {
        let Some(item) = item.as_object() else {
            continue;
        };
        let shared = item.get("parameters");
        for operation in item.values().filter(|v| v.get("responses").is_some()) {
            for parameter in operation
                .get("parameters")
                .into_iter()
                .chain(shared)
                .filter_map(serde_json::Value::as_array)
                .flatten()
            {
                let is_query = parameter.get("in").and_then(|v| v.as_str()) == Some("query");
                let is_array =
                    parameter.pointer("/schema/type").and_then(|v| v.as_str()) == Some("array");
                count += usize::from(is_query && is_array);
            }
        }
    }
    count
}

/// Runs the pass on the generated mock file.
pub fn run(file: &mut syn::File, implied: usize) -> Result<PassCount, PipelineError> {
    let mut rewriter = Rewriter(0);
    rewriter.visit_file_mut(file);
    PASS.check(implied, rewriter.0)
}

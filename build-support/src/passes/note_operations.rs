//! `note_operations`: every builder's `send()` first tells the runtime which operation it runs
//! (`::client_runtime::__private::note_operation("...")`), so that an error raised before any request is sent (a builder
//! value that does not convert) still names its operation.
//!
//! **What it expects.** In the `builder` module, `send()` methods whose body builds progenitor's `OperationInfo {
//! operation_id: "<id>" }` (a struct expression with a string-literal `operation_id` member). The document implies
//! one change per operation.

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, module_items};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "note_operations",
    expects: "`send()` methods in `builder` whose body holds the struct expression `OperationInfo { operation_id: \
              \"<id>\" }`",
};

/// The string literal of an `operation_id: "..."` member of a struct expression under a block.
struct OperationId(Option<String>);

impl VisitMut for OperationId {
    fn visit_expr_struct_mut(&mut self, expression: &mut syn::ExprStruct) {
        for field in &expression.fields {
            if let syn::Member::Named(name) = &field.member
                && name == "operation_id"
                && let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(literal),
                    ..
                }) = &field.expr
            {
                self.0 = Some(literal.value());
            }
        }
        syn::visit_mut::visit_expr_struct_mut(self, expression);
    }
}

struct Rewriter(usize);

impl VisitMut for Rewriter {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.ident != "send" {
            return;
        }
        let mut found = OperationId(None);
        // syn's read-only visitor is not enabled in this workspace: look through a copy.
        found.visit_block_mut(&mut function.block.clone());
        let Some(operation) = found.0 else {
            return;
        };
        function.block.stmts.insert(
            0,
            syn::parse_quote!(::client_runtime::__private::note_operation(#operation);),
        );
        self.0 += 1;
    }
}

/// Runs the pass on the generated file; `operations` is how many operations the document has.
pub fn run(file: &mut syn::File, operations: usize) -> Result<PassCount, PipelineError> {
    let mut rewriter = Rewriter(0);
    if let Some(items) = module_items(&mut file.items, "builder") {
        for item in items.iter_mut() {
            rewriter.visit_item_mut(item);
        }
    }
    PASS.check(operations, rewriter.0)
}

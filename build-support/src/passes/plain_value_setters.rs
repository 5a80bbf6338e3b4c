//! `plain_value_setters`: every optional member of a generated type's builder takes a plain value.
//!
//! typify's setters are bounded `T: TryInto<Member>`, so an optional member (`Option<String>`, `Option<i64>`, an
//! optional enum) refused `.id("m-1")`, `.limit(5)` or `.status(MonitorStatus::Ok)` where the compiler could not
//! turn the value into an `Option`. After this pass:
//! - `Option<String>` takes `&str`, `String` or an `Option` of either (`client_runtime::__private::IntoOptional`);
//! - `Vec<String>` takes any iterable of string-like items (`client_runtime::__private::IntoStrings`), and
//!   `Option<Vec<String>>` the same or an `Option` of a list (`client_runtime::__private::IntoOptionalStrings`);
//! - any other `Option<X>` (numbers, booleans, enums, constrained strings, objects, timestamps) takes the value,
//!   anything that converts into it, or an `Option` of either (`client_runtime::__private::IntoOptionalMember`), keeping
//!   typify's error text for a value that does not convert.
//!
//! Run after `opaque_identifiers` (which turns uuids into strings), so that identifiers take `&str` too.
//!
//! **What it expects.** Setters in `types::builder` of the form `fn m<T>(mut self, value: T) -> Self where T:
//! ::std::convert::TryInto<Member>, T::Error: Display { self.m = value.try_into().map_err(...); self }`. The
//! document implies at least one change when the builder module has any setter.

use syn::visit_mut::VisitMut;

use super::{Pass, PassCount, first_argument, last_segment, module_items};
use crate::PipelineError;

/// This pass.
pub const PASS: Pass = Pass {
    name: "plain_value_setters",
    expects: "setters in `types::builder` bounded `T: ::std::convert::TryInto<Member>` whose body is \
              `self.member = value.try_into().map_err(...); self`",
};

fn is_plain(ty: &syn::Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == name && segment.arguments.is_empty())
}

fn is_wrapper<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    last_segment(ty)
        .filter(|segment| segment.ident == name)
        .and_then(|_| first_argument(ty))
}

/// `Member` of a `T: TryInto<Member>` bound.
fn try_into_target(where_clause: &syn::WhereClause) -> Option<syn::Type> {
    where_clause.predicates.iter().find_map(|predicate| {
        let syn::WherePredicate::Type(predicate) = predicate else {
            return None;
        };
        if !matches!(&predicate.bounded_ty, syn::Type::Path(p) if p.path.is_ident("T")) {
            return None;
        }
        predicate.bounds.iter().find_map(|bound| {
            let syn::TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let last = bound.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            arguments.args.iter().find_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            })
        })
    })
}

struct Rewriter {
    changed: usize,
}

impl VisitMut for Rewriter {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let Some(target) = function
            .sig
            .generics
            .where_clause
            .as_ref()
            .and_then(try_into_target)
        else {
            return;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Assign(assign), _)) = function.block.stmts.first_mut()
        else {
            return;
        };
        let optional = is_wrapper(&target, "Option");
        if optional.is_some_and(|inner| is_plain(inner, "String")) {
            *assign.right = syn::parse_quote!(::std::result::Result::Ok(
                ::client_runtime::__private::IntoOptional::into_optional(value)
            ));
            function.sig.generics.where_clause = Some(syn::parse_quote!(
                where T: ::client_runtime::__private::IntoOptional<::std::string::String>
            ));
        } else if is_wrapper(&target, "Vec").is_some_and(|inner| is_plain(inner, "String")) {
            *assign.right = syn::parse_quote!(::std::result::Result::Ok(
                ::client_runtime::__private::IntoStrings::into_strings(value)
            ));
            function.sig.generics.where_clause =
                Some(syn::parse_quote!(where T: ::client_runtime::__private::IntoStrings));
        } else if optional
            .and_then(|inner| is_wrapper(inner, "Vec"))
            .is_some_and(|inner| is_plain(inner, "String"))
        {
            *assign.right = syn::parse_quote!(::std::result::Result::Ok(
                ::client_runtime::__private::IntoOptionalStrings::<Form>::into_optional_strings(
                    value
                )
            ));
            function.sig.generics.params.push(syn::parse_quote!(Form));
            function.sig.generics.where_clause = Some(syn::parse_quote!(
                where T: ::client_runtime::__private::IntoOptionalStrings<Form>
            ));
        } else if let Some(member) = optional {
            // `self.member = value.try_into().map_err(...)`: keep typify's error text.
            let syn::Expr::MethodCall(map_err) = assign.right.as_mut() else {
                return;
            };
            if map_err.method != "map_err" {
                return;
            }
            let member = member.clone();
            *map_err.receiver = syn::parse_quote!(
                ::client_runtime::__private::IntoOptionalMember::<#member, Form>::into_optional_member(value)
            );
            function.sig.generics.params.push(syn::parse_quote!(Form));
            function.sig.generics.where_clause = Some(syn::parse_quote!(
                where T: ::client_runtime::__private::IntoOptionalMember<#member, Form>
            ));
        } else {
            // A required member keeps `TryInto`: its value cannot be left out.
            return;
        }
        self.changed += 1;
    }
}

/// Runs the pass on the items of the `types` module.
pub fn run(types: &mut [syn::Item]) -> Result<PassCount, PipelineError> {
    let mut rewriter = Rewriter { changed: 0 };
    let mut has_setters = false;
    if let Some(builders) = module_items(types, "builder") {
        for item in builders.iter_mut() {
            if let syn::Item::Impl(implementation) = item {
                has_setters |= implementation.trait_.is_none()
                    && implementation
                        .items
                        .iter()
                        .any(|member| matches!(member, syn::ImplItem::Fn(_)));
                rewriter.visit_item_impl_mut(implementation);
            }
        }
    }
    PASS.check(usize::from(has_setters), rewriter.changed)
}

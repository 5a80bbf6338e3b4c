//! The command-line interface progenitor generates (`Generator::cli`), routed through the runtime policy.
//!
//! progenitor's CLI sends each operation with the builder's `send()` and reports failures through its
//! `CliConfig::error` with progenitor's error type. The rewrite here makes every generated command:
//!
//! - send through `client_runtime::call::json` (or `call::stream` for an answer that is not JSON), the same path
//!   as the builders' `call()`: the client's runtime policy (credential, retries, attempt and operation deadlines,
//!   redirect rules) and one error type, `client_runtime::Error`, returned in the `anyhow::Error` so a tool can
//!   class it (its `CliConfig` no longer has an `error` method, since nothing calls it);
//! - write a byte-stream answer to standard output (progenitor leaves a `todo!()` there);
//! - take an array query parameter as a repeatable flag (progenitor asks clap for a `Vec` value, which it cannot
//!   parse);
//! - take identifiers as strings where the document declares `format: uuid`, as the client's types do (the
//!   response policy's opaque identifiers);
//! - read `--json-body -` from standard input, and hide progenitor's unimplemented `--json-body-template`.
//!
//! A change in the shape of progenitor's output that the rewrite does not recognise fails the build, naming the
//! command, rather than leaving a command outside the policy.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

use crate::PipelineError;

fn text(tokens: impl ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

/// Rewrites the generated CLI (see the module docs).
pub fn route_through_runtime(file: &mut syn::File) -> Result<(), PipelineError> {
    let mut rewriter = Rewriter::default();
    rewriter.visit_file_mut(file);
    if !rewriter.unrouted.is_empty() {
        return Err(PipelineError::Generate(format!(
            "the generated CLI's commands {} do not have the shape the runtime rewrite expects \
             (`let result = request.send().await; match result {{ Ok(r) => .., Err(r) => .. }}`); \
             update build-support/src/cli.rs for this progenitor version",
            rewriter.unrouted.join(", ")
        )));
    }
    if rewriter.routed == 0 {
        return Err(PipelineError::Generate(
            "the generated CLI has no commands to route through the runtime".into(),
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Rewriter {
    routed: usize,
    unrouted: Vec<String>,
}

impl Rewriter {
    /// Rewrites one `execute_*` function; `false` when its body does not have the expected shape.
    fn route(function: &mut syn::ImplItemFn) -> bool {
        let streams = text(&function.block).contains("todo !");
        let mut sent = false;
        let mut matched = false;
        for statement in function.block.stmts.iter_mut() {
            match statement {
                syn::Stmt::Local(local)
                    if text(&*local).replace(' ', "") == "letresult=request.send().await;" =>
                {
                    *statement = if streams {
                        syn::parse_quote! {
                            let result = ::client_runtime::call::stream(
                                ::client_runtime::RuntimeClient::runtime(&self.client),
                                request.send(),
                            )
                            .await;
                        }
                    } else {
                        syn::parse_quote! {
                            let result = ::client_runtime::call::json(
                                ::client_runtime::RuntimeClient::runtime(&self.client),
                                request.send(),
                            )
                            .await;
                        }
                    };
                    sent = true;
                }
                syn::Stmt::Expr(syn::Expr::Match(matching), _)
                    if sent && text(&matching.expr) == "result" =>
                {
                    for arm in matching.arms.iter_mut() {
                        match text(&arm.pat).replace(' ', "").as_str() {
                            "Ok(r)" if streams => {
                                *arm.body = syn::parse_quote! {{
                                    let mut body = r.into_inner().into_inner();
                                    while let Some(chunk) = ::futures::TryStreamExt::try_next(&mut body).await? {
                                        ::std::io::Write::write_all(&mut ::std::io::stdout(), &chunk)?;
                                    }
                                    ::std::io::Write::flush(&mut ::std::io::stdout())?;
                                    Ok(())
                                }};
                            }
                            "Err(r)" => {
                                *arm.body = syn::parse_quote!(Err(anyhow::Error::new(r)));
                                matched = true;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        sent && matched && !text(&function.block).contains("todo !")
    }
}

impl VisitMut for Rewriter {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let name = function.sig.ident.to_string();
        if function.sig.asyncness.is_some() && name.starts_with("execute_") {
            if Self::route(function) {
                self.routed += 1;
            } else {
                self.unrouted.push(name);
            }
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
    }

    fn visit_item_trait_mut(&mut self, item: &mut syn::ItemTrait) {
        if item.ident == "CliConfig" {
            // Failures come back as `client_runtime::Error` in the command's result; nothing calls this any more.
            item.items.retain(
                |member| !matches!(member, syn::TraitItem::Fn(function) if function.sig.ident == "error"),
            );
        }
        syn::visit_mut::visit_item_trait_mut(self, item);
    }

    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if text(&*ty).replace(' ', "") == "::uuid::Uuid" {
            *ty = syn::parse_quote!(::std::string::String);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // `::clap::value_parser!(::uuid::Uuid)`: the tokens of a macro are not visited as a type.
        if text(&mac.path).replace(' ', "").ends_with("value_parser")
            && let Ok(mut ty) = syn::parse2::<syn::Type>(mac.tokens.clone())
        {
            self.visit_type_mut(&mut ty);
            mac.tokens = ty.to_token_stream();
        }
        syn::visit_mut::visit_macro_mut(self, mac);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        // `.value_parser(::clap::value_parser!(Vec<T>))`: one `T` per occurrence of the flag.
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "value_parser"
            && call.args.len() == 1
            && let syn::Expr::Macro(mac) = &call.args[0]
            && let Some(item) = syn::parse2::<syn::Type>(mac.mac.tokens.clone())
                .ok()
                .as_ref()
                .and_then(vec_item)
        {
            let receiver = &call.receiver;
            *expr = syn::parse_quote! {
                #receiver
                    .value_parser(::clap::value_parser!(#item))
                    .action(::clap::ArgAction::Append)
            };
            syn::visit_mut::visit_expr_mut(self, expr);
            return;
        }
        // `matches.get_one::<Vec<T>>(name)`: every occurrence, collected.
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "get_one"
            && let Some(item) = call
                .turbofish
                .as_ref()
                .and_then(|args| args.args.first())
                .and_then(|arg| match arg {
                    syn::GenericArgument::Type(ty) => vec_item(ty),
                    _ => None,
                })
        {
            let receiver = &call.receiver;
            let args = &call.args;
            *expr = syn::parse_quote! {
                #receiver
                    .get_many::<#item>(#args)
                    .map(|values| values.cloned().collect::<::std::vec::Vec<_>>())
            };
            syn::visit_mut::visit_expr_mut(self, expr);
            return;
        }
        if let syn::Expr::Call(call) = expr
            && text(&call.func).replace(' ', "") == "std::fs::read_to_string"
            && call.args.len() == 1
        {
            let path = call.args[0].clone();
            *expr = syn::parse_quote! {
                if #path.as_os_str() == "-" {
                    ::std::io::read_to_string(::std::io::stdin())
                } else {
                    ::std::fs::read_to_string(#path)
                }
            };
            return;
        }
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "help"
            && call.args.len() == 1
        {
            let help = text(&call.args[0]);
            if help == "\"XXX\"" {
                // progenitor's `--json-body-template` is a placeholder that does nothing: hidden.
                call.method = syn::Ident::new("hide", call.method.span());
                call.args = syn::parse_quote!(true);
            } else if help.contains("Path to a file that contains the full json body") {
                call.args = syn::parse_quote!(
                    "A file holding the whole JSON request body (`-` reads standard input); it replaces what the \
                     body's own flags set."
                );
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// `T` of a `Vec<T>` type.
fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(item) => Some(item.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;

    fn rewritten(tokens: TokenStream) -> Result<String, PipelineError> {
        let mut file: syn::File = syn::parse2(tokens).expect("parses");
        route_through_runtime(&mut file)?;
        Ok(text(&file).replace(' ', ""))
    }

    #[test]
    fn commands_send_through_the_runtime_and_return_its_error() {
        let code = rewritten(quote::quote! {
            impl<T: CliConfig> Cli<T> {
                pub async fn execute_list_keys(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.list_keys();
                    if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                        let body_txt = std::fs::read_to_string(value).unwrap();
                    }
                    let result = request.send().await;
                    match result {
                        Ok(r) => { self.config.success_item(&r); Ok(()) }
                        Err(r) => { self.config.error(&r); Err(anyhow::Error::new(r)) }
                    }
                }
            }
            pub trait CliConfig {
                fn error<T>(&self, value: &Error<T>);
                fn success_no_item(&self, value: &ResponseValue<()>);
            }
        })
        .expect("rewrites");
        assert!(code.contains("::client_runtime::call::json("), "{code}");
        assert!(
            code.contains("Err(r)=>Err(anyhow::Error::new(r))"),
            "{code}"
        );
        assert!(code.contains("::std::io::stdin()"), "{code}");
        assert!(!code.contains("fnerror"), "{code}");
    }

    #[test]
    fn a_byte_stream_answer_is_written_out() {
        let code = rewritten(quote::quote! {
            impl<T: CliConfig> Cli<T> {
                pub async fn execute_explain(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.explain();
                    let result = request.send().await;
                    match result {
                        Ok(r) => { todo!() }
                        Err(r) => { self.config.error(&r); Err(anyhow::Error::new(r)) }
                    }
                }
            }
        })
        .expect("rewrites");
        assert!(code.contains("::client_runtime::call::stream("), "{code}");
        assert!(!code.contains("todo!"), "{code}");
    }

    #[test]
    fn array_flags_repeat_and_identifiers_are_strings() {
        let code = rewritten(quote::quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_search() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("from").long("from").value_parser(::clap::value_parser!(::std::vec::Vec<::std::string::String>)))
                        .arg(::clap::Arg::new("id").long("id").value_parser(::clap::value_parser!(::uuid::Uuid)))
                }
                pub async fn execute_search(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.search();
                    if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("from") {
                        request = request.from(value.clone());
                    }
                    if let Some(value) = matches.get_one::<::uuid::Uuid>("id") {
                        request = request.id(value.clone());
                    }
                    let result = request.send().await;
                    match result {
                        Ok(r) => { self.config.success_item(&r); Ok(()) }
                        Err(r) => { self.config.error(&r); Err(anyhow::Error::new(r)) }
                    }
                }
            }
        })
        .expect("rewrites");
        assert!(
            code.contains(".action(::clap::ArgAction::Append)"),
            "{code}"
        );
        assert!(
            code.contains("get_many::<::std::string::String>(\"from\")"),
            "{code}"
        );
        assert!(!code.contains("uuid"), "{code}");
    }

    #[test]
    fn an_unknown_shape_fails_naming_the_command() {
        let error = rewritten(quote::quote! {
            impl<T: CliConfig> Cli<T> {
                pub async fn execute_odd(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let result = request.fire().await;
                    Ok(())
                }
            }
        })
        .expect_err("refused");
        assert!(error.to_string().contains("execute_odd"), "{error}");
    }
}

//! Running progenitor and turning its tokens into formatted, deterministic Rust source.

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::ToTokens;

use crate::PipelineError;
use crate::forward_compat::{self, ForwardCompatReport};

/// The settings every client of this workspace is generated with. The typed mocks are generated with the very same
/// settings, so their types line up with the client's.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Path of the type held by the generated `Client` (its `inner`), e.g. `::client_runtime::Runtime`.
    /// `None` generates a client without an inner value.
    pub inner_type: Option<String>,
}

impl ClientSettings {
    fn to_progenitor(&self) -> Result<GenerationSettings, PipelineError> {
        let mut settings = GenerationSettings::new();
        settings
            // Builder style: adding an optional parameter to an operation (the most common spec change) does not
            // break callers, which positional arguments would.
            .with_interface(InterfaceStyle::Builder)
            .with_tag(TagStyle::Merged)
            .with_derive("schemars::JsonSchema")
            .with_derive("PartialEq");
        if let Some(inner) = &self.inner_type {
            let tokens: TokenStream = inner.parse().map_err(|_| {
                PipelineError::Generate(format!("inner type `{inner}` is not a Rust path"))
            })?;
            // The crate that includes the code must implement `ClientHooks` for `Client`: a missing impl is a
            // compile error, not a silent fallback to the default hooks.
            settings
                .with_inner_type(tokens)
                .with_hooks(HooksMode::Expected);
        }
        Ok(settings)
    }
}

/// Generated source and what the forward-compatibility rewrite changed.
#[derive(Debug, Clone)]
pub struct GeneratedClient {
    /// The parsed, rewritten syntax tree (used for the API-surface summary).
    pub file: syn::File,
    /// `file` formatted by prettyplease.
    pub source: String,
    /// Enums opened and structs relaxed.
    pub forward_compat: ForwardCompatReport,
    /// What each named pass changed, in the order they ran ([`crate::passes`]).
    pub passes: Vec<crate::passes::PassCount>,
    /// `Type.member` of every member printed redacted in `Debug` ([`crate::passes::redact_secrets`]).
    pub redacted: Vec<String>,
}

fn run_generator<F>(generate: F) -> Result<TokenStream, PipelineError>
where
    F: FnOnce() -> Result<TokenStream, progenitor::Error>,
{
    // Some generator failures are panics rather than errors; the validator catches the known ones before this
    // point, and this turns any other into a build error instead of an abort with a backtrace.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(generate));
    std::panic::set_hook(previous_hook);
    match outcome {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(error)) => Err(PipelineError::Generate(error.to_string())),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(PipelineError::Generate(format!(
                "progenitor panicked: {message} (a construct the validator does not know yet; add a check)"
            )))
        }
    }
}

fn parse_file(tokens: TokenStream) -> Result<syn::File, PipelineError> {
    syn::parse2::<syn::File>(tokens)
        .map_err(|e| PipelineError::Generate(format!("generated code does not parse: {e}")))
}

/// Generates the client: types, `Client`, builders. `document` is the prepared document `spec` was read from
/// (the passes read what it implies, see [`crate::passes`]).
pub fn client(
    spec: &openapiv3::OpenAPI,
    document: &serde_json::Value,
    settings: &ClientSettings,
) -> Result<GeneratedClient, PipelineError> {
    let mut generator = Generator::new(&settings.to_progenitor()?);
    let tokens = run_generator(|| generator.generate_tokens(spec))?;
    let mut file = parse_file(tokens)?;
    check_duplicate_types(&file)?;
    let operations: Vec<(String, String, String)> = spec
        .operations()
        .map(|(path, method, operation)| {
            (
                operation.operation_id.clone().unwrap_or_default(),
                method.to_ascii_uppercase(),
                path.to_string(),
            )
        })
        .collect();
    let generated_operations = crate::surface::generated_operations(&operations, &file);
    file.items.push(operations_module(&generated_operations));
    let on_the_runtime = settings
        .inner_type
        .as_deref()
        .is_some_and(|inner| inner.starts_with("::client_runtime::"));
    if on_the_runtime {
        note_operations(&mut file);
        call_methods(&mut file, &generated_operations);
        client_new_uses_the_runtime(&mut file);
    }
    let forward_compat = match types_module_items(&mut file) {
        Some(items) => {
            let mut report = forward_compat::open_types(items).map_err(PipelineError::Generate)?;
            report.tolerant_members = crate::response_policy::tolerate_empty_and_null(items);
            crate::response_policy::opaque_identifiers(items);
            report
        }
        None => ForwardCompatReport::default(),
    };
    let mut passes = Vec::new();
    let mut redacted = Vec::new();
    if let Some(items) = types_module_items(&mut file) {
        if on_the_runtime {
            passes.push(crate::passes::plain_value_setters::run(items)?);
        }
        name_constraint_errors(items);
        maps_default_to_empty(items);
        passes.push(crate::passes::name_required_members::run(items, document)?);
        let redactions = crate::passes::redact_secrets::run(items, document)?;
        passes.push(redactions.count);
        redacted = redactions.members;
        passes.push(crate::passes::integral_numbers::run(items, document)?);
        non_exhaustive_types(items);
    }
    let source = prettyplease::unparse(&file);
    Ok(GeneratedClient {
        file,
        source,
        forward_compat,
        passes,
        redacted,
    })
}

/// Makes the generated `Client::new(baseurl, inner)` use the runtime's HTTP client instead of building its own
/// `reqwest::Client`: progenitor's would have none of the runtime's settings (its TLS configuration, which carries
/// the crypto provider, the redirect policy that keeps credentials on their host, the timeouts), and without a
/// process-wide crypto provider it would panic.
fn client_new_uses_the_runtime(file: &mut syn::File) {
    for item in file.items.iter_mut() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in block.items.iter_mut() {
            if let syn::ImplItem::Fn(function) = member
                && function.sig.ident == "new"
                && function.sig.inputs.len() == 2
            {
                function.attrs.retain(|attr| !attr.path().is_ident("doc"));
                function.attrs.insert(
                    0,
                    syn::parse_quote!(
                        #[doc = " A client sending to `baseurl` through `inner`: its HTTP client (TLS, timeouts, a \
                                 redirect policy that keeps credentials on their host), credential and policy. \
                                 [`Client::with_runtime`] takes the base URL from the runtime too."]
                    ),
                );
                function.block = syn::parse_quote!({
                    let client = inner.http_client().clone();
                    Self::new_with_client(baseurl, client, inner)
                });
            }
        }
    }
}

/// Makes every builder's `send()` first tell the runtime which operation it runs
/// (`::client_runtime::note_operation`), so that an error raised before any request is sent (a builder value that
/// does not convert) still names its operation.
fn note_operations(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Rewriter;
    impl VisitMut for Rewriter {
        fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
            if function.sig.ident != "send" {
                return;
            }
            let body = function.block.to_token_stream().to_string();
            let Some(operation) = body
                .split_once("operation_id :")
                .and_then(|(_, rest)| rest.trim_start().strip_prefix('"'))
                .and_then(|rest| rest.split_once('"'))
                .map(|(id, _)| id.to_string())
            else {
                return;
            };
            function.block.stmts.insert(
                0,
                syn::parse_quote!(::client_runtime::note_operation(#operation);),
            );
        }
    }
    for item in file.items.iter_mut() {
        if let syn::Item::Mod(module) = item
            && module.ident == "builder"
        {
            Rewriter.visit_item_mod_mut(module);
        }
    }
}

/// Makes the errors of constrained strings name their type and read as a sentence: typify's `FromStr` of a
/// newtype with `minLength`/`maxLength`/`pattern` fails with `"shorter than 1 characters"`, which names neither the
/// type nor, through a builder or a response decode, where it came from. After this: `"CreateApiKeyRequestName:
/// must not be empty"`, `"CreateApiKeyRequestName: longer than 255 characters"`.
fn name_constraint_errors(items: &mut [syn::Item]) {
    use syn::visit_mut::VisitMut;

    struct Namer {
        type_name: String,
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
        }
    }
    for item in items.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let is_from_str = implementation
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|segment| segment.ident == "FromStr");
        let syn::Type::Path(self_type) = implementation.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        if is_from_str {
            Namer { type_name: name }.visit_item_impl_mut(implementation);
        }
    }
}

/// Marks every generated type `#[non_exhaustive]`, so that a re-vendored document that only adds (a member, an enum
/// value) is not a breaking release: callers cannot write struct literals or exhaustive matches that a new member
/// or value would break, and build values with the builders (`X::builder()`) and constructors instead. The string
/// enums keep their `UnknownValue(String)` variant for values the client has not been generated with.
fn non_exhaustive_types(items: &mut [syn::Item]) {
    let attribute: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    for item in items.iter_mut() {
        let attrs = match item {
            syn::Item::Struct(structure) => &mut structure.attrs,
            syn::Item::Enum(enumeration) => &mut enumeration.attrs,
            _ => continue,
        };
        if !attrs
            .iter()
            .any(|existing| existing.path().is_ident("non_exhaustive"))
        {
            attrs.push(attribute.clone());
        }
    }
}

/// Lets a builder leave a map member unset: typify's builders treat a flattened `extra` map (an object's
/// `additionalProperties`) as required, so `Alert::builder()...try_into()` failed with "no value supplied for extra"
/// unless the caller supplied an empty map. An unset map is now empty, as serde reads an absent one.
fn maps_default_to_empty(items: &mut [syn::Item]) {
    use std::collections::{BTreeMap, BTreeSet};
    use syn::visit_mut::VisitMut;

    let Some(builder) = items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    }) else {
        return;
    };
    let mut maps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in builder.iter() {
        if let syn::Item::Struct(structure) = item {
            for field in &structure.fields {
                let is_map = field
                    .ty
                    .to_token_stream()
                    .to_string()
                    .replace(' ', "")
                    .contains("Map<");
                if let (true, Some(name)) = (is_map, &field.ident) {
                    maps.entry(structure.ident.to_string())
                        .or_default()
                        .insert(name.to_string());
                }
            }
        }
    }

    struct Defaults<'a> {
        members: &'a BTreeSet<String>,
    }
    impl VisitMut for Defaults<'_> {
        fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
            if let syn::Member::Named(name) = &field.member
                && self.members.contains(&name.to_string())
                && field
                    .expr
                    .to_token_stream()
                    .to_string()
                    .contains("no value supplied")
            {
                field.expr = syn::parse_quote!(Ok(Default::default()));
            }
        }
    }
    for item in builder.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let is_default = implementation
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|segment| segment.ident == "Default");
        let syn::Type::Path(self_type) = implementation.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        if let (true, Some(members)) = (is_default, maps.get(&name)) {
            Defaults { members }.visit_item_impl_mut(implementation);
        }
    }
}

/// Gives every builder a `call()`: the request sent under the client's runtime policy, to the typed body or a
/// `client_runtime::Error` naming the operation. One way to call, one error type, no future to wrap.
fn call_methods(file: &mut syn::File, operations: &[crate::surface::GeneratedOperation]) {
    let Some(builder_items) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    }) else {
        return;
    };
    for operation in operations {
        let Some(rust) = &operation.generated else {
            continue;
        };
        let Some(success) = &rust.success else {
            continue;
        };
        let builder = syn::Ident::new(&rust.builder, proc_macro2::Span::call_site());
        let id = &operation.id;
        let item: syn::Item = if success
            .to_token_stream()
            .to_string()
            .ends_with("ByteStream")
        {
            syn::parse_quote! {
                impl<'a> #builder<'a> {
                    #[doc = concat!("Sends `", #id, "` under the client's runtime policy (credential, retries, deadline) and returns the byte stream of the answer, or a `client_runtime::Error` naming the operation.")]
                    pub async fn call(
                        self,
                    ) -> ::std::result::Result<ResponseValue<ByteStream>, ::client_runtime::Error> {
                        let runtime = ::std::clone::Clone::clone(&self.client.inner);
                        ::client_runtime::call::stream(&runtime, self.send()).await
                    }
                }
            }
        } else {
            syn::parse_quote! {
                impl<'a> #builder<'a> {
                    #[doc = concat!("Sends `", #id, "` under the client's runtime policy (credential, retries, deadline) and returns the typed body, or a `client_runtime::Error` naming the operation (and, for a body that does not decode, the JSON path that failed).")]
                    pub async fn call(self) -> ::std::result::Result<#success, ::client_runtime::Error> {
                        let runtime = ::std::clone::Clone::clone(&self.client.inner);
                        ::client_runtime::call::json(&runtime, self.send())
                            .await
                            .map(ResponseValue::into_inner)
                    }
                }
            }
        };
        builder_items.push(item);
    }
}

/// `pub mod operations`: every operation of the document in document order, with a decoder of its JSON success
/// body. Tools that meet a body outside a call (a recorded response, a fuzzer, a command-line tool) decode it the
/// way the operation would.
fn operations_module(operations: &[crate::surface::GeneratedOperation]) -> syn::Item {
    let entries = operations.iter().map(|operation| {
        let (id, method, path) = (&operation.id, &operation.method, &operation.path);
        let success = operation
            .generated
            .as_ref()
            .and_then(|rust| rust.success.as_ref())
            .filter(|ty| {
                let text = ty.to_token_stream().to_string();
                text != "()" && !text.ends_with("ByteStream")
            });
        let decode = match success {
            Some(ty) => quote::quote!(::std::option::Option::Some(decode_as::<#ty>)),
            None => quote::quote!(::std::option::Option::None),
        };
        quote::quote! {
            Operation { id: #id, method: #method, path: #path, decode: #decode }
        }
    });
    syn::parse_quote! {
        /// Every operation of the document, in document order, with a decoder of its JSON success body: a body met
        /// outside a call (a recorded response, a fuzzer's input) decodes exactly as the operation would decode it.
        pub mod operations {
            use super::types;

            /// One operation of the document.
            #[derive(Debug, Clone, Copy)]
            pub struct Operation {
                /// Its operationId.
                pub id: &'static str,
                /// Upper-case HTTP method.
                pub method: &'static str,
                /// Path template.
                pub path: &'static str,
                decode: ::std::option::Option<
                    fn(&[u8]) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error>,
                >,
            }

            impl Operation {
                /// Decodes `body` as this operation's success body (its generated type) and returns the value
                /// re-serialised; `None` when the operation's success has no JSON body.
                pub fn decode_success(
                    &self,
                    body: &[u8],
                ) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::serde_json::Error>> {
                    self.decode.map(|decode| decode(body))
                }

                /// The operation with this operationId.
                pub fn find(id: &str) -> ::std::option::Option<&'static Operation> {
                    ALL.iter().find(|operation| operation.id == id)
                }
            }

            fn decode_as<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                body: &[u8],
            ) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error> {
                ::serde_json::from_slice::<T>(body).and_then(::serde_json::to_value)
            }

            /// Every operation, in document order.
            pub const ALL: &[Operation] = &[#(#entries),*];
        }
    }
}

/// Generates progenitor's typed httpmock helpers for the client crate at `client_crate` (e.g. `bronto_client`).
pub fn mock(
    spec: &openapiv3::OpenAPI,
    settings: &ClientSettings,
    client_crate: &str,
) -> Result<String, PipelineError> {
    let mut generator = Generator::new(&settings.to_progenitor()?);
    let tokens = run_generator(|| generator.httpmock(spec, client_crate))?;
    let mut file = parse_file(tokens)?;
    repeat_array_query_params(&mut file);
    Ok(prettyplease::unparse(&file))
}

/// Generates progenitor's `clap` command-line interface for the client crate at `client_crate` (e.g.
/// `bronto_client`), with the same settings as the client, then routes it through the runtime policy
/// ([`crate::cli::route_through_runtime`]).
pub fn cli(
    spec: &openapiv3::OpenAPI,
    settings: &ClientSettings,
    client_crate: &str,
) -> Result<String, PipelineError> {
    let mut generator = Generator::new(&settings.to_progenitor()?);
    let tokens = run_generator(|| generator.cli(spec, client_crate))?;
    let mut file = parse_file(tokens)?;
    crate::cli::route_through_runtime(&mut file)?;
    Ok(prettyplease::unparse(&file))
}

/// progenitor's mock helpers match an array query parameter with `value.to_string()`, which does not compile for
/// a `Vec`: match it as repeated `name=item` pairs instead, as the client sends it.
fn repeat_array_query_params(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Rewriter;
    impl VisitMut for Rewriter {
        fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
            let bounds = function
                .sig
                .generics
                .where_clause
                .to_token_stream()
                .to_string();
            let body = function.block.to_token_stream();
            if !bounds.contains("vec :: Vec") || !body.to_string().contains("query_param") {
                return;
            }
            let Some(name) = first_string_literal(body) else {
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
        }
    }
    Rewriter.visit_file_mut(file);
}

fn first_string_literal(tokens: TokenStream) -> Option<syn::LitStr> {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Literal(literal) => {
                if let Ok(text) = syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                    return Some(text);
                }
            }
            proc_macro2::TokenTree::Group(group) => {
                if let Some(found) = first_string_literal(group.stream()) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

fn types_module_items(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// Two schemas that map to one Rust name make the generated code fail to compile far from the cause, and an enum
/// without variants can never hold a value: say which types.
fn check_duplicate_types(file: &syn::File) -> Result<(), PipelineError> {
    let Some(items) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => {
            module.content.as_ref().map(|(_, items)| items)
        }
        _ => None,
    }) else {
        return Ok(());
    };
    let uninhabited: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Enum(e) if e.variants.is_empty() => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    if !uninhabited.is_empty() {
        return Err(PipelineError::Generate(format!(
            "the generator produced enums with no variants (types no value can have): {}",
            uninhabited.join(", ")
        )));
    }
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for item in items {
        let name = match item {
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            _ => continue,
        };
        *seen.entry(name).or_default() += 1;
    }
    let duplicates: Vec<String> = seen
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(name, _)| name)
        .collect();
    if duplicates.is_empty() {
        Ok(())
    } else {
        Err(PipelineError::Generate(format!(
            "the generator defines these types more than once (two schemas map to one Rust name; \
             rename one with a patch): {}",
            duplicates.join(", ")
        )))
    }
}

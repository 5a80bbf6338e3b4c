//! Running progenitor and turning its tokens into formatted, deterministic Rust source.

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

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
    /// `Type.member` of every member a partial update can send as `null` ([`crate::passes::null_members`]).
    pub clearable: Vec<String>,
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
    let mut passes = Vec::new();
    if on_the_runtime {
        passes.push(crate::passes::note_operations::run(
            &mut file,
            operations.len(),
        )?);
        call_methods(&mut file, &generated_operations);
        passes.push(crate::passes::client_new_uses_the_runtime::run(&mut file)?);
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
    let mut redacted = Vec::new();
    let mut clearable = Vec::new();
    let bodies: std::collections::BTreeMap<String, String> = generated_operations
        .iter()
        .filter_map(|operation| {
            let body = operation.generated.as_ref()?.body.as_ref()?;
            let name = crate::passes::last_segment(body)?.ident.to_string();
            Some((operation.id.clone(), name))
        })
        .collect();
    if let Some(items) = types_module_items(&mut file) {
        if on_the_runtime {
            passes.push(crate::passes::plain_value_setters::run(items)?);
            // On the runtime only: the hidden set is `client_runtime::__private::NullMembers`.
            let cleared = crate::passes::null_members::run(items, &bodies, document)?;
            passes.push(cleared.count);
            clearable = cleared.members;
        }
        passes.push(crate::passes::name_constraint_errors::run(items, document)?);
        passes.push(crate::passes::maps_default_to_empty::run(items)?);
        passes.push(crate::passes::name_required_members::run(items, document)?);
        let redactions = crate::passes::redact_secrets::run(items, document)?;
        passes.push(redactions.count);
        redacted = redactions.members;
        passes.push(crate::passes::integral_numbers::run(items, document)?);
        passes.push(crate::passes::non_exhaustive_types::run(items, document)?);
    }
    let source = prettyplease::unparse(&file);
    Ok(GeneratedClient {
        file,
        source,
        forward_compat,
        passes,
        redacted,
        clearable,
    })
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
        let item: syn::Item = if is_byte_stream(success) {
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
            .filter(|ty| !matches!(ty, syn::Type::Tuple(unit) if unit.elems.is_empty()))
            .filter(|ty| !is_byte_stream(ty));
        let decode = match success {
            Some(ty) => quote::quote!(::std::option::Option::Some(decode_as::<#ty>)),
            None => quote::quote!(::std::option::Option::None),
        };
        let encode = match operation
            .generated
            .as_ref()
            .and_then(|rust| rust.body.as_ref())
        {
            Some(ty) => quote::quote!(::std::option::Option::Some(encode_as::<#ty>)),
            None => quote::quote!(::std::option::Option::None),
        };
        quote::quote! {
            Operation { id: #id, method: #method, path: #path, decode: #decode, encode: #encode }
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
                encode: ::std::option::Option<
                    fn(&[u8]) -> ::std::result::Result<::std::vec::Vec<u8>, ::serde_json::Error>,
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

                /// Reads `body` as this operation's request body (its generated type) and returns the bytes the
                /// client sends for that value (the body is serialised with `serde_json`, as `send()` does);
                /// `None` when the operation takes no JSON body.
                pub fn encode_request(
                    &self,
                    body: &[u8],
                ) -> ::std::option::Option<::std::result::Result<::std::vec::Vec<u8>, ::serde_json::Error>> {
                    self.encode.map(|encode| encode(body))
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

            fn encode_as<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                body: &[u8],
            ) -> ::std::result::Result<::std::vec::Vec<u8>, ::serde_json::Error> {
                ::serde_json::from_slice::<T>(body).and_then(|value| ::serde_json::to_vec(&value))
            }

            /// Every operation, in document order.
            pub const ALL: &[Operation] = &[#(#entries),*];
        }
    }
}

/// Generates progenitor's typed httpmock helpers for the client crate at `client_crate` (e.g. `bronto_client`).
pub fn mock(
    spec: &openapiv3::OpenAPI,
    document: &serde_json::Value,
    settings: &ClientSettings,
    client_crate: &str,
) -> Result<String, PipelineError> {
    let mut generator = Generator::new(&settings.to_progenitor()?);
    let tokens = run_generator(|| generator.httpmock(spec, client_crate))?;
    let mut file = parse_file(tokens)?;
    let implied = crate::passes::repeat_array_query_params::implied(document);
    crate::passes::repeat_array_query_params::run(&mut file, implied)?;
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

/// Whether a success type is progenitor's `ByteStream` (a body that is not JSON).
fn is_byte_stream(ty: &syn::Type) -> bool {
    crate::passes::last_segment(ty).is_some_and(|segment| segment.ident == "ByteStream")
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

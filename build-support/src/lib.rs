//! The build-time pipeline shared by the generated clients of this workspace.
//!
//! Each client crate's `build.rs` describes its document and calls [`build_script::client`]; the pipeline then
//!
//! 1. **loads** the document (YAML or JSON, [`document`]);
//! 2. **verifies** a vendored document against its recorded sha256, so a hand edit fails the build
//!    ([`document::verify_digest`]);
//! 3. **patches** it with the recorded RFC 6902 patches, each with its reason ([`patches`]): first the fixes for
//!    generator limits, then the *live corrections* (what the live service sends where the document says otherwise,
//!    each with its evidence);
//! 4. applies the **response policy** ([`response_policy`]): members of response types are optional, path parameters
//!    take identifiers verbatim, and (in step 5) `""` in a formatted string or `null` for a list decode as absent;
//!    and the **request policy** ([`request_policy`]): a document's `default` is documented, never sent;
//! 5. **validates** what progenitor cannot handle, naming the JSON pointer ([`validate`]), then, when only some
//!    tags are kept ([`Pipeline::keep_tags`], or the crate's cargo features, see [`tag_features`]), **keeps** only
//!    their operations and the components those reach ([`tags`]);
//! 6. **generates** with progenitor, opens enums and objects for forward compatibility ([`forward_compat`]), runs
//!    the named passes ([`passes`]: secrets redacted in `Debug`, whole numbers sent as integers, plain-value
//!    setters, `PATCH` members a caller can clear with `null`, required members named), and formats with
//!    prettyplease ([`generate`]);
//! 7. **writes** the code and an API-surface summary ([`surface`]) to `OUT_DIR`, with `rerun-if-changed` for every
//!    input.
//!
//! The same prepared document and settings also give the typed mocks ([`Pipeline::generate_mock`]) and the
//! command-line interface ([`Pipeline::generate_cli`], see [`cli`]).
//!
//! The output is deterministic (same inputs, byte-identical code) and needs neither network nor rustfmt.
//!
//! ```no_run
//! // bronto-client/build.rs
//! let pipeline = build_support::Pipeline::new("bronto", "../openapi/bronto/bronto-openapi.yaml")
//!     .digest("../openapi/bronto/bronto-openapi.yaml.sha256")
//!     .patches("../openapi/bronto/patches.yaml")
//!     .inner_type("::client_runtime::Runtime");
//! build_support::build_script::client(&pipeline);
//! ```
//!
//! This workspace's own clients are defined once in [`clients`]; [`revendor`] re-vendors the Bronto document in one
//! command (`cargo run -p build-support --bin codegen -- revendor NEW.yaml`).

#![deny(missing_docs)]

pub mod build_script;
pub mod cli;
pub mod clients;
pub mod document;
pub mod forward_compat;
pub mod generate;
pub mod passes;
pub mod patches;
pub mod request_policy;
pub mod response_policy;
pub mod revendor;
pub mod still_served;
pub mod surface;
pub mod tag_features;
pub mod tags;
pub mod validate;

use std::path::{Path, PathBuf};

pub use generate::ClientSettings;
pub use patches::{PatchSet, RecordedPatch};
pub use validate::Finding;

/// Everything that can stop the pipeline. Each variant's message says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A document, digest or patch file does not parse.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The vendored document does not hash to its recorded digest.
    #[error(
        "{} does not match its recorded sha256 (recorded {recorded}, actual {actual}).\n\
         The vendored document is kept byte for byte as the vendor published it: fix quirks with a patch in \
         patches.yaml, never by editing it. To re-vendor a new version run \
         `cargo run -p build-support --bin codegen -- revendor NEW.yaml`: it copies the file unchanged, records \
         its `sha256sum` line in the .sha256 file and lists the patches to update (see the README, \
         \"Re-vendoring the Bronto document\")."
        , path.display()
    )]
    DigestMismatch {
        /// The document.
        path: PathBuf,
        /// The digest on record.
        recorded: String,
        /// The digest of the file on disk.
        actual: String,
    },
    /// A recorded patch no longer applies: the vendor changed (or fixed) what it patches.
    #[error(
        "patch `{id}` no longer applies: operation {operation} at `{path}`: {problem}.\n\
         The document changed under it; if the vendor fixed the quirk, delete the patch, otherwise update it."
    )]
    StalePatch {
        /// The patch's id.
        id: String,
        /// Index of the failing operation within the patch.
        operation: usize,
        /// JSON pointer of the failing operation.
        path: String,
        /// What failed (a `test` mismatch, a missing path, ...).
        problem: String,
    },
    /// The patched document still holds constructs the generator cannot handle.
    #[error("{} construct(s) the generator cannot handle; record a patch for each:\n{}",
        findings.len(),
        findings.iter().map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n"))]
    Unsupported {
        /// One entry per construct.
        findings: Vec<Finding>,
    },
    /// The patched document is not a valid OpenAPI 3.0 document.
    #[error("the patched document is not valid OpenAPI 3.0: {0}")]
    Document(String),
    /// The generator failed.
    #[error("generation failed: {0}")]
    Generate(String),
    /// Tags were asked for that no operation of the document has.
    #[error(
        "no operation of the document has the tag(s) {}; its operations' tags are: {}",
        unknown.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
        known.join(", ")
    )]
    UnknownTags {
        /// The tags asked for and not found.
        unknown: Vec<String>,
        /// Every tag the document's operations have.
        known: Vec<String>,
    },
    /// The cargo features selecting tags do not match the document's tags (see [`tag_features`]).
    #[error("{0}")]
    TagFeatures(String),
}

/// A document ready for the generator: loaded, verified, patched and validated.
#[derive(Debug, Clone)]
pub struct PreparedDocument {
    /// The patched document as JSON.
    pub value: serde_json::Value,
    /// The same, typed.
    pub spec: openapiv3::OpenAPI,
    /// What the response policy changed.
    pub policy: response_policy::ResponsePolicyReport,
    /// What the request policy changed.
    pub request: request_policy::RequestPolicyReport,
}

impl PreparedDocument {
    /// The tags of the document's operations.
    pub fn tags(&self) -> std::collections::BTreeSet<String> {
        tags::operation_tags(&self.value)
    }

    /// The same document with only the operations of `kept` tags and the components they reach (see [`tags`]).
    /// The response policy was applied to the whole document before, so every type that remains is generated
    /// exactly as it is from the whole document.
    pub fn keep_tags(
        &self,
        kept: &std::collections::BTreeSet<String>,
    ) -> Result<(PreparedDocument, tags::TagFilterReport), PipelineError> {
        let mut value = self.value.clone();
        let report = tags::keep(&mut value, kept)?;
        let spec: openapiv3::OpenAPI = serde_json::from_value(value.clone())
            .map_err(|e| PipelineError::Document(e.to_string()))?;
        Ok((
            PreparedDocument {
                value,
                spec,
                policy: self.policy.clone(),
                request: self.request.clone(),
            },
            report,
        ))
    }

    /// (operationId, METHOD, path) of every operation, in document order.
    pub fn operations(&self) -> Vec<(String, String, String)> {
        self.spec
            .operations()
            .map(|(path, method, operation)| {
                (
                    operation.operation_id.clone().unwrap_or_default(),
                    method.to_ascii_uppercase(),
                    path.to_string(),
                )
            })
            .collect()
    }
}

/// What [`Pipeline::generate_client`] produces.
#[derive(Debug, Clone)]
pub struct ClientOutput {
    /// Formatted Rust source, to be `include!`d.
    pub source: String,
    /// The API-surface summary.
    pub surface: String,
    /// What the forward-compatibility rewrite opened.
    pub forward_compat: forward_compat::ForwardCompatReport,
}

/// One document and how to turn it into a client.
#[derive(Debug, Clone)]
pub struct Pipeline {
    name: String,
    document: PathBuf,
    digest: Option<PathBuf>,
    patches: Option<PathBuf>,
    live_corrections: Option<PathBuf>,
    kept_tags: Option<std::collections::BTreeSet<String>>,
    settings: ClientSettings,
}

impl Pipeline {
    /// A pipeline for the document at `document`; `name` names the output files (`{name}.rs`).
    pub fn new(name: impl Into<String>, document: impl AsRef<Path>) -> Self {
        Self {
            name: name.into(),
            document: document.as_ref().to_path_buf(),
            digest: None,
            patches: None,
            live_corrections: None,
            kept_tags: None,
            settings: ClientSettings { inner_type: None },
        }
    }

    /// Verifies the document against the digest recorded in this `sha256sum`-format file (vendored documents).
    pub fn digest(mut self, path: impl AsRef<Path>) -> Self {
        self.digest = Some(path.as_ref().to_path_buf());
        self
    }

    /// Applies the recorded patches in this file.
    pub fn patches(mut self, path: impl AsRef<Path>) -> Self {
        self.patches = Some(path.as_ref().to_path_buf());
        self
    }

    /// Applies the live corrections in this file after the patches: each makes the document describe what the live
    /// service sends, and names its evidence.
    pub fn live_corrections(mut self, path: impl AsRef<Path>) -> Self {
        self.live_corrections = Some(path.as_ref().to_path_buf());
        self
    }

    /// Generates only the operations that have at least one of these tags, and the types they reach (see [`tags`]).
    /// A tag no operation has fails the pipeline, naming it. Without this call, every operation is generated.
    pub fn keep_tags<T: Into<String>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
        self.kept_tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// The type the generated `Client` holds and hands to its hooks.
    pub fn inner_type(mut self, path: &str) -> Self {
        self.settings.inner_type = Some(path.to_string());
        self
    }

    /// The name given in [`Pipeline::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every file the output depends on (for `rerun-if-changed`).
    pub fn inputs(&self) -> Vec<PathBuf> {
        std::iter::once(self.document.clone())
            .chain(self.digest.clone())
            .chain(self.patches.clone())
            .chain(self.live_corrections.clone())
            .collect()
    }

    /// Steps 1 to 5: load, verify, patch and correct, apply the response policy, validate, and keep the tags of
    /// [`Pipeline::keep_tags`].
    pub fn prepare(&self) -> Result<PreparedDocument, PipelineError> {
        let loaded = document::load(&self.document)?;
        if let Some(digest_path) = &self.digest {
            let recorded = document::read_recorded_digest(digest_path)?;
            document::verify_digest(&loaded, &recorded)?;
        }
        let mut value = loaded.value;
        for patches in self.patch_sets()? {
            patches.apply(&mut value)?;
        }
        self.filter(Self::validate(value)?)
    }

    fn filter(&self, prepared: PreparedDocument) -> Result<PreparedDocument, PipelineError> {
        match &self.kept_tags {
            None => Ok(prepared),
            Some(kept) => Ok(prepared.keep_tags(kept)?.0),
        }
    }

    /// The live corrections that restore what the vendor's document dropped, the generator fixes, then the other
    /// live corrections.
    fn patch_sets(&self) -> Result<Vec<PatchSet>, PipelineError> {
        let (restorations, corrections) = match &self.live_corrections {
            Some(path) => PatchSet::load_live_corrections(path)?.split_restorations(),
            None => Default::default(),
        };
        let mut sets = vec![restorations];
        if let Some(path) = &self.patches {
            sets.push(PatchSet::load(path)?);
        }
        sets.push(corrections);
        Ok(sets)
    }

    /// A re-vendoring rehearsal: like [`Pipeline::generate_client`], but patches that do not apply to this document
    /// are skipped and returned (as [`PipelineError::StalePatch`]) instead of failing the run, so a candidate
    /// document shows every patch it no longer needs at once. The digest is not checked.
    pub fn rehearse(&self) -> Result<(ClientOutput, Vec<PipelineError>), PipelineError> {
        let mut value = document::load(&self.document)?.value;
        let stale = self
            .patch_sets()?
            .iter()
            .flat_map(|patches| patches.apply_available(&mut value))
            .collect();
        let prepared = self.filter(Self::validate(value)?)?;
        Ok((self.generate_from(&prepared)?, stale))
    }

    fn validate(mut value: serde_json::Value) -> Result<PreparedDocument, PipelineError> {
        let policy = response_policy::apply(&mut value);
        let request = request_policy::apply(&mut value);
        // Before tags are kept: a `PATCH` body's type is generated the same in every client.
        passes::null_members::mark(&mut value);
        let findings = validate::check(&value);
        if !findings.is_empty() {
            return Err(PipelineError::Unsupported { findings });
        }
        let spec: openapiv3::OpenAPI = serde_json::from_value(value.clone())
            .map_err(|e| PipelineError::Document(e.to_string()))?;
        Ok(PreparedDocument {
            value,
            spec,
            policy,
            request,
        })
    }

    /// Steps 1 to 5 for the client, plus its API-surface summary.
    pub fn generate_client(&self) -> Result<ClientOutput, PipelineError> {
        self.generate_from(&self.prepare()?)
    }

    /// Step 6 for a document already prepared (by [`Pipeline::prepare`], possibly narrowed by
    /// [`PreparedDocument::keep_tags`]) with this pipeline's settings.
    pub fn generate_from(
        &self,
        prepared: &PreparedDocument,
    ) -> Result<ClientOutput, PipelineError> {
        let generated = generate::client(&prepared.spec, &prepared.value, &self.settings)?;
        let surface = surface::summarize(
            &prepared.spec.info.title,
            &prepared.operations(),
            &generated.file,
            &surface::PipelineFacts {
                moved_defaults: prepared.request.moved_defaults.len(),
                passes: &generated.passes,
                redacted: &generated.redacted,
                clearable: &generated.clearable,
            },
        );
        Ok(ClientOutput {
            source: generated.source,
            surface,
            forward_compat: generated.forward_compat,
        })
    }

    /// Steps 1 to 5 for the `clap` command-line interface over the client crate `client_crate` (see [`cli`]).
    pub fn generate_cli(&self, client_crate: &str) -> Result<String, PipelineError> {
        let prepared = self.prepare()?;
        generate::cli(&prepared.spec, &self.settings, client_crate)
    }

    /// Steps 1 to 5 for the typed httpmock helpers of the client crate `client_crate`.
    pub fn generate_mock(&self, client_crate: &str) -> Result<String, PipelineError> {
        let prepared = self.prepare()?;
        generate::mock(
            &prepared.spec,
            &prepared.value,
            &self.settings,
            client_crate,
        )
    }
}

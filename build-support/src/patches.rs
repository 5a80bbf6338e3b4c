//! Recorded patches: RFC 6902 JSON Patch operations, grouped into entries that each carry the reason for the fix.
//!
//! The patch file is YAML:
//!
//! ```yaml
//! - id: context-operator-symbols
//!   reason: typify cannot name enum variants such as `==`; keep the operator as a plain string.
//!   operations:
//!     - { op: test, path: /components/schemas/ContextCondition/properties/operator/enum/0, value: "==" }
//!     - { op: remove, path: /components/schemas/ContextCondition/properties/operator/enum }
//! ```
//!
//! Every entry is applied on its own, so a failure names the entry. Entries that replace a value start with a
//! `test` operation asserting the vendor's quirk is still there: when the vendor fixes it, the `test` fails and the
//! build says which entry to drop.

use std::path::Path;

use serde::Deserialize;

use crate::PipelineError;

/// One recorded fix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedPatch {
    /// A short stable name, used in error messages.
    pub id: String,
    /// Which vendor quirk or generator limit this works around.
    pub reason: String,
    /// Where the corrected shape was recorded or documented (required for live corrections: a project and path, or
    /// a docs page, that shows what the live service sends).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// For a live correction that re-adds what a re-vendored document dropped while the live service still serves
    /// it (written by `codegen revendor`, see [`crate::still_served`]): applied before the generator fixes, to the
    /// vendor's document as it came, so the fixes recorded for what it re-adds apply as they did.
    #[serde(default)]
    pub restores: bool,
    /// The RFC 6902 operations.
    pub operations: json_patch::Patch,
}

/// Every recorded patch of one document, in order.
#[derive(Debug, Clone, Default)]
pub struct PatchSet {
    /// The entries, applied in order.
    pub patches: Vec<RecordedPatch>,
}

impl PatchSet {
    /// Reads a patch file.
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let bytes = std::fs::read(path).map_err(|source| PipelineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &bytes)
    }

    /// Parses patch-file bytes; `path` is used in messages only.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, PipelineError> {
        let patches: Vec<RecordedPatch> =
            serde_yaml::from_slice(bytes).map_err(|e| PipelineError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let mut seen = std::collections::BTreeSet::new();
        for patch in &patches {
            let problem = if patch.reason.trim().is_empty() {
                Some("has no reason")
            } else if patch.operations.0.is_empty() {
                Some("has no operations")
            } else if !seen.insert(patch.id.as_str()) {
                Some("is recorded twice")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(PipelineError::Parse {
                    path: path.to_path_buf(),
                    message: format!("patch `{}` {problem}", patch.id),
                });
            }
        }
        Ok(Self { patches })
    }

    /// Reads a file of live corrections: patches that make the document describe what the live service sends.
    /// Unlike fixes for generator limits, each must name its evidence.
    pub fn load_live_corrections(path: &Path) -> Result<Self, PipelineError> {
        let set = Self::load(path)?;
        if let Some(patch) = set.patches.iter().find(|p| p.evidence.is_empty()) {
            return Err(PipelineError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "live correction `{}` names no evidence (where the live shape was recorded)",
                    patch.id
                ),
            });
        }
        Ok(set)
    }

    /// Splits off the entries that restore what a re-vendored document dropped ([`RecordedPatch::restores`]):
    /// `(restorations, the rest)`, each in file order.
    pub fn split_restorations(self) -> (Self, Self) {
        let (restores, rest) = self.patches.into_iter().partition(|p| p.restores);
        (Self { patches: restores }, Self { patches: rest })
    }

    /// Applies every entry that applies and returns the ones that do not, instead of stopping at the first.
    ///
    /// For re-vendoring: run against a new document, it lists at once every patch the new document no longer needs
    /// (or needs updated). The build itself uses the strict [`PatchSet::apply`].
    pub fn apply_available(&self, document: &mut serde_json::Value) -> Vec<PipelineError> {
        let mut stale = Vec::new();
        for patch in &self.patches {
            let single = PatchSet {
                patches: vec![patch.clone()],
            };
            if let Err(error) = single.apply(document) {
                stale.push(error);
            }
        }
        stale
    }

    /// Applies every entry in order. Stops at the first entry that does not apply and names it.
    pub fn apply(&self, document: &mut serde_json::Value) -> Result<(), PipelineError> {
        for patch in &self.patches {
            json_patch::patch(document, &patch.operations).map_err(|error| {
                PipelineError::StalePatch {
                    id: patch.id.clone(),
                    operation: error.operation,
                    path: error.path.to_string(),
                    problem: error.kind.to_string(),
                }
            })?;
        }
        Ok(())
    }
}

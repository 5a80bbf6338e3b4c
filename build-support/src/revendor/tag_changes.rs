//! The tags a re-vendored document adds and removes, each a cargo feature ([`TagChanges`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// [`crate::tag_features`]): each tag is a cargo feature of `bronto-client` and `bronto-<tag>` of `sdk`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TagChanges {
    /// Tags the new document's operations have and the previous document's did not.
    pub added: Vec<String>,
    /// Tags the previous document's operations had and the new document's do not.
    pub removed: Vec<String>,
    /// What `bronto-client`'s and `sdk`'s features must change (empty when they agree with the new tags).
    pub feature_problems: Vec<String>,
}

impl TagChanges {
    /// Compares the tags of two documents and checks the workspace's features (`features`: package name to its
    /// features, as [`crate::tag_features::workspace_features`] reads them) against the new ones.
    pub fn between(
        old: &BTreeSet<String>,
        new: &BTreeSet<String>,
        features: &BTreeMap<String, crate::tag_features::Features>,
    ) -> Self {
        use crate::tag_features::{check_declared, check_forwarded, check_names};
        let mut feature_problems: Vec<String> = check_names(new)
            .err()
            .map(|e| e.to_string())
            .into_iter()
            .collect();
        match features.get("bronto-client") {
            Some(declared) => feature_problems.extend(
                check_declared(new, declared)
                    .into_iter()
                    .map(|p| format!("bronto-client: {p}")),
            ),
            None => feature_problems.push("no bronto-client package in the workspace".into()),
        }
        if let Some(declared) = features.get("sdk") {
            feature_problems.extend(
                check_forwarded(new, declared, "bronto-", "bronto-client")
                    .into_iter()
                    .map(|p| format!("sdk: {p}")),
            );
        }
        Self {
            added: new.difference(old).cloned().collect(),
            removed: old.difference(new).cloned().collect(),
            feature_problems,
        }
    }

    /// The report `codegen revendor` prints.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let list = |tags: &[String]| tags.join(", ");
        if self.added.is_empty() && self.removed.is_empty() {
            out.push_str("no tag added or removed\n");
        }
        if !self.added.is_empty() {
            let _ = writeln!(out, "tags added: {}", list(&self.added));
        }
        if !self.removed.is_empty() {
            let _ = writeln!(out, "tags removed: {}", list(&self.removed));
        }
        if self.feature_problems.is_empty() {
            out.push_str("bronto-client's and sdk's tag features match the document\n");
        } else {
            out.push_str(
                "the tag features must change (bronto-client/Cargo.toml, sdk/Cargo.toml):\n",
            );
            for problem in &self.feature_problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
        out
    }
}

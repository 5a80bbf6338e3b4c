//! What `codegen revendor` is told ([`Options`], [`Baseline`]) and how it ends ([`Outcome`], [`RevendorError`]).

use std::path::{Path, PathBuf};

use super::semver::SemverReport;
use super::surface_changes::SurfaceChanges;
use crate::PipelineError;

/// Where cargo-semver-checks takes the baseline from.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// A git revision of the workspace (`--baseline-rev`), normally `HEAD`.
    Rev(String),
    /// Another checkout of the workspace (`--baseline-root`).
    Root(PathBuf),
    /// Do not run cargo-semver-checks.
    Skip,
}

/// The options of `codegen revendor`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The vendor's new document.
    pub document: PathBuf,
    /// The workspace root.
    pub root: PathBuf,
    /// The vendor's date of the document (default: the date in its file name).
    pub document_date: Option<String>,
    /// The semver baseline.
    pub baseline: Baseline,
    /// The packages cargo-semver-checks judges.
    pub semver_packages: Vec<String>,
    /// Delete the stale patches instead of stopping (for a rehearsal against an older document).
    pub drop_stale_patches: bool,
    /// Draft the changelog entry into `CHANGELOG.md` (otherwise it is only printed).
    pub write_changelog: bool,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// Patches are stale: the document and digest were written, nothing else.
    StalePatches(Vec<PipelineError>),
    /// Everything was refreshed.
    Done {
        /// The operations the new document drops: kept (still served, re-added by a live correction) or removed.
        dropped: crate::still_served::Dropped,
        /// The surface changes.
        changes: SurfaceChanges,
        /// cargo-semver-checks' report, when it ran.
        semver: Option<SemverReport>,
        /// The version the verdict implies.
        version: Option<String>,
    },
}

/// A failure of the command itself (not a verdict).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevendorError {
    /// The pipeline failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

pub(super) fn read(path: &Path) -> Result<String, RevendorError> {
    std::fs::read_to_string(path).map_err(|source| RevendorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), RevendorError> {
    std::fs::write(path, contents).map_err(|source| RevendorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

//! Re-vendoring the Bronto document in one command (`codegen revendor NEW.yaml`), and the pure parts it is made of.
//!
//! [`run`] copies the vendor's document over the vendored one unchanged and records its sha256, rehearses every
//! recorded patch against it (and stops, listing them, when any is stale), refreshes both committed API-surface
//! summaries, and then reports what changed for callers: the diff of the Bronto summary, the verdict of
//! `cargo semver-checks` on the generated crate against a baseline (the last commit by default), the version that
//! verdict implies, the tags added or removed (each is a cargo feature: [`TagChanges`] says which features of
//! `bronto-client` and `sdk` to add or drop), and a drafted `CHANGELOG.md` entry.
//!
//! The pure parts are public so they are tested on their own: [`SurfaceChanges::between`] (what a summary diff means
//! in operations and types), [`changelog_entry`] and [`insert_changelog_entry`], [`stale_report`],
//! [`SemverReport::parse`], [`next_version`] and [`TagChanges::between`].

//!
//! Where each part lives (files of `revendor/`): `summary.rs` reads a summary back, `surface_changes.rs` compares
//! two, `stale_patches.rs` reports and drops stale patches, `semver.rs` runs and reads cargo-semver-checks,
//! `changelog.rs` drafts the entry, `tag_changes.rs` compares the tags (cargo features), `still_served.rs` keeps the
//! operations the new document drops but the service still serves, `options.rs` holds what the command is told and
//! how it ends, and `command.rs` runs the steps in order.

mod changelog;
mod command;
mod options;
mod semver;
mod stale_patches;
mod still_served;
mod summary;
mod surface_changes;
mod tag_changes;

pub use changelog::{
    CHANGELOG_HEADER, ChangelogContext, DRAFT_MARKER, changelog_entry, date_in_file_name,
    insert_changelog_entry,
};
pub use command::run;
pub use options::{Baseline, Options, Outcome, RevendorError};
pub use semver::{SemverReport, Verdict, next_version, run_semver_checks, semver_checks_installed};
pub use stale_patches::{drop_patch_entries, stale_ids, stale_report};
pub use summary::{Surface, SurfaceOperation, SurfaceType};
pub use surface_changes::{SurfaceChanges, surface_diff};
pub use tag_changes::TagChanges;

//! The pipelines of this workspace's clients, defined once. The build scripts of each client and of its mock
//! crate, the tests and the benchmarks all take them from here, so the settings a client is generated with and the
//! settings its mocks, tests and benchmarks assume cannot drift apart.
//!
//! `root` is where `openapi/` is found: the workspace root for tests and tools, and a build script's own crate
//! directory (`.`), whose `openapi/` is a symlink to the workspace's that `cargo package` packs as files, so a
//! packaged or vendored crate builds on its own.

use std::path::Path;

use crate::Pipeline;

/// The type every generated client holds and routes its requests through.
pub const INNER_TYPE: &str = "::client_runtime::Runtime";

/// The Bronto client: the vendored document, its recorded digest and its patches.
pub fn bronto(root: &Path) -> Pipeline {
    let dir = root.join("openapi/bronto");
    bronto_candidate(root, &dir.join("bronto-openapi.yaml"))
        .digest(dir.join("bronto-openapi.yaml.sha256"))
}

/// The Bronto pipeline for another version of the vendor's document (a re-vendoring candidate, or the previous
/// month's, for rehearsal): the same patches, live corrections and settings, no digest.
pub fn bronto_candidate(root: &Path, document: &Path) -> Pipeline {
    Pipeline::new("bronto", document)
        .patches(root.join("openapi/bronto/patches.yaml"))
        .live_corrections(root.join("openapi/bronto/live-corrections.yaml"))
        .inner_type(INNER_TYPE)
}

/// The BluBracket client: the hand-written document (no digest, no patches).
pub fn blubracket(root: &Path) -> Pipeline {
    Pipeline::new("blubracket", root.join("openapi/blubracket.yaml")).inner_type(INNER_TYPE)
}

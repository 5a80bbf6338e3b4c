//! Checks shared by both vendors' test suites: every operation is called by a test and generated, and the
//! committed API-surface summary is current.

use std::collections::BTreeSet;

use crate::repo_path;

/// Operation ids named after `marker` (e.g. `operation("`) in the test files whose names start with
/// `file_prefix`, except `skip_file` (the coverage test itself, which names the marker).
pub fn operations_named_in_tests(
    file_prefix: &str,
    marker: &str,
    skip_file: &str,
) -> BTreeSet<String> {
    let dir = repo_path("tests/tests");
    let mut called = BTreeSet::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let is_test = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(file_prefix) && n.ends_with(".rs") && n != skip_file);
        if !is_test {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for piece in text.split(marker).skip(1) {
            if let Some((id, _)) = piece.split_once('"') {
                called.insert(id.to_string());
            }
        }
    }
    called
}

/// Fails naming every operation of `ids` that no test calls, and every name a test uses that is no operation.
pub fn assert_every_operation_called(ids: &[String], called: &BTreeSet<String>) {
    let missing: Vec<&String> = ids.iter().filter(|id| !called.contains(*id)).collect();
    let covered = ids.len() - missing.len();
    println!(
        "operation coverage: {covered}/{} operations called by tests",
        ids.len()
    );
    assert!(
        missing.is_empty(),
        "{covered}/{} operations covered; no test calls: {missing:?}",
        ids.len()
    );
    let unknown: Vec<&String> = called.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        unknown.is_empty(),
        "tests name operations the document does not have: {unknown:?}"
    );
}

/// Fails naming any operation of `ids` missing from a client's generated surface.
pub fn assert_every_operation_generated(surface: &str, ids: &[String]) {
    let header = format!("## Operations ({})", ids.len());
    assert!(
        surface.contains(&header),
        "{}",
        &surface[..200.min(surface.len())]
    );
    for id in ids {
        let line = surface
            .lines()
            .find(|line| line.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} is not in the generated surface"));
        assert!(!line.contains("NOT GENERATED"), "{line}");
    }
}

/// Fails with a readable diff when the committed summary at `relative_path` differs from `generated`, naming the
/// command that refreshes it (`UPDATE_API_SURFACE=1 cargo test --workspace --test <test_name>`, which rewrites it).
pub fn assert_surface_current(relative_path: &str, generated: &str, test_name: &str) {
    let path = repo_path(relative_path);
    if std::env::var_os("UPDATE_API_SURFACE").is_some() {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let diff = similar::TextDiff::from_lines(committed.as_str(), generated)
            .unified_diff()
            .context_radius(1)
            .header("committed", "generated")
            .to_string();
        panic!(
            "{relative_path} is out of date with the document.\n\
             Review the diff below, then refresh it with:\n\n    \
             UPDATE_API_SURFACE=1 cargo test --workspace --test {test_name}\n\n{diff}"
        );
    }
}

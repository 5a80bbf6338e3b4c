//! The command itself, [`run`]: the steps of `codegen revendor` in order (see the module documentation).

use std::collections::BTreeMap;

use super::changelog::{
    ChangelogContext, changelog_entry, date_in_file_name, insert_changelog_entry,
};
use super::options::{Baseline, Options, Outcome, RevendorError, read, write};
use super::semver::{
    SemverReport, next_version, run_semver_checks, semver_checks_installed, workspace_version,
};
use super::stale_patches::{drop_patch_entries, stale_ids, stale_report};
use super::still_served::keep_what_is_served;
use super::surface_changes::{SurfaceChanges, surface_diff};
use super::tag_changes::TagChanges;

/// `codegen revendor`: see the module documentation. Prints as it goes.
pub fn run(options: &Options) -> Result<Outcome, RevendorError> {
    let root = &options.root;
    let dir = root.join("openapi/bronto");
    let vendored = dir.join("bronto-openapi.yaml");
    let digest_file = dir.join("bronto-openapi.yaml.sha256");
    let bronto_surface_path = dir.join("api-surface.txt");
    let blubracket_surface_path = root.join("openapi/blubracket-api-surface.txt");

    // The previous document's tags, before it is replaced (none when it does not prepare).
    let old_tags = crate::clients::bronto_candidate(root, &vendored)
        .prepare()
        .map(|prepared| prepared.tags())
        .unwrap_or_default();

    // The previous document as it came, to tell what the new one drops.
    let old_document = std::fs::read(&vendored)
        .ok()
        .and_then(|bytes| crate::document::parse(&vendored, &bytes).ok());

    // 1. The document, unchanged, and its digest.
    let bytes = std::fs::read(&options.document).map_err(|source| RevendorError::Io {
        path: options.document.clone(),
        source,
    })?;
    let new_document = crate::document::parse(&options.document, &bytes)?;
    let sha256 = crate::document::sha256_hex(&bytes);
    write(&vendored, &bytes)?;
    write(&digest_file, format!("{sha256}  bronto-openapi.yaml\n"))?;
    println!(
        "vendored {} as {} (sha256 {sha256})",
        options.document.display(),
        vendored.display()
    );

    let document_date = options
        .document_date
        .clone()
        .or_else(|| date_in_file_name(&options.document));

    // 1b. What the new document drops: what is still served is kept by a live correction.
    let dropped = keep_what_is_served(
        root,
        old_document.as_ref(),
        &new_document,
        document_date.as_deref(),
    )?;

    // 2. Rehearse every patch.
    let (_, stale) = crate::clients::bronto_candidate(root, &vendored).rehearse()?;
    if !stale.is_empty() {
        if !options.drop_stale_patches {
            print!("{}", stale_report(&stale));
            return Ok(Outcome::StalePatches(stale));
        }
        let ids = stale_ids(&stale);
        for file in ["patches.yaml", "live-corrections.yaml"] {
            let path = dir.join(file);
            if path.exists() {
                let text = read(&path)?;
                write(&path, drop_patch_entries(&text, &ids))?;
            }
        }
        println!("dropped stale patch(es): {}", ids.join(", "));
    } else {
        println!("every recorded patch still applies");
    }

    // 3. Both summaries, from the same pipelines the build scripts run.
    let old_surface = std::fs::read_to_string(&bronto_surface_path).unwrap_or_default();
    let bronto = crate::clients::bronto(root).generate_client()?;
    let blubracket = crate::clients::blubracket(root).generate_client()?;
    write(&bronto_surface_path, &bronto.surface)?;
    write(&blubracket_surface_path, &blubracket.surface)?;
    println!(
        "refreshed {} and {}",
        bronto_surface_path.display(),
        blubracket_surface_path.display()
    );

    // 4a. The surface diff.
    let diff = surface_diff(&old_surface, &bronto.surface);
    if diff.is_empty() {
        println!("\n== API-surface diff: none");
    } else {
        println!("\n== API-surface diff (openapi/bronto/api-surface.txt)\n{diff}");
    }
    let changes = SurfaceChanges::between(&old_surface, &bronto.surface);

    // 4b. The tags, each a cargo feature.
    let new_tags = crate::clients::bronto(root).prepare()?.tags();
    let tags = match crate::tag_features::workspace_features(&root.join("Cargo.toml")) {
        Ok(features) => TagChanges::between(&old_tags, &new_tags, &features),
        Err(error) => TagChanges {
            feature_problems: vec![format!("the features could not be read: {error}")],
            ..TagChanges::between(&old_tags, &new_tags, &BTreeMap::new())
        },
    };
    println!("\n== Tags (cargo features)\n{}", tags.report());

    // 4c. The semver verdict.
    let mut semver: Option<SemverReport> = None;
    if matches!(options.baseline, Baseline::Skip) {
        println!("\n== cargo-semver-checks: skipped");
    } else if !semver_checks_installed() {
        println!(
            "\n== cargo-semver-checks is not installed (`cargo install --locked cargo-semver-checks`): \
             only the surface diff above judges this change"
        );
    } else {
        for package in &options.semver_packages {
            println!("\n== cargo-semver-checks: {package}");
            if let Some(report) = run_semver_checks(root, package, &options.baseline) {
                semver = Some(match semver.take() {
                    None => report,
                    Some(mut merged) => {
                        merged.verdict = merged.verdict.max(report.verdict);
                        merged.failed_lints.extend(report.failed_lints);
                        merged.warned_lints.extend(report.warned_lints);
                        merged.items.extend(report.items);
                        merged
                    }
                });
            }
        }
    }
    let version = semver
        .as_ref()
        .and_then(|report| report.verdict)
        .map(|verdict| next_version(&workspace_version(root), verdict, document_date.as_deref()));
    if let Some(report) = &semver {
        println!(
            "\n== verdict: {}{}",
            report
                .verdict
                .map(|v| v.to_string())
                .unwrap_or_else(|| "none reached (see the output above)".into()),
            version
                .as_ref()
                .map(|v| format!(": next version {v}"))
                .unwrap_or_default()
        );
        for item in &report.failed_lints {
            println!("  failed: {item}");
        }
        for item in &report.warned_lints {
            println!("  warned: {item}");
        }
    }

    // 4d. The changelog draft.
    let entry = changelog_entry(
        &changes,
        &ChangelogContext {
            document_date,
            sha256,
            version: version.clone(),
            semver: semver.clone(),
        },
    );
    let entry = entry + &dropped.changelog_section();
    println!("\n== CHANGELOG.md draft\n{entry}");
    if options.write_changelog {
        let path = root.join("CHANGELOG.md");
        let existing = std::fs::read_to_string(&path).ok();
        write(&path, insert_changelog_entry(existing.as_deref(), &entry))?;
        println!("drafted into {}", path.display());
    }
    Ok(Outcome::Done {
        dropped,
        changes,
        semver,
        version,
    })
}

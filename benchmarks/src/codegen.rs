//! Figure 5: the `build-support` pipeline on the Bronto document, in process, and an incremental `cargo build`
//! after touching the patch file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::stats::median;
use crate::{BoxError, progress};

/// The workspace this binary was built from.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// What the pipeline runs measured.
pub(crate) struct Generation {
    /// Median time of load, verify, patch and validate.
    pub(crate) prepare: Duration,
    /// Median time of the whole pipeline (prepare, generate, forward-compat rewrite, format, surface).
    pub(crate) total: Option<Duration>,
    /// Runs.
    pub(crate) runs: usize,
    /// Bytes of Rust generated.
    pub(crate) source_bytes: usize,
}

/// Runs the pipeline `runs` times (prepare only when `full` is false: the smoke run in debug profile).
pub(crate) fn pipeline(runs: usize, full: bool) -> Result<Generation, BoxError> {
    let pipeline = build_support::clients::bronto(&workspace_root());
    let mut prepare = Vec::with_capacity(runs);
    let mut total = Vec::with_capacity(runs);
    let mut source_bytes = 0;
    for run in 0..runs {
        progress(format_args!("code generation: run {}/{runs}", run + 1));
        let started = Instant::now();
        pipeline.prepare()?;
        prepare.push(started.elapsed().as_secs_f64());
        if full {
            let started = Instant::now();
            let output = pipeline.generate_client()?;
            total.push(started.elapsed().as_secs_f64());
            source_bytes = output.source.len();
        }
    }
    Ok(Generation {
        prepare: Duration::from_secs_f64(median(&prepare)),
        total: full.then(|| Duration::from_secs_f64(median(&total))),
        runs,
        source_bytes,
    })
}

fn cargo_build_client(root: &Path) -> Result<Duration, BoxError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let status = Command::new(cargo)
        .args(["build", "-p", "bronto-client"])
        .current_dir(root)
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("cargo build -p bronto-client failed: {status}").into());
    }
    Ok(started.elapsed())
}

/// `touch openapi/bronto/patches.yaml && cargo build -p bronto-client` (dev profile), timed, after one untimed
/// build so that only the change is rebuilt. Other builds of this checkout will rebuild the client too: run it
/// last, and once.
pub(crate) fn incremental_build() -> Result<Duration, BoxError> {
    let root = workspace_root();
    progress(format_args!(
        "incremental build: cargo build -p bronto-client (untimed, to start from a built client)"
    ));
    cargo_build_client(&root)?;
    progress(format_args!(
        "incremental build: touch openapi/bronto/patches.yaml, cargo build -p bronto-client (timed)"
    ));
    let patches = root.join("openapi/bronto/patches.yaml");
    std::fs::File::options()
        .append(true)
        .open(&patches)?
        .set_modified(SystemTime::now())?;
    cargo_build_client(&root)
}

//! Entry points for `build.rs`: run the pipeline, write to `OUT_DIR`, and fail the build with a readable message.

use std::path::PathBuf;

use crate::{ClientOutput, Pipeline, PipelineError, tag_features};

fn out_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_else(|| ".".into()))
}

fn rerun_if_changed(pipeline: &Pipeline) {
    for input in pipeline.inputs() {
        println!("cargo:rerun-if-changed={}", input.display());
    }
}

fn write(name: &str, contents: &str) -> Result<(), PipelineError> {
    let path = out_dir().join(name);
    // Rewrite only when the content changed, so an unrelated rebuild does not recompile the crate.
    if std::fs::read_to_string(&path).is_ok_and(|existing| existing == contents) {
        return Ok(());
    }
    std::fs::write(&path, contents).map_err(|source| PipelineError::Io { path, source })
}

fn fail(pipeline: &Pipeline, error: PipelineError) -> ! {
    eprintln!(
        "error: generating the `{}` client failed\n\n{error}\n",
        pipeline.name()
    );
    std::process::exit(1)
}

fn write_client(pipeline: &Pipeline, output: &ClientOutput) -> Result<(), PipelineError> {
    write(&format!("{}.rs", pipeline.name()), &output.source)?;
    write(
        &format!("{}-api-surface.txt", pipeline.name()),
        &output.surface,
    )
}

/// Generates `{name}.rs` and `{name}-api-surface.txt` into `OUT_DIR`.
pub fn client(pipeline: &Pipeline) {
    rerun_if_changed(pipeline);
    let result = pipeline
        .generate_client()
        .and_then(|output| write_client(pipeline, &output));
    if let Err(error) = result {
        fail(pipeline, error)
    }
}

/// Like [`client`], compiling only the tags whose cargo features the crate enables (see [`crate::tag_features`]):
/// the whole document under `all-tags`, otherwise the operations of the enabled tags and the types they reach.
/// A feature that names no tag of the document fails the build.
pub fn client_with_tag_features(pipeline: &Pipeline) {
    rerun_if_changed(pipeline);
    let result = pipeline.prepare().and_then(|prepared| {
        let kept = tag_features::selection(&prepared.tags(), &tag_features::enabled_in_env())?;
        let output = match kept {
            None => pipeline.generate_from(&prepared)?,
            Some(kept) => pipeline.generate_from(&prepared.keep_tags(&kept)?.0)?,
        };
        write_client(pipeline, &output)
    });
    if let Err(error) = result {
        fail(pipeline, error)
    }
}

/// Generates `{name}-mock.rs` (typed httpmock helpers for `client_crate`) into `OUT_DIR`.
pub fn mock(pipeline: &Pipeline, client_crate: &str) {
    rerun_if_changed(pipeline);
    let result = pipeline
        .generate_mock(client_crate)
        .and_then(|source| write(&format!("{}-mock.rs", pipeline.name()), &source));
    if let Err(error) = result {
        fail(pipeline, error)
    }
}

/// Generates `{name}-cli.rs` (progenitor's `clap` interface over `client_crate`, routed through the runtime policy)
/// into `OUT_DIR`.
pub fn cli(pipeline: &Pipeline, client_crate: &str) {
    rerun_if_changed(pipeline);
    let result = pipeline
        .generate_cli(client_crate)
        .and_then(|source| write(&format!("{}-cli.rs", pipeline.name()), &source));
    if let Err(error) = result {
        fail(pipeline, error)
    }
}

//! Generates both tools' operation commands with progenitor's CLI generator, from the same pipelines (same patched
//! documents, same settings) as the clients they call (see `build-support`).

fn main() {
    // The documents through `cli/openapi/`, symlinks into the top-level `openapi/` that `cargo package` packs as files.
    let root = std::path::Path::new(".");
    build_support::build_script::cli(&build_support::clients::bronto(root), "bronto_client");
    build_support::build_script::cli(
        &build_support::clients::blubracket(root),
        "blubracket_client",
    );
}

//! Generates the BluBracket client from the hand-written document (see `build-support`).
//!
//! The document is written in this repository, not vendored, so there is no digest to verify and no patch to apply.

fn main() {
    build_support::build_script::client(&build_support::clients::blubracket(std::path::Path::new(
        ".",
    )));
}

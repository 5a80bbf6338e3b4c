//! Generates the BluBracket client from the hand-written document (see `build-support`).
//!
//! The document is written in this repository, not vendored, so there is no digest to verify and no patch to apply.

fn main() {
    build_support::build_script::client(&blubracket_pipeline());
}

fn blubracket_pipeline() -> build_support::Pipeline {
    build_support::Pipeline::new("blubracket", "../openapi/blubracket.yaml")
        .inner_type("::client_runtime::Runtime")
}

//! Generates the Bronto client from the vendored document (see `build-support`).

fn main() {
    build_support::build_script::client(&bronto_pipeline());
}

fn bronto_pipeline() -> build_support::Pipeline {
    build_support::Pipeline::new("bronto", "../openapi/bronto/bronto-openapi.yaml")
        .digest("../openapi/bronto/bronto-openapi.yaml.sha256")
        .patches("../openapi/bronto/patches.yaml")
        .inner_type("::client_runtime::Runtime")
}

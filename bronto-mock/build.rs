//! Generates typed httpmock helpers for `bronto-client`, from the same document with the same settings.

fn main() {
    let pipeline = build_support::Pipeline::new("bronto", "../openapi/bronto/bronto-openapi.yaml")
        .digest("../openapi/bronto/bronto-openapi.yaml.sha256")
        .patches("../openapi/bronto/patches.yaml")
        .inner_type("::client_runtime::Runtime");
    build_support::build_script::mock(&pipeline, "bronto_client");
}

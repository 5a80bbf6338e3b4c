//! Generates typed httpmock helpers for `blubracket-client`, from the same document with the same settings.

fn main() {
    let pipeline = build_support::Pipeline::new("blubracket", "../openapi/blubracket.yaml")
        .inner_type("::client_runtime::Runtime");
    build_support::build_script::mock(&pipeline, "blubracket_client");
}

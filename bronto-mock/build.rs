//! Generates typed httpmock helpers for `bronto-client`, from the same document with the same settings.

fn main() {
    let pipeline = build_support::clients::bronto(std::path::Path::new("."));
    build_support::build_script::mock(&pipeline, "bronto_client");
}

//! Generates typed httpmock helpers for `blubracket-client`, from the same document with the same settings.

fn main() {
    let pipeline = build_support::clients::blubracket(std::path::Path::new("."));
    build_support::build_script::mock(&pipeline, "blubracket_client");
}

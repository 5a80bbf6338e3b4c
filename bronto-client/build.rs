//! Generates the Bronto client from the vendored document (see `build-support`).

fn main() {
    build_support::build_script::client(&build_support::clients::bronto(std::path::Path::new(".")));
}

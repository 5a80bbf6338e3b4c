//! Generates the Bronto client from the vendored document (see `build-support`): the whole document under the
//! `all-tags` feature (the default), otherwise only the operations of the enabled tag features and the types
//! they reach.

fn main() {
    build_support::build_script::client_with_tag_features(&build_support::clients::bronto(
        std::path::Path::new("."),
    ));
}

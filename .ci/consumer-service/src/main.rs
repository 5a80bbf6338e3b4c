//! A service's one call through `sdk`, against the embedded sandbox: what CI builds as a consumer would (from a
//! `cargo vendor`ed git dependency, and from the packaged tarballs), outside the repository.

#[tokio::main]
async fn main() -> Result<(), sdk::Error> {
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config())?;
    let keys = sdk.bronto()?.list_api_keys().call().await?;
    assert!(!keys.api_keys.is_empty(), "the sandbox lists its seeded keys");
    println!("consumer service: {} API keys from the sandbox", keys.api_keys.len());
    Ok(())
}

//! TLS for every HTTP client of the workspace: rustls with the `ring` crypto provider and the platform's certificate
//! verifier, handed to each `reqwest::Client` as its own configuration.
//!
//! Why `ring`: reqwest's default rustls backend is `aws-lc-rs`, whose C build (`aws-lc-sys`) was the second most
//! expensive unit of a consumer's release build (about 60 s of 236 s on 2 cores; `BENCHMARKS.md`). `ring` compiles
//! in a few seconds. Why per client rather than process-wide: installing a default `CryptoProvider` is a global
//! side effect a library should not impose (a service installing its own afterwards would fail), so nothing here
//! touches the process default.
//!
//! A service that builds `reqwest` clients of its own, without a TLS feature of its own, must give them a crypto
//! provider (reqwest's `rustls` feature, or `rustls::crypto::CryptoProvider::install_default`): this workspace
//! enables reqwest's `rustls-no-provider`, and reqwest's default builder panics without one.
//!
//! ```
//! let client = client_runtime::tls::client_builder().build().expect("TLS is configured");
//! # drop(client);
//! ```

use std::sync::{Arc, OnceLock};

/// A `reqwest::ClientBuilder` whose TLS is rustls with the `ring` provider and the platform verifier. Every HTTP
/// client of the workspace starts from it.
///
/// If the TLS configuration cannot be built (the platform verifier failed to initialise), the builder carries no
/// usable TLS backend, and its `build()` returns an error rather than panicking.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match config() {
        Ok(config) => builder.tls_backend_preconfigured(config.clone()),
        // A value reqwest does not recognise as a TLS configuration: `build()` then fails with a builder error.
        Err(_) => builder.tls_backend_preconfigured(()),
    }
}

/// The client configuration, built once per process.
fn config() -> Result<&'static rustls::ClientConfig, &'static rustls::Error> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, rustls::Error>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = rustls_platform_verifier::Verifier::new(Arc::clone(&provider))?;
            Ok(rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth())
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_uses_ring_and_no_process_default() {
        let config = config().expect("the platform verifier initialises");
        let ring = rustls::crypto::ring::default_provider();
        let suites = |provider: &rustls::crypto::CryptoProvider| {
            provider
                .cipher_suites
                .iter()
                .map(|suite| suite.suite())
                .collect::<Vec<_>>()
        };
        assert_eq!(suites(config.crypto_provider()), suites(&ring));
        assert!(client_builder().build().is_ok());
        // Nothing was installed process-wide.
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[tokio::test]
    async fn an_https_request_to_a_server_that_is_not_tls_fails_with_an_error_not_a_panic() {
        // A loopback listener that answers a TLS ClientHello with plain text: the handshake runs with the ring
        // provider (a ClientHello goes out) and fails cleanly.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut hello = [0u8; 5];
            socket
                .read_exact(&mut hello)
                .await
                .expect("a record header");
            socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                .await
                .expect("write");
            hello
        });
        let client = client_builder().build().expect("a client");
        let error = client
            .get(format!("https://127.0.0.1:{port}/"))
            .send()
            .await
            .expect_err("not a TLS server");
        assert!(error.is_connect(), "{error:?}");
        let hello = server.await.expect("the server task");
        assert_eq!(hello[0], 0x16, "a TLS handshake record was sent");
    }
}

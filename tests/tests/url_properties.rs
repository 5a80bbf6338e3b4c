//! Base URL, region and tenant parsing under generated input: whatever is accepted targets exactly the host that
//! was written, else it is a typed configuration error. Inputs are built from a host and the tricks that make a
//! URL parser pick another one: user info (`https://evil@host`), backslashes, `#` and `?` before an `@`,
//! percent-encoded dots and slashes, Unicode dots and full-width letters (which IDNA maps to ASCII), tabs and
//! newlines (which URL parsers delete), short IPv4 forms (`127.1`), ports, trailing dots; plus arbitrary strings.
//!
//! "The host that was written" is read here without a URL library: the text after `scheme://` up to the first
//! `/`, `?`, `#` or `\`, less a `:port`. When that text holds anything but ASCII letters, digits, `-` and `.` (or a
//! bracketed IPv6 literal), or an `@`, no host was clearly written and the input must be refused. Every entry
//! point is checked: `client_runtime::BaseUrl`, the SDK's `Config` (Bronto base URL, BluBracket tenant, ingestion
//! URL), `blubracket_client::key_file::normalize_tenant_url`, `sdk::ingest::IngestConfig::base_url`, and the
//! region slugs of `bronto_client::Region`, `Config::bronto_region` and `IngestConfig::region`. `HOSTILE_SCALE`
//! runs more cases (see `tests/README.md`).

#[path = "../../bronto-ingest/tests/support/property_budget.rs"]
mod property_budget;

use blubracket_client::key_file::normalize_tenant_url;
use bronto_client::Region;
use client_runtime::BaseUrl;
use proptest::prelude::*;
use sdk::{Config, ErrorKind, Sdk};

/// The host (lower-cased) and port written in `input`, read without a URL library; `None` when no single plain
/// host was written (user info, a character other than letters, digits, `-`, `.`, a port that is not a number).
fn written_host(input: &str) -> Option<(String, Option<u16>)> {
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let (scheme, rest) = trimmed.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, after) = authority.split_at(end + 1);
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty()
        || (!host.starts_with('[')
            && !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
    {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) && digits.len() <= 5 => {
            Some(digits.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// Checks that an accepted URL targets exactly the written host and port.
fn check_target(
    input: &str,
    host: Option<&str>,
    port: Option<u16>,
    default_port: Option<u16>,
    what: &str,
) -> Result<(), TestCaseError> {
    let written = written_host(input);
    prop_assert!(
        written.is_some(),
        "{} accepted {:?}, where no single plain host was written (it targets {:?})",
        what,
        input,
        host
    );
    let (written_host, written_port) = written.unwrap_or_default();
    prop_assert_eq!(
        host,
        Some(written_host.as_str()),
        "{} moved the host of {:?}",
        what,
        input
    );
    prop_assert_eq!(
        port.or(default_port),
        written_port.or(default_port),
        "{} moved the port of {:?}",
        what,
        input
    );
    Ok(())
}

fn check_base_url(input: &str) -> Result<(), TestCaseError> {
    // The parser every entry point uses.
    let parsed = BaseUrl::parse(input);
    if let Ok(url) = &parsed {
        let url = url.url();
        check_target(
            input,
            url.host_str(),
            url.port(),
            url.port_or_known_default(),
            "BaseUrl",
        )?;
        prop_assert!(url.username().is_empty() && url.password().is_none());
    }
    // The SDK's configuration, Bronto base URL.
    let config = Config::builder()
        .bronto_base_url(input)
        .bronto_api_key("k")
        .build();
    match config {
        Ok(config) => {
            let sdk =
                Sdk::new(config).map_err(|e| TestCaseError::fail(format!("Sdk::new: {e}")))?;
            let base = sdk
                .bronto()
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .client()
                .runtime()
                .base_url()
                .url()
                .clone();
            check_target(
                input,
                base.host_str(),
                base.port(),
                base.port_or_known_default(),
                "Config::bronto_base_url",
            )?;
        }
        Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Config, "{}", error),
    }
    // BluBracket tenant, through the SDK and through the key file's normaliser.
    match Config::builder()
        .blubracket_tenant(input)
        .blubracket_token("t")
        .build()
    {
        Ok(config) => {
            let sdk =
                Sdk::new(config).map_err(|e| TestCaseError::fail(format!("Sdk::new: {e}")))?;
            let base = sdk
                .blubracket()
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .client()
                .runtime()
                .base_url()
                .url()
                .clone();
            check_target(
                input,
                base.host_str(),
                base.port(),
                base.port_or_known_default(),
                "Config::blubracket_tenant",
            )?;
        }
        Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Config, "{}", error),
    }
    if let Ok(normalized) = normalize_tenant_url(input) {
        let url =
            reqwest::Url::parse(&normalized).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Without a scheme the normaliser reads the input as `https://{input}`.
        let as_written = if input.trim().contains("://") {
            input.to_string()
        } else {
            format!("https://{}", input.trim())
        };
        check_target(
            &as_written,
            url.host_str(),
            url.port(),
            url.port_or_known_default(),
            "normalize_tenant_url",
        )?;
    }
    // Ingestion: accepted exactly when BaseUrl accepts it (it posts to the BaseUrl it parsed).
    let ingestion = Config::builder()
        .bronto_region("eu")
        .bronto_api_key("k")
        .bronto_ingestion_url(input)
        .build()
        .and_then(Sdk::new)
        .and_then(|sdk| sdk.ingestion());
    if let Ok(ingestion) = ingestion {
        let built = ingestion_runtime().block_on(async { ingestion.build().map(drop) });
        prop_assert_eq!(
            built.is_ok(),
            parsed.is_ok(),
            "ingestion and BaseUrl disagree on {:?}",
            input
        );
    }
    Ok(())
}

fn ingestion_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// A URL built from a host and the tricks that move hosts.
fn hostile_url() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        4 => Just("https://"),
        2 => Just("http://"),
        1 => Just("HTTPS://"),
        1 => Just("https:/"),
        1 => Just("https:\\\\"),
        1 => Just("https:///"),
        1 => Just(""),
        1 => Just("ftp://"),
        1 => Just(" https://"),
    ];
    let before = prop_oneof![
        6 => Just(""),
        1 => Just("evil.example@"),
        1 => Just("user:pass@"),
        1 => Just("evil.example%40"),
        1 => Just("@"),
        1 => Just("evil.example\\@"),
        1 => Just("evil.example#@"),
        1 => Just("evil.example?@"),
    ];
    let host = prop_oneof![
        6 => "[a-z0-9]{1,8}(\\.[a-z0-9-]{1,8}){0,2}\\.example",
        1 => Just("127.0.0.1".to_string()),
        1 => Just("127.1".to_string()),
        1 => Just("0x7f.0.0.1".to_string()),
        1 => Just("2130706433".to_string()),
        1 => Just("[::1]".to_string()),
        1 => Just("[0:0::1]".to_string()),
        1 => Just("localhost".to_string()),
        1 => Just("LocalHost".to_string()),
        1 => Just("ｅｖｉｌ.example".to_string()),
        1 => Just("xn--e1afmkfd.example".to_string()),
        1 => Just("tenant.blubracket.com".to_string()),
    ];
    let after = prop_oneof![
        6 => Just(""),
        2 => Just("/"),
        1 => Just("/api/v1"),
        1 => Just("."),
        1 => Just(".."),
        1 => Just("\\@evil.example"),
        1 => Just("\\evil.example"),
        1 => Just("#@evil.example"),
        1 => Just("?@evil.example"),
        1 => Just("%2eevil.example"),
        1 => Just("%2Fevil.example"),
        1 => Just("%40evil.example"),
        1 => Just("\u{3002}evil.example"),
        1 => Just("\u{ff0e}evil.example"),
        1 => Just("\u{ff61}evil.example"),
        1 => Just("%E3%80%82evil.example"),
        1 => Just("%00evil"),
        1 => Just(":443"),
        1 => Just(":8443/x"),
        1 => Just(":99999"),
        1 => Just(":@evil.example"),
        1 => Just("@evil.example"),
        1 => Just("\t.evil.example"),
        1 => Just("\n.evil.example"),
        1 => Just(" .evil.example"),
        1 => Just("\u{ad}evil.example"),
        1 => Just("/..%2f..%2fevil"),
    ];
    (scheme, before, host, after)
        .prop_map(|(scheme, before, host, after)| format!("{scheme}{before}{host}{after}"))
}

#[test]
fn an_accepted_url_targets_exactly_the_written_host() {
    property_budget::check("URLs: hostile tricks", 300, hostile_url(), |input| {
        check_base_url(&input)
    });
}

#[test]
fn an_arbitrary_string_is_refused_or_targets_the_written_host() {
    property_budget::check(
        "URLs: arbitrary strings",
        300,
        prop_oneof![
            "(https?://)?[a-zA-Z0-9.:@/\\\\?#%\\[\\]-]{0,30}",
            any::<String>(),
        ],
        |input| check_base_url(&input),
    );
}

#[test]
fn a_region_is_a_slug_inside_the_vendors_domain() {
    property_budget::check(
        "regions: any string",
        400,
        prop_oneof![
            "[a-z0-9-]{0,12}",
            "[a-zA-Z0-9.@:/%-]{0,12}",
            any::<String>()
        ],
        |region| {
            let slug = !region.is_empty()
                && region
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            let api_host = format!("api.{region}.bronto.io");
            let ingestion_host = format!("ingestion.{region}.bronto.io");
            match Region::other(&region) {
                Ok(parsed) => {
                    prop_assert!(slug, "{:?} accepted as a region", region);
                    let url = BaseUrl::parse(&parsed.api_base_url())
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(url.url().host_str(), Some(api_host.as_str()));
                    let url = BaseUrl::parse(&parsed.ingestion_base_url())
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(url.url().host_str(), Some(ingestion_host.as_str()));
                }
                Err(error) => {
                    prop_assert!(!slug, "slug {:?} refused", region);
                    prop_assert!(error.to_string().contains("not a region"));
                }
            }
            match Config::builder()
                .bronto_region(&region)
                .bronto_api_key("k")
                .build()
            {
                Ok(config) => {
                    prop_assert!(slug, "Config accepted the region {:?}", region);
                    let sdk = Sdk::new(config).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let bronto = sdk
                        .bronto()
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(
                        bronto.client().runtime().base_url().url().host_str(),
                        Some(api_host.as_str())
                    );
                }
                Err(error) => {
                    prop_assert!(!slug, "Config refused the slug {:?}", region);
                    prop_assert_eq!(error.kind(), ErrorKind::Config);
                }
            }
            let ingestion = ingestion_runtime().block_on(async {
                sdk::ingest::IngestConfig::region(region.clone())
                    .api_key("k")
                    .build()
                    .map(drop)
            });
            match ingestion {
                Ok(()) => prop_assert!(slug, "ingestion accepted the region {:?}", region),
                Err(error) => prop_assert!(
                    !slug && matches!(error, sdk::ingest::ConfigError::Region(_)),
                    "{:?}: {}",
                    region,
                    error
                ),
            }
            Ok(())
        },
    );
}

#[test]
fn tricks_that_move_the_host_are_refused() {
    // A URL parser reads each of these as a host other than the text written (percent-decoding, IDNA mapping,
    // deleted tabs and newlines, short IPv4 forms); `BaseUrl` accepted them before it compared the two.
    for input in [
        "https://tenant%2eevil.example",
        "https://tenant\u{3002}evil.example",
        "https://tenant\u{ff0e}evil.example",
        "https://ｅｖｉｌ.example",
        "https://tenant\t.evil.example",
        "https://tenant\n.evil.example",
        "http://127.1",
        "http://0x7f.0.0.1",
        "http://2130706433",
        "https://tenant%E3%80%82evil.example",
        "https://tenant\u{ad}evil.example",
    ] {
        assert!(BaseUrl::parse(input).is_err(), "{input:?} accepted");
        let error = Config::builder()
            .bronto_base_url(input)
            .bronto_api_key("k")
            .build()
            .expect_err(input);
        assert_eq!(error.kind(), ErrorKind::Config);
    }
    // What should pass still passes.
    for (input, host) in [
        ("https://api.eu.bronto.io", "api.eu.bronto.io"),
        ("https://API.EU.Bronto.io/", "api.eu.bronto.io"),
        ("http://127.0.0.1:8080", "127.0.0.1"),
        ("http://localhost:9/x", "localhost"),
        ("http://[::1]:9", "[::1]"),
        (
            "https://tenant.blubracket.com\\@evil.example",
            "tenant.blubracket.com",
        ),
    ] {
        let url = BaseUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(url.url().host_str(), Some(host), "{input}");
    }
}

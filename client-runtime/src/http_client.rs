//! The base URL rule (https, or http on loopback only) and the `reqwest::Client` every generated client uses.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("`{0}` is not a valid URL")]
    Invalid(String),
    /// Neither `https` nor `http`.
    #[error("`{0}` must use https")]
    Scheme(String),
    /// Plain `http` to a host other than loopback would expose the credential on the network.
    #[error("`{0}` uses plain http; only loopback hosts (127.0.0.1, ::1, localhost) may use http")]
    InsecureHost(String),
    /// Credentials, a query or a fragment in a base URL.
    #[error("`{0}` must not carry user info, a query or a fragment")]
    Extra(String),
    /// The host is not written plainly, so the host a URL parser reads differs from the text: percent-encoding,
    /// characters that IDNA maps to others (a Unicode dot, full-width letters, a soft hyphen), tabs or newlines
    /// (which URL parsers delete), or a short IPv4 form (`127.1`).
    #[error(
        "`{0}` does not write its host plainly: use ASCII letters, digits, `-` and `.` (the punycode `xn--` form \
         for an international name), a dotted IPv4 address or a bracketed IPv6 address"
    )]
    Host(String),
    /// The URL is fine, but the HTTP client could not be built (TLS backend, system configuration).
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}

/// A validated base URL: `https://…`, or `http://` on a loopback host. Stored without a trailing slash.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
    text: String,
}

impl BaseUrl {
    /// Validates `input`.
    pub fn parse(input: &str) -> Result<Self, BaseUrlError> {
        // Never echo user info back: it may hold a secret.
        let shown = || redact_userinfo(input);
        let url = Url::parse(input).map_err(|_| BaseUrlError::Invalid(shown()))?;
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(BaseUrlError::Extra(shown()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(BaseUrlError::InsecureHost(shown())),
            _ => return Err(BaseUrlError::Scheme(shown())),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(BaseUrlError::Invalid(shown()));
        }
        // The host a URL parser reads must be the text that was written: otherwise what the caller sees in their
        // configuration is not where requests (and credentials) go.
        let plain = written_host(input).is_some_and(|written| {
            url.host_str()
                .is_some_and(|host| host.eq_ignore_ascii_case(written))
        });
        if !plain {
            return Err(BaseUrlError::Host(shown()));
        }
        let text = url.as_str().trim_end_matches('/').to_string();
        Ok(Self { url, text })
    }

    /// The URL as text, without a trailing slash (what the generated client prefixes paths with).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `true` when `other` has this URL's scheme, host and port: the only place credentials may go.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.url.origin() == other.origin()
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.text)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The host as `input` writes it, when it is plain: the text after `://` up to the first `/`, `?`, `#` or `\`,
/// less a `:port`, made only of ASCII letters, digits, `-` and `.`, or a bracketed IPv6 literal. `None` otherwise.
fn written_host(input: &str) -> Option<&str> {
    // URL parsers ignore leading and trailing spaces and control characters; so does this.
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let (_, rest) = trimmed.split_once("://")?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let (host, plain) = if authority.starts_with('[') {
        let host = &authority[..=authority.find(']')?];
        let inner = &host[1..host.len() - 1];
        (
            host,
            inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'),
        )
    } else {
        let host = authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host);
        (
            host,
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
        )
    };
    (plain && !host.is_empty()).then_some(host)
}

fn redact_userinfo(input: &str) -> String {
    match (input.find("://"), input.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://<redacted>@{}", &input[..scheme_end], &input[at + 1..])
        }
        _ => input.to_string(),
    }
}

/// `true` when `name` is a region slug (`^[a-z0-9][a-z0-9-]*$`): safe to place inside a vendor's host name
/// (`api.{region}.bronto.io`) because it cannot add a dot, a slash, a port or user info.
pub fn is_region_slug(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `true` for `localhost`, `127.0.0.0/8` and `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Connection settings of the shared `reqwest::Client`.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) user_agent: String,
}

/// Builds the HTTP client: connect timeout, user agent, and a redirect policy that refuses to leave the origin.
///
/// HTTP clients strip `Authorization` on a cross-host redirect but not custom headers such as `X-BRONTO-API-KEY`,
/// so a redirect to another origin is an error rather than a request that might carry the key elsewhere.
pub(crate) fn build(settings: &HttpSettings) -> reqwest::Result<reqwest::Client> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let leaves_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() != attempt.url().origin());
        if leaves_origin {
            attempt.error(CrossOriginRedirect)
        } else if attempt.previous().len() >= 5 {
            attempt.error(TooManyRedirects)
        } else {
            attempt.follow()
        }
    });
    crate::tls::client_builder()
        .connect_timeout(crate::saturate(settings.connect_timeout))
        // Each read of a response (headers or body) must make progress within this: a server that stalls
        // mid-body fails the read, however long the attempt's budget.
        .read_timeout(crate::saturate(settings.idle_timeout))
        .user_agent(settings.user_agent.clone())
        .redirect(policy)
        .build()
}

/// The error a cross-origin redirect turns into (the target is not repeated: it may be a pre-signed URL).
#[derive(Debug, thiserror::Error)]
#[error("refused a redirect to another host: credentials never leave the configured host")]
pub(crate) struct CrossOriginRedirect;

/// More than five redirects on one request.
#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
pub(crate) struct TooManyRedirects;

/// A refused base URL is a configuration error.
impl From<BaseUrlError> for crate::Error {
    fn from(error: BaseUrlError) -> Self {
        crate::Error::new(crate::ErrorKind::Config)
            .message(error.to_string())
            .with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://api.eu.bronto.io",
            "https://api.eu.bronto.io/",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            BaseUrl::parse("https://api.eu.bronto.io/").map(|b| b.to_string()),
            Ok("https://api.eu.bronto.io".to_string())
        );
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        assert!(matches!(
            BaseUrl::parse("http://api.eu.bronto.io"),
            Err(BaseUrlError::InsecureHost(_))
        ));
        assert!(matches!(
            BaseUrl::parse("http://127.0.0.1.evil.com"),
            Err(BaseUrlError::InsecureHost(_))
        ));
    }

    #[test]
    fn other_schemes_userinfo_and_garbage_are_refused() {
        assert!(matches!(
            BaseUrl::parse("ftp://x.io"),
            Err(BaseUrlError::Scheme(_))
        ));
        assert!(matches!(
            BaseUrl::parse("not a url"),
            Err(BaseUrlError::Invalid(_))
        ));
        let err = BaseUrl::parse("https://user:hunter2@x.io").expect_err("userinfo refused");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(matches!(
            BaseUrl::parse("https://x.io/?a=b"),
            Err(BaseUrlError::Extra(_))
        ));
    }

    #[test]
    fn a_host_a_parser_would_read_differently_is_refused() {
        // A URL parser reads each as a host other than the text written (see tests/tests/url_properties.rs).
        for tricky in [
            "https://tenant%2eevil.example",
            "https://tenant\u{3002}evil.example",
            "https://\u{ff45}vil.example",
            "https://tenant\u{ad}evil.example",
            "https://ev\til.example",
            "http://127.1",
            "http://2130706433",
        ] {
            assert!(
                matches!(BaseUrl::parse(tricky), Err(BaseUrlError::Host(_))),
                "{tricky:?}"
            );
        }
        // A backslash ends the host, as it does for a URL parser: the host is the one written before it.
        let url = BaseUrl::parse("https://tenant.example\\@evil.example").expect("accepted");
        assert_eq!(url.url().host_str(), Some("tenant.example"));
    }
}

//! The flags every command takes, and the [`sdk::Sdk`] a command runs on: a sandbox of its own (`--sandbox`), a
//! running one shared by several commands (`--sandbox-url`, or `BRONTO_SANDBOX_URL` in the environment or the
//! profile: what `bronto sandbox serve` prints), or the configuration from flags, then the SDK's environment
//! variables, then the selected profile.

use crate::output::Format;

/// Flags of both tools, accepted before or after the command.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Reads settings from this profile of the profiles file (see `profile path`); default: `default`.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The API's base URL (a proxy, a test server); wins over the region and the environment.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Runs against a sandbox of this process (vendor-sandbox: both APIs faked on loopback, no credentials, no
    /// network); its data ends with the command.
    #[arg(long, global = true, conflicts_with = "sandbox_url")]
    pub sandbox: bool,
    /// Runs against the sandbox `bronto sandbox serve` started (the URL it printed), so that several commands
    /// share its data; default: BRONTO_SANDBOX_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub sandbox_url: Option<String>,
    /// Output format; default: `table` on a terminal and `jsonl` otherwise for listings, `json` for an
    /// operation's answer.
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<Format>,
    /// No progress bars or spinners, no summary lines on standard error.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Shows each request on standard error: method, URL, status, timing, attempt and correlation id (never a
    /// credential, never a query string).
    #[arg(long, global = true)]
    pub debug: bool,
}

/// Which API a tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// `bronto`.
    Bronto,
    /// `blubracket`.
    BluBracket,
}

/// The SDK a command runs on, with the sandbox it points at (kept running while the session lives).
pub struct Session {
    /// The SDK.
    pub sdk: sdk::Sdk,
    /// The origins requests go to, for `--debug` lines: (API, ingestion).
    pub origins: (Option<String>, Option<String>),
    sandbox: Option<vendor_sandbox::Sandbox>,
    shared_sandbox: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("sandbox", &self.sandbox.is_some())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// `true` when the session runs on a sandbox (its own or a shared one).
    pub fn is_sandbox(&self) -> bool {
        self.sandbox.is_some() || self.shared_sandbox
    }

    /// Starts the session: the sandbox with `--sandbox`; otherwise the configuration from `--base-url` and
    /// `region` (Bronto), then the environment, then the profile.
    pub async fn start(
        global: &GlobalArgs,
        region: Option<&str>,
        vendor: Vendor,
    ) -> anyhow::Result<Session> {
        if global.sandbox {
            let sandbox = vendor_sandbox::Sandbox::start().await;
            let sdk = sdk::Sdk::new(sandbox.config())?;
            return Ok(Session {
                origins: (api_origin(&sdk, vendor), None),
                sdk,
                sandbox: Some(sandbox),
                shared_sandbox: false,
            });
        }
        let profile = crate::profile::selected(global.profile.as_deref())?;
        let lookup = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.is_empty())
                .or_else(|| profile.get(name).cloned())
        };
        if let Some(url) = global
            .sandbox_url
            .clone()
            .or_else(|| lookup(SANDBOX_URL))
            .filter(|_| vendor == Vendor::Bronto)
        {
            let sdk = sdk::Sdk::new(vendor_sandbox::config_for_url(&url).build()?)?;
            return Ok(Session {
                origins: (api_origin(&sdk, vendor), Some(url)),
                sdk,
                sandbox: None,
                shared_sandbox: true,
            });
        }
        let mut builder = sdk::Config::builder();
        match vendor {
            Vendor::Bronto => {
                if let Some(url) = &global.base_url {
                    builder = builder.bronto_base_url(url);
                } else if let Some(region) = region {
                    builder = builder.bronto_region(region);
                }
            }
            Vendor::BluBracket => {
                if let Some(url) = &global.base_url {
                    builder = builder.blubracket_tenant(url);
                }
            }
        }
        let config = builder.with_env_from(lookup).build()?;
        let sdk = sdk::Sdk::new(config)?;
        Ok(Session {
            origins: (
                api_origin(&sdk, vendor),
                lookup(sdk::env::BRONTO_INGESTION_URL),
            ),
            sdk,
            sandbox: None,
            shared_sandbox: false,
        })
    }
}

/// The environment variable (or profile setting) naming a running sandbox's URL, as `--sandbox-url` does.
pub const SANDBOX_URL: &str = "BRONTO_SANDBOX_URL";

/// The base URL the generated client of `vendor` sends to.
fn api_origin(sdk: &sdk::Sdk, vendor: Vendor) -> Option<String> {
    use std::ops::Deref as _;
    match vendor {
        Vendor::Bronto => sdk
            .bronto()
            .ok()
            .map(|api| bronto_client::ClientInfo::baseurl(api.deref()).to_string()),
        Vendor::BluBracket => sdk
            .blubracket()
            .ok()
            .map(|api| blubracket_client::ClientInfo::baseurl(api.deref()).to_string()),
    }
}

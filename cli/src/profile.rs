//! Profiles: named sets of the SDK's settings ([`sdk::env`]: `BRONTO_REGION`, `BRONTO_API_KEY`, `BLUBRACKET_HOST`,
//! ...) in `profiles.json` in the user's configuration directory (`~/.config/vendor-sdk/` on Linux), or in the file
//! `SDK_CLI_PROFILES` names. The file is written readable by its owner only (0600); `profile show` never prints a
//! key or token unless asked with `--reveal`.
//!
//! A profile fills in what neither a flag nor the environment sets: flags, then the environment, then the profile.
//!
//! ```text
//! bronto profile set BRONTO_REGION=eu BRONTO_API_KEY=...          # the `default` profile
//! bronto --profile staging profile set BRONTO_BASE_URL=https://...
//! bronto --profile staging list-api-keys
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::exit::UsageError;

/// The environment variable naming another profiles file.
pub const PROFILES_ENV: &str = "SDK_CLI_PROFILES";

/// The profile used when `--profile` is not given.
pub const DEFAULT_PROFILE: &str = "default";

/// The settings a profile may hold: the SDK's environment variables, and the URL of a shared sandbox.
pub const SETTINGS: &[&str] = &[
    crate::session::SANDBOX_URL,
    sdk::env::BRONTO_REGION,
    sdk::env::BRONTO_BASE_URL,
    sdk::env::BRONTO_INGESTION_URL,
    sdk::env::BRONTO_API_KEY,
    sdk::env::BRONTO_BEARER_TOKEN,
    sdk::env::BLUBRACKET_HOST,
    sdk::env::BLUBRACKET_INTEGRATION_KEY,
    sdk::env::BLUBRACKET_KEY_FILE,
];

/// `true` for a setting that holds a secret (a key or a token).
pub fn is_secret(setting: &str) -> bool {
    !setting.ends_with("_FILE") && (setting.contains("KEY") || setting.contains("TOKEN"))
}

/// The profiles file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profiles {
    /// Settings by profile name.
    #[serde(default)]
    pub profiles: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where the profiles file is: `SDK_CLI_PROFILES`, or `profiles.json` under the user's configuration directory.
pub fn path() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os(PROFILES_ENV).filter(|path| !path.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dir = dirs::config_dir().ok_or_else(|| {
        UsageError(format!(
            "this system has no user configuration directory; set {PROFILES_ENV} to a file"
        ))
    })?;
    Ok(dir.join("vendor-sdk").join("profiles.json"))
}

impl Profiles {
    /// Reads the file at `path` (no file: no profiles).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a profiles file", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the file at `path`, readable and writable by its owner only.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)?;
        let temporary = path.with_extension("json.tmp");
        write_private(&temporary, text.as_bytes())
            .with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))
    }

    /// The settings of profile `name`.
    pub fn get(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.profiles.get(name)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its mode on open: set it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The settings of the selected profile: `--profile NAME` must exist; without it, the `default` profile when there
/// is one.
pub fn selected(name: Option<&str>) -> anyhow::Result<BTreeMap<String, String>> {
    let path = path()?;
    let profiles = Profiles::load(&path)?;
    match name {
        Some(name) => profiles.get(name).cloned().ok_or_else(|| {
            UsageError(format!(
                "there is no profile `{name}` in {}",
                path.display()
            ))
            .into()
        }),
        None => Ok(profiles.get(DEFAULT_PROFILE).cloned().unwrap_or_default()),
    }
}

/// The `profile` commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ProfileCommand {
    /// Sets settings of the profile (`--profile`, or `default`), e.g. `BRONTO_REGION=eu BRONTO_API_KEY=...`;
    /// an empty value removes the setting.
    Set {
        /// `NAME=VALUE` pairs; the names are the SDK's environment variables.
        #[arg(value_name = "NAME=VALUE", required = true)]
        settings: Vec<String>,
    },
    /// Shows the profile's settings, keys and tokens masked.
    Show {
        /// Shows keys and tokens too.
        #[arg(long)]
        reveal: bool,
    },
    /// Prints where the profiles file is.
    Path,
}

/// Runs a `profile` command on the profile `name` (`None`: `default`).
pub fn run(command: &ProfileCommand, name: Option<&str>) -> anyhow::Result<()> {
    let name = name.unwrap_or(DEFAULT_PROFILE);
    let path = path()?;
    match command {
        ProfileCommand::Set { settings } => {
            let mut profiles = Profiles::load(&path)?;
            let profile = profiles.profiles.entry(name.to_string()).or_default();
            for setting in settings {
                let (key, value) = setting
                    .split_once('=')
                    .ok_or_else(|| UsageError(format!("`{setting}` is not NAME=VALUE")))?;
                if !SETTINGS.contains(&key) {
                    return Err(UsageError(format!(
                        "`{key}` is not a setting (one of {})",
                        SETTINGS.join(", ")
                    ))
                    .into());
                }
                if value.is_empty() {
                    profile.remove(key);
                } else {
                    profile.insert(key.to_string(), value.to_string());
                }
            }
            profiles.save(&path)?;
            eprintln!("profile `{name}` saved in {}", path.display());
            Ok(())
        }
        ProfileCommand::Show { reveal } => {
            let profiles = Profiles::load(&path)?;
            let profile = profiles.get(name).ok_or_else(|| {
                UsageError(format!(
                    "there is no profile `{name}` in {}",
                    path.display()
                ))
            })?;
            for (key, value) in profile {
                let shown = if is_secret(key) && !reveal {
                    "******** (--reveal shows it)"
                } else {
                    value
                };
                println!("{key}={shown}");
            }
            Ok(())
        }
        ProfileCommand::Path => {
            println!("{}", path.display());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_tokens_are_secrets_and_paths_are_not() {
        assert!(is_secret(sdk::env::BRONTO_API_KEY));
        assert!(is_secret(sdk::env::BRONTO_BEARER_TOKEN));
        assert!(is_secret(sdk::env::BLUBRACKET_INTEGRATION_KEY));
        assert!(!is_secret(sdk::env::BLUBRACKET_KEY_FILE));
        assert!(!is_secret(sdk::env::BRONTO_REGION));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_written_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("nested").join("profiles.json");
        let mut profiles = Profiles::default();
        profiles
            .profiles
            .entry("default".into())
            .or_default()
            .insert(sdk::env::BRONTO_API_KEY.into(), "k".into());
        profiles.save(&path).expect("saved");
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = Profiles::load(&path).expect("loads");
        assert_eq!(
            loaded
                .get("default")
                .and_then(|p| p.get("BRONTO_API_KEY"))
                .map(String::as_str),
            Some("k")
        );
    }
}

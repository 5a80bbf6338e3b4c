//! Bronto regions: which API host a client talks to.

use std::fmt;
use std::str::FromStr;

/// A Bronto region. The REST API of region `r` is `https://api.{r}.bronto.io`.
///
/// `eu` and `us` are named; a region added later by the vendor works without a new release through
/// [`Region::other`], which accepts only a slug (`^[a-z0-9][a-z0-9-]*$`), so no value can move the host off the
/// vendor's domain.
///
/// ```
/// use bronto_client::Region;
/// assert_eq!(Region::Eu.api_base_url(), "https://api.eu.bronto.io");
/// assert_eq!("us".parse::<Region>().unwrap(), Region::Us);
/// assert!("evil.com/".parse::<Region>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// Europe: `api.eu.bronto.io`.
    Eu,
    /// United States: `api.us.bronto.io`.
    Us,
    /// Another region, by its slug.
    Other(String),
}

/// A region name that is not a slug.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a region: a region is a slug of lowercase letters, digits and `-` (for example `eu`, `us`)"
)]
pub struct RegionError(String);

impl Region {
    /// A region by name; `eu` and `us` map to their variants.
    pub fn other(name: &str) -> Result<Self, RegionError> {
        name.parse()
    }

    /// The region's slug (`eu`, `us`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Region::Eu => "eu",
            Region::Us => "us",
            Region::Other(slug) => slug,
        }
    }

    /// `https://api.{region}.bronto.io`.
    pub fn api_base_url(&self) -> String {
        format!("https://api.{}.bronto.io", self.as_str())
    }

    /// `https://ingestion.{region}.bronto.io`.
    pub fn ingestion_base_url(&self) -> String {
        format!("https://ingestion.{}.bronto.io", self.as_str())
    }
}

impl FromStr for Region {
    type Err = RegionError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "eu" => Ok(Region::Eu),
            "us" => Ok(Region::Us),
            slug if client_runtime::is_region_slug(slug) => Ok(Region::Other(slug.to_string())),
            other => Err(RegionError(other.chars().take(64).collect())),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region that is not one is a configuration error (`?` in a function returning `sdk::Error`).
impl From<RegionError> for client_runtime::Error {
    fn from(error: RegionError) -> Self {
        client_runtime::Error::new(client_runtime::ErrorKind::Config)
            .message(error.to_string())
            .with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_future_regions_parse() {
        assert_eq!("eu".parse(), Ok(Region::Eu));
        assert_eq!(
            Region::other("ap-south-1").map(|r| r.api_base_url()),
            Ok("https://api.ap-south-1.bronto.io".to_string())
        );
    }

    #[test]
    fn values_that_would_move_the_host_are_refused() {
        for bad in [
            "evil.com/",
            "",
            "EU",
            "-eu",
            "eu.evil",
            "eu/..",
            "eu@x",
            "e u",
            "eu:443",
        ] {
            assert!(bad.parse::<Region>().is_err(), "{bad:?} accepted");
        }
    }
}

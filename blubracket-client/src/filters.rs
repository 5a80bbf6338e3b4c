//! The filter ids and values BluBracket documents, so a typo is a compile error rather than a search that matches
//! nothing. The service accepts ids it does not document (the successor product filters on more fields), so
//! [`FilterId::Other`] keeps any id, and [`Filter::new`](crate::types::Filter::new) still takes any string.
//!
//! Sources: the vendor's "Event and Alert APIs" page (`alert_type`, `repo_type`, `state`, `url` and their values);
//! `alert_id` from the alert links in the vendor's own notifications (`openapi/blubracket.yaml`, `Filter`).
//!
//! ```
//! use blubracket_client::filters::{FilterId, values};
//! use blubracket_client::types::{Filter, SearchRequest};
//!
//! let request = SearchRequest::new([
//!     Filter::new(FilterId::AlertType, [values::REPO_SCAN_MATCH]),
//!     Filter::new(FilterId::RepoType, [values::ENTERPRISE_PUBLIC, values::PUBLIC]),
//!     Filter::new(FilterId::State, [values::ACTIVE]),
//!     Filter::new(FilterId::Other("severity".into()), ["critical"]),
//! ]);
//! let body = serde_json::to_value(&request).unwrap();
//! assert_eq!(body["filters"][0]["id"], "alert_type");
//! assert_eq!(body["filters"][3]["id"], "severity");
//! assert_eq!("repo_type".parse::<FilterId>(), Ok(FilterId::RepoType));
//! ```

use std::fmt;
use std::str::FromStr;

/// A filter's `id`: the field it filters on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterId {
    /// `alert_type` (documented value: [`values::REPO_SCAN_MATCH`]).
    AlertType,
    /// `repo_type` ([`values::ENTERPRISE_PUBLIC`], [`values::PUBLIC`]).
    RepoType,
    /// `state` ([`values::ACTIVE`]).
    State,
    /// `url`: a repository URL such as `git://github.com/org/repo.git`.
    Url,
    /// `alert_id`: an alert's id (a UUID), as the vendor's alert links use it.
    AlertId,
    /// Any other id the service accepts, sent as written.
    Other(String),
}

impl FilterId {
    /// Every documented id, in the order above.
    pub const DOCUMENTED: [FilterId; 5] = [
        FilterId::AlertType,
        FilterId::RepoType,
        FilterId::State,
        FilterId::Url,
        FilterId::AlertId,
    ];

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            FilterId::AlertType => "alert_type",
            FilterId::RepoType => "repo_type",
            FilterId::State => "state",
            FilterId::Url => "url",
            FilterId::AlertId => "alert_id",
            FilterId::Other(id) => id,
        }
    }
}

impl fmt::Display for FilterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FilterId> for String {
    fn from(id: FilterId) -> Self {
        match id {
            FilterId::Other(id) => id,
            documented => documented.as_str().to_string(),
        }
    }
}

/// Reads an id: a documented one becomes its variant, anything else [`FilterId::Other`]. Never fails.
impl FromStr for FilterId {
    type Err = std::convert::Infallible;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Ok(Self::DOCUMENTED
            .into_iter()
            .find(|known| known.as_str() == id)
            .unwrap_or_else(|| FilterId::Other(id.to_string())))
    }
}

/// The filter values the vendor documents.
pub mod values {
    /// `alert_type`: a secret found by a repository scan.
    pub const REPO_SCAN_MATCH: &str = "REPO_SCAN_MATCH";
    /// `repo_type`: a public repository of an enterprise organisation.
    pub const ENTERPRISE_PUBLIC: &str = "ENTERPRISE_PUBLIC";
    /// `repo_type`: a public repository.
    pub const PUBLIC: &str = "PUBLIC";
    /// `state`: an alert still open.
    pub const ACTIVE: &str = "ACTIVE";
}

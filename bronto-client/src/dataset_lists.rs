//! Dataset lists from plain values: an export's `from` (`CreateExportDetailsFrom`, a list of dataset ids or the
//! legacy colon-joined string) takes what a search's `from` takes, so both requests read the same way:
//!
//! ```
//! use bronto_client::types::{CreateExportDetails, CreateExportDetailsFrom};
//! let details: CreateExportDetails = CreateExportDetails::builder()
//!     .from(["checkout", "payments"])
//!     .time_range("Last 24 hours")
//!     .try_into()
//!     .expect("export details");
//! assert_eq!(
//!     details.from,
//!     Some(CreateExportDetailsFrom::from(vec!["checkout".to_string(), "payments".to_string()]))
//! );
//! ```

use crate::types::CreateExportDetailsFrom;

impl<const N: usize> From<[&str; N]> for CreateExportDetailsFrom {
    fn from(ids: [&str; N]) -> Self {
        Self::from(ids.map(str::to_string).to_vec())
    }
}

impl From<Vec<&str>> for CreateExportDetailsFrom {
    fn from(ids: Vec<&str>) -> Self {
        Self::from(ids.into_iter().map(str::to_string).collect::<Vec<_>>())
    }
}

impl From<&[String]> for CreateExportDetailsFrom {
    fn from(ids: &[String]) -> Self {
        Self::from(ids.to_vec())
    }
}

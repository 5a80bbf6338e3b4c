//! Timestamps as the API wants them: ISO 8601 with an explicit UTC offset, `Z` or `+00:00`.
//!
//! The vendor's docs: "date formatting requires either the Z or the +00:00 be supplied at the end", with the
//! example `2021-07-20T23:45:06.342716+00:00`. The generated types hold `chrono::DateTime<chrono::Utc>`, which has
//! no value without an offset and serializes as `2021-07-20T23:45:06.342716Z`; these helpers produce and accept
//! the same, for filter values (which are strings).
//!
//! ```
//! use blubracket_client::timestamp::{format_timestamp, parse_timestamp};
//!
//! let time = parse_timestamp("2021-07-20T23:45:06.342716+00:00").unwrap();
//! assert_eq!(format_timestamp(&time), "2021-07-20T23:45:06.342716+00:00");
//! // No offset, no timestamp.
//! assert!(parse_timestamp("2021-07-20T23:45:06.342716").is_err());
//! ```

use chrono::{DateTime, SecondsFormat, Utc};

/// A timestamp string that is not RFC 3339 with an explicit offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not an ISO 8601 timestamp with an explicit offset (the API requires `Z` or `+00:00`, e.g. \
     `2021-07-20T23:45:06.342716+00:00`)"
)]
pub struct TimestampError {
    input: String,
}

/// Formats `time` like the vendor's example: microseconds and `+00:00`.
pub fn format_timestamp(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Parses an RFC 3339 timestamp (`Z` or any explicit offset, converted to UTC); a timestamp without an offset is
/// refused.
pub fn parse_timestamp(input: &str) -> Result<DateTime<Utc>, TimestampError> {
    DateTime::parse_from_rfc3339(input.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| TimestampError {
            input: input.chars().take(64).collect(),
        })
}

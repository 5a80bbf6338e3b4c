//! Timestamps always carry an explicit UTC offset: the API requires `Z` or `+00:00`, and a timestamp without one
//! cannot be built, parsed or decoded.

use blubracket_client::timestamp::{format_timestamp, parse_timestamp};
use blubracket_client::types::{Alert, AuditRecord, Filter, FilterOperator};
use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use serde_json::json;

const VENDOR_EXAMPLE: &str = "2021-07-20T23:45:06.342716+00:00";
const WITHOUT_OFFSET: &str = "2021-07-20T23:45:06.342716";

fn vendor_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 7, 20, 23, 45, 6)
        .single()
        .expect("a valid date")
        + chrono::Duration::microseconds(342_716)
}

#[test]
fn the_vendors_example_parses_and_formats_back_unchanged() {
    let time = parse_timestamp(VENDOR_EXAMPLE).expect("the vendor's own example");
    assert_eq!(time, vendor_time());
    assert_eq!(format_timestamp(&time), VENDOR_EXAMPLE);
    assert_eq!(
        parse_timestamp("2021-07-20T23:45:06.342716Z").expect("Z"),
        time
    );
}

#[test]
fn a_timestamp_without_an_offset_is_refused() {
    let error = parse_timestamp(WITHOUT_OFFSET).expect_err("no offset");
    assert!(error.to_string().contains("+00:00"), "{error}");
    // chrono itself refuses it as a `DateTime<Utc>`: the type has no value without an offset.
    assert!(WITHOUT_OFFSET.parse::<DateTime<Utc>>().is_err());
    assert!(DateTime::parse_from_rfc3339(WITHOUT_OFFSET).is_err());
    // It is only a naive date-time, which cannot go where the client wants a `DateTime<Utc>`.
    assert!(NaiveDateTime::parse_from_str(WITHOUT_OFFSET, "%Y-%m-%dT%H:%M:%S%.f").is_ok());
}

#[test]
fn other_offsets_are_converted_to_utc() {
    let time = parse_timestamp("2021-07-21T01:45:06.342716+02:00").expect("offset +02:00");
    assert_eq!(time, vendor_time());
    assert_eq!(format_timestamp(&time), VENDOR_EXAMPLE);
}

#[test]
fn generated_types_serialize_timestamps_with_z() {
    let mut alert: Alert = serde_json::from_value(json!({})).expect("an empty alert");
    alert.created = Some(vendor_time());
    let value = serde_json::to_value(&alert).expect("serialize");
    assert_eq!(value["created"], json!("2021-07-20T23:45:06.342716Z"));
    let text = value["created"].as_str().expect("a string");
    assert!(text.ends_with('Z') || text.ends_with("+00:00"), "{text}");
}

#[test]
fn a_response_timestamp_without_an_offset_does_not_decode() {
    let with = serde_json::from_value::<AuditRecord>(json!({"audit_time": VENDOR_EXAMPLE}))
        .expect("with an offset");
    assert_eq!(with.audit_time, Some(vendor_time()));
    assert!(serde_json::from_value::<AuditRecord>(json!({"audit_time": WITHOUT_OFFSET})).is_err());
}

#[test]
fn timestamp_filters_carry_the_offset() {
    let filter = Filter::timestamp("created", FilterOperator::Ge, &vendor_time());
    assert_eq!(
        serde_json::to_value(&filter).expect("serialize"),
        json!({"id": "created", "value": [VENDOR_EXAMPLE], "op": "GE"})
    );
}

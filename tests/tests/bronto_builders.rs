//! Builders that read the same everywhere (build-support, `passes/plain_value_setters.rs` and
//! `passes/name_required_members.rs`): every optional member takes a plain value whatever its type, and a missing
//! required member's error names the type and the member.

use bronto_client::types::{CreateApiKeyRequest, Monitor, MonitorMonitorType};

#[test]
fn optional_members_take_plain_values_whatever_their_type() {
    let monitor = Monitor::try_from(
        Monitor::builder()
            .id("m-1")
            .name("latency")
            .threshold(5)
            .group_retention(600_000)
            .notify_once(true)
            .monitor_type(MonitorMonitorType::Pattern),
    )
    .expect("a monitor from plain values");
    assert_eq!(monitor.id.as_deref(), Some("m-1"));
    assert_eq!(monitor.threshold, Some(5.0));
    assert_eq!(monitor.group_retention, Some(600_000));
    assert_eq!(monitor.notify_once, Some(true));
    assert_eq!(monitor.monitor_type, Some(MonitorMonitorType::Pattern));
    // An `Option` still works, and `None` leaves the member unset.
    let unset = Monitor::try_from(Monitor::builder().id(None::<String>).threshold(Some(2.5)))
        .expect("a monitor from options");
    assert_eq!(unset.id, None);
    assert_eq!(unset.threshold, Some(2.5));
}

#[test]
fn a_missing_required_member_names_the_type_and_the_member() {
    let error = CreateApiKeyRequest::try_from(CreateApiKeyRequest::builder().name("ci"))
        .expect_err("roles is required");
    let message = error.to_string();
    assert!(message.contains("`CreateApiKeyRequest.roles`"), "{message}");
    assert!(message.contains("required"), "{message}");
}

#[test]
fn a_constrained_optional_member_still_checks_its_value() {
    // `Monitor.name` is a constrained string: a plain `&str` is checked, and a bad one names the type.
    let built = Monitor::try_from(Monitor::builder().name(""));
    match built {
        Ok(monitor) => assert!(
            monitor
                .name
                .is_some_and(|name| !name.to_string().is_empty())
        ),
        Err(error) => assert!(error.to_string().contains("MonitorName"), "{error}"),
    }
}

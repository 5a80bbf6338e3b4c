//! Constructors and accessors on the generated search types: filters, requests, and list responses that may be a
//! bare array or an object wrapping one.
//!
//! ```
//! use blubracket_client::types::{AlertSearchResponse, Filter, FilterOperator, OrderDirection, SearchRequest};
//!
//! let request = SearchRequest::new([
//!     Filter::new("repo_type", ["ENTERPRISE_PUBLIC", "PUBLIC"]),
//!     Filter::new("state", ["ACTIVE"]).with_op(FilterOperator::Eq).exact(true),
//! ])
//! .with_page(2)
//! .with_limit(100)
//! .order_by("created", OrderDirection::Desc);
//! assert_eq!(
//!     serde_json::to_value(&request).unwrap()["filters"][1],
//!     serde_json::json!({"id": "state", "value": ["ACTIVE"], "op": "EQ", "exact_match": true})
//! );
//!
//! // Both envelopes read the same way.
//! let bare: AlertSearchResponse = serde_json::from_str(r#"[{"alert_id": "a"}]"#).unwrap();
//! let wrapped: AlertSearchResponse = serde_json::from_str(r#"{"alerts": [{"alert_id": "a"}]}"#).unwrap();
//! assert_eq!(bare.alerts(), wrapped.alerts());
//! ```

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};

use crate::timestamp::format_timestamp;
use crate::types::{
    Alert, AlertCountResponse, AlertSearchResponse, AuditRecord, AuditSearchResponse, CountRequest,
    Event, EventSearchResponse, Filter, FilterOperator, OrderDirection, SearchRequest,
};

impl Filter {
    /// A filter on `id` matching any of `values` (the server's default operator).
    pub fn new<V: Into<String>>(
        id: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Filter {
            id: id.into(),
            value: values.into_iter().map(Into::into).collect(),
            op: None,
            exact_match: None,
        }
    }

    /// A filter comparing `id` with a timestamp, formatted with an explicit UTC offset (`+00:00`) as the API
    /// requires. The filter ids for dates are not documented.
    pub fn timestamp(id: impl Into<String>, op: FilterOperator, time: &DateTime<Utc>) -> Self {
        Filter::new(id, [format_timestamp(time)]).with_op(op)
    }

    /// Sets the operator (`op`).
    pub fn with_op(mut self, op: FilterOperator) -> Self {
        self.op = Some(op);
        self
    }

    /// Sets `exact_match`.
    pub fn exact(mut self, exact: bool) -> Self {
        self.exact_match = Some(exact);
        self
    }
}

impl SearchRequest {
    /// A search with these filters (ANDed), no paging and no sorting.
    pub fn new(filters: impl IntoIterator<Item = Filter>) -> Self {
        SearchRequest {
            filters: filters.into_iter().collect(),
            limit: None,
            order_by: None,
            order_direction: None,
            page: None,
        }
    }

    /// Asks for page `page` (1-based; `0` is taken as `1`).
    pub fn with_page(mut self, page: u32) -> Self {
        self.page = Some(NonZeroU32::new(page).unwrap_or(NonZeroU32::MIN));
        self
    }

    /// Asks for `limit` items per page (`0` is taken as `1`).
    pub fn with_limit(mut self, limit: u32) -> Self {
        self.limit = Some(NonZeroU32::new(limit).unwrap_or(NonZeroU32::MIN));
        self
    }

    /// Sorts by `field` in `direction` (inferred: documented only on an unpublished endpoint).
    pub fn order_by(mut self, field: impl Into<String>, direction: OrderDirection) -> Self {
        self.order_by = Some(field.into());
        self.order_direction = Some(direction);
        self
    }
}

impl CountRequest {
    /// A count with these filters (ANDed).
    pub fn new(filters: impl IntoIterator<Item = Filter>) -> Self {
        CountRequest {
            filters: filters.into_iter().collect(),
        }
    }
}

impl AlertSearchResponse {
    /// The alerts of the page, whichever envelope the server used.
    pub fn alerts(&self) -> &[Alert] {
        match self {
            AlertSearchResponse::List(list) => &list.0,
            AlertSearchResponse::Envelope(envelope) => &envelope.alerts,
        }
    }

    /// The alerts of the page, owned.
    pub fn into_alerts(self) -> Vec<Alert> {
        match self {
            AlertSearchResponse::List(list) => list.0,
            AlertSearchResponse::Envelope(envelope) => envelope.alerts,
        }
    }
}

impl EventSearchResponse {
    /// The events of the page, whichever envelope the server used.
    pub fn events(&self) -> &[Event] {
        match self {
            EventSearchResponse::List(list) => &list.0,
            EventSearchResponse::Envelope(envelope) => &envelope.events,
        }
    }

    /// The events of the page, owned.
    pub fn into_events(self) -> Vec<Event> {
        match self {
            EventSearchResponse::List(list) => list.0,
            EventSearchResponse::Envelope(envelope) => envelope.events,
        }
    }
}

impl AuditSearchResponse {
    /// The audit records of the page, whichever envelope the server used.
    pub fn records(&self) -> &[AuditRecord] {
        match self {
            AuditSearchResponse::List(list) => &list.0,
            AuditSearchResponse::Envelope(envelope) => &envelope.audits,
        }
    }

    /// The audit records of the page, owned.
    pub fn into_records(self) -> Vec<AuditRecord> {
        match self {
            AuditSearchResponse::List(list) => list.0,
            AuditSearchResponse::Envelope(envelope) => envelope.audits,
        }
    }
}

impl AlertCountResponse {
    /// The number of alerts, whether the server sent a bare number or `{"count": n}`.
    pub fn count(&self) -> u64 {
        match self {
            AlertCountResponse::Uint64(count) => *count,
            AlertCountResponse::AlertCountObject(object) => object.count,
        }
    }
}

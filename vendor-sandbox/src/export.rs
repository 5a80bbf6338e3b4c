//! Exports of a search (`POST /exports`, `GET /exports`, `GET /exports/{id}`): the events its `search_details`
//! match (`from`, the time range, `where`, as [`crate::search`] reads them) become a Zstandard-compressed NDJSON
//! object (one ingested line per event) on the storage host; the export goes from `CREATED` (0 %) through
//! `IN_PROGRESS` (50 %) to `COMPLETE` with a presigned-looking `location`.

use httpmock::HttpMockResponse;
use serde_json::{Value, json};

use crate::reply;
use crate::search::{self, Answer};
use crate::state::{ExportJob, Grant, State, new_id, now_millis};

/// The export's record at `percent` (`location` once complete).
fn record(job: &ExportJob, id: &str, percent: i64, location: &str) -> Value {
    let status = match percent {
        0 => "CREATED",
        100 => "COMPLETE",
        _ => "IN_PROGRESS",
    };
    let mut record = job.record.clone();
    record["export_id"] = json!(id);
    record["status"] = json!(status);
    record["progress"] = json!(percent);
    record["location"] = json!(if percent == 100 { location } else { "" });
    record
}

/// `POST /exports`.
pub(crate) fn create(state: &mut State, grant: &Grant, body: &Value) -> HttpMockResponse {
    let Some(details) = body["search_details"].as_object() else {
        return reply::error(400, "`search_details` is required");
    };
    let mut search_body = Value::Object(details.clone());
    if search_body.get("select").is_none() {
        search_body["select"] = json!(["@raw", "*"]);
    }
    if search_body.get("limit").is_none() {
        search_body["limit"] = json!(10_000);
    }
    let query = match search::read(&search_body) {
        Ok(query) => query,
        Err(refused) => return refused,
    };
    let answer = match search::run(&query, state.account(&grant.account)) {
        Ok(answer) => answer,
        Err(refused) => return refused,
    };
    let Answer::Events(events) = answer else {
        return reply::not_implemented("an export of an aggregate search");
    };
    let lines: String = events
        .iter()
        .map(|(event, _)| format!("{}\n", event["@raw"].as_str().unwrap_or_default()))
        .collect();
    let data = zstd::encode_all(lines.as_bytes(), 3).unwrap_or_default();
    let id = new_id();
    let from = search::strings(&details.get("from").cloned().unwrap_or(Value::Null)).join(",");
    let job = ExportJob {
        account: grant.account.clone(),
        record: json!({
            "org_id": grant.account, "bytes": data.len(), "events": events.len(), "created_at": now_millis(),
            "search_details": {"from": from, "time_range": details.get("time_range"), "where": details.get("where")},
        }),
        polls: 0,
        data: lines.into_bytes(),
    };
    state.objects.insert(id.clone(), data);
    let answer = record(&job, &id, 0, "");
    state.exports.insert(id.clone(), job);
    state.last_export = Some(id);
    reply::json(201, &answer)
}

/// `GET /exports/{id}`: 50 % at the first poll, complete from the second.
pub(crate) fn get(state: &mut State, grant: &Grant, id: &str, storage: &str) -> HttpMockResponse {
    match state
        .exports
        .get_mut(id)
        .filter(|job| job.account == grant.account)
    {
        Some(job) => {
            job.polls += 1;
            let percent = if job.polls == 1 { 50 } else { 100 };
            let location =
                format!("{storage}/sandbox-bucket/{id}.ndjson.zst?X-Amz-Signature=sandbox");
            reply::json(200, &record(job, id, percent, &location))
        }
        None => reply::error(404, "no export with this id"),
    }
}

/// `GET /exports`.
pub(crate) fn list(state: &State, grant: &Grant, storage: &str) -> HttpMockResponse {
    let exports: Vec<Value> = state
        .exports
        .iter()
        .filter(|(_, job)| job.account == grant.account)
        .map(|(id, job)| {
            let percent = match job.polls {
                0 => 0,
                1 => 50,
                _ => 100,
            };
            record(
                job,
                id,
                percent,
                &format!("{storage}/sandbox-bucket/{id}.ndjson.zst?X-Amz-Signature=sandbox"),
            )
        })
        .collect();
    reply::json(200, &json!({ "exports": exports }))
}

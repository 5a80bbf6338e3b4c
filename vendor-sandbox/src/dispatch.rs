//! The sandbox's Bronto host, one handler for every request: ingestion at `POST /`; for the API, the key
//! (`401` unknown, `403` ingestion-only), the account's request budget (`RateLimit-*` headers on every answer,
//! `429` with `Retry-After` once spent), then the route. A documented operation the sandbox does not implement
//! answers `501` naming it; a path the document does not have, `404`.

use std::sync::{Arc, Mutex};

use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::{Value, json};

use crate::ingestion::{self, header};
use crate::search::{self, Answer};
use crate::state::{AsyncSearch, Cursor, Grant, State, new_id};
use crate::{export, reply, resources};

/// The state every handler shares.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Answers one request to the Bronto host.
pub(crate) fn handle(
    shared: &Shared,
    storage: &str,
    request: &HttpMockRequest,
) -> HttpMockResponse {
    let Ok(mut state) = shared.lock() else {
        return reply::error(500, "the sandbox's state is poisoned by an earlier panic");
    };
    let path = request.uri().path().to_string();
    let method = request.method().as_str().to_string();
    if method == "POST" && path == "/" {
        return ingestion::ingest(&mut state, request);
    }
    let secret = header(request, "x-bronto-api-key").or_else(|| {
        header(request, "authorization")
            .and_then(|value| value.strip_prefix("Bearer ").map(str::to_string))
    });
    let Some(grant) = secret.and_then(|secret| state.keys.get(&secret).cloned()) else {
        return reply::error(401, "invalid API key");
    };
    if grant.ingestion_only() {
        return reply::error(403, "Access denied. User does not have permission");
    }
    let spent = state.account(&grant.account).budget.spend();
    let mut response = if spent.allowed {
        route(&mut state, &grant, &method, &path, request, storage)
    } else {
        let rule = state.budget_rule;
        let mut refused = reply::error(
            429,
            &format!(
                "Rate limit exceeded. Maximum {} requests within a {}-second window",
                rule.limit,
                rule.window.as_secs()
            ),
        );
        push_header(&mut refused, "retry-after", spent.reset_seconds.to_string());
        refused
    };
    push_header(&mut response, "ratelimit-limit", spent.limit.to_string());
    push_header(
        &mut response,
        "ratelimit-remaining",
        spent.remaining.to_string(),
    );
    push_header(
        &mut response,
        "ratelimit-reset",
        spent.reset_seconds.to_string(),
    );
    response
}

fn push_header(response: &mut HttpMockResponse, name: &str, value: String) {
    response
        .headers
        .get_or_insert_with(Vec::new)
        .push((name.to_string(), value));
}

fn route(
    state: &mut State,
    grant: &Grant,
    method: &str,
    path: &str,
    request: &HttpMockRequest,
    storage: &str,
) -> HttpMockResponse {
    let body: Value = if request.body_ref().is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(request.body_ref()) {
            Ok(body) => body,
            Err(e) => return reply::error(400, &format!("the body is not JSON: {e}")),
        }
    };
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let answered = match (method, segments.as_slice()) {
        ("GET", ["api-keys"]) => Some(reply::json(
            200,
            &json!({"api_keys": state.account(&grant.account).api_keys}),
        )),
        ("POST", ["api-keys"]) => Some(resources::create_api_key(state, grant, &body)),
        ("DELETE", ["api-keys", id]) => Some(resources::delete_api_key(state, grant, id)),
        ("GET", ["datasets"]) => Some(resources::list_datasets(
            state.account(&grant.account),
            &request.query_params(),
        )),
        ("POST", ["datasets"]) => Some(resources::create_dataset(
            state.account(&grant.account),
            &body,
        )),
        ("POST", ["search"]) => Some(post_search(state, grant, &body)),
        ("GET", ["search", "status", id]) => Some(search_status(state, grant, id)),
        ("DELETE", ["search", "status", id]) => Some(match state.async_searches.remove(*id) {
            Some(_) => reply::empty(200),
            None => reply::error(404, "no search with this status id"),
        }),
        ("POST", ["exports"]) => Some(export::create(state, grant, &body)),
        ("GET", ["exports"]) => Some(export::list(state, grant, storage)),
        ("GET", ["exports", id]) => Some(export::get(state, grant, id, storage)),
        (_, ["monitors", rest @ ..])
            if rest
                .first()
                .is_none_or(|id| !["downtimes", "templates"].contains(id)) =>
        {
            resources::monitors(state.account(&grant.account), method, rest, &body)
        }
        (_, ["users", rest @ ..]) if rest.first() != Some(&"all") => {
            resources::users(state.account(&grant.account), method, rest, &body)
        }
        (_, ["groups", rest @ ..]) => {
            resources::groups(state.account(&grant.account), method, rest, &body)
        }
        _ => None,
    };
    answered.unwrap_or_else(|| unanswered(method, &segments))
}

/// A `501` naming the documented operation the sandbox does not implement, or a `404` for a path the document
/// does not have.
fn unanswered(method: &str, segments: &[&str]) -> HttpMockResponse {
    let operation = sdk::bronto_api::operations::ALL.iter().find(|operation| {
        let template: Vec<&str> = operation
            .path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        operation.method == method
            && template.len() == segments.len()
            && template
                .iter()
                .zip(segments)
                .all(|(part, actual)| part.starts_with('{') || part == actual)
    });
    match operation {
        Some(operation) => reply::not_implemented(&format!(
            "the operation {} ({} {})",
            operation.id, operation.method, operation.path
        )),
        None => reply::error(404, "no such resource"),
    }
}

/// The links of a page: `next` while events remain.
fn page(state: &mut State, mut cursor: Cursor) -> HttpMockResponse {
    let events: Vec<Value> = cursor
        .pages
        .iter()
        .skip(cursor.offset)
        .take(cursor.per_page)
        .cloned()
        .collect();
    let (whole, rows): (Vec<Value>, Vec<Value>) = events
        .into_iter()
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .unzip();
    cursor.offset += whole.len();
    let mut answer = cursor.template.clone();
    answer["events"] = Value::Array(whole);
    answer["result"] = Value::Array(rows);
    answer["links"] = json!([]);
    if cursor.offset < cursor.pages.len() {
        let token = new_id();
        answer["links"] = json!([{"rel": "next", "href": format!("/search?pagination_token={token}&per_page={}", cursor.per_page)}]);
        state.cursors.insert(token, cursor);
    }
    reply::json(200, &answer)
}

/// An event search's answer before paging: `[event, row]` pairs and the page size.
type Pages = (Vec<Value>, usize);

/// The whole answer of `body` in `grant`'s account (events as `[event, row]` pairs for paging).
fn answer(
    state: &mut State,
    grant: &Grant,
    body: &Value,
) -> Result<(Value, Option<Pages>), HttpMockResponse> {
    let query = search::read(body)?;
    let per_page = search::page_size(&query);
    match search::run(&query, state.account(&grant.account))? {
        Answer::Aggregate(answer) => Ok((answer, None)),
        Answer::Events(events) => {
            let pairs = events
                .into_iter()
                .map(|(whole, row)| json!([whole, row]))
                .collect();
            Ok((
                json!({"answer": [], "is_exact": true}),
                Some((pairs, per_page)),
            ))
        }
    }
}

fn post_search(state: &mut State, grant: &Grant, body: &Value) -> HttpMockResponse {
    if let Some(token) = body["pagination_token"].as_str() {
        // As the document says: with a token, every other member but `per_page` is ignored.
        return match state
            .cursors
            .remove(token)
            .filter(|cursor| cursor.account == grant.account)
        {
            Some(mut cursor) => {
                if let Some(per_page) = body["per_page"].as_u64() {
                    cursor.per_page = per_page.clamp(1, 10_000) as usize;
                }
                page(state, cursor)
            }
            None => reply::error(400, "unknown or already used pagination_token"),
        };
    }
    let (template, events) = match answer(state, grant, body) {
        Ok(answered) => answered,
        Err(refused) => return refused,
    };
    if body["async_enabled"] == true {
        let result = match events {
            Some((pairs, _)) => {
                let mut all = template;
                all["events"] = pairs.iter().map(|pair| pair[0].clone()).collect();
                all["result"] = pairs.iter().map(|pair| pair[1].clone()).collect();
                all
            }
            None => template,
        };
        let id = new_id();
        state.async_searches.insert(
            id.clone(),
            AsyncSearch {
                account: grant.account.clone(),
                result,
                polls: 0,
            },
        );
        return reply::json(
            202,
            &json!({"links": [{"rel": "status", "href": format!("/search/status/{id}")}]}),
        );
    }
    match events {
        None => reply::json(200, &template),
        Some((pages, per_page)) => page(
            state,
            Cursor {
                account: grant.account.clone(),
                pages,
                offset: 0,
                per_page,
                template,
            },
        ),
    }
}

/// `GET /search/status/{id}`: running (`202`, `Retry-After: 0`) at the first poll, then done (`201`).
fn search_status(state: &mut State, grant: &Grant, id: &str) -> HttpMockResponse {
    let Some(search) = state
        .async_searches
        .get_mut(id)
        .filter(|search| search.account == grant.account)
    else {
        return reply::error(404, "no search with this status id");
    };
    search.polls += 1;
    if search.polls == 1 {
        let mut running = reply::json(
            202,
            &json!({"status": "IN_PROGRESS", "progress": 50,
                    "links": [{"rel": "status", "href": format!("/search/status/{id}")}]}),
        );
        push_header(&mut running, "retry-after", "0".into());
        return running;
    }
    let mut done = search.result.clone();
    done["status"] = json!("COMPLETED");
    done["progress"] = json!(100);
    reply::json(201, &done)
}

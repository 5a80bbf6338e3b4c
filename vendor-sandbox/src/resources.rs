//! The account's resources: API keys (with the roles that decide what each key may do), datasets, monitors
//! (create, list, get, update, delete, mute), users and groups with their members.

use httpmock::HttpMockResponse;
use serde_json::{Value, json};

use crate::reply;
use crate::state::{Account, Grant, State, new_id, now_millis};

fn metadata() -> Value {
    let now = now_millis();
    json!({"created_at": now, "updated_at": now})
}

fn find<'a>(items: &'a mut [Value], member: &str, id: &str) -> Option<&'a mut Value> {
    items.iter_mut().find(|item| item[member] == id)
}

fn remove(items: &mut Vec<Value>, member: &str, id: &str) -> bool {
    let before = items.len();
    items.retain(|item| item[member] != id);
    items.len() < before
}

fn missing(what: &str) -> HttpMockResponse {
    reply::error(404, &format!("no {what} with this id"))
}

/// `POST /api-keys`: the key, shown once, belongs to the caller's account and does what its roles allow.
pub(crate) fn create_api_key(state: &mut State, grant: &Grant, body: &Value) -> HttpMockResponse {
    let Some(name) = body["name"].as_str().filter(|name| !name.is_empty()) else {
        return reply::error(400, "`name` is required");
    };
    let Some(roles) = body["roles"].as_array().filter(|roles| !roles.is_empty()) else {
        return reply::error(
            400,
            "`roles` is required: a list of role ids such as SearchApi",
        );
    };
    let secret = format!("bk_sandbox_{}", new_id().replace('-', ""));
    let id = new_id();
    let mut created =
        json!({"id": id, "name": name, "roles": roles, "api_key": secret, "metadata": metadata()});
    if let Some(ttl) = body["ttl"].as_i64() {
        created["expires_at"] = json!(now_millis() / 1000 + ttl);
    }
    let mut listed = created.clone();
    listed["api_key"] = json!(secret.chars().take(8).collect::<String>());
    state.account(&grant.account).api_keys.push(listed);
    state.keys.insert(
        secret,
        Grant {
            account: grant.account.clone(),
            key_id: id,
            roles: roles
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        },
    );
    reply::json(201, &created)
}

/// `DELETE /api-keys/{id}`: the key is unlisted and refused from then on.
pub(crate) fn delete_api_key(state: &mut State, grant: &Grant, id: &str) -> HttpMockResponse {
    if !remove(&mut state.account(&grant.account).api_keys, "id", id) {
        return missing("API key");
    }
    state
        .keys
        .retain(|_, known| !(known.account == grant.account && known.key_id == id));
    reply::empty(204)
}

/// `GET /datasets`, filtered by `from` (ids) when given.
pub(crate) fn list_datasets(account: &Account, query: &[(String, String)]) -> HttpMockResponse {
    let wanted: Vec<&str> = query
        .iter()
        .filter(|(name, _)| name == "from")
        .flat_map(|(_, value)| value.split(','))
        .collect();
    let datasets: Vec<&Value> = account
        .datasets
        .iter()
        .filter(|d| wanted.is_empty() || wanted.iter().any(|id| d["id"] == *id))
        .collect();
    reply::json(200, &json!({ "datasets": datasets }))
}

/// The dataset `collection`/`dataset` of `account`, created (with a fresh id) when it does not exist yet.
pub(crate) fn ensure_dataset(account: &mut Account, collection: &str, dataset: &str) -> Value {
    if let Some(existing) = account
        .datasets
        .iter()
        .find(|known| known["collection"] == collection && known["dataset"] == dataset)
    {
        return existing.clone();
    }
    let created = json!({
        "id": new_id(), "collection": collection, "dataset": dataset, "is_system_generated": false,
        "metadata": metadata(),
    });
    account.datasets.push(created.clone());
    created
}

/// `POST /datasets`.
pub(crate) fn create_dataset(account: &mut Account, body: &Value) -> HttpMockResponse {
    let Some(collection) = body["collection"].as_str().filter(|c| !c.is_empty()) else {
        return reply::error(400, "`collection` is required");
    };
    let dataset = body["dataset"].as_str().unwrap_or("default");
    reply::json(201, &ensure_dataset(account, collection, dataset))
}

/// Monitors: `GET`/`POST /monitors`, `GET`/`PUT`/`DELETE /monitors/{id}`, `POST /monitors/{id}/status` (mute).
pub(crate) fn monitors(
    account: &mut Account,
    method: &str,
    rest: &[&str],
    body: &Value,
) -> Option<HttpMockResponse> {
    Some(match (method, rest) {
        ("GET", []) => reply::json(200, &json!({"monitors": account.monitors})),
        ("POST", []) => {
            for required in [
                "name",
                "monitor_type",
                "window",
                "threshold",
                "comparison_operator",
            ] {
                if body[required].is_null() {
                    return Some(reply::error(400, &format!("`{required}` is required")));
                }
            }
            let mut monitor = body.clone();
            if let Some(fields) = monitor.as_object_mut() {
                let muted_until = fields.remove("mute_until");
                fields.insert("id".into(), json!(new_id()));
                fields.insert("status".into(), json!("OK"));
                fields.insert("metadata".into(), metadata());
                if let Some(until) = muted_until.filter(|u| !u.is_null()) {
                    fields.insert("muted_until".into(), until);
                }
            }
            account.monitors.push(monitor.clone());
            reply::json(201, &monitor)
        }
        ("GET", [id]) => match find(&mut account.monitors, "id", id) {
            Some(monitor) => reply::json(200, monitor),
            None => missing("monitor"),
        },
        ("PUT", [id]) => match find(&mut account.monitors, "id", id) {
            Some(monitor) => {
                if let (Some(fields), Some(update)) = (monitor.as_object_mut(), body.as_object()) {
                    for (name, value) in update {
                        if name != "id" {
                            fields.insert(name.clone(), value.clone());
                        }
                    }
                    fields.insert("metadata".into(), metadata());
                }
                reply::json(200, monitor)
            }
            None => missing("monitor"),
        },
        ("DELETE", [id]) => match remove(&mut account.monitors, "id", id) {
            true => reply::empty(204),
            false => missing("monitor"),
        },
        ("POST", [id, "status"]) => {
            let Some(until) = body["mute_until"].as_i64() else {
                return Some(reply::error(
                    400,
                    "`mute_until` (epoch milliseconds) is required",
                ));
            };
            match find(&mut account.monitors, "id", id) {
                Some(monitor) => {
                    // 0 (or a time in the past) unmutes.
                    monitor["muted_until"] = if until > now_millis() {
                        json!(until)
                    } else {
                        Value::Null
                    };
                    reply::json(200, monitor)
                }
                None => missing("monitor"),
            }
        }
        _ => return None,
    })
}

/// Users: `GET`/`POST /users`, `GET`/`DELETE /users/{id}`, `GET /users/{id}/groups`.
pub(crate) fn users(
    account: &mut Account,
    method: &str,
    rest: &[&str],
    body: &Value,
) -> Option<HttpMockResponse> {
    Some(match (method, rest) {
        ("GET", []) => reply::json(200, &json!({"users": account.users})),
        ("POST", []) => {
            let Some(email) = body["email"].as_str().filter(|e| e.contains('@')) else {
                return Some(reply::error(400, "`email` is required"));
            };
            if account.users.iter().any(|user| user["email"] == email) {
                return Some(reply::error(
                    400,
                    &format!("a user with email {email} exists"),
                ));
            }
            let user = json!({
                "id": new_id(), "email": email, "first_name": body["first_name"], "last_name": body["last_name"],
                "roles": body["roles"].as_array().cloned().unwrap_or_default(), "status": "INVITED",
                "invited_at": now_millis(), "last_logins": {}, "login_methods": [],
            });
            account.users.push(user.clone());
            reply::json(201, &user)
        }
        ("GET", [id]) => match find(&mut account.users, "id", id) {
            Some(user) => reply::json(200, user),
            None => missing("user"),
        },
        ("DELETE", [id]) => {
            if !remove(&mut account.users, "id", id) {
                return Some(missing("user"));
            }
            for members in account.members.values_mut() {
                members.retain(|m| m["member_id"] != *id);
            }
            reply::empty(204)
        }
        ("GET", [id, "groups"]) => {
            if !account.users.iter().any(|user| user["id"] == *id) {
                return Some(missing("user"));
            }
            // As live (bronto-cli internal/cli/access.go, 2026-10-02): the bare group ids, not group objects.
            let groups: Vec<&Value> = account
                .groups
                .iter()
                .filter(|group| {
                    let group_id = group["group_id"].as_str().unwrap_or_default();
                    account
                        .members
                        .get(group_id)
                        .is_some_and(|members| members.iter().any(|m| m["member_id"] == *id))
                })
                .map(|group| &group["group_id"])
                .collect();
            reply::json(200, &json!({ "groups": groups }))
        }
        _ => return None,
    })
}

/// Groups: `GET`/`POST /groups`, `GET`/`DELETE /groups/{id}`, `GET`/`POST`/`DELETE /groups/{id}/members`.
pub(crate) fn groups(
    account: &mut Account,
    method: &str,
    rest: &[&str],
    body: &Value,
) -> Option<HttpMockResponse> {
    Some(match (method, rest) {
        ("GET", []) => reply::json(200, &json!({"groups": account.groups})),
        ("POST", []) => {
            let Some(name) = body["name"].as_str().filter(|n| !n.is_empty()) else {
                return Some(reply::error(400, "`name` is required"));
            };
            let now = now_millis();
            let group = json!({"group_id": new_id(), "name": name, "description": body["description"],
                               "created_at": now, "modified_at": now});
            account.groups.push(group.clone());
            reply::json(201, &group)
        }
        ("GET", [id]) => match find(&mut account.groups, "group_id", id) {
            Some(group) => reply::json(200, group),
            None => missing("group"),
        },
        ("DELETE", [id]) => {
            account.members.remove(*id);
            match remove(&mut account.groups, "group_id", id) {
                true => reply::empty(204),
                false => missing("group"),
            }
        }
        (_, [id, "members"]) => {
            if !account.groups.iter().any(|group| group["group_id"] == *id) {
                return Some(missing("group"));
            }
            let members = account.members.entry((*id).to_string()).or_default();
            let named: Vec<(String, Value)> = body["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    Some((
                        m["member_id"].as_str()?.to_string(),
                        m["member_type"].clone(),
                    ))
                })
                .collect();
            match method {
                "GET" => reply::json(200, &json!({ "members": members })),
                "POST" => {
                    if named.is_empty() {
                        return Some(reply::error(400, "`members` is required"));
                    }
                    for (member_id, member_type) in named {
                        members.retain(|m| m["member_id"] != member_id.as_str());
                        members.push(json!({"group_id": id, "member_id": member_id, "member_type": member_type,
                                            "modified_at": now_millis()}));
                    }
                    reply::empty(204)
                }
                "DELETE" => {
                    members.retain(|m| {
                        !named
                            .iter()
                            .any(|(gone, _)| m["member_id"] == gone.as_str())
                    });
                    reply::empty(204)
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

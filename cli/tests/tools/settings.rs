//! Settings from the environment and profiles, exit codes by error class against mock servers, and `--debug`
//! lines that never show a secret.

use httpmock::MockServer;

use crate::{scratch, stderr, stdout, tool};

const KEY: &str = "bk_live_secret_0123456789";

fn api_keys_body() -> serde_json::Value {
    serde_json::json!({"api_keys": [{"id": "k1", "name": "ci", "roles": ["SearchApi"]}]})
}

#[test]
fn credentials_come_from_the_environment_and_debug_shows_requests_but_no_secret() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method("GET")
            .path("/api-keys")
            .header("x-bronto-api-key", KEY);
        then.status(200)
            .header("content-type", "application/json")
            .header("x-correlation-id", "corr-123")
            .json_body(api_keys_body());
    });
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--debug", "list-api-keys"])
        .env("BRONTO_BASE_URL", server.base_url())
        .env("BRONTO_API_KEY", KEY)
        .assert()
        .success()
        .get_output()
        .clone();
    mock.assert();
    let log = stderr(&output);
    let expected = format!("GET {}/api-keys -> 200 in ", server.base_url());
    assert!(log.contains(&expected), "{log}");
    assert!(log.contains("list_api_keys"), "{log}");
    assert!(log.contains(" ms (attempt 1"), "{log}");
    assert!(
        !log.contains(KEY) && !stdout(&output).contains(KEY),
        "a secret was printed: {log}"
    );
}

#[test]
fn the_sandbox_key_is_not_printed_by_any_workflow_with_debug() {
    let dir = scratch();
    for args in [
        vec!["search"],
        vec!["export", "--file", "/dev/null"],
        vec!["list-api-keys"],
        vec!["get-export-by-id", "--export-id", "nope"],
    ] {
        let output = tool("bronto", dir.path())
            .args(["--sandbox", "--debug"])
            .args(&args)
            .output()
            .unwrap();
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(all.contains("debug: "), "{args:?}: no debug line: {all}");
        assert!(
            !all.contains(vendor_sandbox::SANDBOX_API_KEY),
            "{args:?} printed the key"
        );
        assert!(
            !all.contains("X-Amz-Signature"),
            "{args:?} printed the download signature"
        );
    }
}

fn exit_code_for(status: u16) -> i32 {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(status)
            .header("content-type", "application/json")
            .header("retry-after", "0")
            .json_body(serde_json::json!({"code": status, "type": "x", "details": "d", "correlation_id": "c-1"}));
    });
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["list-api-keys"])
        .env("BRONTO_BASE_URL", server.base_url())
        .env("BRONTO_API_KEY", KEY)
        .output()
        .unwrap();
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "not one line: {error}");
    assert!(!error.contains(KEY));
    output.status.code().unwrap()
}

#[test]
fn exit_codes_follow_the_error_class() {
    assert_eq!(exit_code_for(401), 3);
    assert_eq!(exit_code_for(403), 3);
    assert_eq!(exit_code_for(404), 4);
    assert_eq!(exit_code_for(429), 5);
    assert_eq!(exit_code_for(503), 6);
    assert_eq!(exit_code_for(400), 1);
}

#[test]
fn an_unreachable_service_exits_7() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch();
    tool("bronto", dir.path())
        .args([
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "list-api-keys",
        ])
        .env("BRONTO_API_KEY", KEY)
        .assert()
        .code(7);
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch();
    tool("bronto", dir.path())
        .args(["search", "--no-such-flag"])
        .assert()
        .code(2);
    // Nothing configured: no host, no key.
    let output = tool("bronto", dir.path())
        .args(["list-api-keys"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        stderr(&output).contains("BRONTO_REGION"),
        "{}",
        stderr(&output)
    );
    tool("bronto", dir.path())
        .args(["--profile", "missing", "list-api-keys"])
        .assert()
        .code(2);
}

#[test]
fn a_profile_is_written_for_its_owner_only_and_never_shows_its_key_unless_asked() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method("GET")
            .path("/api-keys")
            .header("x-bronto-api-key", KEY);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(api_keys_body());
    });
    let dir = scratch();
    tool("bronto", dir.path())
        .args(["--profile", "staging", "profile", "set"])
        .arg(format!("BRONTO_BASE_URL={}", server.base_url()))
        .arg(format!("BRONTO_API_KEY={KEY}"))
        .assert()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("profiles.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let shown = tool("bronto", dir.path())
        .args(["--profile", "staging", "profile", "show"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!stdout(&shown).contains(KEY), "{}", stdout(&shown));
    assert!(stdout(&shown).contains("BRONTO_API_KEY=********"));
    let revealed = tool("bronto", dir.path())
        .args(["--profile", "staging", "profile", "show", "--reveal"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(stdout(&revealed).contains(KEY));
    tool("bronto", dir.path())
        .args(["--profile", "staging", "list-api-keys"])
        .assert()
        .success();
    mock.assert();
    // A setting that is not one of the SDK's is refused.
    tool("bronto", dir.path())
        .args(["profile", "set", "PASSWORD=x"])
        .assert()
        .code(2);
}

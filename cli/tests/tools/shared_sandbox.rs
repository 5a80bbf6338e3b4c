//! `bronto sandbox serve` and `--sandbox-url`: one sandbox, several processes; `bronto export -o` for every
//! format.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::{scratch, stderr, stdout, tool};

/// A `bronto sandbox serve` in the background, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(profiles: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bronto"))
            .args(["sandbox", "serve"])
            .env(cli::profile::PROFILES_ENV, profiles.join("profiles.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bronto sandbox serve starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("its standard output");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the first line");
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
        Self { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ingest_then_search_in_separate_processes_share_one_sandbox() {
    let dir = scratch();
    let served = Served::start(dir.path());
    let events = dir.path().join("events.ndjson");
    std::fs::write(
        &events,
        "{\"message\": \"card declined\", \"level\": \"error\", \"order\": 7}\n\
         {\"message\": \"ok\", \"level\": \"info\", \"order\": 8}\n",
    )
    .unwrap();
    tool("bronto", dir.path())
        .args([
            "--sandbox-url",
            &served.url,
            "ingest",
            "--dataset",
            "orders",
        ])
        .arg(&events)
        .assert()
        .success();
    // Another process, the same data.
    let output = tool("bronto", dir.path())
        .args([
            "--sandbox-url",
            &served.url,
            "search",
            "level = 'error'",
            "--from",
            "orders",
            "-o",
            "jsonl",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let found: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{}", stdout(&output));
    assert_eq!(found[0]["attributes"]["order"], "7");

    // The URL from the environment (or a profile) does the same.
    let output = tool("bronto", dir.path())
        .env("BRONTO_SANDBOX_URL", &served.url)
        .args(["search", "--from", "orders", "-o", "jsonl"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout(&output).lines().count(), 2);

    // A process of its own (`--sandbox`) does not see them: its sandbox is its own.
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "search", "--from", "orders"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(stderr(&output).contains("orders"), "{}", stderr(&output));
}

fn export(dir: &std::path::Path, format: &str) -> String {
    let file = dir.join(format!("errors.{format}"));
    tool("bronto", dir)
        .args([
            "--sandbox",
            "--quiet",
            "export",
            "level = 'error'",
            "-o",
            format,
            "--file",
        ])
        .arg(&file)
        .assert()
        .success();
    std::fs::read_to_string(&file).unwrap()
}

#[test]
fn export_converts_to_csv() {
    let dir = scratch();
    let csv = export(dir.path(), "csv");
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    for column in [
        "latency_ms",
        "level",
        "message",
        "order",
        "path",
        "timestamp",
    ] {
        assert!(header.split(',').any(|c| c == column), "{header}");
    }
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 10, "{csv}");
    assert!(rows.iter().all(|row| row.contains(",error,")), "{csv}");
    assert!(!csv.contains('{'), "no JSON left: {csv}");
}

#[test]
fn export_converts_to_json_and_keeps_jsonl() {
    let dir = scratch();
    let json: Value = serde_json::from_str(&export(dir.path(), "json")).unwrap();
    let events = json.as_array().expect("one array");
    assert_eq!(events.len(), 10);
    assert_eq!(events[0]["level"], "error");
    let jsonl = export(dir.path(), "jsonl");
    assert_eq!(jsonl.lines().count(), 10);
    for line in jsonl.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["level"], "error");
    }
}

#[test]
fn export_converts_to_a_table() {
    let dir = scratch();
    let table = export(dir.path(), "table");
    assert_eq!(table.lines().count(), 11, "a header and ten rows: {table}");
    assert!(table.lines().next().unwrap().contains("latency_ms"));
}

#[test]
fn export_refuses_a_format_with_stored() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "export", "--stored", "-o", "csv"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(stderr(&output).contains("--stored"), "{}", stderr(&output));
}

//! `bronto search`, `tail`, `export` and `ingest` on the sandbox.

use serde_json::Value;

use crate::{scratch, stderr, stdout, tool};

/// The sequence numbers of the sandbox's 30 seeded events, in time order (above 2^53: exact or wrong).
fn seeded_sequences() -> Vec<i64> {
    (0..30).map(|i| 9_100_000_000_000_001 + i).collect()
}

/// The seeded errors' sequence numbers (every third event).
fn sandbox_sequences() -> Vec<i64> {
    seeded_sequences().into_iter().step_by(3).collect()
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn sequences_in(text: &str) -> Vec<i64> {
    // Read from the text, not through an f64: a sequence that lost precision would not match.
    jsonl(text)
        .iter()
        .map(|event| event["metadata"]["sequence"].as_i64().unwrap())
        .collect()
}

#[test]
fn search_follows_every_page_with_exact_sequence_numbers() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args([
            "--sandbox",
            "search",
            "level = 'error'",
            "--since",
            "24h",
            "-o",
            "jsonl",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = stdout(&output);
    assert_eq!(sequences_in(&text), sandbox_sequences());
    assert!(text.contains("9100000000000028"), "{text}");
}

#[test]
fn search_prints_json_table_and_csv() {
    let dir = scratch();
    let run = |format: &str| {
        let output = tool("bronto", dir.path())
            .args(["--sandbox", "search", "-o", format])
            .assert()
            .success()
            .get_output()
            .clone();
        stdout(&output)
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(30));
    let csv = run("csv");
    let header = csv.lines().next().unwrap();
    assert!(header.contains("metadata.sequence"), "{header}");
    assert_eq!(csv.lines().count(), 31, "{csv}");
    assert!(csv.contains("9100000000000030"), "{csv}");
    let table = run("table");
    assert_eq!(table.lines().count(), 31, "{table}");
    assert!(table.lines().next().unwrap().contains("metadata.sequence"));
}

#[test]
fn piped_output_defaults_to_json_lines_and_limit_stops_early() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "search", "--limit", "4"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        sequences_in(&stdout(&output)),
        seeded_sequences()[..4].to_vec()
    );
}

#[test]
fn search_without_datasets_is_a_usage_error() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--base-url", "http://127.0.0.1:9", "search", "x"])
        .env("BRONTO_API_KEY", "k")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(stderr(&output).contains("--from"), "{}", stderr(&output));
}

#[test]
fn tail_prints_each_event_once() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "tail", "--polls", "3", "--interval", "0"])
        .assert()
        .success()
        .get_output()
        .clone();
    // Three polls of the last 5 minutes (the seeded events 90, 180 and 270 s old): each printed once.
    let printed = sequences_in(&stdout(&output));
    assert_eq!(printed, seeded_sequences()[27..].to_vec());
}

#[test]
fn export_writes_the_decompressed_data_to_a_file_without_a_bar_when_piped() {
    let dir = scratch();
    let file = dir.path().join("export.ndjson");
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "export", "level = 'error'", "--file"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let data = std::fs::read_to_string(&file).unwrap();
    assert_eq!(data.lines().count(), 10, "the seeded errors: {data}");
    assert!(
        data.lines()
            .all(|line| line.contains("\"level\":\"error\"")),
        "{data}"
    );
    assert!(output.stdout.is_empty());
    let log = stderr(&output);
    assert!(
        !log.contains('\r') && !log.contains('█'),
        "a bar in piped output: {log:?}"
    );
    assert!(log.contains("10 events"), "{log}");
}

#[test]
fn export_to_standard_output() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "--quiet", "export"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout(&output).lines().count(), 30, "every seeded event");
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
}

#[test]
fn ingest_sends_ndjson_and_plain_lines_and_reports() {
    let dir = scratch();
    let file = dir.path().join("events.ndjson");
    std::fs::write(
        &file,
        "{\"message\": \"payment declined\", \"order\": 42}\nplain text line\n\n{\"message\": \"ok\"}\n",
    )
    .unwrap();
    let output = tool("bronto", dir.path())
        .args([
            "--sandbox",
            "ingest",
            "--dataset",
            "checkout",
            "--tag",
            "env=test",
            "-o",
            "json",
        ])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["accepted"], 3, "{report}");
    assert_eq!(report["sent"], 3, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
}

#[test]
fn ingest_reads_standard_input_and_exits_8_when_an_event_fails() {
    let dir = scratch();
    // An object without a `message` is refused by the ingestion client before it is sent.
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "ingest", "-"])
        .write_stdin("first\n{\"level\": \"error\"}\nthird\n")
        .assert()
        .code(8)
        .get_output()
        .clone();
    let report = stdout(&output);
    assert!(report.contains("\"sent\":2"), "{report}");
    assert!(report.contains("\"rejected\":1"), "{report}");
    let error = stderr(&output);
    assert!(error.contains("1 of 3 events were not ingested"), "{error}");
}

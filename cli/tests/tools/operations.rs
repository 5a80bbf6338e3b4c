//! Every operation of each document is a command of its tool, listed in `--help` beside the workflows.

use crate::{scratch, stdout, tool};

/// The command names a tool's `--help` lists.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("  "))
        // `--help` puts each command's description on the next line, further indented.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn bronto_has_a_command_for_every_operation_of_its_document_plus_the_workflows() {
    let operations = bronto_client::operations::ALL;
    assert_eq!(
        operations.len(),
        145,
        "127 from the vendor's document + 18 live corrections"
    );
    assert_eq!(
        cli::operations::BrontoOperations::operation_ids().len(),
        operations.len()
    );
    let dir = scratch();
    let help = tool("bronto", dir.path())
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .clone();
    let listed = listed_commands(&stdout(&help));
    for operation in operations {
        let name = cli::operations::command_name(operation.id, cli::bronto::WORKFLOWS);
        assert!(
            listed.contains(&name),
            "`{name}` ({}) missing from --help",
            operation.id
        );
    }
    for workflow in cli::bronto::WORKFLOWS {
        assert!(listed.contains(&workflow.to_string()), "{workflow} missing");
    }
    // The operations, the workflows and clap's `help`: nothing else, nothing twice.
    assert_eq!(
        listed.len(),
        operations.len() + cli::bronto::WORKFLOWS.len() + 1,
        "{listed:?}"
    );
    // The vendor's `search` operation stays reachable beside the `search` workflow.
    assert!(listed.contains(&"api-search".to_string()));
}

#[test]
fn blubracket_has_a_command_for_every_operation_of_its_document_plus_the_workflows() {
    let operations = blubracket_client::operations::ALL;
    assert_eq!(
        cli::operations::BluBracketOperations::operation_ids().len(),
        operations.len()
    );
    let dir = scratch();
    let help = tool("blubracket", dir.path())
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .clone();
    let listed = listed_commands(&stdout(&help));
    for operation in operations {
        let name = cli::operations::command_name(operation.id, cli::blubracket::WORKFLOWS);
        assert!(listed.contains(&name), "`{name}` missing from --help");
    }
    assert_eq!(
        listed.len(),
        operations.len() + cli::blubracket::WORKFLOWS.len() + 1,
        "{listed:?}"
    );
}

#[test]
fn the_help_documents_the_exit_codes() {
    let dir = scratch();
    let help = tool("bronto", dir.path())
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .clone();
    let help = stdout(&help);
    for line in [
        "3  auth",
        "4  not found",
        "5  rate limited",
        "6  server error",
        "7  network",
    ] {
        assert!(help.contains(line), "{line} missing from --help");
    }
}

#[test]
fn an_operation_answers_with_its_json_body() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "list-api-keys"])
        .assert()
        .success()
        .get_output()
        .clone();
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        answer["api_keys"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    // The same answer as a table: one row per key.
    let table = tool("bronto", dir.path())
        .args(["--sandbox", "list-api-keys", "-o", "table"])
        .assert()
        .success()
        .get_output()
        .clone();
    let table = stdout(&table);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.contains("checkout ingestion"), "{table}");
}

#[test]
fn an_operation_takes_its_body_from_a_file_or_standard_input() {
    let dir = scratch();
    let body = r#"{"name": "tour key", "roles": ["SearchApi"]}"#;
    let output = tool("bronto", dir.path())
        .args(["--sandbox", "create-api-key", "--json-body", "-"])
        .write_stdin(body)
        .assert()
        .success()
        .get_output()
        .clone();
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["name"], "tour key", "{answer}");
}

#[test]
fn a_missing_resource_exits_4_with_one_line() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args([
            "--sandbox",
            "get-export-by-id",
            "--export-id",
            "no-such-export",
        ])
        .assert()
        .code(4)
        .get_output()
        .clone();
    let error = crate::stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.starts_with("error: "), "{error}");
    assert!(error.contains("404"), "{error}");
}

#[test]
fn completions_cover_the_generated_commands() {
    let dir = scratch();
    let output = tool("bronto", dir.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .clone();
    let script = stdout(&output);
    assert!(
        script.contains("list-api-keys"),
        "no generated command in the script"
    );
    assert!(script.contains("export"), "no workflow in the script");
}

//! Figure 4: the ingestion crate's own bench (`cargo bench -p bronto-ingest --bench ingest`), run from here and
//! its markdown table read back.

use std::process::{Command, Stdio};

use crate::codegen::workspace_root;
use crate::{BoxError, progress};

/// One row of the ingestion bench's table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IngestRow {
    /// `gzip (6)`, `zstd (3)` or `none`.
    pub(crate) compression: String,
    /// Events per second through the ingestor.
    pub(crate) events_per_second: String,
    /// MB/s of NDJSON through the ingestor.
    pub(crate) ndjson_mbs: String,
    /// MB/s of compressing the same NDJSON alone (`-` without compression).
    pub(crate) alone_mbs: String,
    /// Ingestor / compression alone (`-` without compression).
    pub(crate) ratio: String,
}

/// What the bench printed.
#[derive(Debug, Clone)]
pub(crate) struct IngestFigures {
    /// Its first line (event count, sizes, settings).
    pub(crate) setup: String,
    /// One row per compression.
    pub(crate) rows: Vec<IngestRow>,
    /// The bench's closing line: building and serializing the same events alone, without the ingestor.
    pub(crate) build_alone: Option<String>,
}

/// Reads the bench's output: the first line, and the table rows (`| gzip (6) | 123 | ...`).
pub(crate) fn parse(output: &str) -> Result<IngestFigures, BoxError> {
    let setup = output.lines().next().unwrap_or_default().to_string();
    let mut rows = Vec::new();
    for line in output.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let known = ["gzip", "zstd", "none"]
            .iter()
            .any(|c| cells.first().is_some_and(|first| first.starts_with(c)));
        if line.trim_start().starts_with('|') && known && cells.len() >= 7 {
            rows.push(IngestRow {
                compression: cells[0].to_string(),
                events_per_second: cells[1].to_string(),
                ndjson_mbs: cells[2].to_string(),
                alone_mbs: cells[5].to_string(),
                ratio: cells[6].to_string(),
            });
        }
    }
    if rows.is_empty() {
        return Err(format!("no table rows in the ingestion bench's output:\n{output}").into());
    }
    let build_alone = output
        .lines()
        .find(|line| line.starts_with("Building and serializing"))
        .map(|line| line.trim().to_string());
    Ok(IngestFigures {
        setup,
        rows,
        build_alone,
    })
}

/// Runs the bench (`BENCH_SMOKE=1` when `smoke`) and reads its table.
pub(crate) fn run(smoke: bool) -> Result<IngestFigures, BoxError> {
    progress(format_args!(
        "ingestion: cargo bench -p bronto-ingest --bench ingest{}",
        if smoke { " (BENCH_SMOKE=1)" } else { "" }
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["bench", "-p", "bronto-ingest", "--bench", "ingest"])
        .current_dir(workspace_root())
        .stderr(Stdio::inherit());
    if smoke {
        command.env("BENCH_SMOKE", "1");
    } else {
        command.env_remove("BENCH_SMOKE");
    }
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("the ingestion bench failed ({}):\n{stdout}", output.status).into());
    }
    parse(&stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bench_table() {
        let output = "200000 events of about 330 bytes as NDJSON\n\n\
            | compression | events/s | NDJSON MB/s | wire MB | requests | compress alone MB/s (1 thread) | ingest / compress alone |\n\
            |---|---:|---:|---:|---:|---:|---:|\n\
            | gzip (6) | 250000 | 80.1 | 9.00 (7.3x smaller) | 17 | 95.0 | 0.84 |\n\
            | none | 900000 | 300.0 | 66.00 (1.0x smaller) | 17 | - | - |\n\n\
            Building and serializing the same events alone (no ingestor, 1 thread): 500000 events/s, 160.0 MB/s.\n";
        let figures = parse(output).expect("parses");
        assert_eq!(figures.rows.len(), 2);
        assert_eq!(figures.rows[0].compression, "gzip (6)");
        assert_eq!(figures.rows[0].events_per_second, "250000");
        assert_eq!(figures.rows[0].alone_mbs, "95.0");
        assert_eq!(figures.rows[0].ratio, "0.84");
        assert!(figures.setup.starts_with("200000 events"));
        assert!(
            figures
                .build_alone
                .is_some_and(|line| line.ends_with("160.0 MB/s."))
        );
        assert!(parse("no table").is_err());
    }
}

//! The SDK's cost, measured against writing the calls by hand, side by side in one process.
//!
//! ```text
//! bash benchmarks/run.sh                      # everything, release profile: prints BENCHMARKS.md's table
//! cargo run -p benchmarks -- --smoke          # a few iterations on tiny sizes (CI, debug profile)
//! cargo run --release -p benchmarks -- [--only typed,decode,export,layer,codegen] [--ingest] [--incremental-build]
//! ```
//!
//! Figures, each against a baseline run in the same process (or, for the export, in sibling processes), so that
//! the ratios mean something on a noisy machine:
//!
//! 1. **Typed call**: a 100-event search through the facade (`sdk::Sdk` from `sdk::Config`, hooks, retry policy,
//!    timeouts, in-flight bound and tracing span on) vs the same request with raw reqwest + serde into the same
//!    generated type; ABAB rounds, median of the per-round ratios.
//! 2. **Decoding**: a 10,000-event search response decoded by the client (facade, end to end) vs
//!    `serde_json::from_slice` into the same type; sequence numbers above 2^53 are checked on every decode and the
//!    run fails if one is off.
//! 3. **Export download**: 1 GiB of data, stored Zstandard-compressed as the live service stores exports, streamed
//!    and decompressed to a counting sink through `Bronto::export_to` vs raw reqwest + the same decoder
//!    (async-compression), each in a child process (`--child export-facade|export-raw`) that reports its peak RSS
//!    (`VmHWM`).
//! 4. **Ingestion** (`--ingest`): the ingestion crate's bench, run with cargo and its table read back.
//! 5. **Code generation**: the `build-support` pipeline on the Bronto document, in process, median of 5 runs; and
//!    (`--incremental-build`, last, once) `touch openapi/bronto/patches.yaml && cargo build -p bronto-client`.
//!
//! Every request goes to [`server`], a minimal hyper 1 server on loopback running on its own thread and
//! single-threaded runtime, answering from bytes prepared in advance; the clients run on a single-threaded runtime
//! on the main thread, so on a 2-core machine each has a core. Besides wall-clock throughput (the figures), the
//! table shows the client thread's CPU time per operation on each side ([`stats::thread_cpu`]): the same
//! comparison, unmoved by other processes taking the core.
//!
//! # Why a bench binary, and not criterion or divan
//! The figures are *ratios of two sides interleaved round by round* (ABAB), a median of the per-round ratios,
//! plus measurements those harnesses do not make: a child process re-executed to read its own peak RSS, a cargo
//! build timed after touching a spec file, another crate's bench run and parsed. Criterion and divan measure one
//! function at a time and compare against a *saved* baseline from an earlier run, which on a shared, noisy machine
//! measures the neighbours as much as the code; they also bring a dependency the workspace does not list. A plain
//! binary does exactly this, runs with `cargo run` in release for the figures and in debug for the CI smoke run,
//! and prints the markdown table BENCHMARKS.md carries.

mod calls;
mod codegen;
mod export;
mod fixtures;
mod ingest;
mod layer;
mod server;
mod stats;

use std::fmt;
use std::time::Duration;

use stats::Comparison;

/// The error every step returns.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Reports progress on stderr (stdout carries the table).
pub(crate) fn progress(message: fmt::Arguments<'_>) {
    eprintln!("[bench] {message}");
}

/// What the command line asks for.
#[derive(Debug, Clone, Default)]
struct Options {
    smoke: bool,
    only: Option<Vec<String>>,
    ingest: bool,
    incremental_build: bool,
    child: Option<String>,
    url: Option<String>,
    bytes: Option<u64>,
    export_mib: Option<u64>,
    /// `--calls facade|raw N`: only N typed calls of one side, for a profiler (`benchmarks/instructions.sh`).
    calls: Option<(String, usize)>,
}

const USAGE: &str = "usage: benchmarks [--smoke] [--only typed,decode,export,layer,codegen] [--export-mib N] [--ingest] [--incremental-build]\n\
                     \x20      benchmarks --child export-facade|export-raw --url URL --bytes N\n\
                     \x20      benchmarks --calls facade|raw N   (N typed calls of one side, for a profiler)";

impl Options {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, BoxError> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .ok_or_else(|| BoxError::from(format!("{flag} needs a value\n{USAGE}")))
            };
            match arg.as_str() {
                "--smoke" => options.smoke = true,
                "--ingest" => options.ingest = true,
                "--incremental-build" => options.incremental_build = true,
                "--only" => {
                    options.only = Some(
                        value("--only")?
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .collect(),
                    );
                }
                "--child" => options.child = Some(value("--child")?),
                "--url" => options.url = Some(value("--url")?),
                "--bytes" => options.bytes = Some(value("--bytes")?.parse()?),
                "--export-mib" => options.export_mib = Some(value("--export-mib")?.parse()?),
                "--calls" => {
                    let side = value("--calls")?;
                    let count = value("--calls")?.parse()?;
                    options.calls = Some((side, count));
                }
                "--help" | "-h" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
            }
        }
        Ok(options)
    }

    fn runs(&self, figure: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == figure))
    }
}

/// Sizes and iteration counts of a run.
#[derive(Debug, Clone, Copy)]
struct Plan {
    typed_rounds: usize,
    typed_requests: [(usize, usize); 2],
    decode_rounds: usize,
    decode_per_round: usize,
    decode_events: usize,
    export_bytes: u64,
    export_rounds: usize,
    codegen_runs: usize,
}

impl Plan {
    const FULL: Plan = Plan {
        // Many short rounds rather than a few long ones: a neighbour's burst then spoils a few rounds whole, and
        // the median of the per-round ratios steps over them (31 rounds of 500 moved it by ±0.05 from run to run).
        typed_rounds: 151,
        // (concurrency, requests per side per round)
        typed_requests: [(1, 100), (4, 200)],
        decode_rounds: 21,
        decode_per_round: 5,
        decode_events: 10_000,
        export_bytes: 1 << 30,
        export_rounds: 21,
        codegen_runs: 5,
    };
    const SMOKE: Plan = Plan {
        typed_rounds: 2,
        typed_requests: [(1, 20), (4, 40)],
        decode_rounds: 1,
        decode_per_round: 2,
        decode_events: 1_000,
        export_bytes: 4 << 20,
        export_rounds: 1,
        codegen_runs: 1,
    };
}

/// One line of the table.
struct Row {
    figure: String,
    goal: String,
    measured: String,
    ratio: String,
    verdict: String,
}

/// The goal's verdict, or none in a smoke run.
fn verdict(smoke: bool, met: bool) -> String {
    match (smoke, met) {
        (true, _) => "smoke run: not judged".into(),
        (false, true) => "met".into(),
        (false, false) => "**missed**".into(),
    }
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio_cell(comparison: &Comparison) -> String {
    let (min, max) = comparison.ratio_range();
    format!("{:.2} (rounds {min:.2}–{max:.2})", comparison.ratio())
}

/// The client thread's CPU time per operation on both sides, and their ratio: the same comparison, immune to
/// other processes taking the core (see [`stats::thread_cpu`]).
fn cpu_note(c: &Comparison, a: &str, b: &str) -> String {
    match (c.cpu_per_op(), c.cpu_ratio()) {
        (Some((cpu_a, cpu_b)), Some(ratio)) => {
            let unit = |d: Duration| {
                if d >= Duration::from_millis(1) {
                    format!("{:.1} ms", d.as_secs_f64() * 1e3)
                } else {
                    format!("{:.0} µs", d.as_secs_f64() * 1e6)
                }
            };
            format!(
                "; client-thread CPU per op: {a} {}, {b} {} (ratio {ratio:.2})",
                unit(cpu_a),
                unit(cpu_b)
            )
        }
        _ => String::new(),
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores (nproc), {model}")
}

fn run(options: &Options) -> Result<Vec<Row>, BoxError> {
    let smoke = options.smoke;
    let mut plan = if smoke { Plan::SMOKE } else { Plan::FULL };
    if let Some(mib) = options.export_mib {
        plan.export_bytes = mib << 20;
    }
    let mut rows = Vec::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    if options.runs("typed") {
        for (concurrency, requests) in plan.typed_requests {
            let c =
                runtime.block_on(calls::typed_call(plan.typed_rounds, requests, concurrency))?;
            rows.push(Row {
                figure: format!("Typed call: {}, facade vs raw reqwest + serde", c.label),
                goal: "ratio ≥ 0.95".into(),
                measured: format!(
                    "facade {} req/s, raw {} req/s ({} ABAB rounds of {requests}){}",
                    thousands(c.a()),
                    thousands(c.b()),
                    c.rounds(),
                    cpu_note(&c, "facade", "raw")
                ),
                ratio: ratio_cell(&c),
                verdict: verdict(smoke, c.ratio() >= 0.95),
            });
        }
    }

    if options.runs("decode") {
        let d = runtime.block_on(calls::decoding(
            plan.decode_rounds,
            plan.decode_per_round,
            plan.decode_events,
        ))?;
        let c = &d.vs_from_slice;
        rows.push(Row {
            figure: format!(
                "Decoding: {}, client (facade, end to end) vs `serde_json::from_slice`",
                c.label
            ),
            goal: "ratio ≥ 0.9".into(),
            measured: format!(
                "facade {:.1} ms, from_slice {:.1} ms per response ({} rounds){}",
                1e3 / c.a(),
                1e3 / c.b(),
                c.rounds(),
                cpu_note(c, "facade", "from_slice")
            ),
            ratio: ratio_cell(c),
            verdict: verdict(smoke, c.ratio() >= 0.9),
        });
        let c = &d.vs_raw;
        rows.push(Row {
            figure: format!(
                "Decoding: {}, facade vs raw reqwest + `from_slice`, both end to end",
                c.label
            ),
            goal: "— (the SDK's share of figure 2)".into(),
            measured: format!(
                "facade {:.1} ms, raw {:.1} ms per response{}",
                1e3 / c.a(),
                1e3 / c.b(),
                cpu_note(c, "facade", "raw")
            ),
            ratio: ratio_cell(c),
            verdict: "reported".into(),
        });
        let c = &d.transport;
        rows.push(Row {
            figure: format!(
                "Decoding: {}, raw reqwest end to end vs `from_slice` (loopback transfer alone)",
                c.label
            ),
            goal: "— (the transport's share of figure 2)".into(),
            measured: format!(
                "raw {:.1} ms, from_slice {:.1} ms per response{}",
                1e3 / c.a(),
                1e3 / c.b(),
                cpu_note(c, "raw", "from_slice")
            ),
            ratio: ratio_cell(c),
            verdict: "reported".into(),
        });
        let decodes = 3 * (plan.decode_rounds * plan.decode_per_round + 1);
        rows.push(Row {
            figure: "Decoding: sequence numbers from 2^53 + 1 up, as `i64` and inside `attributes`"
                .into(),
            goal: "exact".into(),
            measured: format!(
                "{decodes} decodes × {} events checked, all three sides",
                thousands(plan.decode_events as f64)
            ),
            ratio: "—".into(),
            // The run stops with an error before this point if one is off.
            verdict: if smoke {
                verdict(true, true)
            } else {
                "met".into()
            },
        });
    }

    if options.runs("export") {
        let e = export::run(plan.export_bytes, plan.export_rounds)?;
        let c = &e.throughput;
        rows.push(Row {
            figure: format!(
                "Export download: {} of data, stored zstd, decompressed to a counting sink, `export_to` vs raw reqwest + the same decoder",
                c.label
            ),
            goal: "ratio ≥ 0.9".into(),
            measured: format!(
                "facade {} MiB/s, raw {} MiB/s ({} ABAB rounds, one process each){}",
                thousands(c.a() / export::MIB),
                thousands(c.b() / export::MIB),
                c.rounds(),
                match (c.cpu_throughput(), c.cpu_ratio()) {
                    (Some((a, b)), Some(ratio)) => format!(
                        "; client-thread CPU: facade {} MiB, raw {} MiB per CPU-second (ratio {ratio:.2})",
                        thousands(a / export::MIB),
                        thousands(b / export::MIB),
                    ),
                    _ => String::new(),
                }
            ),
            ratio: ratio_cell(c),
            verdict: verdict(smoke, c.ratio() >= 0.9),
        });
        let mib = |kib: u64| kib as f64 / 1024.0;
        rows.push(Row {
            figure: "Export download: peak RSS (`VmHWM`) of the facade's process".into(),
            goal: "< 32 MiB".into(),
            measured: format!(
                "{:.1} MiB (before the export: {:.1} MiB; raw reqwest process: {:.1} MiB)",
                mib(e.facade_peak_kib),
                mib(e.facade_start_kib),
                mib(e.raw_peak_kib)
            ),
            ratio: "—".into(),
            verdict: verdict(smoke, mib(e.facade_peak_kib) < 32.0),
        });
    }

    if options.ingest {
        let figures = ingest::run(smoke)?;
        progress(format_args!("ingestion bench: {}", figures.setup));
        for row in figures.rows {
            let alone = if row.alone_mbs == "-" {
                String::new()
            } else {
                format!("; compressing alone {} MB/s (1 thread)", row.alone_mbs)
            };
            rows.push(Row {
                figure: format!("Ingestion: {} (bronto-ingest bench)", row.compression),
                goal: "— (reported)".into(),
                measured: format!(
                    "{} events/s, {} MB/s NDJSON{alone}",
                    row.events_per_second
                        .parse::<f64>()
                        .map_or(row.events_per_second.clone(), thousands),
                    row.ndjson_mbs
                ),
                ratio: if row.ratio == "-" {
                    "—".into()
                } else {
                    format!("{} of compressing alone", row.ratio)
                },
                verdict: "reported".into(),
            });
        }
        if let Some(line) = figures.build_alone {
            rows.push(Row {
                figure: "Ingestion: building and serializing the same events, no ingestor (bronto-ingest bench)"
                    .into(),
                goal: "— (the caller's own share)".into(),
                measured: line
                    .split_once(": ")
                    .map_or(line.clone(), |(_, figures)| figures.trim_end_matches('.').to_string()),
                ratio: "—".into(),
                verdict: "reported".into(),
            });
        }
    }

    if options.runs("layer") {
        for row in layer::run(options.smoke)? {
            rows.push(Row {
                figure: row.figure,
                goal: row.goal,
                measured: row.measured,
                ratio: row.ratio,
                verdict: match row.met {
                    Some(met) => verdict(options.smoke, met),
                    None => "reported".into(),
                },
            });
        }
    }
    if options.runs("codegen") {
        // In the debug profile (the smoke run) generation takes far longer than it does in a build script, which
        // builds build-support with opt-level 3: the smoke run only prepares the document.
        let g = codegen::pipeline(plan.codegen_runs, !smoke)?;
        let (measured, met) = match g.total {
            Some(total) => (
                format!(
                    "{} median of {} (of which load/verify/patch/validate {}), {:.1} MB of Rust",
                    seconds(total),
                    g.runs,
                    seconds(g.prepare),
                    g.source_bytes as f64 / 1e6
                ),
                total < Duration::from_secs(2),
            ),
            None => (
                format!(
                    "load/verify/patch/validate {} (smoke: no generation)",
                    seconds(g.prepare)
                ),
                true,
            ),
        };
        rows.push(Row {
            figure: "Code generation: `build-support` pipeline on the Bronto document, in process"
                .into(),
            goal: "< 2 s".into(),
            measured,
            ratio: "—".into(),
            verdict: verdict(smoke, met),
        });
    }

    if options.incremental_build {
        let elapsed = codegen::incremental_build()?;
        rows.push(Row {
            figure: "Code generation: `touch openapi/bronto/patches.yaml && cargo build -p bronto-client` (dev profile)".into(),
            goal: "— (reported)".into(),
            measured: format!("{} (measured once, last)", seconds(elapsed)),
            ratio: "—".into(),
            verdict: "reported".into(),
        });
    }
    Ok(rows)
}

fn print_table(rows: &[Row], smoke: bool) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "Machine: {}. Profile: {profile}{}.",
        machine(),
        if smoke { ", smoke run" } else { "" }
    );
    println!();
    println!("| figure | goal | measured | ratio | verdict |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.figure, row.goal, row.measured, row.ratio, row.verdict
        );
    }
}

fn main() {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    if options.child.as_deref() == Some("layer-outage") {
        if let Err(error) = layer::outage_child(options.smoke) {
            eprintln!("child layer-outage: {error}");
            std::process::exit(1);
        }
        return;
    }
    if let Some(side) = &options.child {
        let (Some(url), Some(bytes)) = (&options.url, options.bytes) else {
            eprintln!("--child needs --url and --bytes\n{USAGE}");
            std::process::exit(2);
        };
        if let Err(error) = export::child(side, url, bytes) {
            eprintln!("child {side}: {error}");
            std::process::exit(1);
        }
        return;
    }
    if let Some((side, count)) = &options.calls {
        let run = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BoxError::from)
            .and_then(|runtime| runtime.block_on(calls::one_side(side, *count)));
        if let Err(error) = run {
            eprintln!("--calls {side}: {error}");
            std::process::exit(1);
        }
        return;
    }
    match run(&options) {
        Ok(rows) => print_table(&rows, options.smoke),
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        let args = ["--smoke", "--only", "typed,export", "--ingest"].map(String::from);
        let options = Options::parse(args).expect("valid");
        assert!(options.smoke && options.ingest && !options.incremental_build);
        assert!(options.runs("typed") && options.runs("export") && !options.runs("codegen"));
        assert!(Options::parse(["--bogus".to_string()]).is_err());
        assert!(Options::parse(["--bytes".to_string()]).is_err());
        let calls = Options::parse(["--calls", "raw", "40"].map(String::from)).expect("valid");
        assert_eq!(calls.calls, Some(("raw".to_string(), 40)));
        assert!(Options::parse(["--calls", "raw"].map(String::from)).is_err());
        assert!(Options::parse(["--calls", "raw", "many"].map(String::from)).is_err());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
    }
}

//! How many cases a property runs, and the count it ran, printed so that CI's log records it.
//!
//! Each property has a small CI default. `HOSTILE_SCALE=N` multiplies every default by `N` for a long local run
//! (`HOSTILE_SCALE=100 cargo test --release --workspace --test ingest_faults`); see `tests/README.md`. The
//! property tests of `tests/` include this file too.
#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The multiplier from `HOSTILE_SCALE` (1 when unset or not a positive number).
pub fn scale() -> u32 {
    std::env::var("HOSTILE_SCALE")
        .ok()
        .and_then(|value| value.trim().parse::<u32>().ok())
        .filter(|&scale| scale > 0)
        .unwrap_or(1)
}

/// Runs `test` on `ci_cases × scale()` values of `strategy` (shrinking a failure to a minimal case), prints
/// `property NAME: N cases passed`, and panics with the minimal failing value if one fails.
pub fn check<S>(
    name: &str,
    ci_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let cases = ci_cases.saturating_mul(scale());
    let config = Config {
        cases,
        // Failures are turned into named regression tests by hand; no files are written beside the sources.
        failure_persistence: None,
        ..Config::default()
    };
    let calls = AtomicU64::new(0);
    let result = TestRunner::new(config).run(&strategy, |value| {
        calls.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    match result {
        Ok(()) => eprintln!(
            "property {name}: {cases} cases passed ({} calls)",
            calls.load(Ordering::Relaxed)
        ),
        Err(error) => panic!("property {name} failed: {error}"),
    }
}

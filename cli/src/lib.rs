//! The `bronto` and `blubracket` command-line tools, for people who look at the vendors' APIs by hand.
//!
//! Both tools are built on the [`sdk`] facade, so every request goes through the same runtime policy as the
//! services that import the SDK (credentials, retries, timeouts, redirect rules), and both have two kinds of
//! commands:
//!
//! - **every operation of the vendor's document** as a subcommand (`bronto list-api-keys`, `blubracket
//!   count-alerts --json-body query.json`), generated at build time by progenitor's CLI generator from the same
//!   patched document and settings as the client (see [`operations`]); the response is printed as JSON;
//! - **workflow commands** written by hand on the facade's workflows: `bronto search`, `tail`, `export`, `ingest`
//!   ([`bronto`]) and `blubracket alerts`, `events`, `audit`, `scan` ([`blubracket`]).
//!
//! ```text
//! bronto --sandbox search "level = 'error'" -o table
//! bronto --sandbox export --file errors.ndjson
//! bronto --profile prod list-api-keys
//! blubracket --sandbox alerts --filter state=EQ:ACTIVE -o csv
//! ```
//!
//! Settings come from flags, then the SDK's environment variables ([`sdk::env`]), then a profile in the user's
//! configuration directory ([`profile`]); `--sandbox` runs every command against a sandbox of its own,
//! `--sandbox-url` against the one `bronto sandbox serve` runs ([`session`]). Output formats are in [`output`], progress bars in [`progress`], exit codes by error class in
//! [`exit`], and `--debug` request lines in [`debug`].

#![deny(missing_docs)]

pub mod blubracket;
pub mod bronto;
pub mod completions;
pub mod debug;
pub mod exit;
pub mod operations;
pub mod output;
pub mod profile;
pub mod progress;
pub mod session;
pub mod time_range;

//! Progress bars and spinners ([`indicatif`]) on standard error, drawn only when standard error is a terminal and
//! `--quiet` was not given, so piped or redirected output never carries a bar.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Makes the bars of one command; every bar it makes is hidden when bars are off.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Bars on when standard error is a terminal and `quiet` is false.
    pub fn new(quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Bars off.
    pub fn off() -> Self {
        Self { enabled: false }
    }

    /// `true` when bars are drawn.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn bar(&self, length: Option<u64>, template: &str, message: String) -> ProgressBar {
        let bar = self.styled(length, template);
        bar.set_message(message);
        self.show(&bar);
        bar
    }

    fn styled(&self, length: Option<u64>, template: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("█▉▊▋▌▍▎▏ ");
        bar.set_style(style);
        bar
    }

    /// Starts drawing `bar` (made hidden by [`Progress::bytes_hidden`]) when bars are on.
    pub fn show(&self, bar: &ProgressBar) {
        if self.enabled {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Finishes `bar` where it stands and moves to the next line, so what follows does not write over it.
    pub fn done(&self, bar: &ProgressBar) {
        bar.finish();
        if self.enabled {
            eprintln!();
        }
    }

    /// A bar from 0 to 100 percent.
    pub fn percent(&self, message: impl Into<String>) -> ProgressBar {
        self.bar(Some(100), "{msg:24} [{bar:40}] {pos:>3}%", message.into())
    }

    /// A bar of bytes: against `total` when known, otherwise a counter with the rate.
    pub fn bytes(&self, total: Option<u64>, message: impl Into<String>) -> ProgressBar {
        match total {
            Some(total) => self.bar(
                Some(total),
                "{msg:24} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec})",
                message.into(),
            ),
            None => self.bar(
                None,
                "{spinner} {msg:22} {bytes} ({bytes_per_sec})",
                message.into(),
            ),
        }
    }

    /// A byte counter with the rate, not drawn until [`Progress::show`] (for a phase that starts later).
    pub fn bytes_hidden(&self, message: impl Into<String>) -> ProgressBar {
        let bar = self.styled(None, "{spinner} {msg:22} {bytes} ({bytes_per_sec})");
        bar.set_message(message.into());
        bar
    }

    /// A spinner with a message and the time elapsed.
    pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        self.bar(None, "{spinner} {msg} ({elapsed})", message.into())
    }
}

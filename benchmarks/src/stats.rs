//! Medians and side-by-side comparisons of interleaved rounds.

use std::time::Duration;

/// CPU time the calling thread has run so far (`/proc/thread-self/schedstat`, nanoseconds; Linux), if readable.
///
/// Unlike wall time, it does not grow when other processes take the core, so it shows what a side costs the
/// client thread even on a loaded machine (the clients run on a single-threaded runtime: all their work, the
/// connection tasks included, runs on this thread). The kernel updates it at scheduler ticks and switches, so it
/// is only compared over stretches of many operations (hundreds of milliseconds).
pub(crate) fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Wall and thread CPU time of one stretch of work.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch {
    wall: std::time::Instant,
    cpu: Option<Duration>,
}

/// What a [`Stopwatch`] measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Elapsed {
    /// Wall-clock time.
    pub(crate) wall: Duration,
    /// CPU time of the calling thread, when readable.
    pub(crate) cpu: Option<Duration>,
}

impl Elapsed {
    /// Nothing yet.
    pub(crate) const ZERO: Elapsed = Elapsed {
        wall: Duration::ZERO,
        cpu: Some(Duration::ZERO),
    };
}

impl Stopwatch {
    /// Starts now.
    pub(crate) fn start() -> Self {
        Self {
            cpu: thread_cpu(),
            wall: std::time::Instant::now(),
        }
    }

    /// Time since [`Stopwatch::start`].
    pub(crate) fn stop(&self) -> Elapsed {
        let wall = self.wall.elapsed();
        let cpu = match (self.cpu, thread_cpu()) {
            (Some(start), Some(end)) => Some(end.saturating_sub(start)),
            _ => None,
        };
        Elapsed { wall, cpu }
    }
}

/// One side's throughput in one round: per wall-clock second, and per second of the client thread's CPU.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    per_second: f64,
    per_cpu_second: Option<f64>,
}

impl Sample {
    /// `operations` done in `elapsed` of wall-clock time.
    pub(crate) fn per_second(operations: f64, elapsed: Duration) -> Self {
        Self {
            per_second: operations / elapsed.as_secs_f64().max(1e-9),
            per_cpu_second: None,
        }
    }

    /// `operations` done in `elapsed`, wall and CPU.
    pub(crate) fn measured(operations: f64, elapsed: Elapsed) -> Self {
        Self {
            per_cpu_second: elapsed
                .cpu
                .map(|cpu| operations / cpu.as_secs_f64().max(1e-9)),
            ..Self::per_second(operations, elapsed.wall)
        }
    }
}

/// Side A (the SDK) against side B (the baseline), round by round. Each round runs both sides back to back, so a
/// slow phase of a noisy machine hits both; the figure is the median of the per-round ratios A/B, which one
/// disturbed round cannot move.
#[derive(Debug, Clone)]
pub(crate) struct Comparison {
    /// What was measured.
    pub(crate) label: String,
    a: Vec<f64>,
    b: Vec<f64>,
    /// Per CPU-second, for the rounds where both sides' CPU time was known.
    a_cpu: Vec<f64>,
    b_cpu: Vec<f64>,
}

impl Comparison {
    /// An empty comparison.
    pub(crate) fn new(label: String) -> Self {
        Self {
            label,
            a: Vec::new(),
            b: Vec::new(),
            a_cpu: Vec::new(),
            b_cpu: Vec::new(),
        }
    }

    /// Records one round.
    pub(crate) fn push(&mut self, a: Sample, b: Sample) {
        self.a.push(a.per_second);
        self.b.push(b.per_second);
        if let (Some(a), Some(b)) = (a.per_cpu_second, b.per_cpu_second) {
            self.a_cpu.push(a);
            self.b_cpu.push(b);
        }
    }

    /// Rounds recorded.
    pub(crate) fn rounds(&self) -> usize {
        self.a.len()
    }

    /// Median throughput of side A (operations per second).
    pub(crate) fn a(&self) -> f64 {
        median(&self.a)
    }

    /// Median throughput of side B (operations per second).
    pub(crate) fn b(&self) -> f64 {
        median(&self.b)
    }

    fn ratios(&self) -> Vec<f64> {
        self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect()
    }

    /// Median of the per-round ratios A/B.
    pub(crate) fn ratio(&self) -> f64 {
        median(&self.ratios())
    }

    /// Smallest and largest per-round ratio.
    pub(crate) fn ratio_range(&self) -> (f64, f64) {
        let ratios = self.ratios();
        let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    }

    /// Median operations per CPU-second of the client thread, side A and side B, when every round had it.
    pub(crate) fn cpu_throughput(&self) -> Option<(f64, f64)> {
        if self.a_cpu.is_empty() || self.a_cpu.len() != self.a.len() {
            return None;
        }
        Some((median(&self.a_cpu), median(&self.b_cpu)))
    }

    /// Median CPU time of the client thread per operation, side A and side B, when every round had it.
    pub(crate) fn cpu_per_op(&self) -> Option<(Duration, Duration)> {
        let (a, b) = self.cpu_throughput()?;
        Some((
            Duration::from_secs_f64(1.0 / a),
            Duration::from_secs_f64(1.0 / b),
        ))
    }

    /// Median of the per-round ratios A/B of operations per CPU-second of the client thread.
    pub(crate) fn cpu_ratio(&self) -> Option<f64> {
        self.cpu_throughput()?;
        let ratios: Vec<f64> = self
            .a_cpu
            .iter()
            .zip(&self.b_cpu)
            .map(|(a, b)| a / b)
            .collect();
        Some(median(&ratios))
    }
}

/// The median (the mean of the two middle values for an even count); NaN for no values.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn ratio_is_the_median_of_round_ratios() {
        let mut c = Comparison::new("x".into());
        let s = |n: f64| Sample::per_second(n, Duration::from_secs(1));
        c.push(s(90.0), s(100.0));
        c.push(s(50.0), s(100.0));
        c.push(s(100.0), s(100.0));
        assert!((c.ratio() - 0.9).abs() < 1e-9);
        assert_eq!(c.ratio_range(), (0.5, 1.0));
        assert_eq!(c.rounds(), 3);
        assert_eq!(c.cpu_ratio(), None);
    }

    #[test]
    fn cpu_time_is_compared_when_known() {
        let mut c = Comparison::new("x".into());
        let e = |ms: u64| Elapsed {
            wall: Duration::from_millis(ms),
            cpu: Some(Duration::from_millis(ms / 2)),
        };
        c.push(
            Sample::measured(10.0, e(100)),
            Sample::measured(10.0, e(80)),
        );
        let ratio = c.cpu_ratio().expect("known");
        assert!((ratio - 0.8).abs() < 1e-9);
        let (a, b) = c.cpu_per_op().expect("known");
        assert_eq!((a.as_millis(), b.as_millis()), (5, 4));
    }

    #[test]
    fn thread_cpu_advances() {
        let watch = Stopwatch::start();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        let elapsed = watch.stop();
        assert!(elapsed.wall > Duration::ZERO);
        if let Some(cpu) = elapsed.cpu {
            assert!(cpu <= elapsed.wall + Duration::from_millis(50));
        }
    }
}

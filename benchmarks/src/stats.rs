//! Medians and side-by-side comparisons of interleaved rounds.

use std::time::Duration;

/// One side's throughput in one round.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    per_second: f64,
}

impl Sample {
    /// `operations` done in `elapsed`.
    pub(crate) fn per_second(operations: f64, elapsed: Duration) -> Self {
        Self {
            per_second: operations / elapsed.as_secs_f64().max(1e-9),
        }
    }
}

/// Side A (the SDK) against side B (the baseline), round by round. Each round runs A then B back to back, so a
/// slow phase of a noisy machine hits both; the figure is the median of the per-round ratios A/B.
#[derive(Debug, Clone)]
pub(crate) struct Comparison {
    /// What was measured.
    pub(crate) label: String,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Comparison {
    /// An empty comparison.
    pub(crate) fn new(label: String) -> Self {
        Self {
            label,
            a: Vec::new(),
            b: Vec::new(),
        }
    }

    /// Records one round.
    pub(crate) fn push(&mut self, a: Sample, b: Sample) {
        self.a.push(a.per_second);
        self.b.push(b.per_second);
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
    }
}

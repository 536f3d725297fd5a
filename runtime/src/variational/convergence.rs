//! ADVI's stopping rule: the relative changes of the ELBO between evaluations, kept in a circular buffer, and their mean and median.

use std::collections::VecDeque;

/// How far the ELBO moved relative to its new value: |(previous - current) / current|
/// (Stan's; the first evaluation compares with 0, which gives 1).
pub fn relative_change(current: f64, previous: f64) -> f64 {
    ((previous - current) / current).abs()
}

/// The last relative changes, as many as Stan keeps: max(0.1 iter / eval_elbo, 2).
#[derive(Clone, Debug)]
pub struct RelativeChanges {
    capacity: usize,
    values: VecDeque<f64>,
}

impl RelativeChanges {
    /// Stan's window for a run of `iter` iterations evaluating the ELBO every `eval_elbo`.
    pub fn for_run(iter: usize, eval_elbo: usize) -> Self {
        let size = (0.1 * iter as f64 / eval_elbo.max(1) as f64).max(2.0);
        RelativeChanges::with_capacity(size as usize)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        RelativeChanges {
            capacity,
            values: VecDeque::with_capacity(capacity),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds a change, dropping the oldest when full.
    pub fn push(&mut self, value: f64) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(value);
    }

    /// The mean of the changes kept (NaN when there are none).
    pub fn mean(&self) -> f64 {
        self.values.iter().sum::<f64>() / self.values.len() as f64
    }

    /// The median as Stan takes it: the element at position n / 2 of the
    /// sorted changes (the upper of the two middle ones when n is even).
    pub fn median(&self) -> f64 {
        let mut v: Vec<f64> = self.values.iter().copied().collect();
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_keeps_the_last_values_and_takes_stans_median() {
        let mut c = RelativeChanges::for_run(10_000, 100);
        assert_eq!(c.capacity(), 10);
        assert_eq!(RelativeChanges::for_run(1000, 100).capacity(), 2);
        assert_eq!(RelativeChanges::for_run(100, 100).capacity(), 2);
        for v in 1..=12 {
            c.push(v as f64);
        }
        // 3..=12 remain.
        assert_eq!(c.mean(), 7.5);
        assert_eq!(c.median(), 8.0);
        let mut odd = RelativeChanges::with_capacity(5);
        for v in [5.0, 1.0, 4.0] {
            odd.push(v);
        }
        assert_eq!(odd.median(), 4.0);
    }

    #[test]
    fn the_first_change_against_zero_is_one() {
        assert_eq!(relative_change(-6.1, 0.0), 1.0);
        assert!((relative_change(-100.0, -110.0) - 0.1).abs() < 1e-15);
    }
}

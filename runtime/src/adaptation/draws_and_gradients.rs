//! Warmup as nutpie's: a diagonal metric estimated from the draws and the
//! gradients of the log density at them, updated after every iteration.
//!
//! For a Gaussian with standard deviations sigma_i, var(x_i) = sigma_i^2 and
//! var(d log p / d x_i) = 1 / sigma_i^2, so sqrt(var(x_i) / var(grad_i)) is
//! sigma_i^2 exactly; elsewhere it is the diagonal metric that minimizes a
//! Fisher divergence between the posterior and a Gaussian (Seyboldt,
//! Carlson & Carpenter, "Preconditioning Hamiltonian Monte Carlo by
//! minimizing Fisher divergence"). The gradients carry as much information
//! as the draws, so the estimate is good after a few draws, and warmup does
//! not wait for Stan's 75-iteration buffer and doubling windows.
//!
//! The schedule, for `n` warmup iterations:
//! - the metric starts at 1 / |gradient| of the initial point;
//! - two estimators run side by side: the one in use (foreground) and one
//!   that started later (background); every good draw goes into both, and
//!   the metric is re-estimated from the foreground after each iteration;
//! - the background replaces the foreground once it holds 10 draws in the
//!   first 30% of warmup, then once it holds a window of 80 draws that grows
//!   1.5-fold at each switch, as long as a whole window still fits before
//!   the last 15%;
//! - the last iterations adapt only the step size, as Stan's terminal
//!   buffer does (`term_buffer`, 50 by default, or 10% of a warmup too
//!   short for Stan's windows): dual averaging starts again from the step
//!   size reached, toward the same `adapt_delta`.
//!
//! The step size is tuned by dual averaging of `accept_stat__` throughout,
//! restarted after a new step-size search when the metric first changes.
//! nutpie instead keeps averaging to the end and targets a symmetric
//! acceptance statistic in the last 15%; measured on bench/adaptation.py's
//! models, that gave larger step sizes and less ESS per gradient on a
//! near-Gaussian logistic regression (0.8 of Stan's adaptation), while
//! Stan's terminal buffer matched Stan there and still gave 4-5 times
//! Stan's ESS per gradient on the hierarchical models (docs/performance.md).
//!
//! With the low-rank metric the foreground's draws and gradients are kept,
//! and the metric is the diagonal one corrected along a few directions
//! (`low_rank`), estimated again each time the foreground has grown by a
//! tenth (an eigendecomposition is too costly to repeat every iteration).
//!
//! A draw is good if the chain moved (or, after a divergence, moved more
//! than 4 steps from where it started): a chain stuck at its start says
//! nothing about the variance.

use crate::adaptation::dual_averaging::StepSizeAdaptation;
use crate::adaptation::{low_rank, AdaptationError, WarmupStrategy};
use crate::config::SamplerConfig;
use crate::metric::{Metric, MetricKind};
use crate::nuts::{NutsSampler, TransitionStats};
use std::collections::VecDeque;

/// The share of warmup in which the estimators switch every 10 draws.
const EARLY_SHARE: f64 = 0.3;
/// The share at the end of a warmup too short for Stan's windows that
/// adapts only the step size (as Stan's 15% / 75% / 10% split).
const SHORT_WARMUP_STEP_SIZE_SHARE: f64 = 0.1;
/// Draws in the background estimator before a switch, early in warmup.
const EARLY_WINDOW: usize = 10;
/// The first window after the early phase; later ones grow by `WINDOW_GROWTH`.
const FIRST_WINDOW: usize = 80;
const WINDOW_GROWTH: f64 = 1.5;
/// Estimated variances are kept within these bounds.
const SMALLEST_VARIANCE: f64 = 1e-20;
const LARGEST_VARIANCE: f64 = 1e20;
/// nutpie's largest step size.
const LARGEST_STEP_SIZE: f64 = std::f64::consts::PI;

/// Running means and sums of squared deviations (Welford) of the draws and
/// of their gradients.
#[derive(Clone, Debug)]
struct DrawGradientMoments {
    count: usize,
    draw_mean: Vec<f64>,
    draw_m2: Vec<f64>,
    gradient_mean: Vec<f64>,
    gradient_m2: Vec<f64>,
}

impl DrawGradientMoments {
    fn new(dim: usize) -> Self {
        DrawGradientMoments {
            count: 0,
            draw_mean: vec![0.0; dim],
            draw_m2: vec![0.0; dim],
            gradient_mean: vec![0.0; dim],
            gradient_m2: vec![0.0; dim],
        }
    }

    fn add(&mut self, draw: &[f64], gradient: &[f64]) {
        self.count += 1;
        let count = self.count as f64;
        add_to_moments(&mut self.draw_mean, &mut self.draw_m2, draw, count);
        add_to_moments(
            &mut self.gradient_mean,
            &mut self.gradient_m2,
            gradient,
            count,
        );
    }

    fn clear(&mut self) {
        self.count = 0;
        for values in [
            &mut self.draw_mean,
            &mut self.draw_m2,
            &mut self.gradient_mean,
            &mut self.gradient_m2,
        ] {
            values.fill(0.0);
        }
    }

    /// Writes sqrt(var(draw_i) / var(gradient_i)) into `inverse_diagonal`
    /// wherever it is a positive finite number (clamped to
    /// [1e-20, 1e20]), keeping the old value elsewhere (a parameter that
    /// has not moved, or whose gradient has not changed).
    fn write_inverse_diagonal(&self, inverse_diagonal: &mut [f64]) {
        for ((slot, draw_m2), gradient_m2) in inverse_diagonal
            .iter_mut()
            .zip(&self.draw_m2)
            .zip(&self.gradient_m2)
        {
            // The two variances share the factor 1 / (count - 1).
            let estimate = (draw_m2 / gradient_m2).sqrt();
            if estimate.is_finite() && estimate > 0.0 {
                *slot = estimate.clamp(SMALLEST_VARIANCE, LARGEST_VARIANCE);
            }
        }
    }
}

/// The foreground's draws and gradients, oldest first, for the low-rank
/// estimate; the last ones (from `background_start` on) are the background's.
#[derive(Clone, Debug, Default)]
struct WindowDraws {
    draws: VecDeque<Vec<f64>>,
    gradients: VecDeque<Vec<f64>>,
    background_start: usize,
    /// How many draws the last estimate used (0 after a switch).
    estimated_from: usize,
}

impl WindowDraws {
    fn add(&mut self, draw: &[f64], gradient: &[f64]) {
        self.draws.push_back(draw.to_vec());
        self.gradients.push_back(gradient.to_vec());
    }

    /// The background becomes the foreground; a new background starts.
    fn switch(&mut self) {
        self.draws.drain(..self.background_start);
        self.gradients.drain(..self.background_start);
        self.background_start = self.draws.len();
        self.estimated_from = 0;
    }

    /// A new low-rank metric if the foreground has grown by a tenth since
    /// the last estimate (or switched since).
    fn estimate_if_grown(&mut self) -> Option<Metric> {
        let count = self.draws.len();
        if count < low_rank::SMALLEST_WINDOW || (count as f64) < 1.1 * self.estimated_from as f64 {
            return None;
        }
        self.estimated_from = count;
        let draws: Vec<&[f64]> = self.draws.iter().map(Vec::as_slice).collect();
        let gradients: Vec<&[f64]> = self.gradients.iter().map(Vec::as_slice).collect();
        low_rank::estimate(&draws, &gradients)
    }
}

/// One Welford step: the `count`-th value joins the running mean and the
/// sum of squared deviations.
fn add_to_moments(mean: &mut [f64], m2: &mut [f64], value: &[f64], count: f64) {
    for ((mean, m2), x) in mean.iter_mut().zip(m2.iter_mut()).zip(value) {
        let before = x - *mean;
        *mean += before / count;
        *m2 += before * (x - *mean);
    }
}

/// The metric a chain starts from: 1 / |gradient| at the initial point in
/// each coordinate (the variance of a Gaussian whose gradient there would
/// be one standard deviation's worth), 1 where the gradient is 0 or not
/// finite and says nothing of the scale.
fn inverse_diagonal_from_gradient(gradient: &[f64], inverse_diagonal: &mut [f64]) {
    for (slot, g) in inverse_diagonal.iter_mut().zip(gradient) {
        *slot = if g.is_finite() && *g != 0.0 {
            1.0 / g.abs().clamp(SMALLEST_VARIANCE, LARGEST_VARIANCE)
        } else {
            1.0
        };
    }
}

/// nutpie's warmup for a diagonal or low-rank metric.
pub struct DrawsAndGradientsWarmup {
    step_size: StepSizeAdaptation,
    foreground: DrawGradientMoments,
    background: DrawGradientMoments,
    /// The foreground's draws, kept for the low-rank metric only.
    window: Option<WindowDraws>,
    /// Iterations before this one are early (short windows).
    early_end: usize,
    /// From this iteration on only the step size adapts.
    step_size_only_from: usize,
    /// Draws in the background estimator before the next switch, after the early phase.
    window_size: usize,
    /// Whether the metric has changed since the start (the first change
    /// is followed by a new step-size search).
    metric_changed: bool,
    /// Whether the chain starts from a metric the user gave (instead of
    /// one from the initial gradient).
    keep_initial_metric: bool,
}

impl DrawsAndGradientsWarmup {
    pub fn new(config: &SamplerConfig, dim: usize) -> Self {
        let adapt = &config.adapt;
        let num_warmup = config.num_warmup as f64;
        let mut step_size = StepSizeAdaptation::new(
            adapt.delta,
            adapt.gamma,
            adapt.kappa,
            adapt.t0,
            config.initial_step_size,
        );
        step_size.max_log_step_size = LARGEST_STEP_SIZE.ln();
        DrawsAndGradientsWarmup {
            step_size,
            foreground: DrawGradientMoments::new(dim),
            background: DrawGradientMoments::new(dim),
            window: (config.metric == MetricKind::LowRank).then(WindowDraws::default),
            early_end: (EARLY_SHARE * num_warmup) as usize,
            step_size_only_from: config.num_warmup - step_size_only_iterations(config),
            window_size: FIRST_WINDOW,
            metric_changed: false,
            keep_initial_metric: config.initial_inverse_metric.is_some(),
        }
    }
}

/// The number of warmup iterations at the end that adapt only the step size.
fn step_size_only_iterations(config: &SamplerConfig) -> usize {
    let adapt = &config.adapt;
    let stan_windows_fit =
        adapt.init_buffer + adapt.window + adapt.term_buffer <= config.num_warmup;
    if stan_windows_fit {
        adapt.term_buffer
    } else {
        (SHORT_WARMUP_STEP_SIZE_SHARE * config.num_warmup as f64) as usize
    }
}

impl DrawsAndGradientsWarmup {
    fn search_step_size(&mut self, sampler: &mut NutsSampler) -> Result<(), AdaptationError> {
        sampler
            .find_reasonable_step_size()
            .map_err(|e| AdaptationError::StepSizeSearch(e.to_string()))?;
        self.step_size.restart_from(sampler.step_size);
        Ok(())
    }

    /// Re-estimates the metric from the foreground; false if it did not
    /// change (too few draws to say anything yet, or a low-rank estimate
    /// not due or refused as unusable).
    fn update_metric(&mut self, sampler: &mut NutsSampler) -> Result<bool, AdaptationError> {
        if self.foreground.count < 3 {
            return Ok(false);
        }
        let (metric, _, _) = sampler.metric_position_and_gradient();
        match metric {
            Metric::Diagonal { inverse_diagonal } => {
                self.foreground.write_inverse_diagonal(inverse_diagonal);
                Ok(true)
            }
            Metric::LowRank { .. } => {
                let window = self.window.as_mut().expect("kept for the low-rank metric");
                match window.estimate_if_grown() {
                    Some(estimate) => {
                        *metric = estimate;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            Metric::Dense { .. } => Err(not_diagonal()),
        }
    }

    fn add_draw(&mut self, position: &[f64], gradient: &[f64]) {
        self.foreground.add(position, gradient);
        self.background.add(position, gradient);
        if let Some(window) = self.window.as_mut() {
            window.add(position, gradient);
        }
    }
}

fn not_diagonal() -> AdaptationError {
    AdaptationError::Metric(
        "The adaptation from draws and gradients estimates a diagonal or low-rank metric; use \
         --metric diag or low-rank, or --adaptation stan for a dense one."
            .to_string(),
    )
}

impl WarmupStrategy for DrawsAndGradientsWarmup {
    fn start(&mut self, sampler: &mut NutsSampler) -> Result<(), AdaptationError> {
        let (metric, position, gradient) = sampler.metric_position_and_gradient();
        if !self.keep_initial_metric {
            match metric {
                Metric::Diagonal { inverse_diagonal } => {
                    inverse_diagonal_from_gradient(gradient, inverse_diagonal)
                }
                Metric::LowRank {
                    scale,
                    directions,
                    values,
                    inverse,
                } => {
                    inverse_diagonal_from_gradient(gradient, scale);
                    scale
                        .iter_mut()
                        .for_each(|variance| *variance = variance.sqrt());
                    directions.clear();
                    values.clear();
                    inverse.clear();
                }
                Metric::Dense { .. } => return Err(not_diagonal()),
            }
        }
        self.add_draw(position, gradient);
        self.search_step_size(sampler)
    }

    fn learn(
        &mut self,
        sampler: &mut NutsSampler,
        iteration: usize,
        stats: &TransitionStats,
    ) -> Result<(), AdaptationError> {
        if iteration >= self.step_size_only_from {
            if iteration == self.step_size_only_from {
                self.step_size.restart_from(sampler.step_size);
            }
            sampler.step_size = self.step_size.learn(stats.accept_stat);
            return Ok(());
        }

        let steps_from_start = sampler.last_trajectory.steps_from_start;
        let moved = if stats.divergent {
            steps_from_start.abs() > 4
        } else {
            steps_from_start != 0
        };
        if moved {
            let (_, position, gradient) = sampler.metric_position_and_gradient();
            self.add_draw(position, gradient);
        }

        let early = iteration < self.early_end;
        if iteration == self.early_end {
            // Never shrink the window below what the background already holds.
            self.window_size = self.window_size.max(self.background.count);
        }
        let (switch_at, next_window) = if early {
            (EARLY_WINDOW, EARLY_WINDOW)
        } else {
            let grown = (self.window_size as f64 * WINDOW_GROWTH).round() as usize;
            (self.window_size, grown.max(self.window_size + 1))
        };
        // Late: the window after a switch now would not fit before the
        // step-size-only phase, so the foreground keeps growing instead.
        let late = iteration + next_window > self.step_size_only_from;
        if self.background.count >= switch_at && !late {
            std::mem::swap(&mut self.foreground, &mut self.background);
            self.background.clear();
            if let Some(window) = self.window.as_mut() {
                window.switch();
            }
            if !early {
                self.window_size = next_window;
            }
        }

        let metric_changed = self.update_metric(sampler)?;
        sampler.step_size = self.step_size.learn(stats.accept_stat);
        if metric_changed && !self.metric_changed {
            // The first estimate can differ from the start by orders of
            // magnitude: search for a step size again.
            self.metric_changed = true;
            self.search_step_size(sampler)?;
        }
        Ok(())
    }

    fn finish(&mut self, sampler: &mut NutsSampler) {
        sampler.step_size = self.step_size.final_step_size();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_variance_for_a_gaussian() {
        // Draws of N(0, diag(4, 0.01)) and their gradients -x / sigma^2:
        // the ratio of the two sample variances is sigma^4 exactly, for any
        // number of draws.
        let variances = [4.0, 0.01];
        let mut moments = DrawGradientMoments::new(2);
        for k in 0..7 {
            let z = [(k as f64 * 0.77).sin(), (k as f64 * 1.31).cos()];
            let draw: Vec<f64> = z
                .iter()
                .zip(&variances)
                .map(|(z, v): (&f64, &f64)| z * v.sqrt())
                .collect();
            let gradient: Vec<f64> = draw.iter().zip(&variances).map(|(x, v)| -x / v).collect();
            moments.add(&draw, &gradient);
        }
        let mut inverse_diagonal = vec![1.0; 2];
        moments.write_inverse_diagonal(&mut inverse_diagonal);
        for (estimate, variance) in inverse_diagonal.iter().zip(&variances) {
            assert!(
                (estimate / variance - 1.0).abs() < 1e-12,
                "{estimate} vs {variance}"
            );
        }
    }

    #[test]
    fn a_coordinate_that_never_moved_keeps_its_value() {
        let mut moments = DrawGradientMoments::new(2);
        for k in 0..4 {
            moments.add(&[k as f64, 3.0], &[-(k as f64), 0.5]);
        }
        let mut inverse_diagonal = vec![0.25, 0.25];
        moments.write_inverse_diagonal(&mut inverse_diagonal);
        assert!((inverse_diagonal[0] - 1.0).abs() < 1e-12);
        assert_eq!(inverse_diagonal[1], 0.25);
    }

    #[test]
    fn the_start_is_one_over_the_gradient() {
        let mut inverse_diagonal = vec![0.0; 4];
        inverse_diagonal_from_gradient(&[-4.0, 0.5, 0.0, f64::NAN], &mut inverse_diagonal);
        assert_eq!(inverse_diagonal, [0.25, 2.0, 1.0, 1.0]);
    }
}

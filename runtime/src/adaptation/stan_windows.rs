//! Windowed estimation of the metric during warmup, as Stan's
//! `windowed_adaptation` with its `var_adaptation` and `covar_adaptation`:
//! an initial fast buffer, slow windows doubling in size (the last one
//! stretched to the end), and a terminal fast buffer. [`StanWarmup`] drives
//! it together with the step size's dual averaging, as Stan's
//! `adapt_diag_e_nuts` and `adapt_dense_e_nuts` do.

use crate::adaptation::dual_averaging::StepSizeAdaptation;
use crate::adaptation::{AdaptationError, WarmupStrategy};
use crate::config::SamplerConfig;
use crate::metric::{Metric, MetricKind};
use crate::nuts::{NutsSampler, TransitionStats};

/// Stan's warmup schedule for the slow (metric) adaptation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowSchedule {
    num_warmup: usize,
    init_buffer: usize,
    term_buffer: usize,
    base_window: usize,
    window_counter: usize,
    window_size: usize,
    /// The iteration that closes the current window; `None` when no window
    /// will ever close (Stan's unsigned `-1`).
    next_window_end: Option<usize>,
    /// A note for the user when the schedule differs from the one asked for.
    pub notice: Option<String>,
}

impl WindowSchedule {
    /// Stan's `set_window_params`. With fewer than 20 warmup iterations no
    /// metric is estimated. When the three stages do not fit, they become
    /// 15% / 75% / 10% of warmup, as Stan's message says. (Stan's C++ does not
    /// restart its window counters in that branch, so its windows never
    /// close; cmod uses the reduced windows it announces.)
    pub fn new(
        num_warmup: usize,
        init_buffer: usize,
        term_buffer: usize,
        base_window: usize,
    ) -> Self {
        let mut schedule = WindowSchedule {
            num_warmup: 0,
            init_buffer: 0,
            term_buffer: 0,
            base_window: 0,
            window_counter: 0,
            window_size: 0,
            next_window_end: None,
            notice: None,
        };
        if num_warmup < 20 {
            schedule.notice =
                Some("No metric is estimated with fewer than 20 warmup iterations.".to_string());
            return schedule;
        }
        if init_buffer + base_window + term_buffer > num_warmup {
            let init = (0.15 * num_warmup as f64) as usize;
            let term = (0.10 * num_warmup as f64) as usize;
            schedule.num_warmup = num_warmup;
            schedule.init_buffer = init;
            schedule.term_buffer = term;
            schedule.base_window = num_warmup - (init + term);
            schedule.notice = Some(format!(
                "There are not enough warmup iterations for the adaptation windows as configured, so \
                 they are reduced to 15%/75%/10% of warmup: init_buffer = {}, adapt_window = {}, \
                 term_buffer = {}.",
                schedule.init_buffer, schedule.base_window, schedule.term_buffer
            ));
        } else {
            schedule.num_warmup = num_warmup;
            schedule.init_buffer = init_buffer;
            schedule.term_buffer = term_buffer;
            schedule.base_window = base_window;
        }
        schedule.restart();
        schedule
    }

    fn restart(&mut self) {
        self.window_counter = 0;
        self.window_size = self.base_window;
        self.next_window_end = (self.init_buffer + self.window_size).checked_sub(1);
    }

    fn last_slow_iteration(&self) -> Option<usize> {
        (self.num_warmup - self.term_buffer).checked_sub(1)
    }

    /// Whether the current iteration's draw goes into the estimate.
    fn in_adaptation_window(&self) -> bool {
        self.window_counter >= self.init_buffer
            && self.window_counter < self.num_warmup - self.term_buffer
            && self.window_counter != self.num_warmup
    }

    fn at_end_of_window(&self) -> bool {
        Some(self.window_counter) == self.next_window_end && self.window_counter != self.num_warmup
    }

    fn compute_next_window(&mut self) {
        if self.next_window_end == self.last_slow_iteration() {
            return;
        }
        self.window_size *= 2;
        let next = self.window_counter + self.window_size;
        self.next_window_end = Some(next);
        if Some(next) == self.last_slow_iteration() {
            return;
        }
        // If the window after this one would overrun the slow phase, stretch
        // this one to the end of it.
        let next_window_boundary = next + 2 * self.window_size;
        if next_window_boundary >= self.num_warmup - self.term_buffer {
            self.next_window_end = self.last_slow_iteration();
        }
    }
}

/// Welford's running mean and (co)variance of the positions in a window.
#[derive(Clone, Debug)]
struct WelfordEstimator {
    num_samples: f64,
    mean: Vec<f64>,
    /// Sum of squared deviations: a diagonal (`dim`) or a full row-major matrix (`dim * dim`).
    m2: Vec<f64>,
    dense: bool,
}

impl WelfordEstimator {
    fn new(dim: usize, dense: bool) -> Self {
        WelfordEstimator {
            num_samples: 0.0,
            mean: vec![0.0; dim],
            m2: vec![0.0; if dense { dim * dim } else { dim }],
            dense,
        }
    }

    fn restart(&mut self) {
        self.num_samples = 0.0;
        self.mean.fill(0.0);
        self.m2.fill(0.0);
    }

    /// `delta` is scratch space of the dimension's length.
    #[allow(clippy::needless_range_loop)] // indices as in Stan's Welford estimator
    fn add_sample(&mut self, q: &[f64], delta: &mut [f64]) {
        self.num_samples += 1.0;
        let dim = self.mean.len();
        for i in 0..dim {
            delta[i] = q[i] - self.mean[i];
            self.mean[i] += delta[i] / self.num_samples;
        }
        if self.dense {
            for i in 0..dim {
                let deviation_after = q[i] - self.mean[i];
                for j in 0..dim {
                    self.m2[i * dim + j] += deviation_after * delta[j];
                }
            }
        } else {
            for i in 0..dim {
                self.m2[i] += (q[i] - self.mean[i]) * delta[i];
            }
        }
    }
}

/// Why the metric estimate could not be used.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricAdaptationError {
    pub message: String,
}

/// The windowed metric estimator of one chain.
#[derive(Clone, Debug)]
pub struct MetricAdaptation {
    pub schedule: WindowSchedule,
    estimator: WelfordEstimator,
    delta: Vec<f64>,
}

impl MetricAdaptation {
    pub fn new(kind: MetricKind, dim: usize, schedule: WindowSchedule) -> Self {
        MetricAdaptation {
            schedule,
            estimator: WelfordEstimator::new(dim, kind == MetricKind::Dense),
            delta: vec![0.0; dim],
        }
    }

    /// Stan's `learn_variance` / `learn_covariance`: records the position and,
    /// at the end of a window, replaces `metric` with the regularized estimate
    /// and returns true (the caller then restarts the step-size adaptation).
    #[allow(clippy::needless_range_loop)] // indices as in Stan's regularization
    pub fn learn(
        &mut self,
        metric: &mut Metric,
        position: &[f64],
    ) -> Result<bool, MetricAdaptationError> {
        if self.schedule.in_adaptation_window() {
            self.estimator.add_sample(position, &mut self.delta);
        }
        if !self.schedule.at_end_of_window() {
            self.schedule.window_counter += 1;
            return Ok(false);
        }
        self.schedule.compute_next_window();
        let n = self.estimator.num_samples;
        let dim = self.delta.len();
        // Stan shrinks toward 1e-3 times the identity: (n/(n+5)) S + 1e-3 (5/(n+5)) I.
        // With fewer than two samples Stan's estimate leaves the metric as it was
        // before regularizing it.
        let weight = n / (n + 5.0);
        let shrinkage = 1e-3 * (5.0 / (n + 5.0));
        let overflow = || MetricAdaptationError {
            message:
                "Numerical overflow in metric adaptation: the sampler met extreme values on the \
                      unconstrained scale, so the posterior may be too wide or improper; check the \
                      model's priors and constraints."
                    .to_string(),
        };
        match metric {
            Metric::Diagonal { inverse_diagonal } => {
                for i in 0..dim {
                    let variance = if n > 1.0 {
                        self.estimator.m2[i] / (n - 1.0)
                    } else {
                        inverse_diagonal[i]
                    };
                    inverse_diagonal[i] = weight * variance + shrinkage;
                }
                if inverse_diagonal.iter().any(|value| !value.is_finite()) {
                    return Err(overflow());
                }
            }
            Metric::Dense { inverse, .. } => {
                let mut covariance = inverse.clone();
                for i in 0..dim {
                    for j in 0..dim {
                        let estimate = if n > 1.0 {
                            self.estimator.m2[i * dim + j] / (n - 1.0)
                        } else {
                            covariance[i * dim + j]
                        };
                        covariance[i * dim + j] =
                            weight * estimate + if i == j { shrinkage } else { 0.0 };
                    }
                }
                if covariance.iter().any(|value| !value.is_finite()) {
                    return Err(overflow());
                }
                *metric = Metric::dense(covariance, dim).map_err(|_| MetricAdaptationError {
                    message: "The estimated covariance of the parameters is not positive definite, so \
                              the dense metric cannot use it; try the diagonal metric or a longer warmup."
                        .to_string(),
                })?;
            }
            Metric::LowRank { .. } => {
                return Err(MetricAdaptationError {
                    message: "Stan's adaptation does not estimate the low-rank metric; use the \
                              adaptation from draws and gradients with it."
                        .to_string(),
                })
            }
        }
        self.estimator.restart();
        self.schedule.window_counter += 1;
        Ok(true)
    }
}

/// Stan's warmup: dual averaging of the step size, restarted from a new
/// step-size search each time a window closes and the metric changes.
pub struct StanWarmup {
    step_size: StepSizeAdaptation,
    metric: MetricAdaptation,
}

impl StanWarmup {
    pub fn new(config: &SamplerConfig, dim: usize) -> Self {
        let adapt = &config.adapt;
        let schedule = WindowSchedule::new(
            config.num_warmup,
            adapt.init_buffer,
            adapt.term_buffer,
            adapt.window,
        );
        StanWarmup {
            step_size: StepSizeAdaptation::new(
                adapt.delta,
                adapt.gamma,
                adapt.kappa,
                adapt.t0,
                config.initial_step_size,
            ),
            metric: MetricAdaptation::new(config.metric, dim, schedule),
        }
    }
}

fn search_step_size(sampler: &mut NutsSampler) -> Result<(), AdaptationError> {
    sampler
        .find_reasonable_step_size()
        .map_err(|e| AdaptationError::StepSizeSearch(e.to_string()))
}

impl WarmupStrategy for StanWarmup {
    fn start(&mut self, sampler: &mut NutsSampler) -> Result<(), AdaptationError> {
        search_step_size(sampler)
    }

    fn learn(
        &mut self,
        sampler: &mut NutsSampler,
        _iteration: usize,
        stats: &TransitionStats,
    ) -> Result<(), AdaptationError> {
        sampler.step_size = self.step_size.learn(stats.accept_stat);
        let (metric, position, _) = sampler.metric_position_and_gradient();
        let metric_updated = self
            .metric
            .learn(metric, position)
            .map_err(|e| AdaptationError::Metric(e.message))?;
        if metric_updated {
            search_step_size(sampler)?;
            self.step_size.restart_from(sampler.step_size);
        }
        Ok(())
    }

    fn finish(&mut self, sampler: &mut NutsSampler) {
        sampler.step_size = self.step_size.final_step_size();
    }

    fn notice(&self) -> Option<&str> {
        self.metric.schedule.notice.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The iterations at which a window closes, for a given warmup length.
    fn window_ends(num_warmup: usize) -> Vec<usize> {
        let mut adaptation = MetricAdaptation::new(
            MetricKind::Diagonal,
            1,
            WindowSchedule::new(num_warmup, 75, 50, 25),
        );
        let mut metric = Metric::unit(MetricKind::Diagonal, 1);
        (0..num_warmup)
            .filter(|&iteration| {
                adaptation
                    .learn(&mut metric, &[iteration as f64 * 0.37 % 1.0])
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn default_windows_match_stan() {
        // Stan's windows for 1000 warmup: 75 | 25 | 50 | 100 | 200 | 500 | 50.
        assert_eq!(window_ends(1000), vec![99, 149, 249, 449, 949]);
    }

    #[test]
    fn short_warmup_uses_reduced_windows() {
        // 100 warmup: 15 / 75 / 10, one slow window ending at iteration 89.
        assert_eq!(window_ends(100), vec![89]);
        assert!(window_ends(19).is_empty());
    }
}

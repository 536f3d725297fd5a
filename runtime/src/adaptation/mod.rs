//! Warmup: how a chain tunes its step size and metric before it samples.
//!
//! Two strategies share one small trait, [`WarmupStrategy`]:
//! - [`stan_windows`]: Stan's windowed adaptation, kept exact (the metric
//!   from the variances of the draws in doubling windows, the step size by
//!   dual averaging restarted after each window);
//! - [`draws_and_gradients`]: nutpie's adaptation, which estimates a
//!   diagonal metric from the draws *and their gradients* (exact for
//!   Gaussians) from the first iterations on, in overlapping windows, and
//!   for the low-rank metric corrects it along the directions where the
//!   draws and gradients say it is most wrong (`low_rank`).
//!
//! Both tune the step size with [`dual_averaging`]. The chain runner calls
//! `start` once at the initial point, `learn` after every warmup transition
//! and `finish` before sampling.

pub mod draws_and_gradients;
pub mod dual_averaging;
mod low_rank;
pub mod stan_windows;

use crate::config::{AdaptationKind, SamplerConfig};
use crate::nuts::{NutsSampler, TransitionStats};

/// Why warmup could not go on.
#[derive(Clone, Debug, PartialEq)]
pub enum AdaptationError {
    /// Stan's step-size heuristic gave up (the message says why).
    StepSizeSearch(String),
    /// The metric estimate could not be used (the message says why and what to try).
    Metric(String),
}

/// One way of tuning the step size and metric during warmup.
pub trait WarmupStrategy {
    /// Before the first warmup transition, with the sampler at its initial point.
    fn start(&mut self, sampler: &mut NutsSampler) -> Result<(), AdaptationError>;

    /// After warmup transition `iteration` (0-based): learns from it and sets
    /// the sampler's step size and metric for the next transition.
    fn learn(
        &mut self,
        sampler: &mut NutsSampler,
        iteration: usize,
        stats: &TransitionStats,
    ) -> Result<(), AdaptationError>;

    /// After the last warmup transition: sets the step size to sample with.
    fn finish(&mut self, sampler: &mut NutsSampler);

    /// A note for the user when the warmup differs from the one asked for.
    fn notice(&self) -> Option<&str> {
        None
    }
}

/// The warmup strategy the configuration asks for, for a model of `dim`
/// unconstrained parameters.
pub fn warmup_strategy(config: &SamplerConfig, dim: usize) -> Box<dyn WarmupStrategy> {
    match config.adapt.kind {
        AdaptationKind::StanWindows => Box::new(stan_windows::StanWarmup::new(config, dim)),
        AdaptationKind::DrawsAndGradients => Box::new(
            draws_and_gradients::DrawsAndGradientsWarmup::new(config, dim),
        ),
    }
}

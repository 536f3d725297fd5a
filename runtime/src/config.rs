//! The settings of a sampling run, with Stan's defaults.

use crate::draws::InverseMetric;
use crate::metric::MetricKind;

/// How warmup estimates the metric (see `adaptation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdaptationKind {
    /// Stan's windowed adaptation from the draws' variances (exact; the only
    /// one for the dense metric).
    StanWindows,
    /// nutpie's: a diagonal metric from the variances of the draws and of
    /// their gradients, updated from the first iterations on.
    DrawsAndGradients,
}

impl AdaptationKind {
    /// The name of the `--adaptation` flag's value.
    pub fn name(self) -> &'static str {
        match self {
            AdaptationKind::StanWindows => "stan",
            AdaptationKind::DrawsAndGradients => "gradient",
        }
    }
}

/// Warmup adaptation settings (CmdStan's `adapt` group).
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptConfig {
    /// Whether warmup adapts the step size and metric at all.
    pub engaged: bool,
    /// How the metric is estimated; the step size is tuned by dual averaging in both.
    pub kind: AdaptationKind,
    /// Target mean acceptance statistic (`adapt_delta`), in (0, 1).
    pub delta: f64,
    pub gamma: f64,
    pub kappa: f64,
    pub t0: f64,
    pub init_buffer: usize,
    pub term_buffer: usize,
    pub window: usize,
}

impl Default for AdaptConfig {
    fn default() -> Self {
        AdaptConfig {
            engaged: true,
            kind: AdaptationKind::StanWindows,
            delta: 0.8,
            gamma: 0.05,
            kappa: 0.75,
            t0: 10.0,
            init_buffer: 75,
            term_buffer: 50,
            window: 25,
        }
    }
}

/// Where each chain starts, on the unconstrained scale.
#[derive(Clone, Debug, PartialEq)]
pub enum InitialValues {
    /// Uniform on (-radius, radius) in every coordinate (Stan's `init=R`, default 2).
    /// Radius 0 starts every chain at the origin.
    Uniform { radius: f64 },
    /// The same point for every chain.
    Given(Vec<f64>),
    /// One point per chain, in chain order.
    PerChain(Vec<Vec<f64>>),
}

impl Default for InitialValues {
    fn default() -> Self {
        InitialValues::Uniform { radius: 2.0 }
    }
}

/// Everything a run needs besides the model and the output files.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerConfig {
    pub num_chains: usize,
    /// At most this many chains run at once, each on its own thread (at least 1).
    pub parallel_chains: usize,
    pub num_warmup: usize,
    pub num_samples: usize,
    /// Keep every `thin`-th iteration (at least 1).
    pub thin: usize,
    /// Keep (and write) the warmup draws too.
    pub save_warmup: bool,
    pub seed: u64,
    pub max_depth: usize,
    pub metric: MetricKind,
    /// The step size to start from (Stan's `stepsize`, default 1).
    pub initial_step_size: f64,
    /// The inverse metric to start from (Stan's `metric_file`); the unit
    /// metric when None. Its shape must match `metric`.
    pub initial_inverse_metric: Option<InverseMetric>,
    pub adapt: AdaptConfig,
    pub init: InitialValues,
    /// How many initialization attempts per chain before giving up.
    pub max_init_attempts: usize,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            num_chains: 4,
            parallel_chains: 4,
            num_warmup: 1000,
            num_samples: 1000,
            thin: 1,
            save_warmup: false,
            seed: 0,
            max_depth: 10,
            metric: MetricKind::Diagonal,
            initial_step_size: 1.0,
            initial_inverse_metric: None,
            adapt: AdaptConfig::default(),
            init: InitialValues::default(),
            max_init_attempts: 100,
        }
    }
}

impl SamplerConfig {
    /// Checks the values a user can get wrong; each message says which
    /// setting is wrong and what it must be.
    pub fn validate(&self) -> Result<(), String> {
        if self.num_chains == 0 {
            return Err("The number of chains must be at least 1.".to_string());
        }
        if self.thin == 0 {
            return Err("thin must be at least 1.".to_string());
        }
        if self.max_depth == 0 {
            return Err("max_treedepth must be at least 1.".to_string());
        }
        if !(self.initial_step_size > 0.0 && self.initial_step_size.is_finite()) {
            return Err(format!(
                "The step size must be positive and finite, not {}.",
                self.initial_step_size
            ));
        }
        if !(self.adapt.delta > 0.0 && self.adapt.delta < 1.0) {
            return Err(format!(
                "adapt_delta must lie strictly between 0 and 1, not {}.",
                self.adapt.delta
            ));
        }
        if !(self.adapt.gamma > 0.0 && self.adapt.kappa > 0.0 && self.adapt.t0 > 0.0) {
            return Err("The adaptation's gamma, kappa and t0 must be positive.".to_string());
        }
        match (self.adapt.kind, self.metric) {
            (AdaptationKind::DrawsAndGradients, MetricKind::Dense) => {
                return Err(
                    "The adaptation from draws and gradients estimates a diagonal or low-rank \
                     metric: use Stan's adaptation for the dense one."
                        .to_string(),
                )
            }
            (AdaptationKind::StanWindows, MetricKind::LowRank) => {
                return Err(
                    "The low-rank metric is estimated from draws and gradients: use that \
                     adaptation with it, or Stan's with the diagonal or dense metric."
                        .to_string(),
                )
            }
            _ => {}
        }
        match (&self.initial_inverse_metric, self.metric) {
            (None, _) => {}
            (Some(InverseMetric::Diagonal(values)), MetricKind::Diagonal | MetricKind::LowRank) => {
                if let Some(bad) = values.iter().find(|v| !(**v > 0.0 && v.is_finite())) {
                    return Err(format!(
                        "The inverse metric's diagonal must be positive and finite, but it holds {bad}."
                    ));
                }
            }
            (Some(InverseMetric::Dense(rows)), MetricKind::Dense) => {
                if rows.iter().any(|row| row.len() != rows.len()) {
                    return Err("The dense inverse metric must be a square matrix.".to_string());
                }
            }
            (Some(_), kind) => {
                return Err(format!(
                    "The inverse metric's shape does not match the metric {}: give a vector for diag_e (or to start the low-rank metric from) and a matrix for dense_e.",
                    kind.stan_name()
                ))
            }
        }
        if let InitialValues::Uniform { radius } = self.init {
            if !(radius >= 0.0 && radius.is_finite()) {
                return Err(format!(
                    "The initialization radius must be finite and not negative, not {radius}."
                ));
            }
        }
        if let InitialValues::PerChain(points) = &self.init {
            if points.len() != self.num_chains {
                return Err(format!(
                    "{} initial points were given for {} chains; give one per chain.",
                    points.len(),
                    self.num_chains
                ));
            }
        }
        Ok(())
    }
}

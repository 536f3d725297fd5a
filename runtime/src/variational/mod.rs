//! Automatic differentiation variational inference (ADVI, Kucukelbir et al. 2017), as Stan's `variational` method.
//!
//! A Gaussian on the unconstrained scale (`family.rs`: meanfield or
//! fullrank) is fitted by stochastic gradient ascent on the ELBO, the
//! expected log density (with the Jacobian of the constraining transforms)
//! plus the Gaussian's entropy. Each gradient is a Monte Carlo estimate from
//! `grad_samples` draws by the reparameterization trick; the step sizes
//! follow Stan's adaptive sequence (`step_size.rs`), scaled by `eta`, which
//! is first chosen from {100, 10, 1, 0.1, 0.01} by a short run with each
//! (`adapt_eta`). Every `eval_elbo` iterations the ELBO is estimated from
//! `elbo_samples` draws, and the run stops when the mean or the median of
//! the recent relative changes falls below `tol_rel_obj`
//! (`convergence.rs`). Draws where the model rejects or the log density is
//! not finite are dropped and drawn again, up to a limit.
//!
//! The runtime prints nothing: the caller gets [`Event`]s as the run goes
//! and an [`AdviResult`] or an [`AdviError`] at the end. The model is
//! anything implementing [`Target`].

mod advi;
pub mod convergence;
pub mod family;
pub mod step_size;

pub use advi::{estimate_elbo, estimate_gradient, run_advi, ETA_SEQUENCE};
pub use family::{Algorithm, Approximation};

/// The log density ADVI approximates, on the unconstrained scale, with the
/// log-Jacobian of the constraining transforms included.
pub trait Target {
    /// The log density at `x`; an `Err` (a rejection) carries the model's message.
    fn log_density(&mut self, x: &[f64]) -> Result<f64, String>;
    /// The log density at `x` and its gradient, written into `grad`.
    fn log_density_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> Result<f64, String>;
}

/// ADVI's settings, with CmdStan's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdviConfig {
    pub algorithm: Algorithm,
    /// The most iterations of stochastic gradient ascent.
    pub iter: usize,
    /// Draws per gradient estimate.
    pub grad_samples: usize,
    /// Draws per ELBO estimate.
    pub elbo_samples: usize,
    /// The step-size scale (replaced by the adapted one when adaptation is engaged).
    pub eta: f64,
    pub adapt_engaged: bool,
    /// Iterations with each eta tried during adaptation.
    pub adapt_iter: usize,
    /// Converged when the mean or median relative ELBO change is below this.
    pub tol_rel_obj: f64,
    /// Estimate the ELBO every this many iterations.
    pub eval_elbo: usize,
}

impl Default for AdviConfig {
    fn default() -> Self {
        AdviConfig {
            algorithm: Algorithm::MeanField,
            iter: 10_000,
            grad_samples: 1,
            elbo_samples: 100,
            eta: 1.0,
            adapt_engaged: true,
            adapt_iter: 50,
            tol_rel_obj: 0.01,
            eval_elbo: 100,
        }
    }
}

impl AdviConfig {
    /// Checks every setting, naming the first bad one (by CmdStan's name).
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("iter", self.iter),
            ("grad_samples", self.grad_samples),
            ("elbo_samples", self.elbo_samples),
            ("adapt iter", self.adapt_iter),
            ("eval_elbo", self.eval_elbo),
        ] {
            if value == 0 {
                return Err(format!("{name} must be at least 1, but it is 0"));
            }
        }
        for (name, value) in [("eta", self.eta), ("tol_rel_obj", self.tol_rel_obj)] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(format!(
                    "{name} must be a positive finite number, but it is {value}"
                ));
            }
        }
        Ok(())
    }
}

/// A note in the ELBO table's last column, in Stan's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    MeanConverged,
    MedianConverged,
    /// After 10 evaluations, the mean or median relative change is above 0.5.
    MayBeDiverging,
}

impl Note {
    pub fn text(self) -> &'static str {
        match self {
            Note::MeanConverged => "MEAN ELBO CONVERGED",
            Note::MedianConverged => "MEDIAN ELBO CONVERGED",
            Note::MayBeDiverging => "MAY BE DIVERGING... INSPECT ELBO",
        }
    }
}

/// One row of the ELBO table: an evaluation during the gradient ascent.
#[derive(Clone, Debug, PartialEq)]
pub struct ElboRow {
    pub iteration: usize,
    pub elbo: f64,
    /// The mean and the median of the recent relative changes.
    pub delta_mean: f64,
    pub delta_median: f64,
    pub notes: Vec<Note>,
}

/// What happens during a run, for the caller to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    AdaptationStart,
    /// Adaptation iteration `iteration` of `total` (all etas together).
    AdaptationProgress {
        iteration: usize,
        total: usize,
    },
    /// The ELBO after `adapt_iter` iterations with one eta (minus the largest
    /// finite number when it could not be computed).
    AdaptationTrial {
        eta: f64,
        elbo: f64,
    },
    /// The eta chosen; `early` when fewer than all were tried.
    AdaptationDone {
        eta: f64,
        early: bool,
    },
    AscentStart,
    Evaluation(ElboRow),
}

/// Why the gradient ascent stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    MeanConverged,
    MedianConverged,
    /// `iter` iterations without convergence.
    MaxIterations,
    /// The model has no parameters: there was nothing to fit.
    NoParameters,
    /// The ascent could not go on at `iteration` (`reason`); the result holds
    /// the approximation with the best ELBO, from iteration `best_iteration`.
    Diverged {
        iteration: usize,
        reason: String,
        best_iteration: usize,
    },
}

/// The fitted approximation and how the run went.
#[derive(Clone, Debug, PartialEq)]
pub struct AdviResult {
    /// The final approximation (after a divergence, the best one evaluated).
    pub approximation: Approximation,
    /// The eta used for the ascent, and whether it was adapted.
    pub eta: f64,
    pub adapted: bool,
    /// The ELBO of the starting approximation.
    pub initial_elbo: f64,
    pub rows: Vec<ElboRow>,
    /// Iterations of gradient ascent done.
    pub iterations: usize,
    pub stop: Stop,
    /// At convergence, an earlier ELBO was more than 5% larger (Stan's
    /// informational message: the optimum may not be a good one).
    pub earlier_elbo_larger: bool,
    /// Draws dropped because the model rejected them or the log density was
    /// not finite there (outside the eta adaptation's trial runs), and the last reason.
    pub dropped_draws: usize,
    pub last_drop_reason: Option<String>,
}

/// Why there is no approximation.
#[derive(Clone, Debug, PartialEq)]
pub enum AdviError {
    /// A setting is out of range (CmdStan's name and the rule).
    InvalidConfig(String),
    /// The ELBO of the starting approximation cannot be estimated: every
    /// draw was rejected or had a non-finite log density (the last reason).
    InitialElbo(String),
    /// Every eta tried left the ELBO no better than at the start.
    AdaptationFailed {
        initial_elbo: f64,
        trials: Vec<(f64, f64)>,
    },
    /// The ascent broke down before the first ELBO evaluation.
    Diverged { iteration: usize, reason: String },
}

impl std::fmt::Display for AdviError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviError::InvalidConfig(m) => write!(f, "invalid setting: {m}"),
            AdviError::InitialElbo(m) => write!(
                f,
                "the ELBO cannot be computed at the initial approximation ({m})"
            ),
            AdviError::AdaptationFailed { .. } => write!(f, "all proposed step sizes (eta) failed"),
            AdviError::Diverged { iteration, reason } => write!(
                f,
                "the gradient ascent failed at iteration {iteration}: {reason}"
            ),
        }
    }
}

impl std::error::Error for AdviError {}

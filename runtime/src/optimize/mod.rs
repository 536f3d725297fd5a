//! Finding a mode of the log density: L-BFGS, BFGS and Newton with Stan's convergence tests and defaults.
//!
//! What CmdStan's `optimize` method does, on the unconstrained scale: the
//! quasi-Newton methods take a Wolfe line search along the direction their
//! inverse-Hessian estimate gives (`line_search.rs`), L-BFGS from the last
//! `history_size` steps, BFGS from all of them (`quasi_newton.rs`); Newton's
//! method uses the Hessian from finite differences of the gradient, made
//! negative definite, with step halving (`newton.rs`). The caller chooses
//! whether the log density includes the Jacobian of the constraining
//! transforms (Stan's `jacobian` argument) through the objective it passes.

mod line_search;
mod newton;
mod quasi_newton;

pub use newton::hessian;

/// The function being minimized: minus the log density, and its gradient.
pub trait Objective {
    /// Minus the log density at `x`, with its gradient written into `g`; an
    /// `Err` (a rejection) carries the model's message.
    fn minus_log_density(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String>;
}

impl<F: FnMut(&[f64], &mut [f64]) -> Result<f64, String>> Objective for F {
    fn minus_log_density(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String> {
        self(x, g)
    }
}

/// Which method finds the mode (`--algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Lbfgs,
    Bfgs,
    Newton,
}

impl Algorithm {
    /// The name CmdStan writes.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Lbfgs => "lbfgs",
            Algorithm::Bfgs => "bfgs",
            Algorithm::Newton => "newton",
        }
    }
}

/// The optimizer's settings, with CmdStan's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizeConfig {
    pub algorithm: Algorithm,
    /// The most iterations.
    pub iter: usize,
    /// Converged when the objective changes by less than this.
    pub tol_obj: f64,
    /// ... or by less than this many machine epsilons, relative to its size.
    pub tol_rel_obj: f64,
    /// ... or when the gradient's norm is below this.
    pub tol_grad: f64,
    /// ... or when the gradient scaled by the inverse Hessian estimate,
    /// relative to the objective, is below this many machine epsilons.
    pub tol_rel_grad: f64,
    /// ... or when the step is shorter than this.
    pub tol_param: f64,
    /// Steps L-BFGS keeps.
    pub history_size: usize,
    /// The first line search's first step.
    pub init_alpha: f64,
    /// Whether to keep every iterate and its gradient (Pathfinder builds
    /// its approximations along the path).
    pub record_path: bool,
}

impl Default for OptimizeConfig {
    fn default() -> Self {
        OptimizeConfig {
            algorithm: Algorithm::Lbfgs,
            iter: 2000,
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            history_size: 5,
            init_alpha: 0.001,
            record_path: false,
        }
    }
}

/// Why the optimizer stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    AbsoluteObjective,
    RelativeObjective,
    AbsoluteGradient,
    RelativeGradient,
    AbsoluteParameter,
    /// Newton's method: a step no longer raises the log density by 1e-8.
    NewtonConverged,
    MaxIterations,
    LineSearchFailed,
    /// The log density kept rising along a line, however far the search went.
    Unbounded,
}

impl Termination {
    /// Stan's words for it.
    pub fn message(self) -> &'static str {
        match self {
            Termination::AbsoluteObjective => {
                "Convergence detected: absolute change in objective function was below tolerance"
            }
            Termination::RelativeObjective => {
                "Convergence detected: relative change in objective function was below tolerance"
            }
            Termination::AbsoluteGradient => "Convergence detected: gradient norm is below tolerance",
            Termination::RelativeGradient => {
                "Convergence detected: relative gradient magnitude is below tolerance"
            }
            Termination::AbsoluteParameter => {
                "Convergence detected: absolute parameter change was below tolerance"
            }
            Termination::NewtonConverged => {
                "Convergence detected: a Newton step changes the log density by less than 1e-8"
            }
            Termination::MaxIterations => "Maximum number of iterations hit, may not be at an optima",
            Termination::LineSearchFailed => {
                "Line search failed to achieve a sufficient decrease, no more progress can be made"
            }
            Termination::Unbounded => {
                "The log density kept increasing along a line however far the search went: it may have no maximum"
            }
        }
    }

    /// Whether the point is a mode by the tests (not just where the
    /// optimizer stopped).
    pub fn converged(self) -> bool {
        !matches!(
            self,
            Termination::MaxIterations | Termination::LineSearchFailed | Termination::Unbounded
        )
    }
}

/// One iteration, as CmdStan prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Iteration {
    pub iter: usize,
    pub log_density: f64,
    /// Length of the step.
    pub step_norm: f64,
    pub gradient_norm: f64,
    /// The step length the line search accepted, and the one it started from.
    pub alpha: f64,
    pub alpha0: f64,
    /// Objective evaluations so far.
    pub evaluations: usize,
}

/// Where the optimizer stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizeResult {
    /// The unconstrained point.
    pub x: Vec<f64>,
    /// The log density there (as the objective computes it) and its gradient.
    pub log_density: f64,
    pub gradient: Vec<f64>,
    pub termination: Termination,
    pub iterations: Vec<Iteration>,
    pub initial_log_density: f64,
    /// With `record_path`: the start and every accepted iterate, each with
    /// the gradient of the log density there.
    pub path: Vec<(Vec<f64>, Vec<f64>)>,
}

/// Why there is no result at all.
#[derive(Clone, Debug, PartialEq)]
pub enum OptimizeError {
    /// The log density cannot be evaluated at the initial point, or is not finite there.
    BadStart(String),
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Maximizes the log density from `x0`: minimizes `objective` (minus the
/// log density) with the configured algorithm.
pub fn optimize(
    objective: &mut dyn Objective,
    x0: &[f64],
    config: &OptimizeConfig,
) -> Result<OptimizeResult, OptimizeError> {
    let mut g0 = vec![0.0; x0.len()];
    let f0 = objective
        .minus_log_density(x0, &mut g0)
        .map_err(OptimizeError::BadStart)?;
    if !f0.is_finite() || !g0.iter().all(|v| v.is_finite()) {
        return Err(OptimizeError::BadStart(format!(
            "the log density at the initial point is {}{}",
            -f0,
            if f0.is_finite() {
                ", and its gradient is not finite"
            } else {
                ""
            }
        )));
    }
    Ok(match config.algorithm {
        Algorithm::Lbfgs | Algorithm::Bfgs => {
            quasi_newton::minimize(objective, x0.to_vec(), f0, g0, config)
        }
        Algorithm::Newton => newton::maximize(objective, x0.to_vec(), f0, g0, config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minus the log density of a correlated Gaussian centred at `m`, with precision `p`.
    fn gaussian(
        m: [f64; 2],
        p: [[f64; 2]; 2],
    ) -> impl FnMut(&[f64], &mut [f64]) -> Result<f64, String> {
        move |x, g| {
            let d = [x[0] - m[0], x[1] - m[1]];
            let pd = [
                p[0][0] * d[0] + p[0][1] * d[1],
                p[1][0] * d[0] + p[1][1] * d[1],
            ];
            g[0] = pd[0];
            g[1] = pd[1];
            Ok(0.5 * (d[0] * pd[0] + d[1] * pd[1]))
        }
    }

    #[test]
    fn every_algorithm_finds_a_gaussian_mode_with_a_small_gradient() {
        for algorithm in [Algorithm::Lbfgs, Algorithm::Bfgs, Algorithm::Newton] {
            let mut f = gaussian([1.5, -2.0], [[4.0, 3.9], [3.9, 4.0]]);
            let config = OptimizeConfig {
                algorithm,
                ..OptimizeConfig::default()
            };
            let r = optimize(&mut f, &[0.0, 0.0], &config).unwrap();
            assert!(
                r.termination.converged(),
                "{algorithm:?}: {:?}",
                r.termination
            );
            assert!(
                (r.x[0] - 1.5).abs() < 1e-5 && (r.x[1] + 2.0).abs() < 1e-5,
                "{algorithm:?}: {:?}",
                r.x
            );
            assert!(norm(&r.gradient) < 1e-4, "{algorithm:?}: {:?}", r.gradient);
            assert!(r.log_density > r.initial_log_density);
        }
    }

    /// Rosenbrock's banana, minimum 0 at (1, 1): a curved valley.
    #[test]
    fn the_quasi_newton_methods_follow_rosenbrocks_valley() {
        for algorithm in [Algorithm::Lbfgs, Algorithm::Bfgs, Algorithm::Newton] {
            let mut f = |x: &[f64], g: &mut [f64]| {
                let (a, b) = (1.0 - x[0], x[1] - x[0] * x[0]);
                g[0] = -2.0 * a - 400.0 * x[0] * b;
                g[1] = 200.0 * b;
                Ok(a * a + 100.0 * b * b)
            };
            let config = OptimizeConfig {
                algorithm,
                ..OptimizeConfig::default()
            };
            let r = optimize(&mut f, &[-1.2, 1.0], &config).unwrap();
            assert!(
                r.termination.converged(),
                "{algorithm:?}: {:?}",
                r.termination
            );
            assert!(
                (r.x[0] - 1.0).abs() < 1e-4 && (r.x[1] - 1.0).abs() < 1e-4,
                "{algorithm:?}: {:?}",
                r.x
            );
        }
    }

    #[test]
    fn a_start_that_cannot_be_evaluated_is_an_error_with_the_models_message() {
        let mut f = |_: &[f64], _: &mut [f64]| Err("sigma is negative".to_string());
        let e = optimize(&mut f, &[0.0], &OptimizeConfig::default()).unwrap_err();
        assert_eq!(e, OptimizeError::BadStart("sigma is negative".into()));
        let mut inf = |_: &[f64], g: &mut [f64]| {
            g[0] = 0.0;
            Ok(f64::INFINITY)
        };
        assert!(matches!(
            optimize(&mut inf, &[0.0], &OptimizeConfig::default()),
            Err(OptimizeError::BadStart(_))
        ));
    }

    /// An unbounded log density (minus it goes to -inf along x): the
    /// optimizer stops, never panics, and says it did not converge or keeps
    /// the last finite point.
    #[test]
    fn an_unbounded_log_density_ends_without_a_mode() {
        for algorithm in [Algorithm::Lbfgs, Algorithm::Bfgs, Algorithm::Newton] {
            let mut f = |x: &[f64], g: &mut [f64]| {
                g[0] = -1.0;
                Ok(-x[0])
            };
            let config = OptimizeConfig {
                algorithm,
                iter: 200,
                ..OptimizeConfig::default()
            };
            let r = optimize(&mut f, &[0.0], &config).unwrap();
            assert!(r.log_density.is_finite() && r.x[0].is_finite());
            assert!(
                !r.termination.converged(),
                "{algorithm:?}: {:?}",
                r.termination
            );
            if algorithm != Algorithm::Newton {
                assert_eq!(r.termination, Termination::Unbounded, "{algorithm:?}");
            }
        }
    }
}

//! The `Model` trait: everything the sampler needs from a model, and nothing about how it was made.

use rand::Rng;

/// Why a model could not evaluate at a point: a recoverable rejection.
///
/// In the model block this rejects the proposal (the sampler counts it as a
/// divergence and goes on); during initialization it makes the sampler try
/// another point. The message names the function, the value and the source
/// line, as the model wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub message: String,
}

impl Rejection {
    pub fn new(message: impl Into<String>) -> Self {
        Rejection {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

/// A differentiable log density on an unconstrained space, with a map back
/// to the constrained values that users see.
///
/// Each chain owns its own `Model` value (the sampler asks a factory for one
/// per chain), so methods take `&mut self` and may keep scratch space, such as
/// an AD tape, between calls without locking.
pub trait Model: Send {
    /// Number of unconstrained parameters.
    fn dim(&self) -> usize;

    /// Names of the output columns that `write_draw` fills, in order:
    /// parameters, then transformed parameters, then generated quantities,
    /// flattened as Stan flattens them (`theta.1`, `Sigma.2.3`, column-major).
    fn output_names(&self) -> Vec<String>;

    /// The log density at the unconstrained point `theta` (with the
    /// log-Jacobian of the constraining transforms) and, written into `grad`,
    /// its gradient. `grad.len() == self.dim()`.
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection>;

    /// The constrained values of the parameters at `theta`, then transformed
    /// parameters and generated quantities (drawing from `rng`), written into
    /// `out`, which has `output_names().len()` slots. On a rejection the
    /// model leaves in `out` what it could compute (Stan keeps the
    /// parameters) and NaN in the other slots; the sampler writes the row as
    /// it is.
    fn write_draw(
        &mut self,
        theta: &[f64],
        rng: &mut dyn Rng,
        out: &mut [f64],
    ) -> Result<(), Rejection>;
}

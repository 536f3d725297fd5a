//! Finding a starting point with a finite log density and gradient, as Stan
//! does: up to 100 random tries, and one clear error if all fail.

use crate::chain_rng::ChainRng;
use crate::config::InitialValues;
use crate::hamiltonian::{Hamiltonian, PhasePoint};
use rand::RngExt;

/// Why no starting point could be found.
#[derive(Clone, Debug, PartialEq)]
pub struct InitializationError {
    pub attempts: usize,
    pub message: String,
}

impl std::fmt::Display for InitializationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InitializationError {}

/// Why one candidate point failed, for the final message.
fn describe_failure(hamiltonian: &Hamiltonian, point: &PhasePoint) -> String {
    if point.log_density.is_finite() {
        return "the gradient of the log density is not finite there".to_string();
    }
    match &hamiltonian.last_rejection {
        Some(rejection) => format!("the model rejected it: {}", rejection.message),
        None => format!("the log density is {} there", point.log_density),
    }
}

/// A point whose log density and gradient are finite, for chain `chain_index`
/// (0-based), drawing random candidates from `rng`.
pub fn find_initial_point(
    hamiltonian: &mut Hamiltonian,
    rng: &mut ChainRng,
    init: &InitialValues,
    chain_index: usize,
    max_attempts: usize,
) -> Result<PhasePoint, InitializationError> {
    let dim = hamiltonian.dim();
    let mut point = PhasePoint::new(dim);
    let given = match init {
        InitialValues::Uniform { .. } => None,
        InitialValues::Given(values) => Some(values),
        InitialValues::PerChain(points) => points.get(chain_index),
    };
    if let Some(values) = given {
        if values.len() != dim {
            return Err(InitializationError {
                attempts: 0,
                message: format!(
                    "The initial point has {} values, but the model has {} unconstrained parameters.",
                    values.len(),
                    dim
                ),
            });
        }
    }
    let radius = match init {
        InitialValues::Uniform { radius } => *radius,
        _ => 0.0,
    };
    // A fixed starting point gives the same answer every time: try it once.
    let attempts = if given.is_some() || radius == 0.0 {
        1
    } else {
        max_attempts.max(1)
    };
    let mut last_failure = String::new();
    // Whether every attempt failed with the same words (values included).
    let mut always_the_same = true;
    for attempt in 0..attempts {
        match given {
            Some(values) => point.position.copy_from_slice(values),
            None if radius == 0.0 => point.position.fill(0.0),
            None => {
                for slot in point.position.iter_mut() {
                    *slot = rng.random_range(-radius..radius);
                }
            }
        }
        hamiltonian.last_rejection = None;
        hamiltonian.update_log_density(&mut point);
        if point.log_density.is_finite() && point.gradient.iter().all(|g| g.is_finite()) {
            return Ok(point);
        }
        let failure = describe_failure(hamiltonian, &point);
        always_the_same &= attempt == 0 || failure == last_failure;
        last_failure = failure;
    }
    if attempts > 1 && always_the_same {
        return Err(InitializationError {
            attempts,
            message: format!(
                "Could not find a starting point: all {attempts} attempts failed the same way, \
                 wherever the parameters were: {last_failure}. The cause is not the starting \
                 values: check the data and the statement named there."
            ),
        });
    }
    let advice = match (given.is_some(), radius) {
        (true, _) => "check the initial values you gave, or let cmod draw random ones.",
        (false, 0.0) => "try random initial values (a positive init radius).",
        _ => "try a smaller init radius (for example 0.5), give initial values, or check that the model's \
              constraints and priors allow the values drawn.",
    };
    Err(InitializationError {
        attempts,
        message: format!(
            "Could not find a starting point after {} attempt{}: at the last one, {}. To fix this, {}",
            attempts,
            if attempts == 1 { "" } else { "s" },
            last_failure,
            advice
        ),
    })
}

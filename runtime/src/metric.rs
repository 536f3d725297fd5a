//! The Euclidean metric of the Hamiltonian: a diagonal or dense inverse mass
//! matrix, with the kinetic energy, its momentum gradient, and momentum draws.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Which shape of metric the sampler uses and adapts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// A diagonal inverse mass matrix (Stan's `diag_e`, the default).
    Diagonal,
    /// A full inverse mass matrix (Stan's `dense_e`).
    Dense,
}

impl MetricKind {
    /// The name Stan's CSV header uses: `diag_e` or `dense_e`.
    pub fn stan_name(self) -> &'static str {
        match self {
            MetricKind::Diagonal => "diag_e",
            MetricKind::Dense => "dense_e",
        }
    }
}

/// The inverse mass matrix M^-1 and what the sampler computes from it.
#[derive(Clone, Debug, PartialEq)]
pub enum Metric {
    /// The diagonal of M^-1.
    Diagonal { inverse_diagonal: Vec<f64> },
    /// M^-1 as a row-major `dim x dim` matrix, with its lower Cholesky factor L
    /// (M^-1 = L L^T), also row-major.
    Dense {
        dim: usize,
        inverse: Vec<f64>,
        cholesky_lower: Vec<f64>,
    },
}

/// Why a dense inverse metric could not be used.
#[derive(Clone, Debug, PartialEq)]
pub struct NotPositiveDefinite;

/// The lower Cholesky factor of a symmetric row-major matrix, or an error if
/// it is not (numerically) positive definite.
pub fn cholesky_lower(matrix: &[f64], dim: usize) -> Result<Vec<f64>, NotPositiveDefinite> {
    let mut lower = vec![0.0; dim * dim];
    for row in 0..dim {
        for column in 0..=row {
            let mut sum = matrix[row * dim + column];
            for k in 0..column {
                sum -= lower[row * dim + k] * lower[column * dim + k];
            }
            if row == column {
                // NaN fails too.
                if !(sum.is_finite() && sum > 0.0) {
                    return Err(NotPositiveDefinite);
                }
                lower[row * dim + row] = sum.sqrt();
            } else {
                lower[row * dim + column] = sum / lower[column * dim + column];
            }
        }
    }
    Ok(lower)
}

impl Metric {
    /// The unit metric of the given kind.
    pub fn unit(kind: MetricKind, dim: usize) -> Metric {
        match kind {
            MetricKind::Diagonal => Metric::Diagonal {
                inverse_diagonal: vec![1.0; dim],
            },
            MetricKind::Dense => {
                let mut identity = vec![0.0; dim * dim];
                for i in 0..dim {
                    identity[i * dim + i] = 1.0;
                }
                Metric::Dense {
                    dim,
                    cholesky_lower: identity.clone(),
                    inverse: identity,
                }
            }
        }
    }

    /// A dense metric from a row-major inverse mass matrix.
    pub fn dense(inverse: Vec<f64>, dim: usize) -> Result<Metric, NotPositiveDefinite> {
        let cholesky_lower = cholesky_lower(&inverse, dim)?;
        Ok(Metric::Dense {
            dim,
            inverse,
            cholesky_lower,
        })
    }

    pub fn kind(&self) -> MetricKind {
        match self {
            Metric::Diagonal { .. } => MetricKind::Diagonal,
            Metric::Dense { .. } => MetricKind::Dense,
        }
    }

    /// Writes the velocity dq/dt = M^-1 p (Stan's `dtau_dp`, "p sharp") into `out`.
    pub fn velocity(&self, momentum: &[f64], out: &mut [f64]) {
        match self {
            Metric::Diagonal { inverse_diagonal } => {
                for ((slot, p), inverse) in out.iter_mut().zip(momentum).zip(inverse_diagonal) {
                    *slot = inverse * p;
                }
            }
            Metric::Dense { dim, inverse, .. } => {
                for (row, slot) in out.iter_mut().enumerate().take(*dim) {
                    let matrix_row = &inverse[row * dim..(row + 1) * dim];
                    *slot = matrix_row.iter().zip(momentum).map(|(a, p)| a * p).sum();
                }
            }
        }
    }

    /// The kinetic energy p^T M^-1 p / 2. `scratch` has the dimension's length.
    pub fn kinetic_energy(&self, momentum: &[f64], scratch: &mut [f64]) -> f64 {
        match self {
            Metric::Diagonal { inverse_diagonal } => {
                0.5 * momentum
                    .iter()
                    .zip(inverse_diagonal)
                    .map(|(p, inverse)| p * p * inverse)
                    .sum::<f64>()
            }
            Metric::Dense { .. } => {
                self.velocity(momentum, scratch);
                0.5 * momentum
                    .iter()
                    .zip(scratch.iter())
                    .map(|(p, v)| p * v)
                    .sum::<f64>()
            }
        }
    }

    /// Writes the velocity M^-1 p into `velocity` and returns the kinetic
    /// energy p^T M^-1 p / 2, in one pass: the same values as `velocity` and
    /// `kinetic_energy` computed separately.
    pub fn velocity_and_kinetic_energy(&self, momentum: &[f64], velocity: &mut [f64]) -> f64 {
        match self {
            Metric::Diagonal { inverse_diagonal } => {
                let mut twice_kinetic = 0.0;
                for ((slot, p), inverse) in velocity.iter_mut().zip(momentum).zip(inverse_diagonal)
                {
                    *slot = inverse * p;
                    twice_kinetic += p * p * inverse;
                }
                0.5 * twice_kinetic
            }
            Metric::Dense { .. } => {
                self.velocity(momentum, velocity);
                0.5 * momentum
                    .iter()
                    .zip(velocity.iter())
                    .map(|(p, v)| p * v)
                    .sum::<f64>()
            }
        }
    }

    /// Draws a momentum from N(0, M) into `out`, as Stan does: for the
    /// diagonal metric p_i = z_i / sqrt(M^-1_ii); for the dense one p solves
    /// L^T p = z with M^-1 = L L^T.
    pub fn sample_momentum<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match self {
            Metric::Diagonal { inverse_diagonal } => {
                for (slot, inverse) in out.iter_mut().zip(inverse_diagonal) {
                    let z: f64 = StandardNormal.sample(rng);
                    *slot = z / inverse.sqrt();
                }
            }
            Metric::Dense {
                dim,
                cholesky_lower,
                ..
            } => {
                for slot in out.iter_mut() {
                    *slot = StandardNormal.sample(rng);
                }
                // Back substitution with the upper factor U = L^T: U[i][k] = L[k][i].
                let dim = *dim;
                for i in (0..dim).rev() {
                    let mut sum = out[i];
                    for k in i + 1..dim {
                        sum -= cholesky_lower[k * dim + i] * out[k];
                    }
                    out[i] = sum / cholesky_lower[i * dim + i];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs_the_matrix() {
        let matrix = vec![4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let lower = cholesky_lower(&matrix, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3).map(|k| lower[i * 3 + k] * lower[j * 3 + k]).sum();
                assert!((product - matrix[i * 3 + j]).abs() < 1e-12);
            }
        }
        assert_eq!(
            cholesky_lower(&[1.0, 2.0, 2.0, 1.0], 2),
            Err(NotPositiveDefinite)
        );
    }
}

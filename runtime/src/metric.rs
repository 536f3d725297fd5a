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
    /// A diagonal inverse mass matrix corrected along a few directions, as
    /// nutpie's low-rank metric; written to Stan CSV as the `dense_e` matrix
    /// it equals.
    LowRank,
}

impl MetricKind {
    /// The name Stan's CSV header uses: `diag_e` or `dense_e`.
    pub fn stan_name(self) -> &'static str {
        match self {
            MetricKind::Diagonal => "diag_e",
            MetricKind::Dense | MetricKind::LowRank => "dense_e",
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
    /// M^-1 = D (I + sum_j (lambda_j - 1) u_j u_j^T) D with D = diag(scale)
    /// and orthonormal u_j: the diagonal metric `scale^2`, stretched by
    /// lambda_j along each direction u_j (in the space scaled by D).
    LowRank {
        /// The diagonal part's standard deviations (D).
        scale: Vec<f64>,
        /// The directions u_j, one after the other (`values.len()` x dim).
        directions: Vec<f64>,
        /// lambda_j, one per direction.
        values: Vec<f64>,
        /// M^-1 written out (row-major) when multiplying by it is cheaper
        /// than by the directions (more than dim / 2 of them); empty
        /// otherwise. Momenta are drawn from the directions either way.
        inverse: Vec<f64>,
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
            MetricKind::LowRank => Metric::low_rank(vec![1.0; dim], Vec::new(), Vec::new()),
        }
    }

    /// A low-rank metric D (I + sum_j (lambda_j - 1) u_j u_j^T) D from
    /// D's diagonal `scale`, the orthonormal directions u_j (one after the
    /// other) and their `values`, written out as a matrix as well when
    /// that is the cheaper way to multiply (see `Metric::LowRank`).
    pub fn low_rank(scale: Vec<f64>, directions: Vec<f64>, values: Vec<f64>) -> Metric {
        let dim = scale.len();
        let mut metric = Metric::LowRank {
            scale,
            directions,
            values,
            inverse: Vec::new(),
        };
        let Metric::LowRank { values, .. } = &metric else {
            unreachable!("made above")
        };
        if 2 * values.len() > dim {
            let matrix = metric.inverse_matrix(dim);
            if let Metric::LowRank { inverse, .. } = &mut metric {
                *inverse = matrix;
            }
        }
        metric
    }

    /// The inverse metric as a row-major `dim x dim` matrix, exactly
    /// symmetric (for the CSV header of a low-rank metric).
    pub fn inverse_matrix(&self, dim: usize) -> Vec<f64> {
        let mut matrix = vec![0.0; dim * dim];
        let mut column = vec![0.0; dim];
        let mut unit = vec![0.0; dim];
        for j in 0..dim {
            unit.fill(0.0);
            unit[j] = 1.0;
            self.velocity(&unit, &mut column);
            for i in 0..dim {
                matrix[i * dim + j] = column[i];
            }
        }
        // The two halves differ by rounding: make them the same number.
        for i in 0..dim {
            for j in 0..i {
                let mean = 0.5 * (matrix[i * dim + j] + matrix[j * dim + i]);
                matrix[i * dim + j] = mean;
                matrix[j * dim + i] = mean;
            }
        }
        matrix
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
            Metric::LowRank { .. } => MetricKind::LowRank,
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
            Metric::Dense { dim, inverse, .. } => multiply(inverse, *dim, momentum, out),
            Metric::LowRank { inverse, .. } if !inverse.is_empty() => {
                multiply(inverse, momentum.len(), momentum, out)
            }
            Metric::LowRank {
                scale,
                directions,
                values,
                ..
            } => {
                // w = D p; w += (lambda_j - 1) (u_j . w) u_j for each j (the
                // directions are orthonormal, so each projection is of the
                // original w); then D w.
                for ((slot, p), s) in out.iter_mut().zip(momentum).zip(scale) {
                    *slot = s * p;
                }
                stretch_along(out, directions, values, |lambda| lambda - 1.0);
                for (slot, s) in out.iter_mut().zip(scale) {
                    *slot *= s;
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
            Metric::Dense { .. } | Metric::LowRank { .. } => {
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
            Metric::Dense { .. } | Metric::LowRank { .. } => {
                self.velocity(momentum, velocity);
                0.5 * dot(momentum, velocity)
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
            Metric::LowRank {
                scale,
                directions,
                values,
                ..
            } => {
                // M = D^-1 (I + sum_j (1 / lambda_j - 1) u_j u_j^T) D^-1, whose
                // square root maps z ~ N(0, I) to
                // p = D^-1 (z + sum_j (lambda_j^-1/2 - 1) (u_j . z) u_j).
                for slot in out.iter_mut() {
                    *slot = StandardNormal.sample(rng);
                }
                stretch_along(out, directions, values, |lambda| {
                    lambda.sqrt().recip() - 1.0
                });
                for (slot, s) in out.iter_mut().zip(scale) {
                    *slot /= s;
                }
            }
        }
    }
}

/// out = A v for a row-major `dim x dim` matrix A.
#[inline]
fn multiply(matrix: &[f64], dim: usize, v: &[f64], out: &mut [f64]) {
    for (row, slot) in out.iter_mut().enumerate().take(dim) {
        *slot = dot(&matrix[row * dim..(row + 1) * dim], v);
    }
}

/// a . b with four running sums: a single sum waits for each add before the
/// next (the velocity of a 46-dimensional dense metric took 10% of a run),
/// four let the adds overlap and vectorize.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let split = n - n % 4;
    let mut sums = [0.0; 4];
    for (a4, b4) in a[..split].chunks_exact(4).zip(b[..split].chunks_exact(4)) {
        for k in 0..4 {
            sums[k] += a4[k] * b4[k];
        }
    }
    let mut tail = 0.0;
    for i in split..n {
        tail += a[i] * b[i];
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

/// w += f(lambda_j) (u_j . w) u_j for each orthonormal direction u_j (the
/// directions laid one after the other in `directions`).
#[inline]
fn stretch_along(w: &mut [f64], directions: &[f64], values: &[f64], f: impl Fn(f64) -> f64) {
    let dim = w.len();
    for (direction, &lambda) in directions.chunks_exact(dim.max(1)).zip(values) {
        let projection = dot(direction, w);
        let factor = f(lambda) * projection;
        for (x, u) in w.iter_mut().zip(direction) {
            *x += factor * u;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A low-rank metric in 3 dimensions with two directions.
    fn low_rank() -> Metric {
        let (a, b) = (0.6f64, 0.8f64);
        Metric::low_rank(
            vec![2.0, 0.5, 1.5],
            vec![a, b, 0.0, -b, a, 0.0],
            vec![9.0, 0.25],
        )
    }

    #[test]
    fn the_low_rank_velocity_is_its_matrix_times_the_momentum() {
        let metric = low_rank();
        let matrix = metric.inverse_matrix(3);
        // D (I + sum (lambda - 1) u u^T) D, written out.
        let (scale, u, lambda) = (
            [2.0, 0.5, 1.5],
            [[0.6, 0.8, 0.0], [-0.8, 0.6, 0.0]],
            [9.0, 0.25],
        );
        for i in 0..3 {
            for j in 0..3 {
                let identity = if i == j { 1.0 } else { 0.0 };
                let stretch: f64 = (0..2).map(|k| (lambda[k] - 1.0) * u[k][i] * u[k][j]).sum();
                let expected = scale[i] * (identity + stretch) * scale[j];
                assert!((matrix[i * 3 + j] - expected).abs() < 1e-12, "{i} {j}");
            }
        }
        let momentum = [0.3, -1.2, 0.7];
        let mut velocity = [0.0; 3];
        let mut scratch = [0.0; 3];
        metric.velocity(&momentum, &mut velocity);
        let kinetic = metric.kinetic_energy(&momentum, &mut scratch);
        let quadratic: f64 = (0..3)
            .map(|i| {
                (0..3)
                    .map(|j| momentum[i] * matrix[i * 3 + j] * momentum[j])
                    .sum::<f64>()
            })
            .sum();
        assert!((kinetic - 0.5 * quadratic).abs() < 1e-12);
        for i in 0..3 {
            let row: f64 = (0..3).map(|j| matrix[i * 3 + j] * momentum[j]).sum();
            assert!((velocity[i] - row).abs() < 1e-12);
        }
    }

    #[test]
    fn the_written_out_matrix_and_the_directions_give_the_same_velocity() {
        // Two directions of three dimensions are multiplied as a matrix,
        // one as a direction: both must agree with the formula.
        let (a, b) = (0.6f64, 0.8f64);
        let scale = vec![2.0, 0.5, 1.5];
        let few = Metric::low_rank(scale.clone(), vec![a, b, 0.0], vec![9.0]);
        let many = low_rank();
        let Metric::LowRank { inverse, .. } = &few else {
            unreachable!()
        };
        assert!(inverse.is_empty(), "one direction of three: no matrix");
        let Metric::LowRank { inverse, .. } = &many else {
            unreachable!()
        };
        assert_eq!(inverse.len(), 9, "two directions of three: the matrix");
        let momentum = [0.3, -1.2, 0.7];
        for (metric, directions) in [
            (&few, vec![[a, b, 0.0]]),
            (&many, vec![[a, b, 0.0], [-b, a, 0.0]]),
        ] {
            let Metric::LowRank { values, .. } = metric else {
                unreachable!()
            };
            let mut velocity = [0.0; 3];
            metric.velocity(&momentum, &mut velocity);
            let w: Vec<f64> = momentum.iter().zip(&scale).map(|(p, s)| p * s).collect();
            for i in 0..3 {
                let stretch: f64 = directions
                    .iter()
                    .zip(values)
                    .map(|(u, lambda)| {
                        (lambda - 1.0) * u[i] * u.iter().zip(&w).map(|(x, y)| x * y).sum::<f64>()
                    })
                    .sum();
                let expected = scale[i] * (w[i] + stretch);
                assert!((velocity[i] - expected).abs() < 1e-12, "{i}");
            }
        }
    }

    #[test]
    fn low_rank_momenta_have_the_inverse_of_the_inverse_metric_as_covariance() {
        // The momentum map S (z -> p) must satisfy S S^T = M, so that
        // S S^T M^-1 = I.
        let metric = low_rank();
        let Metric::LowRank {
            scale,
            directions,
            values,
            ..
        } = &metric
        else {
            unreachable!()
        };
        let columns: Vec<Vec<f64>> = (0..3)
            .map(|k| {
                let mut z = vec![0.0; 3];
                z[k] = 1.0;
                stretch_along(&mut z, directions, values, |lambda| {
                    lambda.sqrt().recip() - 1.0
                });
                z.iter().zip(scale).map(|(x, s)| x / s).collect()
            })
            .collect();
        let inverse = metric.inverse_matrix(3);
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3)
                    .map(|m| {
                        let covariance: f64 = (0..3).map(|k| columns[k][i] * columns[k][m]).sum();
                        covariance * inverse[m * 3 + j]
                    })
                    .sum();
                let identity = if i == j { 1.0 } else { 0.0 };
                assert!((product - identity).abs() < 1e-12, "{i} {j}: {product}");
            }
        }
    }

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

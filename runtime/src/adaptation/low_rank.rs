//! The low-rank correction of a diagonal metric, estimated from a window of
//! draws and their gradients as nutpie's low-rank adaptation does.
//!
//! After scaling each coordinate by the diagonal estimate (sigma_i^2 =
//! sqrt(var(x_i) / var(grad_i))), the draws' covariance C and the
//! gradients' covariance G of a Gaussian satisfy Sigma G Sigma = C for its
//! covariance Sigma; the solution is their geometric mean
//! Sigma = G^-1/2 (G^1/2 C G^1/2)^1/2 G^-1/2. With fewer draws than
//! dimensions both are estimated only in the span of the draws and the
//! gradients, so the mean is computed there. Directions whose eigenvalue is
//! far from 1 (above 2 or below 1/2) correct the diagonal metric; in all
//! other directions it stays as it is.

use crate::metric::Metric;
use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// Added to the covariances (relative to the sums of squares, which are
/// divided by it) so that they stay positive definite.
const REGULARIZATION: f64 = 1e-5;
/// Eigenvalues between 1 / CUTOFF and CUTOFF leave their direction alone.
const CUTOFF: f64 = 2.0;
/// The fewest draws a low-rank estimate is made from (as nutpie). So few
/// draws can leave the covariances nearly singular, and their geometric
/// mean with eigenvalues of 1e-12 or, by rounding, below zero: such an
/// estimate is not used (see `estimate`). Waiting for 10 draws instead cost
/// a third of the ESS per gradient on varying slopes and did not prevent it.
pub(super) const SMALLEST_WINDOW: usize = 3;

/// The low-rank metric of a window of draws and gradients (each a slice of
/// the dimension's length), or None if the estimate is not finite.
pub fn estimate(draws: &[&[f64]], gradients: &[&[f64]]) -> Option<Metric> {
    let n = draws.len();
    let dim = draws.first()?.len();
    if n < SMALLEST_WINDOW || dim == 0 {
        return None;
    }
    // Columns are draws: x' = (x - mean) / sigma, g' = (g - mean) * sigma.
    let mut x = DMatrix::from_fn(dim, n, |i, k| draws[k][i]);
    let mut g = DMatrix::from_fn(dim, n, |i, k| gradients[k][i]);
    let mut scale = vec![0.0; dim];
    for i in 0..dim {
        let (draw_mean, draw_variance) = mean_and_variance(x.row(i).iter());
        let (gradient_mean, gradient_variance) = mean_and_variance(g.row(i).iter());
        let sigma = (draw_variance / gradient_variance).sqrt().sqrt();
        if !(sigma.is_finite() && sigma > 0.0) {
            return None;
        }
        scale[i] = sigma;
        x.row_mut(i).apply(|v| *v = (*v - draw_mean) / sigma);
        g.row_mut(i).apply(|v| *v = (*v - gradient_mean) * sigma);
    }

    // An orthonormal basis of the span of the draws and gradients, or the
    // whole space when that is no smaller.
    let basis = if 2 * n >= dim {
        None
    } else {
        let draw_directions = x.clone().svd(true, false).u?;
        let gradient_directions = g.clone().svd(true, false).u?;
        let mut both = DMatrix::zeros(dim, draw_directions.ncols() + gradient_directions.ncols());
        both.columns_mut(0, draw_directions.ncols())
            .copy_from(&draw_directions);
        both.columns_mut(draw_directions.ncols(), gradient_directions.ncols())
            .copy_from(&gradient_directions);
        Some(both.qr().q())
    };
    let (x, g) = match &basis {
        Some(q) => (q.transpose() * &x, q.transpose() * &g),
        None => (x, g),
    };
    let mut draw_covariance = &x * x.transpose() / REGULARIZATION;
    let mut gradient_covariance = &g * g.transpose() / REGULARIZATION;
    for i in 0..draw_covariance.nrows() {
        draw_covariance[(i, i)] += 1.0;
        gradient_covariance[(i, i)] += 1.0;
    }
    let mean = geometric_mean(draw_covariance, gradient_covariance)?;
    let eigen = SymmetricEigen::new(mean);

    let mut directions = Vec::new();
    let mut values = Vec::new();
    for (k, &lambda) in eigen.eigenvalues.iter().enumerate() {
        if !(lambda > CUTOFF || lambda < CUTOFF.recip()) {
            continue;
        }
        let in_basis = eigen.eigenvectors.column(k);
        let direction: DVector<f64> = match &basis {
            Some(q) => q * in_basis,
            None => in_basis.into_owned(),
        };
        directions.extend(direction.iter());
        values.push(lambda);
    }
    // An eigenvalue that is not a positive number (rounding of a nearly
    // singular estimate) would make the momenta NaN: keep the old metric.
    let usable = directions.iter().all(|v: &f64| v.is_finite())
        && values
            .iter()
            .all(|&lambda| lambda.is_finite() && lambda > 0.0);
    usable.then(|| Metric::low_rank(scale, directions, values))
}

/// The mean and the variance (divided by the count) of some numbers.
fn mean_and_variance<'a>(values: impl Iterator<Item = &'a f64> + Clone) -> (f64, f64) {
    let count = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / count;
    let variance = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / count;
    (mean, variance)
}

/// The symmetric positive definite M with M B M = A:
/// B^-1/2 (B^1/2 A B^1/2)^1/2 B^-1/2.
fn geometric_mean(a: DMatrix<f64>, b: DMatrix<f64>) -> Option<DMatrix<f64>> {
    let b_eigen = SymmetricEigen::new(b);
    if b_eigen.eigenvalues.iter().any(|&v| !(v > 0.0)) {
        return None;
    }
    let b_sqrt = spectral_function(&b_eigen, f64::sqrt);
    let b_inverse_sqrt = spectral_function(&b_eigen, |v| v.sqrt().recip());
    let middle = SymmetricEigen::new(&b_sqrt * a * &b_sqrt);
    if middle.eigenvalues.iter().any(|&v| !(v >= 0.0)) {
        return None;
    }
    let middle_sqrt = spectral_function(&middle, f64::sqrt);
    Some(&b_inverse_sqrt * middle_sqrt * &b_inverse_sqrt)
}

/// V f(Lambda) V^T for a symmetric matrix's eigendecomposition V Lambda V^T.
fn spectral_function(
    eigen: &SymmetricEigen<f64, nalgebra::Dyn>,
    f: impl Fn(f64) -> f64,
) -> DMatrix<f64> {
    let values = eigen.eigenvalues.map(f);
    &eigen.eigenvectors * DMatrix::from_diagonal(&values) * eigen.eigenvectors.transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain_rng::chain_rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn the_geometric_mean_solves_m_b_m_equals_a() {
        let a = DMatrix::from_row_slice(2, 2, &[4.0, 1.0, 1.0, 3.0]);
        let b = DMatrix::from_row_slice(2, 2, &[2.0, -0.5, -0.5, 1.0]);
        let m = geometric_mean(a.clone(), b.clone()).unwrap();
        assert!((&m * b * &m - a).abs().max() < 1e-12);
        assert!((&m - m.transpose()).abs().max() < 1e-12);
    }

    /// Draws of a Gaussian with covariance `covariance` (through its
    /// Cholesky factor) and their gradients -covariance^-1 x.
    fn gaussian_window(covariance: &DMatrix<f64>, n: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let dim = covariance.nrows();
        let lower = covariance.clone().cholesky().unwrap().l();
        let precision = covariance.clone().try_inverse().unwrap();
        let mut rng = chain_rng(7, 1);
        let mut draws = Vec::new();
        let mut gradients = Vec::new();
        for _ in 0..n {
            let z = DVector::from_fn(dim, |_, _| StandardNormal.sample(&mut rng));
            let x = &lower * z;
            let g = -(&precision * &x);
            draws.push(x.iter().copied().collect());
            gradients.push(g.iter().copied().collect());
        }
        (draws, gradients)
    }

    #[test]
    fn a_correlated_gaussian_is_recovered_from_more_draws_than_dimensions() {
        // For a Gaussian the estimate is exact whatever the draws, once
        // they span the space: the draws' and gradients' covariances are
        // then S and S^-1 conjugated by the same sample matrix.
        let covariance =
            DMatrix::from_row_slice(3, 3, &[4.0, 1.8, 0.0, 1.8, 1.0, 0.3, 0.0, 0.3, 0.5]);
        let (draws, gradients) = gaussian_window(&covariance, 50);
        let draws: Vec<&[f64]> = draws.iter().map(Vec::as_slice).collect();
        let gradients: Vec<&[f64]> = gradients.iter().map(Vec::as_slice).collect();
        let metric = estimate(&draws, &gradients).unwrap();
        let matrix = DMatrix::from_row_slice(3, 3, &metric.inverse_matrix(3));
        // Directions within (1/2, 2) of the diagonal estimate are left
        // alone, so compare up to that factor, and exactly where corrected.
        let relative = covariance.clone().try_inverse().unwrap() * &matrix;
        let eigen = relative.symmetric_eigenvalues();
        for value in eigen.iter() {
            assert!(*value > 0.45 && *value < 2.1, "{eigen}");
        }
        let Metric::LowRank { values, .. } = &metric else {
            unreachable!()
        };
        assert!(!values.is_empty(), "the strong correlation is corrected");
    }

    #[test]
    fn nearly_collinear_draws_give_no_unusable_eigenvalue() {
        // A chain far in the tails moves along a line: its draws span one
        // direction while its gradients span others. Whatever the estimate,
        // every eigenvalue must be a positive number (a NaN momentum would
        // stop the chain for good), or there is no estimate at all.
        for n in [3, 10, 12, 40] {
            let draws: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let t = k as f64;
                    vec![
                        1.0 + 0.5 * t,
                        2.0 - 1e-9 * t * t,
                        0.3 * t + 1e-12 * (t * 1.7).sin(),
                    ]
                })
                .collect();
            let gradients: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let t = k as f64;
                    vec![-1e4 * (1.0 + t), 3e3 * (t * 0.9).cos(), -2e5 + 7.0 * t * t]
                })
                .collect();
            let draws: Vec<&[f64]> = draws.iter().map(Vec::as_slice).collect();
            let gradients: Vec<&[f64]> = gradients.iter().map(Vec::as_slice).collect();
            if let Some(Metric::LowRank { values, scale, .. }) = estimate(&draws, &gradients) {
                assert!(
                    values.iter().all(|&v| v.is_finite() && v > 0.0),
                    "{n}: {values:?}"
                );
                assert!(
                    scale.iter().all(|&s| s.is_finite() && s > 0.0),
                    "{n}: {scale:?}"
                );
            }
        }
    }

    #[test]
    fn with_fewer_draws_than_dimensions_the_directions_lie_in_their_span() {
        let dim = 30;
        let mut covariance = DMatrix::identity(dim, dim);
        covariance[(0, 1)] = 0.95;
        covariance[(1, 0)] = 0.95;
        let (draws, gradients) = gaussian_window(&covariance, 12);
        let draws: Vec<&[f64]> = draws.iter().map(Vec::as_slice).collect();
        let gradients: Vec<&[f64]> = gradients.iter().map(Vec::as_slice).collect();
        let Metric::LowRank {
            directions, values, ..
        } = estimate(&draws, &gradients).unwrap()
        else {
            unreachable!()
        };
        assert!(values.len() <= 24);
        for (j, u) in directions.chunks(dim).enumerate() {
            let norm: f64 = u.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-9);
            for (k, w) in directions.chunks(dim).enumerate().take(j) {
                let dot: f64 = u.iter().zip(w).map(|(a, b)| a * b).sum();
                assert!(dot.abs() < 1e-9, "{j} {k}");
            }
        }
    }
}

//! Pathfinder (Zhang, Carpenter, Gelman & Vehtari 2022): normal approximations along an L-BFGS path, the one with the best ELBO, and many paths pooled by Pareto-smoothed importance resampling.
//!
//! One path: L-BFGS climbs the log density (with the Jacobian) from a
//! random start, keeping every iterate. At each iterate the L-BFGS
//! inverse-Hessian estimate from the last `history_size` steps (in the
//! compact form of Byrd, Nocedal & Schnabel 1994, a scaled identity plus a
//! low-rank term) is the covariance of a normal approximation centred one
//! quasi-Newton step ahead; the approximation with the highest ELBO
//! (estimated from `num_elbo_draws` draws) is the path's answer. Several
//! paths' draws are pooled with importance weights log p - log q, smoothed
//! by PSIS, and resampled.
//!
//! One departure from Stan: the initial inverse-Hessian estimate is the
//! scaled identity of L-BFGS (s'y / y'y), not the paper's diagonal update.

use crate::optimize::{optimize, Objective, OptimizeConfig, OptimizeError};
use crate::psis::psis;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// Pathfinder's own settings (the L-BFGS ones are an `OptimizeConfig`).
#[derive(Clone, Debug, PartialEq)]
pub struct PathfinderConfig {
    pub lbfgs: OptimizeConfig,
    /// Draws per approximation to estimate its ELBO.
    pub num_elbo_draws: usize,
    /// Draws each path returns.
    pub num_draws: usize,
}

impl Default for PathfinderConfig {
    fn default() -> Self {
        PathfinderConfig {
            lbfgs: OptimizeConfig {
                iter: 1000,
                record_path: true,
                ..OptimizeConfig::default()
            },
            num_elbo_draws: 25,
            num_draws: 1000,
        }
    }
}

/// Draws on the unconstrained scale with the log densities of the target
/// (`log_p`, with the Jacobian; -inf where the model rejected the point)
/// and of the approximation that made them (`log_q`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draws {
    pub x: Vec<Vec<f64>>,
    pub log_p: Vec<f64>,
    pub log_q: Vec<f64>,
}

/// What one path found.
#[derive(Clone, Debug, PartialEq)]
pub struct PathResult {
    pub draws: Draws,
    /// The best approximation's ELBO, and the iteration it is centred after.
    pub elbo: f64,
    pub best_iteration: usize,
    pub lbfgs_iterations: usize,
}

/// Why a path found nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum PathError {
    /// The log density cannot be evaluated at the start.
    BadStart(String),
    /// No approximation along the path had a finite ELBO.
    NoApproximation { iterations: usize },
}

/// A normal approximation N(mu, gamma I + W M W'), ready to draw from.
struct Approximation {
    mu: DVector<f64>,
    gamma: f64,
    /// The orthonormal basis of W's span (n x r) and the lower Cholesky
    /// factor of the covariance within it (r x r); or, when r >= n, the
    /// dense covariance's factor (n x n) with `basis` None.
    basis: Option<DMatrix<f64>>,
    factor: DMatrix<f64>,
    log_det: f64,
}

impl Approximation {
    /// From the iterate `x`, the log density's gradient `g` there, and the
    /// curvature pairs (s, y) with y the change of minus the gradient.
    fn new(x: &[f64], g: &[f64], pairs: &[(DVector<f64>, DVector<f64>)]) -> Option<Self> {
        let n = x.len();
        let m = pairs.len();
        let (s_last, y_last) = pairs.last()?;
        let gamma = s_last.dot(y_last) / y_last.dot(y_last);
        if !(gamma > 0.0 && gamma.is_finite()) {
            return None;
        }
        let s = DMatrix::from_columns(&pairs.iter().map(|p| p.0.clone()).collect::<Vec<_>>());
        let y = DMatrix::from_columns(&pairs.iter().map(|p| p.1.clone()).collect::<Vec<_>>());
        let sy = s.transpose() * &y;
        let r = sy.upper_triangle();
        let r_inv = r.clone().try_inverse()?;
        let d = DMatrix::from_diagonal(&sy.diagonal());
        let top_left = r_inv.transpose() * (d + (y.transpose() * &y) * gamma) * &r_inv;
        let mut mid = DMatrix::zeros(2 * m, 2 * m);
        mid.view_mut((0, 0), (m, m)).copy_from(&top_left);
        mid.view_mut((0, m), (m, m))
            .copy_from(&(-r_inv.transpose()));
        mid.view_mut((m, 0), (m, m)).copy_from(&(-&r_inv));
        let mut w = DMatrix::zeros(n, 2 * m);
        w.view_mut((0, 0), (n, m)).copy_from(&s);
        w.view_mut((0, m), (n, m)).copy_from(&(y * gamma));
        let g = DVector::from_column_slice(g);
        // mu: one quasi-Newton step up the log density.
        let sigma_g = &g * gamma + &w * (&mid * (w.transpose() * &g));
        let mu = DVector::from_column_slice(x) + sigma_g;
        if 2 * m >= n {
            let cov = DMatrix::identity(n, n) * gamma + &w * &mid * w.transpose();
            let chol = cov.cholesky()?;
            let factor = chol.l();
            let log_det = 2.0 * factor.diagonal().iter().map(|v| v.ln()).sum::<f64>();
            return Some(Approximation {
                mu,
                gamma,
                basis: None,
                factor,
                log_det,
            });
        }
        let qr = w.qr();
        let (q, rw) = (qr.q(), qr.r());
        let k = q.ncols();
        let b = DMatrix::identity(k, k) * gamma + &rw * &mid * rw.transpose();
        let b = (&b + b.transpose()) * 0.5;
        let factor = b.cholesky()?.l();
        let log_det = (n - k) as f64 * gamma.ln()
            + 2.0 * factor.diagonal().iter().map(|v| v.ln()).sum::<f64>();
        if !log_det.is_finite() {
            return None;
        }
        Some(Approximation {
            mu,
            gamma,
            basis: Some(q),
            factor,
            log_det,
        })
    }

    /// A draw and its log density under the approximation.
    fn draw(&self, rng: &mut dyn Rng) -> (Vec<f64>, f64) {
        let n = self.mu.len();
        let u = DVector::from_iterator(n, (0..n).map(|_| StandardNormal.sample(&mut *rng)));
        let offset = match &self.basis {
            None => &self.factor * &u,
            Some(q) => {
                let inside = q.transpose() * &u;
                (&u - q * &inside) * self.gamma.sqrt() + q * (&self.factor * inside)
            }
        };
        let x = (&self.mu + offset).iter().copied().collect();
        let log_q =
            -0.5 * (n as f64 * (2.0 * std::f64::consts::PI).ln() + self.log_det + u.dot(&u));
        (x, log_q)
    }
}

/// The log density at `x` with the Jacobian, -inf where it cannot be evaluated.
fn log_p(objective: &mut dyn Objective, x: &[f64], scratch: &mut [f64]) -> f64 {
    match objective.minus_log_density(x, scratch) {
        Ok(f) if f.is_finite() => -f,
        _ => f64::NEG_INFINITY,
    }
}

/// One Pathfinder path from `x0`. `objective` is minus the log density with
/// the Jacobian of the transforms.
pub fn single_path(
    objective: &mut dyn Objective,
    x0: &[f64],
    config: &PathfinderConfig,
    rng: &mut dyn Rng,
) -> Result<PathResult, PathError> {
    let mut lbfgs = config.lbfgs.clone();
    lbfgs.record_path = true;
    let result = optimize(objective, x0, &lbfgs)
        .map_err(|OptimizeError::BadStart(m)| PathError::BadStart(m))?;
    let path = &result.path;
    let n = x0.len();
    let mut scratch = vec![0.0; n];
    let mut best: Option<(f64, usize, Approximation)> = None;
    let mut pairs: Vec<(DVector<f64>, DVector<f64>)> = Vec::new();
    for l in 1..path.len() {
        let s = DVector::from_column_slice(&path[l].0) - DVector::from_column_slice(&path[l - 1].0);
        // y: the change of the gradient of minus the log density.
        let y = DVector::from_column_slice(&path[l - 1].1) - DVector::from_column_slice(&path[l].1);
        if s.dot(&y) > f64::EPSILON * y.dot(&y) {
            pairs.push((s, y));
            if pairs.len() > lbfgs.history_size {
                pairs.remove(0);
            }
        }
        if pairs.is_empty() {
            continue;
        }
        let Some(approx) = Approximation::new(&path[l].0, &path[l].1, &pairs) else {
            continue;
        };
        let mut elbo = 0.0;
        for _ in 0..config.num_elbo_draws.max(1) {
            let (x, lq) = approx.draw(rng);
            elbo += log_p(objective, &x, &mut scratch) - lq;
        }
        elbo /= config.num_elbo_draws.max(1) as f64;
        if elbo.is_finite() && best.as_ref().is_none_or(|(e, _, _)| elbo > *e) {
            best = Some((elbo, l, approx));
        }
    }
    let Some((elbo, best_iteration, approx)) = best else {
        return Err(PathError::NoApproximation {
            iterations: result.iterations.len(),
        });
    };
    let mut draws = Draws::default();
    for _ in 0..config.num_draws {
        let (x, lq) = approx.draw(rng);
        let lp = log_p(objective, &x, &mut scratch);
        draws.x.push(x);
        draws.log_p.push(lp);
        draws.log_q.push(lq);
    }
    Ok(PathResult {
        draws,
        elbo,
        best_iteration,
        lbfgs_iterations: result.iterations.len(),
    })
}

/// `count` draws resampled with replacement from the pooled draws of all
/// paths, by their Pareto-smoothed importance weights; and the Pareto k.
pub fn psis_resample(pooled: &Draws, count: usize, rng: &mut dyn Rng) -> (Draws, f64) {
    let ratios: Vec<f64> = pooled
        .log_p
        .iter()
        .zip(&pooled.log_q)
        .map(|(p, q)| p - q)
        .collect();
    let (log_w, k) = psis(&ratios);
    let mut cumulative = Vec::with_capacity(log_w.len());
    let mut total = 0.0;
    for w in &log_w {
        total += w.exp();
        cumulative.push(total);
    }
    let mut out = Draws::default();
    if !(total > 0.0) {
        return (out, k);
    }
    for _ in 0..count {
        let u: f64 = rng.random::<f64>() * total;
        let i = cumulative
            .partition_point(|c| *c < u)
            .min(cumulative.len() - 1);
        out.x.push(pooled.x[i].clone());
        out.log_p.push(pooled.log_p[i]);
        out.log_q.push(pooled.log_q[i]);
    }
    (out, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A correlated 3-d Gaussian: the best approximation along the path is
    /// close to the target (L-BFGS's estimate is not exact after inexact line
    /// searches), and importance resampling corrects the rest: the resampled
    /// draws have the target's mean and variances, and k is small.
    #[test]
    fn a_gaussian_target_is_recovered() {
        let mean = [1.0, -2.0, 0.5];
        let precision = [[2.0, 0.9, 0.0], [0.9, 1.0, 0.3], [0.0, 0.3, 0.5]];
        // The target's covariance (the inverse of `precision`), diagonal.
        let variances = [0.98795, 2.40964, 2.86747];
        let mut minus_lp = |x: &[f64], g: &mut [f64]| {
            let d: Vec<f64> = (0..3).map(|i| x[i] - mean[i]).collect();
            let mut f = 0.0;
            for i in 0..3 {
                g[i] = (0..3).map(|j| precision[i][j] * d[j]).sum();
                f += 0.5 * d[i] * g[i];
            }
            Ok(f)
        };
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(1);
        let config = PathfinderConfig {
            num_draws: 4000,
            ..PathfinderConfig::default()
        };
        let r = single_path(&mut minus_lp, &[3.0, 3.0, -3.0], &config, &mut rng).unwrap();
        assert!(r.elbo.is_finite() && r.best_iteration >= 1);
        let (resampled, k) = psis_resample(&r.draws, 4000, &mut rng);
        assert_eq!(resampled.x.len(), 4000);
        assert!(k < 0.7, "k {k}");
        for i in 0..3 {
            let v: Vec<f64> = resampled.x.iter().map(|x| x[i]).collect();
            let m = v.iter().sum::<f64>() / 4000.0;
            let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 3999.0;
            assert!((m - mean[i]).abs() < 0.15, "mean {i}: {m}");
            assert!(
                (var / variances[i] - 1.0).abs() < 0.2,
                "variance {i}: {var}"
            );
        }
    }

    /// The compact form gives L-BFGS's inverse Hessian: its covariance
    /// times each pair's y is that pair's s for the latest pair.
    #[test]
    fn the_covariance_satisfies_the_secant_condition() {
        let pairs = vec![
            (
                DVector::from_vec(vec![0.1, -0.2, 0.3, 0.0]),
                DVector::from_vec(vec![0.5, -0.1, 0.9, 0.2]),
            ),
            (
                DVector::from_vec(vec![-0.3, 0.1, 0.2, 0.1]),
                DVector::from_vec(vec![-0.6, 0.4, 0.3, 0.3]),
            ),
        ];
        let a = Approximation::new(&[0.0; 4], &[0.0; 4], &pairs).unwrap();
        // Reconstruct the covariance from the factor.
        let cov = match &a.basis {
            None => &a.factor * a.factor.transpose(),
            Some(q) => {
                let n = q.nrows();
                (DMatrix::identity(n, n) - q * q.transpose()) * a.gamma
                    + q * (&a.factor * a.factor.transpose()) * q.transpose()
            }
        };
        let hy = &cov * &pairs[1].1;
        assert!((hy - &pairs[1].0).amax() < 1e-10);
    }

    #[test]
    fn a_path_without_curvature_is_an_error_not_a_panic() {
        let mut flat = |_: &[f64], g: &mut [f64]| {
            g.fill(0.0);
            Ok(0.0)
        };
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(1);
        let r = single_path(
            &mut flat,
            &[0.0, 0.0],
            &PathfinderConfig::default(),
            &mut rng,
        );
        assert!(matches!(r, Err(PathError::NoApproximation { .. })), "{r:?}");
    }
}

//! Newton's method as Stan's `newton` optimizer: the Hessian from finite differences of the gradient, made definite, and step halving.

use super::{norm, Iteration, Objective, OptimizeConfig, OptimizeResult, Termination};
use nalgebra::{DMatrix, DVector};

/// A step that raises the log density by less than this ends the search (Stan's rule).
const MIN_IMPROVEMENT: f64 = 1e-8;
/// The most halvings of one step.
const MAX_HALVINGS: usize = 50;

/// The Hessian of the objective at `x` by central differences of its
/// gradient (symmetrized), as Stan's Newton and Laplace methods compute it.
/// `None` when a gradient near `x` cannot be evaluated.
pub fn hessian(
    objective: &mut dyn Objective,
    x: &[f64],
    evaluations: &mut usize,
) -> Option<DMatrix<f64>> {
    let n = x.len();
    let mut h = DMatrix::zeros(n, n);
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        // cbrt(eps) balances truncation against rounding for central differences.
        let step = 6e-6 * x[i].abs().max(1.0);
        let mut xi = x.to_vec();
        xi[i] = x[i] + step;
        *evaluations += 2;
        let up = objective.minus_log_density(&xi, &mut gp).ok()?;
        xi[i] = x[i] - step;
        let down = objective.minus_log_density(&xi, &mut gm).ok()?;
        if !up.is_finite() || !down.is_finite() {
            return None;
        }
        for j in 0..n {
            h[(j, i)] = (gp[j] - gm[j]) / (2.0 * step);
        }
    }
    let ht = h.transpose();
    Some((h + ht) * 0.5)
}

/// The Newton direction `-H^-1 g` with `H`'s eigenvalues replaced by their
/// absolute values (floored at a millionth of the largest), so the step
/// descends even where the objective is not convex.
fn direction(h: DMatrix<f64>, g: &[f64]) -> Vec<f64> {
    let eigen = h.symmetric_eigen();
    let largest = eigen
        .eigenvalues
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let floor = (largest * 1e-6).max(1e-12);
    let g = DVector::from_column_slice(g);
    let q = &eigen.eigenvectors;
    let coords = q.transpose() * g;
    let scaled = DVector::from_iterator(
        coords.len(),
        coords
            .iter()
            .zip(eigen.eigenvalues.iter())
            .map(|(c, l)| -c / l.abs().max(floor)),
    );
    (q * scaled).iter().copied().collect()
}

pub(super) fn maximize(
    objective: &mut dyn Objective,
    mut x: Vec<f64>,
    mut f: f64,
    mut g: Vec<f64>,
    config: &OptimizeConfig,
) -> OptimizeResult {
    let initial = -f;
    let mut iterations = Vec::new();
    let mut evaluations = 1;
    let termination = loop {
        if norm(&g) < config.tol_grad {
            break Termination::AbsoluteGradient;
        }
        if iterations.len() >= config.iter {
            break Termination::MaxIterations;
        }
        let p = match hessian(objective, &x, &mut evaluations) {
            Some(h) => direction(h, &g),
            None => g.iter().map(|v| -v).collect(),
        };
        let mut t = 1.0;
        let mut accepted = None;
        let mut gn = vec![0.0; x.len()];
        for _ in 0..MAX_HALVINGS {
            let xn: Vec<f64> = x.iter().zip(&p).map(|(a, b)| a + t * b).collect();
            evaluations += 1;
            if let Ok(fnew) = objective.minus_log_density(&xn, &mut gn) {
                if fnew.is_finite() && gn.iter().all(|v| v.is_finite()) && fnew < f {
                    accepted = Some((xn, fnew));
                    break;
                }
            }
            t *= 0.5;
        }
        let Some((xn, fnew)) = accepted else {
            // No step raises the log density: Stan stops there as converged
            // (the improvement is 0). With a gradient that is not small that
            // would be a false claim, so it is a failure instead.
            break if norm(&g) < 1e-3 * f.abs().max(1.0) {
                Termination::NewtonConverged
            } else {
                Termination::LineSearchFailed
            };
        };
        let improvement = f - fnew;
        let step = t * norm(&p);
        x = xn;
        f = fnew;
        g = gn.clone();
        iterations.push(Iteration {
            iter: iterations.len() + 1,
            log_density: -f,
            step_norm: step,
            gradient_norm: norm(&g),
            alpha: t,
            alpha0: 1.0,
            evaluations,
        });
        if improvement < MIN_IMPROVEMENT {
            break Termination::NewtonConverged;
        }
    };
    OptimizeResult {
        x,
        log_density: -f,
        gradient: g.iter().map(|v| -v).collect(),
        termination,
        iterations,
        initial_log_density: initial,
        path: Vec::new(),
    }
}

//! L-BFGS and BFGS: the inverse-Hessian estimate, the iteration, and Stan's convergence tests.

use super::line_search::{wolfe, SearchFailure};
use super::{norm, Algorithm, Iteration, Objective, OptimizeConfig, OptimizeResult, Termination};
use std::collections::VecDeque;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The inverse-Hessian estimate `H`, applied to vectors.
enum InverseHessian {
    /// The last steps `(s, y, 1 / y's)`, oldest first, and the scale of the
    /// initial estimate `gamma I`.
    Limited {
        pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)>,
        size: usize,
        gamma: f64,
    },
    /// The dense estimate (row-major), `None` until the first update.
    Dense { h: Option<Vec<f64>>, n: usize },
}

impl InverseHessian {
    fn new(algorithm: Algorithm, n: usize, history_size: usize) -> Self {
        match algorithm {
            Algorithm::Bfgs => InverseHessian::Dense { h: None, n },
            _ => InverseHessian::Limited {
                pairs: VecDeque::new(),
                size: history_size.max(1),
                gamma: 1.0,
            },
        }
    }

    fn reset(&mut self) {
        match self {
            InverseHessian::Limited { pairs, gamma, .. } => {
                pairs.clear();
                *gamma = 1.0;
            }
            InverseHessian::Dense { h, .. } => *h = None,
        }
    }

    fn is_identity(&self) -> bool {
        match self {
            InverseHessian::Limited { pairs, .. } => pairs.is_empty(),
            InverseHessian::Dense { h, .. } => h.is_none(),
        }
    }

    /// `H v`.
    fn apply(&self, v: &[f64]) -> Vec<f64> {
        match self {
            InverseHessian::Limited { pairs, gamma, .. } => {
                // The two-loop recursion (Nocedal & Wright, algorithm 7.4).
                let mut q = v.to_vec();
                let mut a = vec![0.0; pairs.len()];
                for (i, (s, y, rho)) in pairs.iter().enumerate().rev() {
                    a[i] = rho * dot(s, &q);
                    for (qj, yj) in q.iter_mut().zip(y) {
                        *qj -= a[i] * yj;
                    }
                }
                for qj in q.iter_mut() {
                    *qj *= gamma;
                }
                for (i, (s, y, rho)) in pairs.iter().enumerate() {
                    let b = rho * dot(y, &q);
                    for (qj, sj) in q.iter_mut().zip(s) {
                        *qj += (a[i] - b) * sj;
                    }
                }
                q
            }
            InverseHessian::Dense { h: None, .. } => v.to_vec(),
            InverseHessian::Dense { h: Some(h), n } => {
                (0..*n).map(|i| dot(&h[i * n..(i + 1) * n], v)).collect()
            }
        }
    }

    /// Takes in the step `s` and the change of gradient `y` (skipped when
    /// `y's` is not positive, which would lose positive definiteness).
    fn update(&mut self, s: Vec<f64>, y: Vec<f64>) {
        let ys = dot(&y, &s);
        let yy = dot(&y, &y);
        if !(ys > 0.0) || !(yy > 0.0) {
            return;
        }
        match self {
            InverseHessian::Limited { pairs, size, gamma } => {
                *gamma = ys / yy;
                if pairs.len() == *size {
                    pairs.pop_front();
                }
                pairs.push_back((s, y, 1.0 / ys));
            }
            InverseHessian::Dense { h, n } => {
                let n = *n;
                // The first update starts from (y's / y'y) I, as L-BFGS scales.
                let hm = h.get_or_insert_with(|| {
                    let mut m = vec![0.0; n * n];
                    for i in 0..n {
                        m[i * n + i] = ys / yy;
                    }
                    m
                });
                // H+ = (I - rho s y') H (I - rho y s') + rho s s'.
                let rho = 1.0 / ys;
                let hy: Vec<f64> = (0..n).map(|i| dot(&hm[i * n..(i + 1) * n], &y)).collect();
                let yhy = dot(&y, &hy);
                for i in 0..n {
                    for j in 0..n {
                        hm[i * n + j] += -rho * (s[i] * hy[j] + hy[i] * s[j])
                            + (rho * rho * yhy + rho) * s[i] * s[j];
                    }
                }
            }
        }
    }
}

/// Minimizes from `x` (objective `f`, gradient `g`, both finite).
pub(super) fn minimize(
    objective: &mut dyn Objective,
    mut x: Vec<f64>,
    mut f: f64,
    mut g: Vec<f64>,
    config: &OptimizeConfig,
) -> OptimizeResult {
    let initial = -f;
    let mut h = InverseHessian::new(config.algorithm, x.len(), config.history_size);
    let mut iterations = Vec::new();
    let mut evaluations = 1;
    let eps = f64::EPSILON;
    let mut alpha_next = config.init_alpha;
    let mut path = Vec::new();
    let minus = |g: &[f64]| g.iter().map(|v| -v).collect::<Vec<f64>>();
    if config.record_path {
        path.push((x.clone(), minus(&g)));
    }
    let termination = loop {
        if iterations.len() >= config.iter {
            break Termination::MaxIterations;
        }
        let mut p: Vec<f64> = h.apply(&g).iter().map(|v| -v).collect();
        if !(dot(&p, &g) < 0.0) {
            h.reset();
            p = g.iter().map(|v| -v).collect();
        }
        let alpha0 = if h.is_identity() {
            config.init_alpha
        } else {
            alpha_next
        };
        let found = match wolfe(objective, &x, f, &g, &p, alpha0, &mut evaluations) {
            Ok(a) => Ok((a, alpha0)),
            // Stan's recovery: forget the estimate and search along the
            // gradient from the initial step once more.
            Err(SearchFailure::NoDecrease) if !h.is_identity() => {
                h.reset();
                p = g.iter().map(|v| -v).collect();
                wolfe(
                    objective,
                    &x,
                    f,
                    &g,
                    &p,
                    config.init_alpha,
                    &mut evaluations,
                )
                .map(|a| (a, config.init_alpha))
            }
            Err(e) => Err(e),
        };
        let (accepted, alpha0) = match found {
            Ok(found) => found,
            Err(SearchFailure::NoDecrease) => break Termination::LineSearchFailed,
            Err(SearchFailure::Unbounded) => break Termination::Unbounded,
        };
        let s: Vec<f64> = accepted.x.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = accepted.g.iter().zip(&g).map(|(a, b)| a - b).collect();
        let (f_prev, step) = (f, norm(&s));
        x = accepted.x;
        f = accepted.f;
        g = accepted.g;
        h.update(s, y);
        alpha_next = 1.0;
        if config.record_path {
            path.push((x.clone(), minus(&g)));
        }
        iterations.push(Iteration {
            iter: iterations.len() + 1,
            log_density: -f,
            step_norm: step,
            gradient_norm: norm(&g),
            alpha: accepted.alpha,
            alpha0,
            evaluations,
        });
        // Stan's tests, in Stan's order.
        let change = (f - f_prev).abs();
        if change < config.tol_obj {
            break Termination::AbsoluteObjective;
        }
        if change / f.abs().max(f_prev.abs()).max(eps) < config.tol_rel_obj * eps {
            break Termination::RelativeObjective;
        }
        if norm(&g) < config.tol_grad {
            break Termination::AbsoluteGradient;
        }
        let scaled = dot(&g, &h.apply(&g)).abs() / f.abs().max(eps);
        if scaled < config.tol_rel_grad * eps {
            break Termination::RelativeGradient;
        }
        if step < config.tol_param {
            break Termination::AbsoluteParameter;
        }
    };
    OptimizeResult {
        x,
        log_density: -f,
        gradient: g.iter().map(|v| -v).collect(),
        termination,
        iterations,
        initial_log_density: initial,
        path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two representations give the same `H v` after the same updates
    /// (L-BFGS with a history as long as the updates is BFGS).
    #[test]
    fn limited_and_dense_estimates_agree_while_the_history_holds_every_step() {
        let n = 3;
        let mut lim = InverseHessian::new(Algorithm::Lbfgs, n, 10);
        let mut dense = InverseHessian::new(Algorithm::Bfgs, n, 10);
        let steps = [
            (vec![0.1, -0.2, 0.3], vec![0.5, -0.1, 0.9]),
            (vec![-0.3, 0.1, 0.2], vec![-0.6, 0.4, 0.3]),
        ];
        // L-BFGS rescales its initial estimate at every update and BFGS only
        // at the first, so one update is where they must agree exactly.
        lim.update(steps[0].0.clone(), steps[0].1.clone());
        dense.update(steps[0].0.clone(), steps[0].1.clone());
        let v = [1.0, 2.0, -1.0];
        let (a, b) = (lim.apply(&v), dense.apply(&v));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
        // Both satisfy the secant condition H y = s for the latest step.
        for h in [&mut lim, &mut dense] {
            h.update(steps[1].0.clone(), steps[1].1.clone());
            let hy = h.apply(&steps[1].1);
            for (x, y) in hy.iter().zip(&steps[1].0) {
                assert!((x - y).abs() < 1e-12, "{hy:?}");
            }
        }
    }
}

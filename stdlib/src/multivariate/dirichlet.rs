//! The Dirichlet density `dirichlet_lpdf(theta | alpha)` with partials, and `dirichlet_rng`.

use super::special::{digamma, lgamma};
use super::{check_arg, check_partial};
use crate::error::DomainError;
use crate::transforms::CONSTRAINT_TOLERANCE;
use rand_distr::Distribution;

fn check_simplex(f: &str, theta: &[f64]) -> Result<(), DomainError> {
    if theta.is_empty() {
        return Err(DomainError::new(
            f,
            "probabilities has size 0, but must have a non-zero size",
        ));
    }
    let mut s = 0.0;
    for (i, &t) in theta.iter().enumerate() {
        if !(t >= 0.0) {
            return Err(DomainError::new(
                f,
                format!("probabilities is not a valid simplex. probabilities[{}] = {}, but should be greater than or equal to 0", i + 1, t),
            ));
        }
        s += t;
    }
    if !((1.0 - s).abs() <= CONSTRAINT_TOLERANCE) {
        return Err(DomainError::new(
            f,
            format!(
                "probabilities is not a valid simplex. sum(probabilities) = {s}, but should be 1"
            ),
        ));
    }
    Ok(())
}

fn check_alpha(f: &str, alpha: &[f64]) -> Result<(), DomainError> {
    for (i, &a) in alpha.iter().enumerate() {
        if !(a > 0.0 && a.is_finite()) {
            return Err(DomainError::new(
                f,
                format!(
                    "prior sample sizes[{}] is {}, but must be positive finite!",
                    i + 1,
                    a
                ),
            ));
        }
    }
    Ok(())
}

/// `dirichlet_lpdf(theta | alpha)`; adds partials to `d_theta`, `d_alpha` (empty = constant).
pub fn dirichlet_lpdf(
    theta: &[f64],
    alpha: &[f64],
    propto: bool,
    d_theta: &mut [f64],
    d_alpha: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "dirichlet_lpdf";
    let k = theta.len();
    check_arg(f, "prior sample sizes", alpha.len(), k)?;
    check_partial(f, "probabilities", d_theta.len(), k)?;
    check_partial(f, "prior sample sizes", d_alpha.len(), k)?;
    check_alpha(f, alpha)?;
    check_simplex(f, theta)?;
    let theta_const = d_theta.is_empty();
    let alpha_const = d_alpha.is_empty();
    let mut lp = 0.0;
    if !(propto && alpha_const) {
        let sum_alpha: f64 = alpha.iter().sum();
        lp += lgamma(sum_alpha) - alpha.iter().map(|&a| lgamma(a)).sum::<f64>();
    }
    if !(propto && alpha_const && theta_const) {
        for i in 0..k {
            lp += (alpha[i] - 1.0) * theta[i].ln();
        }
    }
    if !theta_const {
        for i in 0..k {
            d_theta[i] += (alpha[i] - 1.0) / theta[i];
        }
    }
    if !alpha_const {
        let psi_sum = digamma(alpha.iter().sum());
        for i in 0..k {
            d_alpha[i] += psi_sum - digamma(alpha[i]) + theta[i].ln();
        }
    }
    Ok(lp)
}

/// One draw of `dirichlet_rng(alpha)` into `out` (normalized gammas, computed on the log scale for small alpha).
pub fn dirichlet_rng(
    alpha: &[f64],
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "dirichlet_rng";
    check_arg(f, "the output", out.len(), alpha.len())?;
    check_alpha(f, alpha)?;
    if alpha.is_empty() {
        return Err(DomainError::new(
            f,
            "prior sample sizes has size 0, but must have a non-zero size",
        ));
    }
    // log(G_a) = log(G_{a+1}) + log(U) / a keeps small shapes from underflowing.
    let mut max = f64::NEG_INFINITY;
    for i in 0..alpha.len() {
        let g = rand_distr::Gamma::new(alpha[i] + 1.0, 1.0)
            .map_err(|e| DomainError::new(f, format!("bad shape: {e}")))?;
        let gv: f64 = g.sample(rng);
        let u: f64 = rand_distr::OpenClosed01.sample(rng);
        let lg = gv.ln() + u.ln() / alpha[i];
        out[i] = lg;
        max = max.max(lg);
    }
    let mut s = 0.0;
    for v in out.iter_mut() {
        *v = (*v - max).exp();
        s += *v;
    }
    for v in out.iter_mut() {
        *v /= s;
    }
    Ok(())
}

//! The Wishart and inverse Wishart densities with partials, and their RNGs.

use super::special::{lmgamma, lmgamma_dx, LOG_TWO};
use super::{check_arg, check_partial};
use crate::error::DomainError;
use crate::linalg::dense::{chol_inverse, chol_log_det, matmul};
use crate::linalg::scratch::with_scratch;
use crate::linalg::{check_symmetric, cholesky_lower};

fn check_nu(f: &str, nu: f64, k: usize) -> Result<(), DomainError> {
    let km1 = k as f64 - 1.0;
    if nu > km1 && nu.is_finite() {
        Ok(())
    } else {
        Err(DomainError::new(
            f,
            format!("Degrees of freedom parameter is {nu}, but must be greater than {km1}"),
        ))
    }
}

fn spd_factor(f: &str, name: &str, a: &[f64], k: usize, l: &mut [f64]) -> Result<(), DomainError> {
    check_symmetric(f, name, a, k)?;
    cholesky_lower(a, k, l)
        .map_err(|_| DomainError::new(f, format!("{name} is not positive definite")))
}

/// Shared argument checks of the four Wishart-type densities.
#[allow(clippy::too_many_arguments)]
fn check_args(
    f: &str,
    w: &[f64],
    k: usize,
    nu: f64,
    s: &[f64],
    d_w: &[f64],
    d_nu: &[f64],
    d_s: &[f64],
) -> Result<(), DomainError> {
    check_arg(f, "random variable", w.len(), k * k)?;
    check_arg(f, "scale parameter", s.len(), k * k)?;
    check_partial(f, "random variable", d_w.len(), k * k)?;
    check_partial(f, "degrees of freedom", d_nu.len(), 1)?;
    check_partial(f, "scale parameter", d_s.len(), k * k)?;
    check_nu(f, nu, k)
}

/// `wishart_lpdf(W | nu, S)` for `k x k` matrices; adds partials to `d_w`, `d_nu`, `d_s`.
#[allow(clippy::too_many_arguments)]
pub fn wishart_lpdf(
    w: &[f64],
    k: usize,
    nu: f64,
    s: &[f64],
    propto: bool,
    d_w: &mut [f64],
    d_nu: &mut [f64],
    d_s: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "wishart_lpdf";
    check_args(f, w, k, nu, s, d_w, d_nu, d_s)?;
    let (w_c, nu_c, s_c) = (d_w.is_empty(), d_nu.is_empty(), d_s.is_empty());
    let kf = k as f64;
    with_scratch(5 * k * k, |buf| {
        let (lw, rest) = buf.split_at_mut(k * k);
        let (ls, rest) = rest.split_at_mut(k * k);
        let (s_inv, rest) = rest.split_at_mut(k * k);
        let (w_inv, tmp) = rest.split_at_mut(k * k);
        spd_factor(f, "random variable", w, k, lw)?;
        spd_factor(f, "scale parameter", s, k, ls)?;
        let log_det_w = chol_log_det(lw, k);
        let log_det_s = chol_log_det(ls, k);
        chol_inverse(ls, k, s_inv);
        let mut lp = 0.0;
        if !(propto && nu_c) {
            lp -= nu * kf * 0.5 * LOG_TWO + lmgamma(k, 0.5 * nu);
        }
        if !(propto && nu_c && s_c) {
            lp -= 0.5 * nu * log_det_s;
        }
        if !(propto && s_c && w_c) {
            let tr: f64 = (0..k * k).map(|p| s_inv[p] * w[p]).sum();
            lp -= 0.5 * tr;
        }
        if !(propto && w_c && nu_c) && nu != kf + 1.0 {
            lp += 0.5 * (nu - kf - 1.0) * log_det_w;
        }
        if !w_c {
            chol_inverse(lw, k, w_inv);
            for p in 0..k * k {
                d_w[p] += -0.5 * s_inv[p] + 0.5 * (nu - kf - 1.0) * w_inv[p];
            }
        }
        if !s_c {
            // d/dS [-0.5 tr(S^-1 W)] = 0.5 S^-1 W S^-1.
            matmul(s_inv, w, k, k, k, tmp);
            matmul(tmp, s_inv, k, k, k, w_inv);
            for p in 0..k * k {
                d_s[p] += -0.5 * nu * s_inv[p] + 0.5 * w_inv[p];
            }
        }
        if !nu_c {
            d_nu[0] += -0.5 * kf * LOG_TWO - 0.5 * lmgamma_dx(k, 0.5 * nu) - 0.5 * log_det_s
                + 0.5 * log_det_w;
        }
        Ok(lp)
    })
}

/// `inv_wishart_lpdf(W | nu, S)` for `k x k` matrices; adds partials to `d_w`, `d_nu`, `d_s`.
#[allow(clippy::too_many_arguments)]
pub fn inv_wishart_lpdf(
    w: &[f64],
    k: usize,
    nu: f64,
    s: &[f64],
    propto: bool,
    d_w: &mut [f64],
    d_nu: &mut [f64],
    d_s: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "inv_wishart_lpdf";
    check_args(f, w, k, nu, s, d_w, d_nu, d_s)?;
    let (w_c, nu_c, s_c) = (d_w.is_empty(), d_nu.is_empty(), d_s.is_empty());
    let kf = k as f64;
    with_scratch(5 * k * k, |buf| {
        let (lw, rest) = buf.split_at_mut(k * k);
        let (ls, rest) = rest.split_at_mut(k * k);
        let (s_inv, rest) = rest.split_at_mut(k * k);
        let (w_inv, tmp) = rest.split_at_mut(k * k);
        spd_factor(f, "random variable", w, k, lw)?;
        spd_factor(f, "scale parameter", s, k, ls)?;
        let log_det_w = chol_log_det(lw, k);
        let log_det_s = chol_log_det(ls, k);
        chol_inverse(lw, k, w_inv);
        let mut lp = 0.0;
        if !(propto && nu_c) {
            lp -= nu * kf * 0.5 * LOG_TWO + lmgamma(k, 0.5 * nu);
        }
        if !(propto && nu_c && s_c) {
            lp += 0.5 * nu * log_det_s;
        }
        if !(propto && w_c && nu_c) {
            lp -= 0.5 * (nu + kf + 1.0) * log_det_w;
        }
        if !(propto && s_c && w_c) {
            let tr: f64 = (0..k * k).map(|p| w_inv[p] * s[p]).sum();
            lp -= 0.5 * tr;
        }
        if !w_c {
            // d/dW [-0.5 tr(S W^-1)] = 0.5 W^-1 S W^-1.
            matmul(w_inv, s, k, k, k, tmp);
            matmul(tmp, w_inv, k, k, k, s_inv);
            for p in 0..k * k {
                d_w[p] += -0.5 * (nu + kf + 1.0) * w_inv[p] + 0.5 * s_inv[p];
            }
        }
        if !s_c {
            chol_inverse(ls, k, s_inv);
            for p in 0..k * k {
                d_s[p] += 0.5 * nu * s_inv[p] - 0.5 * w_inv[p];
            }
        }
        if !nu_c {
            d_nu[0] += -0.5 * kf * LOG_TWO - 0.5 * lmgamma_dx(k, 0.5 * nu) + 0.5 * log_det_s
                - 0.5 * log_det_w;
        }
        Ok(lp)
    })
}

/// One draw of `wishart_rng(nu, S)` into `out` (`k x k`) by the Bartlett decomposition.
pub fn wishart_rng(
    nu: f64,
    s: &[f64],
    k: usize,
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "wishart_rng";
    check_arg(f, "scale parameter", s.len(), k * k)?;
    check_arg(f, "the output", out.len(), k * k)?;
    check_nu(f, nu, k)?;
    with_scratch(3 * k * k, |buf| {
        let (ls, rest) = buf.split_at_mut(k * k);
        let (a, la) = rest.split_at_mut(k * k);
        spd_factor(f, "scale parameter", s, k, ls)?;
        for j in 0..k {
            let chi = rand_distr::ChiSquared::new(nu - j as f64)
                .map_err(|e| DomainError::new(f, format!("bad degrees of freedom: {e}")))?;
            a[j + j * k] = rand_distr::Distribution::<f64>::sample(&chi, rng).sqrt();
            for i in (j + 1)..k {
                a[i + j * k] =
                    rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, rng);
            }
        }
        matmul(ls, a, k, k, k, la);
        crate::linalg::dense::matmul_lower_self_transpose(la, k, out);
        Ok(())
    })
}

/// One draw of `inv_wishart_rng(nu, S)` into `out` (`k x k`): the inverse of a `wishart_rng(nu, S^-1)` draw.
pub fn inv_wishart_rng(
    nu: f64,
    s: &[f64],
    k: usize,
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "inv_wishart_rng";
    check_arg(f, "scale parameter", s.len(), k * k)?;
    check_arg(f, "the output", out.len(), k * k)?;
    check_nu(f, nu, k)?;
    with_scratch(3 * k * k, |buf| {
        let (l, rest) = buf.split_at_mut(k * k);
        let (s_inv, w) = rest.split_at_mut(k * k);
        spd_factor(f, "scale parameter", s, k, l)?;
        chol_inverse(l, k, s_inv);
        wishart_rng(nu, s_inv, k, rng, w)?;
        cholesky_lower(w, k, l)
            .map_err(|_| DomainError::new(f, "draw is not positive definite"))?;
        chol_inverse(l, k, out);
        Ok(())
    })
}

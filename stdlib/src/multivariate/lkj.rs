//! The LKJ densities `lkj_corr_lpdf(Omega | eta)` and `lkj_corr_cholesky_lpdf(L | eta)` with partials, and their RNGs.

use super::special::{digamma, lgamma, LOG_PI, LOG_TWO};
use super::{check_arg, check_partial};
use crate::error::DomainError;
use crate::linalg::dense::{chol_inverse, chol_log_det};
use crate::linalg::scratch::with_scratch;
use crate::linalg::{check_symmetric, cholesky_lower};
use crate::transforms::CONSTRAINT_TOLERANCE;
use rand_distr::Distribution;

/// Stan's `do_lkj_constant(eta, K)`: the log normalizing constant of the LKJ density.
pub fn lkj_constant(eta: f64, k: usize) -> f64 {
    let km1 = k as f64 - 1.0;
    let kf = k as f64;
    if eta == 1.0 {
        let mut constant = 0.0;
        for j in 1..=(k.saturating_sub(1) / 2) {
            constant -= lgamma(2.0 * j as f64);
        }
        if k % 2 == 1 {
            constant -= 0.25 * (kf * kf - 1.0) * LOG_PI
                - 0.25 * (km1 * km1) * LOG_TWO
                - km1 * lgamma(0.5 * (kf + 1.0));
        } else {
            constant -= 0.25 * kf * (kf - 2.0) * LOG_PI
                + 0.25 * (3.0 * kf * kf - 4.0 * kf) * LOG_TWO
                + kf * lgamma(0.5 * kf)
                - km1 * lgamma(kf);
        }
        constant
    } else {
        let mut constant = km1 * lgamma(eta + 0.5 * km1);
        for j in 1..k {
            let jf = j as f64;
            constant -= 0.5 * jf * LOG_PI + lgamma(eta + 0.5 * (km1 - jf));
        }
        constant
    }
}

/// Derivative of [`lkj_constant`] with respect to `eta`.
fn lkj_constant_deta(eta: f64, k: usize) -> f64 {
    let km1 = k as f64 - 1.0;
    let mut d = km1 * digamma(eta + 0.5 * km1);
    for j in 1..k {
        d -= digamma(eta + 0.5 * (km1 - j as f64));
    }
    d
}

fn check_eta(f: &str, eta: f64) -> Result<(), DomainError> {
    if eta > 0.0 && eta.is_finite() {
        Ok(())
    } else {
        Err(DomainError::new(
            f,
            format!("Shape parameter is {eta}, but must be positive finite!"),
        ))
    }
}

/// `lkj_corr_cholesky_lpdf(L | eta)` for a `k x k` Cholesky factor `L` (column-major);
/// adds partials to `d_l` (diagonal only) and `d_eta` (length 0 or 1).
pub fn lkj_corr_cholesky_lpdf(
    l: &[f64],
    k: usize,
    eta: f64,
    propto: bool,
    d_l: &mut [f64],
    d_eta: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "lkj_corr_cholesky_lpdf";
    check_arg(f, "random variable", l.len(), k * k)?;
    check_partial(f, "random variable", d_l.len(), k * k)?;
    check_partial(f, "shape parameter", d_eta.len(), 1)?;
    check_eta(f, eta)?;
    for j in 0..k {
        for i in 0..j {
            if l[i + j * k] != 0.0 {
                return Err(DomainError::new(
                    f,
                    format!(
                        "Random variable is not lower triangular; Random variable[{},{}]={}",
                        i + 1,
                        j + 1,
                        l[i + j * k]
                    ),
                ));
            }
        }
        if !(l[j + j * k] > 0.0) {
            return Err(DomainError::new(
                f,
                format!(
                    "Random variable is not a valid Cholesky factor: diagonal element {} is {}",
                    j + 1,
                    l[j + j * k]
                ),
            ));
        }
    }
    if k == 0 {
        return Ok(0.0);
    }
    let (l_const, eta_const) = (d_l.is_empty(), d_eta.is_empty());
    let mut lp = 0.0;
    if !(propto && eta_const) {
        lp += lkj_constant(eta, k);
    }
    let kf = k as f64;
    if !(propto && eta_const && l_const) {
        for i in 1..k {
            lp += (kf - i as f64 - 1.0 + 2.0 * eta - 2.0) * l[i + i * k].ln();
        }
    }
    if !l_const {
        for i in 1..k {
            d_l[i + i * k] += (kf - i as f64 - 1.0 + 2.0 * eta - 2.0) / l[i + i * k];
        }
    }
    if !eta_const {
        let mut d = lkj_constant_deta(eta, k);
        for i in 1..k {
            d += 2.0 * l[i + i * k].ln();
        }
        d_eta[0] += d;
    }
    Ok(lp)
}

/// Checks `omega` is a correlation matrix and writes its Cholesky factor to `l`.
fn check_corr_matrix(f: &str, omega: &[f64], k: usize, l: &mut [f64]) -> Result<(), DomainError> {
    check_symmetric(f, "Correlation matrix", omega, k)?;
    for i in 0..k {
        let d = omega[i + i * k];
        if !((d - 1.0).abs() <= CONSTRAINT_TOLERANCE) {
            return Err(DomainError::new(
                f,
                format!("Correlation matrix is not a valid correlation matrix. Correlation matrix[{},{}] is {}, but should be near 1", i + 1, i + 1, d),
            ));
        }
    }
    cholesky_lower(omega, k, l)
        .map_err(|_| DomainError::new(f, "Correlation matrix is not positive definite"))
}

/// `lkj_corr_lpdf(Omega | eta)` for a `k x k` correlation matrix; adds partials to `d_omega`, `d_eta`.
pub fn lkj_corr_lpdf(
    omega: &[f64],
    k: usize,
    eta: f64,
    propto: bool,
    d_omega: &mut [f64],
    d_eta: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "lkj_corr_lpdf";
    check_arg(f, "random variable", omega.len(), k * k)?;
    check_partial(f, "random variable", d_omega.len(), k * k)?;
    check_partial(f, "shape parameter", d_eta.len(), 1)?;
    check_eta(f, eta)?;
    if k == 0 {
        return Ok(0.0);
    }
    let (o_const, eta_const) = (d_omega.is_empty(), d_eta.is_empty());
    with_scratch(2 * k * k, |buf| {
        let (l, inv) = buf.split_at_mut(k * k);
        check_corr_matrix(f, omega, k, l)?;
        let mut lp = 0.0;
        if !(propto && eta_const) {
            lp += lkj_constant(eta, k);
        }
        let log_det = chol_log_det(l, k);
        if !(propto && eta_const && o_const) {
            lp += (eta - 1.0) * log_det;
        }
        if !o_const && eta != 1.0 {
            chol_inverse(l, k, inv);
            for (d, v) in d_omega.iter_mut().zip(inv.iter()) {
                *d += (eta - 1.0) * v;
            }
        }
        if !eta_const {
            d_eta[0] += lkj_constant_deta(eta, k) + log_det;
        }
        Ok(lp)
    })
}

/// One draw of `lkj_corr_cholesky_rng(K, eta)` into `out` (`k x k`, column-major), by Stan's onion-free CPC method.
pub fn lkj_corr_cholesky_rng(
    k: usize,
    eta: f64,
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "lkj_corr_cholesky_rng";
    check_eta(f, eta)?;
    check_arg(f, "the output", out.len(), k * k)?;
    out.fill(0.0);
    if k == 0 {
        return Ok(());
    }
    // Partial correlations column by column: column j uses Beta(alpha_j, alpha_j) on (-1, 1).
    // Row i keeps acc_i = prod (1 - z^2) of its earlier partial correlations.
    out[0] = 1.0;
    with_scratch(k, |acc| {
        acc.fill(1.0);
        let mut alpha = eta + 0.5 * (k as f64 - 1.0);
        for j in 0..k {
            if j > 0 {
                out[j + j * k] = acc[j].sqrt();
            }
            if j + 1 == k {
                break;
            }
            alpha -= 0.5;
            let beta = rand_distr::Beta::new(alpha, alpha)
                .map_err(|e| DomainError::new(f, format!("bad shape: {e}")))?;
            for i in (j + 1)..k {
                let z = 2.0 * beta.sample(rng) - 1.0;
                out[i + j * k] = z * acc[i].sqrt();
                acc[i] *= 1.0 - z * z;
            }
        }
        Ok(())
    })
}

/// One draw of `lkj_corr_rng(K, eta)` into `out` (`k x k`, column-major).
pub fn lkj_corr_rng(
    k: usize,
    eta: f64,
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    check_arg("lkj_corr_rng", "the output", out.len(), k * k)?;
    with_scratch(k * k, |l| {
        lkj_corr_cholesky_rng(k, eta, rng, l)?;
        crate::linalg::dense::matmul_lower_self_transpose(l, k, out);
        Ok(())
    })
}

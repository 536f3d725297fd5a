//! Fused GLM kernels: normal_id_glm, bernoulli_logit_glm, poisson_log_glm, neg_binomial_2_log_glm.
//!
//! The linear predictor is `eta_i = alpha_i + x_i . beta`, with `x` a
//! row-major [`Matrix`] (`rows == 1` broadcasts one row to every element).
//! One pass computes the value and d(lp)/d(eta_i); the partials of `x`,
//! `alpha` and `beta` follow from it without forming intermediate vectors.

use super::kernel::*;
use super::{DomainError, Matrix, RealArg};
use crate::math::*;

type R = Result<f64, DomainError>;

fn glm_len<'a>(
    f: &str,
    y_len: usize,
    x: &Matrix<'a>,
    alpha: &RealArg<'a>,
    beta: &RealArg<'a>,
) -> Result<usize, DomainError> {
    if x.values.len() != x.rows * x.cols {
        return Err(DomainError::new(
            f,
            "Matrix x has the wrong number of values for its shape",
        ));
    }
    if beta.values.len() != x.cols {
        return Err(DomainError::new(
            f,
            format!(
                "Weight vector has size {}, but must have size {} (columns of x)",
                beta.values.len(),
                x.cols
            ),
        ));
    }
    check_finite(f, "Matrix of independent variables", x.values)?;
    check_finite(f, "Intercept", alpha.values)?;
    check_finite(f, "Weight vector", beta.values)?;
    check_len(
        f,
        &[("x rows", x.rows), ("alpha", alpha.values.len())],
        &[("y", y_len)],
    )
}

/// Shared loop: `per(i, eta) -> (lp_i, dlp/deta_i)`; accumulates partials of x, alpha, beta.
fn glm_loop(
    n: usize,
    x: &mut Matrix,
    alpha: &mut RealArg,
    beta: &mut RealArg,
    mut per: impl FnMut(usize, f64) -> (f64, f64),
) -> f64 {
    let k = x.cols;
    let mut total = 0.0;
    for i in 0..n {
        let row = if x.rows == 1 { 0 } else { i };
        let xi = &x.values[row * k..row * k + k];
        let eta = alpha.at(i) + xi.iter().zip(beta.values).map(|(a, b)| a * b).sum::<f64>();
        let (lp, g) = per(i, eta);
        total += lp;
        if let Some(p) = alpha.partials.as_deref_mut() {
            p[if p.len() == 1 { 0 } else { i }] += g;
        }
        if let Some(p) = beta.partials.as_deref_mut() {
            for (pj, xij) in p.iter_mut().zip(xi) {
                *pj += g * xij;
            }
        }
        if let Some(p) = x.partials.as_deref_mut() {
            for (pj, bj) in p[row * k..row * k + k].iter_mut().zip(beta.values) {
                *pj += g * bj;
            }
        }
    }
    total
}

pub fn normal_id_glm_lpdf<'a>(
    mut y: RealArg<'a>,
    mut x: Matrix<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "normal_id_glm_lpdf";
    check_finite(F, "Vector of dependent variables", y.values)?;
    check_positive_finite(F, "Scale vector", sigma.values)?;
    let n = glm_len(F, y.values.len(), &x, &alpha, &beta)?;
    let n = check_len(
        F,
        &[
            ("y", y.values.len()),
            ("sigma", sigma.values.len()),
            ("x rows", n),
        ],
        &[],
    )?;
    let any_active = y.is_active()
        || x.partials.is_some()
        || alpha.is_active()
        || beta.is_active()
        || sigma.is_active();
    if n == 0 || (propto && !any_active) {
        return Ok(0.0);
    }
    let sigma_scalar_log = if sigma.values.len() == 1 {
        sigma.values[0].ln()
    } else {
        0.0
    };
    let sigma_active = sigma.is_active();
    let mut extra = 0.0;
    let total = glm_loop(n, &mut x, &mut alpha, &mut beta, |i, eta| {
        let s = sigma.at(i);
        let z = (y.at(i) - eta) / s;
        let mut lp = -0.5 * z * z;
        if !propto || sigma_active {
            lp -= if sigma.values.len() == 1 {
                sigma_scalar_log
            } else {
                s.ln()
            };
        }
        if let Some(p) = y.partials.as_deref_mut() {
            p[if p.len() == 1 { 0 } else { i }] -= z / s;
        }
        if let Some(p) = sigma.partials.as_deref_mut() {
            p[if p.len() == 1 { 0 } else { i }] += (z * z - 1.0) / s;
        }
        (lp, z / s)
    });
    if !propto {
        extra -= n as f64 * LOG_SQRT_TWO_PI;
    }
    Ok(total + extra)
}

pub fn bernoulli_logit_glm_lpmf<'a>(
    y: &[i64],
    mut x: Matrix<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "bernoulli_logit_glm_lpmf";
    check_int_bounded(F, "Vector of dependent variables", y, 0, 1)?;
    let n = glm_len(F, y.len(), &x, &alpha, &beta)?;
    if n == 0 || (propto && x.partials.is_none() && !alpha.is_active() && !beta.is_active()) {
        return Ok(0.0);
    }
    Ok(glm_loop(n, &mut x, &mut alpha, &mut beta, |i, eta| {
        let yi = y[if y.len() == 1 { 0 } else { i }];
        let lp = if yi == 1 {
            log_inv_logit(eta)
        } else {
            log1m_inv_logit(eta)
        };
        (lp, yi as f64 - inv_logit(eta))
    }))
}

pub fn poisson_log_glm_lpmf<'a>(
    y: &[i64],
    mut x: Matrix<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "poisson_log_glm_lpmf";
    check_int_nonnegative(F, "Vector of dependent variables", y)?;
    let n = glm_len(F, y.len(), &x, &alpha, &beta)?;
    if n == 0 || (propto && x.partials.is_none() && !alpha.is_active() && !beta.is_active()) {
        return Ok(0.0);
    }
    Ok(glm_loop(n, &mut x, &mut alpha, &mut beta, |i, eta| {
        let yi = y[if y.len() == 1 { 0 } else { i }] as f64;
        let e = eta.exp();
        let mut lp = yi * eta - e;
        if !propto {
            lp -= lgamma(yi + 1.0);
        }
        (lp, yi - e)
    }))
}

#[allow(clippy::too_many_arguments)]
pub fn neg_binomial_2_log_glm_lpmf<'a>(
    y: &[i64],
    mut x: Matrix<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    mut phi: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "neg_binomial_2_log_glm_lpmf";
    check_int_nonnegative(F, "Failures variables", y)?;
    check_positive_finite(F, "Precision parameter", phi.values)?;
    let n = glm_len(F, y.len(), &x, &alpha, &beta)?;
    let n = check_len(F, &[("phi", phi.values.len()), ("x rows", n)], &[])?;
    let phi_active = phi.is_active();
    if n == 0
        || (propto
            && x.partials.is_none()
            && !alpha.is_active()
            && !beta.is_active()
            && !phi_active)
    {
        return Ok(0.0);
    }
    Ok(glm_loop(n, &mut x, &mut alpha, &mut beta, |i, eta| {
        let yi = y[if y.len() == 1 { 0 } else { i }] as f64;
        let p = phi.at(i);
        let lphi = p.ln();
        let lmp = log_sum_exp(eta, lphi);
        let mut lp = yi * eta - (yi + p) * lmp;
        if !propto || phi_active {
            lp += lgamma(yi + p) - lgamma(p) + p * lphi;
        }
        if !propto {
            lp -= lgamma(yi + 1.0);
        }
        if let Some(buf) = phi.partials.as_deref_mut() {
            buf[if buf.len() == 1 { 0 } else { i }] +=
                digamma(yi + p) - digamma(p) + lphi + 1.0 - lmp - (yi + p) / (eta.exp() + p);
        }
        (lp, yi - (yi + p) * (eta - lmp).exp())
    }))
}

//! Multivariate normal and Student-t densities with partials: multi_normal, multi_normal_cholesky,
//! multi_normal_prec, multi_student_t, multi_student_t_cholesky; and their RNGs.
//!
//! `y` and `mu` each hold one vector or `n` vectors of size `k` (one after
//! the other); a single vector is used with every vector of the other, as
//! Stan vectorizes over arrays of vectors. The result is the sum over the `n`
//! pairs. `L` is a `k x k` lower Cholesky factor, `Sigma` a covariance and
//! `Omega` a precision matrix, all column-major.

use super::normal_summed::summed_pairs;
use super::special::{digamma, lgamma, LOG_PI};
use super::{check_arg, check_partial};
use crate::error::DomainError;
use crate::linalg::dense::{
    chol_inverse, chol_log_det, lower_solve_in_place, lower_transpose_solve_in_place,
};
use crate::linalg::scratch::with_scratch;
use crate::linalg::{check_symmetric, cholesky_lower};
use rand_distr::Distribution;

const LOG_TWO_PI: f64 = 1.837_877_066_409_345_5;

/// Number of pairs `n` and checks of `y`, `mu` and their partial slices.
fn pairs(
    f: &str,
    y: &[f64],
    mu: &[f64],
    k: usize,
    d_y: &[f64],
    d_mu: &[f64],
) -> Result<usize, DomainError> {
    if k == 0 {
        return Err(DomainError::new(f, "the dimension must be positive"));
    }
    if y.len() % k != 0 || y.is_empty() {
        return Err(DomainError::new(
            f,
            format!(
                "size of random variable ({}) must be a positive multiple of {k}",
                y.len()
            ),
        ));
    }
    if mu.len() % k != 0 || mu.is_empty() {
        return Err(DomainError::new(
            f,
            format!(
                "size of location parameter ({}) must be a positive multiple of {k}",
                mu.len()
            ),
        ));
    }
    let (ny, nm) = (y.len() / k, mu.len() / k);
    if ny != nm && ny != 1 && nm != 1 {
        return Err(DomainError::new(
            f,
            format!(
                "number of random variables ({ny}) and of location parameters ({nm}) must match"
            ),
        ));
    }
    check_partial(f, "random variable", d_y.len(), y.len())?;
    check_partial(f, "location parameter", d_mu.len(), mu.len())?;
    // Scan without an early exit (the loop vectorizes); find the bad value
    // only when there is one.
    if y.iter().fold(false, |bad, v| bad | v.is_nan()) {
        return Err(DomainError::new(
            f,
            "Random variable is nan, but must not be nan!",
        ));
    }
    if mu.iter().fold(false, |bad, v| bad | !v.is_finite()) {
        let v = mu
            .iter()
            .find(|v| !v.is_finite())
            .copied()
            .unwrap_or(f64::NAN);
        return Err(DomainError::new(
            f,
            format!("Location parameter is {v}, but must be finite!"),
        ));
    }
    Ok(ny.max(nm))
}

/// For each pair `i`: `r = y_i - mu_i`, `z = L^-1 r`, `w = L^-T z`; calls `visit(i, r, z, w)`.
///
/// `L^-1` is formed once (k triangular solves) and applied to every pair as
/// a matrix-vector product: with many pairs of small vectors this avoids a
/// chain of dependent divisions per element.
fn visit_pairs(
    y: &[f64],
    mu: &[f64],
    k: usize,
    n: usize,
    l: &[f64],
    mut visit: impl FnMut(usize, &[f64], &[f64], &[f64]),
) {
    with_scratch(3 * k + k * k, |buf| {
        let (r, rest) = buf.split_at_mut(k);
        let (z, rest) = rest.split_at_mut(k);
        let (w, inverse) = rest.split_at_mut(k);
        if n == 1 {
            // One pair: solving is cheaper than inverting.
            for c in 0..k {
                r[c] = y[c] - mu[c];
            }
            z.copy_from_slice(r);
            lower_solve_in_place(l, k, z, 1);
            w.copy_from_slice(z);
            lower_transpose_solve_in_place(l, k, w, 1);
            visit(0, r, z, w);
            return;
        }
        for c in 0..k {
            inverse[c + c * k] = 1.0;
        }
        lower_solve_in_place(l, k, inverse, k);
        // `inverse` is lower triangular, column-major: entry (row, col) at row + col * k.
        for i in 0..n {
            standardized_pair(y, mu, k, i, inverse, r, z);
            for col in 0..k {
                let column = &inverse[col * k..(col + 1) * k];
                let mut sum = 0.0;
                for row in col..k {
                    sum += column[row] * z[row];
                }
                w[col] = sum;
            }
            visit(i, r, z, w);
        }
    });
}

/// Adds `s * w` to the partials of `y` and `-s * w` to those of `mu` for pair `i`.
fn add_location_partials(i: usize, k: usize, s: f64, w: &[f64], d_y: &mut [f64], d_mu: &mut [f64]) {
    if !d_y.is_empty() {
        let yi = if d_y.len() == k { 0 } else { i };
        for c in 0..k {
            d_y[yi * k + c] += s * w[c];
        }
    }
    if !d_mu.is_empty() {
        let mi = if d_mu.len() == k { 0 } else { i };
        for c in 0..k {
            d_mu[mi * k + c] -= s * w[c];
        }
    }
}

fn check_cholesky_diag(f: &str, l: &[f64], k: usize) -> Result<(), DomainError> {
    for i in 0..k {
        let d = l[i + i * k];
        if !(d > 0.0 && d.is_finite()) {
            return Err(DomainError::new(
                f,
                format!(
                    "Cholesky factor diagonal element {} is {}, but must be positive finite",
                    i + 1,
                    d
                ),
            ));
        }
    }
    Ok(())
}

fn spd_factor(f: &str, name: &str, a: &[f64], k: usize, l: &mut [f64]) -> Result<(), DomainError> {
    check_symmetric(f, name, a, k)?;
    cholesky_lower(a, k, l)
        .map_err(|_| DomainError::new(f, format!("{name} is not positive definite")))
}

/// `multi_normal_cholesky_lpdf(y | mu, L)`; adds partials to `d_y`, `d_mu`, `d_l` (lower triangle).
#[allow(clippy::too_many_arguments)]
pub fn multi_normal_cholesky_lpdf(
    y: &[f64],
    mu: &[f64],
    l: &[f64],
    k: usize,
    propto: bool,
    d_y: &mut [f64],
    d_mu: &mut [f64],
    d_l: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "multi_normal_cholesky_lpdf";
    let n = pairs(f, y, mu, k, d_y, d_mu)?;
    check_arg(f, "Cholesky factor", l.len(), k * k)?;
    check_partial(f, "Cholesky factor", d_l.len(), k * k)?;
    check_cholesky_diag(f, l, k)?;
    let all_const = d_y.is_empty() && d_mu.is_empty() && d_l.is_empty();
    let nf = n as f64;
    let mut lp = 0.0;
    if !propto {
        lp -= 0.5 * nf * k as f64 * LOG_TWO_PI;
    }
    if !(propto && d_l.is_empty()) {
        lp -= 0.5 * nf * chol_log_det(l, k);
    }
    if propto && all_const {
        return Ok(lp);
    }
    let (ny, nm) = (y.len() / k, mu.len() / k);
    // Partials of each pair's location are needed only when the argument
    // with partials holds one vector per pair; otherwise every partial is a
    // sum over the pairs, formed from sums of z and z z'.
    let per_pair = (!d_y.is_empty() && ny > 1) || (!d_mu.is_empty() && nm > 1);
    let mut quad = 0.0;
    if n > 1 && !per_pair {
        quad = summed_pairs(y, mu, k, n, l, d_y, d_mu, d_l);
    } else {
        visit_pairs(y, mu, k, n, l, |i, _r, z, w| {
            quad += z.iter().map(|v| v * v).sum::<f64>();
            add_location_partials(i, k, -1.0, w, d_y, d_mu);
            if !d_l.is_empty() {
                for c in 0..k {
                    for r in c..k {
                        d_l[r + c * k] += w[r] * z[c];
                    }
                }
            }
        });
    }
    if !d_l.is_empty() {
        for i in 0..k {
            d_l[i + i * k] -= nf / l[i + i * k];
        }
    }
    Ok(lp - 0.5 * quad)
}

/// `multi_normal_lpdf(y | mu, Sigma)`; adds partials to `d_y`, `d_mu`, `d_sigma` (symmetric).
#[allow(clippy::too_many_arguments)]
pub fn multi_normal_lpdf(
    y: &[f64],
    mu: &[f64],
    sigma: &[f64],
    k: usize,
    propto: bool,
    d_y: &mut [f64],
    d_mu: &mut [f64],
    d_sigma: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "multi_normal_lpdf";
    let n = pairs(f, y, mu, k, d_y, d_mu)?;
    check_arg(f, "Covariance matrix", sigma.len(), k * k)?;
    check_partial(f, "Covariance matrix", d_sigma.len(), k * k)?;
    let all_const = d_y.is_empty() && d_mu.is_empty() && d_sigma.is_empty();
    let nf = n as f64;
    with_scratch(2 * k * k, |buf| {
        let (l, inv) = buf.split_at_mut(k * k);
        spd_factor(f, "Covariance matrix", sigma, k, l)?;
        let mut lp = 0.0;
        if !propto {
            lp -= 0.5 * nf * k as f64 * LOG_TWO_PI;
        }
        if !(propto && d_sigma.is_empty()) {
            lp -= 0.5 * nf * chol_log_det(l, k);
        }
        if propto && all_const {
            return Ok(lp);
        }
        let mut quad = 0.0;
        let l: &[f64] = l;
        visit_pairs(y, mu, k, n, l, |i, _r, z, w| {
            quad += z.iter().map(|v| v * v).sum::<f64>();
            add_location_partials(i, k, -1.0, w, d_y, d_mu);
            if !d_sigma.is_empty() {
                for c in 0..k {
                    for r in 0..k {
                        d_sigma[r + c * k] += 0.5 * w[r] * w[c];
                    }
                }
            }
        });
        if !d_sigma.is_empty() {
            chol_inverse(l, k, inv);
            for (d, v) in d_sigma.iter_mut().zip(inv.iter()) {
                *d -= 0.5 * nf * v;
            }
        }
        Ok(lp - 0.5 * quad)
    })
}

/// `multi_normal_prec_lpdf(y | mu, Omega)`; adds partials to `d_y`, `d_mu`, `d_omega` (symmetric).
#[allow(clippy::too_many_arguments)]
pub fn multi_normal_prec_lpdf(
    y: &[f64],
    mu: &[f64],
    omega: &[f64],
    k: usize,
    propto: bool,
    d_y: &mut [f64],
    d_mu: &mut [f64],
    d_omega: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "multi_normal_prec_lpdf";
    let n = pairs(f, y, mu, k, d_y, d_mu)?;
    check_arg(f, "Precision matrix", omega.len(), k * k)?;
    check_partial(f, "Precision matrix", d_omega.len(), k * k)?;
    let all_const = d_y.is_empty() && d_mu.is_empty() && d_omega.is_empty();
    let nf = n as f64;
    let (ny, nm) = (y.len() / k, mu.len() / k);
    with_scratch(2 * k * k + 2 * k, |buf| {
        let (l, rest) = buf.split_at_mut(k * k);
        let (inv, rest) = rest.split_at_mut(k * k);
        let (r, w) = rest.split_at_mut(k);
        spd_factor(f, "Precision matrix", omega, k, l)?;
        let mut lp = 0.0;
        if !propto {
            lp -= 0.5 * nf * k as f64 * LOG_TWO_PI;
        }
        if !(propto && d_omega.is_empty()) {
            lp += 0.5 * nf * chol_log_det(l, k);
        }
        if propto && all_const {
            return Ok(lp);
        }
        let mut quad = 0.0;
        for i in 0..n {
            let yi = if ny == 1 { 0 } else { i };
            let mi = if nm == 1 { 0 } else { i };
            for c in 0..k {
                r[c] = y[yi * k + c] - mu[mi * k + c];
            }
            for a in 0..k {
                w[a] = (0..k).map(|b| omega[a + b * k] * r[b]).sum();
            }
            quad += r.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>();
            add_location_partials(i, k, -1.0, w, d_y, d_mu);
            if !d_omega.is_empty() {
                for c in 0..k {
                    for a in 0..k {
                        d_omega[a + c * k] -= 0.5 * r[a] * r[c];
                    }
                }
            }
        }
        if !d_omega.is_empty() {
            chol_inverse(l, k, inv);
            for (d, v) in d_omega.iter_mut().zip(inv.iter()) {
                *d += 0.5 * nf * v;
            }
        }
        Ok(lp - 0.5 * quad)
    })
}

fn check_nu(f: &str, nu: f64) -> Result<(), DomainError> {
    if nu > 0.0 && !nu.is_nan() {
        Ok(())
    } else {
        Err(DomainError::new(
            f,
            format!("Degrees of freedom parameter is {nu}, but must be positive!"),
        ))
    }
}

/// Shared body of the two Student-t densities given the Cholesky factor `l` of the scale matrix.
/// `d_scale_chol`: partials on `L` (Cholesky form); `d_scale_sym`: symmetric partials on `Sigma`.
#[allow(clippy::too_many_arguments)]
fn student_core(
    y: &[f64],
    nu: f64,
    mu: &[f64],
    l: &[f64],
    k: usize,
    n: usize,
    propto: bool,
    d_y: &mut [f64],
    d_nu: &mut [f64],
    d_mu: &mut [f64],
    d_scale_chol: &mut [f64],
    d_scale_sym: &mut [f64],
    inv: &mut [f64],
) -> f64 {
    let kf = k as f64;
    let nf = n as f64;
    let scale_const = d_scale_chol.is_empty() && d_scale_sym.is_empty();
    let all_const = d_y.is_empty() && d_mu.is_empty() && d_nu.is_empty() && scale_const;
    let mut lp = 0.0;
    if !(propto && d_nu.is_empty()) {
        lp += nf * (lgamma(0.5 * (nu + kf)) - lgamma(0.5 * nu) - 0.5 * kf * nu.ln());
    }
    if !propto {
        lp -= nf * 0.5 * kf * LOG_PI;
    }
    if !(propto && scale_const) {
        lp -= 0.5 * nf * chol_log_det(l, k);
    }
    if propto && all_const {
        return lp;
    }
    let mut tail = 0.0;
    let mut dnu = 0.0;
    visit_pairs(y, mu, k, n, l, |i, _r, z, w| {
        let q: f64 = z.iter().map(|v| v * v).sum();
        tail += (q / nu).ln_1p();
        let s = (nu + kf) / (nu + q);
        add_location_partials(i, k, -s, w, d_y, d_mu);
        if !d_scale_chol.is_empty() {
            for c in 0..k {
                for r in c..k {
                    d_scale_chol[r + c * k] += s * w[r] * z[c];
                }
            }
        }
        if !d_scale_sym.is_empty() {
            for c in 0..k {
                for r in 0..k {
                    d_scale_sym[r + c * k] += 0.5 * s * w[r] * w[c];
                }
            }
        }
        dnu += -0.5 * (q / nu).ln_1p() + (nu + kf) * q / (2.0 * nu * (nu + q));
    });
    lp -= 0.5 * (nu + kf) * tail;
    if !d_nu.is_empty() {
        d_nu[0] +=
            dnu + nf * (0.5 * digamma(0.5 * (nu + kf)) - 0.5 * digamma(0.5 * nu) - 0.5 * kf / nu);
    }
    if !d_scale_chol.is_empty() {
        for i in 0..k {
            d_scale_chol[i + i * k] -= nf / l[i + i * k];
        }
    }
    if !d_scale_sym.is_empty() {
        chol_inverse(l, k, inv);
        for (d, v) in d_scale_sym.iter_mut().zip(inv.iter()) {
            *d -= 0.5 * nf * v;
        }
    }
    lp
}

/// `multi_student_t_lpdf(y | nu, mu, Sigma)`; adds partials to `d_y`, `d_nu`, `d_mu`, `d_sigma` (symmetric).
#[allow(clippy::too_many_arguments)]
pub fn multi_student_t_lpdf(
    y: &[f64],
    nu: f64,
    mu: &[f64],
    sigma: &[f64],
    k: usize,
    propto: bool,
    d_y: &mut [f64],
    d_nu: &mut [f64],
    d_mu: &mut [f64],
    d_sigma: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "multi_student_t_lpdf";
    let n = pairs(f, y, mu, k, d_y, d_mu)?;
    check_nu(f, nu)?;
    check_arg(f, "Scale matrix", sigma.len(), k * k)?;
    check_partial(f, "Scale matrix", d_sigma.len(), k * k)?;
    check_partial(f, "Degrees of freedom parameter", d_nu.len(), 1)?;
    with_scratch(2 * k * k, |buf| {
        let (l, inv) = buf.split_at_mut(k * k);
        spd_factor(f, "Scale matrix", sigma, k, l)?;
        Ok(student_core(
            y,
            nu,
            mu,
            l,
            k,
            n,
            propto,
            d_y,
            d_nu,
            d_mu,
            &mut [],
            d_sigma,
            inv,
        ))
    })
}

/// `multi_student_t_cholesky_lpdf(y | nu, mu, L)`; adds partials to `d_y`, `d_nu`, `d_mu`, `d_l` (lower triangle).
#[allow(clippy::too_many_arguments)]
pub fn multi_student_t_cholesky_lpdf(
    y: &[f64],
    nu: f64,
    mu: &[f64],
    l: &[f64],
    k: usize,
    propto: bool,
    d_y: &mut [f64],
    d_nu: &mut [f64],
    d_mu: &mut [f64],
    d_l: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "multi_student_t_cholesky_lpdf";
    let n = pairs(f, y, mu, k, d_y, d_mu)?;
    check_nu(f, nu)?;
    check_arg(f, "Cholesky factor", l.len(), k * k)?;
    check_partial(f, "Cholesky factor", d_l.len(), k * k)?;
    check_partial(f, "Degrees of freedom parameter", d_nu.len(), 1)?;
    check_cholesky_diag(f, l, k)?;
    Ok(student_core(
        y,
        nu,
        mu,
        l,
        k,
        n,
        propto,
        d_y,
        d_nu,
        d_mu,
        d_l,
        &mut [],
        &mut [],
    ))
}

// ---------------------------------------------------------------------- RNGs

fn std_normals(rng: &mut dyn rand::Rng, out: &mut [f64]) {
    for v in out.iter_mut() {
        *v = rand_distr::StandardNormal.sample(rng);
    }
}

/// One draw of `multi_normal_cholesky_rng(mu, L)` into `out` (`k` values).
pub fn multi_normal_cholesky_rng(
    mu: &[f64],
    l: &[f64],
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multi_normal_cholesky_rng";
    let k = mu.len();
    check_arg(f, "Cholesky factor", l.len(), k * k)?;
    check_arg(f, "the output", out.len(), k)?;
    if mu.iter().any(|v| !v.is_finite()) {
        return Err(DomainError::new(f, "Location parameter must be finite"));
    }
    with_scratch(k, |z| {
        std_normals(rng, z);
        for r in 0..k {
            out[r] = mu[r] + (0..=r).map(|c| l[r + c * k] * z[c]).sum::<f64>();
        }
    });
    Ok(())
}

/// One draw of `multi_normal_rng(mu, Sigma)` into `out`.
pub fn multi_normal_rng(
    mu: &[f64],
    sigma: &[f64],
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multi_normal_rng";
    let k = mu.len();
    check_arg(f, "Covariance matrix", sigma.len(), k * k)?;
    with_scratch(k * k, |l| {
        spd_factor(f, "Covariance matrix", sigma, k, l)?;
        multi_normal_cholesky_rng(mu, l, rng, out)
    })
}

/// One draw of `multi_student_t_cholesky_rng(nu, mu, L)` into `out`.
pub fn multi_student_t_cholesky_rng(
    nu: f64,
    mu: &[f64],
    l: &[f64],
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multi_student_t_cholesky_rng";
    check_nu(f, nu)?;
    if !nu.is_finite() {
        return multi_normal_cholesky_rng(mu, l, rng, out);
    }
    let k = mu.len();
    check_arg(f, "the output", out.len(), k)?;
    // y = mu + L z / sqrt(w), w ~ Gamma(nu/2, rate nu/2), i.e. inv_gamma scaling as in Stan.
    let g = rand_distr::Gamma::new(0.5 * nu, 2.0 / nu)
        .map_err(|e| DomainError::new(f, format!("bad degrees of freedom: {e}")))?;
    let w: f64 = g.sample(rng);
    let zero_mu = with_scratch(k, |z| {
        z.fill(0.0);
        let zs: &[f64] = z;
        multi_normal_cholesky_rng(zs, l, rng, out)
    });
    zero_mu?;
    let s = 1.0 / w.sqrt();
    for c in 0..k {
        out[c] = mu[c] + s * out[c];
    }
    Ok(())
}

/// One draw of `multi_student_t_rng(nu, mu, Sigma)` into `out`.
pub fn multi_student_t_rng(
    nu: f64,
    mu: &[f64],
    sigma: &[f64],
    rng: &mut dyn rand::Rng,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multi_student_t_rng";
    let k = mu.len();
    check_arg(f, "Scale matrix", sigma.len(), k * k)?;
    with_scratch(k * k, |l| {
        spd_factor(f, "Scale matrix", sigma, k, l)?;
        multi_student_t_cholesky_rng(nu, mu, l, rng, out)
    })
}

/// The residual r = y_i - mu_i of pair `i` (a single `y` or `mu` serving
/// every pair) and z = L^-1 r, with `inverse` = L^-1 lower triangular and
/// column-major (entry (row, col) at row + col * k).
pub(super) fn standardized_pair(
    y: &[f64],
    mu: &[f64],
    k: usize,
    i: usize,
    inverse: &[f64],
    r: &mut [f64],
    z: &mut [f64],
) {
    let yi = if y.len() == k { 0 } else { i };
    let mi = if mu.len() == k { 0 } else { i };
    for c in 0..k {
        r[c] = y[yi * k + c] - mu[mi * k + c];
    }
    z.fill(0.0);
    for col in 0..k {
        let rc = r[col];
        for row in col..k {
            z[row] += inverse[row + col * k] * rc;
        }
    }
}

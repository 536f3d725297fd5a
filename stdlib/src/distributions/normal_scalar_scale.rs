//! `normal_lpdf`; when the scale is one number, the likelihood of most regressions, one tight loop that also checks the arguments instead of the generic element loop of `kernel::density`.

use super::kernel::{check_finite, check_len, check_not_nan, check_positive_finite, density};
use super::{DomainError, RealArg};
use crate::math::LOG_SQRT_TWO_PI;

/// Stan's `normal_lpdf(y | mu, sigma)`, vectorized, with partials.
pub fn normal_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> Result<f64, DomainError> {
    const F: &str = "normal_lpdf";
    // The common case, one scale, checks y and mu in its one pass over them.
    if let Some(result) = normal_lpdf_checked_in_pass(&mut y, &mut mu, &mut sigma, propto) {
        return result;
    }
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    if sigma.values.len() == 1 {
        return normal_lpdf_scalar_scale(&mut y, &mut mu, &mut sigma, propto);
    }
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, mu, s], d| {
            let inv_s = c.once(0, &[2], || 1.0 / s);
            let z = (y - mu) * inv_s;
            let mut lp = 0.0;
            if c.inc(&[]) {
                lp -= LOG_SQRT_TWO_PI;
            }
            if c.inc(&[2]) {
                lp -= c.once(1, &[2], || s.ln());
            }
            lp -= 0.5 * z * z;
            d[0] = -z * inv_s;
            d[1] = z * inv_s;
            d[2] = inv_s * (z * z - 1.0);
            lp
        },
    )
}

/// `normal_lpdf(y | mu, sigma)` for a scalar `sigma`, its partials added to
/// the arguments' buffers as `kernel::density` does. The arguments' domains
/// are checked by the caller.
pub(crate) fn normal_lpdf_scalar_scale(
    y: &mut RealArg,
    mu: &mut RealArg,
    sigma: &mut RealArg,
    propto: bool,
) -> Result<f64, DomainError> {
    let n = check_len(
        "normal_lpdf",
        &[
            ("y", y.values.len()),
            ("mu", mu.values.len()),
            ("sigma", sigma.values.len()),
        ],
        &[],
    )?;
    let any_active = y.is_active() || mu.is_active() || sigma.is_active();
    if n == 0 || (propto && !any_active) {
        return Ok(0.0);
    }
    Ok(one_pass(y, mu, sigma, propto, n).0)
}

/// `normal_lpdf_scalar_scale` without the caller's separate passes that
/// check `y` (not NaN) and `mu` (finite): when the sum of the squared
/// standardized residuals is finite, every residual is, so every `y` and
/// `mu` is finite, and only otherwise are they checked, after the pass (the
/// partials added then do not matter when a check fails, since the call
/// fails). None, before touching any partial, when the scale is not one
/// positive finite number, the sizes differ or there is nothing to
/// compute: the caller then checks and computes as usual.
pub(crate) fn normal_lpdf_checked_in_pass(
    y: &mut RealArg,
    mu: &mut RealArg,
    sigma: &mut RealArg,
    propto: bool,
) -> Option<Result<f64, DomainError>> {
    let s = *sigma.values.first()?;
    if sigma.values.len() != 1 || !(s.is_finite() && s > 0.0) {
        return None;
    }
    let lens = [("y", y.values.len()), ("mu", mu.values.len()), ("sigma", 1)];
    let n = check_len("normal_lpdf", &lens, &[]).ok()?;
    let any_active = y.is_active() || mu.is_active() || sigma.is_active();
    if n == 0 || (propto && !any_active) {
        return None;
    }
    let (lp, sum_zz) = one_pass(y, mu, sigma, propto, n);
    if !sum_zz.is_finite() {
        const F: &str = "normal_lpdf";
        let checks = check_not_nan(F, "Random variable", y.values)
            .and_then(|()| check_finite(F, "Location parameter", mu.values));
        if let Err(e) = checks {
            return Some(Err(e));
        }
    }
    Some(Ok(lp))
}

/// The density and its partials in one pass over `n` elements, and the sum
/// of the squared standardized residuals.
fn one_pass(
    y: &mut RealArg,
    mu: &mut RealArg,
    sigma: &mut RealArg,
    propto: bool,
    n: usize,
) -> (f64, f64) {
    let s = sigma.values[0];
    let inv_s = 1.0 / s;
    let (y_scalar, mu_scalar) = (y.values.len() == 1, mu.values.len() == 1);
    // Vectors cut to `n`, so that the loop needs no bounds checks.
    let ys = if y_scalar { y.values } else { &y.values[..n] };
    let ms = if mu_scalar {
        mu.values
    } else {
        &mu.values[..n]
    };
    let mut dy = vector_partials(y, n);
    let mut dmu = vector_partials(mu, n);
    let (mut sum_z, mut sum_zz) = (0.0, 0.0);
    for i in 0..n {
        let yi = if y_scalar { ys[0] } else { ys[i] };
        let mi = if mu_scalar { ms[0] } else { ms[i] };
        let z = (yi - mi) * inv_s;
        sum_z += z;
        sum_zz += z * z;
        let g = z * inv_s;
        if let Some(d) = dmu.as_deref_mut() {
            d[i] += g;
        }
        if let Some(d) = dy.as_deref_mut() {
            d[i] -= g;
        }
    }
    scalar_partial(y, -sum_z * inv_s);
    scalar_partial(mu, sum_z * inv_s);
    let n_f = n as f64;
    scalar_partial(sigma, inv_s * (sum_zz - n_f));
    let mut lp = -0.5 * sum_zz;
    if !propto {
        lp -= n_f * LOG_SQRT_TWO_PI;
    }
    if !propto || sigma.is_active() {
        lp -= n_f * s.ln();
    }
    (lp, sum_zz)
}

/// The partials buffer of a vector argument, one slot per element.
fn vector_partials<'b>(arg: &'b mut RealArg, n: usize) -> Option<&'b mut [f64]> {
    match arg.partials.as_deref_mut() {
        Some(p) if arg.values.len() > 1 && p.len() >= n => Some(&mut p[..n]),
        _ => None,
    }
}

/// Adds `value` to the partial of a broadcast scalar argument (the sum over
/// its elements, formed after the loop).
fn scalar_partial(arg: &mut RealArg, value: f64) {
    if arg.values.len() == 1 {
        if let Some(slot) = arg.partials.as_deref_mut().and_then(|p| p.first_mut()) {
            *slot += value;
        }
    }
}

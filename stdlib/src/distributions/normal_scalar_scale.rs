//! `normal_lpdf` when the scale is one number, the likelihood of most regressions: one tight loop instead of the generic element loop of `kernel::density`.

use super::kernel::check_len;
use super::{DomainError, RealArg};
use crate::math::LOG_SQRT_TWO_PI;

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
    let s = sigma.values[0];
    let inv_s = 1.0 / s;
    let (ys, ms) = (y.values, mu.values);
    let (y_scalar, mu_scalar) = (ys.len() == 1, ms.len() == 1);
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
    Ok(lp)
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

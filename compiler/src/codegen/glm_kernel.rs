//! `normal_id_glm_lpdf` on a column-major design matrix, as cmod stores matrices.
//!
//! stdlib's GLM kernel takes a row-major matrix, so calling it meant
//! transposing the (usually large, data-only) design matrix at every call.
//! This one reads the matrix in place, column by column: the linear
//! predictor is a sum of scaled columns and the weights' partials are dot
//! products with columns, loops that vectorize. When the value is not
//! finite, or the shapes do not fit, it hands the call to stdlib's kernel
//! (through a transposed copy), which reports the error exactly as Stan
//! does; so the checks of a finite result cost nothing.

use std::cell::{Cell, RefCell};
use stdlib::distributions::{self as dist, RealArg};
use stdlib::linalg::columns::{add_product, add_transpose_product};
use stdlib::math::LOG_SQRT_TWO_PI;

thread_local! {
    /// The linear predictor, then d lp / d eta, one entry per observation.
    static ETA: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// Whether the running density call needs partials (it does not in the
    /// forward call of `log_density`, where partial buffers only mark which
    /// arguments are parameters).
    pub(super) static PARTIALS_WANTED: Cell<bool> = const { Cell::new(true) };
}

/// `normal_id_glm_lpdf(y | x, alpha, beta, sigma)` with `x` column-major (`n x k`, `k` the size of beta).
pub(super) fn normal_id_glm(
    y: RealArg<'_>,
    x: RealArg<'_>,
    alpha: RealArg<'_>,
    beta: RealArg<'_>,
    sigma: RealArg<'_>,
    propto: bool,
) -> Result<f64, dist::DomainError> {
    let k = beta.values.len();
    let n = x.values.len().checked_div(k).unwrap_or(0);
    let fits = |len: usize| len == 1 || len == n;
    let shapes_fit = k > 0
        && n > 1
        && n * k == x.values.len()
        && y.values.len() == n
        && fits(alpha.values.len())
        && fits(sigma.values.len());
    let sigma_ok = sigma.values.iter().all(|s| s.is_finite() && *s > 0.0);
    if !shapes_fit || !sigma_ok {
        return row_major(y, x, alpha, beta, sigma, propto);
    }
    let any_active = y.partials.is_some()
        || x.partials.is_some()
        || alpha.partials.is_some()
        || beta.partials.is_some()
        || sigma.partials.is_some();
    if propto && !any_active {
        return Ok(0.0);
    }
    ETA.with(|eta| {
        let eta = &mut *eta.borrow_mut();
        eta.clear();
        if alpha.values.len() == 1 {
            eta.resize(n, alpha.values[0]);
        } else {
            eta.extend_from_slice(alpha.values);
        }
        add_product(eta, x.values, beta.values);
        let keep_log_sigma = !propto || sigma.partials.is_some();
        let mut sum_sq = 0.0;
        let mut sum_log_sigma = 0.0;
        if sigma.values.len() == 1 {
            let inv_s = 1.0 / sigma.values[0];
            let s = sigma.values[0];
            for (e, yi) in eta.iter_mut().zip(y.values) {
                let z = (yi - *e) * inv_s;
                sum_sq += z * z;
                // Keep z for the partials.
                *e = z;
            }
            if keep_log_sigma {
                sum_log_sigma = n as f64 * s.ln();
            }
        } else {
            for ((e, yi), s) in eta.iter_mut().zip(y.values).zip(sigma.values) {
                let z = (yi - *e) / s;
                sum_sq += z * z;
                *e = z;
                if keep_log_sigma {
                    sum_log_sigma += s.ln();
                }
            }
        }
        let mut lp = -0.5 * sum_sq - sum_log_sigma;
        if !propto {
            lp -= n as f64 * LOG_SQRT_TWO_PI;
        }
        if !lp.is_finite() {
            return row_major(y, x, alpha, beta, sigma, propto);
        }
        if !PARTIALS_WANTED.with(Cell::get) {
            return Ok(lp);
        }
        // eta holds z; d lp / d eta_i = z_i / sigma_i.
        let (mut y, mut x, mut alpha, mut beta, mut sigma) = (y, x, alpha, beta, sigma);
        if let [s] = sigma.values {
            // One scale: its partial from the sum of squares, g = z / sigma.
            let inv_s = 1.0 / s;
            if let Some(p) = sigma.partials.as_deref_mut() {
                p[0] += inv_s * (sum_sq - n as f64);
            }
            for z in eta.iter_mut() {
                *z *= inv_s;
            }
        } else {
            if let Some(p) = sigma.partials.as_deref_mut() {
                for (i, z) in eta.iter().enumerate() {
                    let s = sigma.values[i];
                    p[i] += (z * z - 1.0) / s;
                }
            }
            for (z, s) in eta.iter_mut().zip(sigma.values) {
                *z /= s;
            }
        }
        let g = &eta[..];
        if let Some(p) = y.partials.as_deref_mut() {
            for (pi, gi) in p.iter_mut().zip(g) {
                *pi -= gi;
            }
        }
        if let Some(p) = alpha.partials.as_deref_mut() {
            if p.len() == 1 {
                p[0] += g.iter().sum::<f64>();
            } else {
                for (pi, gi) in p.iter_mut().zip(g) {
                    *pi += gi;
                }
            }
        }
        if let Some(p) = beta.partials.as_deref_mut() {
            add_transpose_product(p, x.values, g);
        }
        if let Some(p) = x.partials.as_deref_mut() {
            for (column, b) in p.chunks_exact_mut(n).zip(beta.values) {
                for (pij, gi) in column.iter_mut().zip(g) {
                    *pij += gi * b;
                }
            }
        }
        Ok(lp)
    })
}

/// stdlib's kernel on a row-major copy of `x`: every check, and every shape.
fn row_major(
    y: RealArg<'_>,
    mut x: RealArg<'_>,
    alpha: RealArg<'_>,
    beta: RealArg<'_>,
    sigma: RealArg<'_>,
    propto: bool,
) -> Result<f64, dist::DomainError> {
    let k = beta.values.len();
    super::stdlib_kernels::with_glm_matrix(&mut x, k, |matrix| {
        dist::normal_id_glm_lpdf(y, matrix, alpha, beta, sigma, propto)
    })
}

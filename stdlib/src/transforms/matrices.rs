//! Matrix transforms: cholesky_factor_cov, cholesky_factor_corr, corr_matrix and cov_matrix.
//!
//! Layouts of the unconstrained vectors, exactly as Stan Math 5.3 has them:
//!
//! * `cholesky_factor_cov[M, N]`, `cov_matrix[K]`: the lower triangle **row by
//!   row**, each of the first `N` rows ending with the log of its diagonal:
//!   `[log L00, L10, log L11, L20, L21, log L22, ...]`, then for
//!   `cholesky_factor_cov` the rows `N..M` in full. `cov_matrix` is `L L'`,
//!   log-Jacobian `K log 2 + sum_k (K - k + 1) log L_kk` (k from 0).
//! * `cholesky_factor_corr[K]`: the `K(K-1)/2` canonical partial correlations
//!   `tanh(x)` **row by row**: `(1,0), (2,0), (2,1), (3,0), ...`.
//! * `corr_matrix[K]`: the same partial correlations, but **column by
//!   column**: `(1,0), (2,0), ..., (K-1,0), (2,1), ...` (Stan's `read_corr_L`),
//!   and the value is `L L'`.
//!
//! Constrained matrices are written column-major (`(i, j)` at `i + j * rows`),
//! upper triangles of Cholesky factors as exact zeros.

use super::{check_len, CONSTRAINT_TOLERANCE};
use crate::error::DomainError;
use crate::linalg::scratch::with_scratch;

/// `log(1 - tanh(x)^2)` without cancellation for large `|x|`.
#[inline]
fn log1m_tanh_sq(x: f64) -> f64 {
    let a = x.abs();
    2.0 * (std::f64::consts::LN_2 - a - (-2.0 * a).exp().ln_1p())
}

/// Position of the diagonal-aware row-wise element `(i, j)`, `j <= i < n`.
#[inline]
fn tri_row_pos(i: usize, j: usize) -> usize {
    i * (i + 1) / 2 + j
}

/// Position of the strict-lower element `(i, j)`, `j < i`, row by row.
#[inline]
fn strict_row_pos(i: usize, j: usize) -> usize {
    i * (i - 1) / 2 + j
}

/// Position of the strict-lower element `(i, j)`, `j < i < k`, column by column.
#[inline]
fn strict_col_pos(k: usize, i: usize, j: usize) -> usize {
    j * (k - 1) - j * j.saturating_sub(1) / 2 + (i - j - 1)
}

// ------------------------------------------------------- cholesky_factor_cov

/// Unconstrained length of `cholesky_factor_cov[m, n]`.
pub fn cholesky_factor_cov_len(m: usize, n: usize) -> usize {
    n * (n + 1) / 2 + m.saturating_sub(n) * n
}

fn check_cf_dims(f: &str, m: usize, n: usize) -> Result<(), DomainError> {
    if m < n {
        return Err(DomainError::new(
            f,
            format!("num rows (must be greater or equal to num cols) is {m}, but must be greater than or equal to {n}"),
        ));
    }
    Ok(())
}

/// `cholesky_factor_cov[m, n]` (column-major `m x n` output); returns the log-Jacobian (sum of the log diagonals).
pub fn cholesky_factor_cov_constrain(
    x: &[f64],
    m: usize,
    n: usize,
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "cholesky_factor_constrain";
    check_cf_dims(f, m, n)?;
    check_len(f, "the input", x.len(), cholesky_factor_cov_len(m, n))?;
    check_len(f, "the output", y.len(), m * n)?;
    y.fill(0.0);
    let mut lj = 0.0;
    for i in 0..n {
        for j in 0..i {
            y[i + j * m] = x[tri_row_pos(i, j)];
        }
        let d = x[tri_row_pos(i, i)];
        y[i + i * m] = d.exp();
        lj += d;
    }
    let base = n * (n + 1) / 2;
    for i in n..m {
        for j in 0..n {
            y[i + j * m] = x[base + (i - n) * n + j];
        }
    }
    Ok(lj)
}

/// Reverse sweep of [`cholesky_factor_cov_constrain`].
pub fn cholesky_factor_cov_reverse(
    x: &[f64],
    m: usize,
    n: usize,
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cholesky_factor_constrain";
    check_cf_dims(f, m, n)?;
    check_len(f, "the input", x.len(), cholesky_factor_cov_len(m, n))?;
    check_len(f, "the output adjoint", y_adj.len(), m * n)?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    for i in 0..n {
        for j in 0..i {
            x_adj[tri_row_pos(i, j)] += y_adj[i + j * m];
        }
        let p = tri_row_pos(i, i);
        x_adj[p] += y_adj[i + i * m] * x[p].exp() + lj_adj;
    }
    let base = n * (n + 1) / 2;
    for i in n..m {
        for j in 0..n {
            x_adj[base + (i - n) * n + j] += y_adj[i + j * m];
        }
    }
    Ok(())
}

fn check_cholesky_factor(f: &str, y: &[f64], m: usize, n: usize) -> Result<(), DomainError> {
    for j in 0..n {
        for i in 0..j.min(m) {
            if y[i + j * m] != 0.0 {
                return Err(DomainError::new(
                    f,
                    format!(
                        "y is not lower triangular; y[{},{}]={}",
                        i + 1,
                        j + 1,
                        y[i + j * m]
                    ),
                ));
            }
        }
        let d = y[j + j * m];
        if !(d > 0.0) {
            return Err(DomainError::new(
                f,
                format!("diagonal of y[{}] is {}, but must be positive", j + 1, d),
            ));
        }
    }
    Ok(())
}

/// Inverse of [`cholesky_factor_cov_constrain`], after checking `y` is a Cholesky factor.
pub fn cholesky_factor_cov_unconstrain(
    y: &[f64],
    m: usize,
    n: usize,
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cholesky_factor_free";
    check_cf_dims(f, m, n)?;
    check_len(f, "the input", y.len(), m * n)?;
    check_len(f, "the output", x.len(), cholesky_factor_cov_len(m, n))?;
    check_cholesky_factor(f, y, m, n)?;
    for i in 0..n {
        for j in 0..i {
            x[tri_row_pos(i, j)] = y[i + j * m];
        }
        x[tri_row_pos(i, i)] = y[i + i * m].ln();
    }
    let base = n * (n + 1) / 2;
    for i in n..m {
        for j in 0..n {
            x[base + (i - n) * n + j] = y[i + j * m];
        }
    }
    Ok(())
}

// ---------------------------------------------- Cholesky factors of correlations

/// Builds the Cholesky factor of a correlation matrix from partial correlations `tanh(x[pos(i, j)])`.
/// Returns the sum over elements of `c(i, j) log(1 - z_ij^2)` for the caller's Jacobian coefficients.
fn corr_l_fwd(
    x: &[f64],
    k: usize,
    pos: impl Fn(usize, usize) -> usize,
    coef: impl Fn(usize, usize) -> f64,
    l: &mut [f64],
) -> f64 {
    l.fill(0.0);
    let mut lj = 0.0;
    if k == 0 {
        return 0.0;
    }
    l[0] = 1.0;
    for i in 1..k {
        let mut acc: f64 = 1.0;
        for j in 0..i {
            let xij = x[pos(i, j)];
            let z = xij.tanh();
            l[i + j * k] = z * acc.sqrt();
            acc *= 1.0 - z * z;
            lj += coef(i, j) * log1m_tanh_sq(xij);
        }
        l[i + i * k] = acc.sqrt();
    }
    lj
}

/// Reverse sweep of [`corr_l_fwd`]: adds to `x_adj` the adjoint through `L` (given `l_adj(i, j)`, `j <= i`)
/// and through the Jacobian term `lj_adj * sum c(i, j) log(1 - z_ij^2)`.
#[allow(clippy::too_many_arguments)]
fn corr_l_rev(
    x: &[f64],
    k: usize,
    pos: impl Fn(usize, usize) -> usize,
    coef: impl Fn(usize, usize) -> f64,
    l: &[f64],
    l_adj: impl Fn(usize, usize) -> f64,
    lj_adj: f64,
    x_adj: &mut [f64],
) {
    // With s_j = sqrt(prod_{l<j} (1 - z_l^2)), L_ij = z_j s_j and L_ii = s_i, so
    // dL_ij/dz_l = -L_ij z_l / (1 - z_l^2) for j > l, and dL_il/dz_l = s_l.
    // Through z = tanh(x), dz/dx = 1 - z^2, which cancels the denominator.
    for i in 1..k {
        let mut total = 0.0;
        for j in 0..=i {
            total += l_adj(i, j) * l[i + j * k];
        }
        let mut acc: f64 = 1.0;
        let mut head = 0.0;
        for j in 0..i {
            let xij = x[pos(i, j)];
            let z = xij.tanh();
            let one_m_z2 = 1.0 - z * z;
            let la = l_adj(i, j);
            head += la * l[i + j * k];
            let tail = total - head;
            let mut g = la * acc.sqrt() * one_m_z2 - z * tail;
            g += lj_adj * coef(i, j) * (-2.0 * z);
            x_adj[pos(i, j)] += g;
            acc *= one_m_z2;
        }
    }
}

/// Checks a square Cholesky factor of a correlation matrix: lower triangular, positive diagonal, unit rows.
fn check_cholesky_corr(f: &str, y: &[f64], k: usize) -> Result<(), DomainError> {
    check_cholesky_factor(f, y, k, k)?;
    for i in 0..k {
        let ss: f64 = (0..=i).map(|j| y[i + j * k] * y[i + j * k]).sum();
        if !((1.0 - ss).abs() <= CONSTRAINT_TOLERANCE) {
            return Err(DomainError::new(
                f,
                format!("y is not a valid unit vector. The sum of the squares of the elements of row {} should be 1, but is {}", i + 1, ss),
            ));
        }
    }
    Ok(())
}

/// Partial correlations (unconstrained, `atanh`) of the Cholesky factor `l` of a correlation matrix.
fn corr_l_inv(l: &[f64], k: usize, pos: impl Fn(usize, usize) -> usize, x: &mut [f64]) {
    for i in 1..k {
        let mut ss: f64 = 0.0;
        for j in 0..i {
            let v = l[i + j * k];
            let z = v / (1.0 - ss).sqrt();
            x[pos(i, j)] = z.atanh();
            ss += v * v;
        }
    }
}

/// Unconstrained length of `cholesky_factor_corr[k]` and `corr_matrix[k]`.
pub fn corr_len(k: usize) -> usize {
    k * k.saturating_sub(1) / 2
}

fn chol_corr_coef(i: usize, j: usize) -> f64 {
    // log(1 - z^2) from tanh, plus 0.5 (i - 1 - j) log(1 - z^2) from the row scaling.
    1.0 + 0.5 * (i as f64 - 1.0 - j as f64)
}

/// `cholesky_factor_corr[k]` (column-major `k x k` output); returns the log-Jacobian.
pub fn cholesky_factor_corr_constrain(
    x: &[f64],
    k: usize,
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "cholesky_corr_constrain";
    check_len(f, "the input", x.len(), corr_len(k))?;
    check_len(f, "the output", y.len(), k * k)?;
    Ok(corr_l_fwd(x, k, strict_row_pos, chol_corr_coef, y))
}

/// Reverse sweep of [`cholesky_factor_corr_constrain`]; `y` is the constrained factor.
pub fn cholesky_factor_corr_reverse(
    x: &[f64],
    k: usize,
    y: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cholesky_corr_constrain";
    check_len(f, "the input", x.len(), corr_len(k))?;
    check_len(f, "the output", y.len(), k * k)?;
    check_len(f, "the output adjoint", y_adj.len(), k * k)?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    corr_l_rev(
        x,
        k,
        strict_row_pos,
        chol_corr_coef,
        y,
        |i, j| y_adj[i + j * k],
        lj_adj,
        x_adj,
    );
    Ok(())
}

/// Inverse of [`cholesky_factor_corr_constrain`], after checking `y` (tolerance 1e-8 on row norms).
pub fn cholesky_factor_corr_unconstrain(
    y: &[f64],
    k: usize,
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cholesky_corr_free";
    check_len(f, "the input", y.len(), k * k)?;
    check_len(f, "the output", x.len(), corr_len(k))?;
    check_cholesky_corr(f, y, k)?;
    corr_l_inv(y, k, strict_row_pos, x);
    Ok(())
}

// --------------------------------------------------------------- corr_matrix

/// Adds `(A + A') L` restricted to the lower triangle into `l_adj` (all `k x k`, column-major).
fn sym_times_lower(a: &[f64], l: &[f64], k: usize, l_adj: &mut [f64]) {
    for c in 0..k {
        for r in c..k {
            let mut s = 0.0;
            for b in c..k {
                s += (a[r + b * k] + a[b + r * k]) * l[b + c * k];
            }
            l_adj[r + c * k] += s;
        }
    }
}

/// `out = L L'` for a lower-triangular `k x k` `L` (column-major).
fn lower_self_transpose(l: &[f64], k: usize, out: &mut [f64]) {
    for i in 0..k {
        for j in 0..=i {
            let mut s = 0.0;
            for c in 0..=j {
                s += l[i + c * k] * l[j + c * k];
            }
            out[i + j * k] = s;
            out[j + i * k] = s;
        }
    }
}

/// `corr_matrix[k]` (column-major `k x k` output); returns the log-Jacobian.
pub fn corr_matrix_constrain(x: &[f64], k: usize, y: &mut [f64]) -> Result<f64, DomainError> {
    let f = "corr_matrix_constrain";
    check_len(f, "the input", x.len(), corr_len(k))?;
    check_len(f, "the output", y.len(), k * k)?;
    let kf = k as f64;
    let pos = |i, j| strict_col_pos(k, i, j);
    let coef = |_i, j: usize| 1.0 + 0.5 * (kf - j as f64 - 2.0);
    Ok(with_scratch(k * k, |l| {
        let lj = corr_l_fwd(x, k, pos, coef, l);
        lower_self_transpose(l, k, y);
        lj
    }))
}

/// Reverse sweep of [`corr_matrix_constrain`].
pub fn corr_matrix_reverse(
    x: &[f64],
    k: usize,
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "corr_matrix_constrain";
    check_len(f, "the input", x.len(), corr_len(k))?;
    check_len(f, "the output adjoint", y_adj.len(), k * k)?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    let kf = k as f64;
    let pos = |i, j| strict_col_pos(k, i, j);
    let coef = |_i, j: usize| 1.0 + 0.5 * (kf - j as f64 - 2.0);
    with_scratch(2 * k * k, |buf| {
        let (l, l_adj) = buf.split_at_mut(k * k);
        corr_l_fwd(x, k, pos, coef, l);
        sym_times_lower(y_adj, l, k, l_adj);
        let l_adj: &[f64] = l_adj;
        corr_l_rev(x, k, pos, coef, l, |i, j| l_adj[i + j * k], lj_adj, x_adj);
    });
    Ok(())
}

fn check_symmetric(f: &str, y: &[f64], k: usize) -> Result<(), DomainError> {
    for j in 0..k {
        for i in (j + 1)..k {
            let (a, b) = (y[i + j * k], y[j + i * k]);
            if !((a - b).abs() <= CONSTRAINT_TOLERANCE) {
                return Err(DomainError::new(
                    f,
                    format!(
                        "y is not symmetric. y[{},{}] = {}, but y[{},{}] = {}",
                        i + 1,
                        j + 1,
                        a,
                        j + 1,
                        i + 1,
                        b
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Inverse of [`corr_matrix_constrain`], after checking `y` is a correlation matrix.
pub fn corr_matrix_unconstrain(y: &[f64], k: usize, x: &mut [f64]) -> Result<(), DomainError> {
    let f = "corr_matrix_free";
    check_len(f, "the input", y.len(), k * k)?;
    check_len(f, "the output", x.len(), corr_len(k))?;
    if k == 0 {
        return Err(DomainError::new(
            f,
            "y has size 0, but must have a non-zero size",
        ));
    }
    check_symmetric(f, y, k)?;
    for i in 0..k {
        let d = y[i + i * k];
        if !((d - 1.0).abs() <= CONSTRAINT_TOLERANCE) {
            return Err(DomainError::new(
                f,
                format!(
                    "y is not a valid correlation matrix. y[{},{}] is {}, but should be near 1",
                    i + 1,
                    i + 1,
                    d
                ),
            ));
        }
    }
    with_scratch(2 * k * k, |buf| {
        let (r, l) = buf.split_at_mut(k * k);
        for j in 0..k {
            for i in 0..k {
                r[i + j * k] = y[i + j * k] / (y[i + i * k] * y[j + j * k]).sqrt();
            }
        }
        crate::linalg::cholesky_decompose(r, k, l)
            .map_err(|_| DomainError::new(f, "y is not positive definite"))?;
        corr_l_inv(l, k, |i, j| strict_col_pos(k, i, j), x);
        Ok(())
    })
}

// ---------------------------------------------------------------- cov_matrix

/// Unconstrained length of `cov_matrix[k]`.
pub fn cov_matrix_len(k: usize) -> usize {
    k * (k + 1) / 2
}

fn cov_l_fwd(x: &[f64], k: usize, l: &mut [f64]) -> f64 {
    l.fill(0.0);
    let kf = k as f64;
    let mut lj = kf * std::f64::consts::LN_2;
    for i in 0..k {
        for j in 0..i {
            l[i + j * k] = x[tri_row_pos(i, j)];
        }
        let d = x[tri_row_pos(i, i)];
        l[i + i * k] = d.exp();
        lj += (kf - i as f64 + 1.0) * d;
    }
    lj
}

/// `cov_matrix[k]` (column-major `k x k` output); returns the log-Jacobian.
pub fn cov_matrix_constrain(x: &[f64], k: usize, y: &mut [f64]) -> Result<f64, DomainError> {
    let f = "cov_matrix_constrain";
    check_len(f, "the input", x.len(), cov_matrix_len(k))?;
    check_len(f, "the output", y.len(), k * k)?;
    Ok(with_scratch(k * k, |l| {
        let lj = cov_l_fwd(x, k, l);
        lower_self_transpose(l, k, y);
        lj
    }))
}

/// Reverse sweep of [`cov_matrix_constrain`].
pub fn cov_matrix_reverse(
    x: &[f64],
    k: usize,
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cov_matrix_constrain";
    check_len(f, "the input", x.len(), cov_matrix_len(k))?;
    check_len(f, "the output adjoint", y_adj.len(), k * k)?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    let kf = k as f64;
    with_scratch(2 * k * k, |buf| {
        let (l, l_adj) = buf.split_at_mut(k * k);
        cov_l_fwd(x, k, l);
        sym_times_lower(y_adj, l, k, l_adj);
        for i in 0..k {
            for j in 0..i {
                x_adj[tri_row_pos(i, j)] += l_adj[i + j * k];
            }
            x_adj[tri_row_pos(i, i)] +=
                l_adj[i + i * k] * l[i + i * k] + lj_adj * (kf - i as f64 + 1.0);
        }
    });
    Ok(())
}

/// Inverse of [`cov_matrix_constrain`], after checking `y` is symmetric positive definite.
pub fn cov_matrix_unconstrain(y: &[f64], k: usize, x: &mut [f64]) -> Result<(), DomainError> {
    let f = "cov_matrix_free";
    check_len(f, "the input", y.len(), k * k)?;
    check_len(f, "the output", x.len(), cov_matrix_len(k))?;
    if k == 0 {
        return Err(DomainError::new(
            f,
            "y has size 0, but must have a non-zero size",
        ));
    }
    check_symmetric(f, y, k)?;
    with_scratch(k * k, |l| {
        crate::linalg::cholesky_decompose(y, k, l)
            .map_err(|_| DomainError::new(f, "y is not positive definite"))?;
        for i in 0..k {
            for j in 0..i {
                x[tri_row_pos(i, j)] = l[i + j * k];
            }
            x[tri_row_pos(i, i)] = l[i + i * k].ln();
        }
        Ok(())
    })
}

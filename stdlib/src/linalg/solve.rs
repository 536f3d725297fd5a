//! Solves, inverses, determinants and symmetric eigenvalues, with adjoints.
//!
//! `mdivide_left_tri_low(A, B) = L^-1 B` and `mdivide_right_tri_low(B, A) = B L^-1`
//! use only the lower triangle `L` of `A` (as Stan does); their adjoints with
//! respect to `A` land on that lower triangle. General matrices use an LU
//! factorization with partial pivoting; symmetric positive-definite ones a
//! Cholesky factorization.

use super::dense::{chol_inverse, lower_solve_in_place, lower_transpose_solve_in_place};
use super::scratch::with_scratch;
use super::{check_len, check_square_len, check_symmetric, cholesky_lower};
use crate::error::DomainError;

fn check_tri_diag(f: &str, a: &[f64], n: usize) -> Result<(), DomainError> {
    for i in 0..n {
        if a[i + i * n] == 0.0 {
            return Err(DomainError::new(
                f,
                format!("A is singular: A[{},{}] is 0", i + 1, i + 1),
            ));
        }
    }
    Ok(())
}

/// `mdivide_left_tri_low(A, B) = L^-1 B`, `A` `n x n` (lower triangle used), `B` `n x m`.
pub fn mdivide_left_tri_low(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_left_tri_low";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "b", b.len(), n * m)?;
    check_len(f, "the result", out.len(), n * m)?;
    check_tri_diag(f, a, n)?;
    out.copy_from_slice(b);
    lower_solve_in_place(a, n, out, m);
    Ok(())
}

/// Reverse of [`mdivide_left_tri_low`] given the result `c`: `b_adj += L^-T G`, `a_adj += lower(-(L^-T G) c')`.
#[allow(clippy::too_many_arguments)]
pub fn mdivide_left_tri_low_reverse(
    a: &[f64],
    n: usize,
    c: &[f64],
    m: usize,
    g: &[f64],
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_left_tri_low";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "the result", c.len(), n * m)?;
    check_len(f, "the result adjoint", g.len(), n * m)?;
    with_scratch(n * m, |h| {
        h.copy_from_slice(g);
        lower_transpose_solve_in_place(a, n, h, m);
        if !b_adj.is_empty() {
            check_len(f, "the adjoint of b", b_adj.len(), n * m)?;
            for (x, y) in b_adj.iter_mut().zip(h.iter()) {
                *x += y;
            }
        }
        if !a_adj.is_empty() {
            check_square_len(f, "the adjoint of A", a_adj.len(), n)?;
            for j in 0..n {
                for i in j..n {
                    let s: f64 = (0..m).map(|p| h[i + p * n] * c[j + p * n]).sum();
                    a_adj[i + j * n] -= s;
                }
            }
        }
        Ok(())
    })
}

/// `mdivide_right_tri_low(B, A) = B L^-1`, `B` `m x n`, `A` `n x n` (lower triangle used).
pub fn mdivide_right_tri_low(
    b: &[f64],
    m: usize,
    a: &[f64],
    n: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_right_tri_low";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "b", b.len(), m * n)?;
    check_len(f, "the result", out.len(), m * n)?;
    check_tri_diag(f, a, n)?;
    // X L = B  <=>  L' X' = B': solve column by column of X' (rows of X).
    for r in 0..m {
        for i in (0..n).rev() {
            let mut s = b[r + i * m];
            for k in (i + 1)..n {
                s -= a[k + i * n] * out[r + k * m];
            }
            out[r + i * m] = s / a[i + i * n];
        }
    }
    Ok(())
}

/// Reverse of [`mdivide_right_tri_low`] given the result `c`: `b_adj += G L^-T`, `a_adj += lower(-c' (G L^-T))`.
#[allow(clippy::too_many_arguments)]
pub fn mdivide_right_tri_low_reverse(
    c: &[f64],
    m: usize,
    a: &[f64],
    n: usize,
    g: &[f64],
    b_adj: &mut [f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_right_tri_low";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "the result", c.len(), m * n)?;
    check_len(f, "the result adjoint", g.len(), m * n)?;
    with_scratch(m * n, |h| {
        // H = G L^-T  <=>  H L' = G  <=>  L H' = G': forward substitution per row of H.
        for r in 0..m {
            for i in 0..n {
                let mut s = g[r + i * m];
                for k in 0..i {
                    s -= a[i + k * n] * h[r + k * m];
                }
                h[r + i * m] = s / a[i + i * n];
            }
        }
        if !b_adj.is_empty() {
            check_len(f, "the adjoint of b", b_adj.len(), m * n)?;
            for (x, y) in b_adj.iter_mut().zip(h.iter()) {
                *x += y;
            }
        }
        if !a_adj.is_empty() {
            check_square_len(f, "the adjoint of A", a_adj.len(), n)?;
            for j in 0..n {
                for i in j..n {
                    let s: f64 = (0..m).map(|r| c[r + i * m] * h[r + j * m]).sum();
                    a_adj[i + j * n] -= s;
                }
            }
        }
        Ok(())
    })
}

/// `mdivide_left_spd(A, B) = A^-1 B` for symmetric positive-definite `A` (`n x n`), `B` `n x m`.
pub fn mdivide_left_spd(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_left_spd";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "b", b.len(), n * m)?;
    check_len(f, "the result", out.len(), n * m)?;
    check_symmetric(f, "A", a, n)?;
    with_scratch(n * n, |l| {
        cholesky_lower(a, n, l).map_err(|_| DomainError::new(f, "A is not positive definite"))?;
        out.copy_from_slice(b);
        lower_solve_in_place(l, n, out, m);
        lower_transpose_solve_in_place(l, n, out, m);
        Ok(())
    })
}

/// Reverse of [`mdivide_left_spd`] given the result `c`: `b_adj += A^-1 G`, `a_adj += -(A^-1 G) c'`.
#[allow(clippy::too_many_arguments)]
pub fn mdivide_left_spd_reverse(
    a: &[f64],
    n: usize,
    c: &[f64],
    m: usize,
    g: &[f64],
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "mdivide_left_spd";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "the result", c.len(), n * m)?;
    check_len(f, "the result adjoint", g.len(), n * m)?;
    with_scratch(n * n + n * m, |buf| {
        let (l, h) = buf.split_at_mut(n * n);
        cholesky_lower(a, n, l).map_err(|_| DomainError::new(f, "A is not positive definite"))?;
        h.copy_from_slice(g);
        lower_solve_in_place(l, n, h, m);
        lower_transpose_solve_in_place(l, n, h, m);
        if !b_adj.is_empty() {
            check_len(f, "the adjoint of b", b_adj.len(), n * m)?;
            for (x, y) in b_adj.iter_mut().zip(h.iter()) {
                *x += y;
            }
        }
        if !a_adj.is_empty() {
            check_square_len(f, "the adjoint of A", a_adj.len(), n)?;
            for j in 0..n {
                for i in 0..n {
                    let s: f64 = (0..m).map(|p| h[i + p * n] * c[j + p * n]).sum();
                    a_adj[i + j * n] -= s;
                }
            }
        }
        Ok(())
    })
}

/// LU factorization with partial pivoting in place; returns the permutation sign, or `None` when singular.
fn lu_in_place(lu: &mut [f64], n: usize, piv: &mut [usize]) -> Option<f64> {
    let mut sign = 1.0;
    for (i, p) in piv.iter_mut().enumerate() {
        *p = i;
    }
    for k in 0..n {
        let mut p = k;
        let mut best = lu[k + k * n].abs();
        for i in (k + 1)..n {
            if lu[i + k * n].abs() > best {
                best = lu[i + k * n].abs();
                p = i;
            }
        }
        if best == 0.0 || !best.is_finite() {
            return None;
        }
        if p != k {
            for j in 0..n {
                lu.swap(k + j * n, p + j * n);
            }
            piv.swap(k, p);
            sign = -sign;
        }
        let pivot = lu[k + k * n];
        for i in (k + 1)..n {
            lu[i + k * n] /= pivot;
        }
        for j in (k + 1)..n {
            let ukj = lu[k + j * n];
            if ukj != 0.0 {
                for i in (k + 1)..n {
                    lu[i + j * n] -= lu[i + k * n] * ukj;
                }
            }
        }
    }
    Some(sign)
}

/// Inverse from an LU factorization into `out`.
fn lu_inverse(lu: &[f64], n: usize, piv: &[usize], out: &mut [f64]) {
    out.fill(0.0);
    for j in 0..n {
        // Column j of P' e: row i of P A is row piv[i] of A.
        for i in 0..n {
            out[i + j * n] = if piv[i] == j { 1.0 } else { 0.0 };
        }
        let col = &mut out[j * n..(j + 1) * n];
        for i in 0..n {
            let mut s = col[i];
            for k in 0..i {
                s -= lu[i + k * n] * col[k];
            }
            col[i] = s;
        }
        for i in (0..n).rev() {
            let mut s = col[i];
            for k in (i + 1)..n {
                s -= lu[i + k * n] * col[k];
            }
            col[i] = s / lu[i + i * n];
        }
    }
}

/// `inverse(A)` of a square matrix.
pub fn inverse(a: &[f64], n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    let f = "inverse";
    check_square_len(f, "m", a.len(), n)?;
    check_square_len(f, "the result", out.len(), n)?;
    with_scratch(n * n + n, |buf| {
        let (lu, pivf) = buf.split_at_mut(n * n);
        lu.copy_from_slice(a);
        let mut piv = vec![0usize; n];
        let _ = pivf;
        lu_in_place(lu, n, &mut piv).ok_or_else(|| DomainError::new(f, "m is singular"))?;
        lu_inverse(lu, n, &piv, out);
        Ok(())
    })
}

/// Reverse of [`inverse`] and [`inverse_spd`] given the result `x = A^-1`: `a_adj += -x' G x'`.
pub fn inverse_reverse(
    x: &[f64],
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "inverse";
    check_square_len(f, "the result", x.len(), n)?;
    check_square_len(f, "the result adjoint", g.len(), n)?;
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    with_scratch(n * n, |t| {
        // t = G x'
        for j in 0..n {
            for i in 0..n {
                t[i + j * n] = (0..n).map(|k| g[i + k * n] * x[j + k * n]).sum();
            }
        }
        // a_adj -= x' t
        for j in 0..n {
            for i in 0..n {
                let s: f64 = (0..n).map(|k| x[k + i * n] * t[k + j * n]).sum();
                a_adj[i + j * n] -= s;
            }
        }
    });
    Ok(())
}

/// `inverse_spd(A)` of a symmetric positive-definite matrix (checked), symmetric result.
pub fn inverse_spd(a: &[f64], n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    let f = "inverse_spd";
    check_square_len(f, "m", a.len(), n)?;
    check_square_len(f, "the result", out.len(), n)?;
    check_symmetric(f, "m", a, n)?;
    with_scratch(n * n, |l| {
        cholesky_lower(a, n, l).map_err(|_| DomainError::new(f, "m is not positive definite"))?;
        chol_inverse(l, n, out);
        Ok(())
    })
}

/// `log_determinant(A) = log |det A|`; also writes `A^-T` (the derivative) to `inv_t` when it is not empty.
fn log_det_and_inv_t(
    f: &str,
    a: &[f64],
    n: usize,
    inv_t: &mut [f64],
) -> Result<(f64, f64), DomainError> {
    check_square_len(f, "m", a.len(), n)?;
    with_scratch(2 * n * n, |buf| {
        let (lu, inv) = buf.split_at_mut(n * n);
        lu.copy_from_slice(a);
        let mut piv = vec![0usize; n];
        let sign = match lu_in_place(lu, n, &mut piv) {
            Some(s) => s,
            None => return Ok((f64::NEG_INFINITY, 0.0)),
        };
        let mut log_abs = 0.0;
        let mut sgn = sign;
        for i in 0..n {
            let d = lu[i + i * n];
            log_abs += d.abs().ln();
            if d < 0.0 {
                sgn = -sgn;
            }
        }
        if !inv_t.is_empty() {
            lu_inverse(lu, n, &piv, inv);
            for j in 0..n {
                for i in 0..n {
                    inv_t[i + j * n] = inv[j + i * n];
                }
            }
        }
        Ok((log_abs, sgn))
    })
}

/// `log_determinant(A) = log |det A|` (`-inf` for a singular matrix).
pub fn log_determinant(a: &[f64], n: usize) -> Result<f64, DomainError> {
    Ok(log_det_and_inv_t("log_determinant", a, n, &mut [])?.0)
}

/// Reverse of [`log_determinant`]: `a_adj += g A^-T`.
pub fn log_determinant_reverse(
    a: &[f64],
    n: usize,
    g: f64,
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "log_determinant";
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    with_scratch(n * n, |inv_t| {
        let (ld, _) = log_det_and_inv_t(f, a, n, inv_t)?;
        if ld == f64::NEG_INFINITY {
            return Err(DomainError::new(f, "m is singular"));
        }
        for (x, y) in a_adj.iter_mut().zip(inv_t.iter()) {
            *x += g * y;
        }
        Ok(())
    })
}

/// `determinant(A)`.
pub fn determinant(a: &[f64], n: usize) -> Result<f64, DomainError> {
    let (ld, sgn) = log_det_and_inv_t("determinant", a, n, &mut [])?;
    Ok(if ld == f64::NEG_INFINITY {
        0.0
    } else {
        sgn * ld.exp()
    })
}

/// Reverse of [`determinant`]: `a_adj += g det(A) A^-T` (computed by cofactors-free LU; singular `A` is an error).
pub fn determinant_reverse(
    a: &[f64],
    n: usize,
    g: f64,
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "determinant";
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    with_scratch(n * n, |inv_t| {
        let (ld, sgn) = log_det_and_inv_t(f, a, n, inv_t)?;
        if ld == f64::NEG_INFINITY {
            return Err(DomainError::new(f, "m is singular"));
        }
        let det = sgn * ld.exp();
        for (x, y) in a_adj.iter_mut().zip(inv_t.iter()) {
            *x += g * det * y;
        }
        Ok(())
    })
}

/// `eigenvalues_sym(A)` in ascending order (as Stan), and optionally the eigenvectors (columns) into `vectors`.
pub fn eigen_sym(
    a: &[f64],
    n: usize,
    values: &mut [f64],
    vectors: &mut [f64],
) -> Result<(), DomainError> {
    let f = "eigenvalues_sym";
    check_square_len(f, "m", a.len(), n)?;
    check_len(f, "the result", values.len(), n)?;
    check_symmetric(f, "m", a, n)?;
    if a.iter().any(|v| !v.is_finite()) {
        return Err(DomainError::new(f, "m contains non-finite values"));
    }
    let m = nalgebra::DMatrix::from_column_slice(n, n, a);
    let eig = nalgebra::SymmetricEigen::new(m);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[i].total_cmp(&eig.eigenvalues[j]));
    for (k, &i) in order.iter().enumerate() {
        values[k] = eig.eigenvalues[i];
    }
    if !vectors.is_empty() {
        check_square_len(f, "the eigenvectors", vectors.len(), n)?;
        for (k, &i) in order.iter().enumerate() {
            for r in 0..n {
                vectors[r + k * n] = eig.eigenvectors[(r, i)];
            }
        }
    }
    Ok(())
}

/// `eigenvalues_sym(A)` in ascending order.
pub fn eigenvalues_sym(a: &[f64], n: usize, values: &mut [f64]) -> Result<(), DomainError> {
    eigen_sym(a, n, values, &mut [])
}

/// Reverse of [`eigenvalues_sym`]: `a_adj += V diag(g) V'` (distinct eigenvalues assumed, as in Stan).
pub fn eigenvalues_sym_reverse(
    a: &[f64],
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "eigenvalues_sym";
    check_len(f, "the result adjoint", g.len(), n)?;
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    with_scratch(n * n + n, |buf| {
        let (v, vals) = buf.split_at_mut(n * n);
        eigen_sym(a, n, vals, v)?;
        for j in 0..n {
            for i in 0..n {
                let s: f64 = (0..n).map(|k| v[i + k * n] * g[k] * v[j + k * n]).sum();
                a_adj[i + j * n] += s;
            }
        }
        Ok(())
    })
}

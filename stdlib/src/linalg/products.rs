//! Matrix products and their adjoints: multiply in every shape, dot products, crossprod/tcrossprod,
//! multiply_lower_tri_self_transpose, diag_pre/post_multiply, quad_form(_sym, _diag), softmax, log_softmax.
//!
//! `multiply(a, m, k, b, n, c)` covers every Stan product of shapes:
//! matrix * matrix (`m x k` times `k x n`), matrix * vector (`n = 1`),
//! row_vector * matrix (`m = 1`), row_vector * vector (`m = n = 1`, a
//! scalar), vector * row_vector (`k = 1`, an outer product).

use super::columns::{add_product, add_transpose_product};
use super::{check_len, check_square_len};
use crate::error::DomainError;

/// `c = a b` with `a` `m x k`, `b` `k x n`, `c` `m x n` (column-major).
pub fn multiply(
    a: &[f64],
    m: usize,
    k: usize,
    b: &[f64],
    n: usize,
    c: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multiply";
    check_len(f, "m1", a.len(), m * k)?;
    check_len(f, "m2", b.len(), k * n)?;
    check_len(f, "the result", c.len(), m * n)?;
    c.fill(0.0);
    if m > 0 && k > 0 {
        for (c_col, b_col) in c.chunks_exact_mut(m).zip(b.chunks_exact(k)) {
            add_product(c_col, a, b_col);
        }
    }
    Ok(())
}

/// Reverse of [`multiply`]: `a_adj += c_adj b'`, `b_adj += a' c_adj` (empty adjoint = not wanted).
#[allow(clippy::too_many_arguments)]
pub fn multiply_reverse(
    a: &[f64],
    m: usize,
    k: usize,
    b: &[f64],
    n: usize,
    c_adj: &[f64],
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multiply";
    check_len(f, "m1", a.len(), m * k)?;
    check_len(f, "m2", b.len(), k * n)?;
    check_len(f, "the result adjoint", c_adj.len(), m * n)?;
    if !a_adj.is_empty() {
        check_len(f, "the adjoint of m1", a_adj.len(), m * k)?;
        for p in 0..k {
            for j in 0..n {
                let bpj = b[p + j * k];
                for i in 0..m {
                    a_adj[i + p * m] += c_adj[i + j * m] * bpj;
                }
            }
        }
    }
    if !b_adj.is_empty() {
        check_len(f, "the adjoint of m2", b_adj.len(), k * n)?;
        if m > 0 && k > 0 {
            for (b_adj_col, g) in b_adj.chunks_exact_mut(k).zip(c_adj.chunks_exact(m)) {
                add_transpose_product(b_adj_col, a, g);
            }
        }
    }
    Ok(())
}

/// `dot_product(a, b)`.
pub fn dot_product(a: &[f64], b: &[f64]) -> Result<f64, DomainError> {
    check_len("dot_product", "v2", b.len(), a.len())?;
    Ok(a.iter().zip(b).map(|(x, y)| x * y).sum())
}

/// Reverse of [`dot_product`] with result adjoint `g`.
pub fn dot_product_reverse(
    a: &[f64],
    b: &[f64],
    g: f64,
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "dot_product";
    check_len(f, "v2", b.len(), a.len())?;
    if !a_adj.is_empty() {
        check_len(f, "the adjoint of v1", a_adj.len(), a.len())?;
        for i in 0..a.len() {
            a_adj[i] += g * b[i];
        }
    }
    if !b_adj.is_empty() {
        check_len(f, "the adjoint of v2", b_adj.len(), a.len())?;
        for i in 0..a.len() {
            b_adj[i] += g * a[i];
        }
    }
    Ok(())
}

/// `tcrossprod(A) = A A'` for `A` `m x n`; `out` is `m x m`.
pub fn tcrossprod(a: &[f64], m: usize, n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    let f = "tcrossprod";
    check_len(f, "M", a.len(), m * n)?;
    check_square_len(f, "the result", out.len(), m)?;
    for i in 0..m {
        for j in 0..=i {
            let mut s = 0.0;
            for p in 0..n {
                s += a[i + p * m] * a[j + p * m];
            }
            out[i + j * m] = s;
            out[j + i * m] = s;
        }
    }
    Ok(())
}

/// Reverse of [`tcrossprod`]: `a_adj += (G + G') A`.
pub fn tcrossprod_reverse(
    a: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "tcrossprod";
    check_len(f, "M", a.len(), m * n)?;
    check_square_len(f, "the result adjoint", g.len(), m)?;
    check_len(f, "the adjoint of M", a_adj.len(), m * n)?;
    for p in 0..n {
        for i in 0..m {
            let mut s = 0.0;
            for j in 0..m {
                s += (g[i + j * m] + g[j + i * m]) * a[j + p * m];
            }
            a_adj[i + p * m] += s;
        }
    }
    Ok(())
}

/// `crossprod(A) = A' A` for `A` `m x n`; `out` is `n x n`.
pub fn crossprod(a: &[f64], m: usize, n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    let f = "crossprod";
    check_len(f, "M", a.len(), m * n)?;
    check_square_len(f, "the result", out.len(), n)?;
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..m).map(|p| a[p + i * m] * a[p + j * m]).sum();
            out[i + j * n] = s;
            out[j + i * n] = s;
        }
    }
    Ok(())
}

/// Reverse of [`crossprod`]: `a_adj += A (G + G')`.
pub fn crossprod_reverse(
    a: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "crossprod";
    check_len(f, "M", a.len(), m * n)?;
    check_square_len(f, "the result adjoint", g.len(), n)?;
    check_len(f, "the adjoint of M", a_adj.len(), m * n)?;
    for j in 0..n {
        for p in 0..m {
            let mut s = 0.0;
            for i in 0..n {
                s += a[p + i * m] * (g[i + j * n] + g[j + i * n]);
            }
            a_adj[p + j * m] += s;
        }
    }
    Ok(())
}

/// `multiply_lower_tri_self_transpose(A) = L L'` where `L` is the lower trapezoid of `A` (`m x n`); `out` is `m x m`.
pub fn multiply_lower_tri_self_transpose(
    a: &[f64],
    m: usize,
    n: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multiply_lower_tri_self_transpose";
    check_len(f, "L", a.len(), m * n)?;
    check_square_len(f, "the result", out.len(), m)?;
    for i in 0..m {
        for j in 0..=i {
            let mut s = 0.0;
            for p in 0..n.min(j + 1) {
                s += a[i + p * m] * a[j + p * m];
            }
            out[i + j * m] = s;
            out[j + i * m] = s;
        }
    }
    Ok(())
}

/// Reverse of [`multiply_lower_tri_self_transpose`]: `a_adj += lower((G + G') L)`.
pub fn multiply_lower_tri_self_transpose_reverse(
    a: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "multiply_lower_tri_self_transpose";
    check_len(f, "L", a.len(), m * n)?;
    check_square_len(f, "the result adjoint", g.len(), m)?;
    check_len(f, "the adjoint of L", a_adj.len(), m * n)?;
    for p in 0..n {
        for i in p..m {
            let mut s = 0.0;
            for j in p..m {
                s += (g[i + j * m] + g[j + i * m]) * a[j + p * m];
            }
            a_adj[i + p * m] += s;
        }
    }
    Ok(())
}

/// `diag_pre_multiply(v, M) = diag(v) M` for `M` `m x n`, `v` of size `m`.
pub fn diag_pre_multiply(
    v: &[f64],
    a: &[f64],
    m: usize,
    n: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "diag_pre_multiply";
    check_len(f, "m1", v.len(), m)?;
    check_len(f, "m2", a.len(), m * n)?;
    check_len(f, "the result", out.len(), m * n)?;
    for j in 0..n {
        for i in 0..m {
            out[i + j * m] = v[i] * a[i + j * m];
        }
    }
    Ok(())
}

/// Reverse of [`diag_pre_multiply`].
#[allow(clippy::too_many_arguments)]
pub fn diag_pre_multiply_reverse(
    v: &[f64],
    a: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    v_adj: &mut [f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "diag_pre_multiply";
    check_len(f, "m1", v.len(), m)?;
    check_len(f, "m2", a.len(), m * n)?;
    check_len(f, "the result adjoint", g.len(), m * n)?;
    if !v_adj.is_empty() {
        check_len(f, "the adjoint of m1", v_adj.len(), m)?;
        for j in 0..n {
            for i in 0..m {
                v_adj[i] += g[i + j * m] * a[i + j * m];
            }
        }
    }
    if !a_adj.is_empty() {
        check_len(f, "the adjoint of m2", a_adj.len(), m * n)?;
        for j in 0..n {
            for i in 0..m {
                a_adj[i + j * m] += g[i + j * m] * v[i];
            }
        }
    }
    Ok(())
}

/// `diag_post_multiply(M, v) = M diag(v)` for `M` `m x n`, `v` of size `n`.
pub fn diag_post_multiply(
    a: &[f64],
    m: usize,
    n: usize,
    v: &[f64],
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "diag_post_multiply";
    check_len(f, "m2", v.len(), n)?;
    check_len(f, "m1", a.len(), m * n)?;
    check_len(f, "the result", out.len(), m * n)?;
    for j in 0..n {
        for i in 0..m {
            out[i + j * m] = a[i + j * m] * v[j];
        }
    }
    Ok(())
}

/// Reverse of [`diag_post_multiply`].
#[allow(clippy::too_many_arguments)]
pub fn diag_post_multiply_reverse(
    a: &[f64],
    m: usize,
    n: usize,
    v: &[f64],
    g: &[f64],
    a_adj: &mut [f64],
    v_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "diag_post_multiply";
    check_len(f, "m2", v.len(), n)?;
    check_len(f, "m1", a.len(), m * n)?;
    check_len(f, "the result adjoint", g.len(), m * n)?;
    if !v_adj.is_empty() {
        check_len(f, "the adjoint of m2", v_adj.len(), n)?;
        for j in 0..n {
            for i in 0..m {
                v_adj[j] += g[i + j * m] * a[i + j * m];
            }
        }
    }
    if !a_adj.is_empty() {
        check_len(f, "the adjoint of m1", a_adj.len(), m * n)?;
        for j in 0..n {
            for i in 0..m {
                a_adj[i + j * m] += g[i + j * m] * v[j];
            }
        }
    }
    Ok(())
}

/// `quad_form(A, B) = B' A B` for `A` `n x n`, `B` `n x m`; `out` is `m x m` (a scalar when `B` is a vector).
pub fn quad_form(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = "quad_form";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "B", b.len(), n * m)?;
    check_len(f, "the result", out.len(), m * m)?;
    for i in 0..m {
        for j in 0..m {
            let mut s = 0.0;
            for p in 0..n {
                let mut ab = 0.0;
                for q in 0..n {
                    ab += a[p + q * n] * b[q + j * n];
                }
                s += b[p + i * n] * ab;
            }
            out[i + j * m] = s;
        }
    }
    Ok(())
}

/// Reverse of [`quad_form`]: `a_adj += B G B'`, `b_adj += A B G' + A' B G`.
#[allow(clippy::too_many_arguments)]
pub fn quad_form_reverse(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    g: &[f64],
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "quad_form";
    check_square_len(f, "A", a.len(), n)?;
    check_len(f, "B", b.len(), n * m)?;
    check_len(f, "the result adjoint", g.len(), m * m)?;
    if !a_adj.is_empty() {
        check_square_len(f, "the adjoint of A", a_adj.len(), n)?;
        for q in 0..n {
            for p in 0..n {
                let mut s = 0.0;
                for i in 0..m {
                    for j in 0..m {
                        s += b[p + i * n] * g[i + j * m] * b[q + j * n];
                    }
                }
                a_adj[p + q * n] += s;
            }
        }
    }
    if !b_adj.is_empty() {
        check_len(f, "the adjoint of B", b_adj.len(), n * m)?;
        for i in 0..m {
            for p in 0..n {
                let mut s = 0.0;
                for j in 0..m {
                    let (gij, gji) = (g[i + j * m], g[j + i * m]);
                    for q in 0..n {
                        s += (a[p + q * n] * gij + a[q + p * n] * gji) * b[q + j * n];
                    }
                }
                b_adj[p + i * n] += s;
            }
        }
    }
    Ok(())
}

/// `quad_form_sym(A, B)`: like [`quad_form`] after checking `A` is symmetric, with a symmetric result.
pub fn quad_form_sym(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    super::check_symmetric("quad_form_sym", "A", a, n)?;
    quad_form(a, n, b, m, out)?;
    for i in 0..m {
        for j in (i + 1)..m {
            let v = 0.5 * (out[i + j * m] + out[j + i * m]);
            out[i + j * m] = v;
            out[j + i * m] = v;
        }
    }
    Ok(())
}

/// Reverse of [`quad_form_sym`] (the result adjoint is symmetrized first).
#[allow(clippy::too_many_arguments)]
pub fn quad_form_sym_reverse(
    a: &[f64],
    n: usize,
    b: &[f64],
    m: usize,
    g: &[f64],
    a_adj: &mut [f64],
    b_adj: &mut [f64],
) -> Result<(), DomainError> {
    check_len("quad_form_sym", "the result adjoint", g.len(), m * m)?;
    super::scratch::with_scratch(m * m, |gs| {
        for i in 0..m {
            for j in 0..m {
                gs[i + j * m] = 0.5 * (g[i + j * m] + g[j + i * m]);
            }
        }
        quad_form_reverse(a, n, b, m, gs, a_adj, b_adj)
    })
}

/// `quad_form_diag(M, v) = diag(v) M diag(v)` for `M` `n x n`.
pub fn quad_form_diag(a: &[f64], n: usize, v: &[f64], out: &mut [f64]) -> Result<(), DomainError> {
    let f = "quad_form_diag";
    check_square_len(f, "mat", a.len(), n)?;
    check_len(f, "vec", v.len(), n)?;
    check_square_len(f, "the result", out.len(), n)?;
    for j in 0..n {
        for i in 0..n {
            out[i + j * n] = v[i] * a[i + j * n] * v[j];
        }
    }
    Ok(())
}

/// Reverse of [`quad_form_diag`].
pub fn quad_form_diag_reverse(
    a: &[f64],
    n: usize,
    v: &[f64],
    g: &[f64],
    a_adj: &mut [f64],
    v_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "quad_form_diag";
    check_square_len(f, "mat", a.len(), n)?;
    check_len(f, "vec", v.len(), n)?;
    check_square_len(f, "the result adjoint", g.len(), n)?;
    if !a_adj.is_empty() {
        check_square_len(f, "the adjoint of mat", a_adj.len(), n)?;
        for j in 0..n {
            for i in 0..n {
                a_adj[i + j * n] += g[i + j * n] * v[i] * v[j];
            }
        }
    }
    if !v_adj.is_empty() {
        check_len(f, "the adjoint of vec", v_adj.len(), n)?;
        for j in 0..n {
            for i in 0..n {
                let t = g[i + j * n] * a[i + j * n];
                v_adj[i] += t * v[j];
                v_adj[j] += t * v[i];
            }
        }
    }
    Ok(())
}

/// `softmax(v)`, computed with the maximum subtracted.
pub fn softmax(v: &[f64], out: &mut [f64]) -> Result<(), DomainError> {
    let f = "softmax";
    check_len(f, "the result", out.len(), v.len())?;
    if v.is_empty() {
        return Err(DomainError::new(
            f,
            "v has size 0, but must have a non-zero size",
        ));
    }
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for i in 0..v.len() {
        out[i] = (v[i] - max).exp();
        s += out[i];
    }
    for o in out.iter_mut() {
        *o /= s;
    }
    Ok(())
}

/// Reverse of [`softmax`], given its result `y`: `v_adj += y * (g - y . g)`.
pub fn softmax_reverse(y: &[f64], g: &[f64], v_adj: &mut [f64]) -> Result<(), DomainError> {
    let f = "softmax";
    check_len(f, "the result adjoint", g.len(), y.len())?;
    check_len(f, "the adjoint of v", v_adj.len(), y.len())?;
    let dot: f64 = y.iter().zip(g).map(|(a, b)| a * b).sum();
    for i in 0..y.len() {
        v_adj[i] += y[i] * (g[i] - dot);
    }
    Ok(())
}

/// `log_softmax(v) = v - log_sum_exp(v)`.
pub fn log_softmax(v: &[f64], out: &mut [f64]) -> Result<(), DomainError> {
    let f = "log_softmax";
    check_len(f, "the result", out.len(), v.len())?;
    if v.is_empty() {
        return Err(DomainError::new(
            f,
            "v has size 0, but must have a non-zero size",
        ));
    }
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = v.iter().map(|x| (x - max).exp()).sum();
    let lse = max + s.ln();
    for i in 0..v.len() {
        out[i] = v[i] - lse;
    }
    Ok(())
}

/// Reverse of [`log_softmax`], given its result `y`: `v_adj += g - softmax(v) sum(g)`.
pub fn log_softmax_reverse(y: &[f64], g: &[f64], v_adj: &mut [f64]) -> Result<(), DomainError> {
    let f = "log_softmax";
    check_len(f, "the result adjoint", g.len(), y.len())?;
    check_len(f, "the adjoint of v", v_adj.len(), y.len())?;
    let sum_g: f64 = g.iter().sum();
    for i in 0..y.len() {
        v_adj[i] += g[i] - y[i].exp() * sum_g;
    }
    Ok(())
}

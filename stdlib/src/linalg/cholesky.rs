//! Cholesky decomposition of a symmetric positive-definite matrix, and its reverse-mode adjoint.

use super::check_square_len;
use crate::error::DomainError;
use crate::transforms::CONSTRAINT_TOLERANCE;

/// Lower Cholesky factor of the lower triangle of `a` (`n x n`, column-major) into `l`; no symmetry check.
/// Fails when a pivot is not positive (the matrix is not positive definite) or not finite.
pub fn cholesky_lower(a: &[f64], n: usize, l: &mut [f64]) -> Result<(), DomainError> {
    let f = "cholesky_decompose";
    check_square_len(f, "m", a.len(), n)?;
    check_square_len(f, "the output", l.len(), n)?;
    l.fill(0.0);
    for j in 0..n {
        let mut d = a[j + j * n];
        for k in 0..j {
            d -= l[j + k * n] * l[j + k * n];
        }
        if !(d > 0.0 && d.is_finite()) {
            return Err(DomainError::new(f, "Matrix m is not positive definite"));
        }
        let djj = d.sqrt();
        l[j + j * n] = djj;
        for i in (j + 1)..n {
            let mut s = a[i + j * n];
            for k in 0..j {
                s -= l[i + k * n] * l[j + k * n];
            }
            l[i + j * n] = s / djj;
        }
    }
    Ok(())
}

/// Checks that `a` (`n x n`) is symmetric to Stan's tolerance (absolute 1e-8).
pub fn check_symmetric(function: &str, name: &str, a: &[f64], n: usize) -> Result<(), DomainError> {
    check_square_len(function, name, a.len(), n)?;
    for j in 0..n {
        for i in (j + 1)..n {
            let (x, y) = (a[i + j * n], a[j + i * n]);
            if !((x - y).abs() <= CONSTRAINT_TOLERANCE) && !(x.is_nan() && y.is_nan()) {
                return Err(DomainError::new(
                    function,
                    format!(
                        "{name} is not symmetric. {name}[{},{}] = {}, but {name}[{},{}] = {}",
                        i + 1,
                        j + 1,
                        x,
                        j + 1,
                        i + 1,
                        y
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Stan's `cholesky_decompose`: checks `a` is symmetric, writes its lower Cholesky factor to `l`.
pub fn cholesky_decompose(a: &[f64], n: usize, l: &mut [f64]) -> Result<(), DomainError> {
    check_symmetric("cholesky_decompose", "m", a, n)?;
    cholesky_lower(a, n, l)
}

/// Reverse sweep of [`cholesky_decompose`]: given `l` and the adjoint `l_adj` of its lower triangle,
/// adds the adjoint of the **lower triangle** of `a` to `a_adj` (as Stan does; the upper triangle
/// gets nothing). Uses `n * n` values of scratch.
pub fn cholesky_decompose_reverse(
    l: &[f64],
    n: usize,
    l_adj: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "cholesky_decompose";
    check_square_len(f, "L", l.len(), n)?;
    check_square_len(f, "the adjoint of L", l_adj.len(), n)?;
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    super::scratch::with_scratch(n * n, |g| {
        for j in 0..n {
            for i in j..n {
                g[i + j * n] = l_adj[i + j * n];
            }
        }
        for i in (0..n).rev() {
            for j in (0..=i).rev() {
                let aij = if i == j {
                    0.5 * g[i + j * n] / l[i + j * n]
                } else {
                    let v = g[i + j * n] / l[j + j * n];
                    g[j + j * n] -= g[i + j * n] * l[i + j * n] / l[j + j * n];
                    v
                };
                for k in (0..j).rev() {
                    g[i + k * n] -= aij * l[j + k * n];
                    g[j + k * n] -= aij * l[i + k * n];
                }
                a_adj[i + j * n] += aij;
            }
        }
    });
    Ok(())
}

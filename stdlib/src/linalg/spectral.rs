//! Eigenvectors of symmetric matrices and singular values, with adjoints (nalgebra decompositions).

use super::scratch::with_scratch;
use super::solve::eigen_sym;
use super::{check_len, check_square_len};
use crate::error::DomainError;

/// `eigenvectors_sym(A)`: the unit eigenvectors of symmetric `A` (`n x n`) as
/// columns, in the order of ascending eigenvalues (as `eigenvalues_sym`).
pub fn eigenvectors_sym(a: &[f64], n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    check_square_len("eigenvectors_sym", "the result", out.len(), n)?;
    with_scratch(n, |values| eigen_sym(a, n, values, out))
}

/// Reverse of [`eigenvectors_sym`]: `a_adj += V (F .* (V' G)) V'` with
/// `F[i, j] = 1 / (lambda_j - lambda_i)` off the diagonal and 0 on it
/// (distinct eigenvalues assumed, as in Stan).
pub fn eigenvectors_sym_reverse(
    a: &[f64],
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "eigenvectors_sym";
    check_square_len(f, "the result adjoint", g.len(), n)?;
    check_square_len(f, "the adjoint of m", a_adj.len(), n)?;
    with_scratch(3 * n * n + n, |buf| {
        let (v, rest) = buf.split_at_mut(n * n);
        let (w, rest) = rest.split_at_mut(n * n);
        let (t, vals) = rest.split_at_mut(n * n);
        eigen_sym(a, n, vals, v)?;
        // w = F .* (V' G)
        for j in 0..n {
            for i in 0..n {
                w[i + j * n] = if i == j {
                    0.0
                } else {
                    let s: f64 = (0..n).map(|k| v[k + i * n] * g[k + j * n]).sum();
                    s / (vals[j] - vals[i])
                };
            }
        }
        // t = V w
        for j in 0..n {
            for i in 0..n {
                t[i + j * n] = (0..n).map(|k| v[i + k * n] * w[k + j * n]).sum();
            }
        }
        // a_adj += t V'
        for j in 0..n {
            for i in 0..n {
                let s: f64 = (0..n).map(|k| t[i + k * n] * v[j + k * n]).sum();
                a_adj[i + j * n] += s;
            }
        }
        Ok(())
    })
}

/// The thin SVD of `A` (`m x n`): singular values in descending order, with
/// `U` (`m x p`) and `V` (`n x p`) when wanted, `p = min(m, n)`.
fn svd(
    a: &[f64],
    m: usize,
    n: usize,
    values: &mut [f64],
    uv: Option<(&mut [f64], &mut [f64])>,
) -> Result<(), DomainError> {
    let f = "singular_values";
    check_len(f, "m", a.len(), m * n)?;
    let p = m.min(n);
    check_len(f, "the result", values.len(), p)?;
    if a.iter().any(|x| !x.is_finite()) {
        return Err(DomainError::new(f, "m contains non-finite values"));
    }
    if p == 0 {
        return Ok(());
    }
    let want = uv.is_some();
    let svd = nalgebra::SVD::new(nalgebra::DMatrix::from_column_slice(m, n, a), want, want);
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&i, &j| svd.singular_values[j].total_cmp(&svd.singular_values[i]));
    for (k, &i) in order.iter().enumerate() {
        values[k] = svd.singular_values[i];
    }
    if let Some((u_out, v_out)) = uv {
        let (Some(u), Some(v_t)) = (&svd.u, &svd.v_t) else {
            return Err(DomainError::new(f, "the decomposition failed"));
        };
        for (k, &i) in order.iter().enumerate() {
            for r in 0..m {
                u_out[r + k * m] = u[(r, i)];
            }
            for c in 0..n {
                v_out[c + k * n] = v_t[(i, c)];
            }
        }
    }
    Ok(())
}

/// `singular_values(A)` of an `m x n` matrix, in descending order.
pub fn singular_values(a: &[f64], m: usize, n: usize, out: &mut [f64]) -> Result<(), DomainError> {
    svd(a, m, n, out, None)
}

/// Reverse of [`singular_values`]: `a_adj += U diag(g) V'` (distinct singular values assumed).
pub fn singular_values_reverse(
    a: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    a_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "singular_values";
    let p = m.min(n);
    check_len(f, "the result adjoint", g.len(), p)?;
    check_len(f, "the adjoint of m", a_adj.len(), m * n)?;
    with_scratch(p + m * p + n * p, |buf| {
        let (vals, rest) = buf.split_at_mut(p);
        let (u, v) = rest.split_at_mut(m * p);
        svd(a, m, n, vals, Some((u, v)))?;
        for j in 0..n {
            for i in 0..m {
                let s: f64 = (0..p).map(|k| u[i + k * m] * g[k] * v[j + k * n]).sum();
                a_adj[i + j * m] += s;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fd_check(
        f: impl Fn(&[f64], &mut [f64]) -> Result<(), DomainError>,
        rev: impl Fn(&[f64], &[f64], &mut [f64]) -> Result<(), DomainError>,
        a: &[f64],
        out_len: usize,
        weights: &[f64],
        sym: bool,
    ) {
        // Objective: sum_k w_k out_k^2 (invariant to the eigenvectors' signs).
        let obj = |a: &[f64]| {
            let mut o = vec![0.0; out_len];
            f(a, &mut o).unwrap();
            o.iter().zip(weights).map(|(x, w)| w * x * x).sum::<f64>()
        };
        let mut o = vec![0.0; out_len];
        f(a, &mut o).unwrap();
        let g: Vec<f64> = o.iter().zip(weights).map(|(x, w)| 2.0 * w * x).collect();
        let mut adj = vec![0.0; a.len()];
        rev(a, &g, &mut adj).unwrap();
        let n = (a.len() as f64).sqrt() as usize;
        for i in 0..a.len() {
            let h = 1e-6;
            let (mut p, mut q) = (a.to_vec(), a.to_vec());
            p[i] += h;
            q[i] -= h;
            let (r, c) = (i % n, i / n);
            if sym {
                // Perturb symmetrically and compare with the two adjoint entries.
                if r < c {
                    continue;
                }
                p[c + r * n] = p[i];
                q[c + r * n] = q[i];
            }
            let fd = (obj(&p) - obj(&q)) / (2.0 * h);
            let got = if sym && r != c {
                adj[i] + adj[c + r * n]
            } else {
                adj[i]
            };
            assert!(
                (fd - got).abs() < 1e-6 * fd.abs().max(1.0),
                "entry {i}: {fd} vs {got}"
            );
        }
    }

    #[test]
    fn eigenvectors_sym_adjoint_matches_finite_differences() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 1.0];
        let w: Vec<f64> = (0..9).map(|k| 1.0 + k as f64).collect();
        fd_check(
            |a, o| eigenvectors_sym(a, 3, o),
            |a, g, adj| eigenvectors_sym_reverse(a, 3, g, adj),
            &a,
            9,
            &w,
            true,
        );
        let mut v = [0.0; 9];
        eigenvectors_sym(&a, 3, &mut v).unwrap();
        let mut vals = [0.0; 3];
        super::super::eigenvalues_sym(&a, 3, &mut vals).unwrap();
        // A v_k = lambda_k v_k
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i + j * 3] * v[j + k * 3]).sum();
                assert!((av - vals[k] * v[i + k * 3]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn singular_values_are_descending_with_exact_adjoints() {
        let a = [1.0, 2.0, 0.5, -1.0, 3.0, 0.7, 2.0, 0.1, 1.5];
        let mut s = [0.0; 3];
        singular_values(&a, 3, 3, &mut s).unwrap();
        assert!(s[0] >= s[1] && s[1] >= s[2]);
        // The sum of squared singular values is the squared Frobenius norm.
        let fro: f64 = a.iter().map(|x| x * x).sum();
        assert!((s.iter().map(|x| x * x).sum::<f64>() - fro).abs() < 1e-12);
        fd_check(
            |a, o| singular_values(a, 3, 3, o),
            |a, g, adj| singular_values_reverse(a, 3, 3, g, adj),
            &a,
            3,
            &[1.0, 2.0, 3.0],
            false,
        );
        // A wide matrix: 2 x 3.
        let b = [1.0, 2.0, 0.5, -1.0, 3.0, 0.7];
        let mut s2 = [0.0; 2];
        singular_values(&b, 2, 3, &mut s2).unwrap();
        let fro: f64 = b.iter().map(|x| x * x).sum();
        assert!((s2.iter().map(|x| x * x).sum::<f64>() - fro).abs() < 1e-12);
    }
}

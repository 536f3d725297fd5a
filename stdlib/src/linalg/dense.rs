//! Small dense helpers over column-major slices shared by the kernels: triangular solves, SPD inverse, products.
//!
//! These assume sizes were checked by the caller (they are `pub(crate)`).

/// Solves `L X = B` in place for lower-triangular `L` (`n x n`) and `B` (`n x m`).
pub(crate) fn lower_solve_in_place(l: &[f64], n: usize, b: &mut [f64], m: usize) {
    for c in 0..m {
        let col = &mut b[c * n..(c + 1) * n];
        for i in 0..n {
            let mut s = col[i];
            for k in 0..i {
                s -= l[i + k * n] * col[k];
            }
            col[i] = s / l[i + i * n];
        }
    }
}

/// Solves `L' X = B` in place for lower-triangular `L` (`n x n`) and `B` (`n x m`).
pub(crate) fn lower_transpose_solve_in_place(l: &[f64], n: usize, b: &mut [f64], m: usize) {
    for c in 0..m {
        let col = &mut b[c * n..(c + 1) * n];
        for i in (0..n).rev() {
            let mut s = col[i];
            for k in (i + 1)..n {
                s -= l[k + i * n] * col[k];
            }
            col[i] = s / l[i + i * n];
        }
    }
}

/// `log det(L L') = 2 sum log L_ii`.
pub(crate) fn chol_log_det(l: &[f64], n: usize) -> f64 {
    (0..n).map(|i| l[i + i * n].ln()).sum::<f64>() * 2.0
}

/// `out = (L L')^{-1}` for a lower Cholesky factor `L`.
pub(crate) fn chol_inverse(l: &[f64], n: usize, out: &mut [f64]) {
    out.fill(0.0);
    for i in 0..n {
        out[i + i * n] = 1.0;
    }
    lower_solve_in_place(l, n, out, n);
    lower_transpose_solve_in_place(l, n, out, n);
    // Symmetrize against rounding.
    for j in 0..n {
        for i in (j + 1)..n {
            let v = 0.5 * (out[i + j * n] + out[j + i * n]);
            out[i + j * n] = v;
            out[j + i * n] = v;
        }
    }
}

/// `C = A B` with `A` `m x k`, `B` `k x n`.
pub(crate) fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize, c: &mut [f64]) {
    c.fill(0.0);
    for j in 0..n {
        for p in 0..k {
            let bpj = b[p + j * k];
            if bpj == 0.0 {
                continue;
            }
            let acol = &a[p * m..(p + 1) * m];
            let ccol = &mut c[j * m..(j + 1) * m];
            for i in 0..m {
                ccol[i] += acol[i] * bpj;
            }
        }
    }
}

/// `out = L L'` for lower-triangular `L` (`n x n`).
pub(crate) fn matmul_lower_self_transpose(l: &[f64], n: usize, out: &mut [f64]) {
    for i in 0..n {
        for j in 0..=i {
            let mut s = 0.0;
            for c in 0..=j {
                s += l[i + c * n] * l[j + c * n];
            }
            out[i + j * n] = s;
            out[j + i * n] = s;
        }
    }
}

//! Column-major kernels that read four columns per pass: `y += A x` and `p += A' g`, the inner loops of matrix products and of the GLM likelihoods.

/// A dot product with eight running sums, so that the additions need not wait for each other.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    let tail: f64 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f64>() + tail
}

/// Four adjacent columns of `n` rows each.
fn four_columns(cols: &[f64], n: usize) -> [&[f64]; 4] {
    let (c0, rest) = cols.split_at(n);
    let (c1, rest) = rest.split_at(n);
    let (c2, c3) = rest.split_at(n);
    [c0, c1, c2, &c3[..n]]
}

/// `y += A x` for a column-major `A` with `y.len()` rows and `x.len()`
/// columns, four columns at a time (one pass over `y` per four columns).
pub fn add_product(y: &mut [f64], a: &[f64], x: &[f64]) {
    let n = y.len();
    if n == 0 {
        return;
    }
    let a = &a[..(n * x.len()).min(a.len())];
    let groups = a.chunks_exact(4 * n);
    let rest = groups.remainder();
    let mut done = 0;
    for (cols, x) in groups.zip(x.chunks_exact(4)) {
        let [c0, c1, c2, c3] = four_columns(cols, n);
        let (x0, x1, x2, x3) = (x[0], x[1], x[2], x[3]);
        for i in 0..n {
            y[i] += (c0[i] * x0 + c1[i] * x1) + (c2[i] * x2 + c3[i] * x3);
        }
        done += 4;
    }
    for (column, xj) in rest.chunks_exact(n).zip(&x[done.min(x.len())..]) {
        for (yi, aij) in y.iter_mut().zip(column) {
            *yi += aij * xj;
        }
    }
}

/// `p[j] += dot(column j of A, g)` for a column-major `A` with `g.len()`
/// rows and `p.len()` columns, four columns at a time with four running
/// sums each (one pass over `g` per four columns).
pub fn add_transpose_product(p: &mut [f64], a: &[f64], g: &[f64]) {
    let n = g.len();
    if n == 0 {
        return;
    }
    let a = &a[..(n * p.len()).min(a.len())];
    let groups = a.chunks_exact(4 * n);
    let rest = groups.remainder();
    let mut j = 0;
    for cols in groups {
        let [c0, c1, c2, c3] = four_columns(cols, n);
        let mut acc = [[0.0f64; 4]; 4];
        let quads = n / 4 * 4;
        for i in (0..quads).step_by(4) {
            let gq = &g[i..i + 4];
            for (s, c) in acc.iter_mut().zip([c0, c1, c2, c3]) {
                let cq = &c[i..i + 4];
                for l in 0..4 {
                    s[l] += cq[l] * gq[l];
                }
            }
        }
        for (k, c) in [c0, c1, c2, c3].into_iter().enumerate() {
            let tail: f64 = c[quads..].iter().zip(&g[quads..]).map(|(x, y)| x * y).sum();
            if let Some(pj) = p.get_mut(j + k) {
                *pj += (acc[k][0] + acc[k][1]) + (acc[k][2] + acc[k][3]) + tail;
            }
        }
        j += 4;
    }
    for (column, pj) in rest.chunks_exact(n).zip(p.iter_mut().skip(j)) {
        *pj += dot(column, g);
    }
}

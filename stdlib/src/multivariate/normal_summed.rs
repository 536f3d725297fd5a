//! `multi_normal_cholesky` over many pairs when no argument needs a partial
//! per pair (data `y` with one `mu`, or the reverse): one pass forms the
//! sums of `z` and `z z'` and the partials follow from them.

use super::normal::standardized_pair;
use crate::linalg::dense::lower_solve_in_place;
use crate::linalg::scratch::with_scratch;

/// `multi_normal_cholesky` over `n > 1` pairs when no argument needs a
/// partial per pair: returns `sum_i |z_i|^2` (`z_i = L^-1 (y_i - mu_i)`) and
/// adds the summed partials. With `w_i = L^-T z_i`, the location partials are
/// `-+ sum_i w_i = -+ L^-T sum_i z_i`, and the factor's are
/// `sum_i w_i z_i' = L^-T (sum_i z_i z_i')` (lower triangle), so one pass
/// over the pairs forms `sum_i z_i` and `sum_i z_i z_i'` and nothing else.
#[allow(clippy::too_many_arguments)]
pub(super) fn summed_pairs(
    y: &[f64],
    mu: &[f64],
    k: usize,
    n: usize,
    l: &[f64],
    d_y: &mut [f64],
    d_mu: &mut [f64],
    d_l: &mut [f64],
) -> f64 {
    // Scratch: L^-1 (k x k), sum z (k), sum z z' (k x k, lower triangle
    // accumulated, then mirrored), and the generic path's r and z (2k).
    with_scratch(2 * k * k + 3 * k, |buf| {
        let (inverse, rest) = buf.split_at_mut(k * k);
        let (sz, rest) = rest.split_at_mut(k);
        let (szz, rest) = rest.split_at_mut(k * k);
        for c in 0..k {
            inverse[c + c * k] = 1.0;
        }
        lower_solve_in_place(l, k, inverse, k);
        let inverse: &[f64] = inverse;
        match k {
            1 => sum_pairs_fixed::<1>(y, mu, n, inverse, sz, szz),
            2 => sum_pairs_fixed::<2>(y, mu, n, inverse, sz, szz),
            3 => sum_pairs_fixed::<3>(y, mu, n, inverse, sz, szz),
            4 => sum_pairs_fixed::<4>(y, mu, n, inverse, sz, szz),
            _ => sum_pairs_any(y, mu, k, n, inverse, sz, szz, rest),
        }
        let quad: f64 = (0..k).map(|c| szz[c + c * k]).sum();
        if !d_y.is_empty() || !d_mu.is_empty() {
            // v = L^-T sum z; d_y -= v, d_mu += v (one vector each here).
            for col in 0..k {
                let v: f64 = (col..k).map(|row| inverse[row + col * k] * sz[row]).sum();
                if !d_y.is_empty() {
                    d_y[col] -= v;
                }
                if !d_mu.is_empty() {
                    d_mu[col] += v;
                }
            }
        }
        if !d_l.is_empty() {
            for c in 0..k {
                for r in c..k {
                    let v: f64 = (r..k).map(|j| inverse[j + r * k] * szz[j + c * k]).sum();
                    d_l[r + c * k] += v;
                }
            }
        }
        quad
    })
}

/// Sums of `z_i` and of `z_i z_i'` (lower triangle) over the pairs, for a
/// dimension known when compiling: the sums stay in registers.
fn sum_pairs_fixed<const K: usize>(
    y: &[f64],
    mu: &[f64],
    n: usize,
    inverse: &[f64],
    sz: &mut [f64],
    szz: &mut [f64],
) {
    let (ny, nm) = (y.len() / K, mu.len() / K);
    let mut inv = [[0.0; K]; K];
    for (col, c) in inv.iter_mut().enumerate() {
        for (row, v) in c.iter_mut().enumerate() {
            *v = inverse[row + col * K];
        }
    }
    let mut s = [0.0; K];
    let mut ss = [[0.0; K]; K];
    for i in 0..n {
        let yi = if ny == 1 { 0 } else { i };
        let mi = if nm == 1 { 0 } else { i };
        let yv: &[f64; K] = y[yi * K..yi * K + K].try_into().unwrap();
        let mv: &[f64; K] = mu[mi * K..mi * K + K].try_into().unwrap();
        let mut z = [0.0; K];
        for col in 0..K {
            let rc = yv[col] - mv[col];
            for row in col..K {
                z[row] += inv[col][row] * rc;
            }
        }
        for c in 0..K {
            s[c] += z[c];
            for r in c..K {
                ss[c][r] += z[r] * z[c];
            }
        }
    }
    for c in 0..K {
        sz[c] = s[c];
        for r in c..K {
            szz[r + c * K] = ss[c][r];
        }
    }
}

/// [`sum_pairs_fixed`] for any dimension; `work` holds `2k` values.
#[allow(clippy::too_many_arguments)]
fn sum_pairs_any(
    y: &[f64],
    mu: &[f64],
    k: usize,
    n: usize,
    inverse: &[f64],
    sz: &mut [f64],
    szz: &mut [f64],
    work: &mut [f64],
) {
    let (r, z) = work.split_at_mut(k);
    for i in 0..n {
        standardized_pair(y, mu, k, i, inverse, r, z);
        for c in 0..k {
            sz[c] += z[c];
            let zc = z[c];
            for row in c..k {
                szz[row + c * k] += z[row] * zc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::multivariate::normal::*;

    /// The summed path (many pairs, partials only for the single vector and
    /// the factor) equals the sum of the pairs taken one at a time, for the
    /// dimensions with a fixed-size loop and beyond.
    #[test]
    fn summed_pairs_equal_the_sum_of_single_pairs() {
        for k in 1..=6 {
            let n = 5;
            let l: Vec<f64> = (0..k * k)
                .map(|e| {
                    let (r, c) = (e % k, e / k);
                    match r.cmp(&c) {
                        std::cmp::Ordering::Less => 0.0,
                        std::cmp::Ordering::Equal => 1.0 + 0.1 * r as f64,
                        std::cmp::Ordering::Greater => 0.3 - 0.07 * (r + 2 * c) as f64,
                    }
                })
                .collect();
            let many: Vec<f64> = (0..n * k)
                .map(|e| ((e * 7) % 11) as f64 * 0.3 - 1.4)
                .collect();
            let one: Vec<f64> = (0..k).map(|e| 0.2 * e as f64 - 0.3).collect();
            // (y many, mu one) and (y one, mu many); partials of the single
            // vector and of L, or of L alone, or none.
            for y_many in [true, false] {
                let (y, mu) = if y_many { (&many, &one) } else { (&one, &many) };
                for with_loc in [true, false] {
                    for with_l in [true, false] {
                        let mut d_one = vec![0.0; if with_loc { k } else { 0 }];
                        let mut d_l = vec![0.0; if with_l { k * k } else { 0 }];
                        let all = if y_many {
                            multi_normal_cholesky_lpdf(
                                y,
                                mu,
                                &l,
                                k,
                                false,
                                &mut [],
                                &mut d_one,
                                &mut d_l,
                            )
                        } else {
                            multi_normal_cholesky_lpdf(
                                y,
                                mu,
                                &l,
                                k,
                                false,
                                &mut d_one,
                                &mut [],
                                &mut d_l,
                            )
                        }
                        .unwrap();
                        let (mut sum, mut s_one, mut s_l) = (0.0, vec![0.0; k], vec![0.0; k * k]);
                        for i in 0..n {
                            let part = &many[i * k..(i + 1) * k];
                            let mut d_part = vec![0.0; k];
                            sum += if y_many {
                                multi_normal_cholesky_lpdf(
                                    part,
                                    mu,
                                    &l,
                                    k,
                                    false,
                                    &mut d_part,
                                    &mut s_one,
                                    &mut s_l,
                                )
                            } else {
                                multi_normal_cholesky_lpdf(
                                    y,
                                    part,
                                    &l,
                                    k,
                                    false,
                                    &mut s_one,
                                    &mut d_part,
                                    &mut s_l,
                                )
                            }
                            .unwrap();
                        }
                        assert!(
                            (all - sum).abs() < 1e-12 * (1.0 + sum.abs()),
                            "k {k}: {all} vs {sum}"
                        );
                        for (a, b) in d_one.iter().zip(&s_one).chain(d_l.iter().zip(&s_l)) {
                            assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "k {k}: {a} vs {b}");
                        }
                    }
                }
            }
        }
    }

    /// Many pairs (where `L^-1` is formed once) give the sum of the values
    /// and partials of the pairs taken one at a time (where it is solved).
    #[test]
    fn many_pairs_equal_the_sum_of_single_pairs() {
        let k = 3;
        let l = [1.3, 0.4, -0.2, 0.0, 0.9, 0.5, 0.0, 0.0, 1.7];
        let y = [0.3, -1.0, 2.0, 1.1, 0.2, -0.7, -0.4, 0.8, 0.1];
        let mu = [0.5, -0.5, 0.25];
        let sigma: Vec<f64> = (0..9)
            .map(|e| {
                let (r, c) = (e % k, e / k);
                (0..k).map(|j| l[r + j * k] * l[c + j * k]).sum()
            })
            .collect();
        for which in ["cholesky", "covariance"] {
            let (mut d_y, mut d_mu, mut d_m) = (vec![0.0; 9], vec![0.0; 3], vec![0.0; 9]);
            let matrix: &[f64] = if which == "cholesky" { &l } else { &sigma };
            let call = |y: &[f64], d_y: &mut [f64], d_mu: &mut [f64], d_m: &mut [f64]| {
                if which == "cholesky" {
                    multi_normal_cholesky_lpdf(y, &mu, matrix, k, false, d_y, d_mu, d_m).unwrap()
                } else {
                    multi_normal_lpdf(y, &mu, matrix, k, false, d_y, d_mu, d_m).unwrap()
                }
            };
            let all = call(&y, &mut d_y, &mut d_mu, &mut d_m);
            let (mut sum, mut s_mu, mut s_m) = (0.0, vec![0.0; 3], vec![0.0; 9]);
            for i in 0..3 {
                let mut d_yi = vec![0.0; 3];
                sum += call(&y[i * 3..i * 3 + 3], &mut d_yi, &mut s_mu, &mut s_m);
                for c in 0..3 {
                    assert!((d_yi[c] - d_y[i * 3 + c]).abs() < 1e-12, "{which} d_y");
                }
            }
            assert!(
                (all - sum).abs() < 1e-12 * sum.abs(),
                "{which}: {all} vs {sum}"
            );
            for (a, b) in d_mu.iter().zip(&s_mu).chain(d_m.iter().zip(&s_m)) {
                assert!(
                    (a - b).abs() < 1e-12 * (1.0 + b.abs()),
                    "{which}: {a} vs {b}"
                );
            }
        }
    }
}

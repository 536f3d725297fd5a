//! Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry 2024): smoothed log weights and the Pareto k diagnostic.
//!
//! The largest importance ratios are replaced by the expected order
//! statistics of a generalized Pareto distribution fitted to them (Zhang &
//! Stephens 2009, with the weakly informative prior on k of the PSIS paper),
//! which stabilizes the weights; the fitted shape k says how far the
//! estimates can be trusted (below 0.7 they can).

/// Smoothed log weights (normalized so they sum to 1 on the natural scale)
/// and the estimated Pareto shape k (NaN when there are too few draws to fit
/// a tail, or the tail has no spread).
pub fn psis(log_ratios: &[f64]) -> (Vec<f64>, f64) {
    let n = log_ratios.len();
    let finite_max = log_ratios
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if n == 0 || !finite_max.is_finite() {
        return (vec![f64::NEG_INFINITY; n], f64::NAN);
    }
    // NaN ratios (a draw whose density could not be evaluated) weigh nothing.
    let mut lw: Vec<f64> = log_ratios
        .iter()
        .map(|v| {
            if v.is_nan() {
                f64::NEG_INFINITY
            } else {
                v - finite_max
            }
        })
        .collect();
    let tail_len = ((0.2 * n as f64).min(3.0 * (n as f64).sqrt())).ceil() as usize;
    let mut k = f64::NAN;
    if tail_len >= 5 && n > tail_len + 1 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| lw[a].total_cmp(&lw[b]));
        let cutoff = lw[order[n - tail_len - 1]];
        let tail = &order[n - tail_len..];
        if cutoff.is_finite() {
            let exp_cutoff = cutoff.exp();
            let exceedances: Vec<f64> = tail.iter().map(|&i| lw[i].exp() - exp_cutoff).collect();
            if exceedances.iter().any(|&e| e > 0.0) {
                let (shape, scale) = gpd_fit(&exceedances);
                k = shape;
                if shape.is_finite() && scale.is_finite() && scale > 0.0 {
                    for (j, &i) in tail.iter().enumerate() {
                        let p = (j as f64 + 0.5) / tail_len as f64;
                        // The smoothed ratio, truncated at the largest raw one (0 here).
                        let smoothed = (gpd_quantile(p, shape, scale) + exp_cutoff).ln();
                        lw[i] = smoothed.min(0.0);
                    }
                }
            }
        }
    }
    let total = log_sum_exp(&lw);
    for v in lw.iter_mut() {
        *v -= total;
    }
    (lw, k)
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// The generalized Pareto quantile at probability `p`.
fn gpd_quantile(p: f64, k: f64, sigma: f64) -> f64 {
    if k.abs() < 1e-12 {
        -sigma * (-p).ln_1p()
    } else {
        sigma * ((-k * (-p).ln_1p()).exp_m1()) / k
    }
}

/// Zhang & Stephens' estimate of a generalized Pareto's shape and scale
/// from positive exceedances, with the PSIS paper's prior pulling k
/// towards 0.5 (weight 10 draws). Returns (k, sigma).
fn gpd_fit(exceedances: &[f64]) -> (f64, f64) {
    let mut x: Vec<f64> = exceedances.to_vec();
    x.sort_by(|a, b| a.total_cmp(b));
    let n = x.len();
    let prior_bs = 3.0;
    let prior_k = 10.0;
    let m = 30 + (n as f64).sqrt() as usize;
    let quartile = x[((n as f64 / 4.0 + 0.5) as usize).max(1) - 1];
    let largest = x[n - 1];
    if !(quartile > 0.0 && largest > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let b: Vec<f64> = (1..=m)
        .map(|j| {
            (1.0 - (m as f64 / (j as f64 - 0.5)).sqrt()) / (prior_bs * quartile) + 1.0 / largest
        })
        .collect();
    let k_of = |bj: f64| x.iter().map(|xi| (-bj * xi).ln_1p()).sum::<f64>() / n as f64;
    let ks: Vec<f64> = b.iter().map(|&bj| k_of(bj)).collect();
    let log_lik: Vec<f64> = b
        .iter()
        .zip(&ks)
        .map(|(&bj, &kj)| n as f64 * ((-bj / kj).ln() - kj - 1.0))
        .collect();
    // Posterior weights of the grid points: 1 / sum_j exp(L_j - L_i).
    let weights: Vec<f64> = log_lik
        .iter()
        .map(|li| {
            let s: f64 = log_lik.iter().map(|lj| (lj - li).exp()).sum();
            if s.is_finite() && s > 0.0 {
                1.0 / s
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if !(total > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let b_post: f64 = b.iter().zip(&weights).map(|(bj, w)| bj * w).sum::<f64>() / total;
    // mean(log(1 + theta x)) with b = -theta: the shape, positive for heavy tails.
    let k_raw = k_of(b_post);
    let sigma = -k_raw / b_post;
    let k = (n as f64 * k_raw + prior_k * 0.5) / (n as f64 + prior_k);
    (k, sigma)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp1, StandardNormal};

    /// Draws from a generalized Pareto with shape k and scale 1 are fitted
    /// with k near the truth (the prior pulls it a little towards 0.5).
    #[test]
    fn the_shape_of_a_pareto_tail_is_recovered() {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        for truth in [0.2, 0.6, 1.0] {
            let x: Vec<f64> = (0..2000)
                .map(|_| {
                    let u: f64 = Exp1.sample(&mut rng);
                    (truth * u).exp_m1() / truth
                })
                .collect();
            let (k, sigma) = gpd_fit(&x);
            assert!((k - truth).abs() < 0.1, "k {k} for {truth}");
            assert!((sigma - 1.0).abs() < 0.2, "sigma {sigma} for {truth}");
        }
    }

    /// Importance ratios of a proposal wider than the target have a light
    /// tail (k small); of a narrower one, a heavy tail (k large). The
    /// weights sum to one and keep the order of the ratios.
    #[test]
    fn k_tells_a_good_proposal_from_a_bad_one() {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        let ratios = |scale: f64, rng: &mut rand::rngs::ChaCha8Rng| -> Vec<f64> {
            (0..4000)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = scale * z;
                    // log N(x | 0, 1) - log N(x | 0, scale)
                    -0.5 * x * x + 0.5 * z * z + scale.ln()
                })
                .collect()
        };
        let (w, k_wide) = psis(&ratios(1.5, &mut rng));
        assert!(k_wide < 0.5, "k {k_wide}");
        let total: f64 = w.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-9);
        let (_, k_narrow) = psis(&ratios(0.5, &mut rng));
        assert!(k_narrow > 0.7, "k {k_narrow}");
    }

    #[test]
    fn degenerate_ratios_do_not_panic() {
        assert!(psis(&[]).0.is_empty());
        let (w, k) = psis(&[f64::NEG_INFINITY; 10]);
        assert!(w.iter().all(|v| *v == f64::NEG_INFINITY) && k.is_nan());
        let (w, _) = psis(&[0.0; 100]);
        assert!((w.iter().map(|v| v.exp()).sum::<f64>() - 1.0).abs() < 1e-12);
        let (w, _) = psis(&[0.0, f64::NAN, 1.0]);
        assert_eq!(w[1], f64::NEG_INFINITY);
    }
}

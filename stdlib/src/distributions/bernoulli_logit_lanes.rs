//! `bernoulli_logit` over a whole vector of outcomes and log-odds, in vector lanes.
//!
//! Logistic regression spends its gradient here: one exp and one log per
//! observation. The generic element loop (`kernel::density`) calls glibc's
//! exp and log1p one element at a time; this loop uses the branch-free
//! versions (`math::branch_free`) and keeps four running sums, so the
//! compiler vectorizes it: four lanes with fused multiply-adds where the CPU
//! has AVX2 and FMA (chosen at run time), two lanes without otherwise (the
//! last bits may differ between the two, as glibc's own exp does by CPU).

use crate::math::{exp_lanes, ln_lanes, madd};

const LANES: usize = 4;

/// The log mass of one element and its derivative with respect to the
/// log-odds `a`: the same formulas as the generic path, with selects.
#[inline(always)]
fn element<const FMA: bool>(n: i64, a: f64) -> (f64, f64) {
    let e = exp_lanes::<FMA>(-a.abs());
    let u = 1.0 + e;
    let inv = 1.0 / u;
    // log1p(e) = ln(u) + ln(1 + (e - (u - 1)) / u): the rounding error of
    // u = 1 + e, corrected to first order (the second is below 1e-32), with
    // the reciprocal the probability needs anyway.
    let l = madd::<FMA>(e - (u - 1.0), inv, ln_lanes::<FMA>(u));
    let p = if a >= 0.0 { inv } else { e * inv };
    let success = n == 1;
    let grad = if success { 1.0 - p } else { -p };
    let lp = -((if success { -a } else { a }).max(0.0) + l);
    (lp, grad)
}

#[inline(always)]
fn lanes<const FMA: bool>(n: &[i64], a: &[f64], partials: Option<&mut [f64]>) -> f64 {
    let mut sums = [0.0; LANES];
    let split = n.len() - n.len() % LANES;
    match partials {
        Some(d) => {
            for ((n4, a4), d4) in n[..split]
                .chunks_exact(LANES)
                .zip(a[..split].chunks_exact(LANES))
                .zip(d[..split].chunks_exact_mut(LANES))
            {
                for l in 0..LANES {
                    let (lp, g) = element::<FMA>(n4[l], a4[l]);
                    sums[l] += lp;
                    d4[l] += g;
                }
            }
            for i in split..n.len() {
                let (lp, g) = element::<FMA>(n[i], a[i]);
                sums[0] += lp;
                d[i] += g;
            }
        }
        None => {
            for (n4, a4) in n[..split]
                .chunks_exact(LANES)
                .zip(a[..split].chunks_exact(LANES))
            {
                for l in 0..LANES {
                    sums[l] += element::<FMA>(n4[l], a4[l]).0;
                }
            }
            for i in split..n.len() {
                sums[0] += element::<FMA>(n[i], a[i]).0;
            }
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3])
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lanes_avx2(n: &[i64], a: &[f64], partials: Option<&mut [f64]>) -> f64 {
    lanes::<true>(n, a, partials)
}

/// The sum over elements of `bernoulli_logit_lpmf(n[i] | a[i])`, adding each
/// element's partial into `partials[i]`. `n` (checked to be 0 or 1) and `a`
/// (checked not NaN) have the same length, and so has `partials`.
pub(super) fn bernoulli_logit_vector(n: &[i64], a: &[f64], partials: Option<&mut [f64]>) -> f64 {
    assert!(a.len() == n.len() && partials.as_ref().is_none_or(|d| d.len() == n.len()));
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { lanes_avx2(n, a, partials) };
    }
    lanes::<false>(n, a, partials)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lanes agree with the plain formulas evaluated with the library's
    /// exp and log1p, elementwise and summed, including the tail that does
    /// not fill a lane group and log-odds large enough to underflow exp.
    #[test]
    fn lanes_agree_with_the_library_formulas() {
        let len = 1003;
        let a: Vec<f64> = (0..len)
            .map(|i| ((i as f64) * 0.7391).sin() * 40.0 * if i % 97 == 0 { 30.0 } else { 1.0 })
            .collect();
        let n: Vec<i64> = (0..len).map(|i| (i * 7 % 3 == 0) as i64).collect();
        let mut d = vec![0.0; len];
        let total = bernoulli_logit_vector(&n, &a, Some(&mut d));
        let mut expected_total = 0.0;
        for i in 0..len {
            let e = (-a[i].abs()).exp();
            let p = if a[i] >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let lp = if n[i] == 1 {
                -((-a[i]).max(0.0) + e.ln_1p())
            } else {
                -(a[i].max(0.0) + e.ln_1p())
            };
            expected_total += lp;
            let g = n[i] as f64 - p;
            assert!(
                (d[i] - g).abs() <= 1e-15 * g.abs().max(1e-300) + 1e-300,
                "{i}"
            );
        }
        assert!((total - expected_total).abs() <= 1e-13 * expected_total.abs());
        let without = bernoulli_logit_vector(&n, &a, None);
        assert_eq!(without, total);
        // Partials are added to what the buffer holds.
        let once = d.clone();
        bernoulli_logit_vector(&n, &a, Some(&mut d));
        assert!(d.iter().zip(&once).all(|(x, y)| *x == 2.0 * y));
    }
}

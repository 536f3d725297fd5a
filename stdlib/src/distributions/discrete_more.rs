//! The beta-binomial CDFs and the discrete_range distribution (mass, CDFs, RNG), vectorized like the other discrete kernels.

use super::kernel::*;
use super::{DomainError, RealArg};
use crate::math::*;

type R = Result<f64, DomainError>;

/// `(P(Y <= n), P(Y > n))` of beta_binomial(N, a, b), and the partials of
/// `P(Y <= n)` with respect to `a` and `b`, by summing the mass of the
/// shorter tail (each term's partials are its mass times digamma terms).
fn beta_binomial_cdf_scalar(n: i64, big_n: i64, a: f64, b: f64, d: &mut [f64; 2]) -> (f64, f64) {
    if n < 0 {
        return (0.0, 1.0);
    }
    if n >= big_n {
        return (1.0, 0.0);
    }
    let nn = big_n as f64;
    let common = -lbeta(a, b);
    let (da_common, db_common) = {
        let dab = digamma(a + b) - digamma(nn + a + b);
        (dab - digamma(a), dab - digamma(b))
    };
    let term = |k: i64| {
        let kf = k as f64;
        let lp = lchoose(nn, kf) + lbeta(kf + a, nn - kf + b) + common;
        let p = lp.exp();
        (
            p,
            p * (digamma(kf + a) + da_common),
            p * (digamma(nn - kf + b) + db_common),
        )
    };
    // Sum the tail with fewer terms; the other probability is its complement.
    let lower_tail = n < big_n - n;
    let range: Box<dyn Iterator<Item = i64>> = if lower_tail {
        Box::new(0..=n)
    } else {
        Box::new((n + 1)..=big_n)
    };
    let (mut s, mut sa, mut sb) = (0.0, 0.0, 0.0);
    for k in range {
        let (p, pa, pb) = term(k);
        s += p;
        sa += pa;
        sb += pb;
    }
    let s = s.clamp(0.0, 1.0);
    if lower_tail {
        d[0] = sa;
        d[1] = sb;
        (s, 1.0 - s)
    } else {
        d[0] = -sa;
        d[1] = -sb;
        (1.0 - s, s)
    }
}

fn beta_binomial_cumulative<'a>(
    f: &str,
    kind: CdfKind,
    n: &[i64],
    big_n: &[i64],
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
) -> R {
    check_int_nonnegative(f, "Population size parameter", big_n)?;
    check_positive_finite(f, "First prior sample size parameter", alpha.values)?;
    check_positive_finite(f, "Second prior sample size parameter", beta.values)?;
    cumulative(
        f,
        kind,
        [("n", n), ("N", big_n)],
        [("alpha", &mut alpha), ("beta", &mut beta)],
        |[n, nn], [a, b], d| beta_binomial_cdf_scalar(n, nn, a, b, d),
    )
}

pub fn beta_binomial_cdf<'a>(n: &[i64], big_n: &[i64], a: RealArg<'a>, b: RealArg<'a>) -> R {
    beta_binomial_cumulative("beta_binomial_cdf", CdfKind::Cdf, n, big_n, a, b)
}
pub fn beta_binomial_lcdf<'a>(n: &[i64], big_n: &[i64], a: RealArg<'a>, b: RealArg<'a>) -> R {
    beta_binomial_cumulative("beta_binomial_lcdf", CdfKind::Lcdf, n, big_n, a, b)
}
pub fn beta_binomial_lccdf<'a>(n: &[i64], big_n: &[i64], a: RealArg<'a>, b: RealArg<'a>) -> R {
    beta_binomial_cumulative("beta_binomial_lccdf", CdfKind::Lccdf, n, big_n, a, b)
}

/// The common length of int arguments (1 broadcasts), or Stan's size error.
fn int_len(f: &str, args: &[(&str, &[i64])]) -> Result<usize, DomainError> {
    let lens: Vec<(&str, usize)> = args.iter().map(|(name, xs)| (*name, xs.len())).collect();
    check_len(f, &[], &lens)
}

fn at(xs: &[i64], i: usize) -> i64 {
    if xs.len() == 1 {
        xs[0]
    } else {
        xs[i]
    }
}

fn check_range(f: &str, lower: &[i64], upper: &[i64], n: usize) -> Result<(), DomainError> {
    for i in 0..n {
        let (l, u) = (at(lower, i), at(upper, i));
        if l > u {
            return Err(DomainError::new(
                f,
                format!("Lower bound parameter is {l}, but must be less than or equal to {u}"),
            ));
        }
    }
    Ok(())
}

/// `discrete_range_lpmf(y | lower, upper)`: `-log(upper - lower + 1)` inside the range, `-inf` outside.
pub fn discrete_range_lpmf(y: &[i64], lower: &[i64], upper: &[i64], propto: bool) -> R {
    const F: &str = "discrete_range_lpmf";
    let n = int_len(F, &[("y", y), ("lower", lower), ("upper", upper)])?;
    check_range(F, lower, upper, n)?;
    let mut lp = 0.0;
    for i in 0..n {
        let (v, l, u) = (at(y, i), at(lower, i), at(upper, i));
        if v < l || v > u {
            return Ok(f64::NEG_INFINITY);
        }
        if !propto {
            lp -= ((u - l + 1) as f64).ln();
        }
    }
    Ok(lp)
}

fn discrete_range_cumulative(f: &str, kind: CdfKind, y: &[i64], lower: &[i64], upper: &[i64]) -> R {
    let n = int_len(f, &[("y", y), ("lower", lower), ("upper", upper)])?;
    check_range(f, lower, upper, n)?;
    let mut total = if kind == CdfKind::Cdf { 1.0 } else { 0.0 };
    for i in 0..n {
        let (v, l, u) = (at(y, i), at(lower, i), at(upper, i));
        let width = (u - l + 1) as f64;
        let below = ((v.clamp(l - 1, u) - l + 1) as f64) / width;
        let above = ((u - v.clamp(l - 1, u)) as f64) / width;
        match kind {
            CdfKind::Cdf => total *= below,
            CdfKind::Lcdf => total += below.ln(),
            CdfKind::Lccdf => total += above.ln(),
        }
    }
    Ok(total)
}

pub fn discrete_range_cdf(y: &[i64], lower: &[i64], upper: &[i64]) -> R {
    discrete_range_cumulative("discrete_range_cdf", CdfKind::Cdf, y, lower, upper)
}
pub fn discrete_range_lcdf(y: &[i64], lower: &[i64], upper: &[i64]) -> R {
    discrete_range_cumulative("discrete_range_lcdf", CdfKind::Lcdf, y, lower, upper)
}
pub fn discrete_range_lccdf(y: &[i64], lower: &[i64], upper: &[i64]) -> R {
    discrete_range_cumulative("discrete_range_lccdf", CdfKind::Lccdf, y, lower, upper)
}

/// `discrete_range_rng(lower, upper)`: uniform on the integers `lower..=upper`.
pub fn discrete_range_rng(
    lower: i64,
    upper: i64,
    rng: &mut dyn rand::Rng,
) -> Result<i64, DomainError> {
    const F: &str = "discrete_range_rng";
    if lower > upper {
        return Err(DomainError::new(
            F,
            format!("Lower bound parameter is {lower}, but must be less than or equal to {upper}"),
        ));
    }
    let uniform = rand_distr::Uniform::new_inclusive(lower, upper)
        .map_err(|e| DomainError::new(F, format!("bad range: {e}")))?;
    Ok(rand_distr::Distribution::sample(&uniform, rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_binomial_cdf_sums_the_mass_and_its_partials_match_differences() {
        let cdf = |n: i64, a: f64, b: f64| {
            let mut d = [0.0; 2];
            beta_binomial_cdf_scalar(n, 10, a, b, &mut d)
        };
        for n in [0, 3, 7, 9] {
            let mut total = 0.0;
            for k in 0..=n {
                total += super::super::beta_binomial_lpmf(
                    &[k],
                    &[10],
                    RealArg::data(&[2.5]),
                    RealArg::data(&[1.5]),
                    false,
                )
                .unwrap()
                .exp();
            }
            let (p, q) = cdf(n, 2.5, 1.5);
            assert!((p - total).abs() < 1e-13, "{n}: {p} vs {total}");
            assert!((p + q - 1.0).abs() < 1e-13);
            let mut d = [0.0; 2];
            beta_binomial_cdf_scalar(n, 10, 2.5, 1.5, &mut d);
            let h = 1e-6;
            let fa = (cdf(n, 2.5 + h, 1.5).0 - cdf(n, 2.5 - h, 1.5).0) / (2.0 * h);
            let fb = (cdf(n, 2.5, 1.5 + h).0 - cdf(n, 2.5, 1.5 - h).0) / (2.0 * h);
            assert!(
                (d[0] - fa).abs() < 1e-7 && (d[1] - fb).abs() < 1e-7,
                "{d:?} vs {fa} {fb}"
            );
        }
    }

    #[test]
    fn discrete_range_is_uniform_on_the_integers_of_the_range() {
        let lp = discrete_range_lpmf(&[3], &[1], &[4], false).unwrap();
        assert!((lp + 4f64.ln()).abs() < 1e-15);
        assert_eq!(
            discrete_range_lpmf(&[5], &[1], &[4], false).unwrap(),
            f64::NEG_INFINITY
        );
        assert!((discrete_range_cdf(&[2], &[1], &[4]).unwrap() - 0.5).abs() < 1e-15);
        assert!((discrete_range_lccdf(&[2], &[1], &[4]).unwrap() - 0.5f64.ln()).abs() < 1e-15);
        assert_eq!(
            discrete_range_lcdf(&[0], &[1], &[4]).unwrap(),
            f64::NEG_INFINITY
        );
        assert!(discrete_range_lpmf(&[1], &[3], &[2], false).is_err());
    }
}

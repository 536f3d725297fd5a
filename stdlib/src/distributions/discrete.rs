//! Log mass functions and CDFs of the discrete and categorical distributions, vectorized, with partials.

use super::kernel::*;
use super::{DomainError, RealArg};
use crate::math::*;

type R = Result<f64, DomainError>;

fn check_y01(f: &str, n: &[i64]) -> Result<(), DomainError> {
    check_int_bounded(f, "n", n, 0, 1)
}

pub fn bernoulli_lpmf<'a>(n: &[i64], mut theta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "bernoulli_lpmf";
    check_y01(F, n)?;
    check_bounded(F, "Probability parameter", theta.values, 0.0, 1.0)?;
    density(
        F,
        [("n", n)],
        [("theta", &mut theta)],
        propto,
        |_, [n], [t], d| {
            if n == 1 {
                d[0] = 1.0 / t;
                t.ln()
            } else {
                d[0] = -1.0 / (1.0 - t);
                log1m(t)
            }
        },
    )
}

pub fn bernoulli_logit_lpmf<'a>(n: &[i64], mut alpha: RealArg<'a>, propto: bool) -> R {
    const F: &str = "bernoulli_logit_lpmf";
    check_y01(F, n)?;
    check_not_nan(F, "Logit transformed probability parameter", alpha.values)?;
    let whole_vectors = n.len() > 1
        && alpha.values.len() == n.len()
        && alpha.partials.as_ref().is_none_or(|d| d.len() == n.len());
    if whole_vectors {
        if propto && !alpha.is_active() {
            return Ok(0.0);
        }
        return Ok(super::bernoulli_logit_lanes::bernoulli_logit_vector(
            n,
            alpha.values,
            alpha.partials.as_deref_mut(),
        ));
    }
    density(
        F,
        [("n", n)],
        [("alpha", &mut alpha)],
        propto,
        |_, [n], [a], d| {
            // inv_logit(a), log_inv_logit(a) and log1m_inv_logit(a) from one
            // exp(-|a|) and one log1p (Kahan's, through ln: glibc's log1p was
            // 40% of a logistic regression's gradient), where the three
            // functions would take two exps and a log1p.
            let e = (-a.abs()).exp();
            let l = log1p_via_ln(e);
            let p = if a >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            d[0] = n as f64 - p;
            if n == 1 {
                -((-a).max(0.0) + l)
            } else {
                -(a.max(0.0) + l)
            }
        },
    )
}

fn check_binomial(f: &str, n: &[i64], big_n: &[i64]) -> Result<usize, DomainError> {
    check_int_nonnegative(f, "Successes variable", n)?;
    check_int_nonnegative(f, "Population size parameter", big_n)?;
    let len = check_len(f, &[], &[("n", n.len()), ("N", big_n.len())])?;
    for i in 0..len {
        let (a, b) = (
            n[if n.len() == 1 { 0 } else { i }],
            big_n[if big_n.len() == 1 { 0 } else { i }],
        );
        if a > b {
            return Err(DomainError::new(
                f,
                format!("Successes variable is {a}, but must be in the interval [0, {b}]!"),
            ));
        }
    }
    Ok(len)
}

pub fn binomial_lpmf<'a>(n: &[i64], big_n: &[i64], mut theta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "binomial_lpmf";
    check_binomial(F, n, big_n)?;
    check_bounded(F, "Probability parameter", theta.values, 0.0, 1.0)?;
    density(
        F,
        [("n", n), ("N", big_n)],
        [("theta", &mut theta)],
        propto,
        |c, [n, nn], [t], d| {
            let (nf, nnf) = (n as f64, nn as f64);
            let mut lp = 0.0;
            if c.inc(&[]) {
                lp += lchoose(nnf, nf);
            }
            if n > 0 {
                lp += nf * t.ln();
            }
            if nn > n {
                lp += (nnf - nf) * log1m(t);
            }
            d[0] = nf / t - (nnf - nf) / (1.0 - t);
            lp
        },
    )
}

pub fn binomial_logit_lpmf<'a>(
    n: &[i64],
    big_n: &[i64],
    mut alpha: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "binomial_logit_lpmf";
    check_binomial(F, n, big_n)?;
    check_finite(F, "Probability parameter", alpha.values)?;
    density(
        F,
        [("n", n), ("N", big_n)],
        [("alpha", &mut alpha)],
        propto,
        |c, [n, nn], [a], d| {
            let (nf, nnf) = (n as f64, nn as f64);
            let mut lp = nf * log_inv_logit(a) + (nnf - nf) * log1m_inv_logit(a);
            if c.inc(&[]) {
                lp += lchoose(nnf, nf);
            }
            d[0] = nf - nnf * inv_logit(a);
            lp
        },
    )
}

pub fn beta_binomial_lpmf<'a>(
    n: &[i64],
    big_n: &[i64],
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "beta_binomial_lpmf";
    check_int_nonnegative(F, "Population size parameter", big_n)?;
    check_positive_finite(F, "First prior sample size parameter", alpha.values)?;
    check_positive_finite(F, "Second prior sample size parameter", beta.values)?;
    let len = check_len(F, &[], &[("n", n.len()), ("N", big_n.len())])?;
    for i in 0..len {
        let (a, b) = (
            n[if n.len() == 1 { 0 } else { i }],
            big_n[if big_n.len() == 1 { 0 } else { i }],
        );
        if a < 0 || a > b {
            return Ok(f64::NEG_INFINITY);
        }
    }
    density(
        F,
        [("n", n), ("N", big_n)],
        [("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [n, nn], [a, b], d| {
            let (nf, nnf) = (n as f64, nn as f64);
            let mut lp = lbeta(nf + a, nnf - nf + b) - c.once(0, &[0, 1], || lbeta(a, b));
            if c.inc(&[]) {
                lp += lchoose(nnf, nf);
            }
            let dall = digamma(nnf + a + b);
            let dab = c.once(1, &[0, 1], || digamma(a + b));
            d[0] = digamma(nf + a) - dall - c.once(2, &[0], || digamma(a)) + dab;
            d[1] = digamma(nnf - nf + b) - dall - c.once(3, &[1], || digamma(b)) + dab;
            lp
        },
    )
}

/// hypergeometric_lpmf(n | N, a, b): all arguments are ints, so there are no partials.
pub fn hypergeometric_lpmf(n: i64, big_n: i64, a: i64, b: i64) -> R {
    const F: &str = "hypergeometric_lpmf";
    if big_n > a + b || a < 0 || b < 0 || big_n < 0 {
        return Err(DomainError::new(
            F,
            format!(
                "Draws parameter is {big_n}, but must be in the interval [0, {}]!",
                a + b
            ),
        ));
    }
    if n < (big_n - b).max(0) || n > big_n.min(a) {
        return Err(DomainError::new(
            F,
            format!(
                "Successes variable is {n}, but must be in the interval [{}, {}]!",
                (big_n - b).max(0),
                big_n.min(a)
            ),
        ));
    }
    let f = |x: i64, y: i64| lchoose(x as f64, y as f64);
    Ok(f(a, n) + f(b, big_n - n) - f(a + b, big_n))
}

/// categorical_lpmf(y | theta): `theta` is one simplex (not broadcast); `y` holds 1-based outcomes.
pub fn categorical_lpmf<'a>(y: &[i64], theta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "categorical_lpmf";
    let k = theta.values.len() as i64;
    check_int_bounded(F, "Number of categories", y, 1, k)?;
    check_simplex(F, theta.values)?;
    if propto && theta.partials.is_none() {
        return Ok(0.0);
    }
    let mut lp = 0.0;
    let RealArg {
        values,
        mut partials,
    } = theta;
    for &yi in y {
        let j = (yi - 1) as usize;
        lp += values[j].ln();
        if let Some(p) = partials.as_deref_mut() {
            p[j] += 1.0 / values[j];
        }
    }
    Ok(lp)
}

fn check_simplex(f: &str, theta: &[f64]) -> Result<(), DomainError> {
    let sum: f64 = theta.iter().sum();
    if theta.is_empty() || (sum - 1.0).abs() > 1e-8 || theta.iter().any(|t| !(*t >= 0.0)) {
        return Err(DomainError::new(f, format!("Probabilities parameter is not a valid simplex. sum(Probabilities parameter) = {sum}, but should be 1")));
    }
    Ok(())
}

/// categorical_logit_lpmf(y | beta): `beta` is one vector of log odds.
pub fn categorical_logit_lpmf<'a>(y: &[i64], beta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "categorical_logit_lpmf";
    let k = beta.values.len() as i64;
    check_int_bounded(F, "categorical outcome out of support", y, 1, k)?;
    check_finite(F, "log odds parameter", beta.values)?;
    if propto && beta.partials.is_none() {
        return Ok(0.0);
    }
    let RealArg {
        values,
        mut partials,
    } = beta;
    let lse = log_sum_exp_slice(values);
    let mut lp = 0.0;
    for &yi in y {
        let j = (yi - 1) as usize;
        lp += values[j] - lse;
        if let Some(p) = partials.as_deref_mut() {
            p[j] += 1.0;
        }
    }
    if let Some(p) = partials.as_deref_mut() {
        let n = y.len() as f64;
        for (pk, v) in p.iter_mut().zip(values) {
            *pk -= n * (v - lse).exp();
        }
    }
    Ok(lp)
}

/// multinomial_lpmf(y | theta).
pub fn multinomial_lpmf<'a>(y: &[i64], theta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "multinomial_lpmf";
    check_int_nonnegative(F, "Number of trials variable", y)?;
    check_simplex(F, theta.values)?;
    if y.len() != theta.values.len() {
        return Err(DomainError::new(F, format!("Size of number of trials variable ({}) and rows of probabilities parameter ({}) must match in size", y.len(), theta.values.len())));
    }
    let mut lp = 0.0;
    if !propto {
        let total: i64 = y.iter().sum();
        lp += lgamma(total as f64 + 1.0) - y.iter().map(|&n| lgamma(n as f64 + 1.0)).sum::<f64>();
    }
    let RealArg {
        values,
        mut partials,
    } = theta;
    if propto && partials.is_none() {
        return Ok(0.0);
    }
    for (k, (&n, &t)) in y.iter().zip(values).enumerate() {
        if n > 0 {
            lp += n as f64 * t.ln();
        }
        if let Some(p) = partials.as_deref_mut() {
            p[k] += n as f64 / t;
        }
    }
    Ok(lp)
}

/// multinomial_logit_lpmf(y | gamma), gamma the log odds.
pub fn multinomial_logit_lpmf<'a>(y: &[i64], gamma: RealArg<'a>, propto: bool) -> R {
    const F: &str = "multinomial_logit_lpmf";
    check_int_nonnegative(F, "Number of trials variable", y)?;
    check_finite(F, "log-probabilities parameter", gamma.values)?;
    if y.len() != gamma.values.len() {
        return Err(DomainError::new(F, format!("Size of number of trials variable ({}) and rows of log-probabilities parameter ({}) must match in size", y.len(), gamma.values.len())));
    }
    let total: i64 = y.iter().sum();
    let mut lp = 0.0;
    if !propto {
        lp += lgamma(total as f64 + 1.0) - y.iter().map(|&n| lgamma(n as f64 + 1.0)).sum::<f64>();
    }
    let RealArg {
        values,
        mut partials,
    } = gamma;
    if propto && partials.is_none() {
        return Ok(0.0);
    }
    let lse = log_sum_exp_slice(values);
    for (k, (&n, &g)) in y.iter().zip(values).enumerate() {
        lp += n as f64 * (g - lse);
        if let Some(p) = partials.as_deref_mut() {
            p[k] += n as f64 - total as f64 * (g - lse).exp();
        }
    }
    Ok(lp)
}

/// The cutpoints of ordered_logistic/ordered_probit: `values` holds one
/// vector of `n_cuts` cutpoints shared by every element, or one per element
/// concatenated; `partials` (if present) has the same layout.
pub struct Cutpoints<'a> {
    pub values: &'a [f64],
    pub n_cuts: usize,
    pub partials: Option<&'a mut [f64]>,
}

fn ordered<'a>(
    f: &str,
    link_probit: bool,
    y: &[i64],
    mut eta: RealArg<'a>,
    cuts: Cutpoints<'a>,
    propto: bool,
) -> R {
    let Cutpoints {
        values: cv,
        n_cuts,
        partials: mut cp,
    } = cuts;
    if n_cuts == 0 || cv.is_empty() || cv.len() % n_cuts != 0 {
        return Err(DomainError::new(
            f,
            "Cut-points must have at least one element",
        ));
    }
    let n_sets = cv.len() / n_cuts;
    let n = check_len(
        f,
        &[
            ("Linear predictor", eta.values.len()),
            ("Cut-points", n_sets),
        ],
        &[("y", y.len())],
    )?;
    check_int_bounded(f, "Random variable", y, 1, n_cuts as i64 + 1)?;
    check_finite(f, "Location parameter", eta.values)?;
    check_finite(f, "Cut-points", cv)?;
    for set in cv.chunks(n_cuts) {
        if set.windows(2).any(|w| !(w[1] > w[0])) {
            return Err(DomainError::new(
                f,
                "Cut-points is not a valid ordered vector",
            ));
        }
    }
    if propto && eta.partials.is_none() && cp.is_none() {
        return Ok(0.0);
    }
    let mut lp = 0.0;
    for i in 0..n {
        let yi = y[if y.len() == 1 { 0 } else { i }] as usize;
        let e = eta.at(i);
        let base = if n_sets == 1 { 0 } else { i * n_cuts };
        let c = &cv[base..base + n_cuts];
        // Value and partials with respect to eta and to the two cutpoints that matter.
        let (v, de, lo, hi) = if link_probit {
            probit_piece(yi, e, c)
        } else {
            logistic_piece(yi, e, c)
        };
        lp += v;
        if let Some(p) = eta.partials.as_deref_mut() {
            let j = if p.len() == 1 { 0 } else { i };
            p[j] += de;
        }
        if let Some(p) = cp.as_deref_mut() {
            if let Some((k, g)) = lo {
                p[base + k] += g;
            }
            if let Some((k, g)) = hi {
                p[base + k] += g;
            }
        }
    }
    Ok(lp)
}

type Piece = (f64, f64, Option<(usize, f64)>, Option<(usize, f64)>);

fn logistic_piece(y: usize, e: f64, c: &[f64]) -> Piece {
    let k = c.len() + 1;
    if y == 1 {
        let g = inv_logit(e - c[0]);
        (log1m_inv_logit(e - c[0]), -g, None, Some((0, g)))
    } else if y == k {
        let g = inv_logit(c[k - 2] - e);
        (log_inv_logit(e - c[k - 2]), g, Some((k - 2, -g)), None)
    } else {
        let a = e - c[y - 2];
        let b = e - c[y - 1];
        let v = log_inv_logit_diff(a, b);
        let p = v.exp();
        let da = inv_logit(a) * inv_logit(-a) / p;
        let db = -inv_logit(b) * inv_logit(-b) / p;
        (v, da + db, Some((y - 2, -da)), Some((y - 1, -db)))
    }
}

fn probit_piece(y: usize, e: f64, c: &[f64]) -> Piece {
    let k = c.len() + 1;
    if y == 1 {
        let v = log_phi(c[0] - e);
        let g = (phi_deriv(c[0] - e).ln() - v).exp();
        (v, -g, None, Some((0, g)))
    } else if y == k {
        let v = log_phi(e - c[k - 2]);
        let g = (phi_deriv(e - c[k - 2]).ln() - v).exp();
        (v, g, Some((k - 2, -g)), None)
    } else {
        let u = c[y - 1] - e;
        let l = c[y - 2] - e;
        let v = if u > 0.0 && l > 0.0 {
            // Both in the upper tail: use the complement for accuracy.
            log_diff_exp(log_phi(-l), log_phi(-u))
        } else {
            log_diff_exp(log_phi(u), log_phi(l))
        };
        let p = v.exp();
        let du = phi_deriv(u) / p;
        let dl = -phi_deriv(l) / p;
        (v, -(du + dl), Some((y - 2, dl)), Some((y - 1, du)))
    }
}

pub fn ordered_logistic_lpmf<'a>(
    y: &[i64],
    eta: RealArg<'a>,
    cuts: Cutpoints<'a>,
    propto: bool,
) -> R {
    ordered("ordered_logistic_lpmf", false, y, eta, cuts, propto)
}
pub fn ordered_probit_lpmf<'a>(
    y: &[i64],
    eta: RealArg<'a>,
    cuts: Cutpoints<'a>,
    propto: bool,
) -> R {
    ordered("ordered_probit_lpmf", true, y, eta, cuts, propto)
}

pub fn poisson_lpmf<'a>(n: &[i64], mut lambda: RealArg<'a>, propto: bool) -> R {
    const F: &str = "poisson_lpmf";
    check_int_nonnegative(F, "Random variable", n)?;
    check_nonnegative(F, "Rate parameter", lambda.values)?;
    if lambda.values.iter().any(|l| l.is_infinite()) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [("n", n)],
        [("lambda", &mut lambda)],
        propto,
        |c, [n], [l], d| {
            let nf = n as f64;
            let mut lp = -l;
            if n > 0 {
                lp += nf * l.ln();
            }
            if c.inc(&[]) {
                lp -= lgamma(nf + 1.0);
            }
            d[0] = nf / l - 1.0;
            lp
        },
    )
}

pub fn poisson_log_lpmf<'a>(n: &[i64], mut alpha: RealArg<'a>, propto: bool) -> R {
    const F: &str = "poisson_log_lpmf";
    check_int_nonnegative(F, "Random variable", n)?;
    check_not_nan(F, "Log rate parameter", alpha.values)?;
    density(
        F,
        [("n", n)],
        [("alpha", &mut alpha)],
        propto,
        |c, [n], [a], d| {
            let nf = n as f64;
            let ea = a.exp();
            let mut lp = -ea;
            if n > 0 {
                lp += nf * a;
            }
            if c.inc(&[]) {
                lp -= lgamma(nf + 1.0);
            }
            d[0] = nf - ea;
            lp
        },
    )
}

pub fn neg_binomial_lpmf<'a>(
    n: &[i64],
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "neg_binomial_lpmf";
    check_int_nonnegative(F, "Failures variable", n)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    check_positive_finite(F, "Inverse scale parameter", beta.values)?;
    density(
        F,
        [("n", n)],
        [("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [n], [a, b], d| {
            let nf = n as f64;
            let log_odds = b.ln() - b.ln_1p();
            let mut lp = 0.0;
            if c.inc(&[0]) {
                lp += lgamma(nf + a) - c.once(0, &[0], || lgamma(a));
            }
            if c.inc(&[]) {
                lp -= lgamma(nf + 1.0);
            }
            lp += a * log_odds - nf * b.ln_1p();
            d[0] = digamma(nf + a) - c.once(1, &[0], || digamma(a)) + log_odds;
            d[1] = a / b - (a + nf) / (1.0 + b);
            lp
        },
    )
}

pub fn neg_binomial_2_lpmf<'a>(
    n: &[i64],
    mut mu: RealArg<'a>,
    mut phi: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "neg_binomial_2_lpmf";
    check_int_nonnegative(F, "Failures variable", n)?;
    check_positive_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Precision parameter", phi.values)?;
    density(
        F,
        [("n", n)],
        [("mu", &mut mu), ("phi", &mut phi)],
        propto,
        |c, [n], [m, p], d| {
            let nf = n as f64;
            let lmp = (m + p).ln();
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp += lgamma(nf + p) - c.once(0, &[1], || lgamma(p) - p * p.ln());
            }
            if c.inc(&[]) {
                lp -= lgamma(nf + 1.0);
            }
            if n > 0 {
                lp += nf * m.ln();
            }
            lp -= (nf + p) * lmp;
            d[0] = nf / m - (nf + p) / (m + p);
            d[1] = digamma(nf + p) - c.once(1, &[1], || digamma(p) - p.ln()) + 1.0
                - lmp
                - (nf + p) / (m + p);
            lp
        },
    )
}

pub fn neg_binomial_2_log_lpmf<'a>(
    n: &[i64],
    mut eta: RealArg<'a>,
    mut phi: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "neg_binomial_2_log_lpmf";
    check_int_nonnegative(F, "Failures variable", n)?;
    check_finite(F, "Log location parameter", eta.values)?;
    check_positive_finite(F, "Precision parameter", phi.values)?;
    density(
        F,
        [("n", n)],
        [("eta", &mut eta), ("phi", &mut phi)],
        propto,
        |c, [n], [e, p], d| {
            let nf = n as f64;
            let lp_ = p.ln();
            let lmp = log_sum_exp(e, lp_);
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp += lgamma(nf + p) - c.once(0, &[1], || lgamma(p) - p * lp_);
            }
            if c.inc(&[]) {
                lp -= lgamma(nf + 1.0);
            }
            lp += nf * e - (nf + p) * lmp;
            let mu_frac = (e - lmp).exp();
            d[0] = nf - (nf + p) * mu_frac;
            d[1] = digamma(nf + p) - c.once(1, &[1], || digamma(p) - lp_) + 1.0
                - lmp
                - (nf + p) / (e.exp() + p);
            lp
        },
    )
}

// ---------------------------------------------------------------- discrete CDFs

macro_rules! discrete_cdfs {
    ($cdf:ident, $lcdf:ident, $lccdf:ident, $check:expr, $scalar:expr, $($arg:ident),+) => {
        pub fn $cdf<'a>(n: &[i64], $(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($cdf);
            $check(F, n, [$($arg.values),+])?;
            cumulative(F, CdfKind::Cdf, [("n", n)], [$((stringify!($arg), &mut $arg)),+], |[n], x, d| $scalar(n, x, d))
        }
        pub fn $lcdf<'a>(n: &[i64], $(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($lcdf);
            $check(F, n, [$($arg.values),+])?;
            cumulative(F, CdfKind::Lcdf, [("n", n)], [$((stringify!($arg), &mut $arg)),+], |[n], x, d| $scalar(n, x, d))
        }
        pub fn $lccdf<'a>(n: &[i64], $(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($lccdf);
            $check(F, n, [$($arg.values),+])?;
            cumulative(F, CdfKind::Lccdf, [("n", n)], [$((stringify!($arg), &mut $arg)),+], |[n], x, d| $scalar(n, x, d))
        }
    };
}

fn bernoulli_cdf_scalar(n: i64, [t]: [f64; 1], d: &mut [f64; 1]) -> (f64, f64) {
    if n < 0 {
        (0.0, 1.0)
    } else if n >= 1 {
        (1.0, 0.0)
    } else {
        d[0] = -1.0;
        (1.0 - t, t)
    }
}
fn bernoulli_cdf_check(f: &str, _n: &[i64], [t]: [&[f64]; 1]) -> Result<(), DomainError> {
    check_bounded(f, "Probability parameter", t, 0.0, 1.0)
}
discrete_cdfs!(
    bernoulli_cdf,
    bernoulli_lcdf,
    bernoulli_lccdf,
    bernoulli_cdf_check,
    bernoulli_cdf_scalar,
    theta
);

fn poisson_cdf_scalar(n: i64, [l]: [f64; 1], d: &mut [f64; 1]) -> (f64, f64) {
    if n < 0 {
        return (0.0, 1.0);
    }
    let a = n as f64 + 1.0;
    d[0] = -((n as f64) * l.ln() - l - lgamma(a)).exp();
    (gamma_q(a, l), gamma_p(a, l))
}
fn poisson_cdf_check(f: &str, _n: &[i64], [l]: [&[f64]; 1]) -> Result<(), DomainError> {
    check_nonnegative(f, "Rate parameter", l)?;
    check_finite(f, "Rate parameter", l)
}
discrete_cdfs!(
    poisson_cdf,
    poisson_lcdf,
    poisson_lccdf,
    poisson_cdf_check,
    poisson_cdf_scalar,
    lambda
);

/// binomial CDFs take (n | N, theta): N is an int argument too.
pub fn binomial_cdf<'a>(n: &[i64], big_n: &[i64], theta: RealArg<'a>) -> R {
    binomial_cumulative("binomial_cdf", CdfKind::Cdf, n, big_n, theta)
}
pub fn binomial_lcdf<'a>(n: &[i64], big_n: &[i64], theta: RealArg<'a>) -> R {
    binomial_cumulative("binomial_lcdf", CdfKind::Lcdf, n, big_n, theta)
}
pub fn binomial_lccdf<'a>(n: &[i64], big_n: &[i64], theta: RealArg<'a>) -> R {
    binomial_cumulative("binomial_lccdf", CdfKind::Lccdf, n, big_n, theta)
}
fn binomial_cumulative<'a>(
    f: &str,
    kind: CdfKind,
    n: &[i64],
    big_n: &[i64],
    mut theta: RealArg<'a>,
) -> R {
    check_int_nonnegative(f, "Population size parameter", big_n)?;
    check_bounded(f, "Probability parameter", theta.values, 0.0, 1.0)?;
    cumulative(
        f,
        kind,
        [("n", n), ("N", big_n)],
        [("theta", &mut theta)],
        |[n, nn], [t], d| {
            if n < 0 {
                return (0.0, 1.0);
            }
            if n >= nn {
                return (1.0, 0.0);
            }
            let (a, b) = ((nn - n) as f64, n as f64 + 1.0);
            d[0] = -((n as f64) * t.ln() + (a - 1.0) * log1m(t) - lbeta(b, a)).exp();
            (inc_beta(a, b, 1.0 - t), inc_beta(b, a, t))
        },
    )
}

fn neg_binomial_2_cdf_scalar(n: i64, [m, p]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    if n < 0 {
        return (0.0, 1.0);
    }
    let x = p / (m + p);
    let b = n as f64 + 1.0;
    let [da, _db, dx] = inc_beta_grad(p, b, x);
    d[0] = dx * (-p / ((m + p) * (m + p)));
    d[1] = da + dx * m / ((m + p) * (m + p));
    (inc_beta(p, b, x), inc_beta(b, p, m / (m + p)))
}
fn neg_binomial_2_cdf_check(f: &str, _n: &[i64], [m, p]: [&[f64]; 2]) -> Result<(), DomainError> {
    check_positive_finite(f, "Location parameter", m)?;
    check_positive_finite(f, "Precision parameter", p)
}
discrete_cdfs!(
    neg_binomial_2_cdf,
    neg_binomial_2_lcdf,
    neg_binomial_2_lccdf,
    neg_binomial_2_cdf_check,
    neg_binomial_2_cdf_scalar,
    mu,
    phi
);

fn neg_binomial_cdf_scalar(n: i64, [a, b]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    if n < 0 {
        return (0.0, 1.0);
    }
    let x = b / (1.0 + b);
    let nb = n as f64 + 1.0;
    let [da, _db, dx] = inc_beta_grad(a, nb, x);
    d[0] = da;
    d[1] = dx / ((1.0 + b) * (1.0 + b));
    (inc_beta(a, nb, x), inc_beta(nb, a, 1.0 / (1.0 + b)))
}
fn neg_binomial_cdf_check(f: &str, _n: &[i64], [a, b]: [&[f64]; 2]) -> Result<(), DomainError> {
    check_positive_finite(f, "Shape parameter", a)?;
    check_positive_finite(f, "Inverse scale parameter", b)
}
discrete_cdfs!(
    neg_binomial_cdf,
    neg_binomial_lcdf,
    neg_binomial_lccdf,
    neg_binomial_cdf_check,
    neg_binomial_cdf_scalar,
    alpha,
    beta
);

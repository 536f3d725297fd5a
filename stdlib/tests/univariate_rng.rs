//! Goodness-of-fit tests of every univariate `_rng`, driven by one table per kind, plus checks that bad arguments give a `DomainError`, never a panic.
//!
//! Continuous RNGs get a one-sample Kolmogorov-Smirnov test of
//! [`KS_DRAWS`] draws against the distribution's CDF (stdlib's `_cdf`
//! kernels, or a closed form or quadrature where stdlib has none).
//! Discrete RNGs get a chi-square goodness-of-fit test of [`CHI_DRAWS`]
//! draws against the pmf from the `_lpmf` kernels, with outcomes pooled
//! into bins of expected count at least 5 (the tails pooled into the end
//! bins). Every parameter setting of every distribution is one test at
//! level [`ALPHA`] = 1e-5, with its own fixed seed. There are fewer than
//! [`MAX_TESTS`] = 200 settings (checked by `the_false_alarm_budget_holds`),
//! so by Bonferroni's inequality the probability that a correct set of RNGs
//! fails any of them, over the choice of seeds, is below 200 * 1e-5 = 0.2%.
//!
//! Adding a row to `continuous()` or `discrete()` adds its tests.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::f64::consts::PI;
use stdlib::distributions::*;
use stdlib::math::{gamma_q, inc_beta};

/// Level of each individual test.
const ALPHA: f64 = 1e-5;
/// Upper bound on the number of tests, for the overall false-alarm rate.
const MAX_TESTS: usize = 200;
const KS_DRAWS: usize = 10_000;
const CHI_DRAWS: usize = 20_000;

type Params = &'static [f64];
type DrawReal = fn(&[f64], &mut dyn Rng) -> Result<f64, DomainError>;
type DrawInt = fn(&[f64], &mut dyn Rng) -> Result<i64, DomainError>;

/// A continuous family: how to draw, its CDF, the settings to test, and
/// settings that must be rejected.
struct Continuous {
    name: &'static str,
    draw: DrawReal,
    cdf: fn(f64, &[f64]) -> f64,
    settings: &'static [Params],
    invalid: &'static [Params],
}

/// A discrete family: how to draw, its pmf and support, the settings to
/// test, and settings that must be rejected.
struct Discrete {
    name: &'static str,
    draw: DrawInt,
    pmf: fn(i64, &[f64]) -> f64,
    support: fn(&[f64]) -> (i64, i64),
    settings: &'static [Params],
    invalid: &'static [Params],
}

fn d(x: &[f64]) -> RealArg<'_> {
    RealArg::data(x)
}
fn ok(r: Result<f64, DomainError>) -> f64 {
    r.unwrap_or_else(|e| panic!("reference CDF or pmf failed: {e}"))
}
fn c2(f: fn(RealArg, RealArg) -> Result<f64, DomainError>, x: f64, p: &[f64]) -> f64 {
    ok(f(d(&[x]), d(&p[0..1])))
}
fn c3(f: fn(RealArg, RealArg, RealArg) -> Result<f64, DomainError>, x: f64, p: &[f64]) -> f64 {
    ok(f(d(&[x]), d(&p[0..1]), d(&p[1..2])))
}
fn c4(
    f: fn(RealArg, RealArg, RealArg, RealArg) -> Result<f64, DomainError>,
    x: f64,
    p: &[f64],
) -> f64 {
    ok(f(d(&[x]), d(&p[0..1]), d(&p[1..2]), d(&p[2..3])))
}

/// The von Mises CDF of `x - mu` reduced to [-pi, pi], by Simpson's rule on
/// the density `exp(kappa (cos t - 1))` (independent of stdlib's kernels):
/// a table of the CDF at 2^16 points, cached per kappa, interpolated linearly.
fn von_mises_centered_cdf(x: f64, kappa: f64) -> f64 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    const M: usize = 1 << 16;
    thread_local! {
        static TABLES: RefCell<HashMap<u64, Vec<f64>>> = RefCell::new(HashMap::new());
    }
    let h = 2.0 * PI / M as f64;
    TABLES.with(|t| {
        let mut t = t.borrow_mut();
        let table = t.entry(kappa.to_bits()).or_insert_with(|| {
            let f = |t: f64| (kappa * (t.cos() - 1.0)).exp();
            let mut cum = vec![0.0; M + 1];
            for i in 0..M {
                let a = -PI + i as f64 * h;
                cum[i + 1] = cum[i] + h / 6.0 * (f(a) + 4.0 * f(a + 0.5 * h) + f(a + h));
            }
            let total = cum[M];
            cum.iter().map(|c| c / total).collect()
        });
        let s = ((x + PI) / h).clamp(0.0, M as f64);
        let i = (s.floor() as usize).min(M - 1);
        let w = s - i as f64;
        table[i] * (1.0 - w) + table[i + 1] * w
    })
}
/// Stan's von_mises_rng returns values in [m - pi, m + pi] with m = mu mod 2 pi in [0, 2 pi).
fn von_mises_cdf_ref(y: f64, p: &[f64]) -> f64 {
    let m = p[0].rem_euclid(2.0 * PI);
    let z = y - m;
    if z < -PI - 1e-12 || z > PI + 1e-12 {
        return f64::NAN; // outside the support: the KS test reports it
    }
    von_mises_centered_cdf(z.clamp(-PI, PI), p[1])
}

fn continuous() -> Vec<Continuous> {
    vec![
        Continuous {
            name: "normal",
            draw: |p, r| normal_rng(p[0], p[1], r),
            cdf: |x, p| c3(normal_cdf, x, p),
            settings: &[&[0.0, 1.0], &[-3.0, 1e-3], &[1e3, 50.0]],
            invalid: &[
                &[0.0, 0.0],
                &[0.0, -1.0],
                &[f64::INFINITY, 1.0],
                &[0.0, f64::INFINITY],
            ],
        },
        Continuous {
            name: "std_normal",
            draw: |_, r| std_normal_rng(r),
            cdf: |x, _| ok(std_normal_cdf(d(&[x]))),
            settings: &[&[]],
            invalid: &[],
        },
        Continuous {
            name: "student_t",
            draw: |p, r| student_t_rng(p[0], p[1], p[2], r),
            // student_t_cdf also computes a Richardson derivative in nu (six
            // incomplete beta functions per call): the closed form is faster.
            cdf: |x, p| {
                let t = (x - p[1]) / p[2];
                let tail = 0.5 * inc_beta(0.5 * p[0], 0.5, p[0] / (p[0] + t * t));
                if t < 0.0 {
                    tail
                } else {
                    1.0 - tail
                }
            },
            settings: &[
                &[3.0, 0.0, 1.0],
                &[0.5, 2.0, 3.0],
                &[200.0, -1.0, 0.1],
                &[1.0, 0.0, 1.0],
            ],
            invalid: &[
                &[0.0, 0.0, 1.0],
                &[-1.0, 0.0, 1.0],
                &[1.0, 0.0, -1.0],
                &[1.0, f64::INFINITY, 1.0],
            ],
        },
        Continuous {
            name: "cauchy",
            draw: |p, r| cauchy_rng(p[0], p[1], r),
            cdf: |x, p| c3(cauchy_cdf, x, p),
            settings: &[&[0.0, 1.0], &[5.0, 1e-4], &[-2.0, 1e4]],
            invalid: &[&[0.0, 0.0], &[f64::NEG_INFINITY, 1.0]],
        },
        Continuous {
            name: "double_exponential",
            draw: |p, r| double_exponential_rng(p[0], p[1], r),
            cdf: |x, p| c3(double_exponential_cdf, x, p),
            settings: &[&[0.0, 1.0], &[3.0, 0.01], &[-10.0, 100.0]],
            invalid: &[&[0.0, 0.0], &[0.0, -2.0]],
        },
        Continuous {
            name: "logistic",
            draw: |p, r| logistic_rng(p[0], p[1], r),
            cdf: |x, p| c3(logistic_cdf, x, p),
            settings: &[&[0.0, 1.0], &[2.0, 0.05], &[-5.0, 20.0]],
            invalid: &[&[0.0, 0.0], &[0.0, -1.0]],
        },
        Continuous {
            name: "gumbel",
            draw: |p, r| gumbel_rng(p[0], p[1], r),
            cdf: |x, p| c3(gumbel_cdf, x, p),
            settings: &[&[0.0, 1.0], &[1.0, 0.1], &[-3.0, 30.0]],
            invalid: &[&[0.0, 0.0], &[0.0, -1.0]],
        },
        Continuous {
            name: "skew_normal",
            draw: |p, r| skew_normal_rng(p[0], p[1], p[2], r),
            cdf: |x, p| c4(skew_normal_cdf, x, p),
            settings: &[
                &[0.0, 1.0, 0.0],
                &[1.0, 2.0, 4.0],
                &[-1.0, 0.5, -10.0],
                &[0.0, 1.0, 0.3],
            ],
            invalid: &[&[0.0, 0.0, 1.0], &[0.0, 1.0, f64::INFINITY]],
        },
        Continuous {
            name: "exp_mod_normal",
            draw: |p, r| exp_mod_normal_rng(p[0], p[1], p[2], r),
            cdf: |x, p| c4(exp_mod_normal_cdf, x, p),
            settings: &[&[0.0, 1.0, 1.0], &[2.0, 0.1, 10.0], &[-1.0, 2.0, 0.2]],
            invalid: &[&[0.0, 1.0, 0.0], &[0.0, -1.0, 1.0], &[0.0, 1.0, -1.0]],
        },
        Continuous {
            name: "lognormal",
            draw: |p, r| lognormal_rng(p[0], p[1], r),
            cdf: |x, p| c3(lognormal_cdf, x, p),
            settings: &[&[0.0, 1.0], &[2.0, 0.1], &[-1.0, 3.0]],
            invalid: &[&[0.0, 0.0], &[f64::INFINITY, 1.0]],
        },
        Continuous {
            name: "chi_square",
            draw: |p, r| chi_square_rng(p[0], r),
            cdf: |x, p| c2(chi_square_cdf, x, p),
            settings: &[&[3.0], &[0.2], &[200.0]],
            invalid: &[&[0.0], &[-1.0], &[f64::INFINITY]],
        },
        Continuous {
            name: "inv_chi_square",
            draw: |p, r| inv_chi_square_rng(p[0], r),
            cdf: |x, p| c2(inv_chi_square_cdf, x, p),
            settings: &[&[3.0], &[0.5], &[100.0]],
            invalid: &[&[0.0], &[-1.0]],
        },
        Continuous {
            name: "scaled_inv_chi_square",
            draw: |p, r| scaled_inv_chi_square_rng(p[0], p[1], r),
            cdf: |x, p| c3(scaled_inv_chi_square_cdf, x, p),
            settings: &[&[3.0, 1.0], &[0.5, 2.0], &[50.0, 0.1]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0], &[1.0, -1.0]],
        },
        Continuous {
            name: "exponential",
            draw: |p, r| exponential_rng(p[0], r),
            cdf: |x, p| c2(exponential_cdf, x, p),
            settings: &[&[1.0], &[1e-3], &[1e4]],
            invalid: &[&[0.0], &[-1.0], &[f64::INFINITY]],
        },
        Continuous {
            name: "gamma",
            draw: |p, r| gamma_rng(p[0], p[1], r),
            cdf: |x, p| c3(gamma_cdf, x, p),
            settings: &[
                &[2.0, 1.0],
                &[0.1, 1.0],
                &[0.5, 100.0],
                &[50.0, 0.01],
                &[1.0, 3.0],
            ],
            invalid: &[
                &[0.0, 1.0],
                &[1.0, 0.0],
                &[-1.0, 1.0],
                &[1.0, f64::INFINITY],
            ],
        },
        Continuous {
            name: "inv_gamma",
            draw: |p, r| inv_gamma_rng(p[0], p[1], r),
            cdf: |x, p| c3(inv_gamma_cdf, x, p),
            settings: &[&[2.0, 1.0], &[0.5, 0.1], &[30.0, 100.0]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0]],
        },
        Continuous {
            name: "weibull",
            draw: |p, r| weibull_rng(p[0], p[1], r),
            cdf: |x, p| c3(weibull_cdf, x, p),
            settings: &[&[1.5, 1.0], &[0.3, 10.0], &[20.0, 0.5]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0], &[1.0, -1.0]],
        },
        Continuous {
            name: "frechet",
            draw: |p, r| frechet_rng(p[0], p[1], r),
            cdf: |x, p| c3(frechet_cdf, x, p),
            settings: &[&[1.5, 1.0], &[0.5, 10.0], &[20.0, 0.5]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0]],
        },
        Continuous {
            name: "rayleigh",
            draw: |p, r| rayleigh_rng(p[0], r),
            cdf: |x, p| c2(rayleigh_cdf, x, p),
            settings: &[&[1.0], &[1e-3], &[1e3]],
            invalid: &[&[0.0], &[-1.0]],
        },
        Continuous {
            name: "pareto",
            draw: |p, r| pareto_rng(p[0], p[1], r),
            cdf: |x, p| c3(pareto_cdf, x, p),
            settings: &[&[1.0, 3.0], &[0.1, 0.5], &[20.0, 50.0]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0], &[-1.0, 1.0]],
        },
        Continuous {
            name: "pareto_type_2",
            draw: |p, r| pareto_type_2_rng(p[0], p[1], p[2], r),
            cdf: |x, p| c4(pareto_type_2_cdf, x, p),
            settings: &[&[0.0, 1.0, 3.0], &[-2.0, 0.1, 0.5], &[5.0, 20.0, 50.0]],
            invalid: &[
                &[0.0, 0.0, 1.0],
                &[0.0, 1.0, 0.0],
                &[f64::INFINITY, 1.0, 1.0],
            ],
        },
        Continuous {
            name: "beta",
            draw: |p, r| beta_rng(p[0], p[1], r),
            // beta_cdf also computes inc_beta's gradient, which is very slow
            // for a large shape (tens of ms at beta = 1e4): use inc_beta itself.
            cdf: |x, p| inc_beta(p[0], p[1], x),
            settings: &[
                &[2.0, 3.0],
                &[0.5, 0.5],
                &[0.05, 0.08],
                &[0.01, 2.0],
                &[300.0, 100.0],
                &[0.3, 300.0],
            ],
            invalid: &[
                &[0.0, 1.0],
                &[1.0, 0.0],
                &[-1.0, 1.0],
                &[1.0, f64::INFINITY],
            ],
        },
        Continuous {
            name: "beta_proportion",
            draw: |p, r| beta_proportion_rng(p[0], p[1], r),
            cdf: |x, p| c3(beta_proportion_cdf, x, p),
            settings: &[&[0.3, 5.0], &[0.5, 0.2], &[0.99, 1000.0]],
            invalid: &[
                &[0.0, 1.0],
                &[1.0, 1.0],
                &[1.5, 1.0],
                &[0.5, 0.0],
                &[0.5, -1.0],
            ],
        },
        Continuous {
            name: "von_mises",
            draw: |p, r| von_mises_rng(p[0], p[1], r),
            cdf: von_mises_cdf_ref,
            settings: &[
                &[0.0, 1.0],
                &[1.0, 1e-9],
                &[-2.0, 0.1],
                &[7.0, 5.0],
                &[3.0, 500.0],
            ],
            invalid: &[&[0.0, -1.0], &[f64::INFINITY, 1.0], &[0.0, f64::INFINITY]],
        },
        Continuous {
            name: "uniform",
            draw: |p, r| uniform_rng(p[0], p[1], r),
            cdf: |x, p| c3(uniform_cdf, x, p),
            settings: &[&[0.0, 1.0], &[-1e-3, 1e-3], &[-100.0, 1e4]],
            invalid: &[
                &[1.0, 1.0],
                &[1.0, 0.0],
                &[f64::NEG_INFINITY, 0.0],
                &[0.0, f64::INFINITY],
            ],
        },
    ]
}

fn ints(p: &[f64]) -> Vec<i64> {
    p.iter().map(|x| *x as i64).collect()
}
fn pm2(f: fn(&[i64], RealArg, bool) -> Result<f64, DomainError>, k: i64, p: &[f64]) -> f64 {
    ok(f(&[k], d(&p[0..1]), false)).exp()
}
fn pm3(
    f: fn(&[i64], RealArg, RealArg, bool) -> Result<f64, DomainError>,
    k: i64,
    p: &[f64],
) -> f64 {
    ok(f(&[k], d(&p[0..1]), d(&p[1..2]), false)).exp()
}
fn cuts(p: &[f64]) -> Cutpoints<'_> {
    Cutpoints {
        values: &p[1..],
        n_cuts: p.len() - 1,
        partials: None,
    }
}
/// Multinomial draws as one integer: the counts as digits in base n + 1.
/// The parameters are `[n, theta...]` (or `[n, gamma...]` for the logit form).
fn encode(counts: &[i64], n: i64) -> i64 {
    counts.iter().rev().fold(0, |acc, c| acc * (n + 1) + c)
}
fn decode(mut code: i64, n: i64, k: usize) -> Vec<i64> {
    (0..k)
        .map(|_| {
            let c = code % (n + 1);
            code /= n + 1;
            c
        })
        .collect()
}
fn multinomial_code_pmf(code: i64, p: &[f64], logit: bool) -> f64 {
    let n = p[0] as i64;
    let y = decode(code, n, p.len() - 1);
    if y.iter().sum::<i64>() != n {
        return 0.0;
    }
    let lp = if logit {
        multinomial_logit_lpmf(&y, d(&p[1..]), false)
    } else {
        multinomial_lpmf(&y, d(&p[1..]), false)
    };
    ok(lp).exp()
}
fn multinomial_support(p: &[f64]) -> (i64, i64) {
    let n = p[0] as i64;
    (0, (n + 1).pow(p.len() as u32 - 1) - 1)
}

fn discrete() -> Vec<Discrete> {
    let nonneg: fn(&[f64]) -> (i64, i64) = |_| (0, i64::MAX);
    vec![
        Discrete {
            name: "bernoulli",
            draw: |p, r| bernoulli_rng(p[0], r),
            pmf: |k, p| pm2(bernoulli_lpmf, k, p),
            support: |_| (0, 1),
            settings: &[&[0.3], &[0.999], &[0.01]],
            invalid: &[&[-0.1], &[1.1], &[f64::INFINITY]],
        },
        Discrete {
            name: "bernoulli_logit",
            draw: |p, r| bernoulli_logit_rng(p[0], r),
            pmf: |k, p| pm2(bernoulli_logit_lpmf, k, p),
            support: |_| (0, 1),
            settings: &[&[0.0], &[-4.0], &[6.0]],
            invalid: &[],
        },
        Discrete {
            name: "binomial",
            draw: |p, r| binomial_rng(p[0] as i64, p[1], r),
            pmf: |k, p| ok(binomial_lpmf(&[k], &ints(&p[0..1]), d(&p[1..2]), false)).exp(),
            support: |p| (0, p[0] as i64),
            settings: &[
                &[10.0, 0.3],
                &[1.0, 0.5],
                &[1000.0, 0.002],
                &[500.0, 0.97],
                &[100_000.0, 0.4],
            ],
            invalid: &[&[-1.0, 0.5], &[10.0, -0.1], &[10.0, 1.5]],
        },
        Discrete {
            name: "beta_binomial",
            draw: |p, r| beta_binomial_rng(p[0] as i64, p[1], p[2], r),
            pmf: |k, p| {
                ok(beta_binomial_lpmf(
                    &[k],
                    &ints(&p[0..1]),
                    d(&p[1..2]),
                    d(&p[2..3]),
                    false,
                ))
                .exp()
            },
            support: |p| (0, p[0] as i64),
            settings: &[
                &[10.0, 2.0, 3.0],
                &[20.0, 0.05, 0.05],
                &[50.0, 100.0, 0.5],
                &[5.0, 0.01, 1.0],
            ],
            invalid: &[
                &[-1.0, 1.0, 1.0],
                &[10.0, 0.0, 1.0],
                &[10.0, 1.0, -1.0],
                &[10.0, 1.0, f64::INFINITY],
            ],
        },
        Discrete {
            name: "hypergeometric",
            draw: |p, r| hypergeometric_rng(p[0] as i64, p[1] as i64, p[2] as i64, r),
            pmf: |k, p| {
                let [n, a, b] = [p[0] as i64, p[1] as i64, p[2] as i64];
                if k < (n - b).max(0) || k > n.min(a) {
                    return 0.0;
                }
                ok(hypergeometric_lpmf(k, n, a, b)).exp()
            },
            support: |p| {
                let [n, a, b] = [p[0] as i64, p[1] as i64, p[2] as i64];
                ((n - b).max(0), n.min(a))
            },
            settings: &[
                &[5.0, 10.0, 8.0],
                &[20.0, 15.0, 6.0],
                &[300.0, 1000.0, 2000.0],
                &[3.0, 1.0, 100.0],
            ],
            invalid: &[
                &[-1.0, 5.0, 5.0],
                &[11.0, 5.0, 5.0],
                &[1.0, -1.0, 5.0],
                &[1.0, 5.0, -1.0],
            ],
        },
        Discrete {
            name: "categorical",
            draw: |p, r| categorical_rng(p, r),
            pmf: |k, p| ok(categorical_lpmf(&[k], d(p), false)).exp(),
            support: |p| (1, p.len() as i64),
            settings: &[&[0.2, 0.5, 0.3], &[1.0], &[0.001, 0.009, 0.09, 0.9]],
            invalid: &[&[], &[0.5, 0.6], &[-0.1, 1.1], &[0.5, f64::NAN]],
        },
        Discrete {
            name: "categorical_logit",
            draw: |p, r| categorical_logit_rng(p, r),
            pmf: |k, p| ok(categorical_logit_lpmf(&[k], d(p), false)).exp(),
            support: |p| (1, p.len() as i64),
            settings: &[
                &[0.0, 1.0, -1.0],
                &[700.0, 701.0],
                &[-5.0, 0.0, 0.0, 3.0, -2.0],
            ],
            invalid: &[&[], &[0.0, f64::INFINITY]],
        },
        Discrete {
            name: "multinomial",
            draw: |p, r| {
                let n = p[0] as i64;
                multinomial_rng(&p[1..], n, r).map(|c| encode(&c, n))
            },
            pmf: |code, p| multinomial_code_pmf(code, p, false),
            support: multinomial_support,
            settings: &[&[4.0, 0.2, 0.5, 0.3], &[1.0, 0.6, 0.4], &[10.0, 0.01, 0.99]],
            invalid: &[
                &[-1.0, 0.5, 0.5],
                &[2.0, 0.5, 0.6],
                &[2.0, -0.5, 1.5],
                &[2.0],
                &[0.0, 0.5, 0.6],
            ],
        },
        Discrete {
            name: "multinomial_logit",
            draw: |p, r| {
                let n = p[0] as i64;
                multinomial_logit_rng(&p[1..], n, r).map(|c| encode(&c, n))
            },
            pmf: |code, p| multinomial_code_pmf(code, p, true),
            support: multinomial_support,
            settings: &[&[4.0, 0.0, 1.0, -1.0], &[6.0, 300.0, 301.0]],
            invalid: &[&[-1.0, 0.0, 0.0], &[2.0, 0.0, f64::INFINITY], &[2.0]],
        },
        Discrete {
            name: "ordered_logistic",
            draw: |p, r| ordered_logistic_rng(p[0], &p[1..], r),
            pmf: |k, p| ok(ordered_logistic_lpmf(&[k], d(&p[0..1]), cuts(p), false)).exp(),
            support: |p| (1, p.len() as i64),
            settings: &[
                &[0.0, -1.0, 0.5, 2.0],
                &[3.0, -2.0],
                &[-1.0, -0.2, -0.1, 0.0, 4.0],
            ],
            invalid: &[
                &[0.0, 1.0, 0.0],
                &[f64::INFINITY, 0.0],
                &[0.0, f64::NEG_INFINITY, 0.0],
            ],
        },
        Discrete {
            name: "ordered_probit",
            draw: |p, r| ordered_probit_rng(p[0], &p[1..], r),
            pmf: |k, p| ok(ordered_probit_lpmf(&[k], d(&p[0..1]), cuts(p), false)).exp(),
            support: |p| (1, p.len() as i64),
            settings: &[
                &[0.0, -1.0, 0.5, 2.0],
                &[3.0, -2.0],
                &[-1.0, -0.2, -0.1, 0.0, 4.0],
            ],
            invalid: &[
                &[0.0, 1.0, 0.0],
                &[f64::INFINITY, 0.0],
                &[0.0, 0.0, f64::INFINITY],
            ],
        },
        Discrete {
            name: "poisson",
            draw: |p, r| poisson_rng(p[0], r),
            pmf: |k, p| pm2(poisson_lpmf, k, p),
            support: nonneg,
            settings: &[&[3.0], &[0.01], &[15.5], &[5000.0], &[1e8]],
            invalid: &[&[-1.0], &[f64::INFINITY], &[2e9]],
        },
        Discrete {
            name: "poisson_log",
            draw: |p, r| poisson_log_rng(p[0], r),
            pmf: |k, p| pm2(poisson_log_lpmf, k, p),
            support: nonneg,
            settings: &[&[0.0], &[-4.0], &[7.0]],
            invalid: &[&[f64::INFINITY], &[30.0]],
        },
        Discrete {
            name: "neg_binomial",
            draw: |p, r| neg_binomial_rng(p[0], p[1], r),
            pmf: |k, p| pm3(neg_binomial_lpmf, k, p),
            support: nonneg,
            settings: &[&[2.0, 0.5], &[0.1, 0.01], &[100.0, 10.0], &[5.0, 100.0]],
            invalid: &[
                &[0.0, 1.0],
                &[1.0, 0.0],
                &[-1.0, 1.0],
                &[1.0, f64::INFINITY],
            ],
        },
        Discrete {
            name: "neg_binomial_2",
            draw: |p, r| neg_binomial_2_rng(p[0], p[1], r),
            pmf: |k, p| pm3(neg_binomial_2_lpmf, k, p),
            support: nonneg,
            settings: &[&[4.0, 2.0], &[100.0, 0.1], &[0.5, 1000.0], &[20.0, 1e6]],
            invalid: &[&[0.0, 1.0], &[1.0, 0.0], &[-1.0, 1.0], &[1.0, -1.0]],
        },
        Discrete {
            name: "neg_binomial_2_log",
            draw: |p, r| neg_binomial_2_log_rng(p[0], p[1], r),
            pmf: |k, p| pm3(neg_binomial_2_log_lpmf, k, p),
            support: nonneg,
            settings: &[&[1.0, 2.0], &[-3.0, 0.5], &[5.0, 30.0]],
            invalid: &[&[f64::INFINITY, 1.0], &[0.0, 0.0], &[0.0, -1.0]],
        },
    ]
}

/// The seed of one test, from the family's name and the setting's index,
/// so that adding a row does not change the draws of the others.
fn seed(name: &str, index: usize) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    }) ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// P(D_n > d) for the one-sample KS statistic, with Stephens' small-sample correction.
fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    let mut p = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = 2.0 * (-2.0 * k * k * lambda * lambda).exp();
        p += if k as i64 % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    p.clamp(0.0, 1.0)
}

/// The KS test of one setting: returns a failure message, if any.
fn ks_test(c: &Continuous, index: usize, p: &[f64]) -> Option<String> {
    let mut rng = StdRng::seed_from_u64(seed(c.name, index));
    let mut xs = Vec::with_capacity(KS_DRAWS);
    for _ in 0..KS_DRAWS {
        match (c.draw)(p, &mut rng) {
            Ok(x) if !x.is_nan() => xs.push(x),
            other => return Some(format!("{}_rng{p:?} drew {other:?}", c.name)),
        }
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let mut dmax = 0.0f64;
    for (i, x) in xs.iter().enumerate() {
        let f = (c.cdf)(*x, p);
        if !(0.0..=1.0).contains(&f) {
            return Some(format!(
                "{}{p:?}: CDF({x}) = {f} (draw outside the support?)",
                c.name
            ));
        }
        dmax = dmax.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    let pv = ks_p_value(dmax, xs.len());
    (pv < ALPHA).then(|| format!("{}_rng{p:?}: KS D = {dmax:.5}, p = {pv:.3e}", c.name))
}

/// The chi-square test of one setting: returns a failure message, if any.
fn chi_square_test(t: &Discrete, index: usize, p: &[f64]) -> Option<String> {
    let (lo, hi) = (t.support)(p);
    // Bins of consecutive outcomes: (last outcome in the bin, probability).
    let n = CHI_DRAWS as f64;
    let mut bins: Vec<(i64, f64)> = Vec::new();
    let (mut covered, mut cur) = (0.0, 0.0);
    let mut k = lo;
    while k <= hi && covered + cur < 1.0 - 1e-12 && k - lo < 2_000_000 {
        cur += (t.pmf)(k, p);
        if cur * n >= 5.0 {
            bins.push((k, cur));
            covered += cur;
            cur = 0.0;
        }
        k += 1;
    }
    // The last bin takes the rest of the mass; merge it if it is too small.
    let rest = (1.0 - covered).max(0.0);
    match bins.last_mut() {
        Some(last) if rest * n < 5.0 => {
            last.0 = hi;
            last.1 += rest;
        }
        _ => bins.push((hi, rest)),
    }
    let mut observed = vec![0.0; bins.len()];
    let mut rng = StdRng::seed_from_u64(seed(t.name, index));
    for _ in 0..CHI_DRAWS {
        let x = match (t.draw)(p, &mut rng) {
            Ok(x) => x,
            Err(e) => return Some(format!("{}_rng{p:?} failed: {e}", t.name)),
        };
        if x < lo || x > hi {
            return Some(format!(
                "{}_rng{p:?} drew {x}, outside [{lo}, {hi}]",
                t.name
            ));
        }
        let b = bins.partition_point(|(last, _)| *last < x);
        observed[b] += 1.0;
    }
    if bins.len() < 2 {
        return None; // a point mass: every draw was checked to be in the support
    }
    let chi2: f64 = bins
        .iter()
        .zip(&observed)
        .map(|((_, q), o)| (o - n * q).powi(2) / (n * q))
        .sum();
    let df = (bins.len() - 1) as f64;
    let pv = gamma_q(0.5 * df, 0.5 * chi2);
    (pv < ALPHA).then(|| {
        format!(
            "{}_rng{p:?}: chi-square {chi2:.1} on {df} df, p = {pv:.3e}",
            t.name
        )
    })
}

#[test]
fn continuous_rngs_pass_ks_tests() {
    let failures: Vec<String> = continuous()
        .iter()
        .flat_map(|c| {
            c.settings
                .iter()
                .enumerate()
                .filter_map(move |(i, p)| ks_test(c, i, p))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn discrete_rngs_pass_chi_square_tests() {
    let failures: Vec<String> = discrete()
        .iter()
        .flat_map(|t| {
            t.settings
                .iter()
                .enumerate()
                .filter_map(move |(i, p)| chi_square_test(t, i, p))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_false_alarm_budget_holds() {
    let n: usize = continuous().iter().map(|c| c.settings.len()).sum::<usize>()
        + discrete().iter().map(|t| t.settings.len()).sum::<usize>();
    assert!(
        n <= MAX_TESTS,
        "{n} tests: raise MAX_TESTS and restate the overall rate"
    );
}

/// Invalid arguments: the listed ones, and every valid setting with one
/// argument replaced by NaN, must give an `Err`, and nothing may panic.
#[test]
fn invalid_arguments_give_domain_errors() {
    let mut failures = Vec::new();
    let mut check = |name: &str, p: &[f64], r: std::thread::Result<bool>| match r {
        Ok(true) => {}
        Ok(false) => failures.push(format!("{name}_rng{p:?} accepted invalid arguments")),
        Err(_) => failures.push(format!("{name}_rng{p:?} panicked")),
    };
    let mut rng = StdRng::seed_from_u64(7);
    let nan_variants = |settings: &[Params]| -> Vec<Vec<f64>> {
        settings
            .iter()
            .flat_map(|p| {
                (0..p.len()).map(move |i| {
                    let mut q = p.to_vec();
                    q[i] = f64::NAN;
                    q
                })
            })
            .collect()
    };
    for c in continuous() {
        let mut cases: Vec<Vec<f64>> = c.invalid.iter().map(|p| p.to_vec()).collect();
        cases.extend(nan_variants(c.settings));
        for p in cases {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (c.draw)(&p, &mut rng).is_err()
            }));
            check(c.name, &p, r);
        }
    }
    for t in discrete() {
        // Int arguments cannot be NaN: `as i64` would make them 0.
        let int_args = match t.name {
            "binomial" | "beta_binomial" | "multinomial" | "multinomial_logit" => 1,
            "hypergeometric" => 3,
            _ => 0,
        };
        let mut cases: Vec<Vec<f64>> = t.invalid.iter().map(|p| p.to_vec()).collect();
        cases.extend(
            nan_variants(t.settings)
                .into_iter()
                .filter(|q| q.iter().take(int_args).all(|x| !x.is_nan())),
        );
        for p in cases {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (t.draw)(&p, &mut rng).is_err()
            }));
            check(t.name, &p, r);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Awkward arguments (zeros, infinities, tiny and huge values, extreme
/// ints) never panic or hang, and an `Ok` real draw is never NaN.
#[test]
fn awkward_arguments_never_panic() {
    let reals = [
        f64::NAN,
        f64::NEG_INFINITY,
        -1.0,
        0.0,
        1e-300,
        0.5,
        1.0,
        1e300,
        f64::INFINITY,
    ];
    let int_values = [-1i64, 0, 1, 7, 1 << 40, i64::MAX];
    let mut rng = StdRng::seed_from_u64(11);
    let mut failures = Vec::new();
    let grid = |arity: usize| -> Vec<Vec<f64>> {
        let mut out = vec![vec![]];
        for _ in 0..arity {
            out = out
                .into_iter()
                .flat_map(|v| {
                    reals.iter().map(move |x| {
                        let mut w = v.clone();
                        w.push(*x);
                        w
                    })
                })
                .collect();
        }
        out
    };
    for c in continuous() {
        let arity = c.settings[0].len();
        for p in grid(arity) {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (c.draw)(&p, &mut rng)))
            {
                Err(_) => failures.push(format!("{}_rng{p:?} panicked", c.name)),
                Ok(Ok(x)) if x.is_nan() => failures.push(format!("{}_rng{p:?} drew NaN", c.name)),
                Ok(_) => {}
            }
        }
    }
    let mut try_int = |name: &str, f: &dyn Fn(&mut StdRng) -> Result<i64, DomainError>| {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut rng))).is_err() {
            failures.push(format!("{name} panicked"));
        }
    };
    for &n in &int_values {
        for &x in &reals {
            try_int(&format!("binomial_rng({n}, {x})"), &|r| {
                binomial_rng(n, x, r)
            });
            for &y in &reals {
                try_int(&format!("beta_binomial_rng({n}, {x}, {y})"), &|r| {
                    beta_binomial_rng(n, x, y, r)
                });
            }
            let theta = [x, 0.5];
            try_int(&format!("multinomial_rng({theta:?}, {n})"), &|r| {
                multinomial_rng(&theta, n, r).map(|_| 0)
            });
            try_int(&format!("multinomial_logit_rng({theta:?}, {n})"), &|r| {
                multinomial_logit_rng(&theta, n, r).map(|_| 0)
            });
        }
        for &a in &int_values {
            for &b in &int_values {
                try_int(&format!("hypergeometric_rng({n}, {a}, {b})"), &|r| {
                    hypergeometric_rng(n, a, b, r)
                });
            }
        }
    }
    for &x in &reals {
        for &y in &reals {
            let v = [x, y];
            try_int(&format!("categorical_rng({v:?})"), &|r| {
                categorical_rng(&v, r)
            });
            try_int(&format!("categorical_logit_rng({v:?})"), &|r| {
                categorical_logit_rng(&v, r)
            });
            try_int(&format!("ordered_logistic_rng({x}, [{y}])"), &|r| {
                ordered_logistic_rng(x, &[y], r)
            });
            try_int(&format!("ordered_probit_rng({x}, [{y}])"), &|r| {
                ordered_probit_rng(x, &[y], r)
            });
            try_int(&format!("neg_binomial_rng({x}, {y})"), &|r| {
                neg_binomial_rng(x, y, r)
            });
            try_int(&format!("neg_binomial_2_rng({x}, {y})"), &|r| {
                neg_binomial_2_rng(x, y, r)
            });
            try_int(&format!("neg_binomial_2_log_rng({x}, {y})"), &|r| {
                neg_binomial_2_log_rng(x, y, r)
            });
        }
        try_int(&format!("bernoulli_rng({x})"), &|r| bernoulli_rng(x, r));
        try_int(&format!("bernoulli_logit_rng({x})"), &|r| {
            bernoulli_logit_rng(x, r)
        });
        try_int(&format!("poisson_rng({x})"), &|r| poisson_rng(x, r));
        try_int(&format!("poisson_log_rng({x})"), &|r| poisson_log_rng(x, r));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// von_mises_cdf (Stan's convention: support [-pi, pi] whatever mu is)
/// against quadrature: to 1e-7 (the accuracy of the interpolated quadrature
/// table) where Stan uses its series (kappa < 49), to
/// 2e-3 where it uses a normal approximation (kappa >= 50); and its lcdf,
/// lccdf and y- and mu-partials agree.
#[test]
fn von_mises_cdf_matches_quadrature() {
    // The cumulative of the centered density, extended periodically.
    let g = |x: f64, k: f64| {
        let turns = ((x + PI) / (2.0 * PI)).floor();
        turns + von_mises_centered_cdf((x + PI).rem_euclid(2.0 * PI) - PI, k)
    };
    for (k, tol) in [
        (0.01, 1e-7),
        (1.0, 1e-7),
        (8.0, 1e-7),
        (40.0, 1e-7),
        (80.0, 2e-3),
        (1e3, 2e-3),
    ] {
        for mu in [-7.0, -2.5, 0.0, 1.0, 3.0, 10.0] {
            for y in [-3.1, -1.0, 0.0, 0.4, 2.0, 3.1] {
                let want = g(y - mu, k) - g(-PI - mu, k);
                let got = ok(von_mises_cdf(d(&[y]), d(&[mu]), d(&[k])));
                assert!(
                    (got - want).abs() <= tol,
                    "von_mises_cdf({y}, {mu}, {k}) = {got}, want {want}"
                );
                let lcdf = ok(von_mises_lcdf(d(&[y]), d(&[mu]), d(&[k])));
                let lccdf = ok(von_mises_lccdf(d(&[y]), d(&[mu]), d(&[k])));
                assert!(
                    (lcdf.exp() - got).abs() < 1e-12 && (lccdf.exp() - (1.0 - got)).abs() < 1e-12
                );
                let (mut dy, mut dmu) = ([0.0], [0.0]);
                von_mises_cdf(
                    RealArg::param(&[y], &mut dy),
                    RealArg::param(&[mu], &mut dmu),
                    d(&[k]),
                )
                .unwrap();
                let h = 1e-6;
                let fd = |f: &dyn Fn(f64) -> f64, x: f64| (f(x + h) - f(x - h)) / (2.0 * h);
                let cdf = |y: f64, mu: f64| ok(von_mises_cdf(d(&[y]), d(&[mu]), d(&[k])));
                let (fy, fmu) = (fd(&|t| cdf(t, mu), y), fd(&|t| cdf(y, t), mu));
                if k < 49.0 {
                    assert!(
                        (dy[0] - fy).abs() < 1e-6 * (1.0 + fy.abs()),
                        "d/dy at ({y}, {mu}, {k}): {} vs {fy}",
                        dy[0]
                    );
                    assert!(
                        (dmu[0] - fmu).abs() < 1e-6 * (1.0 + fmu.abs()),
                        "d/dmu at ({y}, {mu}, {k}): {} vs {fmu}",
                        dmu[0]
                    );
                }
            }
        }
    }
    for bad in [
        [4.0, 0.0, 1.0],
        [0.0, f64::NAN, 1.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, -1.0],
    ] {
        assert!(
            von_mises_cdf(d(&bad[0..1]), d(&bad[1..2]), d(&bad[2..3])).is_err(),
            "{bad:?}"
        );
    }
}

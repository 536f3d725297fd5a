//! Log densities of the univariate continuous distributions, vectorized, with partials (see the module docs of `distributions`).

use super::kernel::*;
use super::{DomainError, RealArg};
use crate::math::*;
use std::f64::consts::{LN_2, PI, SQRT_2};

type R = Result<f64, DomainError>;

/// log(erfc(v)), accurate for large v.
pub(crate) fn log_erfc(v: f64) -> f64 {
    if v < 5.0 {
        erfc(v).ln()
    } else {
        let mut f = v;
        for k in (1..60).rev() {
            f = v + (k as f64 / 2.0) / f;
        }
        -v * v - (PI.sqrt() * f).ln()
    }
}
/// d/dv log(erfc(v)).
pub(crate) fn log_erfc_deriv(v: f64) -> f64 {
    -(2.0 / PI.sqrt()) * (-v * v - log_erfc(v)).exp()
}

pub use super::normal_scalar_scale::normal_lpdf;

pub fn std_normal_lpdf<'a>(mut y: RealArg<'a>, propto: bool) -> R {
    const F: &str = "std_normal_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    density(F, [], [("y", &mut y)], propto, |c, [], [y], d| {
        d[0] = -y;
        -0.5 * y * y - if c.inc(&[]) { LOG_SQRT_TWO_PI } else { 0.0 }
    })
}

pub fn student_t_lpdf<'a>(
    mut y: RealArg<'a>,
    mut nu: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "student_t_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Degrees of freedom parameter", nu.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [
            ("y", &mut y),
            ("nu", &mut nu),
            ("mu", &mut mu),
            ("sigma", &mut sigma),
        ],
        propto,
        |c, [], [y, nu, mu, s], d| {
            let z = (y - mu) / s;
            let r = z * z / nu;
            let l1p = r.ln_1p();
            let mut lp = 0.0;
            if c.inc(&[]) {
                lp -= 0.5 * LOG_PI;
            }
            if c.inc(&[1]) {
                lp += c.once(0, &[1], || {
                    lgamma(0.5 * (nu + 1.0)) - lgamma(0.5 * nu) - 0.5 * nu.ln()
                });
            }
            if c.inc(&[3]) {
                lp -= c.once(1, &[3], || s.ln());
            }
            lp -= 0.5 * (nu + 1.0) * l1p;
            let common = (nu + 1.0) * z / (s * (nu + z * z));
            d[0] = -common;
            d[2] = common;
            d[3] = -1.0 / s + common * z;
            let dig = c.once(2, &[1], || {
                0.5 * (digamma(0.5 * (nu + 1.0)) - digamma(0.5 * nu)) - 0.5 / nu
            });
            d[1] = dig - 0.5 * l1p + 0.5 * (nu + 1.0) * r / (nu * (1.0 + r));
            lp
        },
    )
}

pub fn cauchy_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "cauchy_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, mu, s], d| {
            let z = (y - mu) / s;
            let mut lp = -(z * z).ln_1p();
            if c.inc(&[]) {
                lp -= LOG_PI;
            }
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || s.ln());
            }
            let g = 2.0 * z / (s * (1.0 + z * z));
            d[0] = -g;
            d[1] = g;
            d[2] = -1.0 / s + g * z;
            lp
        },
    )
}

pub fn double_exponential_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "double_exponential_lpdf";
    check_finite(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, mu, s], d| {
            let diff = y - mu;
            let mut lp = -diff.abs() / s;
            if c.inc(&[]) {
                lp -= LN_2;
            }
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || s.ln());
            }
            let sign = if diff > 0.0 {
                1.0
            } else if diff < 0.0 {
                -1.0
            } else {
                0.0
            };
            d[0] = -sign / s;
            d[1] = sign / s;
            d[2] = -1.0 / s + diff.abs() / (s * s);
            lp
        },
    )
}

pub fn logistic_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "logistic_lpdf";
    check_finite(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, mu, s], d| {
            let z = (y - mu) / s;
            let mut lp = -z - 2.0 * log1p_exp(-z);
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || s.ln());
            }
            let g = (1.0 - 2.0 * inv_logit(z)) / s;
            d[0] = g;
            d[1] = -g;
            d[2] = -1.0 / s - z * g;
            lp
        },
    )
}

pub fn gumbel_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "gumbel_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive(F, "Scale parameter", beta.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("beta", &mut beta)],
        propto,
        |c, [], [y, mu, b], d| {
            let z = (y - mu) / b;
            let e = (-z).exp();
            let mut lp = -z - e;
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || b.ln());
            }
            let g = (e - 1.0) / b;
            d[0] = g;
            d[1] = -g;
            d[2] = -1.0 / b - z * g;
            lp
        },
    )
}

pub fn skew_normal_lpdf<'a>(
    mut y: RealArg<'a>,
    mut xi: RealArg<'a>,
    mut omega: RealArg<'a>,
    mut alpha: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "skew_normal_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", xi.values)?;
    check_positive(F, "Scale parameter", omega.values)?;
    check_finite(F, "Shape parameter", alpha.values)?;
    density(
        F,
        [],
        [
            ("y", &mut y),
            ("xi", &mut xi),
            ("omega", &mut omega),
            ("alpha", &mut alpha),
        ],
        propto,
        |c, [], [y, xi, w, a], d| {
            let z = (y - xi) / w;
            let v = -a * z / SQRT_2;
            let mut lp = -0.5 * z * z + log_erfc(v);
            if c.inc(&[]) {
                lp -= 0.5 * (2.0 * PI).ln();
            }
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || w.ln());
            }
            // d/dz of log erfc(-a z / sqrt 2) = r * a, with r = phi(az)/Phi(az).
            let g = log_erfc_deriv(v) * (-1.0 / SQRT_2);
            d[0] = (-z + g * a) / w;
            d[1] = -d[0];
            d[2] = (-1.0 + z * z - g * a * z) / w;
            d[3] = g * z;
            lp
        },
    )
}

pub fn exp_mod_normal_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    mut lambda: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "exp_mod_normal_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    check_positive_finite(F, "Inv_scale parameter", lambda.values)?;
    density(
        F,
        [],
        [
            ("y", &mut y),
            ("mu", &mut mu),
            ("sigma", &mut sigma),
            ("lambda", &mut lambda),
        ],
        propto,
        |c, [], [y, mu, s, l], d| {
            let v = (mu + l * s * s - y) / (s * SQRT_2);
            let mut lp = l * (mu + 0.5 * l * s * s - y) + log_erfc(v);
            if c.inc(&[]) {
                lp -= LN_2;
            }
            if c.inc(&[3]) {
                lp += c.once(0, &[3], || l.ln());
            }
            let g = log_erfc_deriv(v);
            d[0] = -l - g / (s * SQRT_2);
            d[1] = l + g / (s * SQRT_2);
            d[2] = l * l * s + g * (-(mu - y) / (s * s * SQRT_2) + l / SQRT_2);
            d[3] = 1.0 / l + mu + l * s * s - y + g * s / SQRT_2;
            lp
        },
    )
}

pub fn lognormal_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "lognormal_lpdf";
    check_nonnegative(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    if y.values.iter().any(|&v| v == 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, mu, s], d| {
            let ly = y.ln();
            let z = (ly - mu) / s;
            // Kept even when `~` drops constants, as Stan's lognormal_lpdf
            // does (it adds this term outside `include_summand`): lp__ then
            // equals Stan's. `density` returns 0 before this when nothing is a parameter.
            let mut lp = -0.5 * z * z - LOG_SQRT_TWO_PI;
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || s.ln());
            }
            if c.inc(&[0]) {
                lp -= ly;
            }
            d[0] = -(1.0 + z / s) / y;
            d[1] = z / s;
            d[2] = (z * z - 1.0) / s;
            lp
        },
    )
}

pub fn chi_square_lpdf<'a>(mut y: RealArg<'a>, mut nu: RealArg<'a>, propto: bool) -> R {
    const F: &str = "chi_square_lpdf";
    check_nonnegative(F, "Random variable", y.values)?;
    check_positive_finite(F, "Degrees of freedom parameter", nu.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("nu", &mut nu)],
        propto,
        |c, [], [y, nu], d| {
            let ly = y.ln();
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp -= c.once(0, &[1], || 0.5 * nu * LN_2 + lgamma(0.5 * nu));
            }
            if c.inc(&[0, 1]) {
                lp += (0.5 * nu - 1.0) * ly;
            }
            if c.inc(&[0]) {
                lp -= 0.5 * y;
            }
            d[0] = (0.5 * nu - 1.0) / y - 0.5;
            d[1] = -0.5 * LN_2 - 0.5 * digamma(0.5 * nu) + 0.5 * ly;
            lp
        },
    )
}

pub fn inv_chi_square_lpdf<'a>(mut y: RealArg<'a>, mut nu: RealArg<'a>, propto: bool) -> R {
    const F: &str = "inv_chi_square_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Degrees of freedom parameter", nu.values)?;
    if y.values.iter().any(|&v| v <= 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("nu", &mut nu)],
        propto,
        |c, [], [y, nu], d| {
            let ly = y.ln();
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp -= c.once(0, &[1], || 0.5 * nu * LN_2 + lgamma(0.5 * nu));
            }
            if c.inc(&[0, 1]) {
                lp -= (0.5 * nu + 1.0) * ly;
            }
            if c.inc(&[0]) {
                lp -= 0.5 / y;
            }
            d[0] = -(0.5 * nu + 1.0) / y + 0.5 / (y * y);
            d[1] = -0.5 * LN_2 - 0.5 * digamma(0.5 * nu) - 0.5 * ly;
            lp
        },
    )
}

pub fn scaled_inv_chi_square_lpdf<'a>(
    mut y: RealArg<'a>,
    mut nu: RealArg<'a>,
    mut s: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "scaled_inv_chi_square_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Degrees of freedom parameter", nu.values)?;
    check_positive_finite(F, "Scale parameter", s.values)?;
    if y.values.iter().any(|&v| v <= 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("nu", &mut nu), ("s", &mut s)],
        propto,
        |c, [], [y, nu, s], d| {
            let ly = y.ln();
            let hn = 0.5 * nu;
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp += c.once(0, &[1], || hn * hn.ln() - lgamma(hn));
            }
            if c.inc(&[1, 2]) {
                lp += nu * s.ln();
            }
            if c.inc(&[0, 1]) {
                lp -= (hn + 1.0) * ly;
            }
            lp -= hn * s * s / y;
            d[0] = -(hn + 1.0) / y + hn * s * s / (y * y);
            d[1] = 0.5 * hn.ln() + 0.5 - 0.5 * digamma(hn) + s.ln() - 0.5 * ly - 0.5 * s * s / y;
            d[2] = nu / s - nu * s / y;
            lp
        },
    )
}

pub fn exponential_lpdf<'a>(mut y: RealArg<'a>, mut beta: RealArg<'a>, propto: bool) -> R {
    const F: &str = "exponential_lpdf";
    check_nonnegative(F, "Random variable", y.values)?;
    check_positive_finite(F, "Inverse scale parameter", beta.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("beta", &mut beta)],
        propto,
        |c, [], [y, b], d| {
            let mut lp = -b * y;
            if c.inc(&[1]) {
                lp += c.once(0, &[1], || b.ln());
            }
            d[0] = -b;
            d[1] = 1.0 / b - y;
            lp
        },
    )
}

pub fn gamma_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "gamma_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    check_positive_finite(F, "Inverse scale parameter", beta.values)?;
    if y.values.iter().any(|&v| v < 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [], [y, a, b], d| {
            let ly = y.ln();
            let lb = c.once(0, &[2], || b.ln());
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp -= c.once(1, &[1], || lgamma(a));
            }
            if c.inc(&[1, 2]) {
                lp += a * lb;
            }
            if c.inc(&[0, 1]) {
                lp += (a - 1.0) * ly;
            }
            lp -= b * y;
            d[0] = (a - 1.0) / y - b;
            d[1] = lb - c.once(2, &[1], || digamma(a)) + ly;
            d[2] = a / b - y;
            lp
        },
    )
}

pub fn inv_gamma_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "inv_gamma_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    check_positive_finite(F, "Scale parameter", beta.values)?;
    if y.values.iter().any(|&v| v <= 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [], [y, a, b], d| {
            let ly = y.ln();
            let lb = c.once(0, &[2], || b.ln());
            let mut lp = 0.0;
            if c.inc(&[1]) {
                lp -= c.once(1, &[1], || lgamma(a));
            }
            if c.inc(&[1, 2]) {
                lp += a * lb;
            }
            if c.inc(&[0, 1]) {
                lp -= (a + 1.0) * ly;
            }
            lp -= b / y;
            d[0] = -(a + 1.0) / y + b / (y * y);
            d[1] = lb - c.once(2, &[1], || digamma(a)) - ly;
            d[2] = a / b - 1.0 / y;
            lp
        },
    )
}

pub fn weibull_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "weibull_lpdf";
    check_finite(F, "Random variable", y.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    if y.values.iter().any(|&v| v < 0.0) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, a, s], d| {
            let lys = (y / s).ln();
            let w = (a * lys).exp();
            let mut lp = -w;
            if c.inc(&[1]) {
                lp += c.once(0, &[1], || a.ln());
            }
            if c.inc(&[2]) {
                lp -= c.once(1, &[2], || s.ln());
            }
            if c.inc(&[0, 1, 2]) {
                lp += (a - 1.0) * lys;
            }
            d[0] = (a - 1.0) / y - a * w / y;
            d[1] = 1.0 / a + (1.0 - w) * lys;
            d[2] = -a / s + a * w / s;
            lp
        },
    )
}

pub fn frechet_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut sigma: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "frechet_lpdf";
    check_positive(F, "Random variable", y.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    check_positive_finite(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, a, s], d| {
            let lsy = (s / y).ln();
            let w = (a * lsy).exp();
            let mut lp = -w;
            if c.inc(&[1]) {
                lp += c.once(0, &[1], || a.ln());
            }
            if c.inc(&[1, 2]) {
                lp += a * s.ln();
            }
            if c.inc(&[0, 1]) {
                lp -= (1.0 + a) * y.ln();
            }
            d[0] = -(1.0 + a) / y + a * w / y;
            d[1] = 1.0 / a + lsy * (1.0 - w);
            d[2] = a / s - a * w / s;
            lp
        },
    )
}

pub fn rayleigh_lpdf<'a>(mut y: RealArg<'a>, mut sigma: RealArg<'a>, propto: bool) -> R {
    const F: &str = "rayleigh_lpdf";
    check_nonnegative(F, "Random variable", y.values)?;
    check_positive(F, "Scale parameter", sigma.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("sigma", &mut sigma)],
        propto,
        |c, [], [y, s], d| {
            let mut lp = -0.5 * y * y / (s * s);
            if c.inc(&[1]) {
                lp -= c.once(0, &[1], || 2.0 * s.ln());
            }
            if c.inc(&[0]) {
                lp += y.ln();
            }
            d[0] = 1.0 / y - y / (s * s);
            d[1] = -2.0 / s + y * y / (s * s * s);
            lp
        },
    )
}

pub fn pareto_lpdf<'a>(
    mut y: RealArg<'a>,
    mut y_min: RealArg<'a>,
    mut alpha: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "pareto_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_positive_finite(F, "Scale parameter", y_min.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    let n = check_len(
        F,
        &[
            ("y", y.values.len()),
            ("y_min", y_min.values.len()),
            ("alpha", alpha.values.len()),
        ],
        &[],
    )?;
    if (0..n).any(|i| y.at(i) < y_min.at(i)) {
        return Ok(f64::NEG_INFINITY);
    }
    density(
        F,
        [],
        [("y", &mut y), ("y_min", &mut y_min), ("alpha", &mut alpha)],
        propto,
        |c, [], [y, ym, a], d| {
            let ly = y.ln();
            let mut lp = 0.0;
            if c.inc(&[2]) {
                lp += c.once(0, &[2], || a.ln());
            }
            if c.inc(&[1, 2]) {
                lp += a * ym.ln();
            }
            if c.inc(&[0, 2]) {
                lp -= (a + 1.0) * ly;
            }
            d[0] = -(a + 1.0) / y;
            d[1] = a / ym;
            d[2] = 1.0 / a + ym.ln() - ly;
            lp
        },
    )
}

pub fn pareto_type_2_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut lambda: RealArg<'a>,
    mut alpha: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "pareto_type_2_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_positive_finite(F, "Scale parameter", lambda.values)?;
    check_positive_finite(F, "Shape parameter", alpha.values)?;
    let n = check_len(
        F,
        &[
            ("y", y.values.len()),
            ("mu", mu.values.len()),
            ("lambda", lambda.values.len()),
            ("alpha", alpha.values.len()),
        ],
        &[],
    )?;
    if let Some(i) = (0..n).find(|&i| y.at(i) < mu.at(i)) {
        return Err(DomainError::new(
            F,
            format!(
                "Random variable is {}, but must be >= {}!",
                y.at(i),
                mu.at(i)
            ),
        ));
    }
    density(
        F,
        [],
        [
            ("y", &mut y),
            ("mu", &mut mu),
            ("lambda", &mut lambda),
            ("alpha", &mut alpha),
        ],
        propto,
        |c, [], [y, mu, l, a], d| {
            let t = (y - mu) / l;
            let l1p = t.ln_1p();
            let mut lp = -(a + 1.0) * l1p;
            if c.inc(&[3]) {
                lp += c.once(0, &[3], || a.ln());
            }
            if c.inc(&[2]) {
                lp -= c.once(1, &[2], || l.ln());
            }
            d[0] = -(a + 1.0) / (l * (1.0 + t));
            d[1] = -d[0];
            d[2] = -1.0 / l + (a + 1.0) * t / (l * (1.0 + t));
            d[3] = 1.0 / a - l1p;
            lp
        },
    )
}

pub fn beta_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "beta_lpdf";
    check_positive_finite(F, "First shape parameter", alpha.values)?;
    check_positive_finite(F, "Second shape parameter", beta.values)?;
    check_bounded(F, "Random variable", y.values, 0.0, 1.0)?;
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [], [y, a, b], d| {
            let ly = y.ln();
            let l1my = log1m(y);
            let mut lp = 0.0;
            if c.inc(&[1, 2]) {
                lp -= c.once(0, &[1, 2], || lbeta(a, b));
            }
            if c.inc(&[0, 1]) {
                lp += (a - 1.0) * ly;
            }
            if c.inc(&[0, 2]) {
                lp += (b - 1.0) * l1my;
            }
            let dab = c.once(1, &[1, 2], || digamma(a + b));
            d[0] = (a - 1.0) / y - (b - 1.0) / (1.0 - y);
            d[1] = ly - c.once(2, &[1], || digamma(a)) + dab;
            d[2] = l1my - c.once(3, &[2], || digamma(b)) + dab;
            lp
        },
    )
}

pub fn beta_proportion_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut kappa: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "beta_proportion_lpdf";
    check_bounded(F, "Location parameter", mu.values, 0.0, 1.0)?;
    if let Some(m) = mu.values.iter().find(|m| **m <= 0.0 || **m >= 1.0) {
        return Err(DomainError::new(
            F,
            format!("Location parameter is {m}, but must be in the interval (0, 1)!"),
        ));
    }
    check_positive_finite(F, "Precision parameter", kappa.values)?;
    check_bounded(F, "Random variable", y.values, 0.0, 1.0)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("kappa", &mut kappa)],
        propto,
        |c, [], [y, mu, k], d| {
            let a = mu * k;
            let b = (1.0 - mu) * k;
            let ly = y.ln();
            let l1my = log1m(y);
            let mut lp = 0.0;
            if c.inc(&[1, 2]) {
                lp -= c.once(0, &[1, 2], || lbeta(a, b));
            }
            lp += (a - 1.0) * ly + (b - 1.0) * l1my;
            let dab = digamma(k);
            let da = ly - digamma(a) + dab;
            let db = l1my - digamma(b) + dab;
            d[0] = (a - 1.0) / y - (b - 1.0) / (1.0 - y);
            d[1] = k * (da - db);
            d[2] = mu * da + (1.0 - mu) * db;
            lp
        },
    )
}

pub fn von_mises_lpdf<'a>(
    mut y: RealArg<'a>,
    mut mu: RealArg<'a>,
    mut kappa: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "von_mises_lpdf";
    check_finite(F, "Random variable", y.values)?;
    check_finite(F, "Location parameter", mu.values)?;
    check_nonnegative(F, "Scale parameter", kappa.values)?;
    check_finite(F, "Scale parameter", kappa.values)?;
    density(
        F,
        [],
        [("y", &mut y), ("mu", &mut mu), ("kappa", &mut kappa)],
        propto,
        |c, [], [y, mu, k], d| {
            let cs = (y - mu).cos();
            let mut lp = k * cs;
            if c.inc(&[]) {
                lp -= (2.0 * PI).ln();
            }
            if c.inc(&[2]) {
                lp -= c.once(0, &[2], || log_modified_bessel_first_kind(0.0, k));
            }
            let sn = (y - mu).sin();
            d[0] = -k * sn;
            d[1] = k * sn;
            d[2] = cs
                - c.once(1, &[2], || {
                    (log_modified_bessel_first_kind(1.0, k)
                        - log_modified_bessel_first_kind(0.0, k))
                    .exp()
                });
            lp
        },
    )
}

pub fn uniform_lpdf<'a>(
    mut y: RealArg<'a>,
    mut alpha: RealArg<'a>,
    mut beta: RealArg<'a>,
    propto: bool,
) -> R {
    const F: &str = "uniform_lpdf";
    check_not_nan(F, "Random variable", y.values)?;
    check_finite(F, "Lower bound parameter", alpha.values)?;
    check_finite(F, "Upper bound parameter", beta.values)?;
    let n = check_len(
        F,
        &[
            ("y", y.values.len()),
            ("alpha", alpha.values.len()),
            ("beta", beta.values.len()),
        ],
        &[],
    )?;
    for i in 0..n {
        if beta.at(i) <= alpha.at(i) {
            return Err(DomainError::new(
                F,
                format!(
                    "Upper bound parameter is {}, but must be greater than {}!",
                    beta.at(i),
                    alpha.at(i)
                ),
            ));
        }
        if y.at(i) < alpha.at(i) || y.at(i) > beta.at(i) {
            return Ok(f64::NEG_INFINITY);
        }
    }
    density(
        F,
        [],
        [("y", &mut y), ("alpha", &mut alpha), ("beta", &mut beta)],
        propto,
        |c, [], [_y, a, b], d| {
            let w = b - a;
            d[1] = 1.0 / w;
            d[2] = -1.0 / w;
            if c.inc(&[1, 2]) {
                -c.once(0, &[1, 2], || w.ln())
            } else {
                0.0
            }
        },
    )
}

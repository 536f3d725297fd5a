//! CDFs, log CDFs and log complementary CDFs of the univariate distributions, vectorized, with partials.
//!
//! Each family is a scalar function returning `(P, 1 - P)` (both computed
//! without cancellation where it matters) and the partials of P; the
//! `cdfs!` macro turns it into `_cdf`, `_lcdf` and `_lccdf`.

use super::continuous::{log_erfc, log_erfc_deriv};
use super::kernel::*;
use super::{DomainError, RealArg};
use crate::math::*;
use std::f64::consts::{PI, SQRT_2};

type R = Result<f64, DomainError>;

/// Defines `$cdf`, `$lcdf` and `$lccdf` over real arguments `$arg`s, with
/// `$check(function, [slices])` run first and `$scalar(x, d) -> (P, Q)` per element.
macro_rules! cdfs {
    ($cdf:ident, $lcdf:ident, $lccdf:ident, $check:expr, $scalar:expr, $($arg:ident),+) => {
        pub fn $cdf<'a>($(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($cdf);
            $check(F, [$($arg.values),+])?;
            cumulative(F, CdfKind::Cdf, [], [$((stringify!($arg), &mut $arg)),+], |[], x, d| $scalar(x, d))
        }
        pub fn $lcdf<'a>($(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($lcdf);
            $check(F, [$($arg.values),+])?;
            cumulative(F, CdfKind::Lcdf, [], [$((stringify!($arg), &mut $arg)),+], |[], x, d| $scalar(x, d))
        }
        pub fn $lccdf<'a>($(mut $arg: RealArg<'a>),+) -> R {
            const F: &str = stringify!($lccdf);
            $check(F, [$($arg.values),+])?;
            cumulative(F, CdfKind::Lccdf, [], [$((stringify!($arg), &mut $arg)),+], |[], x, d| $scalar(x, d))
        }
    };
}

type Check<const K: usize> = fn(&str, [&[f64]; K]) -> Result<(), DomainError>;

fn loc_scale(f: &str, [y, mu, s]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", s)
}
fn pos_shape_scale(f: &str, [y, a, b]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_nonnegative(f, "Random variable", y)?;
    check_positive_finite(f, "Shape parameter", a)?;
    check_positive_finite(f, "Scale parameter", b)
}
fn pos_one(f: &str, [y, nu]: [&[f64]; 2]) -> Result<(), DomainError> {
    check_nonnegative(f, "Random variable", y)?;
    check_positive_finite(f, "Parameter", nu)
}

fn normal_scalar([y, mu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let z = (y - mu) / s;
    let dens = phi_deriv(z) / s;
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    (0.5 * erfc(-z / SQRT_2), 0.5 * erfc(z / SQRT_2))
}
cdfs!(
    normal_cdf,
    normal_lcdf,
    normal_lccdf,
    loc_scale as Check<3>,
    normal_scalar,
    y,
    mu,
    sigma
);

fn std_normal_scalar([y]: [f64; 1], d: &mut [f64; 1]) -> (f64, f64) {
    d[0] = phi_deriv(y);
    (0.5 * erfc(-y / SQRT_2), 0.5 * erfc(y / SQRT_2))
}
fn check_y(f: &str, [y]: [&[f64]; 1]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)
}
cdfs!(
    std_normal_cdf,
    std_normal_lcdf,
    std_normal_lccdf,
    check_y as Check<1>,
    std_normal_scalar,
    y
);

fn student_t_p(y: f64, nu: f64, mu: f64, s: f64) -> (f64, f64) {
    let t = (y - mu) / s;
    let x = nu / (nu + t * t);
    let tail = 0.5 * inc_beta(0.5 * nu, 0.5, x);
    if t < 0.0 {
        (tail, 1.0 - tail)
    } else {
        (1.0 - tail, tail)
    }
}
fn student_t_scalar([y, nu, mu, s]: [f64; 4], d: &mut [f64; 4]) -> (f64, f64) {
    let t = (y - mu) / s;
    let lpdf = lgamma(0.5 * (nu + 1.0))
        - lgamma(0.5 * nu)
        - 0.5 * (nu * PI).ln()
        - s.ln()
        - 0.5 * (nu + 1.0) * (t * t / nu).ln_1p();
    let dens = lpdf.exp();
    d[0] = dens;
    d[2] = -dens;
    d[3] = -dens * t;
    d[1] = richardson_pub(|v| student_t_p(y, v, mu, s).0, nu);
    student_t_p(y, nu, mu, s)
}
fn student_t_check(f: &str, [y, nu, mu, s]: [&[f64]; 4]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_positive_finite(f, "Degrees of freedom parameter", nu)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", s)
}
cdfs!(
    student_t_cdf,
    student_t_lcdf,
    student_t_lccdf,
    student_t_check as Check<4>,
    student_t_scalar,
    y,
    nu,
    mu,
    sigma
);

fn cauchy_scalar([y, mu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let z = (y - mu) / s;
    let dens = 1.0 / (PI * s * (1.0 + z * z));
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    (1.0f64.atan2(-z) / PI, 1.0f64.atan2(z) / PI)
}
cdfs!(
    cauchy_cdf,
    cauchy_lcdf,
    cauchy_lccdf,
    loc_scale as Check<3>,
    cauchy_scalar,
    y,
    mu,
    sigma
);

fn double_exponential_scalar([y, mu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let z = (y - mu) / s;
    let dens = 0.5 * (-z.abs()).exp() / s;
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    if z < 0.0 {
        let p = 0.5 * z.exp();
        (p, 1.0 - p)
    } else {
        let q = 0.5 * (-z).exp();
        (1.0 - q, q)
    }
}
cdfs!(
    double_exponential_cdf,
    double_exponential_lcdf,
    double_exponential_lccdf,
    loc_scale as Check<3>,
    double_exponential_scalar,
    y,
    mu,
    sigma
);

fn logistic_scalar([y, mu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let z = (y - mu) / s;
    let p = inv_logit(z);
    let q = inv_logit(-z);
    let dens = p * q / s;
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    (p, q)
}
cdfs!(
    logistic_cdf,
    logistic_lcdf,
    logistic_lccdf,
    loc_scale as Check<3>,
    logistic_scalar,
    y,
    mu,
    sigma
);

fn gumbel_scalar([y, mu, b]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let z = (y - mu) / b;
    let e = (-z).exp();
    let p = (-e).exp();
    let dens = p * e / b;
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    (p, -(-e).exp_m1())
}
cdfs!(
    gumbel_cdf,
    gumbel_lcdf,
    gumbel_lccdf,
    loc_scale as Check<3>,
    gumbel_scalar,
    y,
    mu,
    beta
);

fn skew_normal_scalar([y, xi, w, a]: [f64; 4], d: &mut [f64; 4]) -> (f64, f64) {
    let z = (y - xi) / w;
    let t = owens_t(z, a);
    let dens = 2.0 / w * phi_deriv(z) * phi(a * z);
    d[0] = dens;
    d[1] = -dens;
    d[2] = -dens * z;
    d[3] = -2.0 * (-0.5 * z * z * (1.0 + a * a)).exp() / (2.0 * PI * (1.0 + a * a));
    (phi(z) - 2.0 * t, phi(-z) + 2.0 * t)
}
fn skew_normal_check(f: &str, [y, xi, w, a]: [&[f64]; 4]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_finite(f, "Location parameter", xi)?;
    check_positive(f, "Scale parameter", w)?;
    check_finite(f, "Shape parameter", a)
}
cdfs!(
    skew_normal_cdf,
    skew_normal_lcdf,
    skew_normal_lccdf,
    skew_normal_check as Check<4>,
    skew_normal_scalar,
    y,
    xi,
    omega,
    alpha
);

fn exp_mod_normal_pq(y: f64, mu: f64, s: f64, l: f64) -> (f64, f64) {
    let u = (y - mu) / s;
    // exp(-l (y - mu) + l^2 s^2 / 2) * Phi(u - l s), in logs: Phi(v) = erfc(-v/sqrt2)/2.
    let v = u - l * s;
    let log_term =
        -l * (y - mu) + 0.5 * l * l * s * s + log_erfc(-v / SQRT_2) - std::f64::consts::LN_2;
    let term = log_term.exp();
    (phi(u) - term, phi(-u) + term)
}
fn exp_mod_normal_scalar([y, mu, s, l]: [f64; 4], d: &mut [f64; 4]) -> (f64, f64) {
    let v = (mu + l * s * s - y) / (s * SQRT_2);
    let lpdf = l.ln() + l * (mu + 0.5 * l * s * s - y) + log_erfc(v) - std::f64::consts::LN_2;
    let dens = lpdf.exp();
    d[0] = dens;
    d[1] = -dens;
    d[2] = richardson_pub(|t| exp_mod_normal_pq(y, mu, t, l).0, s);
    d[3] = richardson_pub(|t| exp_mod_normal_pq(y, mu, s, t).0, l);
    let _ = log_erfc_deriv;
    exp_mod_normal_pq(y, mu, s, l)
}
fn exp_mod_normal_check(f: &str, [y, mu, s, l]: [&[f64]; 4]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", s)?;
    check_positive_finite(f, "Inv_scale parameter", l)
}
cdfs!(
    exp_mod_normal_cdf,
    exp_mod_normal_lcdf,
    exp_mod_normal_lccdf,
    exp_mod_normal_check as Check<4>,
    exp_mod_normal_scalar,
    y,
    mu,
    sigma,
    lambda
);

fn lognormal_scalar([y, mu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    if y == 0.0 {
        return (0.0, 1.0);
    }
    let z = (y.ln() - mu) / s;
    let dens = phi_deriv(z) / s;
    d[0] = dens / y;
    d[1] = -dens;
    d[2] = -dens * z;
    (0.5 * erfc(-z / SQRT_2), 0.5 * erfc(z / SQRT_2))
}
fn lognormal_check(f: &str, [y, mu, s]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_nonnegative(f, "Random variable", y)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", s)
}
cdfs!(
    lognormal_cdf,
    lognormal_lcdf,
    lognormal_lccdf,
    lognormal_check as Check<3>,
    lognormal_scalar,
    y,
    mu,
    sigma
);

fn chi_square_scalar([y, nu]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    let [da, dx] = gamma_p_grad(0.5 * nu, 0.5 * y);
    d[0] = 0.5 * dx;
    d[1] = 0.5 * da;
    (gamma_p(0.5 * nu, 0.5 * y), gamma_q(0.5 * nu, 0.5 * y))
}
cdfs!(
    chi_square_cdf,
    chi_square_lcdf,
    chi_square_lccdf,
    pos_one as Check<2>,
    chi_square_scalar,
    y,
    nu
);

fn inv_chi_square_scalar([y, nu]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    let x = 0.5 / y;
    let [da, dx] = gamma_q_grad(0.5 * nu, x);
    d[0] = dx * (-0.5 / (y * y));
    d[1] = 0.5 * da;
    (gamma_q(0.5 * nu, x), gamma_p(0.5 * nu, x))
}
cdfs!(
    inv_chi_square_cdf,
    inv_chi_square_lcdf,
    inv_chi_square_lccdf,
    pos_one as Check<2>,
    inv_chi_square_scalar,
    y,
    nu
);

fn scaled_inv_chi_square_scalar([y, nu, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let x = nu * s * s / (2.0 * y);
    let [da, dx] = gamma_q_grad(0.5 * nu, x);
    d[0] = dx * (-x / y);
    d[1] = 0.5 * da + dx * x / nu;
    d[2] = dx * 2.0 * x / s;
    (gamma_q(0.5 * nu, x), gamma_p(0.5 * nu, x))
}
cdfs!(
    scaled_inv_chi_square_cdf,
    scaled_inv_chi_square_lcdf,
    scaled_inv_chi_square_lccdf,
    pos_shape_scale as Check<3>,
    scaled_inv_chi_square_scalar,
    y,
    nu,
    s
);

fn exponential_scalar([y, b]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    let q = (-b * y).exp();
    d[0] = b * q;
    d[1] = y * q;
    (-(-b * y).exp_m1(), q)
}
cdfs!(
    exponential_cdf,
    exponential_lcdf,
    exponential_lccdf,
    pos_one as Check<2>,
    exponential_scalar,
    y,
    beta
);

fn gamma_scalar([y, a, b]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let [da, dx] = gamma_p_grad(a, b * y);
    d[0] = dx * b;
    d[1] = da;
    d[2] = dx * y;
    (gamma_p(a, b * y), gamma_q(a, b * y))
}
cdfs!(
    gamma_cdf,
    gamma_lcdf,
    gamma_lccdf,
    pos_shape_scale as Check<3>,
    gamma_scalar,
    y,
    alpha,
    beta
);

fn inv_gamma_scalar([y, a, b]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let x = b / y;
    let [da, dx] = gamma_q_grad(a, x);
    d[0] = dx * (-b / (y * y));
    d[1] = da;
    d[2] = dx / y;
    (gamma_q(a, x), gamma_p(a, x))
}
cdfs!(
    inv_gamma_cdf,
    inv_gamma_lcdf,
    inv_gamma_lccdf,
    pos_shape_scale as Check<3>,
    inv_gamma_scalar,
    y,
    alpha,
    beta
);

fn weibull_scalar([y, a, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    if y == 0.0 {
        return (0.0, 1.0);
    }
    let l = (y / s).ln();
    let w = (a * l).exp();
    let q = (-w).exp();
    d[0] = q * a * w / y;
    d[1] = q * w * l;
    d[2] = -q * a * w / s;
    (-(-w).exp_m1(), q)
}
cdfs!(
    weibull_cdf,
    weibull_lcdf,
    weibull_lccdf,
    pos_shape_scale as Check<3>,
    weibull_scalar,
    y,
    alpha,
    sigma
);

fn frechet_scalar([y, a, s]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let l = (y / s).ln();
    let w = (-a * l).exp();
    let p = (-w).exp();
    d[0] = p * a * w / y;
    d[1] = p * w * l;
    d[2] = -p * a * w / s;
    (p, -(-w).exp_m1())
}
cdfs!(
    frechet_cdf,
    frechet_lcdf,
    frechet_lccdf,
    pos_shape_scale as Check<3>,
    frechet_scalar,
    y,
    alpha,
    sigma
);

fn rayleigh_scalar([y, s]: [f64; 2], d: &mut [f64; 2]) -> (f64, f64) {
    let w = 0.5 * y * y / (s * s);
    let q = (-w).exp();
    d[0] = q * y / (s * s);
    d[1] = -q * y * y / (s * s * s);
    (-(-w).exp_m1(), q)
}
cdfs!(
    rayleigh_cdf,
    rayleigh_lcdf,
    rayleigh_lccdf,
    pos_one as Check<2>,
    rayleigh_scalar,
    y,
    sigma
);

fn pareto_scalar([y, ym, a]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    if y < ym {
        return (0.0, 1.0);
    }
    let l = (ym / y).ln();
    let q = (a * l).exp();
    d[0] = q * a / y;
    d[1] = -q * a / ym;
    d[2] = -q * l;
    (-(a * l).exp_m1(), q)
}
fn pareto_check(f: &str, [y, ym, a]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_nonnegative(f, "Random variable", y)?;
    check_positive_finite(f, "Scale parameter", ym)?;
    check_positive_finite(f, "Shape parameter", a)
}
cdfs!(
    pareto_cdf,
    pareto_lcdf,
    pareto_lccdf,
    pareto_check as Check<3>,
    pareto_scalar,
    y,
    y_min,
    alpha
);

fn pareto_type_2_scalar([y, mu, l, a]: [f64; 4], d: &mut [f64; 4]) -> (f64, f64) {
    let t = (y - mu) / l;
    let l1p = t.ln_1p();
    let q = (-a * l1p).exp();
    let dt = a * q / (1.0 + t);
    d[0] = dt / l;
    d[1] = -dt / l;
    d[2] = -dt * t / l;
    d[3] = q * l1p;
    (-(-a * l1p).exp_m1(), q)
}
fn pareto_type_2_check(f: &str, [y, mu, l, a]: [&[f64]; 4]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", l)?;
    check_positive_finite(f, "Shape parameter", a)
}
cdfs!(
    pareto_type_2_cdf,
    pareto_type_2_lcdf,
    pareto_type_2_lccdf,
    pareto_type_2_check as Check<4>,
    pareto_type_2_scalar,
    y,
    mu,
    lambda,
    alpha
);

fn beta_scalar([y, a, b]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let [da, db, dx] = inc_beta_grad(a, b, y);
    d[0] = dx;
    d[1] = da;
    d[2] = db;
    (inc_beta(a, b, y), inc_beta(b, a, 1.0 - y))
}
fn beta_check(f: &str, [y, a, b]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_bounded(f, "Random variable", y, 0.0, 1.0)?;
    check_positive_finite(f, "First shape parameter", a)?;
    check_positive_finite(f, "Second shape parameter", b)
}
cdfs!(
    beta_cdf,
    beta_lcdf,
    beta_lccdf,
    beta_check as Check<3>,
    beta_scalar,
    y,
    alpha,
    beta
);

fn beta_proportion_scalar([y, mu, k]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let (a, b) = (mu * k, (1.0 - mu) * k);
    let [da, db, dx] = inc_beta_grad(a, b, y);
    d[0] = dx;
    d[1] = k * (da - db);
    d[2] = mu * da + (1.0 - mu) * db;
    (inc_beta(a, b, y), inc_beta(b, a, 1.0 - y))
}
fn beta_proportion_check(f: &str, [y, mu, k]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_bounded(f, "Random variable", y, 0.0, 1.0)?;
    check_bounded(f, "Location parameter", mu, 0.0, 1.0)?;
    check_positive_finite(f, "Precision parameter", k)
}
cdfs!(
    beta_proportion_cdf,
    beta_proportion_lcdf,
    beta_proportion_lccdf,
    beta_proportion_check as Check<3>,
    beta_proportion_scalar,
    y,
    mu,
    kappa
);

fn uniform_scalar([y, a, b]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    if y < a {
        return (0.0, 1.0);
    }
    if y > b {
        return (1.0, 0.0);
    }
    let w = b - a;
    d[0] = 1.0 / w;
    d[1] = (y - b) / (w * w);
    d[2] = -(y - a) / (w * w);
    ((y - a) / w, (b - y) / w)
}
fn uniform_check(f: &str, [y, a, b]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_not_nan(f, "Random variable", y)?;
    check_finite(f, "Lower bound parameter", a)?;
    check_finite(f, "Upper bound parameter", b)
}
cdfs!(
    uniform_cdf,
    uniform_lcdf,
    uniform_lccdf,
    uniform_check as Check<3>,
    uniform_scalar,
    y,
    alpha,
    beta
);

/// The von Mises CDF on [-pi, pi] with mean 0, as Stan (after SciPy)
/// computes it: a backward-recursion series below kappa = 49, a normal
/// approximation from 50, and a linear blend between.
fn von_mises_centered(x: f64, k: f64) -> f64 {
    fn series(x: f64, k: f64) -> f64 {
        let p = (28.0 + 0.5 * k - 100.0 / (k + 5.0) + 1.0) as i64;
        let (s, c) = x.sin_cos();
        let (mut sn, mut cn) = ((p as f64) * x).sin_cos();
        let (mut r, mut v) = (0.0, 0.0);
        for n in 1..p {
            let m = (p - n) as f64;
            let sn_next = sn * c - cn * s;
            cn = cn * c + sn * s;
            sn = sn_next;
            r = 1.0 / (2.0 * m / k + r);
            v = r * (sn / m + v);
        }
        0.5 + x / (2.0 * PI) + v / PI
    }
    fn normal_approx(x: f64, k: f64) -> f64 {
        // b = sqrt(2 / pi) e^k / I0(k), on the log scale to avoid overflow.
        let b = (2.0 / PI).sqrt() * (k - log_modified_bessel_first_kind(0.0, k)).exp();
        let z = b * (0.5 * x).sin();
        0.5 * erfc(-z / SQRT_2)
    }
    if k < 49.0 {
        series(x, k).clamp(0.0, 1.0)
    } else if k < 50.0 {
        (50.0 - k) * series(x, 49.0) + (k - 49.0) * normal_approx(x, 50.0)
    } else {
        normal_approx(x, k)
    }
}
/// P(Y <= y) for Y von Mises on [-pi, pi] (Stan's convention: the support
/// is [-pi, pi] whatever mu is).
fn von_mises_p(y: f64, mu: f64, k: f64) -> f64 {
    if y <= -PI {
        return 0.0;
    }
    if y >= PI {
        return 1.0;
    }
    let two_pi = 2.0 * PI;
    let x2 = (y - mu + PI).rem_euclid(two_pi) - PI;
    let mu2 = (mu + PI).rem_euclid(two_pi) - PI;
    let (cut, bound) = if mu2 < 0.0 {
        (mu2 + PI, -PI - mu2)
    } else {
        (mu2 - PI, PI - mu2)
    };
    let f_bound = von_mises_centered(bound, k);
    let p = if y <= cut {
        von_mises_centered(x2, k) - f_bound
    } else {
        von_mises_centered(x2, k) + 1.0 - f_bound
    };
    p.clamp(0.0, 1.0)
}
fn von_mises_scalar([y, mu, k]: [f64; 3], d: &mut [f64; 3]) -> (f64, f64) {
    let log_norm = (2.0 * PI).ln() + log_modified_bessel_first_kind(0.0, k);
    let dens = |t: f64| (k * (t - mu).cos() - log_norm).exp();
    if y > -PI && y < PI {
        d[0] = dens(y);
        d[1] = dens(-PI) - dens(y);
        d[2] = richardson_pub(|kk| von_mises_p(y, mu, kk), k);
    }
    let p = von_mises_p(y, mu, k);
    (p, 1.0 - p)
}
fn von_mises_check(f: &str, [y, mu, k]: [&[f64]; 3]) -> Result<(), DomainError> {
    check_bounded(f, "Random variable", y, -PI, PI)?;
    check_finite(f, "Location parameter", mu)?;
    check_positive_finite(f, "Scale parameter", k)
}
cdfs!(
    von_mises_cdf,
    von_mises_lcdf,
    von_mises_lccdf,
    von_mises_check as Check<3>,
    von_mises_scalar,
    y,
    mu,
    kappa
);

/// A derivative by Richardson-extrapolated central differences (for
/// parameters whose CDF derivative has no closed form).
pub(crate) fn richardson_pub(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let mut h = 1e-3 * x.abs().max(1e-2);
    if x > 0.0 && x - 2.0 * h <= 0.0 {
        h = x / 4.0;
    }
    let d = |h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
    let (d1, d2, d3) = (d(h), d(h / 2.0), d(h / 4.0));
    let r1 = (4.0 * d2 - d1) / 3.0;
    let r2 = (4.0 * d3 - d2) / 3.0;
    (16.0 * r2 - r1) / 15.0
}

//! Scalar random number generators for the univariate distributions; arguments are checked as the densities check them.

use super::kernel::*;
use super::DomainError;
use crate::math::*;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, StandardUniform};

type R = Result<f64, DomainError>;
type Ri = Result<i64, DomainError>;

fn unif(rng: &mut dyn Rng) -> f64 {
    let u: f64 = StandardUniform.sample(rng);
    // Strictly inside (0, 1) for the inverse-CDF methods.
    u.max(f64::MIN_POSITIVE)
}
fn std_normal(rng: &mut dyn Rng) -> f64 {
    StandardNormal.sample(rng)
}
fn std_gamma(shape: f64, rng: &mut dyn Rng) -> R {
    rand_distr::Gamma::new(shape, 1.0)
        .map(|g| g.sample(rng))
        .map_err(|e| DomainError::new("gamma_rng", format!("Shape parameter is {shape}: {e}")))
}
/// The log of a standard gamma draw, accurate when the draw itself would
/// underflow (small shapes): for shape < 1, G(a) = G(a + 1) U^(1 / a).
fn ln_std_gamma(shape: f64, rng: &mut dyn Rng) -> R {
    if shape >= 1.0 {
        return Ok(std_gamma(shape, rng)?.ln());
    }
    let g = std_gamma(shape + 1.0, rng)?;
    Ok(g.ln() + unif(rng).ln() / shape)
}

pub fn normal_rng(mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_finite("normal_rng", "Location parameter", &[mu])?;
    check_positive_finite("normal_rng", "Scale parameter", &[sigma])?;
    Ok(mu + sigma * std_normal(rng))
}
pub fn std_normal_rng(rng: &mut dyn Rng) -> R {
    Ok(std_normal(rng))
}
pub fn student_t_rng(nu: f64, mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("student_t_rng", "Degrees of freedom parameter", &[nu])?;
    check_finite("student_t_rng", "Location parameter", &[mu])?;
    check_positive_finite("student_t_rng", "Scale parameter", &[sigma])?;
    let g = std_gamma(0.5 * nu, rng)? / (0.5 * nu);
    Ok(mu + sigma * std_normal(rng) / g.sqrt())
}
pub fn cauchy_rng(mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_finite("cauchy_rng", "Location parameter", &[mu])?;
    check_positive_finite("cauchy_rng", "Scale parameter", &[sigma])?;
    Ok(mu + sigma * (std::f64::consts::PI * (unif(rng) - 0.5)).tan())
}
pub fn double_exponential_rng(mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_finite("double_exponential_rng", "Location parameter", &[mu])?;
    check_positive_finite("double_exponential_rng", "Scale parameter", &[sigma])?;
    let u = unif(rng) - 0.5;
    Ok(mu - sigma * u.signum() * log1m(2.0 * u.abs()))
}
pub fn logistic_rng(mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_finite("logistic_rng", "Location parameter", &[mu])?;
    check_positive_finite("logistic_rng", "Scale parameter", &[sigma])?;
    Ok(mu + sigma * logit(unif(rng)))
}
pub fn gumbel_rng(mu: f64, beta: f64, rng: &mut dyn Rng) -> R {
    check_finite("gumbel_rng", "Location parameter", &[mu])?;
    check_positive_finite("gumbel_rng", "Scale parameter", &[beta])?;
    Ok(mu - beta * (-unif(rng).ln()).ln())
}
pub fn skew_normal_rng(xi: f64, omega: f64, alpha: f64, rng: &mut dyn Rng) -> R {
    check_finite("skew_normal_rng", "Location parameter", &[xi])?;
    check_positive_finite("skew_normal_rng", "Scale parameter", &[omega])?;
    check_finite("skew_normal_rng", "Shape parameter", &[alpha])?;
    let delta = alpha / (1.0 + alpha * alpha).sqrt();
    let (u0, v) = (std_normal(rng), std_normal(rng));
    let u1 = delta * u0 + (1.0 - delta * delta).sqrt() * v;
    Ok(xi + omega * if u0 >= 0.0 { u1 } else { -u1 })
}
pub fn exp_mod_normal_rng(mu: f64, sigma: f64, lambda: f64, rng: &mut dyn Rng) -> R {
    check_finite("exp_mod_normal_rng", "Location parameter", &[mu])?;
    check_positive_finite("exp_mod_normal_rng", "Scale parameter", &[sigma])?;
    check_positive_finite("exp_mod_normal_rng", "Inv_scale parameter", &[lambda])?;
    Ok(mu + sigma * std_normal(rng) - unif(rng).ln() / lambda)
}
pub fn lognormal_rng(mu: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_finite("lognormal_rng", "Location parameter", &[mu])?;
    check_positive_finite("lognormal_rng", "Scale parameter", &[sigma])?;
    Ok((mu + sigma * std_normal(rng)).exp())
}
pub fn chi_square_rng(nu: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("chi_square_rng", "Degrees of freedom parameter", &[nu])?;
    Ok(2.0 * std_gamma(0.5 * nu, rng)?)
}
pub fn inv_chi_square_rng(nu: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("inv_chi_square_rng", "Degrees of freedom parameter", &[nu])?;
    Ok(0.5 / std_gamma(0.5 * nu, rng)?)
}
pub fn scaled_inv_chi_square_rng(nu: f64, s: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite(
        "scaled_inv_chi_square_rng",
        "Degrees of freedom parameter",
        &[nu],
    )?;
    check_positive_finite("scaled_inv_chi_square_rng", "Scale parameter", &[s])?;
    // On the log scale: for tiny nu and s, nu s^2 and the gamma draw both underflow.
    Ok((nu.ln() + 2.0 * s.ln() - std::f64::consts::LN_2 - ln_std_gamma(0.5 * nu, rng)?).exp())
}
pub fn exponential_rng(beta: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("exponential_rng", "Inverse scale parameter", &[beta])?;
    Ok(-unif(rng).ln() / beta)
}
pub fn gamma_rng(alpha: f64, beta: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("gamma_rng", "Shape parameter", &[alpha])?;
    check_positive_finite("gamma_rng", "Inverse scale parameter", &[beta])?;
    Ok(std_gamma(alpha, rng)? / beta)
}
pub fn inv_gamma_rng(alpha: f64, beta: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("inv_gamma_rng", "Shape parameter", &[alpha])?;
    check_positive_finite("inv_gamma_rng", "Scale parameter", &[beta])?;
    Ok(beta / std_gamma(alpha, rng)?)
}
pub fn weibull_rng(alpha: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("weibull_rng", "Shape parameter", &[alpha])?;
    check_positive_finite("weibull_rng", "Scale parameter", &[sigma])?;
    Ok(sigma * (-unif(rng).ln()).powf(1.0 / alpha))
}
pub fn frechet_rng(alpha: f64, sigma: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("frechet_rng", "Shape parameter", &[alpha])?;
    check_positive_finite("frechet_rng", "Scale parameter", &[sigma])?;
    Ok(sigma * (-unif(rng).ln()).powf(-1.0 / alpha))
}
pub fn rayleigh_rng(sigma: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("rayleigh_rng", "Scale parameter", &[sigma])?;
    Ok(sigma * (-2.0 * unif(rng).ln()).sqrt())
}
pub fn pareto_rng(y_min: f64, alpha: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("pareto_rng", "Scale parameter", &[y_min])?;
    check_positive_finite("pareto_rng", "Shape parameter", &[alpha])?;
    Ok(y_min * unif(rng).powf(-1.0 / alpha))
}
pub fn pareto_type_2_rng(mu: f64, lambda: f64, alpha: f64, rng: &mut dyn Rng) -> R {
    check_finite("pareto_type_2_rng", "Location parameter", &[mu])?;
    check_positive_finite("pareto_type_2_rng", "Scale parameter", &[lambda])?;
    check_positive_finite("pareto_type_2_rng", "Shape parameter", &[alpha])?;
    Ok(mu + lambda * (unif(rng).powf(-1.0 / alpha) - 1.0))
}
pub fn beta_rng(alpha: f64, beta: f64, rng: &mut dyn Rng) -> R {
    check_positive_finite("beta_rng", "First shape parameter", &[alpha])?;
    check_positive_finite("beta_rng", "Second shape parameter", &[beta])?;
    // Small shapes make both gamma draws underflow to 0 (and 0 / 0 is NaN),
    // so draw them on the log scale there, as Stan does.
    if alpha > 1.0 && beta > 1.0 {
        let a = std_gamma(alpha, rng)?;
        let b = std_gamma(beta, rng)?;
        return Ok(a / (a + b));
    }
    let (la, lb) = (ln_std_gamma(alpha, rng)?, ln_std_gamma(beta, rng)?);
    let lse = if la > lb {
        la + (lb - la).exp().ln_1p()
    } else {
        lb + (la - lb).exp().ln_1p()
    };
    Ok((la - lse).exp())
}
pub fn beta_proportion_rng(mu: f64, kappa: f64, rng: &mut dyn Rng) -> R {
    if !(mu > 0.0 && mu < 1.0) {
        return Err(DomainError::new(
            "beta_proportion_rng",
            format!("Location parameter is {mu}, but must be in the interval (0, 1)!"),
        ));
    }
    check_positive_finite("beta_proportion_rng", "Precision parameter", &[kappa])?;
    beta_rng(mu * kappa, (1.0 - mu) * kappa, rng)
}
pub fn uniform_rng(alpha: f64, beta: f64, rng: &mut dyn Rng) -> R {
    check_finite("uniform_rng", "Lower bound parameter", &[alpha])?;
    check_finite("uniform_rng", "Upper bound parameter", &[beta])?;
    if beta <= alpha {
        return Err(DomainError::new(
            "uniform_rng",
            format!("Upper bound parameter is {beta}, but must be greater than {alpha}!"),
        ));
    }
    Ok(alpha + (beta - alpha) * unif(rng))
}
/// Best and Fisher's (1979) rejection sampler. As in Stan, the draw lies in
/// `[m - pi, m + pi]` where `m` is `mu` reduced to `[0, 2 pi)`.
pub fn von_mises_rng(mu: f64, kappa: f64, rng: &mut dyn Rng) -> R {
    check_finite("von_mises_rng", "Location parameter", &[mu])?;
    check_nonnegative("von_mises_rng", "Scale parameter", &[kappa])?;
    check_finite("von_mises_rng", "Scale parameter", &[kappa])?;
    let pi = std::f64::consts::PI;
    let mu = mu.rem_euclid(2.0 * pi);
    // Below this the rejection sampler's rho is 0 in double precision.
    if kappa < 1.4e-8 {
        return Ok(mu + pi * (2.0 * unif(rng) - 1.0));
    }
    let r = 1.0 + (1.0 + 4.0 * kappa * kappa).sqrt();
    let rho = (r - (2.0 * r).sqrt()) / (2.0 * kappa);
    let s = (1.0 + rho * rho) / (2.0 * rho);
    for _ in 0..100_000 {
        let z = (pi * unif(rng)).cos();
        let w = (1.0 + s * z) / (s + z);
        let y = kappa * (s - w);
        let u2 = unif(rng);
        if y * (2.0 - y) >= u2 || (y / u2).ln() + 1.0 >= y {
            let sign = if unif(rng) > 0.5 { 1.0 } else { -1.0 };
            return Ok(mu + sign * w.clamp(-1.0, 1.0).acos());
        }
    }
    Err(DomainError::new(
        "von_mises_rng",
        "rejection sampler did not converge",
    ))
}

// ---------------------------------------------------------------- discrete

pub fn bernoulli_rng(theta: f64, rng: &mut dyn Rng) -> Ri {
    check_bounded("bernoulli_rng", "Probability parameter", &[theta], 0.0, 1.0)?;
    let u: f64 = StandardUniform.sample(rng);
    Ok(i64::from(u < theta))
}
pub fn bernoulli_logit_rng(alpha: f64, rng: &mut dyn Rng) -> Ri {
    check_finite(
        "bernoulli_logit_rng",
        "Logit transformed probability parameter",
        &[alpha],
    )?;
    bernoulli_rng(inv_logit(alpha), rng)
}
pub fn binomial_rng(n: i64, theta: f64, rng: &mut dyn Rng) -> Ri {
    check_int_nonnegative("binomial_rng", "Population size parameter", &[n])?;
    check_bounded("binomial_rng", "Probability parameter", &[theta], 0.0, 1.0)?;
    rand_distr::Binomial::new(n as u64, theta)
        .map(|b| b.sample(rng) as i64)
        .map_err(|e| DomainError::new("binomial_rng", e))
}
pub fn beta_binomial_rng(n: i64, alpha: f64, beta: f64, rng: &mut dyn Rng) -> Ri {
    check_int_nonnegative("beta_binomial_rng", "Population size parameter", &[n])?;
    check_positive_finite(
        "beta_binomial_rng",
        "First prior sample size parameter",
        &[alpha],
    )?;
    check_positive_finite(
        "beta_binomial_rng",
        "Second prior sample size parameter",
        &[beta],
    )?;
    let p = beta_rng(alpha, beta, rng)?;
    binomial_rng(n, p, rng)
}
pub fn poisson_rng(lambda: f64, rng: &mut dyn Rng) -> Ri {
    check_nonnegative("poisson_rng", "Rate parameter", &[lambda])?;
    if !(lambda < 1.0737418e9) {
        return Err(DomainError::new(
            "poisson_rng",
            format!("Rate parameter is {lambda}, but must be less than 1.07374e+09"),
        ));
    }
    if lambda == 0.0 {
        return Ok(0);
    }
    rand_distr::Poisson::new(lambda)
        .map(|p| p.sample(rng) as i64)
        .map_err(|e| DomainError::new("poisson_rng", e))
}
pub fn poisson_log_rng(alpha: f64, rng: &mut dyn Rng) -> Ri {
    check_not_nan("poisson_log_rng", "Log rate parameter", &[alpha])?;
    poisson_rng(alpha.exp(), rng)
}
pub fn neg_binomial_rng(alpha: f64, beta: f64, rng: &mut dyn Rng) -> Ri {
    check_positive_finite("neg_binomial_rng", "Shape parameter", &[alpha])?;
    check_positive_finite("neg_binomial_rng", "Inverse scale parameter", &[beta])?;
    let g = std_gamma(alpha, rng)? / beta;
    poisson_rng(g, rng)
}
pub fn neg_binomial_2_rng(mu: f64, phi: f64, rng: &mut dyn Rng) -> Ri {
    check_positive_finite("neg_binomial_2_rng", "Location parameter", &[mu])?;
    check_positive_finite("neg_binomial_2_rng", "Precision parameter", &[phi])?;
    let g = std_gamma(phi, rng)? * mu / phi;
    poisson_rng(g, rng)
}
pub fn neg_binomial_2_log_rng(eta: f64, phi: f64, rng: &mut dyn Rng) -> Ri {
    check_finite("neg_binomial_2_log_rng", "Log-location parameter", &[eta])?;
    neg_binomial_2_rng(eta.exp(), phi, rng)
}
/// hypergeometric_rng(N, a, b): successes in N draws without replacement
/// from a successes and b failures, by inversion outward from the mode
/// (expected work of the order of the standard deviation, not of N).
pub fn hypergeometric_rng(big_n: i64, a: i64, b: i64, rng: &mut dyn Rng) -> Ri {
    const F: &str = "hypergeometric_rng";
    check_int_nonnegative(F, "Successes parameter", &[a])?;
    check_int_nonnegative(F, "Failures parameter", &[b])?;
    let total = a.checked_add(b).ok_or_else(|| {
        DomainError::new(
            F,
            format!("Successes and failures parameters ({a} + {b}) overflow an int"),
        )
    })?;
    if big_n < 0 || big_n > total {
        return Err(DomainError::new(
            F,
            format!("Draws parameter is {big_n}, but must be in the interval [0, {total}]!"),
        ));
    }
    let lo = (big_n - b).max(0);
    let hi = big_n.min(a);
    if lo == hi {
        return Ok(lo);
    }
    let (nf, af, bf) = (big_n as f64, a as f64, b as f64);
    let mode = (((nf + 1.0) * (af + 1.0) / (af + bf + 2.0)).floor() as i64).clamp(lo, hi);
    let lchoose_i = |x: i64, y: i64| lchoose(x as f64, y as f64);
    let p_mode = (lchoose_i(a, mode) + lchoose_i(b, big_n - mode) - lchoose_i(total, big_n)).exp();
    // p(k + 1) / p(k) and p(k - 1) / p(k).
    let up = |k: f64| (af - k) * (nf - k) / ((k + 1.0) * (bf - nf + k + 1.0));
    let down = |k: f64| k * (bf - nf + k) / ((af - k + 1.0) * (nf - k + 1.0));
    let mut u: f64 = StandardUniform.sample(rng);
    u -= p_mode;
    if u <= 0.0 {
        return Ok(mode);
    }
    let (mut k_dn, mut p_dn, mut k_up, mut p_up) = (mode, p_mode, mode, p_mode);
    while k_dn > lo || k_up < hi {
        if k_dn > lo {
            p_dn *= down(k_dn as f64);
            k_dn -= 1;
            u -= p_dn;
            if u <= 0.0 {
                return Ok(k_dn);
            }
        }
        if k_up < hi {
            p_up *= up(k_up as f64);
            k_up += 1;
            u -= p_up;
            if u <= 0.0 {
                return Ok(k_up);
            }
        }
        // The rest of the mass is below rounding: the draw is in the body.
        if p_dn < 1e-300 && p_up < 1e-300 {
            break;
        }
    }
    Ok(mode)
}
/// categorical_rng(theta): a 1-based category.
pub fn categorical_rng(theta: &[f64], rng: &mut dyn Rng) -> Ri {
    check_simplex_rng("categorical_rng", theta)?;
    let u: f64 = StandardUniform.sample(rng);
    let mut acc = 0.0;
    for (k, t) in theta.iter().enumerate() {
        acc += t;
        if u < acc {
            return Ok(k as i64 + 1);
        }
    }
    Ok(theta.len() as i64)
}
fn check_simplex_rng(f: &str, theta: &[f64]) -> Result<(), DomainError> {
    if theta.is_empty()
        || theta.iter().any(|t| !(*t >= 0.0))
        || (theta.iter().sum::<f64>() - 1.0).abs() > 1e-8
    {
        return Err(DomainError::new(
            f,
            "Probabilities parameter is not a valid simplex",
        ));
    }
    Ok(())
}
pub fn categorical_logit_rng(beta: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("categorical_logit_rng", "Log odds parameter", beta)?;
    let lse = log_sum_exp_slice(beta);
    let theta: Vec<f64> = beta.iter().map(|b| (b - lse).exp()).collect();
    let s: f64 = theta.iter().sum();
    let theta: Vec<f64> = theta.iter().map(|t| t / s).collect();
    categorical_rng(&theta, rng)
}
/// multinomial_rng(theta, n): counts per category, by a binomial draw per
/// category given the ones before it (work independent of n), as Stan does.
pub fn multinomial_rng(theta: &[f64], n: i64, rng: &mut dyn Rng) -> Result<Vec<i64>, DomainError> {
    check_simplex_rng("multinomial_rng", theta)?;
    check_int_nonnegative("multinomial_rng", "number of trials variables", &[n])?;
    let mut out = vec![0i64; theta.len()];
    let (mut n_left, mut mass_left) = (n, 1.0);
    for (k, t) in theta.iter().enumerate() {
        if n_left == 0 {
            break;
        }
        if k + 1 == theta.len() {
            out[k] = n_left;
            break;
        }
        let p = if mass_left > 0.0 {
            (t / mass_left).clamp(0.0, 1.0)
        } else {
            1.0
        };
        out[k] = binomial_rng(n_left, p, rng)?;
        n_left -= out[k];
        mass_left -= t;
    }
    Ok(out)
}
pub fn multinomial_logit_rng(
    gamma: &[f64],
    n: i64,
    rng: &mut dyn Rng,
) -> Result<Vec<i64>, DomainError> {
    check_finite(
        "multinomial_logit_rng",
        "log-probabilities parameter",
        gamma,
    )?;
    if gamma.is_empty() {
        return Err(DomainError::new(
            "multinomial_logit_rng",
            "log-probabilities parameter has size 0, but must have a non-zero size",
        ));
    }
    let lse = log_sum_exp_slice(gamma);
    let theta: Vec<f64> = gamma.iter().map(|g| (g - lse).exp()).collect();
    let s: f64 = theta.iter().sum();
    let theta: Vec<f64> = theta.iter().map(|t| t / s).collect();
    multinomial_rng(&theta, n, rng)
}
/// Stan's checks of ordinal cut-points: at least one, finite, strictly increasing.
fn check_cuts(f: &str, cuts: &[f64]) -> Result<(), DomainError> {
    if cuts.is_empty() {
        return Err(DomainError::new(
            f,
            "Size of cut points parameter is 0, but must be greater than 0!",
        ));
    }
    check_finite(f, "Cut-points", cuts)?;
    if let Some(i) = (1..cuts.len()).find(|&i| !(cuts[i] > cuts[i - 1])) {
        return Err(DomainError::new(
            f,
            format!(
                "Cut-points is not a valid ordered vector. The element at {} is {}, but should be greater than the previous element, {}",
                i + 1,
                cuts[i],
                cuts[i - 1]
            ),
        ));
    }
    Ok(())
}
pub fn ordered_logistic_rng(eta: f64, cuts: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("ordered_logistic_rng", "Location parameter", &[eta])?;
    check_cuts("ordered_logistic_rng", cuts)?;
    let latent = eta + logit(unif(rng));
    Ok(1 + cuts.iter().filter(|c| latent > **c).count() as i64)
}
pub fn ordered_probit_rng(eta: f64, cuts: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("ordered_probit_rng", "Location parameter", &[eta])?;
    check_cuts("ordered_probit_rng", cuts)?;
    let latent = eta + std_normal(rng);
    Ok(1 + cuts.iter().filter(|c| latent > **c).count() as i64)
}

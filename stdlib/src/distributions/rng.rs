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
    Ok(nu * s * s / (2.0 * std_gamma(0.5 * nu, rng)?))
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
    let a = std_gamma(alpha, rng)?;
    let b = std_gamma(beta, rng)?;
    Ok(a / (a + b))
}
pub fn beta_proportion_rng(mu: f64, kappa: f64, rng: &mut dyn Rng) -> R {
    check_bounded("beta_proportion_rng", "Location parameter", &[mu], 0.0, 1.0)?;
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
/// Best and Fisher's (1979) rejection sampler.
pub fn von_mises_rng(mu: f64, kappa: f64, rng: &mut dyn Rng) -> R {
    check_finite("von_mises_rng", "Location parameter", &[mu])?;
    check_nonnegative("von_mises_rng", "Scale parameter", &[kappa])?;
    check_finite("von_mises_rng", "Scale parameter", &[kappa])?;
    let pi = std::f64::consts::PI;
    if kappa < 1e-8 {
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
            let x = mu + sign * w.clamp(-1.0, 1.0).acos();
            // Wrap into [mu - pi, mu + pi] as Stan does.
            return Ok(x);
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
pub fn hypergeometric_rng(big_n: i64, a: i64, b: i64, rng: &mut dyn Rng) -> Ri {
    if big_n < 0 || a < 0 || b < 0 || big_n > a + b {
        return Err(DomainError::new(
            "hypergeometric_rng",
            format!(
                "Draws parameter is {big_n}, but must be in the interval [0, {}]!",
                a + b
            ),
        ));
    }
    // Draw without replacement, one item at a time.
    let (mut succ_left, mut total_left, mut got) = (a, a + b, 0);
    for _ in 0..big_n {
        let u: f64 = StandardUniform.sample(rng);
        if u < succ_left as f64 / total_left as f64 {
            got += 1;
            succ_left -= 1;
        }
        total_left -= 1;
    }
    Ok(got)
}
/// categorical_rng(theta): a 1-based category.
pub fn categorical_rng(theta: &[f64], rng: &mut dyn Rng) -> Ri {
    if theta.is_empty()
        || theta.iter().any(|t| !(*t >= 0.0))
        || (theta.iter().sum::<f64>() - 1.0).abs() > 1e-8
    {
        return Err(DomainError::new(
            "categorical_rng",
            "Probabilities parameter is not a valid simplex",
        ));
    }
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
pub fn categorical_logit_rng(beta: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("categorical_logit_rng", "Log odds parameter", beta)?;
    let lse = log_sum_exp_slice(beta);
    let theta: Vec<f64> = beta.iter().map(|b| (b - lse).exp()).collect();
    let s: f64 = theta.iter().sum();
    let theta: Vec<f64> = theta.iter().map(|t| t / s).collect();
    categorical_rng(&theta, rng)
}
/// multinomial_rng(theta, n): counts per category.
pub fn multinomial_rng(theta: &[f64], n: i64, rng: &mut dyn Rng) -> Result<Vec<i64>, DomainError> {
    check_int_nonnegative("multinomial_rng", "number of trials variables", &[n])?;
    let mut out = vec![0i64; theta.len()];
    for _ in 0..n {
        let k = categorical_rng(theta, rng)?;
        out[(k - 1) as usize] += 1;
    }
    Ok(out)
}
pub fn multinomial_logit_rng(
    gamma: &[f64],
    n: i64,
    rng: &mut dyn Rng,
) -> Result<Vec<i64>, DomainError> {
    let lse = log_sum_exp_slice(gamma);
    let theta: Vec<f64> = gamma.iter().map(|g| (g - lse).exp()).collect();
    let s: f64 = theta.iter().sum();
    let theta: Vec<f64> = theta.iter().map(|t| t / s).collect();
    multinomial_rng(&theta, n, rng)
}
pub fn ordered_logistic_rng(eta: f64, cuts: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("ordered_logistic_rng", "Location parameter", &[eta])?;
    let latent = eta + logit(unif(rng));
    Ok(1 + cuts.iter().filter(|c| latent > **c).count() as i64)
}
pub fn ordered_probit_rng(eta: f64, cuts: &[f64], rng: &mut dyn Rng) -> Ri {
    check_finite("ordered_probit_rng", "Location parameter", &[eta])?;
    let latent = eta + std_normal(rng);
    Ok(1 + cuts.iter().filter(|c| latent > **c).count() as i64)
}

//! The few special functions the multivariate densities need: log gamma, digamma, log multivariate gamma.

/// `log |Gamma(x)|` (musl's lgamma via the `libm` crate).
#[inline]
pub(crate) fn lgamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// The digamma function (statrs).
#[inline]
pub(crate) fn digamma(x: f64) -> f64 {
    statrs::function::gamma::digamma(x)
}

/// Stan's `lmgamma(k, x) = k (k - 1) / 4 log(pi) + sum_{j=1..k} lgamma(x + (1 - j) / 2)`.
pub(crate) fn lmgamma(k: usize, x: f64) -> f64 {
    let kf = k as f64;
    let mut s = kf * (kf - 1.0) * 0.25 * std::f64::consts::PI.ln();
    for j in 1..=k {
        s += lgamma(x + (1.0 - j as f64) / 2.0);
    }
    s
}

/// Derivative of [`lmgamma`] with respect to `x`.
pub(crate) fn lmgamma_dx(k: usize, x: f64) -> f64 {
    (1..=k).map(|j| digamma(x + (1.0 - j as f64) / 2.0)).sum()
}

pub(crate) const LOG_PI: f64 = 1.144_729_885_849_400_2;
pub(crate) const LOG_TWO: f64 = std::f64::consts::LN_2;

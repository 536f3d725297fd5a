//! Facts about distribution families that the checker's warnings use: each family's support and which arguments must be positive.

/// The set of values a distribution's variate can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// All real numbers.
    Real,
    /// (0, inf), or [0, inf).
    Positive,
    /// (0, 1) or [0, 1].
    Unit,
}

impl Support {
    pub fn describe(self) -> &'static str {
        match self {
            Support::Real => "(-inf, inf)",
            Support::Positive => "(0, inf)",
            Support::Unit => "(0, 1)",
        }
    }
}

/// `(family, support of the variate, argument positions that must be positive)`.
/// Positions count the variate as 0, as in `normal_lpdf(y | mu, sigma)`: sigma is 2.
static FAMILIES: &[(&str, Support, &[usize])] = &[
    ("normal", Support::Real, &[2]),
    ("std_normal", Support::Real, &[]),
    ("student_t", Support::Real, &[1, 3]),
    ("cauchy", Support::Real, &[2]),
    ("double_exponential", Support::Real, &[2]),
    ("logistic", Support::Real, &[2]),
    ("gumbel", Support::Real, &[2]),
    ("skew_normal", Support::Real, &[2]),
    ("exp_mod_normal", Support::Real, &[2, 3]),
    ("lognormal", Support::Positive, &[2]),
    ("chi_square", Support::Positive, &[1]),
    ("inv_chi_square", Support::Positive, &[1]),
    ("scaled_inv_chi_square", Support::Positive, &[1, 2]),
    ("exponential", Support::Positive, &[1]),
    ("gamma", Support::Positive, &[1, 2]),
    ("inv_gamma", Support::Positive, &[1, 2]),
    ("weibull", Support::Positive, &[1, 2]),
    ("frechet", Support::Positive, &[1, 2]),
    ("pareto", Support::Positive, &[1, 2]),
    ("pareto_type_2", Support::Real, &[2, 3]),
    ("beta", Support::Unit, &[1, 2]),
    ("beta_proportion", Support::Unit, &[2]),
    ("von_mises", Support::Real, &[2]),
    ("lkj_corr", Support::Real, &[1]),
    ("lkj_corr_cholesky", Support::Real, &[1]),
    ("dirichlet", Support::Unit, &[1]),
    ("poisson", Support::Real, &[1]),
    ("neg_binomial", Support::Real, &[1, 2]),
    ("neg_binomial_2", Support::Real, &[1, 2]),
    ("neg_binomial_2_log", Support::Real, &[2]),
    ("beta_binomial", Support::Real, &[2, 3]),
    ("wishart", Support::Real, &[1]),
    ("inv_wishart", Support::Real, &[1]),
    ("multi_student_t", Support::Real, &[1]),
];

/// The support of `family`'s variate, if cmod knows it.
pub fn support(family: &str) -> Option<Support> {
    FAMILIES
        .iter()
        .find(|(f, _, _)| *f == family)
        .map(|(_, s, _)| *s)
}

/// The argument positions of `family` that must be positive.
pub fn positive_arguments(family: &str) -> &'static [usize] {
    FAMILIES
        .iter()
        .find(|(f, _, _)| *f == family)
        .map(|(_, _, p)| *p)
        .unwrap_or(&[])
}

/// The family of a density function's name: `normal_lpdf` -> `normal`.
pub fn family_of(function: &str) -> Option<&str> {
    ["_lpdf", "_lupdf", "_lpmf", "_lupmf"]
        .iter()
        .find_map(|suffix| function.strip_suffix(suffix))
}

//! Signature rows for Stan's probability distributions: univariate continuous and discrete families, GLMs, and multivariate densities.

use super::{Has, Rows, DENSITY_ONLY, DENSITY_RNG, FULL};

pub(super) fn add(r: &mut Rows) {
    r.group("Continuous distributions on unbounded variates");
    r.add("std_normal_lpdf", "reals -> real");
    r.add("std_normal_lupdf", "reals -> real");
    r.add("std_normal_cdf", "reals -> real");
    r.add("std_normal_lcdf", "reals -> real");
    r.add("std_normal_lccdf", "reals -> real");
    r.add("std_normal_rng", " -> real");
    r.continuous("normal", "reals, reals", FULL);
    r.continuous("student_t", "reals, reals, reals", FULL);
    r.continuous("cauchy", "reals, reals", FULL);
    r.continuous("double_exponential", "reals, reals", FULL);
    r.continuous("logistic", "reals, reals", FULL);
    r.continuous("gumbel", "reals, reals", FULL);
    r.continuous("skew_normal", "reals, reals, reals", FULL);
    r.continuous("exp_mod_normal", "reals, reals, reals", FULL);

    r.group("Normal-id generalized linear model (linear regression)");
    r.density(
        "normal_id_glm",
        false,
        &[
            "vector, matrix, real, vector, real",
            "vector, matrix, vector, vector, real",
            "vector, matrix, real, vector, vector",
            "vector, matrix, vector, vector, vector",
            "real, matrix, real, vector, real",
            "real, matrix, vector, vector, real",
            "real, matrix, real, vector, vector",
            "real, matrix, vector, vector, vector",
            "vector, row_vector, real, vector, real",
            "vector, row_vector, vector, vector, real",
            "vector, row_vector, real, vector, vector",
            "vector, row_vector, vector, vector, vector",
        ],
    );

    r.group("Positive continuous distributions");
    r.continuous("lognormal", "reals, reals", FULL);
    r.continuous("chi_square", "reals", FULL);
    r.continuous("inv_chi_square", "reals", FULL);
    r.continuous("scaled_inv_chi_square", "reals, reals", FULL);
    r.continuous("exponential", "reals", FULL);
    r.continuous("gamma", "reals, reals", FULL);
    r.continuous("inv_gamma", "reals, reals", FULL);
    r.continuous("weibull", "reals, reals", FULL);
    r.continuous("frechet", "reals, reals", FULL);
    r.continuous("rayleigh", "reals", FULL);

    r.group("Positive lower-bounded continuous distributions");
    r.continuous("pareto", "reals, reals", FULL);
    r.continuous("pareto_type_2", "reals, reals, reals", FULL);

    r.group("Continuous distributions on [0, 1]");
    r.continuous("beta", "reals, reals", FULL);
    // Stan has no beta_proportion_cdf, only the log forms.
    r.continuous(
        "beta_proportion",
        "reals, reals",
        Has {
            cdf: false,
            lcdf: true,
            lccdf: true,
            rng: true,
        },
    );

    r.group("Circular and bounded continuous distributions");
    r.continuous("von_mises", "reals, reals", FULL);
    r.continuous("uniform", "reals, reals", FULL);

    r.group("Binary distributions");
    r.discrete("bernoulli", "reals", FULL);
    r.discrete("bernoulli_logit", "reals", DENSITY_RNG);
    r.density(
        "bernoulli_logit_glm",
        true,
        &[
            "int, matrix, real, vector",
            "array[] int, matrix, real, vector",
            "int, matrix, vector, vector",
            "array[] int, matrix, vector, vector",
            "array[] int, row_vector, real, vector",
            "array[] int, row_vector, vector, vector",
        ],
    );

    r.group("Bounded discrete distributions");
    r.discrete("binomial", "ints, reals", FULL);
    r.discrete("binomial_logit", "ints, reals", DENSITY_ONLY);
    r.discrete("beta_binomial", "ints, reals, reals", FULL);
    r.add("hypergeometric_lpmf", "int, int, int, int -> real");
    r.add("hypergeometric_lupmf", "int, int, int, int -> real");
    r.add("hypergeometric_rng", "int, int, int -> int");
    r.density("categorical", true, &["int, vector", "array[] int, vector"]);
    r.add("categorical_rng", "vector -> int");
    r.density(
        "categorical_logit",
        true,
        &["int, vector", "array[] int, vector"],
    );
    r.add("categorical_logit_rng", "vector -> int");
    r.density("discrete_range", true, &["ints, ints, ints"]);
    r.add("discrete_range_cdf", "ints, ints, ints -> real");
    r.add("discrete_range_lcdf", "ints, ints, ints -> real");
    r.add("discrete_range_lccdf", "ints, ints, ints -> real");
    r.add("discrete_range_rng", "ints, ints -> ints");
    r.density(
        "ordered_logistic",
        true,
        &[
            "int, real, vector",
            "array[] int, vector, vector",
            "array[] int, vector, array[] vector",
        ],
    );
    r.add("ordered_logistic_rng", "real, vector -> int");
    r.density(
        "ordered_probit",
        true,
        &[
            "int, real, vector",
            "array[] int, real, vector",
            "array[] int, real, array[] vector",
            "array[] int, vector, vector",
            "array[] int, vector, array[] vector",
        ],
    );
    r.add("ordered_probit_rng", "real, vector -> int");

    r.group("Unbounded discrete distributions");
    r.discrete("neg_binomial", "reals, reals", FULL);
    r.discrete("neg_binomial_2", "reals, reals", FULL);
    r.discrete("neg_binomial_2_log", "reals, reals", DENSITY_RNG);
    r.density(
        "neg_binomial_2_log_glm",
        true,
        &[
            "int, matrix, real, vector, real",
            "array[] int, matrix, real, vector, real",
            "int, matrix, vector, vector, real",
            "array[] int, matrix, vector, vector, real",
            "array[] int, row_vector, real, vector, real",
            "array[] int, row_vector, vector, vector, real",
        ],
    );
    r.discrete("poisson", "reals", FULL);
    r.discrete("poisson_log", "reals", DENSITY_RNG);
    r.density(
        "poisson_log_glm",
        true,
        &[
            "int, matrix, real, vector",
            "array[] int, matrix, real, vector",
            "int, matrix, vector, vector",
            "array[] int, matrix, vector, vector",
            "array[] int, row_vector, real, vector",
            "array[] int, row_vector, vector, vector",
        ],
    );

    r.group("Multivariate discrete distributions");
    r.density("multinomial", true, &["array[] int, vector"]);
    r.add("multinomial_rng", "vector, int -> array[] int");
    r.density("multinomial_logit", true, &["array[] int, vector"]);
    r.add("multinomial_logit_rng", "vector, int -> array[] int");

    r.group("Continuous multivariate distributions");
    for family in ["multi_normal", "multi_normal_cholesky", "multi_normal_prec"] {
        r.density(family, false, &["vectors, vectors, matrix"]);
    }
    for family in ["multi_normal", "multi_normal_cholesky"] {
        let rng = if family == "multi_normal" {
            "multi_normal_rng"
        } else {
            "multi_normal_cholesky_rng"
        };
        r.add(rng, "vector, matrix -> vector");
        r.add(rng, "row_vector, matrix -> vector");
        r.add(rng, "array[] vector, matrix -> array[] vector");
        r.add(rng, "array[] row_vector, matrix -> array[] vector");
    }
    for family in ["multi_student_t", "multi_student_t_cholesky"] {
        r.density(family, false, &["vectors, real, vectors, matrix"]);
        let rng = if family == "multi_student_t" {
            "multi_student_t_rng"
        } else {
            "multi_student_t_cholesky_rng"
        };
        r.add(rng, "real, vector, matrix -> vector");
        r.add(rng, "real, row_vector, matrix -> vector");
        r.add(rng, "real, array[] vector, matrix -> array[] vector");
        r.add(rng, "real, array[] row_vector, matrix -> array[] vector");
    }
    r.group("Simplex distributions");
    r.density("dirichlet", false, &["vectors, vectors"]);
    r.add("dirichlet_rng", "vector -> vector");

    r.group("Correlation and covariance matrix distributions");
    r.density("lkj_corr", false, &["matrix, real"]);
    r.add("lkj_corr_rng", "int, real -> matrix");
    r.density("lkj_corr_cholesky", false, &["matrix, real"]);
    r.add("lkj_corr_cholesky_rng", "int, real -> matrix");
    for (family, rng) in [
        ("wishart", "wishart_rng"),
        ("wishart_cholesky", "wishart_cholesky_rng"),
        ("inv_wishart", "inv_wishart_rng"),
        ("inv_wishart_cholesky", "inv_wishart_cholesky_rng"),
    ] {
        r.density(family, false, &["matrix, real, matrix"]);
        r.add(rng, "real, matrix -> matrix");
    }
}

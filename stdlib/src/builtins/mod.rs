//! The signature data: every built-in function cmod provides, with all of Stan's signatures.
//!
//! Rows are `(name, "args -> return")` in the text form of `signatures.rs`.
//! They are written per group of the Stan Functions Reference (one file per
//! group), partly by hand and partly through the expanders below:
//!
//! - [`Rows::continuous`] / [`Rows::discrete`]: one distribution family
//!   expands into `_lpdf`/`_lupdf` (or `_lpmf`/`_lupmf`), `_cdf`, `_lcdf`,
//!   `_lccdf` and `_rng` rows, as Stan has them.
//! - [`Rows::unary_vectorized`]: `T -> R0`, Stan's element-wise unary functions.
//! - [`Rows::binary_vectorized`]: Stan's element-wise binary functions, one
//!   row per container shape (same-shape pairs and container-scalar pairs).
//!
//! The whole table is built once, on first use.

mod containers;
mod distributions;
mod doc;
mod math;

pub use doc::functions_markdown;

/// The rows that type-check but do not compile yet, as `(name, spec)` with
/// the spec's whitespace normalized. Kept by the compiler's signature probe
/// (`tests/signature_probe.rs`), which fails when this list is not exactly
/// what it finds; docs/functions.md marks these rows.
pub fn not_compiled() -> impl Iterator<Item = (&'static str, String)> {
    include_str!("not_compiled.txt").lines().filter_map(|line| {
        let line = line
            .split_once('#')
            .map_or(line, |(before, _)| before)
            .trim();
        let (name, spec) = line.split_once(": ")?;
        Some((name.trim(), normalize_spec(spec)))
    })
}

/// A spec with runs of whitespace made single spaces.
pub fn normalize_spec(spec: &str) -> String {
    spec.split_whitespace().collect::<Vec<_>>().join(" ")
}

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// One signature row: the function name, its signature in the text form, and
/// the section of the Functions Reference it belongs to (for docs/functions.md).
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub spec: String,
    pub group: &'static str,
    /// How the row appears in docs/functions.md: `Some(note)` to list it
    /// (with an optional note), `None` for rows an expander generated that
    /// the note of their first row already describes.
    pub doc: Option<&'static str>,
}

/// Every row of the table, in the order the groups are written.
pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = Rows::default();
        math::add(&mut rows);
        containers::add(&mut rows);
        distributions::add(&mut rows);
        rows.rows
    })
}

/// The groups in the order they appear, for documentation.
pub fn groups() -> Vec<&'static str> {
    let mut seen = Vec::new();
    for row in rows() {
        if !seen.contains(&row.group) {
            seen.push(row.group);
        }
    }
    seen
}

/// Makes a generated name (`normal` + `_lpdf`) live for the whole program.
/// The table is built once, so each distinct name is leaked at most once.
fn intern(name: String) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = match names.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(existing) = names.get(name.as_str()) {
        return existing;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Container shapes that Stan's binary vectorized functions accept
/// (real-valued; int arrays are accepted by promotion).
const REAL_CONTAINERS: &[&str] = &[
    "array[] real",
    "array[,] real",
    "array[,,] real",
    "vector",
    "row_vector",
    "matrix",
    "array[] vector",
    "array[] row_vector",
    "array[] matrix",
    "array[,] vector",
    "array[,] row_vector",
    "array[,] matrix",
];

/// The docs note on the scalar row of an element-wise binary function.
const VECTORIZED_BINARY_NOTE: &str =
    "element-wise: either argument may also be a container (array, vector, row_vector, matrix, arrays of them), with a scalar or a container of the same shape";

/// The builder the group files write into.
#[derive(Default)]
pub(crate) struct Rows {
    rows: Vec<Row>,
    group: &'static str,
}

/// Which of a distribution's functions Stan defines.
#[derive(Clone, Copy)]
pub(crate) struct Has {
    pub cdf: bool,
    pub lcdf: bool,
    pub lccdf: bool,
    pub rng: bool,
}

/// Density (or mass) and `_rng` only.
pub(crate) const DENSITY_RNG: Has = Has {
    cdf: false,
    lcdf: false,
    lccdf: false,
    rng: true,
};
/// Density (or mass) only.
pub(crate) const DENSITY_ONLY: Has = Has {
    cdf: false,
    lcdf: false,
    lccdf: false,
    rng: false,
};
/// Density, the three CDFs and `_rng`.
pub(crate) const FULL: Has = Has {
    cdf: true,
    lcdf: true,
    lccdf: true,
    rng: true,
};

impl Rows {
    /// Starts a new section of the Functions Reference.
    pub fn group(&mut self, group: &'static str) {
        self.group = group;
    }

    /// One row with a fixed name.
    pub fn add(&mut self, name: &'static str, spec: &str) {
        self.rows.push(Row {
            name,
            spec: spec.to_string(),
            group: self.group,
            doc: Some(""),
        });
    }

    fn add_owned(&mut self, name: String, spec: String) {
        self.rows.push(Row {
            name: intern(name),
            spec,
            group: self.group,
            doc: Some(""),
        });
    }

    /// A row documented with a note about the rows generated after it.
    fn add_noted(&mut self, name: &'static str, spec: &str, note: &'static str) {
        self.rows.push(Row {
            name,
            spec: spec.to_string(),
            group: self.group,
            doc: Some(note),
        });
    }

    /// A generated row that the docs leave out (its expander's note covers it).
    fn add_hidden(&mut self, name: &'static str, spec: String) {
        self.rows.push(Row {
            name,
            spec,
            group: self.group,
            doc: None,
        });
    }

    /// One row whose name is built at run time (`zeros_` + `vector`).
    pub fn add_generated(&mut self, name: String, spec: &str) {
        self.add_owned(name, spec.to_string());
    }

    /// Element-wise unary functions: `T -> R0` (ints become reals).
    pub fn unary_vectorized(&mut self, names: &[&'static str]) {
        for name in names {
            self.add_noted(
                name,
                "T -> R0",
                "element-wise over any container; ints become reals",
            );
        }
    }

    /// Element-wise binary functions of two reals, broadcast over containers:
    /// `real, real -> real`, and for every container shape `C`:
    /// `C, C -> C`, `C, real -> C`, `real, C -> C`.
    pub fn binary_vectorized(&mut self, names: &[&'static str]) {
        for name in names {
            self.add_noted(name, "real, real -> real", VECTORIZED_BINARY_NOTE);
            for c in REAL_CONTAINERS {
                self.add_hidden(name, format!("{c}, {c} -> {c}"));
                self.add_hidden(name, format!("{c}, real -> {c}"));
                self.add_hidden(name, format!("real, {c} -> {c}"));
            }
        }
    }

    /// Element-wise functions of an int and a real (`bessel_first_kind(int v, real x)`).
    pub fn int_real_vectorized(&mut self, names: &[&'static str]) {
        for name in names {
            self.add_noted(name, "int, real -> real", VECTORIZED_BINARY_NOTE);
            self.add_hidden(name, "array[] int, real -> array[] real".to_string());
            for c in REAL_CONTAINERS {
                self.add_hidden(name, format!("int, {c} -> {c}"));
            }
            for c in ["array[] real", "vector", "row_vector"] {
                self.add_hidden(name, format!("array[] int, {c} -> {c}"));
            }
        }
    }

    /// Element-wise functions of a real and an int (`falling_factorial(real x, int n)`).
    pub fn real_int_vectorized(&mut self, names: &[&'static str]) {
        for name in names {
            self.add_noted(name, "real, int -> real", VECTORIZED_BINARY_NOTE);
            self.add_hidden(name, "real, array[] int -> array[] real".to_string());
            for c in REAL_CONTAINERS {
                self.add_hidden(name, format!("{c}, int -> {c}"));
            }
            for c in ["array[] real", "vector", "row_vector"] {
                self.add_hidden(name, format!("{c}, array[] int -> {c}"));
            }
        }
    }

    /// Element-wise functions of two ints returning int (`choose`).
    pub fn int_int_vectorized(&mut self, names: &[&'static str]) {
        for name in names {
            self.add_noted(name, "int, int -> int", VECTORIZED_BINARY_NOTE);
            for a in ["array[] int", "array[,] int", "array[,,] int"] {
                self.add_hidden(name, format!("{a}, {a} -> {a}"));
                self.add_hidden(name, format!("{a}, int -> {a}"));
                self.add_hidden(name, format!("int, {a} -> {a}"));
            }
        }
    }

    /// A continuous distribution family. `params` is the parameter list
    /// (e.g. `"reals, reals"`), and the variate is `reals`.
    pub fn continuous(&mut self, family: &str, params: &str, has: Has) {
        self.distribution(family, "reals", params, "_lpdf", "_lupdf", has, "reals");
    }

    /// A discrete distribution family with an `ints` variate.
    pub fn discrete(&mut self, family: &str, params: &str, has: Has) {
        self.distribution(family, "ints", params, "_lpmf", "_lupmf", has, "ints");
    }

    /// The general expander: variate type, parameter list, density suffixes,
    /// and what `_rng` returns (`reals`/`ints` vectorize; anything else is exact).
    #[allow(clippy::too_many_arguments)]
    pub fn distribution(
        &mut self,
        family: &str,
        variate: &str,
        params: &str,
        density: &str,
        unnormalized: &str,
        has: Has,
        rng_ret: &str,
    ) {
        let args = if params.trim().is_empty() {
            variate.to_string()
        } else {
            format!("{variate}, {params}")
        };
        self.add_owned(format!("{family}{density}"), format!("{args} -> real"));
        self.add_owned(format!("{family}{unnormalized}"), format!("{args} -> real"));
        if has.cdf {
            self.add_owned(format!("{family}_cdf"), format!("{args} -> real"));
        }
        if has.lcdf {
            self.add_owned(format!("{family}_lcdf"), format!("{args} -> real"));
        }
        if has.lccdf {
            self.add_owned(format!("{family}_lccdf"), format!("{args} -> real"));
        }
        if has.rng {
            self.add_owned(format!("{family}_rng"), format!("{params} -> {rng_ret}"));
        }
    }

    /// A density with explicit signatures (multivariate, GLMs): adds the
    /// normalized and the unnormalized name for each argument list.
    pub fn density(&mut self, family: &str, discrete: bool, arg_lists: &[&str]) {
        let (d, u) = if discrete {
            ("_lpmf", "_lupmf")
        } else {
            ("_lpdf", "_lupdf")
        };
        for args in arg_lists {
            self.add_owned(format!("{family}{d}"), format!("{args} -> real"));
            self.add_owned(format!("{family}{u}"), format!("{args} -> real"));
        }
    }
}

/// Functions of Stan's that cmod does not provide yet: the checker reports
/// "not supported yet: <name>" for these instead of "unknown identifier".
pub static NOT_YET_SUPPORTED: &[&str] = &[
    // ODE and DAE solvers
    "ode_rk45",
    "ode_rk45_tol",
    "ode_ckrk",
    "ode_ckrk_tol",
    "ode_adams",
    "ode_adams_tol",
    "ode_bdf",
    "ode_bdf_tol",
    "ode_adjoint_tol_ctl",
    "integrate_ode",
    "integrate_ode_rk45",
    "integrate_ode_adams",
    "integrate_ode_bdf",
    "dae",
    "dae_tol",
    // Algebraic solvers, integration, parallelism
    "algebra_solver",
    "algebra_solver_newton",
    "solve_newton",
    "solve_newton_tol",
    "solve_powell",
    "solve_powell_tol",
    "integrate_1d",
    "map_rect",
    "generate_laplace_options",
    // Newer functions and distributions
    "trace_dot",
    "wiener_lcdf_unnorm",
    "wiener_lccdf_unnorm",
    "yule_simon_lpmf",
    "yule_simon_cdf",
    "yule_simon_lcdf",
    "yule_simon_lccdf",
    "yule_simon_rng",
    // Hidden Markov models
    "hmm_marginal",
    "hmm_latent_rng",
    "hmm_hidden_state_prob",
    // Complex numbers and complex linear algebra
    "to_complex",
    "get_real",
    "get_imag",
    "arg",
    "norm",
    "conj",
    "proj",
    "polar",
    "fft",
    "inv_fft",
    "fft2",
    "inv_fft2",
    "complex_schur_decompose",
    "complex_schur_decompose_t",
    "complex_schur_decompose_u",
    "eigenvalues",
    "eigenvectors",
    "eigendecompose",
    // Tuple-returning decompositions
    "eigendecompose_sym",
    "svd",
    "qr",
    "qr_thin",
    "csr_extract",
    // Sparse matrices
    "csr_extract_w",
    "csr_extract_v",
    "csr_extract_u",
    "csr_to_dense_matrix",
    "csr_matrix_times_vector",
    // Matrix functions
    "matrix_exp",
    "matrix_exp_multiply",
    "scale_matrix_exp_multiply",
    "matrix_power",
    "generalized_inverse",
    "qr_Q",
    "qr_R",
    "qr_thin_Q",
    "qr_thin_R",
    "svd_U",
    "svd_V",
    "chol2inv",
    "trace_gen_quad_form",
    "log_determinant_spd",
    // Hypergeometric and other rare special functions
    "hypergeometric_1F0",
    "hypergeometric_2F1",
    "hypergeometric_3F2",
    "hypergeometric_pFq",
    "inv_inc_beta",
    "bessel_second_kind",
    "modified_bessel_second_kind",
    "ldexp",
    "quantile",
    // Rare distributions
    "wiener_lpdf",
    "wiener_lupdf",
    "gaussian_dlm_obs_lpdf",
    "gaussian_dlm_obs_lupdf",
    "multi_gp_lpdf",
    "multi_gp_lupdf",
    "multi_gp_cholesky_lpdf",
    "multi_gp_cholesky_lupdf",
    "lkj_cov_lpdf",
    "lkj_cov_lupdf",
    "categorical_logit_glm_lpmf",
    "categorical_logit_glm_lupmf",
    "ordered_logistic_glm_lpmf",
    "ordered_logistic_glm_lupmf",
    "binomial_logit_glm_lpmf",
    "binomial_logit_glm_lupmf",
    "bernoulli_logit_glm_rng",
    "beta_neg_binomial_lpmf",
    "beta_neg_binomial_lupmf",
    "beta_neg_binomial_cdf",
    "beta_neg_binomial_lcdf",
    "beta_neg_binomial_lccdf",
    "beta_neg_binomial_rng",
    "dirichlet_multinomial_lpmf",
    "dirichlet_multinomial_lupmf",
    "dirichlet_multinomial_rng",
    "loglogistic_lpdf",
    "loglogistic_lupdf",
    "loglogistic_cdf",
    "loglogistic_rng",
    "skew_double_exponential_lpdf",
    "skew_double_exponential_lupdf",
    "skew_double_exponential_cdf",
    "skew_double_exponential_lcdf",
    "skew_double_exponential_lccdf",
    "skew_double_exponential_rng",
    // Constraint transforms exposed as functions (Stan 2.36+)
    "lower_bound_constrain",
    "lower_bound_unconstrain",
    "lower_bound_jacobian",
    "upper_bound_constrain",
    "upper_bound_unconstrain",
    "upper_bound_jacobian",
    "lower_upper_bound_constrain",
    "lower_upper_bound_unconstrain",
    "lower_upper_bound_jacobian",
    "offset_multiplier_constrain",
    "offset_multiplier_unconstrain",
    "offset_multiplier_jacobian",
    "ordered_constrain",
    "ordered_unconstrain",
    "ordered_jacobian",
    "positive_ordered_constrain",
    "positive_ordered_unconstrain",
    "positive_ordered_jacobian",
    "simplex_constrain",
    "simplex_unconstrain",
    "simplex_jacobian",
    "sum_to_zero_constrain",
    "sum_to_zero_unconstrain",
    "sum_to_zero_jacobian",
    "unit_vector_constrain",
    "unit_vector_unconstrain",
    "unit_vector_jacobian",
    "cholesky_factor_corr_constrain",
    "cholesky_factor_corr_unconstrain",
    "cholesky_factor_corr_jacobian",
    "cholesky_factor_cov_constrain",
    "cholesky_factor_cov_unconstrain",
    "cholesky_factor_cov_jacobian",
    "corr_matrix_constrain",
    "corr_matrix_unconstrain",
    "corr_matrix_jacobian",
    "cov_matrix_constrain",
    "cov_matrix_unconstrain",
    "cov_matrix_jacobian",
    "stochastic_column_constrain",
    "stochastic_column_unconstrain",
    "stochastic_column_jacobian",
    "stochastic_row_constrain",
    "stochastic_row_unconstrain",
    "stochastic_row_jacobian",
];

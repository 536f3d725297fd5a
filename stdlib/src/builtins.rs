//! The signature data: every built-in function cmod provides, with all of Stan's signatures.
//!
//! See `signatures.rs` for the text form. Keep entries grouped as the Stan
//! Functions Reference groups them.

/// `(name, "args -> return")`, one row per signature.
pub static SIGNATURES: &[(&str, &str)] = &[
    // Continuous distributions
    ("normal_lpdf", "reals, reals, reals -> real"),
    ("normal_lupdf", "reals, reals, reals -> real"),
    ("normal_rng", "reals, reals -> reals"),
    ("std_normal_lpdf", "reals -> real"),
    ("std_normal_lupdf", "reals -> real"),
    ("cauchy_lpdf", "reals, reals, reals -> real"),
    ("cauchy_lupdf", "reals, reals, reals -> real"),
    ("exponential_lpdf", "reals, reals -> real"),
    ("exponential_lupdf", "reals, reals -> real"),
    ("gamma_lpdf", "reals, reals, reals -> real"),
    ("gamma_lupdf", "reals, reals, reals -> real"),
    ("beta_lpdf", "reals, reals, reals -> real"),
    ("beta_lupdf", "reals, reals, reals -> real"),
    ("student_t_lpdf", "reals, reals, reals, reals -> real"),
    ("student_t_lupdf", "reals, reals, reals, reals -> real"),
    ("bernoulli_logit_lpmf", "ints, reals -> real"),
    ("bernoulli_logit_lupmf", "ints, reals -> real"),
    ("bernoulli_lpmf", "ints, reals -> real"),
    ("bernoulli_lupmf", "ints, reals -> real"),
    ("poisson_log_lpmf", "ints, reals -> real"),
    ("poisson_log_lupmf", "ints, reals -> real"),
    ("poisson_lpmf", "ints, reals -> real"),
    ("poisson_lupmf", "ints, reals -> real"),
    ("lkj_corr_cholesky_lpdf", "matrix, real -> real"),
    ("lkj_corr_cholesky_lupdf", "matrix, real -> real"),
    ("multi_normal_cholesky_lpdf", "vectors, vectors, matrix -> real"),
    ("multi_normal_cholesky_lupdf", "vectors, vectors, matrix -> real"),
    ("multi_normal_lpdf", "vectors, vectors, matrix -> real"),
    ("multi_normal_lupdf", "vectors, vectors, matrix -> real"),
    // Scalar math, vectorized
    ("exp", "T -> R0"),
    ("log", "T -> R0"),
    ("sqrt", "T -> R0"),
    ("square", "T -> R0"),
    ("inv_logit", "T -> R0"),
    ("log_sum_exp", "real, real -> real"),
    ("log_sum_exp", "container -> real"),
    ("pow", "real, real -> real"),
    ("abs", "T -> S0"),
    ("pi", " -> real"),
    // Reductions
    ("sum", "array[] int -> int"),
    ("sum", "container -> real"),
    ("mean", "container -> real"),
    ("sd", "container -> real"),
    ("size", "T -> int"),
    ("num_elements", "T -> int"),
    ("rows", "T -> int"),
    ("cols", "T -> int"),
    // Construction
    ("rep_vector", "real, int -> vector"),
    ("rep_matrix", "real, int, int -> matrix"),
    // Linear algebra
    ("diag_pre_multiply", "vector, matrix -> matrix"),
    ("multiply_lower_tri_self_transpose", "matrix -> matrix"),
    ("cholesky_decompose", "matrix -> matrix"),
    ("quad_form_diag", "matrix, vector -> matrix"),
];

/// Functions of Stan's that cmod does not provide yet: the checker reports
/// "not supported yet: <name>" for these instead of "unknown identifier".
pub static NOT_YET_SUPPORTED: &[&str] = &["integrate_ode_rk45", "ode_rk45", "map_rect", "reduce_sum", "algebra_solver"];

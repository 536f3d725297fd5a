//! Signature rows for Stan's scalar functions: constants, integer and real basic functions, special functions, and operators as functions.

use super::Rows;

pub(super) fn add(r: &mut Rows) {
    r.group("Mathematical constants and special values");
    for name in [
        "pi",
        "e",
        "sqrt2",
        "log2",
        "log10",
        "not_a_number",
        "positive_infinity",
        "negative_infinity",
        "machine_precision",
    ] {
        r.add(name, " -> real");
    }

    r.group("Integer-valued basic functions");
    r.add("int_step", "int -> int");
    r.add("int_step", "real -> int");
    r.add("abs", "T -> S0");
    r.add("min", "int, int -> int");
    r.add("max", "int, int -> int");
    r.add("modulus", "int, int -> int");
    for dims in ["", "array[] ", "array[,] ", "array[,,] "] {
        for base in ["real", "int"] {
            r.add("to_int", &format!("data {dims}{base} -> {dims}int"));
        }
    }

    r.group("Logical functions and comparisons");
    r.add("step", "real -> real");
    r.add("is_inf", "real -> int");
    r.add("is_nan", "real -> int");
    r.add("logical_negation", "int -> int");
    r.add("logical_negation", "real -> int");
    r.add("logical_and", "int, int -> int");
    r.add("logical_and", "real, real -> int");
    r.add("logical_or", "int, int -> int");
    r.add("logical_or", "real, real -> int");
    for op in [
        "logical_eq",
        "logical_neq",
        "logical_lt",
        "logical_lte",
        "logical_gt",
        "logical_gte",
    ] {
        r.add(op, "int, int -> int");
        r.add(op, "real, real -> int");
    }

    r.group("Real-valued arithmetic and rounding");
    r.add("min", "real, real -> real");
    r.add("max", "real, real -> real");
    r.unary_vectorized(&["fabs", "floor", "ceil", "round", "trunc"]);
    r.binary_vectorized(&["fdim", "fmin", "fmax", "fmod", "hypot", "pow"]);
    r.unary_vectorized(&[
        "sqrt",
        "cbrt",
        "square",
        "exp",
        "exp2",
        "log",
        "log2",
        "log10",
        "inv",
        "inv_sqrt",
        "inv_square",
    ]);
    r.add("fma", "real, real, real -> real");
    for c in ["vector", "row_vector", "matrix"] {
        for (a, b, d) in [
            (c, "real", "real"),
            (c, c, "real"),
            (c, "real", c),
            (c, c, c),
            ("real", c, "real"),
            ("real", c, c),
            ("real", "real", c),
        ] {
            r.add("fma", &format!("{a}, {b}, {d} -> {c}"));
        }
    }

    r.group("Trigonometric and hyperbolic functions");
    r.unary_vectorized(&[
        "cos", "sin", "tan", "acos", "asin", "atan", "cosh", "sinh", "tanh", "acosh", "asinh",
        "atanh",
    ]);
    r.binary_vectorized(&["atan2"]);

    r.group("Link functions and probability-related functions");
    r.unary_vectorized(&["logit", "inv_logit", "inv_cloglog"]);
    r.unary_vectorized(&[
        "erf",
        "erfc",
        "inv_erfc",
        "Phi",
        "inv_Phi",
        "Phi_approx",
        "std_normal_qf",
        "std_normal_log_qf",
    ]);
    r.int_real_vectorized(&["binary_log_loss"]);
    r.binary_vectorized(&["owens_t"]);

    r.group("Combinatorial and special functions");
    r.binary_vectorized(&[
        "beta",
        "lbeta",
        "lchoose",
        "gamma_p",
        "gamma_q",
        "log_falling_factorial",
        "log_rising_factorial",
    ]);
    r.add("inc_beta", "real, real, real -> real");
    r.unary_vectorized(&["tgamma", "lgamma", "digamma", "trigamma"]);
    r.int_real_vectorized(&["lmgamma", "bessel_first_kind", "modified_bessel_first_kind"]);
    r.binary_vectorized(&["log_modified_bessel_first_kind"]);
    r.int_int_vectorized(&["choose", "falling_factorial", "rising_factorial"]);
    r.real_int_vectorized(&["falling_factorial", "rising_factorial"]);

    r.group("Composed functions");
    r.unary_vectorized(&[
        "expm1",
        "log1p",
        "log1m",
        "log1p_exp",
        "log1m_exp",
        "log_inv_logit",
        "log1m_inv_logit",
        "lambert_w0",
        "lambert_wm1",
    ]);
    r.binary_vectorized(&[
        // Not `multiply_log`: Stan 2.33 removed it (the checker suggests `lmultiply`).
        "lmultiply",
        "log_diff_exp",
        "log_sum_exp",
        "log_inv_logit_diff",
    ]);
    r.add("log_mix", "real, real, real -> real");
    for theta in ["vector", "row_vector", "array[] real"] {
        for lambda in [
            "vector",
            "row_vector",
            "array[] real",
            "array[] vector",
            "array[] row_vector",
        ] {
            r.add("log_mix", &format!("{theta}, {lambda} -> real"));
        }
    }

    r.group("Operators as functions");
    for t in ["int", "real", "vector", "row_vector", "matrix"] {
        r.add("add", &format!("{t}, {t} -> {t}"));
        r.add("subtract", &format!("{t}, {t} -> {t}"));
        r.add("elt_multiply", &format!("{t}, {t} -> {t}"));
        r.add("elt_divide", &format!("{t}, {t} -> {t}"));
        r.add("minus", &format!("{t} -> {t}"));
        r.add("plus", &format!("{t} -> {t}"));
    }
    for c in ["vector", "row_vector", "matrix"] {
        for op in [
            "add",
            "subtract",
            "elt_multiply",
            "elt_divide",
            "multiply",
            "divide",
        ] {
            r.add(op, &format!("{c}, real -> {c}"));
            r.add(op, &format!("real, {c} -> {c}"));
        }
    }
    r.add("multiply", "int, int -> int");
    r.add("multiply", "real, real -> real");
    r.add("multiply", "row_vector, vector -> real");
    r.add("multiply", "vector, row_vector -> matrix");
    r.add("multiply", "matrix, vector -> vector");
    r.add("multiply", "row_vector, matrix -> row_vector");
    r.add("multiply", "matrix, matrix -> matrix");
    r.add("divide", "int, int -> int");
    r.add("divide", "real, real -> real");
    r.add("mdivide_right", "row_vector, matrix -> row_vector");
    r.add("mdivide_right", "matrix, matrix -> matrix");
    r.add("mdivide_left", "matrix, vector -> vector");
    r.add("mdivide_left", "matrix, matrix -> matrix");
    r.add("transpose", "vector -> row_vector");
    r.add("transpose", "row_vector -> vector");
    r.add("transpose", "matrix -> matrix");
}

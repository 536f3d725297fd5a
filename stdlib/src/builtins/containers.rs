//! Signature rows for Stan's container functions: reductions, sizes, construction and reshaping, linear algebra, and Gaussian-process covariances.

use super::Rows;

/// Every base type, for functions over arrays of anything.
const BASES: &[&str] = &["int", "real", "vector", "row_vector", "matrix"];

fn array_of(dims: usize, base: &str) -> String {
    if dims == 0 {
        base.to_string()
    } else {
        format!("array[{}] {base}", ",".repeat(dims - 1))
    }
}

pub(super) fn add(r: &mut Rows) {
    r.group("Reductions");
    for name in ["sum", "prod"] {
        r.add(name, "array[] int -> int");
        r.add(name, "array[] real -> real");
        r.add(name, "vector -> real");
        r.add(name, "row_vector -> real");
        r.add(name, "matrix -> real");
    }
    for name in ["min", "max"] {
        r.add(name, "array[] int -> int");
        r.add(name, "array[] real -> real");
        r.add(name, "vector -> real");
        r.add(name, "row_vector -> real");
        r.add(name, "matrix -> real");
    }
    for name in ["mean", "variance", "sd", "log_sum_exp"] {
        r.add(name, "array[] real -> real");
        r.add(name, "vector -> real");
        r.add(name, "row_vector -> real");
        r.add(name, "matrix -> real");
    }
    for name in ["norm1", "norm2"] {
        r.add(name, "array[] real -> real");
        r.add(name, "vector -> real");
        r.add(name, "row_vector -> real");
    }
    r.add("cumulative_sum", "array[] int -> array[] int");
    r.add("cumulative_sum", "array[] real -> array[] real");
    r.add("cumulative_sum", "vector -> vector");
    r.add("cumulative_sum", "row_vector -> row_vector");

    r.group("Dot products and distances");
    for (a, b) in [
        ("vector", "vector"),
        ("row_vector", "row_vector"),
        ("vector", "row_vector"),
        ("row_vector", "vector"),
    ] {
        r.add("dot_product", &format!("{a}, {b} -> real"));
        r.add("squared_distance", &format!("{a}, {b} -> real"));
        r.add("distance", &format!("{a}, {b} -> real"));
    }
    r.add("dot_product", "array[] real, array[] real -> real");
    r.add("squared_distance", "real, real -> real");
    r.add("dot_self", "vector -> real");
    r.add("dot_self", "row_vector -> real");
    for t in ["vector", "row_vector", "matrix"] {
        r.add("columns_dot_product", &format!("{t}, {t} -> row_vector"));
        r.add("rows_dot_product", &format!("{t}, {t} -> vector"));
        r.add("columns_dot_self", &format!("{t} -> row_vector"));
        r.add("rows_dot_self", &format!("{t} -> vector"));
    }

    r.group("Sizes");
    r.add("num_elements", "container -> int");
    r.add("size", "T -> int");
    r.add("dims", "T -> array[] int");
    for t in ["vector", "row_vector", "matrix"] {
        r.add("rows", &format!("{t} -> int"));
        r.add("cols", &format!("{t} -> int"));
    }

    r.group("Construction");
    r.add("rep_vector", "real, int -> vector");
    r.add("rep_row_vector", "real, int -> row_vector");
    r.add("rep_matrix", "real, int, int -> matrix");
    r.add("rep_matrix", "vector, int -> matrix");
    r.add("rep_matrix", "row_vector, int -> matrix");
    for base in BASES {
        for inner in 0..3 {
            let t = array_of(inner, base);
            r.add(
                "rep_array",
                &format!("{t}, int -> {}", array_of(inner + 1, base)),
            );
            r.add(
                "rep_array",
                &format!("{t}, int, int -> {}", array_of(inner + 2, base)),
            );
            r.add(
                "rep_array",
                &format!("{t}, int, int, int -> {}", array_of(inner + 3, base)),
            );
        }
    }
    r.add(
        "linspaced_vector",
        "data int, data real, data real -> vector",
    );
    r.add(
        "linspaced_row_vector",
        "data int, data real, data real -> row_vector",
    );
    r.add(
        "linspaced_array",
        "data int, data real, data real -> array[] real",
    );
    r.add(
        "linspaced_int_array",
        "data int, data int, data int -> array[] int",
    );
    r.add("one_hot_vector", "int, int -> vector");
    r.add("one_hot_row_vector", "int, int -> row_vector");
    r.add("one_hot_array", "int, int -> array[] real");
    r.add("one_hot_int_array", "int, int -> array[] int");
    for kind in ["zeros", "ones"] {
        r.add_generated(format!("{kind}_vector"), "int -> vector");
        r.add_generated(format!("{kind}_row_vector"), "int -> row_vector");
        r.add_generated(format!("{kind}_array"), "int -> array[] real");
        r.add_generated(format!("{kind}_int_array"), "int -> array[] int");
    }
    r.add("uniform_simplex", "int -> vector");
    r.add("identity_matrix", "int -> matrix");
    r.add("diag_matrix", "vector -> matrix");
    r.add("diagonal", "matrix -> vector");
    r.add("symmetrize_from_lower_tri", "matrix -> matrix");

    r.group("Conversion and reshaping");
    for t in [
        "matrix",
        "vector",
        "row_vector",
        "array[] real",
        "array[] int",
    ] {
        r.add("to_vector", &format!("{t} -> vector"));
        r.add("to_row_vector", &format!("{t} -> row_vector"));
    }
    r.add("to_matrix", "matrix -> matrix");
    r.add("to_matrix", "vector -> matrix");
    r.add("to_matrix", "row_vector -> matrix");
    r.add("to_matrix", "array[] row_vector -> matrix");
    r.add("to_matrix", "array[,] real -> matrix");
    r.add("to_matrix", "array[,] int -> matrix");
    for t in [
        "matrix",
        "vector",
        "row_vector",
        "array[] real",
        "array[] int",
    ] {
        r.add("to_matrix", &format!("{t}, int, int -> matrix"));
        r.add("to_matrix", &format!("{t}, int, int, int -> matrix"));
    }
    for t in ["vector", "row_vector", "matrix"] {
        r.add("to_array_1d", &format!("{t} -> array[] real"));
    }
    for dims in 1..=4 {
        r.add(
            "to_array_1d",
            &format!("{} -> array[] real", array_of(dims, "real")),
        );
        r.add(
            "to_array_1d",
            &format!("{} -> array[] int", array_of(dims, "int")),
        );
    }
    r.add("to_array_2d", "matrix -> array[,] real");

    r.group("Slicing and concatenation");
    r.add("append_row", "matrix, matrix -> matrix");
    r.add("append_row", "row_vector, matrix -> matrix");
    r.add("append_row", "matrix, row_vector -> matrix");
    r.add("append_row", "row_vector, row_vector -> matrix");
    r.add("append_row", "vector, vector -> vector");
    r.add("append_row", "real, vector -> vector");
    r.add("append_row", "vector, real -> vector");
    r.add("append_col", "matrix, matrix -> matrix");
    r.add("append_col", "vector, matrix -> matrix");
    r.add("append_col", "matrix, vector -> matrix");
    r.add("append_col", "vector, vector -> matrix");
    r.add("append_col", "row_vector, row_vector -> row_vector");
    r.add("append_col", "real, row_vector -> row_vector");
    r.add("append_col", "row_vector, real -> row_vector");
    for base in BASES {
        for dims in 1..=3 {
            let t = array_of(dims, base);
            r.add("append_array", &format!("{t}, {t} -> {t}"));
            r.add("head", &format!("{t}, int -> {t}"));
            r.add("tail", &format!("{t}, int -> {t}"));
            r.add("segment", &format!("{t}, int, int -> {t}"));
            r.add("reverse", &format!("{t} -> {t}"));
        }
    }
    for t in ["vector", "row_vector"] {
        r.add("head", &format!("{t}, int -> {t}"));
        r.add("tail", &format!("{t}, int -> {t}"));
        r.add("segment", &format!("{t}, int, int -> {t}"));
        r.add("reverse", &format!("{t} -> {t}"));
    }
    r.add("block", "matrix, int, int, int, int -> matrix");
    r.add("sub_col", "matrix, int, int, int -> vector");
    r.add("sub_row", "matrix, int, int, int -> row_vector");
    r.add("col", "matrix, int -> vector");
    r.add("row", "matrix, int -> row_vector");

    r.group("Sorting and ranking");
    for t in ["array[] int", "array[] real", "vector", "row_vector"] {
        r.add("sort_asc", &format!("{t} -> {t}"));
        r.add("sort_desc", &format!("{t} -> {t}"));
        r.add("sort_indices_asc", &format!("{t} -> array[] int"));
        r.add("sort_indices_desc", &format!("{t} -> array[] int"));
        r.add("rank", &format!("{t}, int -> int"));
    }

    r.group("Linear algebra");
    r.add("add_diag", "matrix, real -> matrix");
    r.add("add_diag", "matrix, vector -> matrix");
    r.add("add_diag", "matrix, row_vector -> matrix");
    r.add("diag_pre_multiply", "vector, matrix -> matrix");
    r.add("diag_pre_multiply", "row_vector, matrix -> matrix");
    r.add("diag_post_multiply", "matrix, vector -> matrix");
    r.add("diag_post_multiply", "matrix, row_vector -> matrix");
    for name in ["quad_form", "quad_form_sym"] {
        r.add(name, "matrix, vector -> real");
        r.add(name, "matrix, matrix -> matrix");
    }
    r.add("quad_form_diag", "matrix, vector -> matrix");
    r.add("quad_form_diag", "matrix, row_vector -> matrix");
    r.add("trace_quad_form", "matrix, vector -> real");
    r.add("trace_quad_form", "matrix, matrix -> real");
    for name in [
        "tcrossprod",
        "crossprod",
        "multiply_lower_tri_self_transpose",
        "inverse",
        "inverse_spd",
        "cholesky_decompose",
        "eigenvectors_sym",
    ] {
        r.add(name, "matrix -> matrix");
    }
    r.add("mdivide_left_tri_low", "matrix, matrix -> matrix");
    r.add("mdivide_left_tri_low", "matrix, vector -> vector");
    r.add("mdivide_right_tri_low", "row_vector, matrix -> row_vector");
    r.add("mdivide_right_tri_low", "matrix, matrix -> matrix");
    r.add("mdivide_left_spd", "matrix, vector -> vector");
    r.add("mdivide_left_spd", "matrix, matrix -> matrix");
    r.add("mdivide_right_spd", "row_vector, matrix -> row_vector");
    r.add("mdivide_right_spd", "matrix, matrix -> matrix");
    r.add("log_determinant", "matrix -> real");
    r.add("determinant", "matrix -> real");
    r.add("trace", "matrix -> real");
    r.add("eigenvalues_sym", "matrix -> vector");
    r.add("singular_values", "matrix -> vector");
    r.add("softmax", "vector -> vector");
    r.add("log_softmax", "vector -> vector");

    r.group("Gaussian-process covariances");
    for name in [
        "gp_exp_quad_cov",
        "gp_matern32_cov",
        "gp_matern52_cov",
        "gp_exponential_cov",
    ] {
        r.add(name, "array[] real, real, real -> matrix");
        r.add(name, "array[] real, array[] real, real, real -> matrix");
        r.add(name, "array[] vector, real, real -> matrix");
        r.add(name, "array[] vector, array[] vector, real, real -> matrix");
        r.add(name, "array[] vector, real, array[] real -> matrix");
        r.add(
            name,
            "array[] vector, array[] vector, real, array[] real -> matrix",
        );
    }
    r.add("cov_exp_quad", "array[] real, real, real -> matrix");
    r.add(
        "cov_exp_quad",
        "array[] real, array[] real, real, real -> matrix",
    );
    r.add("cov_exp_quad", "array[] vector, real, real -> matrix");
    r.add(
        "cov_exp_quad",
        "array[] vector, array[] vector, real, real -> matrix",
    );
    r.add("cov_exp_quad", "array[] row_vector, real, real -> matrix");
    r.add(
        "cov_exp_quad",
        "array[] row_vector, array[] row_vector, real, real -> matrix",
    );
    r.add(
        "gp_periodic_cov",
        "array[] real, real, real, real -> matrix",
    );
    r.add(
        "gp_periodic_cov",
        "array[] real, array[] real, real, real, real -> matrix",
    );
    r.add(
        "gp_periodic_cov",
        "array[] vector, real, real, real -> matrix",
    );
    r.add(
        "gp_periodic_cov",
        "array[] vector, array[] vector, real, real, real -> matrix",
    );
    r.add("gp_dot_prod_cov", "array[] real, real -> matrix");
    r.add(
        "gp_dot_prod_cov",
        "array[] real, array[] real, real -> matrix",
    );
    r.add("gp_dot_prod_cov", "array[] vector, real -> matrix");
    r.add(
        "gp_dot_prod_cov",
        "array[] vector, array[] vector, real -> matrix",
    );
}

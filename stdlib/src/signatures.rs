//! The one table of built-in function signatures that the type checker reads.
//!
//! Signatures are written in a compact text form, parsed once:
//! `"reals, reals, reals -> real"`. Argument types are Stan's unsized types
//! (`int`, `real`, `vector`, `row_vector`, `matrix`, `array[] real`,
//! `array[,] int`, ...), the vectorization classes `reals`, `ints`,
//! `vectors`, `T` (anything) and `container`, each optionally prefixed by
//! `data`. Return types are a type, `void`, `R0` (the promoted type of
//! argument 0), `S0` (exactly the type of argument 0), `reals` (real, or
//! `array[] real` when any argument is a container: vectorized `_rng`), or
//! `ints` (the same for int).

use crate::types::{Arg, ArgType, BaseType, ReturnType, Signature, UnsizedType};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every signature of every built-in, grouped by name.
pub struct SignatureTable {
    by_name: HashMap<&'static str, Vec<Signature>>,
}

impl SignatureTable {
    /// The signatures of `name`, empty if it is not a built-in.
    pub fn lookup(&self, name: &str) -> &[Signature] {
        self.by_name.get(name).map(|v| v.as_slice()).unwrap_or(&[])
    }
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }
    /// Every built-in name, for "did you mean" suggestions and docs.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }
}

/// The table, built on first use.
pub fn table() -> &'static SignatureTable {
    static TABLE: OnceLock<SignatureTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_name: HashMap<&'static str, Vec<Signature>> = HashMap::new();
        for row in crate::builtins::rows() {
            // A row that does not parse is skipped here, never a panic; the
            // test `every_signature_in_the_table_parses` keeps the table clean.
            if let Ok(sig) = parse_signature(row.name, &row.spec) {
                by_name.entry(row.name).or_default().push(sig);
            }
        }
        SignatureTable { by_name }
    })
}

/// Whether `name` is a function of Stan's that cmod does not provide yet
/// (so the checker says "not supported yet" rather than "unknown").
pub fn is_known_unsupported(name: &str) -> bool {
    crate::builtins::NOT_YET_SUPPORTED.contains(&name)
}

/// Parses one signature in the compact text form.
pub fn parse_signature(name: &'static str, spec: &str) -> Result<Signature, String> {
    let (args_text, ret_text) = spec.split_once("->").ok_or("missing `->`")?;
    let args = split_top_level(args_text.trim())
        .iter()
        .map(|piece| parse_arg(piece))
        .collect::<Result<Vec<_>, _>>()?;
    let ret = parse_return(ret_text.trim())?;
    Ok(Signature { name, args, ret })
}

/// Splits an argument list at commas outside brackets (`array[,] int` keeps its comma).
fn split_top_level(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
}

fn parse_arg(text: &str) -> Result<Arg, String> {
    let text = text.trim();
    let (data_only, text) = match text.strip_prefix("data ") {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let ty = match text {
        "reals" => ArgType::Reals,
        "ints" => ArgType::Ints,
        "vectors" => ArgType::Vectors,
        "T" => ArgType::Any,
        "container" => ArgType::AnyContainer,
        other => ArgType::Exact(parse_type(other)?),
    };
    Ok(Arg { ty, data_only })
}

fn parse_return(text: &str) -> Result<ReturnType, String> {
    Ok(match text {
        "void" => ReturnType::Void,
        "reals" => ReturnType::RealOrArray,
        "ints" => ReturnType::IntOrArray,
        t if t.len() == 2 && t.starts_with('R') => ReturnType::PromotedArg(digit(t)?),
        t if t.len() == 2 && t.starts_with('S') => ReturnType::SameAsArg(digit(t)?),
        t => ReturnType::Exact(parse_type(t)?),
    })
}

fn digit(t: &str) -> Result<usize, String> {
    t[1..]
        .parse()
        .map_err(|_| format!("bad argument index in `{t}`"))
}

/// Parses `real`, `vector`, `array[] int`, `array[,,] matrix`, ...
pub fn parse_type(text: &str) -> Result<UnsizedType, String> {
    let text = text.trim();
    let (array_dims, base_text) = match text.strip_prefix("array[") {
        Some(rest) => {
            let close = rest.find(']').ok_or("unclosed `array[`")?;
            (
                rest[..close].matches(',').count() as u8 + 1,
                rest[close + 1..].trim(),
            )
        }
        None => (0, text),
    };
    let base = match base_text {
        "int" => BaseType::Int,
        "real" => BaseType::Real,
        "vector" => BaseType::Vector,
        "row_vector" => BaseType::RowVector,
        "matrix" => BaseType::Matrix,
        other => return Err(format!("unknown type `{other}`")),
    };
    Ok(UnsizedType { base, array_dims })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_in_the_table_parses() {
        let mut bad = Vec::new();
        for row in crate::builtins::rows() {
            if let Err(e) = parse_signature(row.name, &row.spec) {
                bad.push(format!("{}: `{}`: {e}", row.name, row.spec));
            }
        }
        assert!(
            bad.is_empty(),
            "rows that do not parse:\n{}",
            bad.join("\n")
        );
        let t = table();
        assert!(t.contains("normal_lpdf"));
        assert!(t.names().count() > 400);
    }

    #[test]
    fn docs_functions_md_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/functions.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == crate::builtins::functions_markdown(),
            "docs/functions.md is out of date: run `cargo run -p stdlib --example gen_functions_doc`"
        );
    }

    #[test]
    fn no_row_is_repeated() {
        let mut seen = std::collections::HashSet::new();
        let mut repeated = Vec::new();
        for row in crate::builtins::rows() {
            if !seen.insert((row.name, row.spec.replace(' ', ""))) {
                repeated.push(format!("{}: {}", row.name, row.spec));
            }
        }
        assert!(
            repeated.is_empty(),
            "repeated rows:\n{}",
            repeated.join("\n")
        );
    }

    #[test]
    fn supported_and_not_yet_supported_are_disjoint() {
        let t = table();
        let both: Vec<_> = crate::builtins::NOT_YET_SUPPORTED
            .iter()
            .filter(|n| t.contains(n))
            .collect();
        assert!(
            both.is_empty(),
            "in the table and in NOT_YET_SUPPORTED: {both:?}"
        );
    }

    #[test]
    fn issue_6_functions_are_all_in_the_table() {
        let t = table();
        let continuous = [
            "normal",
            "student_t",
            "cauchy",
            "double_exponential",
            "logistic",
            "gumbel",
            "skew_normal",
            "exp_mod_normal",
            "lognormal",
            "chi_square",
            "inv_chi_square",
            "scaled_inv_chi_square",
            "exponential",
            "gamma",
            "inv_gamma",
            "weibull",
            "frechet",
            "pareto",
            "pareto_type_2",
            "beta",
            "von_mises",
            "uniform",
        ];
        for f in continuous {
            for suffix in ["_lpdf", "_lupdf", "_cdf", "_lcdf", "_lccdf", "_rng"] {
                assert!(t.contains(&format!("{f}{suffix}")), "missing {f}{suffix}");
            }
        }
        let discrete = [
            "bernoulli",
            "bernoulli_logit",
            "bernoulli_logit_glm",
            "binomial",
            "binomial_logit",
            "beta_binomial",
            "hypergeometric",
            "categorical",
            "categorical_logit",
            "multinomial",
            "multinomial_logit",
            "ordered_logistic",
            "ordered_probit",
            "poisson",
            "poisson_log",
            "poisson_log_glm",
            "neg_binomial",
            "neg_binomial_2",
            "neg_binomial_2_log",
            "neg_binomial_2_log_glm",
        ];
        for f in discrete {
            assert!(t.contains(&format!("{f}_lpmf")), "missing {f}_lpmf");
            assert!(t.contains(&format!("{f}_lupmf")), "missing {f}_lupmf");
        }
        for f in [
            "multi_normal",
            "multi_normal_cholesky",
            "multi_normal_prec",
            "multi_student_t",
            "multi_student_t_cholesky",
            "dirichlet",
            "lkj_corr",
            "lkj_corr_cholesky",
            "wishart",
            "wishart_cholesky",
            "inv_wishart",
            "inv_wishart_cholesky",
            "normal_id_glm",
        ] {
            assert!(t.contains(&format!("{f}_lpdf")), "missing {f}_lpdf");
        }
        for f in [
            "exp",
            "log",
            "log2",
            "log10",
            "log1p",
            "expm1",
            "log1m",
            "log1p_exp",
            "log1m_exp",
            "log_diff_exp",
            "log_sum_exp",
            "log_mix",
            "log_inv_logit",
            "log1m_inv_logit",
            "inv_logit",
            "logit",
            "inv_cloglog",
            "Phi",
            "Phi_approx",
            "inv_Phi",
            "erf",
            "erfc",
            "lgamma",
            "tgamma",
            "digamma",
            "trigamma",
            "lbeta",
            "lchoose",
            "choose",
            "falling_factorial",
            "log_falling_factorial",
            "rising_factorial",
            "log_rising_factorial",
            "inc_beta",
            "gamma_p",
            "gamma_q",
            "bessel_first_kind",
            "modified_bessel_first_kind",
            "log_modified_bessel_first_kind",
            "owens_t",
            "lambert_w0",
            "binary_log_loss",
            "pow",
            "sqrt",
            "cbrt",
            "square",
            "inv",
            "inv_sqrt",
            "inv_square",
            "hypot",
            "fma",
            "fmin",
            "fmax",
            "fdim",
            "fmod",
            "fabs",
            "abs",
            "floor",
            "ceil",
            "round",
            "trunc",
            "step",
            "int_step",
            "is_inf",
            "is_nan",
            "sin",
            "cos",
            "tan",
            "asin",
            "acos",
            "atan",
            "atan2",
            "sinh",
            "cosh",
            "tanh",
            "asinh",
            "acosh",
            "atanh",
            "pi",
            "e",
            "sqrt2",
            "not_a_number",
            "positive_infinity",
            "negative_infinity",
            "machine_precision",
            "sum",
            "prod",
            "mean",
            "variance",
            "sd",
            "min",
            "max",
            "cumulative_sum",
            "dot_product",
            "dot_self",
            "squared_distance",
            "distance",
            "columns_dot_product",
            "rows_dot_product",
            "columns_dot_self",
            "rows_dot_self",
            "num_elements",
            "size",
            "rows",
            "cols",
            "dims",
            "rep_vector",
            "rep_row_vector",
            "rep_matrix",
            "rep_array",
            "linspaced_vector",
            "linspaced_array",
            "one_hot_vector",
            "zeros_vector",
            "ones_vector",
            "uniform_simplex",
            "identity_matrix",
            "diag_matrix",
            "diagonal",
            "to_vector",
            "to_row_vector",
            "to_matrix",
            "to_array_1d",
            "to_array_2d",
            "to_int",
            "append_row",
            "append_col",
            "head",
            "tail",
            "segment",
            "block",
            "sub_col",
            "sub_row",
            "col",
            "row",
            "reverse",
            "sort_asc",
            "sort_desc",
            "sort_indices_asc",
            "sort_indices_desc",
            "rank",
            "transpose",
            "add_diag",
            "diag_pre_multiply",
            "diag_post_multiply",
            "quad_form",
            "quad_form_sym",
            "quad_form_diag",
            "trace_quad_form",
            "tcrossprod",
            "crossprod",
            "multiply_lower_tri_self_transpose",
            "mdivide_left",
            "mdivide_right",
            "mdivide_left_tri_low",
            "mdivide_right_tri_low",
            "mdivide_left_spd",
            "mdivide_right_spd",
            "inverse",
            "inverse_spd",
            "cholesky_decompose",
            "log_determinant",
            "determinant",
            "eigenvalues_sym",
            "eigenvectors_sym",
            "singular_values",
            "trace",
            "softmax",
            "log_softmax",
            "gp_exp_quad_cov",
            "cov_exp_quad",
            "gp_matern32_cov",
            "gp_matern52_cov",
            "gp_exponential_cov",
            "gp_periodic_cov",
            "gp_dot_prod_cov",
        ] {
            assert!(t.contains(f), "missing {f}");
        }
    }

    #[test]
    fn int_valued_functions_return_int() {
        let t = table();
        for (name, arg) in [
            ("size", UnsizedType::VECTOR),
            ("num_elements", UnsizedType::MATRIX),
            ("to_int", UnsizedType::REAL),
            ("sort_indices_asc", UnsizedType::VECTOR),
        ] {
            let sig = t
                .lookup(name)
                .iter()
                .find(|s| s.args.len() == 1 && s.args[0].ty.accepts(arg))
                .unwrap();
            let ret_base = match sig.ret {
                ReturnType::Exact(u) => u.base,
                _ => BaseType::Int,
            };
            assert_eq!(ret_base, BaseType::Int, "{name}");
        }
        assert!(t
            .lookup("choose")
            .iter()
            .any(|s| s.ret == ReturnType::Exact(UnsizedType::INT)));
    }

    #[test]
    fn multi_dimensional_array_arguments_parse() {
        let s = parse_signature("f", "array[,] real, int -> array[,] real").unwrap();
        assert_eq!(s.args.len(), 2);
        assert_eq!(
            s.args[0].ty,
            ArgType::Exact(UnsizedType::array(BaseType::Real, 2))
        );
        assert_eq!(
            s.ret,
            ReturnType::Exact(UnsizedType::array(BaseType::Real, 2))
        );
    }
}

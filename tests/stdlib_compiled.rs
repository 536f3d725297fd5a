//! The standard library through the whole compiler: every scalar-valued case of shared/golden/functions.json compiled as `target += f(args)` (value against SciPy, gradient against finite differences), then a table of expressions for the functions the golden file lacks, and moment and chi-square tests of the vector-valued and categorical RNGs.

mod support;

use compiler::compiled::{CompiledModel, Evaluator};
use serde_json::Value;
use std::sync::Arc;

fn golden_cases() -> Vec<(String, Vec<Value>, Value)> {
    let path = support::shared().join("golden/functions.json");
    let text = std::fs::read_to_string(&path).expect("functions.json");
    let root: Value = serde_json::from_str(&text).expect("golden JSON");
    root["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["fn"].as_str().unwrap_or("").to_string(),
                c["args"].as_array().cloned().unwrap_or_default(),
                c["value"].clone(),
            )
        })
        .collect()
}

/// A model computing `target += name(args)`: reals (and lists of reals) become
/// parameters, ints (and lists of ints) literals. Returns the source and the
/// unconstrained point holding the real arguments.
fn model_for(name: &str, args: &[Value]) -> (String, Vec<f64>) {
    let mut params = String::new();
    let mut texts = Vec::new();
    let mut u = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Number(x) if x.is_i64() => texts.push(x.to_string()),
            Value::Number(x) => {
                params += &format!("  real a{i};\n");
                u.push(x.as_f64().unwrap_or(f64::NAN));
                texts.push(format!("a{i}"));
            }
            Value::Array(rows) if rows.first().is_some_and(|r| r.is_array()) => {
                // A matrix, given as a list of rows: column-major parameters.
                let r = rows.len();
                let c = rows[0].as_array().map_or(0, |x| x.len());
                params += &format!("  matrix[{r}, {c}] a{i};\n");
                for j in 0..c {
                    for row in rows {
                        u.push(row[j].as_f64().unwrap_or(f64::NAN));
                    }
                }
                texts.push(format!("a{i}"));
            }
            Value::Array(xs) if xs.iter().all(|x| x.is_i64()) => {
                let items: Vec<String> = xs.iter().map(|x| x.to_string()).collect();
                texts.push(format!("{{{}}}", items.join(", ")));
            }
            Value::Array(xs) => {
                params += &format!("  vector[{}] a{i};\n", xs.len());
                u.extend(xs.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)));
                texts.push(format!("a{i}"));
            }
            _ => texts.push("not_a_number()".into()),
        }
    }
    let density = ["_lpdf", "_lpmf", "_cdf", "_lcdf", "_lccdf"]
        .iter()
        .any(|s| name.ends_with(s));
    let call = if density && texts.len() == 1 {
        format!("{name}({} |)", texts[0])
    } else if density && texts.len() > 1 {
        format!("{name}({} | {})", texts[0], texts[1..].join(", "))
    } else {
        format!("{name}({})", texts.join(", "))
    };
    (
        format!("parameters {{\n{params}}}\nmodel {{\n  target += {call};\n}}\n"),
        u,
    )
}

/// Special functions computed by series or continued fractions get 1e-8 (as in stdlib's golden test).
fn tolerance(name: &str) -> f64 {
    let loose = [
        "gamma",
        "beta",
        "chi_square",
        "student_t",
        "bessel",
        "owens",
        "skew_normal",
        "exp_mod",
        "binomial",
        "poisson_cdf",
        "inc_",
        "lambert",
        "von_mises",
        "neg_binomial",
        "digamma",
        "trigamma",
        "inv_Phi",
        "ordered_probit",
    ];
    if loose.iter().any(|l| name.contains(l))
        && (name.contains("cdf") || !name.contains("lp") || name.contains("ordered"))
    {
        1e-8
    } else {
        1e-10
    }
}

/// The largest gradient error against five-point central differences, relative to the gradient's scale.
fn fd_error(ev: &mut Evaluator, u: &[f64]) -> Result<f64, String> {
    let mut grad = vec![0.0; u.len()];
    let lp = ev.log_density_gradient(u, &mut grad, false)?;
    let mut worst: f64 = 0.0;
    for i in 0..u.len() {
        // Two step sizes (the larger for rounding, the smaller near a boundary); the better counts.
        let mut best = f64::INFINITY;
        for rel in [1e-3, 1e-5] {
            let h = (rel * u[i].abs()).max(rel * 1e-3);
            let mut at = |d: f64| {
                let mut v = u.to_vec();
                v[i] += d;
                ev.log_density(&v, false)
            };
            let fd = (8.0 * (at(h)? - at(-h)?) - (at(2.0 * h)? - at(-2.0 * h)?)) / (12.0 * h);
            if !fd.is_finite() {
                continue;
            }
            let scale = grad[i].abs().max(1.0) + 1e-13 * lp.abs() / h;
            best = best.min((fd - grad[i]).abs() / scale);
        }
        if best.is_finite() {
            worst = worst.max(best);
        }
    }
    Ok(worst)
}

fn compile(source: &str) -> Result<CompiledModel, String> {
    support::compile_source("case.cmod", source, None)
}

#[test]
fn golden_values_and_gradients_through_the_compiler() {
    let mut passed = 0;
    let mut gradients = 0;
    let mut failures = Vec::new();
    let mut skipped = std::collections::BTreeSet::new();
    for (name, args, want) in golden_cases() {
        // Vector-valued functions (softmax, GP covariances) are checked by stdlib's own tests.
        if want.is_array() || name == "choose" && args.first().and_then(|a| a.as_i64()) > Some(60) {
            continue;
        }
        let (source, u) = model_for(&name, &args);
        let model = match compile(&source) {
            Ok(m) => m,
            Err(e) => {
                skipped.insert(format!("{name}: {}", e.lines().next().unwrap_or("")));
                continue;
            }
        };
        let want = match &want {
            Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
            Value::String(s) if s == "inf" => f64::INFINITY,
            v => v.as_f64().unwrap_or(f64::NAN),
        };
        let mut ev = Evaluator::new(Arc::new(model));
        let got = match ev.log_density(&u, false) {
            Ok(v) => v,
            Err(e) if want == f64::NEG_INFINITY => {
                // Stan rejects some points outside the support instead of returning -inf.
                let _ = e;
                passed += 1;
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}{args:?}: {e}"));
                continue;
            }
        };
        let ok = if want.is_infinite() {
            got == want
        } else {
            (got - want).abs() <= tolerance(&name) * want.abs().max(1e-300)
                || (got - want).abs() < 1e-300
        };
        if !ok {
            failures.push(format!("{name}{args:?}: got {got:e}, want {want:e}"));
            continue;
        }
        passed += 1;
        // Simplex arguments leave the simplex when one coordinate moves; y = mu is
        // the double exponential's kink.
        // Symmetric matrix arguments leave symmetry likewise (stdlib's linalg_adjoints checks those partials).
        let no_gradient = [
            "categorical_lpmf",
            "multinomial_lpmf",
            "dirichlet_lpdf",
            "multi_normal_lpdf",
            "multi_normal_prec_lpdf",
            "multi_student_t_lpdf",
            "wishart_lpdf",
            "inv_wishart_lpdf",
        ]
        .contains(&name.as_str())
            || (name.starts_with("double_exponential") && args.first() == args.get(1));
        if got.is_finite() && !u.is_empty() && !no_gradient {
            gradients += 1;
            match fd_error(&mut ev, &u) {
                // CDFs by series or continued fractions: the 1e-5 of stdlib's own gradient test.
                Ok(err) if err <= if tolerance(&name) > 1e-10 { 1e-5 } else { 1e-6 } => {}
                Ok(err) => failures.push(format!("{name}{args:?}: gradient error {err:e}")),
                Err(e) => failures.push(format!("{name}{args:?}: gradient: {e}")),
            }
        }
    }
    println!("compiled golden cases: {passed} values and {gradients} gradients agree; skipped: {skipped:#?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Functions the golden file does not cover, as expressions of parameters `x` (vector[3]),
/// `s` (real), `m` (matrix[3, 3]) and `l` (array[4] real): `(declarations, expression)`.
/// Each is checked for a finite value and a gradient equal to finite differences.
const EXPRESSIONS: &[&str] = &[
    "sum(sort_asc(x))",
    "dot_product(sort_desc(x), [1, 2, 3]')",
    "x[sort_indices_asc(x)[1]] + rank(l, 2)",
    "log_mix(softmax(x), [-1, -2, -0.5]')",
    "log_mix(softmax(x), {[-1, -2, -0.5]', x})",
    "sum(gp_exp_quad_cov(l, s * s + 0.5, 1.3))",
    "sum(gp_exp_quad_cov(l, {0.3, 2.0}, s * s + 0.5, 1.3))",
    "sum(gp_matern32_cov(l, s * s + 0.5, 1.1))",
    "sum(gp_matern52_cov(l, {0.3, 2.0}, 1.2, s * s + 0.5))",
    "sum(gp_exponential_cov(l, 0.7, s * s + 0.5))",
    "sum(gp_periodic_cov(l, 0.7, s * s + 0.5, 2.0))",
    "sum(gp_dot_prod_cov(l, s))",
    "sum(gp_exp_quad_cov({x, x + 1}, {x}, 1.0, 2.0))",
    "log_determinant(m' * m + identity_matrix(3))",
    "determinant(m + 3 * identity_matrix(3))",
    "sum(inverse(m + 3 * identity_matrix(3)))",
    "sum(inverse_spd(crossprod(m) + identity_matrix(3)))",
    "sum(tcrossprod(m))",
    "sum(eigenvalues_sym(crossprod(m)))",
    "sum(square(eigenvectors_sym(crossprod(m) + diag_matrix([1, 2, 3]'))) * [1, 2, 3]')",
    // (m itself is singular at the test point: consecutive sines are linearly dependent.)
    "sum(singular_values(m + diag_matrix([1, 2, 3]')) .* [1, 2, 3]')",
    "sum(singular_values(append_col(m + diag_matrix([1, 2, 3]'), x)))",
    "sum(singular_values(append_row(m, x')))",
    "sum(mdivide_left_tri_low(cholesky_decompose(crossprod(m) + identity_matrix(3)), x))",
    "sum(mdivide_right_tri_low(x', cholesky_decompose(crossprod(m) + identity_matrix(3))))",
    "sum(mdivide_left_spd(crossprod(m) + identity_matrix(3), x))",
    "sum(mdivide_left(m + 3 * identity_matrix(3), x))",
    "sum(mdivide_right(x', m + 3 * identity_matrix(3)))",
    "sum(mdivide_right_spd(x', crossprod(m) + identity_matrix(3)))",
    "quad_form(crossprod(m), x)",
    "sum(quad_form_sym(crossprod(m), m))",
    "trace_quad_form(crossprod(m), m)",
    "trace(m)",
    "sum(diag_post_multiply(m, x))",
    "sum(diagonal(m)) + sum(col(m, 2)) + sum(row(m, 3)) + sum(block(m, 2, 1, 2, 2))",
    "sum(sub_col(m, 2, 3, 2)) + sum(sub_row(m, 3, 1, 2)) + sum(transpose(m) * x)",
    "sum(reverse(x) .* [1, 2, 3]')",
    "norm1(x) + norm2(x)",
    "sum(rows_dot_product(m, m)) + sum(columns_dot_self(m)) + sum(rows_dot_self(x))",
    "inc_beta(2.0, 3.0, inv_logit(s)) + inc_beta(exp(s), 1.5, 0.3)",
    "gamma_p(s * s + 1, 2.0) + gamma_q(1.5, s * s + 0.2)",
    "owens_t(s, 0.7) + sum(lmultiply(x, exp(x))) + log_inv_logit_diff(s + 1, s)",
    "log_falling_factorial(s * s + 3, 1.5) + log_rising_factorial(s * s + 1, 2.5)",
    "falling_factorial(s * s + 3, 2) + rising_factorial(s * s + 1, 3)",
    "log_modified_bessel_first_kind(0.5, s * s + 1) + bessel_first_kind(1, s) + modified_bessel_first_kind(2, s)",
    "binary_log_loss(1, inv_logit(s)) + lmgamma(3, s * s + 2) + lambert_w0(s * s) + lambert_wm1(-0.2 - 0.1 * inv_logit(s))",
    "inv_erfc(inv_logit(s)) + std_normal_log_qf(log(inv_logit(s))) + std_normal_qf(inv_logit(s))",
    "sum(fma(x, x, x)) + beta(s * s + 1, 2.5)",
    "add(s, s) + sum(subtract(x, x)) + sum(elt_multiply(x, x)) + sum(elt_divide(x, exp(x))) + minus(s)",
    "ordered_logistic_lpmf(2 | s, [-1, 0.5]') + ordered_probit_lpmf({1, 3} | x[1:2], [-1, 0.5]')",
    "ordered_logistic_lpmf({1, 3} | x[1:2], {[-1, 0.5]', [-0.5, 1]'})",
    "multi_student_t_lpdf(x | 4.0, [0, 1, 0]', crossprod(m) + identity_matrix(3))",
    "multi_student_t_cholesky_lpdf(x | 4.0, [0, 1, 0]', cholesky_decompose(crossprod(m) + identity_matrix(3)))",
    "multi_normal_prec_lpdf(x | [0, 1, 0]', crossprod(m) + identity_matrix(3))",
    "von_mises_cdf(0.3 * s | 0.2, 1.5 + exp(s)) + von_mises_lcdf(x | s, 2.0) + von_mises_lccdf(-0.5 | x, exp(x))",
    "wishart_cholesky_lpdf(cholesky_decompose(crossprod(m) + identity_matrix(3)) | 4.0 + exp(s), cholesky_decompose(tcrossprod(m) + diag_matrix(exp(x))))",
    "inv_wishart_cholesky_lpdf(cholesky_decompose(crossprod(m) + identity_matrix(3)) | 4.0 + exp(s), cholesky_decompose(tcrossprod(m) + diag_matrix(exp(x))))",
    "wishart_cholesky_lupdf(cholesky_decompose(crossprod(m) + identity_matrix(3)) | 4.5, cholesky_decompose(diag_matrix(exp(x))))",
    "bernoulli_logit_glm_lpmf({0, 1, 1} | m, s, x)",
    "poisson_log_glm_lpmf({0, 2, 1} | m, s, x)",
    "neg_binomial_2_log_glm_lpmf({0, 2, 1} | m, s, x, exp(s) + 1)",
    "poisson_lcdf(3 | exp(s)) + poisson_lccdf(3 | exp(s)) + poisson_cdf(2 | exp(s))",
    "binomial_lcdf(3 | 10, inv_logit(s)) + binomial_lccdf(3 | 10, inv_logit(s))",
    "neg_binomial_2_lcdf(3 | exp(s), 2.0) + neg_binomial_lccdf(3 | 2.0, exp(s))",
    "beta_binomial_lcdf(3 | 10, exp(s), 2.0) + beta_binomial_lccdf(3 | 10, 2.0, exp(s)) + beta_binomial_cdf(5 | 10, exp(s), 1.5)",
    "bernoulli_lcdf(0 | inv_logit(s)) + discrete_range_lpmf(2 | 1, 4) + discrete_range_lcdf(2 | 1, 4) + hypergeometric_lpmf(2 | 5, 4, 6)",
    "sum(gp_exp_quad_cov({x, x + 1, 2 * x}, s * s + 0.5, {1.0, 2.0, exp(s)}))",
    "sum(gp_exp_quad_cov({x, x + 1}, {x - 1}, 1.3, {exp(s), 2.0, 0.5}))",
    "sum(gp_matern32_cov({x, x + 1, 2 * x}, 1.2, {1.0, 2.0, exp(s)})) + sum(gp_matern32_cov({x}, {x + s}, 1.2, {1.0, 2.0, 0.7}))",
    "sum(gp_matern52_cov({x, x + 1, 2 * x}, 1.2, {1.0, 2.0, exp(s)})) + sum(gp_matern52_cov({x}, {x + s}, 1.2, {1.0, 2.0, 0.7}))",
    "sum(gp_exponential_cov({x, x + 1, 2 * x}, 1.2, {1.0, 2.0, exp(s)})) + sum(gp_exponential_cov({x}, {x + s}, 1.2, {1.0, 2.0, 0.7}))",
    "sum(to_matrix(m, 1, 9) * x[1]) + to_matrix(l, 2, 2, 0)[1, 2] * s + sum(to_matrix({l, l}) * [1, 2, 3, 4]')",
    "sum(to_matrix(x', 3, 1)) + sum(to_matrix(m) * x) + sum(to_matrix({x', 2 * x'}) * x) + to_matrix(x, 1, 3, 1)[1, 2] * s",
    "sum(to_array_2d(m)[2]) + to_array_2d(m)[1, 3] * s",
    "sum(append_row(m, x') * x) + sum(append_row(x', m) * x) + sum(append_row(x', s * x') * x)",
    "sum(append_col(m, x) * [1, 2, 3, 4]') + sum(append_col(x, m) * [1, 2, 3, 4]') + sum(append_col(x, x * s) * [1, 2]')",
    "sum(append_array(l, {s, s * s})) + sum(append_array({x}, {x * s})[2]) + sum(append_array({m}, {m})[2] * x)",
    "sum(divide(s, exp(x))) + sum(divide(s, exp(x'))) + sum(divide(s, exp(m))) + sum(log_sum_exp(s, x)) + sum(log_sum_exp(s, l)) + sum(log_sum_exp(s, m))",
];

/// Values of reshaping and joining functions, which must put each element in
/// its place: `(expression, value)` with literal arguments.
const VALUES: &[(&str, f64)] = &[
    ("to_matrix({1, 2, 3, 4, 5, 6}, 2, 3)[2, 1]", 2.0),
    ("to_matrix({1, 2, 3, 4, 5, 6}, 2, 3, 0)[2, 1]", 4.0),
    ("to_matrix({1, 2, 3, 4, 5, 6}, 2, 3, 1)[2, 2]", 4.0),
    ("to_matrix({1.0, 2, 3, 4, 5, 6}, 2, 3, 0)[1, 3]", 3.0),
    ("to_matrix({1.0, 2, 3, 4, 5, 6}, 3, 2)[3, 1]", 3.0),
    ("to_matrix({{1, 2, 3}, {4, 5, 6}})[2, 3]", 6.0),
    ("to_matrix({{1.0, 2, 3}, {4, 5, 6}})[1, 2]", 2.0),
    ("to_matrix({[1, 2, 3], [4, 5, 6]})[2, 1]", 4.0),
    ("to_matrix([1, 2, 3, 4, 5, 6]', 3, 2)[1, 2]", 4.0),
    ("to_matrix([1, 2, 3, 4, 5, 6], 2, 3, 0)[2, 1]", 4.0),
    // A matrix's elements are read in column-major order: 1, 4, 2, 5, 3, 6.
    ("to_matrix([[1, 2, 3], [4, 5, 6]], 3, 2)[3, 1]", 2.0),
    ("to_matrix([[1, 2, 3], [4, 5, 6]], 3, 2, 0)[3, 1]", 3.0),
    ("rows(to_matrix([1, 2, 3]')) + 10 * cols(to_matrix([1, 2, 3]'))", 13.0),
    ("rows(to_matrix([1, 2, 3])) + 10 * cols(to_matrix([1, 2, 3]))", 31.0),
    ("to_array_2d([[1, 2], [3, 4], [5, 6]])[3, 1]", 5.0),
    ("to_array_2d([[1, 2], [3, 4], [5, 6]])[1, 2]", 2.0),
    ("to_int(3.7) + 10 * to_int(-3.7)", -27.0),
    ("to_int({1.5, 2.5})[2] + 10 * to_int({{1, 2}, {3, 4}})[2, 1]", 32.0),
    ("to_int({{{1.9}}})[1, 1, 1]", 1.0),
    ("append_array({1, 2}, {3})[3] + 10 * size(append_array({1, 2}, {3}))", 33.0),
    ("append_array({{1, 2}}, {{3, 4}, {5, 6}})[3, 1]", 5.0),
    ("append_array({1.5}, {2.5, 3.5})[2]", 2.5),
    ("append_array({[1, 2]'}, {[3, 4]'})[2][1]", 3.0),
    ("append_array({[[1, 2]]}, {[[3, 4]]})[2][1, 2]", 4.0),
    ("append_row([[1, 2]], [[3, 4], [5, 6]])[3, 2]", 6.0),
    ("append_row([[1, 2], [3, 4]], [5, 6])[2, 1] + 10 * append_row([[1, 2], [3, 4]], [5, 6])[3, 2]", 63.0),
    ("append_row([1, 2], [[3, 4]])[2, 1]", 3.0),
    ("append_row([1, 2], [3, 4])[2, 2]", 4.0),
    ("append_col([[1, 2], [3, 4]], [5, 6]')[2, 3]", 6.0),
    ("append_col([[1, 2], [3, 4]], [[5], [6]])[1, 3]", 5.0),
    ("append_col([1, 2]', [3, 4]')[1, 2]", 3.0),
    ("append_col([1, 2]', [[3], [4]])[2, 1] + 10 * append_col([1, 2]', [[3], [4]])[2, 2]", 42.0),
    // Per-dimension length scales: sigma^2 exp(-0.5 * ((1 - 0) / 2)^2 - 0.5 * ((0 - 3) / 3)^2).
    ("gp_exp_quad_cov({[0, 3]'}, {[1, 0]'}, 1.5, {2.0, 3.0})[1, 1]", 2.25 * 0.5352614285189903),
    ("gp_exponential_cov({[0, 0]', [3, 4]'}, 2.0, {1.0, 1.0})[1, 2]", 4.0 * 0.006737946999085467),
    ("log_sum_exp([0, log(3)]', 0)[2] + log_sum_exp({0.0, log(3)}, {0.0, 0.0})[1]", 3.0 * std::f64::consts::LN_2),
    ("sum(singular_values([[3, 0], [0, -4], [0, 0]]) .* [1, 10]')", 34.0),
    ("sum(abs(eigenvectors_sym([[2, 0], [0, 1]])) .* [[1, 10], [100, 1000]])", 110.0),
    // The Cholesky-factor densities: the (inverse) Wishart density of L L' times the Jacobian 2^K prod L_kk^(K - k + 1).
    (
        "wishart_cholesky_lpdf([[1.3, 0, 0], [0.4, 0.9, 0], [-0.2, 0.5, 1.1]] | 4.5, [[0.8, 0, 0], [-0.3, 1.2, 0], [0.6, 0.1, 0.7]]) \
         - wishart_lpdf(tcrossprod([[1.3, 0, 0], [0.4, 0.9, 0], [-0.2, 0.5, 1.1]]) | 4.5, tcrossprod([[0.8, 0, 0], [-0.3, 1.2, 0], [0.6, 0.1, 0.7]])) \
         - 3 * log(2) - 3 * log(1.3) - 2 * log(0.9) - log(1.1)",
        0.0,
    ),
    (
        "inv_wishart_cholesky_lpdf([[1.3, 0, 0], [0.4, 0.9, 0], [-0.2, 0.5, 1.1]] | 4.5, [[0.8, 0, 0], [-0.3, 1.2, 0], [0.6, 0.1, 0.7]]) \
         - inv_wishart_lpdf(tcrossprod([[1.3, 0, 0], [0.4, 0.9, 0], [-0.2, 0.5, 1.1]]) | 4.5, tcrossprod([[0.8, 0, 0], [-0.3, 1.2, 0], [0.6, 0.1, 0.7]])) \
         - 3 * log(2) - 3 * log(1.3) - 2 * log(0.9) - log(1.1)",
        0.0,
    ),
    // Stan's own test values.
    ("von_mises_cdf(3.141492653589793 | 6.283185307179586, 20)", 1.0),
    ("von_mises_cdf(-0.16534171860998903 | 0, 60)", 0.1008738431730909),
    ("choose({5, 6}, 2)[2]", 15.0),
    ("choose(5, {0, 2, 6})[2] + 100 * choose(5, {0, 2, 6})[3]", 10.0),
    ("choose({5, 4}, {2, 4})[1] + 100 * choose({{5}}, {{3}})[1, 1]", 1010.0),
    ("divide(2, [1, 4]')[2] + divide(3, [[1, 4]])[1, 1]", 3.5),
    ("log_sum_exp(0, [0, log(3)]')[2]", std::f64::consts::LN_2 * 2.0),
    ("log_sum_exp(0, {{0.0, log(3)}})[1, 2]", std::f64::consts::LN_2 * 2.0),
];

#[test]
fn reshaping_with_the_wrong_sizes_fails_when_the_call_runs() {
    for (expr, detail) in [
        ("sum(to_matrix({1, 2, 3}, 2, 2))", "2 x 2 = 4 elements"),
        (
            "sum(append_row([[1, 2]], [[1, 2, 3]]))",
            "column counts differ (2 and 3)",
        ),
        (
            "sum(append_col([[1, 2]], [1, 2]'))",
            "row counts differ (1 and 2)",
        ),
        (
            "sum(append_array({{1.0}}, {{1.0, 2.0}})[1])",
            "sizes differ ([1] and [2])",
        ),
    ] {
        let model = compile(&format!(
            "parameters {{ real s; }}\nmodel {{ if (s > 10) target += {expr}; }}\n"
        ))
        .expect("compiles: the sizes are checked when the call runs");
        let mut ev = Evaluator::new(Arc::new(model));
        assert_eq!(ev.log_density(&[0.0], false).ok(), Some(0.0));
        let err = ev.log_density(&[11.0], false).expect_err("runs the call");
        assert!(err.to_string().contains(detail), "{expr}: {err}");
    }
}

#[test]
fn to_int_of_nan_or_a_value_outside_int_fails_when_it_runs() {
    for (value, ok) in [
        ("2147483647.5", true),
        ("-2147483648.0", true),
        ("2147483648.0", false),
        ("not_a_number()", false),
        ("{1.5, -1e10}", false),
    ] {
        let source = format!(
            "transformed data {{ int n = sum(to_array_1d({{to_int({value})}})); }} parameters {{ real s; }} model {{ }}\n"
        );
        let result = compile(&source);
        assert_eq!(result.is_ok(), ok, "to_int({value}): {:?}", result.err());
        if let Err(e) = result {
            assert!(e.contains("outside the range of int"), "{e}");
        }
    }
}

#[test]
fn reshaping_and_joining_functions_put_each_element_in_its_place() {
    let mut failures = Vec::new();
    for (expr, want) in VALUES {
        let source = format!("parameters {{ real s; }}\nmodel {{ target += {expr}; }}\n");
        let model = match compile(&source) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{expr}: {e}"));
                continue;
            }
        };
        let mut ev = Evaluator::new(Arc::new(model));
        match ev.log_density(&[0.0], false) {
            Ok(v) if (v - want).abs() <= 1e-12 * want.abs().max(1.0) => {}
            Ok(v) => failures.push(format!("{expr}: {v}, want {want}")),
            Err(e) => failures.push(format!("{expr}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn functions_without_golden_cases_have_finite_values_and_exact_gradients() {
    let mut failures = Vec::new();
    for expr in EXPRESSIONS {
        let source = format!(
            "parameters {{ vector[3] x; real s; matrix[3, 3] m; array[4] real l; }}\n\
             model {{ target += {expr}; }}\n"
        );
        let model = match compile(&source) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{expr}: {e}"));
                continue;
            }
        };
        let n = model.n_unconstrained;
        let u: Vec<f64> = (0..n)
            .map(|i| 0.3 * ((i as f64 + 1.0) * 1.7).sin())
            .collect();
        let mut ev = Evaluator::new(Arc::new(model));
        match ev.log_density(&u, false) {
            Ok(v) if v.is_finite() => {}
            Ok(v) => failures.push(format!("{expr}: value {v}")),
            Err(e) => failures.push(format!("{expr}: {e}")),
        }
        match fd_error(&mut ev, &u) {
            Ok(err) if err <= 1e-6 => {}
            Ok(err) => failures.push(format!("{expr}: gradient error {err:e}")),
            Err(e) => failures.push(format!("{expr}: gradient: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn truncated_discrete_distributions_subtract_the_mass_of_the_interval() {
    let truncated = compile(
        "data { } parameters { real<lower=0> lambda; }
         model { 3 ~ poisson(lambda) T[1, 6]; 2 ~ poisson(lambda) T[2, ]; 4 ~ poisson(lambda) T[, 5]; }",
    )
    .unwrap();
    let manual = compile(
        "parameters { real<lower=0> lambda; }
         model {
           target += poisson_lupmf(3 | lambda) - log_diff_exp(poisson_lcdf(6 | lambda), poisson_lcdf(0 | lambda));
           target += poisson_lupmf(2 | lambda) - poisson_lccdf(1 | lambda);
           target += poisson_lupmf(4 | lambda) - poisson_lcdf(5 | lambda);
         }",
    )
    .unwrap();
    let (mut a, mut b) = (
        Evaluator::new(Arc::new(truncated)),
        Evaluator::new(Arc::new(manual)),
    );
    for u in [-0.7, 0.2, 1.4] {
        let (mut ga, mut gb) = ([0.0], [0.0]);
        let la = a.log_density_gradient(&[u], &mut ga, true).unwrap();
        let lb = b.log_density_gradient(&[u], &mut gb, true).unwrap();
        assert!((la - lb).abs() < 1e-12, "{la} vs {lb}");
        assert!((ga[0] - gb[0]).abs() < 1e-10, "{ga:?} vs {gb:?}");
    }
    // Outside the bounds the target is -infinity.
    let outside =
        compile("parameters { real<lower=0> lambda; } model { 7 ~ poisson(lambda) T[1, 6]; }")
            .unwrap();
    let mut ev = Evaluator::new(Arc::new(outside));
    assert_eq!(ev.log_density(&[0.1], true).unwrap(), f64::NEG_INFINITY);
}

#[test]
fn von_mises_truncation_and_cholesky_wishart_sampling_statements_use_the_new_kernels() {
    let sampled = compile(
        "parameters { real mu; real<lower=0> kappa; cholesky_factor_cov[2] L; }
         model { 0.4 ~ von_mises(mu, kappa) T[-1, 1.5]; L ~ wishart_cholesky(3.5, [[1, 0], [0.3, 0.8]]); }",
    )
    .unwrap();
    let manual = compile(
        "parameters { real mu; real<lower=0> kappa; cholesky_factor_cov[2] L; }
         model {
           target += von_mises_lupdf(0.4 | mu, kappa)
             - log_diff_exp(von_mises_lcdf(1.5 | mu, kappa), von_mises_lcdf(-1 | mu, kappa));
           target += wishart_cholesky_lupdf(L | 3.5, [[1, 0], [0.3, 0.8]]);
         }",
    )
    .unwrap();
    let n = sampled.n_unconstrained;
    let (mut a, mut b) = (
        Evaluator::new(Arc::new(sampled)),
        Evaluator::new(Arc::new(manual)),
    );
    for shift in [-0.4, 0.1, 0.6] {
        let u: Vec<f64> = (0..n).map(|i| shift + 0.2 * i as f64).collect();
        let (mut ga, mut gb) = (vec![0.0; n], vec![0.0; n]);
        let la = a.log_density_gradient(&u, &mut ga, true).unwrap();
        let lb = b.log_density_gradient(&u, &mut gb, true).unwrap();
        assert!((la - lb).abs() < 1e-12, "{la} vs {lb}");
        for (x, y) in ga.iter().zip(&gb) {
            assert!((x - y).abs() < 1e-10, "{ga:?} vs {gb:?}");
        }
        assert!(fd_error(&mut a, &u).unwrap() < 1e-6);
    }
}

/// Draws `n` times from the generated quantities of `source` (no parameters), returning each draw's outputs.
fn draws(source: &str, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let model = compile(source).unwrap_or_else(|e| panic!("{e}"));
    let n_out = model.n_outputs;
    let n_u = model.n_unconstrained;
    let mut ev = Evaluator::new(Arc::new(model));
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let u = vec![0.0; n_u];
    (0..n)
        .map(|_| {
            let mut out = vec![0.0; n_out];
            ev.generate(&u, &mut rng, &mut out).unwrap();
            out
        })
        .collect()
}

/// Sample mean and covariance of the first `k` coordinates.
fn moments(xs: &[Vec<f64>], k: usize) -> (Vec<f64>, Vec<f64>) {
    let n = xs.len() as f64;
    let mean: Vec<f64> = (0..k)
        .map(|j| xs.iter().map(|x| x[j]).sum::<f64>() / n)
        .collect();
    let mut cov = vec![0.0; k * k];
    for x in xs {
        for i in 0..k {
            for j in 0..k {
                cov[i * k + j] += (x[i] - mean[i]) * (x[j] - mean[j]) / (n - 1.0);
            }
        }
    }
    (mean, cov)
}

// Moment tests: with n = 20000 draws, a mean's standard error is sd / 141; we
// allow 5 standard errors (a false alarm about once in 1.7 million per
// coordinate), and 0.06 relative (about 6 standard errors of a variance of
// a normal sample) for covariances. The seed is fixed, so the tests are
// deterministic; the stated rates are what a different seed would risk.

#[test]
fn multi_normal_and_student_t_rngs_have_the_stated_mean_and_covariance() {
    let n = 20000;
    for (rng, scale) in [
        ("multi_normal_rng(mu, S)", 1.0f64),
        ("multi_normal_cholesky_rng(mu, cholesky_decompose(S))", 1.0),
        // Student-t with nu = 6: covariance nu / (nu - 2) S.
        ("multi_student_t_rng(6, mu, S)", 1.5),
        (
            "multi_student_t_cholesky_rng(6, mu, cholesky_decompose(S))",
            1.5,
        ),
    ] {
        let source = format!(
            "transformed data {{ vector[3] mu = [1, -2, 0.5]'; matrix[3, 3] S = [[2, 0.5, 0.2], [0.5, 1, -0.3], [0.2, -0.3, 1.5]]; }}
             generated quantities {{ vector[3] y = {rng}; }}"
        );
        let xs = draws(&source, n, 11);
        let (mean, cov) = moments(&xs, 3);
        let s = [2.0, 0.5, 0.2, 0.5, 1.0, -0.3, 0.2, -0.3, 1.5];
        let mu = [1.0, -2.0, 0.5];
        for i in 0..3 {
            let se = (scale * s[i * 4]).sqrt() / (n as f64).sqrt();
            assert!((mean[i] - mu[i]).abs() < 5.0 * se, "{rng}: mean {mean:?}");
            for j in 0..3 {
                let want = scale * s[i * 3 + j];
                assert!(
                    (cov[i * 3 + j] - want).abs()
                        < 0.06
                            * scale
                            * (s[i * 4] * s[j * 4]).sqrt()
                            * if scale > 1.0 { 2.0 } else { 1.0 },
                    "{rng}: cov {cov:?}"
                );
            }
        }
    }
}

#[test]
fn dirichlet_and_wishart_rngs_have_the_stated_means() {
    let n = 20000;
    let xs = draws(
        "generated quantities { vector[3] t = dirichlet_rng([2, 3, 5]'); }",
        n,
        12,
    );
    let (mean, _) = moments(&xs, 3);
    for (m, w) in mean.iter().zip([0.2, 0.3, 0.5]) {
        // sd of a Dirichlet coordinate is below 0.16: 5 standard errors.
        assert!((m - w).abs() < 5.0 * 0.16 / (n as f64).sqrt(), "{mean:?}");
    }
    // E[W] = nu S for Wishart; E[W] = S / (nu - k - 1) for inverse Wishart; E[L L'] the same.
    for (rng, factor) in [
        ("wishart_rng(5, S)", 5.0),
        (
            "multiply_lower_tri_self_transpose(wishart_cholesky_rng(5, cholesky_decompose(S)))",
            5.0,
        ),
        ("inv_wishart_rng(8, S)", 0.2),
        (
            "multiply_lower_tri_self_transpose(inv_wishart_cholesky_rng(8, cholesky_decompose(S)))",
            0.2,
        ),
    ] {
        let source = format!(
            "transformed data {{ matrix[2, 2] S = [[2, 0.5], [0.5, 1]]; }}
             generated quantities {{ matrix[2, 2] w = {rng}; }}"
        );
        let xs = draws(&source, n, 13);
        let (mean, cov) = moments(&xs, 4);
        let s = [2.0, 0.5, 0.5, 1.0];
        for i in 0..4 {
            let se = cov[i * 4 + i].sqrt() / (n as f64).sqrt();
            assert!(
                (mean[i] - factor * s[i]).abs() < 6.0 * se,
                "{rng}: {mean:?}"
            );
        }
    }
    // LKJ: unit diagonal, symmetric, off-diagonal correlations of mean 0 (|r| <= 1, so sd <= 0.5).
    for rng in [
        "lkj_corr_rng(3, 1.5)",
        "multiply_lower_tri_self_transpose(lkj_corr_cholesky_rng(3, 1.5))",
    ] {
        let source = format!("generated quantities {{ matrix[3, 3] w = {rng}; }}");
        let xs = draws(&source, n, 14);
        let (mean, _) = moments(&xs, 9);
        for i in 0..3 {
            assert!((mean[i * 4] - 1.0).abs() < 1e-12, "{rng}: {mean:?}");
        }
        for (a, b) in [(1, 3), (2, 6), (5, 7)] {
            assert!(
                mean[a].abs() < 5.0 * 0.5 / (n as f64).sqrt(),
                "{rng}: {mean:?}"
            );
            assert!(xs.iter().all(|x| (x[a] - x[b]).abs() < 1e-12));
        }
    }
}

/// Pearson's chi-square statistic of `counts` against `probs` (`n` draws).
fn chi_square(counts: &[f64], probs: &[f64], n: f64) -> f64 {
    counts
        .iter()
        .zip(probs)
        .map(|(c, p)| (c - n * p).powi(2) / (n * p))
        .sum()
}

// Chi-square tests: with at most 4 degrees of freedom, the statistic exceeds
// 25 with probability below 5e-5 (a stated false-alarm rate per test).
const CHI2_LIMIT: f64 = 25.0;

#[test]
fn categorical_ordered_and_multinomial_rngs_pass_chi_square_tests() {
    let n = 20000;
    let theta = [0.2, 0.3, 0.5];
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    let ordered_probs = [
        1.0 - logistic(0.3 + 1.0),
        logistic(0.3 + 1.0) - logistic(0.3 - 0.5),
        logistic(0.3 - 0.5),
    ];
    for (rng, probs) in [
        ("categorical_rng([0.2, 0.3, 0.5]')", theta),
        ("categorical_logit_rng(log([0.2, 0.3, 0.5]'))", theta),
        ("ordered_logistic_rng(0.3, [-1, 0.5]')", ordered_probs),
        ("discrete_range_rng(1, 3)", [1.0 / 3.0; 3]),
    ] {
        let xs = draws(&format!("generated quantities {{ int y = {rng}; }}"), n, 21);
        let mut counts = [0.0; 3];
        for x in &xs {
            counts[(x[0] as usize).clamp(1, 3) - 1] += 1.0;
        }
        let stat = chi_square(&counts, &probs, n as f64);
        assert!(
            stat < CHI2_LIMIT,
            "{rng}: counts {counts:?}, chi-square {stat}"
        );
    }
    // multinomial(theta, 5): each count is binomial(5, theta_k); test the first count's distribution.
    for rng in [
        "multinomial_rng([0.2, 0.3, 0.5]', 5)",
        "multinomial_logit_rng(log([0.2, 0.3, 0.5]'), 5)",
    ] {
        let xs = draws(
            &format!("generated quantities {{ array[3] int y = {rng}; }}"),
            n,
            22,
        );
        assert!(xs.iter().all(|x| x.iter().sum::<f64>() == 5.0));
        let mut counts = [0.0; 6];
        for x in &xs {
            counts[x[0] as usize] += 1.0;
        }
        let binom = |k: i32| {
            let c = [1.0, 5.0, 10.0, 10.0, 5.0, 1.0][k as usize];
            c * 0.2f64.powi(k) * 0.8f64.powi(5 - k)
        };
        // Pool 3..5 so every expected count is large.
        let pooled = [
            counts[0],
            counts[1],
            counts[2],
            counts[3] + counts[4] + counts[5],
        ];
        let probs = [binom(0), binom(1), binom(2), binom(3) + binom(4) + binom(5)];
        let stat = chi_square(&pooled, &probs, n as f64);
        assert!(stat < CHI2_LIMIT, "{rng}: {pooled:?}, chi-square {stat}");
    }
}

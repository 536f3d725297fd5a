//! Constructs that lower to others, checked by value and gradient against the form they stand for: matrix division operators, sizes from function arguments, profile blocks, reduce_sum, segments of run-time length; and the messages for `break` in the model block and a misused reduce_sum.

mod support;

use compiler::compiled::{CompiledModel, Evaluator};
use std::sync::Arc;
use support::compile_source;

/// Log density and gradient of a model at `u` (no data).
fn lp_and_gradient(source: &str, u: &[f64]) -> (f64, Vec<f64>) {
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.n_unconstrained, u.len(), "{source}");
    let mut ev = Evaluator::new(Arc::new(model));
    let mut grad = vec![0.0; u.len()];
    let lp = ev.log_density_gradient(u, &mut grad, true).unwrap();
    (lp, grad)
}

/// Two models give the same log density and gradient at `u`, to 1e-12
/// relative (absolute below 1).
fn same_lp_and_gradient(a: &str, b: &str, u: &[f64]) {
    let (la, ga) = lp_and_gradient(a, u);
    let (lb, gb) = lp_and_gradient(b, u);
    assert!((la - lb).abs() < 1e-12 * lb.abs().max(1.0), "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!((x - y).abs() < 1e-12 * y.abs().max(1.0), "{ga:?} vs {gb:?}");
    }
}

fn point(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.2 * ((i as f64 + 1.0) * 1.3).sin())
        .collect()
}

#[test]
fn matrix_division_operators_equal_mdivide() {
    let declarations =
        "parameters { cov_matrix[3] S; vector[3] v; row_vector[3] r; matrix[3, 2] B; }";
    let operators = format!(
        "{declarations}
         model {{
           target += normal_lpdf(S \\ v | 0, 1) + normal_lpdf(r / S | 0, 1);
           target += normal_lpdf(to_vector(S \\ B) | 0, 1) + normal_lpdf(to_vector(B' / S) | 0, 1);
         }}"
    );
    let functions = format!(
        "{declarations}
         model {{
           target += normal_lpdf(mdivide_left(S, v) | 0, 1) + normal_lpdf(mdivide_right(r, S) | 0, 1);
           target += normal_lpdf(to_vector(mdivide_left(S, B)) | 0, 1) + normal_lpdf(to_vector(mdivide_right(B', S)) | 0, 1);
         }}"
    );
    let u = point(6 + 3 + 3 + 6);
    let (la, ga) = lp_and_gradient(&operators, &u);
    let (lb, gb) = lp_and_gradient(&functions, &u);
    assert_eq!(la, lb);
    assert_eq!(ga, gb);
    assert!(la.is_finite() && ga.iter().any(|g| *g != 0.0));
}

#[test]
fn sizes_inside_functions_may_come_from_int_arguments() {
    let with_function = "
        functions {
          vector steps(int n, real x) {
            vector[n] out;
            for (i in 1:n) out[i] = i * x;
            return out;
          }
        }
        transformed data { int k = 4; }
        parameters { real x; }
        model { target += normal_lpdf(steps(3, x) | 0, 1) + normal_lpdf(steps(k, x) | 1, 2); }";
    let written_out = "
        parameters { real x; }
        model {
          target += normal_lpdf([x, 2 * x, 3 * x]' | 0, 1);
          target += normal_lpdf([x, 2 * x, 3 * x, 4 * x]' | 1, 2);
        }";
    let (la, ga) = lp_and_gradient(with_function, &[0.3]);
    let (lb, gb) = lp_and_gradient(written_out, &[0.3]);
    assert!((la - lb).abs() < 1e-12, "{la} vs {lb}");
    assert!((ga[0] - gb[0]).abs() < 1e-12, "{ga:?} vs {gb:?}");
    // A local int never assigned again may size what follows too.
    let with_local = "
        functions {
          vector steps(array[] real xs, real x) {
            int n = size(xs);
            vector[n] out;
            for (i in 1:n) out[i] = i * x;
            return out;
          }
        }
        transformed data { array[3] real grid = {0.0, 1.0, 2.0}; }
        parameters { real x; }
        model { target += normal_lpdf(steps(grid, x) | 0, 1); }";
    let written =
        "parameters { real x; } model { target += normal_lpdf([x, 2 * x, 3 * x]' | 0, 1); }";
    assert_eq!(
        lp_and_gradient(with_local, &[0.3]),
        lp_and_gradient(written, &[0.3])
    );
    // One assigned again is not a known size.
    let reassigned = compile_source(
        "test.cmod",
        "functions { vector f(int m) { int n = m; n += 1; vector[n] v = rep_vector(1, n); return v; } }
         parameters { real x; }
         model { target += sum(f(2)) * x; }",
        None,
    )
    .err()
    .expect("a reassigned size");
    assert!(
        reassigned.contains("only known while the model runs"),
        "{reassigned}"
    );
    // A size from an argument known only while the model runs stays a clear error.
    let err = compile_source(
        "test.cmod",
        "functions { vector steps(int n) { vector[n] out = rep_vector(1, n); return out; } }
         parameters { real x; }
         model { for (j in 1:2) target += sum(steps(j)) * x; }",
        None,
    )
    .err()
    .expect("a size from a loop variable");
    assert!(
        err.contains("a size that is only known while the model runs"),
        "{err}"
    );
}

#[test]
fn profile_blocks_run_their_statements() {
    let profiled = "parameters { real x; } model { profile(\"prior\") { x ~ normal(1, 2); } }";
    let plain = "parameters { real x; } model { { x ~ normal(1, 2); } }";
    assert_eq!(
        lp_and_gradient(profiled, &[0.4]),
        lp_and_gradient(plain, &[0.4])
    );
}

#[test]
fn break_in_the_model_block_is_named_at_its_line() {
    let err = compile_source(
        "test.cmod",
        "parameters { real x; }
         model {
           x ~ normal(0, 1);
           while (1) { break; }
         }",
        None,
    )
    .err()
    .expect("break is not supported in the model block yet");
    assert!(err.contains("not supported yet"), "{err}");
    assert!(err.contains("test.cmod:4:"), "{err}");
}

#[test]
fn reduce_sum_is_the_partial_sum_over_the_whole_array() {
    let functions = "
        functions {
          real partial_lpdf(array[] real slice, int start, int end, vector mu, real sigma) {
            return normal_lpdf(slice | mu[start:end], sigma);
          }
        }";
    let data = "
        transformed data {
          array[5] real y = {0.1, -0.4, 1.2, 0.7, -1.1};
          vector[5] x = [1, 2, 3, 4, 5]';
        }
        parameters { real a; real b; real<lower=0> sigma; }";
    let reduced = format!(
        "{functions} {data}
         model {{
           target += reduce_sum(partial_lupdf, y, 1, a + b * x, sigma);
           target += reduce_sum_static(partial_lpdf, y, 2, a + b * x, sigma);
         }}"
    );
    let direct = format!(
        "{data}
         model {{ target += 2 * normal_lpdf(y | a + b * x, sigma); }}"
    );
    let u = [0.3, -0.2, 0.1];
    let (la, ga) = lp_and_gradient(&reduced, &u);
    let (lb, gb) = lp_and_gradient(&direct, &u);
    assert!((la - lb).abs() < 1e-12 * lb.abs(), "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!((x - y).abs() < 1e-12 * y.abs().max(1.0), "{ga:?} vs {gb:?}");
    }
    // Misuse: the first argument must name a function, the grainsize must be an int.
    for call in [
        "reduce_sum(sigma, y, 1, a + b * x, sigma)",
        "reduce_sum(partial_lpdf, y, 1.5, a + b * x, sigma)",
        "reduce_sum(partial_lpdf, y, 1, a + b * x)",
    ] {
        let source = format!("{functions} {data} model {{ target += {call}; }}");
        let err = compile_source("test.cmod", &source, None)
            .err()
            .unwrap_or_else(|| panic!("{call} compiled"));
        assert!(
            err.contains("reduce_sum") || err.contains("partial_lpdf"),
            "{call}: {err}"
        );
        assert!(!err.contains("not supported yet"), "{call}: {err}");
    }
}

/// Densities computed by kernels (poisson, bernoulli_logit, binomial_logit)
/// of parameters in transformed parameters and generated quantities (the
/// log_lik pattern): the second lowering of transformed parameters, for the
/// draws, once asked those kernels for adjoints that do not exist there.
#[test]
fn kernel_densities_of_parameters_in_transformed_parameters_and_generated_quantities() {
    let source = "
        parameters { real<lower=0> lambda; real a; }
        transformed parameters { real lp_tp = poisson_lpmf(3 | lambda); }
        model { lambda ~ gamma(2, 1); a ~ normal(0, 1); target += lp_tp; }
        generated quantities {
          real ll = poisson_lpmf(3 | lambda);
          real lb = bernoulli_logit_lpmf(1 | a);
          vector[2] v = [poisson_lpmf(1 | lambda), binomial_logit_lpmf(2 | 5, a)]';
        }";
    let direct = "
        parameters { real<lower=0> lambda; real a; }
        model { lambda ~ gamma(2, 1); a ~ normal(0, 1); target += poisson_lpmf(3 | lambda); }";
    let u = [0.4, -0.3];
    assert_eq!(lp_and_gradient(source, &u), lp_and_gradient(direct, &u));
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    let n_out = model.n_outputs;
    let mut ev = Evaluator::new(Arc::new(model));
    let mut out = vec![0.0; n_out];
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    ev.generate(&u, &mut rng, &mut out).unwrap();
    let (lambda, a) = (u[0].exp(), u[1]);
    let poisson =
        |k: f64| k * lambda.ln() - lambda - (1..=k as u32).map(|i| (i as f64).ln()).sum::<f64>();
    let log_inv_logit = |x: f64| -(-x).exp().ln_1p();
    let expected = [
        lambda,
        a,
        poisson(3.0),
        poisson(3.0),
        log_inv_logit(a),
        poisson(1.0),
        10f64.ln() + 2.0 * log_inv_logit(a) + 3.0 * log_inv_logit(-a),
    ];
    assert_eq!(out.len(), expected.len());
    for (name, (got, want)) in ev.output_names().iter().zip(out.iter().zip(&expected)) {
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
    }
}

/// rep_matrix(vector, n) repeats the vector as columns, rep_matrix(row_vector,
/// m) the row vector as rows (the second once filled the matrix column by
/// column with the row vector's elements in turn: wrong values, silently).
#[test]
fn rep_matrix_repeats_vectors_as_columns_and_row_vectors_as_rows() {
    let source = "
        parameters { vector[3] c; row_vector[2] g; }
        model { c ~ normal(0, 1); g ~ normal(0, 1); }
        generated quantities {
          matrix[3, 2] by_columns = rep_matrix(c, 2);
          matrix[3, 2] by_rows = rep_matrix(g, 3);
          matrix[2, 3] constant = rep_matrix(7, 2, 3);
          real corner = rep_matrix(g, 3)[3, 2] + rep_matrix(c, 2)[3, 1];
        }";
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    let n_out = model.n_outputs;
    let mut ev = Evaluator::new(Arc::new(model));
    let mut out = vec![0.0; n_out];
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let (c, g) = ([1.0, 2.0, 3.0], [10.0, 20.0]);
    ev.generate(&[c[0], c[1], c[2], g[0], g[1]], &mut rng, &mut out)
        .unwrap();
    let names = ev.output_names();
    let value = |name: &str| out[names.iter().position(|n| n == name).unwrap()];
    for i in 1..=3 {
        for j in 1..=2 {
            assert_eq!(value(&format!("by_columns.{i}.{j}")), c[i - 1]);
            assert_eq!(value(&format!("by_rows.{i}.{j}")), g[j - 1]);
        }
    }
    assert_eq!(value("constant.2.3"), 7.0);
    assert_eq!(value("corner"), g[1] + c[2]);
}

/// `print` writes containers as Stan does: nested brackets per array
/// dimension, a matrix row by row.
#[test]
fn print_writes_containers_as_stan_does() {
    let dir = std::env::temp_dir().join(format!("cmod-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("printing.cmod");
    std::fs::write(
        &model,
        "transformed data {
           matrix[2, 3] Z = [[1, 2, 3], [4, 5, 6]];
           array[2] vector[2] av = {[1, 2]', [3, 4]'};
           array[2] matrix[2, 2] am = {[[1, 2], [3, 4]], [[5, 6], [7, 8]]};
           print(\"Z=\", Z, \" av=\", av, \" am=\", am, \" x=\", 1.5);
         }
         parameters { real x; }
         model { x ~ normal(0, 1); }",
    )
    .unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_cmod"))
        .args([
            "run",
            model.to_str().unwrap(),
            "--iter-warmup",
            "1",
            "--iter-sampling",
            "1",
            "--chains",
            "1",
        ])
        .arg("--output-dir")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(
        text.contains(
            "Z=[[1,2,3],[4,5,6]] av=[[1,2],[3,4]] am=[[[1,2],[3,4]],[[5,6],[7,8]]] x=1.5"
        ),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `data`-only arguments (to_int's) may depend on parameters in generated
/// quantities, where every value is a number (Stan accepts this), but not in
/// the model block.
#[test]
fn data_only_arguments_may_use_parameters_in_generated_quantities() {
    let gq = "parameters { real x; } model { x ~ normal(0, 1); }
              generated quantities { int positive = to_int(x > 0 ? 1.0 : 0.0); }";
    compile_source("test.cmod", gq, None).unwrap_or_else(|e| panic!("{e}"));
    let model = "parameters { real x; } model { x ~ normal(to_int(x), 1); }";
    let err = compile_source("test.cmod", model, None)
        .err()
        .expect("to_int of a parameter in the model block");
    assert!(err.contains("must be data"), "{err}");
}

/// Ragged groups (the Stan User's Guide's idiom): `segment` and slices whose
/// start and length change with the loop are density arguments read in
/// place. Equal to the same densities written element by element, for every
/// group size including 0; a segment past the end is an error at its line.
#[test]
fn segments_of_run_time_length_are_density_arguments() {
    let data = "
        transformed data {
          array[4] int s = {2, 0, 1, 3};
          vector[6] y = [0.4, -0.3, 1.1, 2.0, 1.6, 2.3]';
          array[6] int k = {1, 0, 3, 4, 2, 6};
        }
        parameters { vector[4] mu; real<lower=0> sigma; vector[6] e; }";
    let ragged = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             segment(y, pos, s[g]) ~ normal(mu[g], sigma);
             target += normal_lupdf(y[pos:(pos + s[g] - 1)] | segment(e, pos, s[g]), sigma);
             segment(k, pos, s[g]) ~ poisson_log(segment(e, pos, s[g]));
             e[pos:] ~ logistic(0, 1);
             pos += s[g];
           }}
         }}"
    );
    let written_out = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             for (i in pos:(pos + s[g] - 1)) {{
               y[i] ~ normal(mu[g], sigma);
               target += normal_lupdf(y[i] | e[i], sigma);
               k[i] ~ poisson_log(e[i]);
             }}
             for (i in pos:6) e[i] ~ logistic(0, 1);
             pos += s[g];
           }}
         }}"
    );
    let u = point(11);
    let (la, ga) = lp_and_gradient(&ragged, &u);
    let (lb, gb) = lp_and_gradient(&written_out, &u);
    assert!((la - lb).abs() < 1e-12 * lb.abs(), "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!((x - y).abs() < 1e-12 * y.abs().max(1.0), "{ga:?} vs {gb:?}");
    }

    for (sizes, expected) in [
        (
            "{2, 0, 1, 4}",
            "the segment of `y` ends past its last element 6 (start + length = 8)",
        ),
        (
            "{2, -1, 1, 3}",
            "the segment of `y` must have a length in 0..6",
        ),
    ] {
        let source = ragged.replace("{2, 0, 1, 3}", sizes);
        let model = compile_source("test.cmod", &source, None).unwrap_or_else(|e| panic!("{e}"));
        let mut ev = Evaluator::new(Arc::new(model));
        let mut grad = vec![0.0; 11];
        let err = ev.log_density_gradient(&u, &mut grad, true).unwrap_err();
        assert!(
            err.contains(expected) && err.contains("(line 11)"),
            "{sizes}: {err}"
        );
    }
}

/// Reductions of segments of run-time length are loops of that length:
/// the same values and gradients as the element-by-element sums.
#[test]
fn reductions_of_segments_of_run_time_length() {
    let data = "
        transformed data {
          array[4] int s = {2, 0, 1, 3};
          array[6] int k = {1, 0, 3, 4, 2, 6};
        }
        parameters { vector[6] e; }";
    let ragged = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             target += sum(segment(e, pos, s[g])) + sum(segment(k, pos, s[g]));
             if (s[g] > 0) {{
               target += log_sum_exp(e[pos:(pos + s[g] - 1)]);
               target += 0.5 * mean(segment(e, pos, s[g])) - max(segment(e, pos, s[g]));
               target += dot_self(segment(e, pos, s[g]));
             }}
             if (s[g] > 1) target += sd(segment(e, pos, s[g]));
             pos += s[g];
           }}
         }}"
    );
    let written_out = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             real total = 0;
             real largest = negative_infinity();
             real squares = 0;
             for (i in pos:(pos + s[g] - 1)) {{
               total += e[i] + k[i];
               largest = fmax(largest, e[i]);
               squares += e[i]^2;
             }}
             target += total;
             if (s[g] > 0) {{
               real lse = 0;
               real m = 0;
               for (i in pos:(pos + s[g] - 1)) {{
                 lse += exp(e[i] - largest);
                 m += e[i];
               }}
               m /= s[g];
               target += largest + log(lse);
               target += 0.5 * m - largest;
               target += squares;
               if (s[g] > 1) {{
                 real v = 0;
                 for (i in pos:(pos + s[g] - 1)) v += (e[i] - m)^2;
                 target += sqrt(v / (s[g] - 1));
               }}
             }}
             pos += s[g];
           }}
         }}"
    );
    let u = point(6);
    same_lp_and_gradient(&ragged, &written_out, &u);
}

/// Arithmetic and elementwise functions of run-time-length segments (a
/// ragged regression with a covariate) give vectors of that length, equal
/// to the element-by-element form.
#[test]
fn arithmetic_on_segments_of_run_time_length() {
    let data = "
        transformed data {
          array[4] int s = {2, 0, 1, 3};
          vector[6] y = [0.4, -0.3, 1.1, 2.0, 1.6, 2.3]';
          vector[6] x = [1.0, 2.0, -0.5, 0.3, 0.8, -1.2]';
          array[6] int k = {1, 0, 3, 4, 2, 6};
        }
        parameters { vector[4] a; real b; real<lower=0> sigma; vector[6] e; }";
    let ragged = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             segment(y, pos, s[g]) ~ normal(a[g] + b * segment(x, pos, s[g]), sigma);
             segment(k, pos, s[g]) ~ poisson(exp(-(segment(e, pos, s[g]) .* x[pos:(pos + s[g] - 1)]) / 2 + 1));
             target += sum(segment(e, pos, s[g]) - segment(x, pos, s[g]) * sigma);
             pos += s[g];
           }}
         }}"
    );
    let written_out = format!(
        "{data}
         model {{
           int pos = 1;
           for (g in 1:4) {{
             for (i in pos:(pos + s[g] - 1)) {{
               y[i] ~ normal(a[g] + b * x[i], sigma);
               k[i] ~ poisson(exp(-(e[i] * x[i]) / 2 + 1));
               target += e[i] - x[i] * sigma;
             }}
             pos += s[g];
           }}
         }}"
    );
    let u = point(12);
    same_lp_and_gradient(&ragged, &written_out, &u);
    // Two run-time lengths that differ stop the model at the line.
    let mismatched = ragged.replace(
        "segment(e, pos, s[g]) .* x[pos:(pos + s[g] - 1)]",
        "segment(e, pos, s[g]) .* x[pos:(pos + s[g])]",
    );
    let model = compile_source("test.cmod", &mismatched, None).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = Evaluator::new(Arc::new(model));
    let mut grad = vec![0.0; 12];
    let err = ev.log_density_gradient(&u, &mut grad, true).unwrap_err();
    assert!(
        err.contains("different lengths") && err.contains("(line 13)"),
        "{err}"
    );
    // A container of fixed size beside one of run-time length is not yet.
    let fixed = ragged.replace(
        "a[g] + b * segment(x, pos, s[g])",
        "a[g] + segment(x, pos, s[g]) + x",
    );
    let err = compile_source("test.cmod", &fixed, None)
        .err()
        .expect("refused");
    assert!(
        err.contains("not supported yet") && err.contains("fixed size"),
        "{err}"
    );
}

/// `fmax` and `fmin` (generated inline, not called) follow C: a NaN operand
/// gives the other one; otherwise the larger or smaller, with derivative 1
/// for the operand chosen.
#[test]
fn fmax_and_fmin_skip_nan_operands() {
    let source = "parameters { real x; } model {
        target += fmax(not_a_number(), x) + fmin(x, not_a_number());
        target += fmax(x, 2.0) + fmin(x, 2.0) + fmax(-x, 0.5) + fmin(0.5, -x);
        target += is_nan(fmax(not_a_number(), not_a_number())) ? 1 : 0;
    }";
    for x in [-3.0_f64, 0.25, 1.5, 4.0] {
        let (lp, grad) = lp_and_gradient(source, &[x]);
        let expected = 2.0 * x + x.max(2.0) + x.min(2.0) + (-x).max(0.5) + (-x).min(0.5) + 1.0;
        assert!((lp - expected).abs() < 1e-12, "x = {x}: {lp} vs {expected}");
        // x twice through the NaNs, once through each pair of the others.
        let slope = 2.0 + 1.0 - 1.0;
        assert!(
            (grad[0] - slope).abs() < 1e-12,
            "x = {x}: gradient {}",
            grad[0]
        );
    }
}

/// With `keep_constants` (what ADVI compiles with), `~` and `_lupdf` keep
/// their densities' constants: the log density equals the one written with
/// `target += ..._lpdf`, Stan's `log_prob<propto = false>`. Without it they
/// are dropped, as when sampling.
#[test]
fn keep_constants_gives_the_full_log_density() {
    use support::compile_source_with;
    let data = "transformed data { vector[3] y = [0.3, -1.2, 2.0]'; }";
    let tilde = format!(
        "{data} parameters {{ real mu; real<lower=0> sigma; }} model {{
           mu ~ normal(0, 5); sigma ~ gamma(2, 1); y ~ normal(mu, sigma);
           target += student_t_lupdf(mu | 3, 0, 1);
         }}"
    );
    let full = format!(
        "{data} parameters {{ real mu; real<lower=0> sigma; }} model {{
           target += normal_lpdf(mu | 0, 5) + gamma_lpdf(sigma | 2, 1) + normal_lpdf(y | mu, sigma);
           target += student_t_lpdf(mu | 3, 0, 1);
         }}"
    );
    let u = [0.4, -0.3];
    let lp = |model: CompiledModel| {
        let mut ev = Evaluator::new(Arc::new(model));
        let mut grad = vec![0.0; 2];
        let lp = ev.log_density_gradient(&u, &mut grad, true).unwrap();
        (lp, grad)
    };
    let (kept, g_kept) = lp(compile_source_with("t.cmod", &tilde, None, true).unwrap());
    let (written, g_written) = lp(compile_source_with("f.cmod", &full, None, false).unwrap());
    assert!(
        (kept - written).abs() < 1e-12 * written.abs(),
        "{kept} vs {written}"
    );
    for (a, b) in g_kept.iter().zip(&g_written) {
        assert!((a - b).abs() < 1e-12 * b.abs().max(1.0));
    }
    let (dropped, g_dropped) = lp(compile_source_with("t.cmod", &tilde, None, false).unwrap());
    assert!(
        (dropped - kept).abs() > 1.0,
        "the constants are dropped when sampling"
    );
    for (a, b) in g_dropped.iter().zip(&g_kept) {
        assert!(
            (a - b).abs() < 1e-12 * b.abs().max(1.0),
            "constants do not change the gradient"
        );
    }
}

//! Gradients of every example model against central finite differences (five-point), truncation, and failures in generated code.

mod support;

use compiler::compiled::{CompiledModel, Evaluator};
use std::sync::Arc;
use support::{compile_source, example_models};

/// A deterministic point: small values that vary between coordinates.
fn point(n: usize, seed: f64) -> Vec<f64> {
    (0..n)
        .map(|i| 0.3 * ((i as f64 + 1.0) * 1.7 + seed).sin())
        .collect()
}

/// The largest error of the gradient against central differences, relative
/// to the gradient's scale (and to the rounding error of the differences).
fn fd_error(model: CompiledModel, u: &[f64]) -> Result<f64, String> {
    let mut ev = Evaluator::new(Arc::new(model));
    let mut grad = vec![0.0; u.len()];
    let lp = ev.log_density_gradient(u, &mut grad, true)?;
    // The five-point stencil: error O(h^4), so ill-conditioned models (large
    // data sets, where the log density's third derivative is large) pass too.
    let h = 1e-4;
    let mut worst: f64 = 0.0;
    for i in 0..u.len() {
        let mut at = |d: f64| {
            let mut v = u.to_vec();
            v[i] += d;
            ev.log_density(&v, true)
        };
        let fd = (8.0 * (at(h)? - at(-h)?) - (at(2.0 * h)? - at(-2.0 * h)?)) / (12.0 * h);
        let scale = grad[i].abs().max(1.0) + 1e-13 * lp.abs() / h;
        worst = worst.max((fd - grad[i]).abs() / scale);
    }
    Ok(worst)
}

#[test]
fn every_example_gradient_equals_finite_differences() {
    let mut report = String::new();
    let mut failures = Vec::new();
    for (name, path, data) in example_models() {
        let source = std::fs::read_to_string(&path).unwrap();
        let model = compile_source(&name, &source, data.as_deref())
            .unwrap_or_else(|e| panic!("{name} does not compile:\n{e}"));
        let u = point(model.n_unconstrained, 0.5);
        match fd_error(model, &u) {
            Ok(err) => {
                report += &format!("{name:45} {err:9.2e}\n");
                if err > 1e-6 {
                    failures.push(name);
                }
            }
            Err(e) => {
                report += &format!("{name:45} failed: {e}\n");
                failures.push(name);
            }
        }
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{failures:?}\n{report}");
}

fn compile(source: &str) -> CompiledModel {
    compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn truncation_subtracts_the_log_probability_of_the_interval() {
    let truncated = compile(
        "parameters { real<lower=0> y; real mu; real<lower=0, upper=3> z; }
         model { y ~ normal(mu, 2) T[0, ]; mu ~ normal(0, 1); z ~ student_t(3, mu, 1) T[0, 3]; }",
    );
    let manual = compile(
        "parameters { real<lower=0> y; real mu; real<lower=0, upper=3> z; }
         model {
           target += normal_lupdf(y | mu, 2) - normal_lccdf(0 | mu, 2);
           target += normal_lupdf(mu | 0, 1);
           target += student_t_lupdf(z | 3, mu, 1)
                     - log_diff_exp(student_t_lcdf(3 | 3, mu, 1), student_t_lcdf(0 | 3, mu, 1));
         }",
    );
    let u = [0.3, -0.4, 0.2];
    let (mut a, mut b) = (
        Evaluator::new(Arc::new(truncated)),
        Evaluator::new(Arc::new(manual)),
    );
    let (mut ga, mut gb) = ([0.0; 3], [0.0; 3]);
    let la = a.log_density_gradient(&u, &mut ga, true).unwrap();
    let lb = b.log_density_gradient(&u, &mut gb, true).unwrap();
    assert!((la - lb).abs() < 1e-12, "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!((x - y).abs() < 1e-12, "{ga:?} vs {gb:?}");
    }
    let err = fd_error(
        compile(
            "parameters { real<lower=0> y; real mu; real<lower=0, upper=3> z; }
             model { y ~ normal(mu, 2) T[0, ]; mu ~ normal(0, 1); z ~ student_t(3, mu, 1) T[0, 3]; }",
        ),
        &u,
    )
    .unwrap();
    assert!(err < 1e-6, "{err}");
}

/// Products with an inner dimension over 8 go to stdlib's product kernel;
/// shorter ones stay inline loops. Both must give the value of the sums
/// written out, and exact gradients, whichever operands are parameters.
#[test]
fn long_matrix_products_equal_their_sums_with_exact_gradients() {
    let declarations = "
        transformed data {
          matrix[6, 10] X;
          for (i in 1:6) for (j in 1:10) X[i, j] = sin(i * j);
        }
        parameters { vector[10] b; matrix[3, 10] A; matrix[10, 2] B; row_vector[10] r; }";
    let products = compile(&format!(
        "{declarations}
         model {{
           target += normal_lpdf(X * b | 0, 3);
           target += normal_lpdf(to_vector(A * B) | 0, 2);
           target += normal_lpdf(to_vector(X * B) | 1, 2);
           target += normal_lpdf(r * B | 0, 2);
           target += normal_lpdf(A * b | 0, 1);
           target += normal_lpdf(r * b | 0, 1);
           target += std_normal_lpdf(to_vector(A)) + std_normal_lpdf(to_vector(B)) + std_normal_lpdf(b) + std_normal_lpdf(r);
         }}"
    ));
    let sums = compile(&format!(
        "{declarations}
         model {{
           vector[6] xb = rep_vector(0, 6);
           matrix[3, 2] ab = rep_matrix(0, 3, 2);
           matrix[6, 2] xbb = rep_matrix(0, 6, 2);
           row_vector[2] rb = rep_row_vector(0, 2);
           vector[3] a_b = rep_vector(0, 3);
           real r_b = 0;
           for (k in 1:10) {{
             for (i in 1:6) xb[i] += X[i, k] * b[k];
             for (i in 1:3) for (j in 1:2) ab[i, j] += A[i, k] * B[k, j];
             for (i in 1:6) for (j in 1:2) xbb[i, j] += X[i, k] * B[k, j];
             for (j in 1:2) rb[j] += r[k] * B[k, j];
             for (i in 1:3) a_b[i] += A[i, k] * b[k];
             r_b += r[k] * b[k];
           }}
           target += normal_lpdf(xb | 0, 3);
           target += normal_lpdf(to_vector(ab) | 0, 2);
           target += normal_lpdf(to_vector(xbb) | 1, 2);
           target += normal_lpdf(rb | 0, 2);
           target += normal_lpdf(a_b | 0, 1);
           target += normal_lpdf(r_b | 0, 1);
           target += std_normal_lpdf(to_vector(A)) + std_normal_lpdf(to_vector(B)) + std_normal_lpdf(b) + std_normal_lpdf(r);
         }}"
    ));
    let n = products.n_unconstrained;
    assert_eq!(n, 10 + 30 + 20 + 10);
    let u = point(n, 0.7);
    let (mut a, mut b) = (
        Evaluator::new(Arc::new(products)),
        Evaluator::new(Arc::new(sums)),
    );
    let (mut ga, mut gb) = (vec![0.0; n], vec![0.0; n]);
    let la = a.log_density_gradient(&u, &mut ga, true).unwrap();
    let lb = b.log_density_gradient(&u, &mut gb, true).unwrap();
    assert!((la - lb).abs() <= 1e-12 * la.abs(), "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!(
            (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            "{ga:?} vs {gb:?}"
        );
    }
    let source = format!(
        "{declarations}
         model {{ target += normal_lpdf(X * b | 0, 3) + normal_lpdf(to_vector(A * B) | 0, 2) + normal_lpdf(r * B | 0, 2); }}"
    );
    let err = fd_error(compile(&source), &u).unwrap();
    assert!(err < 1e-6, "{err}");
}

#[test]
fn an_index_out_of_range_in_the_model_rejects_without_crashing() {
    let model = compile(
        "data { } parameters { vector[3] x; }
         model { int k = 4; x ~ normal(0, 1); target += x[k]; }",
    );
    let mut ev = Evaluator::new(Arc::new(model));
    let mut grad = [0.0; 3];
    let err = ev
        .log_density_gradient(&[0.1, 0.2, 0.3], &mut grad, true)
        .unwrap_err();
    assert!(err.contains("index 4 out of range for `x`"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    // The evaluator goes on working after a rejection.
    let err2 = ev.log_density(&[0.1, 0.2, 0.3], true).unwrap_err();
    assert_eq!(err, err2);
}

#[test]
fn an_index_out_of_range_in_transformed_data_is_an_error_with_a_message() {
    let err = compile_source(
        "test.cmod",
        "transformed data { array[2] real a = {1.0, 2.0}; int k = 3; real b = a[k]; }
         parameters { real x; } model { x ~ normal(b, 1); }",
        None,
    )
    .err()
    .expect("transformed data must fail");
    assert!(err.contains("transformed data"), "{err}");
    assert!(err.contains("index 3 out of range for `a`"), "{err}");
}

#[test]
fn a_domain_error_rejects_with_the_function_name() {
    let model = compile("parameters { real x; } model { x ~ normal(0, x); }");
    let mut ev = Evaluator::new(Arc::new(model));
    let err = ev.log_density(&[-1.0], true).unwrap_err();
    assert!(err.contains("normal_lpdf"), "{err}");
    assert!(ev.log_density(&[1.0], true).is_ok());
}

#[test]
fn every_transform_round_trips_through_unconstrain() {
    let golden = support::shared().join("golden/logprob/transforms_zoo.stan");
    let source = std::fs::read_to_string(golden).unwrap();
    let model = compile(&source);
    let n = model.n_unconstrained;
    let n_params: usize = model.n_outputs;
    let mut ev = Evaluator::new(Arc::new(model));
    let u = point(n, 1.5);
    let mut out = vec![0.0; n_params];
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    ev.generate(&u, &mut rng, &mut out).unwrap();
    let back = ev.unconstrain(&out).unwrap();
    // Constraining again gives the same values (the unconstrained point itself
    // may differ: a unit vector's transform forgets the norm).
    let mut again = vec![0.0; n_params];
    ev.generate(&back, &mut rng, &mut again).unwrap();
    for (a, b) in out.iter().zip(&again) {
        assert!((a - b).abs() < 1e-9, "{out:?}\n{again:?}");
    }
    // A value outside its constraint is refused with the parameter's name.
    let simplex_at = ev.output_names().iter().position(|c| c == "s.1").unwrap();
    out[simplex_at] += 0.5;
    let err = ev.unconstrain(&out).unwrap_err();
    assert!(err.contains("`s`"), "{err}");
}

/// A gradient without loops pushes and pops in one straight-line run: the
/// tape check must count the pushes made earlier in the run (a literal int
/// array in a density once failed with "the gradient's tape ran out").
#[test]
fn straight_line_gradients_pop_what_they_pushed() {
    for source in [
        "parameters { vector[3] s; } model { target += poisson_log_lpmf({2, 0, 5} | s); }",
        "parameters { vector[3] s; } model { target += multinomial_logit_lpmf({2, 0, 5} | s); }",
        "parameters { vector[2] s; real m; } model { matrix[3, 2] x = [[1, 2], [0.5, -1], [2, 0.1]]; \
         target += bernoulli_logit_glm_lpmf({0, 1, 1} | x, m, s); }",
    ] {
        let model = compile(source);
        let u = point(model.n_unconstrained, 0.3);
        let error = fd_error(model, &u).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert!(error < 1e-6, "{source}: relative error {error}");
    }
}

/// Sums that generated loops keep in registers (codegen/loop_accumulators.rs):
/// `target +=` in a loop, a scalar's adjoint summed over a vector, sums under
/// an `if`, nested loops, and a sum that is also read in the loop
/// (which must stay in memory). The looped model's log density equals its
/// straight-line form, and its gradient equals finite differences.
#[test]
fn sums_kept_in_registers_across_loops_equal_their_straight_line_forms() {
    let data =
        "transformed data { int N = 7; vector[N] y = [0.3, -1.2, 0.8, 2.1, -0.4, 1.5, 0.9]'; }";
    let looped = format!(
        "{data} parameters {{ real mu; real<lower=0> sigma; vector[3] b; }} model {{
           real acc = 0;
           real s = 0;
           for (n in 1:N) {{
             if (n < N) {{
               target += normal_lpdf(y[n] | mu + b[1], sigma);
               acc += y[n] * b[2];
             }}
           }}
           for (i in 1:3) for (j in 1:N) target += -0.01 * square(b[i] - y[j]);
           for (n in 1:N) {{ s = s + b[3]; s = s * 0.99; }}
           target += acc + s;
           mu ~ normal(0, 1); sigma ~ exponential(1); b ~ normal(0, 2);
         }}"
    );
    let straight = format!(
        "{data} parameters {{ real mu; real<lower=0> sigma; vector[3] b; }} model {{
           target += normal_lpdf(y[1:N - 1] | mu + b[1], sigma);
           target += -0.01 * (N * dot_self(b) - 2 * sum(b) * sum(y) + 3 * dot_self(y));
           target += sum(y[1:N - 1]) * b[2];
           real w = 0;
           for (k in 1:N) w += 0.99 ^ k;
           target += b[3] * w;
           mu ~ normal(0, 1); sigma ~ exponential(1); b ~ normal(0, 2);
         }}"
    );
    let u = [0.2, -0.3, 0.5, -0.7, 1.1];
    let lp = |source: &str| {
        let mut ev = Evaluator::new(Arc::new(compile(source)));
        let mut grad = vec![0.0; u.len()];
        let lp = ev.log_density_gradient(&u, &mut grad, true).unwrap();
        (lp, grad)
    };
    let ((lp_loop, g_loop), (lp_line, g_line)) = (lp(&looped), lp(&straight));
    assert!(
        (lp_loop - lp_line).abs() < 1e-12 * lp_line.abs(),
        "{lp_loop} vs {lp_line}"
    );
    for (a, b) in g_loop.iter().zip(&g_line) {
        assert!(
            (a - b).abs() < 1e-12 * b.abs().max(1.0),
            "{g_loop:?} vs {g_line:?}"
        );
    }
    let error = fd_error(compile(&looped), &u).unwrap();
    assert!(error < 1e-6, "relative error {error}");
}

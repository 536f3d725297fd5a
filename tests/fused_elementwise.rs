//! Fused elementwise expressions (compiler/src/ir/lower/fused.rs): each form gives the same log density and gradient as the same arithmetic written as an element loop, the varying-slopes predictor is one loop, and a bad gather index fails with the unfused message.

mod support;

use compiler::compiled::Evaluator;
use compiler::ir::{IExpr, Stmt};
use std::sync::Arc;
use support::compile_source;

fn lp_and_gradient(source: &str, u: &[f64]) -> (f64, Vec<f64>) {
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.n_unconstrained, u.len(), "{source}");
    let mut ev = Evaluator::new(Arc::new(model));
    let mut grad = vec![0.0; u.len()];
    let lp = ev.log_density_gradient(u, &mut grad, true).unwrap();
    assert_eq!(ev.log_density(u, true).unwrap(), lp);
    (lp, grad)
}

fn point(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.3 * ((i as f64 + 1.0) * 1.7).sin())
        .collect()
}

const DECLARATIONS: &str = "
    transformed data {
      array[7] int g = {1, 3, 2, 2, 3, 1, 3};
      vector[7] x = [0.5, -1.25, 2.0, 0.75, -0.5, 1.5, 3.0]';
      row_vector[3] w = [1.5, -2.0, 0.25];
    }
    parameters {
      vector[3] a;
      vector[3] b;
      real<lower=0> s;
      matrix[2, 3] M;
      row_vector[3] r;
    }";

/// Every fused form against the element loop it stands for.
#[test]
fn fused_forms_equal_element_loops() {
    let fused = format!(
        "{DECLARATIONS}
         model {{
           vector[7] mu = a[g] + b[g] .* x;
           x ~ normal(mu, s);
           x ~ normal(-(a[g] - 2 * b[g]) ./ (s + x .* x), 1);
           target += normal_lpdf(to_vector((M * 2.0 - M / s) .* M) | 0, 1);
           target += normal_lpdf(-r .* w + (r[{{3, 1, 2}}] - exp(r)) / 4 | 0, 1);
           target += normal_lpdf(((a[g] * s)) + x | 1, 2);
         }}"
    );
    let loops = format!(
        "{DECLARATIONS}
         model {{
           vector[7] mu;
           vector[7] m2;
           matrix[2, 3] P;
           row_vector[3] q;
           row_vector[3] er = exp(r);
           array[3] int perm = {{3, 1, 2}};
           vector[7] m3;
           for (n in 1:7) mu[n] = a[g[n]] + b[g[n]] * x[n];
           x ~ normal(mu, s);
           for (n in 1:7) m2[n] = -(a[g[n]] - 2 * b[g[n]]) / (s + x[n] * x[n]);
           x ~ normal(m2, 1);
           for (j in 1:3) for (i in 1:2) P[i, j] = (M[i, j] * 2.0 - M[i, j] / s) * M[i, j];
           target += normal_lpdf(to_vector(P) | 0, 1);
           for (j in 1:3) q[j] = -r[j] * w[j] + (r[perm[j]] - er[j]) / 4;
           target += normal_lpdf(q | 0, 1);
           for (n in 1:7) m3[n] = a[g[n]] * s + x[n];
           target += normal_lpdf(m3 | 1, 2);
         }}"
    );
    let u = point(3 + 3 + 1 + 6 + 3);
    let (la, ga) = lp_and_gradient(&fused, &u);
    let (lb, gb) = lp_and_gradient(&loops, &u);
    assert!(la.is_finite() && ga.iter().all(|g| g.is_finite() && *g != 0.0));
    assert!((la - lb).abs() <= 1e-13 * lb.abs().max(1.0), "{la} vs {lb}");
    for (x, y) in ga.iter().zip(&gb) {
        assert!(
            (x - y).abs() <= 1e-13 * y.abs().max(1.0),
            "{ga:?} vs {gb:?}"
        );
    }
}

/// Loops over `0..=hi` anywhere in `stmts`.
fn loops_to(stmts: &[Stmt], hi: i64) -> usize {
    stmts
        .iter()
        .map(|s| match s {
            Stmt::For { hi: h, body, .. } => {
                usize::from(matches!(h, IExpr::Const(v) if *v == hi)) + loops_to(body, hi)
            }
            Stmt::If {
                then, otherwise, ..
            } => loops_to(then, hi) + loops_to(otherwise, hi),
            Stmt::While { body, .. } => loops_to(body, hi),
            _ => 0,
        })
        .sum()
}

/// The varying-slopes predictor `a[group] + b[group] .* x` is one loop in
/// the log density (one forward and one reverse loop in the gradient),
/// not one per operation.
#[test]
fn varying_slopes_predictor_is_one_loop() {
    let source = "
        transformed data {
          int N = 11;
          array[N] int group;
          vector[N] x;
          vector[N] y;
          for (n in 1:N) { group[n] = 1 + n % 4; x[n] = n * 0.25; y[n] = sin(n); }
        }
        parameters { vector[4] a; vector[4] b; real<lower=0> sigma; }
        model { y ~ normal(a[group] + b[group] .* x, sigma); }";
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    let body = |name: &str| {
        &model
            .module
            .functions
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function {name}"))
            .body
    };
    assert_eq!(loops_to(body("log_density"), 10), 1);
    assert_eq!(loops_to(body("gradient"), 10), 2);
}

/// A gather index out of range fails with the message the unfused gather gives.
#[test]
fn fused_gather_reports_a_bad_index() {
    let source = "
        transformed data { array[3] int g = {1, 4, 2}; vector[3] x = [1, 2, 3]'; }
        parameters { vector[3] a; }
        model { x ~ normal(a[g] + x, 1); }";
    let model = compile_source("test.cmod", source, None).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = Evaluator::new(Arc::new(model));
    let u = [0.1, 0.2, 0.3];
    let err = ev.log_density(&u, true).unwrap_err();
    assert!(
        err.contains("index 4 out of range for `a`, which has size 3"),
        "{err}"
    );
    let mut grad = [0.0; 3];
    let err = ev.log_density_gradient(&u, &mut grad, true).unwrap_err();
    assert!(
        err.contains("index 4 out of range for `a`, which has size 3"),
        "{err}"
    );
}

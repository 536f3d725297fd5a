//! Benchmark, not a test: how long the front end takes to check a 300-line model. Run it with
//! `cargo run --release -p compiler --example check_speed`.

use std::time::Instant;

/// One outcome's hierarchical regression; the model repeats it with a different suffix.
const PART: &str = r#"
  // Outcome @: varying intercepts and slopes, non-centered.
  {
    vector[N] eta_@ = alpha_@ + X * beta_@ + z_@[g] * tau_@;
    matrix[2, 2] L_S_@ = diag_pre_multiply(sd_@, L_@);
    for (j in 1:J) {
      target += multi_normal_cholesky_lpdf(ab_@[j] | mu_ab_@, L_S_@);
    }
    alpha_@ ~ normal(0, 2.5);
    beta_@ ~ normal(0, 1);
    z_@ ~ std_normal();
    tau_@ ~ exponential(1);
    sd_@ ~ cauchy(0, 2);
    L_@ ~ lkj_corr_cholesky(2);
    mu_ab_@ ~ normal(0, 5);
    sigma_@ ~ exponential(1);
    y_@ ~ normal(eta_@, sigma_@);
  }
"#;

const PARAMS: &str = r#"  real alpha_@;
  vector[K] beta_@;
  vector[J] z_@;
  real<lower=0> tau_@;
  vector<lower=0>[2] sd_@;
  cholesky_factor_corr[2] L_@;
  vector[2] mu_ab_@;
  array[J] vector[2] ab_@;
  real<lower=0> sigma_@;
"#;

/// A model of about 300 lines: `outcomes` hierarchical regressions sharing their predictors.
fn model(outcomes: usize) -> String {
    let mut s = String::from(
        "functions {\n  real scaled_sum(vector x, real s) {\n    return s * sum(x);\n  }\n}\n\
         data {\n  int<lower=1> N;\n  int<lower=1> K;\n  int<lower=1> J;\n  matrix[N, K] X;\n  array[N] int<lower=1, upper=J> g;\n",
    );
    for i in 0..outcomes {
        s.push_str(&format!("  vector[N] y_{i};\n"));
    }
    s.push_str("}\nparameters {\n");
    for i in 0..outcomes {
        s.push_str(&PARAMS.replace('@', &i.to_string()));
    }
    s.push_str("}\nmodel {\n");
    for i in 0..outcomes {
        s.push_str(&PART.replace('@', &i.to_string()));
    }
    s.push_str("}\ngenerated quantities {\n");
    for i in 0..outcomes {
        s.push_str(&format!(
            "  real total_{i} = scaled_sum(beta_{i}, 2.0);\n  array[N] real y_rep_{i} = normal_rng(alpha_{i} + X * beta_{i}, sigma_{i});\n"
        ));
    }
    s.push_str("}\n");
    s
}

fn main() {
    let source = model(10);
    let lines = source.lines().count();
    let result = compiler::front_end(&source);
    assert!(
        result.diagnostics.is_empty(),
        "{}",
        compiler::diagnostics::render(&result.diagnostics, "bench.cmod", &source, false)
    );
    let runs = 200;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(compiler::front_end(std::hint::black_box(&source)));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "front end on a {lines}-line model: median {:.3} ms, min {:.3} ms, max {:.3} ms ({runs} runs)",
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}

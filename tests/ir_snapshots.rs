//! Snapshots of the IR (`cmod check --emit ir`) and the gradient IR (`--emit grad-ir`) of small programs, one per lowering family or AD rule.
//!
//! Each snapshot holds the program, its data (if any), the IR of
//! `transform_data`, `log_density` and `generate`, and the IR of `gradient`.
//! They are review artifacts: a change to the lowering or to the AD pass
//! shows up here as a diff to read, not only as a changed number elsewhere.
//! Accept a reviewed change with `cargo insta review`, or with
//! `INSTA_UPDATE=always cargo test --release --test ir_snapshots`.

mod support;

/// Compiles `source` (with `data`, CmdStan JSON) and snapshots both IR stages as `name`.
fn snapshot(name: &str, source: &str, data: Option<&str>) {
    let (ir, grad_ir) = support::check_ir(source, data);
    let data = data.map_or(String::new(), |d| format!("--- data\n{}\n", d.trim_end()));
    let text = format!(
        "--- source\n{}\n{data}--- ir\n{ir}--- grad-ir\n{grad_ir}",
        source.trim()
    );
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The lengths of the slots the gradient keeps density partials in
/// (`_ad_partials_*`, one per density call outside loops), which the printed
/// IR does not show: it prints a kernel call without its arguments or mode.
fn kept_partials(source: &str) -> Vec<usize> {
    let model = support::compile_source("model.stan", source, None).expect("compiles");
    model
        .module
        .layout
        .slots
        .iter()
        .filter(|s| s.name.starts_with("_ad_partials_"))
        .map(|s| s.len)
        .collect()
}

#[test]
fn scalar_arithmetic_and_inlined_normal() {
    snapshot(
        "scalar_arithmetic_and_inlined_normal",
        r#"
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  real z = (mu - 1.5) * 2 / sigma;
  target += -0.5 * z * z;
  mu ~ normal(0, 10);
}
"#,
        None,
    );
}

const VECTORIZED_NORMAL: &str = r#"
transformed data {
  vector[3] y = [0.5, -1.0, 2.0]';
}
parameters {
  vector[3] mu;
  real<lower=0> sigma;
}
model {
  y ~ normal(mu, sigma);
}
"#;

#[test]
fn vectorized_normal_kernel_keeps_partials() {
    snapshot(
        "vectorized_normal_kernel_keeps_partials",
        VECTORIZED_NORMAL,
        None,
    );
    // Outside loops, the forward call keeps the partials of mu (3) and sigma (1).
    assert_eq!(kept_partials(VECTORIZED_NORMAL), [4]);
}

const FUSED_GATHER: &str = r#"
transformed data {
  array[4] int g = {1, 2, 2, 1};
  vector[4] x = [0.5, 1.0, 1.5, 2.0]';
  vector[4] y = [1.0, 0.0, 2.0, 1.0]';
}
parameters {
  vector[2] a;
  vector[2] b;
}
model {
  y ~ normal(a[g] + b[g] .* x, 1);
}
"#;

#[test]
fn fused_elementwise_with_gather() {
    snapshot("fused_elementwise_with_gather", FUSED_GATHER, None);
    // The normal call keeps the partials of its location, the fused temporary (4).
    assert_eq!(kept_partials(FUSED_GATHER), [4]);
}

#[test]
fn matrix_product_unrolled_for_inner_dimension_up_to_8() {
    snapshot(
        "matrix_product_unrolled_for_inner_dimension_up_to_8",
        r#"
transformed data {
  matrix[2, 3] X = [[1, 2, 3], [4, 5, 6]];
}
parameters {
  vector[3] beta;
}
model {
  vector[2] eta = X * beta;
  target += -dot_self(eta);
}
"#,
        None,
    );
}

#[test]
fn matrix_product_kernel_for_inner_dimension_over_8() {
    snapshot(
        "matrix_product_kernel_for_inner_dimension_over_8",
        r#"
transformed data {
  matrix[2, 9] X = rep_matrix(0.5, 2, 9);
}
parameters {
  vector[9] beta;
}
model {
  vector[2] eta = X * beta;
  target += -dot_self(eta);
}
"#,
        None,
    );
}

#[test]
fn loop_with_target_increment_over_data() {
    snapshot(
        "loop_with_target_increment_over_data",
        r#"
data {
  int<lower=0> N;
  array[N] real y;
}
parameters {
  real mu;
}
model {
  for (n in 1:N) {
    target += -0.5 * square(y[n] - mu);
  }
}
"#,
        Some(r#"{"N": 3, "y": [0.5, 1.0, 1.5]}"#),
    );
}

#[test]
fn branch_on_parameter_pushes_the_branch() {
    snapshot(
        "branch_on_parameter_pushes_the_branch",
        r#"
parameters {
  real x;
}
model {
  real t;
  if (x > 0) {
    t = -x;
  } else {
    t = -0.5 * x * x;
  }
  target += t;
}
"#,
        None,
    );
}

#[test]
fn while_loop_on_parameter_pushes_the_count() {
    snapshot(
        "while_loop_on_parameter_pushes_the_count",
        r#"
parameters {
  real<lower=0.5> x;
}
model {
  real s = 0;
  int k = 0;
  while (s < 3 && k < 10) {
    k += 1;
    s += x;
  }
  target += -square(s);
}
"#,
        None,
    );
}

const CONSTRAINED: &str = r#"
parameters {
  real<lower=1> s;
  simplex[3] theta;
  cholesky_factor_corr[2] L;
}
model {
  s ~ exponential(1);
  theta ~ dirichlet([1, 1, 1]');
  L ~ lkj_corr_cholesky(2);
}
"#;

#[test]
fn constrained_parameters_transforms_and_jacobians() {
    snapshot(
        "constrained_parameters_transforms_and_jacobians",
        CONSTRAINED,
        None,
    );
    // dirichlet keeps theta's partials (3), lkj_corr_cholesky L's (4); the
    // exponential is inlined.
    assert_eq!(kept_partials(CONSTRAINED), [3, 4]);
}

#[test]
fn user_defined_function_inlined() {
    snapshot(
        "user_defined_function_inlined",
        r#"
functions {
  real sq_diff(real a, real b) {
    real d = a - b;
    return d * d;
  }
}
parameters {
  real mu;
}
model {
  target += -0.5 * sq_diff(mu, 1.5);
}
"#,
        None,
    );
}

#[test]
fn transformed_parameters_in_log_density_and_generate() {
    snapshot(
        "transformed_parameters_in_log_density_and_generate",
        r#"
transformed data {
  real y = 0.8;
}
parameters {
  real mu_raw;
  real<lower=0> tau;
}
transformed parameters {
  real mu = 2 + tau * mu_raw;
}
model {
  mu_raw ~ std_normal();
  tau ~ exponential(1);
  y ~ normal(mu, 1);
}
"#,
        None,
    );
}

#[test]
fn generated_quantities_with_rng() {
    snapshot(
        "generated_quantities_with_rng",
        r#"
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  real y_rep = normal_rng(mu, 1);
  int above = y_rep > mu;
}
"#,
        None,
    );
}

#[test]
fn log_sum_exp_and_fmax() {
    snapshot(
        "log_sum_exp_and_fmax",
        r#"
parameters {
  real a;
  real b;
  vector[3] v;
}
model {
  target += log_sum_exp(a, b);
  target += log_sum_exp(v);
  target += -fmax(a, b);
}
"#,
        None,
    );
}

const TRUNCATED: &str = r#"
transformed data {
  real y = 0.7;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  y ~ normal(mu, sigma) T[0, ];
}
"#;

#[test]
fn truncated_density_with_lower_bound() {
    snapshot("truncated_density_with_lower_bound", TRUNCATED, None);
    // The lccdf call is in a branch but outside loops: it keeps the partials
    // of mu and sigma (2).
    assert_eq!(kept_partials(TRUNCATED), [2]);
}

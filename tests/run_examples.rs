//! End-to-end tests of `cmod run`: every example runs with a fixed seed and its
//! posterior is checked against known values; flags, fixed_param and Ctrl-C too.

use runtime::stan_csv::read_stan_csv;
use runtime::ChainDraws;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cmod() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cmod"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs an example and returns the process output and its chains.
fn run_example(model: &str, data: Option<&str>, extra: &[&str]) -> (Output, Vec<ChainDraws>) {
    let out_dir = temp_dir(&model.replace('/', "_"));
    let mut cmd = cmod();
    cmd.arg("run")
        .arg(root().join(model))
        .arg("--seed")
        .arg("12345")
        .arg("--output-dir")
        .arg(&out_dir);
    if let Some(d) = data {
        cmd.arg("--data").arg(root().join(d));
    }
    cmd.args(extra);
    let output = cmd.output().expect("cmod runs");
    let mut chains = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&out_dir) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            chains.push(read_stan_csv(&f).expect("cmod's CSV reads back"));
        }
    }
    (output, chains)
}

/// Posterior mean, sd and (naive, conservative x2) MCSE of a column over all chains.
fn stats(chains: &[ChainDraws], name: &str) -> (f64, f64) {
    let draws: Vec<f64> = chains
        .iter()
        .flat_map(|c| c.sampling_column_named(name).expect("column exists"))
        .collect();
    let n = draws.len() as f64;
    let mean = draws.iter().sum::<f64>() / n;
    let sd = (draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd)
}

fn truth(dir: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(dir).join("truth.json")).unwrap())
        .unwrap()
}

/// A simulated truth must lie within 3.5 posterior sds of the posterior mean
/// (a weak check that a wrong model or sampler still fails).
fn covers(chains: &[ChainDraws], name: &str, true_value: f64) {
    let (mean, sd) = stats(chains, name);
    assert!(
        (mean - true_value).abs() < 3.5 * sd,
        "{name}: posterior mean {mean} (sd {sd}) vs truth {true_value}"
    );
}

#[test]
fn eight_schools_noncentered_matches_posteriordb() {
    let (output, chains) = run_example(
        "examples/eight_schools/eight_schools_noncentered.cmod",
        Some("examples/eight_schools/data.json"),
        &["--quiet"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(chains.len(), 4);
    // posteriordb's reference means (10 x 1000 independent draws).
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(
            "../shared/posteriordb/eight_schools-eight_schools_noncentered/reference_draws.json",
        ))
        .unwrap(),
    )
    .unwrap();
    for name in ["mu", "tau"] {
        let ref_draws: Vec<f64> = reference[name]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
            .collect();
        let ref_mean = ref_draws.iter().sum::<f64>() / ref_draws.len() as f64;
        let (mean, sd) = stats(&chains, name);
        // 4000 draws with ESS well above 1000: the mean's MCSE is under sd / 30.
        assert!(
            (mean - ref_mean).abs() < 4.0 * sd / 30.0,
            "{name}: {mean} vs reference {ref_mean}"
        );
    }
}

#[test]
fn eight_schools_centered_reports_divergences_with_advice() {
    let (output, chains) = run_example(
        "examples/eight_schools/eight_schools_centered.cmod",
        Some("examples/eight_schools/data.json"),
        &[],
    );
    assert!(output.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let divergent: f64 = chains
        .iter()
        .map(|c| {
            c.sampling_column_named("divergent__")
                .unwrap()
                .iter()
                .sum::<f64>()
        })
        .sum();
    assert!(divergent > 0.0, "the centered eight schools should diverge");
    assert!(
        text.contains("adapt_delta") && text.contains("non-centered"),
        "{text}"
    );
}

#[test]
fn linear_regression_recovers_the_simulated_values() {
    let (output, chains) = run_example(
        "examples/linear_regression/linear_regression.cmod",
        Some("examples/linear_regression/data.json"),
        &["--quiet"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let t = truth("examples/linear_regression");
    covers(&chains, "alpha", t["alpha"].as_f64().unwrap());
    covers(&chains, "sigma", t["sigma"].as_f64().unwrap());
    for (k, b) in t["beta"].as_array().unwrap().iter().enumerate() {
        covers(&chains, &format!("beta.{}", k + 1), b.as_f64().unwrap());
    }
    // The predictive draw spreads at least as much as the residual noise.
    let (_, sd_new) = stats(&chains, "y_new");
    let (sigma, _) = stats(&chains, "sigma");
    assert!(
        sd_new > 0.9 * sigma && sd_new < 1.5 * sigma,
        "sd of y_new {sd_new} vs sigma {sigma}"
    );
}

#[test]
fn logistic_regression_recovers_the_simulated_values() {
    let (output, chains) = run_example(
        "examples/logistic_regression/logistic_regression.cmod",
        Some("examples/logistic_regression/data.json"),
        &["--quiet"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let t = truth("examples/logistic_regression");
    covers(&chains, "alpha", t["alpha"].as_f64().unwrap());
    for (k, b) in t["beta"].as_array().unwrap().iter().enumerate() {
        covers(&chains, &format!("beta.{}", k + 1), b.as_f64().unwrap());
    }
}

#[test]
fn poisson_regression_recovers_the_simulated_values() {
    let (output, chains) = run_example(
        "examples/poisson_regression/poisson_regression.cmod",
        Some("examples/poisson_regression/data.json"),
        &["--quiet"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let t = truth("examples/poisson_regression");
    covers(&chains, "alpha", t["alpha"].as_f64().unwrap());
    covers(&chains, "beta", t["beta"].as_f64().unwrap());
}

/// A fixed step size and inverse metric without adaptation (cmdstanpy's
/// step_size, metric and adapt_engaged=False): every draw uses them, the
/// CSV header names the metric file, and a metric of the wrong size or
/// shape is refused with a message.
#[test]
fn step_size_and_inverse_metric_can_be_fixed() {
    let dir = temp_dir("fixed_tuning");
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, extra: &[&str]| -> (Output, Vec<(String, ChainDraws)>) {
        let out_dir = dir.join(name);
        let output = cmod()
            .arg("run")
            .arg(root().join("examples/eight_schools/eight_schools_noncentered.cmod"))
            .arg("--data")
            .arg(root().join("examples/eight_schools/data.json"))
            .args(["--seed", "5", "--quiet", "--output-dir"])
            .arg(&out_dir)
            .args(extra)
            .output()
            .expect("cmod runs");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        let chains = files
            .iter()
            .map(|f| {
                (
                    std::fs::read_to_string(f).unwrap(),
                    read_stan_csv(f).unwrap(),
                )
            })
            .collect();
        (output, chains)
    };
    let metric = dir.join("metric.json");
    let diagonal: Vec<f64> = (1..=10).map(|i| 0.5 + 0.1 * i as f64).collect();
    std::fs::write(&metric, format!("{{\"inv_metric\": {diagonal:?}}}")).unwrap();
    let metric_arg = metric.display().to_string();
    let (output, chains) = run(
        "diag",
        &[
            "--chains",
            "2",
            "--step-size",
            "0.3",
            "--adapt-engaged",
            "false",
            "--inv-metric",
            &metric_arg,
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(chains.len(), 2);
    for (text, chain) in &chains {
        let steps = chain.sampling_column_named("stepsize__").unwrap();
        assert!(steps.iter().all(|&s| s == 0.3), "{:?}", &steps[..5]);
        assert!(text.contains("engaged = false"), "{text}");
        assert!(
            text.contains(&format!("metric_file = {metric_arg}")),
            "{text}"
        );
    }

    // A dense metric reads a matrix.
    let dense = dir.join("dense.json");
    let rows: Vec<Vec<f64>> = (0..10)
        .map(|i| {
            (0..10)
                .map(|j| {
                    if i == j {
                        1.0
                    } else if i + j == 9 {
                        0.2
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    std::fs::write(&dense, format!("{{\"inv_metric\": {rows:?}}}")).unwrap();
    let dense_arg = dense.display().to_string();
    let (output, chains) = run(
        "dense",
        &[
            "--chains",
            "1",
            "--metric",
            "dense",
            "--step-size",
            "0.4",
            "--adapt-engaged",
            "false",
            "--inv-metric",
            &dense_arg,
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps = chains[0].1.sampling_column_named("stepsize__").unwrap();
    assert!(steps.iter().all(|&s| s == 0.4));

    // Wrong size, wrong shape, not a metric file.
    let short = dir.join("short.json");
    std::fs::write(&short, "{\"inv_metric\": [1.0, 2.0]}").unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"metric\": [1.0]}").unwrap();
    for (k, (file, metric_kind, expected)) in [
        (
            &short,
            "diag",
            "gives a metric for 2 parameters, but the model has 10",
        ),
        (&metric, "dense", "needs \"inv_metric\" to be a matrix"),
        (&bad, "diag", "no \"inv_metric\" entry"),
    ]
    .into_iter()
    .enumerate()
    {
        let file_arg = file.display().to_string();
        let (output, _) = run(
            &format!("bad{k}"),
            &["--metric", metric_kind, "--inv-metric", &file_arg],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(expected),
            "{stderr}"
        );
    }
}

/// Ragged groups through segments of run-time length, and the same model
/// through a group index: both recover the simulation, and agree.
#[test]
fn ragged_groups_recover_the_simulated_values_in_both_forms() {
    let t = truth("examples/ragged_groups");
    let mut means = Vec::new();
    for model in ["ragged_groups", "ragged_groups_indexed"] {
        let (output, chains) = run_example(
            &format!("examples/ragged_groups/{model}.cmod"),
            Some("examples/ragged_groups/data.json"),
            &["--quiet"],
        );
        assert!(
            output.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        for name in ["mu", "tau", "sigma"] {
            covers(&chains, name, t[name].as_f64().unwrap());
        }
        for (j, a) in t["a"].as_array().unwrap().iter().enumerate() {
            covers(&chains, &format!("a.{}", j + 1), a.as_f64().unwrap());
        }
        means.push(stats(&chains, "a.7"));
    }
    // Group 7 (22 observations): the two forms agree to Monte Carlo error.
    let ((m1, sd1), (m2, _)) = (means[0], means[1]);
    assert!((m1 - m2).abs() < 0.1 * sd1, "a.7: {m1} vs {m2}");
}

#[test]
fn a_model_without_data_needs_no_data_file() {
    let (output, chains) = run_example("examples/no_data/banana.cmod", None, &["--quiet"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // E[x] = 0 and E[y] = 0.2 exactly.
    let (mx, sx) = stats(&chains, "x");
    let (my, sy) = stats(&chains, "y");
    assert!(mx.abs() < 4.0 * sx / 20.0, "E[x] = {mx}");
    assert!((my - 0.2).abs() < 4.0 * sy / 20.0, "E[y] = {my}");
}

#[test]
fn the_same_seed_gives_the_same_draws() {
    let (_, a) = run_example(
        "examples/no_data/banana.cmod",
        None,
        &["--quiet", "--chains", "2", "--iter-sampling", "50"],
    );
    let (_, b) = run_example(
        "examples/no_data/banana.cmod",
        None,
        &[
            "--quiet",
            "--chains",
            "2",
            "--iter-sampling",
            "50",
            "--parallel-chains",
            "1",
        ],
    );
    assert_eq!(
        a[0].sampling_column_named("x"),
        b[0].sampling_column_named("x")
    );
    assert_eq!(
        a[1].sampling_column_named("y"),
        b[1].sampling_column_named("y")
    );
}

/// `_rng` in transformed data draws from the run's seed, as in CmdStan: the
/// same seed gives the same transformed data, another seed other data.
#[test]
fn transformed_data_rng_follows_the_seed() {
    let dir = temp_dir("td-rng");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("td_rng.cmod");
    std::fs::write(
        &model,
        "transformed data { real x = normal_rng(0, 1); }\n\
         parameters { real y; }\n\
         model { y ~ normal(x, 1); }\n\
         generated quantities { real x_out = x; }\n",
    )
    .unwrap();
    let x_with_seed = |seed: &str, run: &str| {
        let out_dir = dir.join(run);
        let output = cmod()
            .arg("run")
            .arg(&model)
            .args(["--quiet", "--chains", "1", "--iter-warmup", "20"])
            .args(["--iter-sampling", "5", "--seed", seed, "--output-dir"])
            .arg(&out_dir)
            .output()
            .expect("cmod runs");
        assert!(output.status.success(), "{output:?}");
        let file = std::fs::read_dir(&out_dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let chain = read_stan_csv(&file.path()).unwrap();
        let column = chain.sampling_column_named("x_out").unwrap();
        assert!(
            column.iter().all(|v| *v == column[0]),
            "x is fixed within a run"
        );
        column[0]
    };
    let first = x_with_seed("7", "a");
    assert_eq!(first, x_with_seed("7", "b"));
    assert_ne!(first, x_with_seed("8", "c"));
}

/// Sizes from the data that need more memory than cmod gives a model end in
/// an error at the declaration that asked for it, not in a crash.
#[test]
fn a_model_too_large_for_memory_is_an_error_at_its_declaration() {
    let dir = temp_dir("too-large");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("big.cmod");
    std::fs::write(
        &model,
        "data {\n  int N;\n}\n\
         transformed data {\n  vector[N] big = rep_vector(0, N);\n}\n\
         parameters { real y; }\nmodel { y ~ normal(0, 1); }\n",
    )
    .unwrap();
    let data = dir.join("big.json");
    std::fs::write(&data, r#"{"N": 300000000}"#).unwrap();
    let output = cmod()
        .arg("run")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("cmod runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("numbers in memory (at `big`)"), "{stderr}");
    assert!(stderr.contains("big.cmod:5:3"), "{stderr}");
}

/// Declared constraints are checked at the end of their block, as in Stan:
/// in transformed parameters a violation rejects the proposal, in generated
/// quantities the draw keeps its parameters and the rest is NaN, in
/// transformed data it is an error.
#[test]
fn declared_constraints_are_checked_where_stan_checks_them() {
    let dir = temp_dir("constraints");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("bounds.cmod");
    std::fs::write(
        &model,
        "parameters { real x; }\n\
         transformed parameters { real<lower=0> t = x + 1; }\n\
         model { x ~ normal(0, 1); }\n\
         generated quantities { real<lower=0> g = x; simplex[2] s = [0.5, 0.5 + x]'; }\n",
    )
    .unwrap();
    // Transformed parameters: x = -2 gives t = -1, which rejects.
    let params = dir.join("x.json");
    std::fs::write(&params, r#"{"x": -2}"#).unwrap();
    let output = cmod()
        .arg("log-prob")
        .arg(&model)
        .arg("--params")
        .arg(&params)
        .output()
        .expect("cmod runs");
    let text = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("t is -1, but must be greater than or equal to 0"),
        "{text}"
    );
    // The posterior is x ~ normal(0, 1) truncated to x >= -1.
    let out_dir = dir.join("run");
    let output = cmod()
        .arg("run")
        .arg(&model)
        .args(["--seed", "3", "--quiet", "--output-dir"])
        .arg(&out_dir)
        .output()
        .expect("cmod runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("g is -"), "{stderr}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let chain = read_stan_csv(&file).unwrap();
        let x = chain.sampling_column_named("x").unwrap();
        let g = chain.sampling_column_named("g").unwrap();
        let s2 = chain.sampling_column_named("s.2").unwrap();
        assert!(x.iter().all(|v| v.is_finite() && *v >= -1.0));
        for ((x, g), s2) in x.iter().zip(&g).zip(&s2) {
            // g >= 0 needs x >= 0, and the simplex needs x == 0: every draw with x != 0 is rejected.
            assert!(g.is_nan() && s2.is_nan(), "x = {x}, g = {g}");
        }
    }
    // Transformed data: an error before sampling.
    let bad_data = dir.join("td.cmod");
    std::fs::write(
        &bad_data,
        "transformed data { vector<upper=1>[3] v = [0, 2, 0]'; }\n\
         parameters { real y; }\nmodel { y ~ normal(0, 1); }\n",
    )
    .unwrap();
    let output = cmod()
        .arg("run")
        .arg(&bad_data)
        .output()
        .expect("cmod runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("v[2] is 2, but must be less than or equal to 1"),
        "{stderr}"
    );
}

#[test]
fn inits_by_name_are_unconstrained_and_checked() {
    let dir = temp_dir("named-inits");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"mu": 1.0, "tau": 2.0, "theta_trans": [0, 0, 0, 0, 0, 0, 0, 0.5]}"#,
    )
    .unwrap();
    let model = root().join("examples/eight_schools/eight_schools_noncentered.cmod");
    let data = root().join("examples/eight_schools/data.json");
    let out = cmod()
        .arg("log-prob")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--params")
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The unconstrained point is (mu, log tau, theta_trans): the same density as giving it directly.
    let u = dir.join("u.json");
    std::fs::write(
        &u,
        format!(r#"{{"u": [1.0, {}, 0, 0, 0, 0, 0, 0, 0, 0.5]}}"#, 2f64.ln()),
    )
    .unwrap();
    let out_u = cmod()
        .arg("log-prob")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--params")
        .arg(&u)
        .output()
        .unwrap();
    let json_u: serde_json::Value = serde_json::from_slice(&out_u.stdout).unwrap();
    assert!((json["lp"].as_f64().unwrap() - json_u["lp"].as_f64().unwrap()).abs() < 1e-12);
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"mu": 1.0, "tau": -2.0, "theta_trans": [0, 0, 0, 0, 0, 0, 0, 0.5]}"#,
    )
    .unwrap();
    let out = cmod()
        .arg("log-prob")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--params")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("`tau` (element 1) is -2, which is below its lower bound"));
    let missing = dir.join("missing.json");
    std::fs::write(&missing, r#"{"mu": 1.0}"#).unwrap();
    let out = cmod()
        .arg("run")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--inits")
        .arg(&missing)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no value for the parameters `tau`, `theta_trans`"));
}

#[test]
fn fixed_param_keeps_the_parameters_fixed() {
    let dir = temp_dir("inits");
    std::fs::create_dir_all(&dir).unwrap();
    let inits = dir.join("inits.json");
    std::fs::write(&inits, r#"{"u": [0.5, -1.0]}"#).unwrap();
    let (output, chains) = run_example(
        "examples/no_data/banana.cmod",
        None,
        &[
            "--quiet",
            "--algorithm",
            "fixed-param",
            "--iter-sampling",
            "20",
            "--inits",
            inits.to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let x = chains[0].sampling_column_named("x").unwrap();
    assert_eq!(x.len(), 20);
    assert!(x.iter().all(|v| *v == 0.5));
}

fn expect_flag_error(args: &[&str], needle: &str) {
    let output = cmod().args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in:\n{err}"
    );
}

#[test]
fn bad_flags_are_explained() {
    let model = root().join("examples/no_data/banana.cmod");
    let m = model.to_str().unwrap();
    expect_flag_error(&["run", m, "--chains", "0"], "--chains");
    expect_flag_error(&["run", m, "--adapt-delta", "1.5"], "between 0 and 1");
    expect_flag_error(&["run", m, "--metric", "full"], "diag");
    expect_flag_error(&["run", m, "--thin", "-1"], "--thin");
    expect_flag_error(&["run", m, "--inits", "-3"], "radius");
    expect_flag_error(
        &["run", m, "--inits", "/no/such/file.json"],
        "cannot be read",
    );
    expect_flag_error(&["run", m, "--max-treedepth", "0"], "--max-treedepth");
    expect_flag_error(
        &["run", "/no/such/model.cmod"],
        "cannot read the model file",
    );
    expect_flag_error(
        &[
            "run",
            root()
                .join("examples/linear_regression/linear_regression.cmod")
                .to_str()
                .unwrap(),
        ],
        "--data",
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_readable_csv_files() {
    let out_dir = temp_dir("sigint");
    let mut child = cmod()
        .arg("run")
        .arg(root().join("examples/no_data/banana.cmod"))
        .args([
            "--iter-sampling",
            "100000000",
            "--chains",
            "2",
            "--seed",
            "1",
            "--quiet",
            "--output-dir",
        ])
        .arg(&out_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until both files have some rows.
    let files = [out_dir.join("banana-1.csv"), out_dir.join("banana-2.csv")];
    let start = std::time::Instant::now();
    while start.elapsed().as_secs() < 60 {
        let rows = files
            .iter()
            .map(|f| {
                std::fs::read_to_string(f)
                    .map(|t| t.lines().filter(|l| !l.starts_with('#')).count())
                    .unwrap_or(0)
            })
            .min()
            .unwrap_or(0);
        if rows > 1500 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success() || status.code() == Some(130));
    for f in &files {
        let draws = read_stan_csv(Path::new(f)).expect("an interrupted CSV still reads");
        assert!(draws.num_sampling_rows() > 0);
    }
}

/// Runs cmod with its standard output closed before it writes anything
/// (as `cmod ... | head -c 0` does) and returns how it ended.
fn with_stdout_closed(args: &[&str]) -> Output {
    let mut child = cmod()
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cmod starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("cmod ends")
}

#[test]
fn a_closed_standard_output_ends_cmod_quietly() {
    let dir = temp_dir("closed_stdout");
    std::fs::create_dir_all(&dir).unwrap();
    let point = dir.join("point.json");
    std::fs::write(&point, r#"{"u": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}"#).unwrap();
    let out = dir.join("draws");
    let runs: [Vec<&str>; 3] = [
        vec![
            "log-prob",
            "examples/eight_schools/eight_schools_noncentered.cmod",
            "--data",
            "examples/eight_schools/data.json",
            "--params",
            point.to_str().unwrap(),
        ],
        vec![
            "run",
            "examples/eight_schools/eight_schools_noncentered.cmod",
            "--data",
            "examples/eight_schools/data.json",
            "--seed",
            "3",
            "--iter-warmup",
            "200",
            "--iter-sampling",
            "100",
            "--output-dir",
            out.to_str().unwrap(),
        ],
        vec![
            "check",
            "examples/eight_schools/eight_schools_noncentered.cmod",
            "--data",
            "examples/eight_schools/data.json",
            "--emit",
            "ir",
        ],
    ];
    for args in &runs {
        let output = with_stdout_closed(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
    }
    // The run's draws are all there, and `cmod summary` of them ends quietly too.
    let files: Vec<String> = (1..=4)
        .map(|c| {
            out.join(format!("eight_schools_noncentered-{c}.csv"))
                .display()
                .to_string()
        })
        .collect();
    for file in &files {
        let chain = read_stan_csv(Path::new(file)).expect("a complete CSV");
        assert_eq!(chain.num_sampling_rows(), 100);
    }
    let mut summary = vec!["summary"];
    summary.extend(files.iter().map(String::as_str));
    let output = with_stdout_closed(&summary);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn the_low_rank_warmup_writes_its_metric_as_a_dense_matrix_that_reads_back() {
    let dir = temp_dir("low_rank");
    let run = |name: &str, extra: &[&str]| -> Output {
        cmod()
            .arg("run")
            .arg(root().join("examples/correlated_predictors/correlated_predictors_cholesky.cmod"))
            .arg("--data")
            .arg(root().join("examples/correlated_predictors/data.json"))
            .args(["--seed", "7", "--quiet", "--chains", "2", "--output-dir"])
            .arg(dir.join(name))
            .args(["--iter-warmup", "300", "--iter-sampling", "200"])
            .args(extra)
            .output()
            .expect("cmod runs")
    };
    let output = run("low_rank", &["--metric", "low-rank"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = dir.join("low_rank/correlated_predictors_cholesky-1.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("metric = dense_e") && text.contains("metric_adaptation = gradient"));
    let chain = read_stan_csv(&file).unwrap();
    let Some(runtime::AdaptationInfo {
        inverse_metric: runtime::InverseMetric::Dense(rows),
        ..
    }) = &chain.adaptation
    else {
        panic!("a dense inverse metric in the header");
    };
    // 31 unconstrained parameters; the matrix is symmetric with a positive diagonal.
    assert_eq!(rows.len(), 31);
    for (i, row) in rows.iter().enumerate() {
        assert!(row[i] > 0.0);
        for (j, value) in row.iter().enumerate() {
            assert_eq!(*value, rows[j][i], "({i}, {j})");
        }
    }
    // That matrix is accepted back as a dense metric, with adaptation off.
    let metric = dir.join("metric.json");
    std::fs::write(&metric, format!("{{\"inv_metric\": {rows:?}}}")).unwrap();
    let again = run(
        "dense_again",
        &[
            "--metric",
            "dense",
            "--adapt-engaged",
            "false",
            "--step-size",
            "0.3",
            "--inv-metric",
            metric.to_str().unwrap(),
        ],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // Flags that do not go together are refused with a message naming both.
    let refused = run("refused", &["--metric", "low-rank", "--adaptation", "stan"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("--metric low-rank") && message.contains("--adaptation"),
        "{message}"
    );
}

//! Stan CSV written by a run: it reads back exactly, gives the same summary
//! as the draws in memory, and ArviZ and cmdstanpy load it.

mod common;

use rand::Rng;
use runtime::stan_csv::{read_stan_csv, read_stan_csv_str};
use runtime::{
    run_chains, CsvOutput, InverseMetric, Model, Rejection, RunOptions, SamplerConfig, Summary,
};
use std::path::PathBuf;
use std::process::Command;

/// theta ~ normal(0, 1) in 2-d, a 2x2 matrix transformed parameter written
/// column-major, and a generated quantity drawn with the chain's RNG.
#[derive(Clone)]
struct ModelWithOutputs;

impl Model for ModelWithOutputs {
    fn dim(&self) -> usize {
        2
    }
    fn output_names(&self) -> Vec<String> {
        [
            "theta.1",
            "theta.2",
            "Sigma.1.1",
            "Sigma.2.1",
            "Sigma.1.2",
            "Sigma.2.2",
            "y_rep",
        ]
        .iter()
        .map(|name| name.to_string())
        .collect()
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        grad[0] = -theta[0];
        grad[1] = -theta[1];
        Ok(-0.5 * (theta[0] * theta[0] + theta[1] * theta[1]))
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        rng: &mut dyn Rng,
        out: &mut [f64],
    ) -> Result<(), Rejection> {
        out[0] = theta[0];
        out[1] = theta[1];
        out[2] = 1.0;
        out[3] = theta[0] * theta[1];
        out[4] = theta[0] * theta[1];
        out[5] = 1.0;
        let uniform = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        out[6] = theta[0] + uniform;
        Ok(())
    }
}

fn temporary_directory(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("cmod-runtime-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn write_run(name: &str, save_warmup: bool) -> (Vec<PathBuf>, runtime::RunOutput) {
    let directory = temporary_directory(name);
    let paths: Vec<PathBuf> = (1..=2)
        .map(|id| directory.join(format!("model-{id}.csv")))
        .collect();
    let config = SamplerConfig {
        num_chains: 2,
        parallel_chains: 2,
        num_warmup: 200,
        num_samples: 150,
        save_warmup,
        seed: 42,
        ..Default::default()
    };
    let options = RunOptions {
        csv: Some(CsvOutput {
            paths: paths.clone(),
            header: runtime::stan_csv::CsvHeaderInfo {
                model_name: "outputs_model".into(),
                data_file: None,
                metric_file: None,
            },
        }),
        ..Default::default()
    };
    let output = run_chains(
        &config,
        &|_| Box::new(ModelWithOutputs) as Box<dyn Model>,
        &options,
    )
    .unwrap();
    assert!(output.error_messages().is_empty());
    (paths, output)
}

#[test]
fn written_csv_reads_back_exactly() {
    let (paths, output) = write_run("roundtrip", true);
    let read: Vec<_> = paths
        .iter()
        .map(|path| read_stan_csv(path).unwrap())
        .collect();
    for (from_file, in_memory) in read.iter().zip(&output.chains) {
        let memory = &in_memory.draws;
        assert_eq!(from_file.column_names, memory.column_names);
        assert_eq!(
            from_file.values, memory.values,
            "values must round-trip exactly"
        );
        assert_eq!(from_file.num_warmup_rows, 200);
        assert_eq!(from_file.num_warmup_rows, memory.num_warmup_rows);
        assert_eq!(from_file.chain_id, memory.chain_id);
        assert_eq!(from_file.adaptation, memory.adaptation);
        assert_eq!(from_file.max_depth, Some(10));
        assert!(from_file.timing.is_some());
    }
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    assert!(text.contains("# Adaptation terminated\n# Step size = "));
    assert!(text.contains("# Diagonal elements of inverse mass matrix:\n# "));
    assert!(text.contains("#  Elapsed Time: "));
    let memory_chains: Vec<_> = output
        .chains
        .iter()
        .map(|chain| chain.draws.clone())
        .collect();
    // NaN != NaN, so compare the printed tables.
    assert_eq!(
        Summary::from_chains(&read).to_table_string(),
        Summary::from_chains(&memory_chains).to_table_string()
    );
    let table = Summary::from_chains(&read).to_table_string();
    for header in [
        "Mean", "MCSE", "StdDev", "5%", "50%", "95%", "ESS_bulk", "ESS_tail", "R_hat", "theta.1",
        "lp__",
    ] {
        assert!(table.contains(header), "missing {header} in\n{table}");
    }
}

#[test]
fn reads_cmdstan_output() {
    let text = "\
# stan_version_major = 2
# model = bernoulli_model
# method = sample (Default)
#   sample
#     num_samples = 3
#     num_warmup = 2
#     save_warmup = true
#     thin = 1 (Default)
#     algorithm = hmc (Default)
#       hmc
#         engine = nuts (Default)
#           nuts
#             max_depth = 10 (Default)
#         metric = dense_e
# id = 3
lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta
-7.1,0.9,1,1,1,0,7.2,0.3
-7.0,0.8,1,1,3,0,7.1,0.2
# Adaptation terminated
# Step size = 0.932
# Elements of inverse mass matrix:
# 0.5, 0.1
# 0.1, 0.4
-6.8,0.93,0.932,1,3,0,7.05,0.25
-6.9,1,0.932,2,3,0,7.2,0.21
-7.2,0.7,0.932,1,1,0,7.6,0.4
# 
#  Elapsed Time: 0.004 seconds (Warm-up)
#                0.011 seconds (Sampling)
#                0.015 seconds (Total)
# 
";
    let draws = read_stan_csv_str(text, "cmdstan.csv").unwrap();
    assert_eq!(draws.chain_id, 3);
    assert_eq!(draws.num_rows(), 5);
    assert_eq!(draws.num_warmup_rows, 2);
    assert_eq!(
        draws.sampling_column_named("theta").unwrap(),
        vec![0.25, 0.21, 0.4]
    );
    let adaptation = draws.adaptation.unwrap();
    assert_eq!(adaptation.step_size, 0.932);
    assert_eq!(
        adaptation.inverse_metric,
        InverseMetric::Dense(vec![vec![0.5, 0.1], vec![0.1, 0.4]])
    );
    assert_eq!(draws.timing.unwrap().sampling_seconds, 0.011);

    let bad = read_stan_csv_str("a,b\n1,2\n3\n", "bad.csv").unwrap_err();
    assert_eq!(bad.line, 3);
    assert!(bad.to_string().contains("bad.csv:3"));
}

/// Runs a Python snippet; `None` if Python or the module is missing.
fn python(script: &str, module: &str) -> Option<std::process::Output> {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    Some(
        Command::new("python3")
            .args(["-c", script])
            .output()
            .expect("python3 runs"),
    )
}

fn require_or_skip(module: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{module} is needed in CI: install it with `python3 -m pip install {module}`");
    }
    eprintln!(
        "skipped: python3 with {module} is not installed here (set CI to make this an error)"
    );
    false
}

fn python_list(paths: &[PathBuf]) -> String {
    let quoted: Vec<String> = paths
        .iter()
        .map(|path: &PathBuf| format!("{:?}", path.display().to_string()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

#[test]
fn arviz_reads_the_output() {
    let (paths, _) = write_run("arviz", false);
    let script = format!(
        r#"
import warnings
warnings.simplefilter("ignore")
import arviz as az
data = az.from_cmdstan(posterior={files})
post = data.posterior
assert dict(post.sizes)["chain"] == 2, post.sizes
assert dict(post.sizes)["draw"] == 150, post.sizes
assert post["theta"].shape == (2, 150, 2), post["theta"].shape
assert post["Sigma"].shape == (2, 150, 2, 2), post["Sigma"].shape
assert "y_rep" in post
stats = data.sample_stats
for name in ["lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"]:
    assert name in stats, (name, list(stats.data_vars))
print("ok", float(az.rhat(data)["theta"].max()))
"#,
        files = python_list(&paths)
    );
    check_python(&script, "arviz");
}

#[test]
fn cmdstanpy_reads_the_output() {
    let (paths, _) = write_run("cmdstanpy", false);
    let script = format!(
        r#"
import warnings
warnings.simplefilter("ignore")
import cmdstanpy
fit = cmdstanpy.from_csv({files})
assert fit.chains == 2, fit.chains
assert fit.draws().shape[:2] == (150, 2), fit.draws().shape
theta = fit.stan_variable("theta")
assert theta.shape == (300, 2), theta.shape
Sigma = fit.stan_variable("Sigma")
assert Sigma.shape == (300, 2, 2), Sigma.shape
# Column-major in the file, a matrix again here: Sigma[1, 2] = theta[1] * theta[2].
assert abs(Sigma[7, 0, 1] - theta[7, 0] * theta[7, 1]) < 1e-5, (Sigma[7], theta[7])
assert fit.stan_variable("y_rep").shape == (300,)
assert set(["lp__", "divergent__", "treedepth__"]) <= set(fit.method_variables())
assert fit.metric_type == "diag_e", fit.metric_type
print("ok")
"#,
        files = python_list(&paths)
    );
    check_python(&script, "cmdstanpy");
}

fn check_python(script: &str, module: &str) {
    match python(script, module) {
        None => {
            require_or_skip(module);
        }
        Some(output) => assert_python_ok(&output),
    }
}

fn assert_python_ok(output: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.starts_with("ok"),
        "python failed:\n{stdout}\n{stderr}"
    );
}

//! `cmod validate`: samples every posteriordb posterior and compares it with the gold-standard reference draws.
//!
//! For each reference variable, the posterior mean and the mean of the square
//! are compared by z = (ours - ref) / sqrt(mcse_ours^2 + mcse_ref^2), the
//! reference draws treated as independent. The threshold is Bonferroni
//! corrected: a family-wise false-alarm rate of 1% over all the comparisons
//! of one posterior. A posterior fails when any variable fails.

use super::warmup_args::WarmupArgs;
use crate::model_adapter::CompiledChainModel;
use crate::output::outln;
use clap::Args;
use runtime::diagnostics::{ess_bulk, mcse_mean, standard_normal_quantile};
use runtime::{run_chains, AdaptConfig, ChainDraws, Model, RunOptions, SamplerConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct ValidateArgs {
    /// The posteriordb folder: one directory per posterior with data.json,
    /// reference_draws.json and reference_info.json.
    #[arg(long, default_value = "../shared/posteriordb")]
    pub posteriordb: PathBuf,
    /// Where the .cmod programs are, named after the model part of the posterior's name.
    #[arg(long, default_value = "examples/posteriordb")]
    pub models: PathBuf,
    /// Validate only these posteriors (by name or a part of it).
    #[arg(long)]
    pub only: Vec<String>,
    /// Sampling iterations per chain.
    #[arg(long, default_value_t = 1000)]
    pub iter_sampling: usize,
    /// Chains per posterior.
    #[arg(long, default_value_t = 4)]
    pub chains: usize,
    #[arg(long, default_value_t = 20261122)]
    pub seed: u64,
    #[command(flatten)]
    pub warmup: WarmupArgs,
}

/// The comparison of one posterior with its reference.
pub struct Verdict {
    pub name: String,
    pub variables: usize,
    pub worst_z: f64,
    pub worst_variable: String,
    pub threshold: f64,
    pub passed: bool,
    pub ess_per_second: f64,
    pub divergences: usize,
    /// Why it could not be run, if it could not.
    pub problem: Option<String>,
}

pub fn run(args: &ValidateArgs) -> ExitCode {
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&args.posteriordb) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("reference_draws.json").exists())
            .collect(),
        Err(e) => {
            eprintln!(
                "error: cannot read {}: {e}; pass the posteriordb folder with --posteriordb",
                args.posteriordb.display()
            );
            return ExitCode::from(2);
        }
    };
    dirs.sort();
    let verdicts: Vec<Verdict> = dirs
        .iter()
        .filter(|d| {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            args.only.is_empty() || args.only.iter().any(|o| name.contains(o.as_str()))
        })
        .map(|dir| {
            let start = std::time::Instant::now();
            let verdict = validate_one(dir, &args.models, args);
            eprintln!(
                "{}: {} ({:.0} s)",
                verdict.name,
                if verdict.passed { "pass" } else { "FAIL" },
                start.elapsed().as_secs_f64()
            );
            verdict
        })
        .collect();
    outln!("{}", table(&verdicts));
    if verdicts.iter().all(|v| v.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The table printed at the end: posterior, variables, worst |z|, pass or fail, ESS/s, divergences.
pub fn table(verdicts: &[Verdict]) -> String {
    let mut s = format!(
        "{:<42} {:>9} {:>8} {:>9} {:>6} {:>10} {:>11}  {}\n",
        "posterior",
        "variables",
        "worst|z|",
        "threshold",
        "result",
        "ESS/s",
        "divergences",
        "worst variable"
    );
    for v in verdicts {
        match &v.problem {
            Some(p) => s.push_str(&format!(
                "{:<42} {:>9} {:>8} {:>9} {:>6}  {p}\n",
                v.name, "-", "-", "-", "FAIL"
            )),
            None => s.push_str(&format!(
                "{:<42} {:>9} {:>8.2} {:>9.2} {:>6} {:>10.0} {:>11}  {}\n",
                v.name,
                v.variables,
                v.worst_z,
                v.threshold,
                if v.passed { "pass" } else { "FAIL" },
                v.ess_per_second,
                v.divergences,
                v.worst_variable
            )),
        }
    }
    let passed = verdicts.iter().filter(|v| v.passed).count();
    s.push_str(&format!("{passed} of {} posteriors pass.", verdicts.len()));
    s
}

fn failed(name: &str, problem: String) -> Verdict {
    Verdict {
        name: name.to_string(),
        variables: 0,
        worst_z: f64::NAN,
        worst_variable: String::new(),
        threshold: f64::NAN,
        passed: false,
        ess_per_second: 0.0,
        divergences: 0,
        problem: Some(problem),
    }
}

/// Samples one posterior and compares it with its reference.
pub fn validate_one(dir: &Path, models: &Path, args: &ValidateArgs) -> Verdict {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let model_name = name.split_once('-').map(|(_, m)| m).unwrap_or(&name);
    let model_path = models.join(format!("{model_name}.cmod"));
    if !model_path.exists() {
        return failed(&name, format!("no program {}", model_path.display()));
    }
    let prepared = match super::prepare(&model_path, Some(&dir.join("data.json")), Some(args.seed))
    {
        Ok(p) => p,
        Err(e) => return failed(&name, e),
    };
    let info: Value = read_json(&dir.join("reference_info.json")).unwrap_or(Value::Null);
    let control = &info["inference"]["method_arguments"]["control"];
    let (metric, adaptation) = match args.warmup.kinds() {
        Ok(kinds) => kinds,
        Err(e) => return failed(&name, e),
    };
    let config = SamplerConfig {
        num_chains: args.chains,
        parallel_chains: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        num_warmup: 1000,
        num_samples: args.iter_sampling,
        seed: args.seed,
        max_depth: control["max_treedepth"].as_u64().unwrap_or(10) as usize,
        metric,
        adapt: AdaptConfig {
            delta: control["adapt_delta"].as_f64().unwrap_or(0.8),
            kind: adaptation,
            ..AdaptConfig::default()
        },
        ..SamplerConfig::default()
    };
    let model = prepared.model.clone();
    let factory =
        move |_chain: usize| -> Box<dyn Model> { Box::new(CompiledChainModel::new(model.clone())) };
    let start = std::time::Instant::now();
    let output = match run_chains(&config, &factory, &RunOptions::default()) {
        Ok(o) => o,
        Err(e) => return failed(&name, e.to_string()),
    };
    let seconds = start.elapsed().as_secs_f64();
    if let Some(e) = output.error_messages().first() {
        return failed(&name, e.clone());
    }
    let chains: Vec<&ChainDraws> = output.successful_draws();
    let reference = match read_json(&dir.join("reference_draws.json")) {
        Some(r) => r,
        None => return failed(&name, "cannot read reference_draws.json".into()),
    };
    compare(&name, &chains, &reference, seconds)
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// `theta[1,2]` in posteriordb's naming is `theta.1.2` in Stan CSV's.
fn csv_name(reference_name: &str) -> String {
    reference_name
        .replace('[', ".")
        .replace(']', "")
        .replace(',', ".")
}

/// Compares draws with the reference: the z-scores of the mean and of the mean of the square.
pub fn compare(name: &str, chains: &[&ChainDraws], reference: &Value, seconds: f64) -> Verdict {
    let Some(variables) = reference.as_object() else {
        return failed(name, "reference_draws.json is not an object".into());
    };
    let comparisons = 2 * variables.len();
    let threshold = standard_normal_quantile(1.0 - 0.01 / (2.0 * comparisons as f64));
    let mut worst = (0.0f64, String::new());
    let mut min_ess = f64::INFINITY;
    for (ref_name, draws) in variables {
        let ref_draws: Vec<f64> = draws
            .as_array()
            .map(|chains| {
                chains
                    .iter()
                    .flat_map(|c| {
                        c.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x.as_f64())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let column = csv_name(ref_name);
        let ours: Option<Vec<Vec<f64>>> = chains
            .iter()
            .map(|c| c.sampling_column_named(&column))
            .collect();
        let Some(ours) = ours else {
            return failed(
                name,
                format!("the program has no output `{column}` for the reference's `{ref_name}`"),
            );
        };
        min_ess = min_ess.min(ess_bulk(&ours));
        for power in [1, 2] {
            let f = |x: f64| if power == 1 { x } else { x * x };
            let ours_f: Vec<Vec<f64>> = ours
                .iter()
                .map(|c| c.iter().map(|x| f(*x)).collect())
                .collect();
            let n_ours: usize = ours_f.iter().map(|c| c.len()).sum();
            let mean_ours = ours_f.iter().flatten().sum::<f64>() / n_ours as f64;
            let mcse_ours = mcse_mean(&ours_f);
            let ref_f: Vec<f64> = ref_draws.iter().map(|x| f(*x)).collect();
            let n = ref_f.len() as f64;
            let mean_ref = ref_f.iter().sum::<f64>() / n;
            let sd_ref =
                (ref_f.iter().map(|x| (x - mean_ref).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let mcse_ref = sd_ref / n.sqrt();
            let z = (mean_ours - mean_ref) / (mcse_ours * mcse_ours + mcse_ref * mcse_ref).sqrt();
            let z = if z.is_nan() { f64::INFINITY } else { z.abs() };
            if z > worst.0 || worst.1.is_empty() {
                worst = (
                    z,
                    format!("{ref_name}{}", if power == 2 { "^2" } else { "" }),
                );
            }
        }
    }
    let divergences: usize = chains
        .iter()
        .filter_map(|c| c.sampling_column_named("divergent__"))
        .map(|d| d.iter().filter(|x| **x > 0.0).count())
        .sum();
    Verdict {
        name: name.to_string(),
        variables: variables.len(),
        worst_z: worst.0,
        worst_variable: worst.1,
        threshold,
        passed: worst.0 <= threshold,
        ess_per_second: if seconds > 0.0 {
            min_ess / seconds
        } else {
            0.0
        },
        divergences,
        problem: None,
    }
}

//! `cmod laplace`: draws from the normal approximation at a mode (CmdStan's laplace method), with the mode found first when none is given.

use super::optimize::{self as opt, OptimizeArgs};
use crate::output::outln;
use clap::Args;
use compiler::compiled::{CompiledModel, Evaluator};
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};
use runtime::chain_rng::{chain_rng, ChainRng};
use runtime::optimize::hessian;
use runtime::stan_csv::{
    column_line, method_header_comments, read_stan_csv, row_lines, CsvHeaderInfo, RunHeader,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct LaplaceArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The mode to approximate at: the CSV file `cmod optimize` (or CmdStan's optimize)
    /// wrote, or a JSON file of parameter values by name. Without it, the mode is found
    /// first with L-BFGS (with the Jacobian, as the approximation needs) and written
    /// beside the draws.
    #[arg(long)]
    pub mode: Option<PathBuf>,
    /// How many draws to make from the approximation.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub draws: u64,
    /// Whether the approximation is of the density on the unconstrained scale with the
    /// Jacobian of the transforms (true, the default, as Stan) or without it.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub jacobian: bool,
    /// Random seed for the draws (and the optimizer's start; default: chosen at random and printed).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to write the CSV files (default: a new directory named after the model).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Print only errors: no summary table.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &LaplaceArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn run_inner(args: &LaplaceArgs) -> Result<ExitCode, String> {
    let seed = args.seed.unwrap_or_else(super::run::random_seed);
    let prepared = super::prepare(&args.model, args.data.as_deref(), Some(seed))?;
    let model = prepared.model.clone();
    let output_dir =
        super::run::output_directory(args.output_dir.as_deref(), &prepared.model_name)?;
    let (mode, mode_file) = match &args.mode {
        Some(path) => {
            warn_if_other_jacobian(path, args.jacobian);
            (read_mode(&model, path)?, path.clone())
        }
        None => {
            let optimize_args = OptimizeArgs::for_laplace(args, &output_dir);
            let (point, path, code) = opt::find_mode(&optimize_args, &prepared, seed)?;
            if code != ExitCode::SUCCESS {
                return Err(format!(
                    "error: the optimizer found no mode to approximate at (see above); give one with --mode, or sample with `cmod run` (its point is in {})",
                    path.display()
                ));
            }
            (point, path)
        }
    };
    let mut evaluator = Evaluator::new(model.clone());
    let jacobian = args.jacobian;
    let mut minus_lp = |x: &[f64], g: &mut [f64]| -> Result<f64, String> {
        let lp = evaluator.log_density_gradient(x, g, jacobian)?;
        g.iter_mut().for_each(|v| *v = -*v);
        Ok(-lp)
    };
    let mut evaluations = 0;
    let h = hessian(&mut minus_lp, &mode, &mut evaluations).ok_or_else(|| {
        "error: the log density's gradient cannot be evaluated next to the mode, so its curvature is unknown; check the mode (--mode) and the model's constraints".to_string()
    })?;
    // The approximation's precision is the Hessian of minus the log density;
    // it must be clearly positive definite (finite differences leave noise
    // of about 1e-10 relative where the log density is flat).
    let eigenvalues = h.clone().symmetric_eigenvalues();
    let largest = eigenvalues.amax();
    if !(eigenvalues.min() > 1e-8 * largest.max(1e-300)) {
        return Err(not_definite(&model, &mode, &h));
    }
    let precision_cholesky = h
        .clone()
        .cholesky()
        .ok_or_else(|| not_definite(&model, &mode, &h))?;
    let names = Evaluator::new(model.clone()).output_names();
    let draws = draw(&model, &mode, &precision_cholesky, args, seed)?;
    let path = output_dir.join(format!("{}-laplace.csv", prepared.model_name));
    write_csv(
        &path,
        args,
        &prepared.model_name,
        &mode_file,
        seed,
        &names,
        &draws,
    )?;
    if !args.quiet {
        print_approximation(&names, &draws[..], 2);
    }
    eprintln!("draws written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// A note when an optimize CSV's mode was found with the other Jacobian
/// setting: it is then not the mode of the density being approximated.
fn warn_if_other_jacobian(path: &Path, jacobian: bool) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let other = if jacobian { "false" } else { "true" };
    let found = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .any(|l| l.trim_start_matches('#').trim() == format!("jacobian = {other}"));
    if found {
        eprintln!(
            "note: {} was found with jacobian = {other}, so it is not the mode of the density laplace approximates (jacobian = {jacobian}); rerun `cmod optimize` with --jacobian {jacobian}, or pass --jacobian {other} here",
            path.display()
        );
    }
}

/// The unconstrained mode from an optimize CSV (its first row) or a JSON file of values by name.
fn read_mode(model: &Arc<CompiledModel>, path: &Path) -> Result<Vec<f64>, String> {
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    if !is_csv {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("error: cannot read the mode file {}: {e}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "error: {}:{}:{}: invalid JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        return super::params::unconstrained_point(model, &json, &path.display().to_string())
            .map_err(|e| format!("error: {e}"));
    }
    let draws = read_stan_csv(path).map_err(|e| format!("error: {e}"))?;
    if draws.num_rows() == 0 {
        return Err(format!("error: {} holds no row of values", path.display()));
    }
    let mut evaluator = Evaluator::new(model.clone());
    let names = evaluator.output_names();
    let n_param_columns: usize = model.outputs[..model.n_parameters]
        .iter()
        .map(|o| o.dims.iter().product::<usize>())
        .sum();
    let row = draws.num_rows() - 1;
    let constrained = names[..n_param_columns]
        .iter()
        .map(|name| {
            let column = draws.column_index(name).ok_or_else(|| {
                format!(
                    "error: {} has no column {name}, a parameter of the model; give the CSV that `cmod optimize` wrote for this model",
                    path.display()
                )
            })?;
            Ok(draws.values[row * draws.num_columns() + column])
        })
        .collect::<Result<Vec<f64>, String>>()?;
    evaluator.unconstrain(&constrained).map_err(|e| {
        format!(
            "error: the mode in {} does not satisfy the model's constraints: {e}",
            path.display()
        )
    })
}

/// Why the curvature at the mode gives no normal approximation, naming the
/// parameters along the directions where the log density is flat or curves up.
fn not_definite(model: &Arc<CompiledModel>, mode: &[f64], h: &DMatrix<f64>) -> String {
    let eigen = h.clone().symmetric_eigen();
    let owners = coordinate_owners(model, mode);
    let mut involved: Vec<String> = Vec::new();
    for (k, &lambda) in eigen.eigenvalues.iter().enumerate() {
        if lambda > 1e-8 * eigen.eigenvalues.amax() {
            continue;
        }
        let v = eigen.eigenvectors.column(k);
        for (i, c) in v.iter().enumerate() {
            if c.abs() > 0.3 {
                let name = owners
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("coordinate {}", i + 1));
                if !involved.contains(&name) {
                    involved.push(name);
                }
            }
        }
    }
    format!(
        "error: the Hessian at the mode is not negative definite, so there is no normal approximation: the log density is flat or curves upward along {}. The point may not be a mode (run `cmod optimize` to convergence, or give the mode with --mode), or the model does not identify {}; give {} an informative prior, or sample with `cmod run`",
        if involved.is_empty() { "some direction".to_string() } else { involved.join(", ") },
        if involved.len() == 1 { "that parameter" } else { "those parameters" },
        if involved.len() == 1 { "it" } else { "them" },
    )
}

/// The parameter each unconstrained coordinate belongs to: the first
/// parameter column that moves when the coordinate moves.
fn coordinate_owners(model: &Arc<CompiledModel>, mode: &[f64]) -> Vec<String> {
    let mut evaluator = Evaluator::new(model.clone());
    let names = evaluator.output_names();
    let n_param_columns: usize = model.outputs[..model.n_parameters]
        .iter()
        .map(|o| o.dims.iter().product::<usize>())
        .sum();
    let mut rng = chain_rng(0, 1);
    let mut base = vec![f64::NAN; names.len()];
    let _ = evaluator.generate(mode, &mut rng, &mut base);
    (0..mode.len())
        .map(|i| {
            let mut moved = mode.to_vec();
            moved[i] += 1e-3;
            let mut out = vec![f64::NAN; names.len()];
            let _ = evaluator.generate(&moved, &mut rng, &mut out);
            (0..n_param_columns)
                .find(|&c| out[c] != base[c])
                .map(|c| names[c].clone())
                .unwrap_or_else(|| format!("unconstrained coordinate {}", i + 1))
        })
        .collect()
}

/// `args.draws` rows of `log_p__, log_g__` and the output columns: the mode
/// plus `L^-T z` with `L L^T` the precision, so the draws' covariance is its inverse.
fn draw(
    model: &Arc<CompiledModel>,
    mode: &[f64],
    cholesky: &nalgebra::Cholesky<f64, nalgebra::Dyn>,
    args: &LaplaceArgs,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let l = cholesky.l();
    let lt = l.transpose();
    let mut evaluator = Evaluator::new(model.clone());
    let n_out = evaluator.output_names().len();
    let mut rng: ChainRng = chain_rng(seed, 2);
    let mut rows = Vec::with_capacity(args.draws as usize);
    let mut rejected = 0usize;
    for _ in 0..args.draws {
        let z = DVector::from_iterator(
            mode.len(),
            (0..mode.len()).map(|_| StandardNormal.sample(&mut rng)),
        );
        let offset = lt
            .solve_upper_triangular(&z)
            .ok_or("error: the Cholesky factor of the curvature is singular")?;
        let x: Vec<f64> = mode.iter().zip(offset.iter()).map(|(m, o)| m + o).collect();
        let log_g = -0.5 * z.dot(&z);
        let log_p = evaluator
            .log_density(&x, args.jacobian)
            .unwrap_or(f64::NEG_INFINITY);
        let mut row = vec![log_p, log_g];
        let mut out = vec![f64::NAN; n_out];
        if evaluator.generate(&x, &mut rng, &mut out).is_err() {
            rejected += 1;
        }
        row.extend(out);
        rows.push(row);
    }
    if rejected > 0 {
        eprintln!(
            "note: {rejected} of {} draws had transformed parameters or generated quantities rejected; their columns hold NaN where they could not be computed",
            args.draws
        );
    }
    Ok(rows)
}

fn write_csv(
    path: &Path,
    args: &LaplaceArgs,
    model_name: &str,
    mode_file: &Path,
    seed: u64,
    names: &[String],
    rows: &[Vec<f64>],
) -> Result<(), String> {
    let method = vec![
        "method = laplace".to_string(),
        "  laplace".to_string(),
        format!("    mode = {}", mode_file.display()),
        format!(
            "    jacobian = {}",
            if args.jacobian { "true" } else { "false" }
        ),
        format!("    draws = {}", args.draws),
    ];
    let info = CsvHeaderInfo {
        model_name: model_name.to_string(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: None,
    };
    let run = RunHeader::single(None, seed);
    let mut text = method_header_comments(&info, &method, &run, path);
    text.push_str(&column_line(&["log_p__", "log_g__"], names));
    text.push_str(&row_lines(rows));
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

/// Mean, standard deviation and quantiles of each output column of
/// independent draws from an approximation (`skip` leading columns are
/// its own, such as log_p__ and log_g__); no MCSE, ESS or R-hat, which
/// describe Markov chains.
pub(super) fn print_approximation(names: &[String], rows: &[Vec<f64>], skip: usize) {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    outln!("{} independent draws from the approximation.\n", rows.len());
    outln!(
        "{:width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}",
        "",
        "Mean",
        "StdDev",
        "5%",
        "50%",
        "95%"
    );
    for (c, name) in names.iter().enumerate() {
        let mut v: Vec<f64> = rows
            .iter()
            .map(|r| r[c + skip])
            .filter(|x| !x.is_nan())
            .collect();
        if v.is_empty() {
            outln!("{name:width$}  {:>10}", "nan");
            continue;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let q = |p: f64| v[((p * (n - 1.0)).round() as usize).min(v.len() - 1)];
        let f = runtime::summary::format_significant;
        outln!(
            "{name:width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}",
            f(mean),
            f(sd),
            f(q(0.05)),
            f(q(0.5)),
            f(q(0.95))
        );
    }
}

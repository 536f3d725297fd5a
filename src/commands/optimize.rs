//! `cmod optimize`: find a mode of the log density (L-BFGS, BFGS or Newton, as CmdStan), write it as Stan CSV, print it.

use crate::output::outln;
use clap::{Args, ValueEnum};
use compiler::compiled::Evaluator;
use runtime::chain_rng::chain_rng;
use runtime::optimize::{
    optimize, Algorithm, OptimizeConfig, OptimizeError, OptimizeResult, Termination,
};
use runtime::stan_csv::{
    column_line, format_value, method_header_comments, row_lines, CsvHeaderInfo, RunHeader,
};
use runtime::InitialValues;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct OptimizeArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// lbfgs (the default; limited-memory quasi-Newton), bfgs (quasi-Newton with the
    /// whole inverse-Hessian estimate, for few parameters) or newton (the Hessian from
    /// finite differences of the gradient at every step: slow, for small models).
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Lbfgs)]
    pub algorithm: AlgorithmArg,
    /// The most iterations.
    #[arg(long, allow_negative_numbers = true, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub iter: u64,
    /// Whether the log density includes the log-Jacobian of the transforms to the
    /// unconstrained scale. false (the default, as Stan): the maximum likelihood
    /// estimate under flat priors, or the penalized one under the model's priors.
    /// true: the mode of the posterior on the unconstrained scale (what laplace uses).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub jacobian: bool,
    /// Converged when the log density changes by less than this in one iteration.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-12)]
    pub tol_obj: f64,
    /// Converged when it changes by less than this many machine epsilons, relative to its size.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e4)]
    pub tol_rel_obj: f64,
    /// Converged when the gradient's length is below this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-8)]
    pub tol_grad: f64,
    /// Converged when the gradient, scaled by the inverse-Hessian estimate and relative
    /// to the log density, is below this many machine epsilons.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e7)]
    pub tol_rel_grad: f64,
    /// Converged when a step moves the unconstrained parameters by less than this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-8)]
    pub tol_param: f64,
    /// How many past steps L-BFGS uses to estimate the curvature.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub history_size: u64,
    /// The length of the first line search's first step.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.001)]
    pub init_alpha: f64,
    /// Where to start: a number R draws the start uniformly from (-R, R) on the
    /// unconstrained scale (default 2); a JSON file gives it by parameter name, as a
    /// Stan inits file does (or as {"u": [...]} unconstrained).
    #[arg(long, allow_hyphen_values = true)]
    pub inits: Option<String>,
    /// Random seed for the starting point and for `_rng` calls (default: chosen at random and printed).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to write the CSV file (default: a new directory named after the model).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Print only errors: no iterations and no table.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum AlgorithmArg {
    Lbfgs,
    Bfgs,
    Newton,
}

/// Random starting points tried before giving up, as Stan.
const MAX_INIT_ATTEMPTS: usize = 100;

pub fn run(args: &OptimizeArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// Refuses L-BFGS settings outside their ranges (optimize and pathfinder share them).
pub(super) fn check_lbfgs_settings(
    tolerances: [(&str, f64); 5],
    init_alpha: f64,
) -> Result<(), String> {
    for (flag, value) in tolerances {
        if !(value >= 0.0 && value.is_finite()) {
            return Err(format!(
                "error: {flag} must be a finite number of 0 or more, but it is {value}"
            ));
        }
    }
    if !(init_alpha > 0.0 && init_alpha.is_finite()) {
        return Err(format!(
            "error: --init-alpha must be positive and finite, but it is {init_alpha}; 0.001 is the default"
        ));
    }
    Ok(())
}

pub(super) fn config_of(args: &OptimizeArgs) -> Result<OptimizeConfig, String> {
    check_lbfgs_settings(
        [
            ("--tol-obj", args.tol_obj),
            ("--tol-rel-obj", args.tol_rel_obj),
            ("--tol-grad", args.tol_grad),
            ("--tol-rel-grad", args.tol_rel_grad),
            ("--tol-param", args.tol_param),
        ],
        args.init_alpha,
    )?;
    Ok(OptimizeConfig {
        algorithm: match args.algorithm {
            AlgorithmArg::Lbfgs => Algorithm::Lbfgs,
            AlgorithmArg::Bfgs => Algorithm::Bfgs,
            AlgorithmArg::Newton => Algorithm::Newton,
        },
        iter: args.iter as usize,
        tol_obj: args.tol_obj,
        tol_rel_obj: args.tol_rel_obj,
        tol_grad: args.tol_grad,
        tol_rel_grad: args.tol_rel_grad,
        tol_param: args.tol_param,
        history_size: args.history_size as usize,
        init_alpha: args.init_alpha,
        record_path: false,
    })
}

fn run_inner(args: &OptimizeArgs) -> Result<ExitCode, String> {
    let seed = args.seed.unwrap_or_else(super::run::random_seed);
    let prepared = super::prepare(&args.model, args.data.as_deref(), Some(seed))?;
    let (_, _, code) = find_mode(args, &prepared, seed)?;
    Ok(code)
}

impl OptimizeArgs {
    /// The optimizer's settings for `cmod laplace` without `--mode`: Stan's
    /// defaults, the laplace run's Jacobian choice, seed and output directory.
    pub fn for_laplace(laplace: &super::laplace::LaplaceArgs, output_dir: &Path) -> Self {
        OptimizeArgs {
            model: laplace.model.clone(),
            data: laplace.data.clone(),
            algorithm: AlgorithmArg::Lbfgs,
            iter: 2000,
            jacobian: laplace.jacobian,
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            history_size: 5,
            init_alpha: 0.001,
            inits: None,
            seed: laplace.seed,
            output_dir: Some(output_dir.to_path_buf()),
            quiet: laplace.quiet,
        }
    }
}

/// Runs the optimizer on a prepared model, writes the mode's CSV and prints
/// the estimates; the unconstrained mode, the CSV's path and the exit code
/// (0 when the optimizer converged).
pub fn find_mode(
    args: &OptimizeArgs,
    prepared: &super::Prepared,
    seed: u64,
) -> Result<(Vec<f64>, PathBuf, ExitCode), String> {
    let config = config_of(args)?;
    let init = super::run::parse_inits(args.inits.as_deref(), &prepared.model)?;
    let model = prepared.model.clone();
    let dim = model.n_unconstrained;
    let mut evaluator = Evaluator::new(model.clone());
    let jacobian = args.jacobian;
    let mut objective = |x: &[f64], g: &mut [f64]| -> Result<f64, String> {
        let lp = evaluator.log_density_gradient(x, g, jacobian)?;
        for v in g.iter_mut() {
            *v = -*v;
        }
        Ok(-lp)
    };
    let mut rng = chain_rng(seed, 1);
    let start = starting_point(&init, dim, &mut rng, &mut objective)?;
    if !args.quiet {
        eprintln!(
            "compiled {} in {:.0} ms; optimizing with {} (seed {seed}, jacobian {})",
            prepared.model_name,
            model.compile_seconds * 1000.0,
            config.algorithm.name(),
            args.jacobian
        );
    }
    let result = match optimize(&mut objective, &start, &config) {
        Ok(r) => r,
        Err(OptimizeError::BadStart(message)) => {
            return Err(format!(
            "error: the optimizer cannot start: {message}; give other initial values with --inits"
        ))
        }
    };
    if !args.quiet {
        print_iterations(&result);
    }
    // Parameters, transformed parameters and generated quantities at the mode.
    let mut evaluator = Evaluator::new(model.clone());
    let names = evaluator.output_names();
    let mut values = vec![f64::NAN; names.len()];
    let generated = evaluator.generate(&result.x, &mut rng, &mut values);
    let output_dir =
        super::run::output_directory(args.output_dir.as_deref(), &prepared.model_name)?;
    let path = output_dir.join(format!("{}-optimize.csv", prepared.model_name));
    write_csv(
        &path,
        args,
        &config,
        &prepared.model_name,
        seed,
        &names,
        &result,
        &values,
    )?;
    if let Err(message) = generated {
        eprintln!(
            "note: transformed parameters or generated quantities at the mode were rejected ({message}); their columns hold NaN where they could not be computed"
        );
    }
    if !args.quiet {
        print_estimates(&names, &values, result.log_density);
    }
    let grad_norm = result.gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
    let code = report(&result, grad_norm);
    eprintln!("mode written to {}", path.display());
    Ok((result.x, path, code))
}

/// The start: the given point, or up to 100 random points until the log
/// density and its gradient are finite.
pub(super) fn starting_point(
    init: &InitialValues,
    dim: usize,
    rng: &mut runtime::chain_rng::ChainRng,
    objective: &mut dyn FnMut(&[f64], &mut [f64]) -> Result<f64, String>,
) -> Result<Vec<f64>, String> {
    use rand::RngExt;
    let radius = match init {
        InitialValues::Given(point) => {
            if point.len() != dim {
                return Err(format!(
                    "error: the inits give {} unconstrained values, but the model has {dim}",
                    point.len()
                ));
            }
            return Ok(point.clone());
        }
        InitialValues::PerChain(points) => {
            return Ok(points.first().cloned().unwrap_or(vec![0.0; dim]))
        }
        InitialValues::Uniform { radius } => *radius,
    };
    let mut g = vec![0.0; dim];
    let mut last = String::new();
    for _ in 0..MAX_INIT_ATTEMPTS {
        let x: Vec<f64> = (0..dim)
            .map(|_| {
                if radius > 0.0 {
                    rng.random_range(-radius..radius)
                } else {
                    0.0
                }
            })
            .collect();
        match objective(&x, &mut g) {
            Ok(f) if f.is_finite() && g.iter().all(|v| v.is_finite()) => return Ok(x),
            Ok(f) => last = format!("the log density is {}", -f),
            Err(message) => last = message,
        }
        if radius == 0.0 {
            break;
        }
    }
    Err(format!(
        "error: no starting point with a finite log density was found in {MAX_INIT_ATTEMPTS} random tries (the last: {last}); give initial values with --inits, or check the model's constraints"
    ))
}

/// CmdStan's iteration table: every 100th iteration and the last.
fn print_iterations(result: &OptimizeResult) {
    eprintln!(
        "Initial log joint probability = {}",
        format_sig(result.initial_log_density)
    );
    eprintln!(
        "    Iter      log prob        ||dx||      ||grad||       alpha      alpha0  # evals"
    );
    let n = result.iterations.len();
    for it in &result.iterations {
        if it.iter % 100 == 0 || it.iter == n {
            eprintln!(
                "{:8} {:>13} {:>13} {:>13} {:>11} {:>11} {:>8}",
                it.iter,
                format_sig(it.log_density),
                format_sig(it.step_norm),
                format_sig(it.gradient_norm),
                format_sig(it.alpha),
                format_sig(it.alpha0),
                it.evaluations
            );
        }
    }
}

fn format_sig(v: f64) -> String {
    if v == 0.0 || (v.abs() >= 1e-3 && v.abs() < 1e5) {
        format!("{:.6}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{v:.4e}")
    }
}

/// The estimates, one line per column, as a table.
fn print_estimates(names: &[String], values: &[f64], lp: f64) {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    outln!("{:width$}  {:>14}", "", "Estimate");
    outln!("{:width$}  {:>14}", "lp__", format_sig(lp));
    for (name, value) in names.iter().zip(values) {
        outln!("{name:width$}  {:>14}", format_sig(*value));
    }
}

/// Says how the optimizer ended and what to do; the exit code: 0 for a mode.
fn report(result: &OptimizeResult, grad_norm: f64) -> ExitCode {
    let t = result.termination;
    if t.converged() {
        eprintln!("Optimization terminated normally: {}", t.message());
        return ExitCode::SUCCESS;
    }
    // A huge gradient where the search stopped: the log density is still
    // climbing steeply, typically towards the edge of a parameter's range.
    let climbing = grad_norm > 1e8;
    let advice = match t {
        _ if climbing => format!(
            "the gradient is still enormous there ({}), so this is no maximum: the log density may grow without bound as a parameter goes to the edge of its range (look for a scale near 0 or a value far out in the estimates). Give such parameters priors that keep them away from the edge, use --jacobian true, or sample the posterior with `cmod run`. The CSV holds the last point reached",
            format_sig(grad_norm)
        ),
        Termination::MaxIterations => format!(
            "the CSV holds the last point (gradient length {}); run again with a larger --iter, or start from it with --inits",
            format_sig(grad_norm)
        ),
        Termination::Unbounded => "a likelihood can grow without bound, for example when a hierarchical scale goes to zero or a group is separated perfectly; give such parameters priors that keep them away from the edge, or sample the posterior with `cmod run` instead. The CSV holds the last point reached".to_string(),
        _ => format!(
            "the CSV holds the best point found (gradient length {}). Try --algorithm newton or bfgs, other --inits, or check that the model has a maximum (--jacobian true often helps a hierarchical model)",
            format_sig(grad_norm)
        ),
    };
    eprintln!("Optimization did not converge: {}; {advice}.", t.message());
    ExitCode::from(1)
}

#[allow(clippy::too_many_arguments)]
fn write_csv(
    path: &Path,
    args: &OptimizeArgs,
    config: &OptimizeConfig,
    model_name: &str,
    seed: u64,
    names: &[String],
    result: &OptimizeResult,
    values: &[f64],
) -> Result<(), String> {
    let yes_no = |b: bool| if b { "true" } else { "false" };
    let algorithm = config.algorithm.name();
    let mut method = vec![
        "method = optimize".to_string(),
        "  optimize".to_string(),
        format!("    algorithm = {algorithm}"),
    ];
    if config.algorithm != Algorithm::Newton {
        method.extend([
            format!("      {algorithm}"),
            format!("        init_alpha = {}", format_value(config.init_alpha)),
            format!("        tol_obj = {}", format_value(config.tol_obj)),
            format!("        tol_rel_obj = {}", format_value(config.tol_rel_obj)),
            format!("        tol_grad = {}", format_value(config.tol_grad)),
            format!(
                "        tol_rel_grad = {}",
                format_value(config.tol_rel_grad)
            ),
            format!("        tol_param = {}", format_value(config.tol_param)),
        ]);
        if config.algorithm == Algorithm::Lbfgs {
            method.push(format!("        history_size = {}", config.history_size));
        }
    }
    method.extend([
        format!("    jacobian = {}", yes_no(args.jacobian)),
        format!("    iter = {}", config.iter),
        "    save_iterations = false".to_string(),
    ]);
    let info = CsvHeaderInfo {
        model_name: model_name.to_string(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: None,
    };
    let run = RunHeader::single(args.inits.as_deref(), seed);
    let mut text = method_header_comments(&info, &method, &run, path);
    text.push_str(&column_line(&["lp__"], names));
    let row: Vec<f64> = std::iter::once(result.log_density)
        .chain(values.iter().copied())
        .collect();
    text.push_str(&row_lines(&[row]));
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

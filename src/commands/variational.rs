//! `cmod variational`: Stan's ADVI (a meanfield or fullrank Gaussian fitted on the unconstrained scale), written as CmdStan's variational method writes it.

use clap::{Args, ValueEnum};
use compiler::compiled::{CompiledModel, Evaluator};
use rand_distr::{Distribution, StandardNormal};
use runtime::chain_rng::{chain_rng, ChainRng};
use runtime::stan_csv::{
    column_line, format_value, method_header_comments, row_lines, CsvHeaderInfo, RunHeader,
};
use runtime::variational::{
    run_advi, AdviConfig, AdviError, AdviResult, Algorithm, Approximation, Event, Note, Stop,
    Target, ETA_SEQUENCE,
};
use runtime::InitialValues;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct VariationalArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// meanfield (the default): a normal with independent coordinates on the
    /// unconstrained scale; fullrank: a normal with a full covariance matrix,
    /// which can follow correlations but has many more numbers to fit.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Meanfield)]
    pub algorithm: AlgorithmArg,
    /// The most iterations of stochastic gradient ascent.
    #[arg(long, allow_negative_numbers = true, default_value_t = 10_000)]
    pub iter: i64,
    /// Draws from the approximation for each estimate of the gradient.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub grad_samples: i64,
    /// Draws from the approximation for each estimate of the ELBO (the evidence lower
    /// bound: the objective ADVI maximizes, printed in the progress table).
    #[arg(long, allow_negative_numbers = true, default_value_t = 100)]
    pub elbo_samples: i64,
    /// The scale of the step sizes. With --adapt-engaged true (the default) it is
    /// chosen from 100, 10, 1, 0.1 and 0.01 by short trial runs instead.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    pub eta: f64,
    /// Whether to choose eta by trial runs first (true, the default) or use --eta as given.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub adapt_engaged: bool,
    /// Iterations of each trial run when choosing eta.
    #[arg(long, allow_negative_numbers = true, default_value_t = 50)]
    pub adapt_iter: i64,
    /// Converged when the mean or the median relative change of the ELBO, over its
    /// recent evaluations, is below this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.01)]
    pub tol_rel_obj: f64,
    /// Estimate the ELBO (and test convergence) every this many iterations.
    #[arg(long, allow_negative_numbers = true, default_value_t = 100)]
    pub eval_elbo: i64,
    /// How many draws to make from the fitted approximation.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000)]
    pub output_samples: i64,
    /// Where to start: a number R draws the start uniformly from (-R, R) on the
    /// unconstrained scale (default 2); a JSON file gives it by parameter name, as a
    /// Stan inits file does (or as {"u": [...]} unconstrained).
    #[arg(long, allow_hyphen_values = true)]
    pub inits: Option<String>,
    /// Random seed for the start, the fit, the draws and `_rng` calls (default: chosen at random and printed).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to write the CSV file (default: a new directory named after the model).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Print only errors and warnings: no ELBO table and no summary.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum AlgorithmArg {
    Meanfield,
    Fullrank,
}

/// Random starting points tried before giving up, as Stan.
const MAX_INIT_ATTEMPTS: usize = 100;
/// The largest count any of the integer flags may be.
const MAX_COUNT: i64 = 100_000_000;

pub fn run(args: &VariationalArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// The settings from the flags, or which flag is wrong and what it may be.
fn config_of(args: &VariationalArgs) -> Result<AdviConfig, String> {
    let count = |flag: &str, value: i64, default: i64| -> Result<usize, String> {
        if (1..=MAX_COUNT).contains(&value) {
            Ok(value as usize)
        } else {
            Err(format!(
                "error: {flag} must be a whole number from 1 to {MAX_COUNT}, but it is {value}; {default} is the default"
            ))
        }
    };
    let positive = |flag: &str, value: f64, default: &str| -> Result<f64, String> {
        if value > 0.0 && value.is_finite() {
            Ok(value)
        } else {
            Err(format!(
                "error: {flag} must be a positive finite number, but it is {value}; {default} is the default"
            ))
        }
    };
    let config = AdviConfig {
        algorithm: match args.algorithm {
            AlgorithmArg::Meanfield => Algorithm::MeanField,
            AlgorithmArg::Fullrank => Algorithm::FullRank,
        },
        iter: count("--iter", args.iter, 10_000)?,
        grad_samples: count("--grad-samples", args.grad_samples, 1)?,
        elbo_samples: count("--elbo-samples", args.elbo_samples, 100)?,
        eta: positive("--eta", args.eta, "1")?,
        adapt_engaged: args.adapt_engaged,
        adapt_iter: count("--adapt-iter", args.adapt_iter, 50)?,
        tol_rel_obj: positive("--tol-rel-obj", args.tol_rel_obj, "0.01")?,
        eval_elbo: count("--eval-elbo", args.eval_elbo, 100)?,
    };
    count("--output-samples", args.output_samples, 1000)?;
    Ok(config)
}

/// The model's log density with the Jacobian, as ADVI needs it.
struct ModelTarget {
    evaluator: Evaluator,
}

impl Target for ModelTarget {
    fn log_density(&mut self, x: &[f64]) -> Result<f64, String> {
        self.evaluator.log_density(x, true)
    }
    fn log_density_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> Result<f64, String> {
        self.evaluator.log_density_gradient(x, grad, true)
    }
}

fn run_inner(args: &VariationalArgs) -> Result<ExitCode, String> {
    let config = config_of(args)?;
    let output_samples = args.output_samples as usize;
    let seed = args.seed.unwrap_or_else(super::run::random_seed);
    // The ELBO is Stan's: the log density with the constants `~` drops when
    // sampling, so its relative changes (the stopping rule) are Stan's too.
    let prepared = super::prepare_with(&args.model, args.data.as_deref(), Some(seed), true)?;
    let model = prepared.model.clone();
    let init = super::run::parse_inits(args.inits.as_deref(), &model)?;
    let mut target = ModelTarget {
        evaluator: Evaluator::new(model.clone()),
    };
    if !args.quiet {
        eprintln!(
            "compiled {} in {:.0} ms; ADVI with the {} family (seed {seed})",
            prepared.model_name,
            model.compile_seconds * 1000.0,
            config.algorithm.name(),
        );
    }
    let mut rng = chain_rng(seed, 1);
    let start = starting_point(&init, model.n_unconstrained, &mut rng, &mut target)?;
    let quiet = args.quiet;
    let mut observer = |event: &Event| {
        if !quiet {
            print_event(event);
        }
    };
    let result = run_advi(&mut target, &start, &config, &mut rng, &mut observer)
        .map_err(|e| explain_error(e, &config))?;
    let failed = report(&result, &config);
    let output_dir =
        super::run::output_directory(args.output_dir.as_deref(), &prepared.model_name)?;
    let path = output_dir.join(format!("{}-variational.csv", prepared.model_name));
    if !args.quiet {
        eprintln!("\nDrawing a sample of size {output_samples} from the approximate posterior... ");
    }
    let names = Evaluator::new(model.clone()).output_names();
    let rows = draw(&model, &result.approximation, output_samples, &mut rng);
    if !args.quiet {
        eprintln!("COMPLETED.");
    }
    write_csv(
        &path,
        args,
        &config,
        &prepared.model_name,
        seed,
        result.eta,
        &names,
        &rows,
    )?;
    if !args.quiet {
        super::laplace::print_approximation(&names, &rows[1..], 3);
    }
    eprintln!("draws written to {}", path.display());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The start: the given point, or up to 100 random points until the log
/// density and its gradient are finite.
fn starting_point(
    init: &InitialValues,
    dim: usize,
    rng: &mut ChainRng,
    target: &mut ModelTarget,
) -> Result<Vec<f64>, String> {
    use rand::RngExt;
    let mut g = vec![0.0; dim];
    let radius = match init {
        InitialValues::Given(point) => {
            if point.len() != dim {
                return Err(format!(
                    "error: the inits give {} unconstrained values, but the model has {dim}",
                    point.len()
                ));
            }
            return match target.log_density_gradient(point, &mut g) {
                Ok(lp) if lp.is_finite() && g.iter().all(|v| v.is_finite()) => Ok(point.clone()),
                Ok(lp) => Err(format!(
                    "error: at the initial values the log density is {lp}{}; give other values with --inits",
                    if lp.is_finite() { " but its gradient is not finite" } else { "" }
                )),
                Err(message) => Err(format!(
                    "error: the model rejects the initial values ({message}); give other values with --inits"
                )),
            };
        }
        InitialValues::PerChain(points) => {
            return Ok(points.first().cloned().unwrap_or(vec![0.0; dim]))
        }
        InitialValues::Uniform { radius } => *radius,
    };
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
        match target.log_density_gradient(&x, &mut g) {
            Ok(lp) if lp.is_finite() && g.iter().all(|v| v.is_finite()) => return Ok(x),
            Ok(lp) => last = format!("the log density is {lp}"),
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

/// Stan's progress lines and ELBO table, on standard error.
fn print_event(event: &Event) {
    match event {
        Event::AdaptationStart => eprintln!("Begin eta adaptation."),
        Event::AdaptationProgress { iteration, total } => {
            let width = total.to_string().len();
            let percent = (100.0 * *iteration as f64 / *total as f64) as usize;
            eprintln!("Iteration: {iteration:>width$} / {total} [{percent:>3}%]  (Adaptation)");
        }
        Event::AdaptationTrial { .. } => {}
        Event::AdaptationDone { eta, early } => {
            eprintln!(
                "Success! Found best value [eta = {}]{}\n",
                format_value(*eta),
                if *early {
                    " earlier than expected."
                } else {
                    "."
                }
            );
        }
        Event::AscentStart => {
            eprintln!("Begin stochastic gradient ascent.");
            eprintln!("  iter             ELBO   delta_ELBO_mean   delta_ELBO_med   notes ");
        }
        Event::Evaluation(row) => {
            let mut line = format!(
                "  {:>4}  {:>15.3}  {:>16.3}  {:>15.3}",
                row.iteration, row.elbo, row.delta_mean, row.delta_median
            );
            for note in &row.notes {
                line.push_str("   ");
                line.push_str(note.text());
            }
            eprintln!("{line}");
        }
    }
}

/// A run with no approximation at all, in words.
fn explain_error(error: AdviError, config: &AdviConfig) -> String {
    match error {
        AdviError::InvalidConfig(m) => format!("error: {m}; check the flags (see cmod variational --help)"),
        AdviError::InitialElbo(m) => format!(
            "error: the ELBO cannot be computed at the starting approximation (a normal with standard deviation 1 around the initial point, on the unconstrained scale): {m}. Give initial values nearer the posterior with --inits (`cmod optimize` finds a mode to start from), or check the model's constraints and priors"
        ),
        AdviError::AdaptationFailed { initial_elbo, .. } => format!(
            "error: eta adaptation failed: with every step-size scale tried (eta = {}; {} iterations each) the ELBO ended no higher than at the start ({}), so the gradient ascent diverges. The model may be ill-conditioned or misspecified; try --adapt-engaged false with a small --eta such as 0.001, other --inits, or sample with `cmod run`",
            ETA_SEQUENCE.map(format_value).join(", "),
            config.adapt_iter,
            runtime::summary::format_significant(initial_elbo)
        ),
        AdviError::Diverged { iteration, reason } => format!(
            "error: ADVI broke down at iteration {iteration}, before the first ELBO evaluation, so there is no approximation to write: {reason}. Try a smaller --eta with --adapt-engaged false, more --grad-samples, other --inits, or sample with `cmod run`"
        ),
    }
}

/// Stan's closing messages and cmod's advice; whether the answer is unusable (exit 1).
fn report(result: &AdviResult, config: &AdviConfig) -> bool {
    if result.earlier_elbo_larger {
        eprintln!("Informational Message: The ELBO at a previous iteration is larger than the ELBO upon convergence!");
        eprintln!("This variational approximation may not have converged to a good optimum.");
    }
    if result.dropped_draws > 0 {
        eprintln!(
            "note: {} draws from the approximation were dropped and drawn again because the model rejected them or its log density was not finite there (the last: {}); when this is frequent, the approximation reaches outside the region where the model is defined",
            result.dropped_draws,
            result.last_drop_reason.as_deref().unwrap_or("unknown")
        );
    }
    let diverging = result
        .rows
        .last()
        .is_some_and(|row| row.notes.contains(&Note::MayBeDiverging));
    match &result.stop {
        Stop::MeanConverged | Stop::MedianConverged => false,
        Stop::NoParameters => {
            eprintln!("note: the model has no parameters, so there is nothing to approximate; every row holds generated quantities drawn anew");
            false
        }
        Stop::MaxIterations => {
            eprintln!("Informational Message: The maximum number of iterations is reached! The algorithm may not have converged.");
            eprintln!("This variational approximation is not guaranteed to be meaningful.");
            let last = result.rows.last();
            eprintln!(
                "warning: ADVI did not converge in {} iterations{}; the draws are from the last approximation, which may be poor. {}",
                config.iter,
                match last {
                    Some(row) => format!(
                        " (the mean relative change of the ELBO was still {:.3}, above --tol-rel-obj {})",
                        row.delta_mean,
                        format_value(config.tol_rel_obj)
                    ),
                    None => " (the ELBO was never evaluated: --eval-elbo is above --iter)".to_string(),
                },
                match last {
                    Some(row) if row.elbo.abs() < 1.0 => format!(
                        "The changes are relative to the ELBO itself, which is near 0 ({:.3}), so its Monte Carlo noise alone keeps them large however good the fit: judge the fit by whether the ELBO still trends (the table's ELBO column), or raise --tol-rel-obj or --elbo-samples.",
                        row.elbo
                    ),
                    _ if diverging => "The ELBO was still changing by more than 50% between evaluations, so the fit may be diverging: try --adapt-engaged false with a smaller --eta, more --grad-samples, or sample with `cmod run`.".to_string(),
                    _ => "Run again with a larger --iter (or a larger --tol-rel-obj), or check the fit against `cmod run`.".to_string(),
                }
            );
            false
        }
        Stop::Diverged {
            iteration,
            reason,
            best_iteration,
        } => {
            eprintln!(
                "error: ADVI broke down at iteration {iteration}: {reason}. The CSV holds the approximation with the best ELBO so far (from iteration {best_iteration}), which may be poor; try a smaller --eta with --adapt-engaged false, more --grad-samples, other --inits, or sample with `cmod run`."
            );
            true
        }
    }
}

/// The CSV's rows: the approximation's mean (lp__, log_p__ and log_g__ 0),
/// then `n` draws with lp__ 0, the model's log density (with the Jacobian)
/// and the approximation's log density up to a constant, then the outputs.
fn draw(
    model: &Arc<CompiledModel>,
    q: &Approximation,
    n: usize,
    rng: &mut ChainRng,
) -> Vec<Vec<f64>> {
    let mut evaluator = Evaluator::new(model.clone());
    let n_out = evaluator.output_names().len();
    let d = q.dim();
    let mut rows = Vec::with_capacity(n + 1);
    let mut rejected = 0usize;
    let mut out = vec![f64::NAN; n_out];
    if evaluator.generate(q.mean(), rng, &mut out).is_err() {
        rejected += 1;
    }
    rows.push(
        [0.0, 0.0, 0.0]
            .into_iter()
            .chain(out.iter().copied())
            .collect(),
    );
    let (mut eta, mut zeta) = (vec![0.0; d], vec![0.0; d]);
    for _ in 0..n {
        for e in eta.iter_mut() {
            *e = StandardNormal.sample(rng);
        }
        q.transform(&eta, &mut zeta);
        let log_g = Approximation::log_g(&eta);
        out.iter_mut().for_each(|v| *v = f64::NAN);
        if evaluator.generate(&zeta, rng, &mut out).is_err() {
            rejected += 1;
        }
        let log_p = evaluator
            .log_density(&zeta, true)
            .unwrap_or(f64::NEG_INFINITY);
        rows.push(
            [0.0, log_p, log_g]
                .into_iter()
                .chain(out.iter().copied())
                .collect(),
        );
    }
    if rejected > 0 {
        eprintln!(
            "note: {rejected} of {} rows (the mean and the draws) had transformed parameters or generated quantities rejected; their columns hold NaN where they could not be computed",
            n + 1
        );
    }
    rows
}

#[allow(clippy::too_many_arguments)]
fn write_csv(
    path: &Path,
    args: &VariationalArgs,
    config: &AdviConfig,
    model_name: &str,
    seed: u64,
    eta: f64,
    names: &[String],
    rows: &[Vec<f64>],
) -> Result<(), String> {
    let algorithm = config.algorithm.name();
    let method = vec![
        "method = variational".to_string(),
        "  variational".to_string(),
        format!("    algorithm = {algorithm}"),
        format!("      {algorithm}"),
        format!("    iter = {}", config.iter),
        format!("    grad_samples = {}", config.grad_samples),
        format!("    elbo_samples = {}", config.elbo_samples),
        format!("    eta = {}", format_value(config.eta)),
        "    adapt".to_string(),
        format!(
            "      engaged = {}",
            if config.adapt_engaged {
                "true"
            } else {
                "false"
            }
        ),
        format!("      iter = {}", config.adapt_iter),
        format!("    tol_rel_obj = {}", format_value(config.tol_rel_obj)),
        format!("    eval_elbo = {}", config.eval_elbo),
        format!("    output_samples = {}", rows.len().saturating_sub(1)),
    ];
    let info = CsvHeaderInfo {
        model_name: model_name.to_string(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: None,
    };
    let run = RunHeader::single(args.inits.as_deref(), seed);
    let mut text = method_header_comments(&info, &method, &run, path);
    text.push_str(&column_line(&["lp__", "log_p__", "log_g__"], names));
    // CmdStan writes these two lines only after adapting eta; cmdstanpy
    // needs them to read the file, so they are always written, with the eta used.
    text.push_str("# Stepsize adaptation complete.\n");
    text.push_str(&format!("# eta = {}\n", format_value(eta)));
    text.push_str(&row_lines(rows));
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

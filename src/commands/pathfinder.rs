//! `cmod pathfinder`: approximate draws from multi-path Pathfinder with PSIS resampling (CmdStan's pathfinder method), as Stan CSV and a table.

use super::optimize::starting_point;
use clap::Args;
use compiler::compiled::{CompiledModel, Evaluator};
use runtime::chain_rng::chain_rng;
use runtime::optimize::OptimizeConfig;
use runtime::pathfinder::{psis_resample, single_path, Draws, PathError, PathfinderConfig};
use runtime::stan_csv::{
    column_line, format_value, method_header_comments, row_lines, CsvHeaderInfo, RunHeader,
};
use runtime::InitialValues;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct PathfinderArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// How many paths (independent L-BFGS runs from different starts) to run.
    #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub num_paths: u64,
    /// How many draws each path makes from its best approximation.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub num_draws: u64,
    /// How many draws the output keeps after importance resampling of all paths' draws.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub num_psis_draws: u64,
    /// Whether to resample the pooled draws by their Pareto-smoothed importance
    /// weights (true, the default); with false every path's draws are kept as drawn.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub psis_resample: bool,
    /// How many draws estimate the ELBO of each approximation along a path.
    #[arg(long, allow_negative_numbers = true, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub num_elbo_draws: u64,
    /// The most L-BFGS iterations per path.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub max_lbfgs_iters: u64,
    /// How many past steps L-BFGS (and the approximations) use.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub history_size: u64,
    /// The length of L-BFGS's first step along each path.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.001)]
    pub init_alpha: f64,
    /// A path's L-BFGS stops when the log density changes by less than this in one iteration.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-12)]
    pub tol_obj: f64,
    /// ... or by less than this many machine epsilons, relative to its size.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e4)]
    pub tol_rel_obj: f64,
    /// ... or when the gradient's length is below this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-8)]
    pub tol_grad: f64,
    /// ... or when the gradient scaled by the inverse-Hessian estimate, relative to the
    /// log density, is below this many machine epsilons.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e7)]
    pub tol_rel_grad: f64,
    /// ... or when a step moves the unconstrained parameters by less than this.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-8)]
    pub tol_param: f64,
    /// Where the paths start: a number R draws each start uniformly from (-R, R) on the
    /// unconstrained scale (default 2); a JSON file gives one start by parameter name.
    #[arg(long, allow_hyphen_values = true)]
    pub inits: Option<String>,
    /// Random seed (default: chosen at random and printed).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to write the CSV file (default: a new directory named after the model).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Print only errors: no table.
    #[arg(long)]
    pub quiet: bool,
}

impl PathfinderArgs {
    /// Stan's defaults for `model` with `data`: how `cmod run --inits pathfinder` calls it.
    pub fn defaults(model: &Path, data: Option<&Path>, num_paths: usize, seed: u64) -> Self {
        PathfinderArgs {
            model: model.to_path_buf(),
            data: data.map(Path::to_path_buf),
            num_paths: num_paths as u64,
            num_draws: 1000,
            num_psis_draws: 1000,
            psis_resample: true,
            num_elbo_draws: 25,
            max_lbfgs_iters: 1000,
            history_size: 5,
            init_alpha: 0.001,
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            inits: None,
            seed: Some(seed),
            output_dir: None,
            quiet: true,
        }
    }

    fn config(&self) -> Result<PathfinderConfig, String> {
        super::optimize::check_lbfgs_settings(
            [
                ("--tol-obj", self.tol_obj),
                ("--tol-rel-obj", self.tol_rel_obj),
                ("--tol-grad", self.tol_grad),
                ("--tol-rel-grad", self.tol_rel_grad),
                ("--tol-param", self.tol_param),
            ],
            self.init_alpha,
        )?;
        Ok(PathfinderConfig {
            lbfgs: OptimizeConfig {
                iter: self.max_lbfgs_iters as usize,
                tol_obj: self.tol_obj,
                tol_rel_obj: self.tol_rel_obj,
                tol_grad: self.tol_grad,
                tol_rel_grad: self.tol_rel_grad,
                tol_param: self.tol_param,
                history_size: self.history_size as usize,
                init_alpha: self.init_alpha,
                record_path: true,
                ..OptimizeConfig::default()
            },
            num_elbo_draws: self.num_elbo_draws as usize,
            num_draws: self.num_draws as usize,
        })
    }
}

pub fn run(args: &PathfinderArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// The outcome of all paths: draws on the unconstrained scale, and the Pareto k.
pub struct PathfinderDraws {
    pub draws: Draws,
    pub pareto_k: f64,
}

/// Runs every path on a prepared model and pools their draws.
pub fn approximate(
    args: &PathfinderArgs,
    model: &Arc<CompiledModel>,
    seed: u64,
) -> Result<PathfinderDraws, String> {
    let config = args.config()?;
    let init = super::run::parse_inits(args.inits.as_deref(), model)?;
    let dim = model.n_unconstrained;
    let mut evaluator = Evaluator::new(model.clone());
    let mut objective = |x: &[f64], g: &mut [f64]| -> Result<f64, String> {
        let lp = evaluator.log_density_gradient(x, g, true)?;
        g.iter_mut().for_each(|v| *v = -*v);
        Ok(-lp)
    };
    let mut pooled = Draws::default();
    let mut failures = Vec::new();
    for path in 1..=args.num_paths {
        let mut rng = chain_rng(seed, path);
        let start = match starting_point(&init, dim, &mut rng, &mut objective) {
            Ok(x) => x,
            Err(message) => {
                failures.push(format!(
                    "path {path}: {}",
                    message.trim_start_matches("error: ")
                ));
                continue;
            }
        };
        match single_path(&mut objective, &start, &config, &mut rng) {
            Ok(result) => {
                if !args.quiet {
                    eprintln!(
                        "path {path}: {} L-BFGS iterations, best approximation after iteration {} with ELBO {}",
                        result.lbfgs_iterations,
                        result.best_iteration,
                        runtime::summary::format_significant(result.elbo)
                    );
                }
                pooled.x.extend(result.draws.x);
                pooled.log_p.extend(result.draws.log_p);
                pooled.log_q.extend(result.draws.log_q);
            }
            Err(PathError::BadStart(message)) => failures.push(format!("path {path}: the log density cannot be evaluated at its start ({message})")),
            Err(PathError::NoApproximation { iterations }) => failures.push(format!(
                "path {path}: no approximation along its {iterations} L-BFGS iterations had a finite ELBO"
            )),
        }
    }
    for failure in &failures {
        eprintln!("note: {failure}");
    }
    if pooled.x.is_empty() {
        return Err(format!(
            "error: no path found an approximation ({} of {} failed); the log density may have no maximum or be impossible to evaluate away from the start: check the model's constraints, try --inits, or sample with `cmod run`",
            failures.len(),
            args.num_paths
        ));
    }
    if args.num_paths == 1 || !args.psis_resample {
        return Ok(PathfinderDraws {
            pareto_k: f64::NAN,
            draws: pooled,
        });
    }
    let mut rng = chain_rng(seed, args.num_paths + 1);
    let (draws, k) = psis_resample(&pooled, args.num_psis_draws as usize, &mut rng);
    if draws.x.is_empty() {
        return Err("error: every draw of every path has zero importance weight (the log density could not be evaluated at any of them); check the model, or sample with `cmod run`".to_string());
    }
    Ok(PathfinderDraws { draws, pareto_k: k })
}

fn run_inner(args: &PathfinderArgs) -> Result<ExitCode, String> {
    let seed = args.seed.unwrap_or_else(super::run::random_seed);
    let prepared = super::prepare(&args.model, args.data.as_deref(), Some(seed))?;
    let model = prepared.model.clone();
    if !args.quiet {
        eprintln!(
            "compiled {} in {:.0} ms; running {} Pathfinder path{} (seed {seed})",
            prepared.model_name,
            model.compile_seconds * 1000.0,
            args.num_paths,
            if args.num_paths == 1 { "" } else { "s" }
        );
    }
    let result = approximate(args, &model, seed)?;
    let mut evaluator = Evaluator::new(model.clone());
    let names = evaluator.output_names();
    let mut rng = chain_rng(seed, args.num_paths + 2);
    let mut rows = Vec::with_capacity(result.draws.x.len());
    let mut rejected = 0;
    for ((x, lp), lq) in result
        .draws
        .x
        .iter()
        .zip(&result.draws.log_p)
        .zip(&result.draws.log_q)
    {
        let mut row = vec![*lq, *lp];
        let mut out = vec![f64::NAN; names.len()];
        if evaluator.generate(x, &mut rng, &mut out).is_err() {
            rejected += 1;
        }
        row.extend(out);
        rows.push(row);
    }
    if rejected > 0 {
        eprintln!(
            "note: {rejected} draws had transformed parameters or generated quantities rejected; their columns hold NaN where they could not be computed"
        );
    }
    let output_dir =
        super::run::output_directory(args.output_dir.as_deref(), &prepared.model_name)?;
    let path = output_dir.join(format!("{}-pathfinder.csv", prepared.model_name));
    write_csv(&path, args, &prepared.model_name, seed, &names, &rows)?;
    if !args.quiet {
        super::laplace::print_approximation(&names, &rows, 2);
    }
    let k = result.pareto_k;
    if k.is_finite() {
        let verdict = if k < 0.5 {
            "good: the approximation is close to the posterior, and the resampled draws can stand in for it"
        } else if k < 0.7 {
            "acceptable: the resampled draws are usable, but check important results with `cmod run`"
        } else {
            "poor: the approximation misses part of the posterior; use the draws only as starting points (`cmod run --inits pathfinder`) and sample with NUTS"
        };
        eprintln!(
            "Pareto k = {}: {verdict}",
            runtime::summary::format_significant(k)
        );
    }
    eprintln!("draws written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// One starting point per chain for `cmod run --inits pathfinder`: a
/// Pathfinder run with one path per chain, and one resampled draw each.
pub fn initial_points(
    model_path: &Path,
    data: Option<&Path>,
    model: &Arc<CompiledModel>,
    chains: usize,
    seed: u64,
) -> Result<InitialValues, String> {
    let args = PathfinderArgs::defaults(model_path, data, chains.max(1), seed);
    let result = approximate(&args, model, seed)?;
    let draws = &result.draws.x;
    let points = (0..chains)
        .map(|c| draws[(c * draws.len()) / chains.max(1) % draws.len()].clone())
        .collect();
    Ok(InitialValues::PerChain(points))
}

fn write_csv(
    path: &Path,
    args: &PathfinderArgs,
    model_name: &str,
    seed: u64,
    names: &[String],
    rows: &[Vec<f64>],
) -> Result<(), String> {
    let yes_no = |b: bool| if b { "true" } else { "false" };
    let method = vec![
        "method = pathfinder".to_string(),
        "  pathfinder".to_string(),
        format!("    init_alpha = {}", format_value(args.init_alpha)),
        format!("    tol_obj = {}", format_value(args.tol_obj)),
        format!("    tol_rel_obj = {}", format_value(args.tol_rel_obj)),
        format!("    tol_grad = {}", format_value(args.tol_grad)),
        format!("    tol_rel_grad = {}", format_value(args.tol_rel_grad)),
        format!("    tol_param = {}", format_value(args.tol_param)),
        format!("    history_size = {}", args.history_size),
        format!("    num_psis_draws = {}", args.num_psis_draws),
        format!("    num_paths = {}", args.num_paths),
        "    save_single_paths = false".to_string(),
        format!("    psis_resample = {}", yes_no(args.psis_resample)),
        "    calculate_lp = true".to_string(),
        format!("    max_lbfgs_iters = {}", args.max_lbfgs_iters),
        format!("    num_draws = {}", args.num_draws),
        format!("    num_elbo_draws = {}", args.num_elbo_draws),
    ];
    let info = CsvHeaderInfo {
        model_name: model_name.to_string(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: None,
    };
    let run = RunHeader::single(args.inits.as_deref(), seed);
    let mut text = method_header_comments(&info, &method, &run, path);
    text.push_str(&column_line(&["lp_approx__", "lp__"], names));
    text.push_str(&row_lines(rows));
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

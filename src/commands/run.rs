//! `cmod run`: sample a model with NUTS (or run generated quantities with fixed parameters), write Stan CSV, print the summary.

use super::warmup_args::WarmupArgs;
use crate::model_adapter::CompiledChainModel;
use crate::output::outln;
use clap::{Args, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use runtime::stan_csv::{CsvHeaderInfo, StanCsvWriter};
use runtime::{
    run_chains, AdaptConfig, CsvOutput, InitialValues, InverseMetric, MetricKind, Model, Phase,
    ProgressObserver, ProgressUpdate, RunOptions, SamplerConfig, Summary,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Args)]
pub struct RunArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// How many chains to run.
    #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub chains: u64,
    /// How many chains run at once, each on its own thread (default: one per core, at most --chains).
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub parallel_chains: Option<u64>,
    /// Warmup iterations per chain; they adapt the step size and metric and are not kept.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub iter_warmup: u64,
    /// Sampling iterations per chain, after warmup.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub iter_sampling: u64,
    /// Keep every n-th draw.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub thin: u64,
    /// Random seed; the same seed gives the same draws and the same `_rng` values in transformed data (default: chosen at random and printed).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Initial values: a number R draws them uniformly from (-R, R) on the unconstrained scale;
    /// a JSON file gives them by parameter name, as a Stan inits file does (or as {"u": [...]} unconstrained);
    /// `pathfinder` starts each chain from a draw of a Pathfinder approximation (one path per chain).
    #[arg(long, allow_hyphen_values = true)]
    pub inits: Option<String>,
    /// Target acceptance rate of warmup's step-size adaptation, between 0 and 1. Raise it (0.95, 0.99) to remove divergences.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.8)]
    pub adapt_delta: f64,
    /// The largest tree depth NUTS may build (2^depth leapfrog steps at most).
    #[arg(long, allow_negative_numbers = true, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=30))]
    pub max_treedepth: u64,
    #[command(flatten)]
    pub warmup: WarmupArgs,
    /// The inverse metric to start from: a JSON file as CmdStan's metric_file,
    /// {"inv_metric": [...]} with a vector for diag or a matrix for dense
    /// (for example the adapted metric of an earlier run).
    #[arg(long)]
    pub inv_metric: Option<PathBuf>,
    /// The step size to start from (warmup adapts it unless --adapt-engaged false).
    #[arg(long, allow_negative_numbers = true)]
    pub step_size: Option<f64>,
    /// Whether warmup adapts the step size and the metric; with false the
    /// run keeps --step-size and --inv-metric as given.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub adapt_engaged: bool,
    /// Where to write the CSV files (default: a new directory named after the model).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// No progress bars and no summary table; only errors.
    #[arg(long)]
    pub quiet: bool,
    /// Also keep the warmup draws in the CSV files.
    #[arg(long)]
    pub save_warmup: bool,
    /// nuts samples the posterior; fixed_param keeps the parameters at their initial values
    /// and runs generated quantities for each draw.
    #[arg(long, value_enum, default_value_t = Algorithm::Nuts)]
    pub algorithm: Algorithm,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Algorithm {
    Nuts,
    FixedParam,
}

static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &RunArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn run_inner(args: &RunArgs) -> Result<ExitCode, String> {
    if !(args.adapt_delta > 0.0 && args.adapt_delta < 1.0) {
        return Err(format!(
            "error: --adapt-delta must be between 0 and 1 (exclusive), but it is {}; try 0.8 (the default) or 0.95",
            args.adapt_delta
        ));
    }
    if let Some(text) = args.inits.as_deref() {
        if text != "pathfinder" && text.parse::<f64>().is_err() && !Path::new(text).exists() {
            return Err(format!(
                "error: --inits {text}: not a number, and the file cannot be read"
            ));
        }
    }
    if let Some(step) = args.step_size {
        if !(step > 0.0 && step.is_finite()) {
            return Err(format!(
                "error: --step-size must be positive and finite, but it is {step}"
            ));
        }
    }
    let (metric_kind, adaptation_kind) = args.warmup.kinds()?;
    let inverse_metric = match &args.inv_metric {
        Some(path) => Some(read_inverse_metric(path, metric_kind)?),
        None => None,
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let prepared = super::prepare(&args.model, args.data.as_deref(), Some(seed))?;
    let init = if args.inits.as_deref() == Some("pathfinder") {
        if !args.quiet {
            eprintln!(
                "finding starting points with Pathfinder ({} paths)",
                args.chains
            );
        }
        super::pathfinder::initial_points(
            &args.model,
            args.data.as_deref(),
            &prepared.model,
            args.chains as usize,
            seed,
        )?
    } else {
        parse_inits(args.inits.as_deref(), &prepared.model)?
    };
    if let InitialValues::Given(point) = &init {
        if point.len() != prepared.model.n_unconstrained {
            return Err(format!(
                "error: the inits give {} unconstrained values, but the model has {}",
                point.len(),
                prepared.model.n_unconstrained
            ));
        }
    }
    if let Some(metric) = &inverse_metric {
        let size = match metric {
            InverseMetric::Diagonal(values) => values.len(),
            InverseMetric::Dense(rows) => rows.len(),
        };
        if size != prepared.model.n_unconstrained {
            return Err(format!(
                "error: --inv-metric gives a metric for {size} parameters, but the model has {} unconstrained parameters",
                prepared.model.n_unconstrained
            ));
        }
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let config = SamplerConfig {
        num_chains: args.chains as usize,
        parallel_chains: args
            .parallel_chains
            .map(|p| p as usize)
            .unwrap_or(cores)
            .min(args.chains as usize)
            .max(1),
        num_warmup: if args.algorithm == Algorithm::FixedParam {
            0
        } else {
            args.iter_warmup as usize
        },
        num_samples: args.iter_sampling as usize,
        thin: args.thin as usize,
        save_warmup: args.save_warmup,
        seed,
        max_depth: args.max_treedepth as usize,
        metric: metric_kind,
        initial_step_size: args.step_size.unwrap_or(1.0),
        initial_inverse_metric: inverse_metric,
        adapt: AdaptConfig {
            delta: args.adapt_delta,
            engaged: args.adapt_engaged,
            kind: adaptation_kind,
            ..AdaptConfig::default()
        },
        init,
        ..SamplerConfig::default()
    };
    let output_dir = output_directory(args.output_dir.as_deref(), &prepared.model_name)?;
    let paths: Vec<PathBuf> = (1..=config.num_chains)
        .map(|c| output_dir.join(format!("{}-{c}.csv", prepared.model_name)))
        .collect();
    let header = CsvHeaderInfo {
        model_name: prepared.model_name.clone(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: args.inv_metric.as_ref().map(|m| m.display().to_string()),
    };
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    if !args.quiet {
        eprintln!(
            "compiled {} in {:.0} ms; running {} chain{} (seed {seed})",
            prepared.model_name,
            prepared.model.compile_seconds * 1000.0,
            config.num_chains,
            if config.num_chains == 1 { "" } else { "s" }
        );
    }
    let model = prepared.model.clone();
    let factory =
        move |_chain: usize| -> Box<dyn Model> { Box::new(CompiledChainModel::new(model.clone())) };
    let chains = if args.algorithm == Algorithm::FixedParam {
        fixed_param(&config, &factory, &paths, &header)?
    } else {
        let bars = Bars::new(&config, args.quiet);
        let options = RunOptions {
            csv: Some(CsvOutput {
                paths: paths.clone(),
                header,
            }),
            stop: Some(&STOP),
            progress: Some(&bars),
        };
        let output = run_chains(&config, &factory, &options).map_err(|e| format!("error: {e}"))?;
        bars.finish();
        for message in output.error_messages() {
            eprintln!("error: {message}");
        }
        for chain in &output.chains {
            let id = chain.draws.chain_id;
            for message in &chain.notices.messages {
                eprintln!("note: chain {id}: {message}");
            }
            let rejected = chain.notices.num_rejected_draws;
            if rejected > 0 {
                eprintln!(
                    "note: chain {id}: {rejected} draw{} of transformed parameters or generated quantities rejected; look for a failing check or `reject` there",
                    if rejected == 1 { " had its values" } else { "s had their values" }
                );
            }
        }
        output
            .chains
            .into_iter()
            .map(|c| c.draws)
            .collect::<Vec<_>>()
    };
    let kept: Vec<_> = chains
        .into_iter()
        .filter(|c| c.num_sampling_rows() > 0)
        .collect();
    if STOP.load(Ordering::SeqCst) {
        eprintln!("interrupted: the CSV files keep every draw made so far");
    }
    if kept.is_empty() {
        eprintln!(
            "no draws were made; the CSV files in {} hold only their headers",
            output_dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    if !args.quiet {
        outln!("{}", Summary::from_chains(&kept).to_table_string());
    }
    eprintln!("draws written to {}", output_dir.display());
    Ok(if STOP.load(Ordering::SeqCst) {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u64 ^ ((std::process::id() as u64) << 16)) % 4_294_967_296
}

/// Where chains start: a radius (`--inits 0.5`), or a JSON file of values by
/// parameter name (as in a Stan inits file) or of one unconstrained point `{"u": [...]}`.
pub(super) fn parse_inits(
    inits: Option<&str>,
    model: &std::sync::Arc<compiler::compiled::CompiledModel>,
) -> Result<InitialValues, String> {
    let Some(text) = inits else {
        return Ok(InitialValues::default());
    };
    if let Ok(radius) = text.parse::<f64>() {
        if !(radius >= 0.0 && radius.is_finite()) {
            return Err(format!("error: --inits {text}: a radius must be a finite number of 0 or more (2 is Stan's default)"));
        }
        return Ok(InitialValues::Uniform { radius });
    }
    let body = std::fs::read_to_string(text).map_err(|e| {
        format!("error: --inits {text}: not a number, and the file cannot be read: {e}")
    })?;
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
        format!(
            "error: {text}:{}:{}: invalid JSON: {e}",
            e.line(),
            e.column()
        )
    })?;
    let point = super::params::unconstrained_point(model, &json, text)
        .map_err(|e| format!("error: {e}"))?;
    Ok(InitialValues::Given(point))
}

/// A new directory for this run's files: the one asked for, or `<model>-output`
/// (then `-2`, `-3`, ...) so that earlier results are never overwritten.
pub(super) fn output_directory(asked: Option<&Path>, model_name: &str) -> Result<PathBuf, String> {
    let dir = match asked {
        Some(d) => d.to_path_buf(),
        None => {
            let base = PathBuf::from(format!("{model_name}-output"));
            let mut dir = base.clone();
            let mut n = 2;
            while dir.exists() {
                dir = PathBuf::from(format!("{}-{n}", base.display()));
                n += 1;
            }
            dir
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "error: cannot create the output directory {}: {e}",
            dir.display()
        )
    })?;
    Ok(dir)
}

/// Runs generated quantities at fixed parameter values (Stan's fixed_param sampler).
fn fixed_param(
    config: &SamplerConfig,
    factory: &(dyn Fn(usize) -> Box<dyn Model> + Sync),
    paths: &[PathBuf],
    header: &CsvHeaderInfo,
) -> Result<Vec<runtime::ChainDraws>, String> {
    use rand::SeedableRng;
    let mut all = Vec::new();
    for (chain, path) in paths.iter().enumerate() {
        let mut model = factory(chain);
        let mut names = vec!["lp__".to_string(), "accept_stat__".to_string()];
        names.extend(model.output_names());
        let mut writer = StanCsvWriter::create(path, config, chain + 1, header, &names)
            .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(
            config
                .seed
                .wrapping_add((chain as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        );
        let theta = match &config.init {
            InitialValues::Given(p) => p.clone(),
            InitialValues::PerChain(ps) => ps.get(chain).cloned().unwrap_or_default(),
            InitialValues::Uniform { radius } => {
                use rand::RngExt;
                (0..model.dim())
                    .map(|_| rng.random_range(-radius..=*radius))
                    .collect()
            }
        };
        let mut draws = runtime::ChainDraws::new(chain + 1, names.clone());
        let mut out = vec![0.0; names.len() - 2];
        for _ in 0..config.num_samples {
            if STOP.load(Ordering::SeqCst) {
                break;
            }
            let mut row = vec![0.0, 0.0];
            match model.write_draw(&theta, &mut rng, &mut out) {
                Ok(()) => row.extend_from_slice(&out),
                Err(e) => {
                    eprintln!("chain {}: generated quantities failed: {e}", chain + 1);
                    row.extend(std::iter::repeat_n(f64::NAN, out.len()));
                }
            }
            writer
                .write_row(&row)
                .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
            draws.push_row(&row);
        }
        all.push(draws);
    }
    Ok(all)
}

/// One progress bar per chain: iteration, phase and divergences so far.
struct Bars {
    multi: Option<MultiProgress>,
    bars: Vec<ProgressBar>,
    last: Mutex<Vec<usize>>,
}

impl Bars {
    fn new(config: &SamplerConfig, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Bars {
                multi: None,
                bars: Vec::new(),
                last: Mutex::new(Vec::new()),
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("chain {prefix} {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let total = (config.num_warmup + config.num_samples) as u64;
        let bars = (1..=config.num_chains)
            .map(|c| {
                let bar = multi.add(ProgressBar::new(total));
                bar.set_style(style.clone());
                bar.set_prefix(c.to_string());
                bar.set_message("warmup");
                bar
            })
            .collect();
        Bars {
            multi: Some(multi),
            bars,
            last: Mutex::new(vec![0; config.num_chains]),
        }
    }

    fn finish(&self) {
        for bar in &self.bars {
            bar.finish();
        }
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

impl ProgressObserver for Bars {
    fn on_iteration(&self, update: &ProgressUpdate) {
        let Some(bar) = self.bars.get(update.chain_id.saturating_sub(1)) else {
            return;
        };
        if let Ok(mut last) = self.last.lock() {
            // Redraw at most every 10 iterations, and always at the end.
            let slot = &mut last[update.chain_id - 1];
            if update.iteration < *slot + 10 && update.iteration != update.total_iterations {
                return;
            }
            *slot = update.iteration;
        }
        bar.set_position(update.iteration as u64);
        let phase = match update.phase {
            Phase::Warmup => "warmup",
            _ => "sampling",
        };
        if update.divergences_in_phase > 0 {
            bar.set_message(format!(
                "{phase}, {} divergent",
                update.divergences_in_phase
            ));
        } else {
            bar.set_message(phase);
        }
    }
}

/// An inverse metric from a JSON file in CmdStan's metric_file form:
/// `{"inv_metric": [...]}`, a vector for the diagonal metric or a matrix (a
/// list of rows) for the dense one.
fn read_inverse_metric(path: &Path, kind: MetricKind) -> Result<InverseMetric, String> {
    let place = format!("error: --inv-metric {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{place}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{place}: not valid JSON: {e}"))?;
    let value = json.get("inv_metric").ok_or_else(|| {
        format!("{place}: no \"inv_metric\" entry; the file should look like {{\"inv_metric\": [1.0, 0.5]}}")
    })?;
    let numbers = |row: &serde_json::Value| -> Option<Vec<f64>> {
        row.as_array()?
            .iter()
            .map(serde_json::Value::as_f64)
            .collect()
    };
    let rows = value
        .as_array()
        .map(|a| a.iter().all(serde_json::Value::is_array));
    let metric = match (kind, rows) {
        (MetricKind::Diagonal | MetricKind::LowRank, Some(false)) => {
            numbers(value).map(InverseMetric::Diagonal)
        }
        (MetricKind::Dense, Some(true)) => value
            .as_array()
            .and_then(|rows| rows.iter().map(numbers).collect::<Option<Vec<_>>>())
            .map(InverseMetric::Dense),
        (MetricKind::Diagonal, _) => {
            return Err(format!(
                "{place}: --metric diag needs \"inv_metric\" to be a list of numbers"
            ))
        }
        (MetricKind::Dense, _) => {
            return Err(format!(
                "{place}: --metric dense needs \"inv_metric\" to be a matrix (a list of rows)"
            ))
        }
        (MetricKind::LowRank, _) => {
            return Err(format!(
                "{place}: --metric low-rank starts from a diagonal, a list of numbers; an adapted low-rank metric is written as the matrix it equals, which --metric dense reads"
            ))
        }
    };
    metric.ok_or_else(|| format!("{place}: \"inv_metric\" must hold numbers only"))
}

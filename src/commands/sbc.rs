//! `cmod sbc`: simulation-based calibration of a model, with a generator program drawing truths and data.
//!
//! Each replication runs the generator (a program with no parameters whose
//! generated quantities draw the parameters from the prior and the data from
//! the model), fits the model to the simulated data with NUTS, thins the
//! pooled draws to L, and records for every scalar parameter its rank: the
//! number of thinned draws below the true value, one of L + 1 values. When
//! the sampler is right the ranks are uniform (Talts et al. 2018).
//!
//! The ranks of each parameter are binned (B bins of (L + 1) / B rank values)
//! and tested by Pearson's chi-square with B - 1 degrees of freedom. A model
//! fails when any parameter's p-value is below 0.01 / P, P the number of its
//! scalar parameters (Bonferroni: a family-wise false-alarm rate of 1% per
//! model), or when any replication could not be fit.

use super::warmup_args::WarmupArgs;
use crate::model_adapter::CompiledChainModel;
use crate::output::outln;
use clap::Args;
use compiler::compiled::{compile, CompiledModel, Evaluator, ModelError};
use compiler::data::{
    check_data, DataInput, DataValue, DataValues as CheckedValues, InputVariable,
};
use compiler::diagnostics::render;
use compiler::ir::lower::{DataValues, DataVar, OutputVar};
use compiler::syntax::ast::{BlockKind, Program, StmtKind};
use rand::RngExt;
use runtime::data_json::{read_data_json, JsonValue};
use runtime::{run_chains, Model, RunOptions, SamplerConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The family-wise significance level of the uniformity tests of one model.
pub const FAMILY_ALPHA: f64 = 0.01;

#[derive(Args)]
pub struct SbcArgs {
    /// The model (.cmod), or a folder holding model.cmod, generator.cmod and
    /// (optionally) data.json.
    pub model: PathBuf,
    /// The generator program: no parameters; its generated quantities are
    /// named as the model's parameters and (some of) its data variables.
    #[arg(long)]
    pub generator: Option<PathBuf>,
    /// Fixed data (CmdStan JSON) given to both the generator and the model.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The model's name in the table (default: the folder's or file's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Replications: simulated data sets, each fitted once.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub reps: u64,
    /// Posterior draws kept per fit after thinning (L): ranks take L + 1 values.
    #[arg(long, default_value_t = 99, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub draws: u64,
    /// Bins of the chi-square test; must divide L + 1.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=100_000))]
    pub bins: u64,
    /// Chains per fit (run one after another; replications run in parallel).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub chains: u64,
    /// Warmup iterations per chain.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub iter_warmup: u64,
    /// Sampling iterations per chain; chains x this must be at least L.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub iter_sampling: u64,
    #[arg(long, default_value_t = 0.8)]
    pub adapt_delta: f64,
    #[arg(long, default_value_t = 20261122)]
    pub seed: u64,
    /// Replications fitted at once (default: the number of cores, at most 2).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub jobs: Option<u64>,
    /// Where the rank histograms (one PNG per parameter) and results.json go.
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Print no progress.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub warmup: WarmupArgs,
}

/// The files of one SBC: model, generator, fixed data.
struct Inputs {
    model: PathBuf,
    generator: PathBuf,
    data: Option<PathBuf>,
    name: String,
}

fn resolve(args: &SbcArgs) -> Result<Inputs, String> {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    };
    if args.model.is_dir() {
        let dir = &args.model;
        let data = dir.join("data.json");
        Ok(Inputs {
            model: dir.join("model.cmod"),
            generator: args
                .generator
                .clone()
                .unwrap_or_else(|| dir.join("generator.cmod")),
            data: args.data.clone().or_else(|| data.exists().then_some(data)),
            name: args.name.clone().unwrap_or_else(|| {
                dir.file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| stem(dir))
            }),
        })
    } else {
        let Some(generator) = args.generator.clone() else {
            return Err("error: give the generator program with --generator, or a folder holding model.cmod and generator.cmod".into());
        };
        Ok(Inputs {
            model: args.model.clone(),
            generator,
            data: args.data.clone(),
            name: args.name.clone().unwrap_or_else(|| stem(&args.model)),
        })
    }
}

/// A program read and checked: source, syntax tree and typed program.
struct Checked {
    name: String,
    source: String,
    front: compiler::FrontEnd,
}

impl Checked {
    fn program(&self) -> &Program {
        &self.front.parsed.program
    }

    fn names(&self, block: BlockKind) -> Vec<String> {
        self.program()
            .stmts(block)
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Decl { name, .. } => Some(name.name.clone()),
                _ => None,
            })
            .collect()
    }

    /// Checks `variables` against the data block and compiles the program with them.
    fn compile_with(
        &self,
        variables: Vec<InputVariable>,
        what: &str,
    ) -> Result<CompiledModel, String> {
        let input = DataInput {
            file_name: what.into(),
            variables,
        };
        let checked = check_data(self.program(), Some(&input));
        if checked.has_errors() {
            let errors: Vec<_> = checked
                .diagnostics()
                .into_iter()
                .filter(|d| d.is_error())
                .collect();
            return Err(first_line(&render(
                &errors,
                &self.name,
                &self.source,
                false,
            )));
        }
        let mut values = DataValues::default();
        for var in checked.env.vars {
            let mut dims = var.array_dims.clone();
            dims.extend(var.elem_dims.iter().copied());
            let (reals, ints) = match var.values {
                CheckedValues::Int(v) => (Vec::new(), v),
                CheckedValues::Real(v) => (v, Vec::new()),
            };
            values.vars.insert(var.name, DataVar { dims, reals, ints });
        }
        let typed = &self
            .front
            .checked
            .as_ref()
            .expect("checked before compiling")
            .typed;
        compile(self.program(), typed, &self.source, &values).map_err(|e| match e {
            ModelError::Compile(d) => first_line(&render(&[d], &self.name, &self.source, false)),
            ModelError::TransformedData(m) => format!("error in transformed data: {m}"),
        })
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Reads and checks a program, printing its diagnostics.
fn check_program(path: &Path) -> Result<Checked, String> {
    let source = super::read_model(path)?;
    let name = path.display().to_string();
    let front = compiler::front_end(&source);
    eprint!(
        "{}",
        render(&front.diagnostics, &name, &source, super::use_color())
    );
    if front.checked.is_none() || front.has_errors() {
        return Err(format!("{name}: errors in the program; nothing was run"));
    }
    Ok(Checked {
        name,
        source,
        front,
    })
}

fn to_data_value(value: JsonValue) -> DataValue {
    match value {
        JsonValue::Int(i) => DataValue::Int(i),
        JsonValue::BigInt(text) => DataValue::BigInt(text),
        JsonValue::Real(x) => DataValue::Real(x),
        JsonValue::Array(items) => DataValue::Array(items.into_iter().map(to_data_value).collect()),
        JsonValue::Other(text) => DataValue::Other(text),
    }
}

fn read_base_data(path: Option<&Path>) -> Result<Vec<InputVariable>, String> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read the data file {}: {e}", path.display()))?;
    let file = read_data_json(&text).map_err(|e| {
        format!(
            "error: {}:{}:{}: {}",
            path.display(),
            e.line,
            e.column,
            e.kind
        )
    })?;
    Ok(file
        .variables
        .into_iter()
        .map(|v| InputVariable {
            name: v.name,
            value: to_data_value(v.value),
            line: v.line,
        })
        .collect())
}

/// The position in storage order of the element at `idx`: array dims
/// row-major, a matrix's last two dims column-major (as `unflatten` reads them).
fn storage_position(idx: &[usize], dims: &[usize], matrix: bool) -> usize {
    let n = dims.len();
    let mut order: Vec<usize> = (0..n).rev().collect();
    if matrix && n >= 2 {
        order.swap(0, 1);
    }
    let mut pos = 0;
    let mut stride = 1;
    for d in order {
        pos += idx[d] * stride;
        stride *= dims[d];
    }
    pos
}

/// A generated output variable as a data value, nested as in a JSON file (matrices by rows).
fn output_as_data(var: &OutputVar, row: &[f64]) -> DataValue {
    fn nest(var: &OutputVar, values: &[f64], idx: &mut Vec<usize>, level: usize) -> DataValue {
        if level == var.dims.len() {
            let x = values[storage_position(idx, &var.dims, var.is_matrix)];
            return if var.is_int {
                DataValue::Int(x.round() as i64)
            } else {
                DataValue::Real(x)
            };
        }
        let items = (0..var.dims[level])
            .map(|i| {
                idx.push(i);
                let v = nest(var, values, idx, level + 1);
                idx.pop();
                v
            })
            .collect();
        DataValue::Array(items)
    }
    let total: usize = var.dims.iter().product();
    let values = &row[var.offset..var.offset + total];
    nest(var, values, &mut Vec::new(), 0)
}

/// What one replication gave: a rank per scalar parameter, or why it failed.
struct RepResult {
    ranks: Result<Vec<usize>, String>,
    /// Per parameter: every kept draw equalled the truth.
    fixed: Vec<bool>,
    divergences: usize,
}

/// Everything the workers share.
struct Plan<'a> {
    inputs: &'a Inputs,
    base: &'a [InputVariable],
    /// The model's scalar parameters, as Stan names them (`theta.1`).
    params: Vec<String>,
    draws: usize,
    args: &'a SbcArgs,
    metric: runtime::MetricKind,
    adaptation: runtime::AdaptationKind,
}

fn mix(mut x: u64) -> u64 {
    // splitmix64's finalizer: distinct seeds per replication.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// One worker: its own front ends and generator, replications taken from `next`.
fn worker(plan: &Plan, next: &AtomicUsize, results: &Mutex<Vec<Option<RepResult>>>) {
    let quiet_check = |path: &Path| -> Option<Checked> {
        let source = std::fs::read_to_string(path).ok()?;
        let front = compiler::front_end(&source);
        Some(Checked {
            name: path.display().to_string(),
            source,
            front,
        })
    };
    let (Some(model), Some(generator)) = (
        quiet_check(&plan.inputs.model),
        quiet_check(&plan.inputs.generator),
    ) else {
        return;
    };
    let gen_data = filter_for(&generator, plan.base, &[]);
    let gen_model = match generator.compile_with(gen_data, "the fixed data (--data)") {
        Ok(m) => Arc::new(m),
        Err(e) => {
            let mut r = results.lock().unwrap();
            for slot in r.iter_mut().filter(|s| s.is_none()) {
                *slot = Some(RepResult {
                    ranks: Err(format!("the generator: {e}")),
                    fixed: Vec::new(),
                    divergences: 0,
                });
            }
            return;
        }
    };
    let mut gen_eval = Evaluator::new(gen_model.clone());
    let data_names = model.names(BlockKind::Data);
    let reps = plan.args.reps as usize;
    loop {
        let rep = next.fetch_add(1, Ordering::SeqCst);
        if rep >= reps {
            break;
        }
        let result = replicate(plan, &model, &data_names, &gen_model, &mut gen_eval, rep);
        let done = {
            let mut r = results.lock().unwrap();
            r[rep] = Some(result);
            r.iter().filter(|s| s.is_some()).count()
        };
        if !plan.args.quiet && (done % 10 == 0 || done == reps) {
            eprintln!("{}: {done} of {reps} replications done", plan.inputs.name);
        }
    }
}

/// The base variables a program's data block declares, minus those in `except`.
fn filter_for(program: &Checked, base: &[InputVariable], except: &[String]) -> Vec<InputVariable> {
    let names = program.names(BlockKind::Data);
    base.iter()
        .filter(|v| names.contains(&v.name) && !except.contains(&v.name))
        .cloned()
        .collect()
}

fn replicate(
    plan: &Plan,
    model: &Checked,
    data_names: &[String],
    gen_model: &CompiledModel,
    gen_eval: &mut Evaluator,
    rep: usize,
) -> RepResult {
    let fail = |m: String| RepResult {
        ranks: Err(m),
        fixed: Vec::new(),
        divergences: 0,
    };
    let seed = plan.args.seed;
    let mut rng = runtime::chain_rng::chain_rng(mix(seed), rep as u64 + 1);
    let mut row = vec![0.0; gen_model.n_outputs];
    if let Err(e) = gen_eval.generate(&[], &mut rng, &mut row) {
        return fail(format!("the generator failed: {e}"));
    }
    // Data: the generator's outputs named as data variables, then the base data.
    let mut generated: Vec<InputVariable> = Vec::new();
    for var in &gen_model.outputs {
        if data_names.contains(&var.name) {
            generated.push(InputVariable {
                name: var.name.clone(),
                value: output_as_data(var, &row),
                line: 0,
            });
        }
    }
    let gen_names: Vec<String> = generated.iter().map(|v| v.name.clone()).collect();
    let mut variables = filter_for(model, plan.base, &gen_names);
    variables.extend(generated);
    let compiled = match model.compile_with(variables, "the simulated and fixed data") {
        Ok(m) => Arc::new(m),
        Err(e) => return fail(format!("the model with simulated data: {e}")),
    };
    // Truths: the generator's values of the model's parameters, by Stan name.
    let gen_columns: Vec<String> = gen_model
        .outputs
        .iter()
        .flat_map(|o| o.column_names())
        .collect();
    let mut truths = Vec::with_capacity(plan.params.len());
    for p in &plan.params {
        match gen_columns.iter().position(|c| c == p) {
            Some(i) => truths.push(row[i]),
            None => return fail(format!("the generator has no output `{p}`")),
        }
    }
    let config = SamplerConfig {
        num_chains: plan.args.chains as usize,
        parallel_chains: 1,
        num_warmup: plan.args.iter_warmup as usize,
        num_samples: plan.args.iter_sampling as usize,
        seed: mix(seed ^ mix(rep as u64 + 0x5bc)),
        metric: plan.metric,
        adapt: runtime::AdaptConfig {
            delta: plan.args.adapt_delta,
            kind: plan.adaptation,
            ..runtime::AdaptConfig::default()
        },
        ..SamplerConfig::default()
    };
    let factory = {
        let compiled = compiled.clone();
        move |_chain: usize| -> Box<dyn Model> {
            Box::new(CompiledChainModel::new(compiled.clone()))
        }
    };
    let output = match run_chains(&config, &factory, &RunOptions::default()) {
        Ok(o) => o,
        Err(e) => return fail(format!("sampling: {e}")),
    };
    if let Some(e) = output.error_messages().first() {
        return fail(format!("sampling: {e}"));
    }
    let chains = output.successful_draws();
    let divergences: usize = chains
        .iter()
        .filter_map(|c| c.sampling_column_named("divergent__"))
        .map(|d| d.iter().filter(|x| **x > 0.0).count())
        .sum();
    let mut ranks = Vec::with_capacity(plan.params.len());
    let mut fixed = Vec::with_capacity(plan.params.len());
    let mut tie_rng = runtime::chain_rng::chain_rng(mix(seed ^ 0x7135), rep as u64 + 1);
    for (p, truth) in plan.params.iter().zip(&truths) {
        let pooled: Vec<f64> = chains
            .iter()
            .filter_map(|c| c.sampling_column_named(p))
            .flatten()
            .collect();
        let n = pooled.len();
        if n < plan.draws {
            return fail(format!(
                "only {n} draws of `{p}`, fewer than the {} to keep",
                plan.draws
            ));
        }
        // L draws evenly spaced over the pooled sampling draws.
        let kept: Vec<f64> = (0..plan.draws)
            .map(|i| pooled[i * n / plan.draws])
            .collect();
        let below = kept.iter().filter(|x| *x < truth).count();
        let ties = kept.iter().filter(|x| *x == truth).count();
        // Ties (a value the constraint fixes, such as a correlation Cholesky
        // factor's L[1,1] = 1) get a uniformly random place among them.
        let rank = if ties > 0 {
            below + tie_rng.random_range(0..=ties)
        } else {
            below
        };
        ranks.push(rank);
        fixed.push(ties == plan.draws);
    }
    RepResult {
        ranks: Ok(ranks),
        fixed,
        divergences,
    }
}

/// The uniformity test of one parameter's ranks.
pub struct ParamResult {
    pub name: String,
    /// Its position among the model's scalar parameters.
    pub index: usize,
    pub counts: Vec<usize>,
    pub chi_square: f64,
    pub p: f64,
    pub passed: bool,
}

/// Pearson's chi-square of ranks in 0..=draws against the uniform, in `bins` bins.
pub fn chi_square_test(ranks: &[usize], draws: usize, bins: usize) -> (Vec<usize>, f64, f64) {
    let width = (draws + 1) / bins;
    let mut counts = vec![0usize; bins];
    for &r in ranks {
        counts[(r / width).min(bins - 1)] += 1;
    }
    let expected = ranks.len() as f64 / bins as f64;
    let chi: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    let p = stdlib::math::gamma_q((bins as f64 - 1.0) / 2.0, chi / 2.0);
    (counts, chi, p)
}

/// The central 99% interval of a Binomial(n, p) count: the 0.5% and 99.5% quantiles.
pub fn binomial_band(n: usize, p: f64) -> (usize, usize) {
    let mut pmf = (1.0 - p).powi(n as i32);
    let mut cdf = 0.0;
    let (mut lo, mut hi) = (None, n);
    for k in 0..=n {
        cdf += pmf;
        if lo.is_none() && cdf >= 0.005 {
            lo = Some(k);
        }
        if cdf >= 0.995 {
            hi = k;
            break;
        }
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
    }
    (lo.unwrap_or(0), hi)
}

pub fn run(args: &SbcArgs) -> ExitCode {
    match run_inner(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: &SbcArgs) -> Result<bool, String> {
    let (metric, adaptation) = args.warmup.kinds()?;
    let inputs = resolve(args)?;
    let draws = args.draws as usize;
    let bins = args.bins as usize;
    if !(draws + 1).is_multiple_of(bins) {
        return Err(format!(
            "error: --bins {bins} does not divide the {} rank values (--draws {draws} + 1)",
            draws + 1
        ));
    }
    if ((args.chains * args.iter_sampling) as usize) < draws {
        return Err(format!(
            "error: {} chains x {} sampling iterations give fewer than the {draws} draws to keep",
            args.chains, args.iter_sampling
        ));
    }
    let model = check_program(&inputs.model)?;
    let generator = check_program(&inputs.generator)?;
    if !generator.names(BlockKind::Parameters).is_empty() {
        return Err(format!(
            "error: the generator {} has parameters; it must draw everything in generated quantities",
            generator.name
        ));
    }
    let base = read_base_data(inputs.data.as_deref())?;
    // Compile the model once with the first simulated data set, to learn its
    // parameters' shapes; checks the generator at the same time.
    let gen_compiled = generator
        .compile_with(
            filter_for(&generator, &base, &[]),
            "the fixed data (--data)",
        )
        .map_err(|e| format!("error: the generator: {e}"))?;
    let gen_outputs: Vec<String> = gen_compiled
        .outputs
        .iter()
        .map(|o| o.name.clone())
        .collect();
    let param_names = model.names(BlockKind::Parameters);
    let missing: Vec<&String> = param_names
        .iter()
        .filter(|p| !gen_outputs.contains(p))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "error: the generator has no output for the parameter{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let probe = {
        let gm = Arc::new(gen_compiled);
        let mut eval = Evaluator::new(gm.clone());
        let mut row = vec![0.0; gm.n_outputs];
        let mut rng = runtime::chain_rng::chain_rng(mix(args.seed), 1);
        eval.generate(&[], &mut rng, &mut row)
            .map_err(|e| format!("error: the generator failed: {e}"))?;
        let data_names = model.names(BlockKind::Data);
        let mut vars: Vec<InputVariable> = Vec::new();
        for var in &gm.outputs {
            if data_names.contains(&var.name) {
                vars.push(InputVariable {
                    name: var.name.clone(),
                    value: output_as_data(var, &row),
                    line: 0,
                });
            }
        }
        let names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
        let mut all = filter_for(&model, &base, &names);
        all.extend(vars);
        model
            .compile_with(all, "the simulated and fixed data")
            .map_err(|e| format!("error: the model with simulated data: {e}"))?
    };
    let params: Vec<String> = probe
        .outputs
        .iter()
        .filter(|o| param_names.contains(&o.name))
        .flat_map(|o| o.column_names())
        .collect();
    drop(probe);

    let reps = args.reps as usize;
    let jobs = args
        .jobs
        .map(|j| j as usize)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(2)
        })
        .min(reps);
    let plan = Plan {
        inputs: &inputs,
        base: &base,
        params: params.clone(),
        draws,
        args,
        metric,
        adaptation,
    };
    if !args.quiet {
        eprintln!(
            "{}: {reps} replications of {} chains x ({} warmup + {} sampling), {jobs} at a time",
            inputs.name, args.chains, args.iter_warmup, args.iter_sampling
        );
    }
    let start = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<RepResult>>> = Mutex::new((0..reps).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| worker(&plan, &next, &results));
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let results: Vec<RepResult> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| {
            r.unwrap_or(RepResult {
                ranks: Err("not run".into()),
                fixed: Vec::new(),
                divergences: 0,
            })
        })
        .collect();

    let fitted: Vec<&Vec<usize>> = results
        .iter()
        .filter_map(|r| r.ranks.as_ref().ok())
        .collect();
    let failures: Vec<&String> = results
        .iter()
        .filter_map(|r| r.ranks.as_ref().err())
        .collect();
    let divergences: usize = results.iter().map(|r| r.divergences).sum();
    let reps_divergent = results.iter().filter(|r| r.divergences > 0).count();
    // Parameters the constraint fixes (every draw equal to the truth in every
    // fit) carry no information: they are listed, not tested.
    let fitted_fixed: Vec<&Vec<bool>> = results
        .iter()
        .filter(|r| r.ranks.is_ok())
        .map(|r| &r.fixed)
        .collect();
    let is_fixed = |i: usize| !fitted_fixed.is_empty() && fitted_fixed.iter().all(|f| f[i]);
    let fixed_names: Vec<&String> = (0..params.len())
        .filter(|&i| is_fixed(i))
        .map(|i| &params[i])
        .collect();
    let tested = params.len() - fixed_names.len();
    let threshold = FAMILY_ALPHA / tested.max(1) as f64;
    let tests: Vec<ParamResult> = params
        .iter()
        .enumerate()
        .filter(|(i, _)| !is_fixed(*i))
        .map(|(i, name)| {
            let ranks: Vec<usize> = fitted.iter().map(|r| r[i]).collect();
            let (counts, chi_square, p) = if ranks.is_empty() {
                (vec![0; bins], f64::NAN, f64::NAN)
            } else {
                chi_square_test(&ranks, draws, bins)
            };
            ParamResult {
                name: name.clone(),
                index: i,
                counts,
                chi_square,
                passed: p >= threshold,
                p,
            }
        })
        .collect();
    let passed = failures.is_empty() && tests.iter().all(|t| t.passed);

    outln!(
        "SBC of {}: {} replications ({} fitted), L = {draws} draws per fit (ranks 0..={draws}), {bins} bins, {} chains x ({} + {}) iterations, seed {}, {:.0} s",
        inputs.name,
        reps,
        fitted.len(),
        args.chains,
        args.iter_warmup,
        args.iter_sampling,
        args.seed,
        seconds
    );
    outln!(
        "A parameter fails when p < {FAMILY_ALPHA} / {tested} = {threshold:.2e} (Bonferroni over the model's {tested} tested scalar parameters: family-wise alpha {FAMILY_ALPHA})."
    );
    if !fixed_names.is_empty() {
        outln!(
            "Fixed by their constraint, not tested: {}",
            fixed_names
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    outln!("{}", table(&inputs.name, &tests));
    outln!("divergent transitions: {divergences} in {reps_divergent} of {reps} replications");
    if !failures.is_empty() {
        outln!(
            "{} of {reps} replications could not be fitted; the first: {}",
            failures.len(),
            failures[0]
        );
    }
    outln!("{}: {}", inputs.name, if passed { "pass" } else { "FAIL" });

    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("error: cannot create {}: {e}", dir.display()))?;
        for t in &tests {
            let path = dir.join(format!("{}.png", t.name));
            if let Err(e) = plot_histogram(&path, &inputs.name, t, fitted.len(), draws) {
                eprintln!("warning: cannot draw {}: {e}", path.display());
            }
        }
        let json = serde_json::json!({
            "model": inputs.name,
            "model_file": inputs.model.display().to_string(),
            "generator_file": inputs.generator.display().to_string(),
            "data_file": inputs.data.as_ref().map(|d| d.display().to_string()),
            "reps": reps,
            "fitted": fitted.len(),
            "failures": failures,
            "draws": draws,
            "bins": bins,
            "chains": args.chains,
            "iter_warmup": args.iter_warmup,
            "iter_sampling": args.iter_sampling,
            "adapt_delta": args.adapt_delta,
            "metric": format!("{:?}", metric),
            "adaptation": adaptation.name(),
            "seed": args.seed,
            "family_alpha": FAMILY_ALPHA,
            "threshold": threshold,
            "divergences": divergences,
            "seconds": seconds,
            "passed": passed,
            "fixed_parameters": fixed_names,
            "parameters": tests.iter().map(|t| serde_json::json!({
                "name": t.name,
                "chi_square": t.chi_square,
                "p": t.p,
                "passed": t.passed,
                "bin_counts": t.counts,
                "ranks": fitted.iter().map(|r| r[t.index]).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        let path = dir.join("results.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&json).unwrap_or_default(),
        )
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        std::fs::write(
            dir.join("table.txt"),
            format!("{}\n", table(&inputs.name, &tests)),
        )
        .map_err(|e| format!("error: cannot write the table: {e}"))?;
    }
    Ok(passed)
}

/// The table printed: model, parameter, chi-square, p, pass or fail.
pub fn table(model: &str, tests: &[ParamResult]) -> String {
    let mut s = format!(
        "{:<26} {:<20} {:>10} {:>10} {:>6}",
        "model", "parameter", "chi-square", "p", "result"
    );
    for t in tests {
        s.push_str(&format!(
            "\n{:<26} {:<20} {:>10.2} {:>10.4} {:>6}",
            model,
            t.name,
            t.chi_square,
            t.p,
            if t.passed { "pass" } else { "FAIL" }
        ));
    }
    s
}

/// Loads DejaVu Sans for the histograms' text, once; false when it is not installed.
fn font_loaded() -> bool {
    static LOADED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LOADED.get_or_init(|| {
        let Ok(bytes) = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") else {
            return false;
        };
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, bytes)
            .is_ok()
    })
}

/// Writes one parameter's rank histogram: bin counts, the expected count, and its 99% band.
fn plot_histogram(
    path: &Path,
    model: &str,
    t: &ParamResult,
    n: usize,
    draws: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let bins = t.counts.len();
    let width = (draws + 1) / bins;
    let expected = n as f64 / bins as f64;
    let (lo, hi) = binomial_band(n, 1.0 / bins as f64);
    let top = (t.counts.iter().copied().max().unwrap_or(0).max(hi) as f64 * 1.15).max(1.0);
    let text = font_loaded();
    let root = BitMapBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(&root);
    builder.margin(15);
    if text {
        builder
            .caption(
                format!(
                    "{model}: {} (chi2 = {:.1}, p = {:.3}, {})",
                    t.name,
                    t.chi_square,
                    t.p,
                    if t.passed { "pass" } else { "FAIL" }
                ),
                ("sans-serif", 18),
            )
            .x_label_area_size(40)
            .y_label_area_size(50);
    }
    let x_max = (draws + 1) as f64;
    let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..top)?;
    if text {
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(format!(
                "rank among {draws} posterior draws ({n} replications, {bins} bins); band: 99% for a uniform"
            ))
            .y_desc("replications")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 13))
            .draw()?;
    }
    // The 99% band of each bin's count under uniformity, behind the bars.
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, lo as f64), (x_max, hi as f64)],
        RGBColor(200, 200, 200).mix(0.6).filled(),
    )))?;
    let bar = if t.passed {
        RGBColor(70, 110, 170)
    } else {
        RGBColor(190, 60, 50)
    };
    chart.draw_series(t.counts.iter().enumerate().map(|(b, &c)| {
        let x0 = (b * width) as f64;
        let x1 = ((b + 1) * width) as f64;
        let pad = (x1 - x0) * 0.05;
        Rectangle::new([(x0 + pad, 0.0), (x1 - pad, c as f64)], bar.filled())
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, expected), (x_max, expected)],
        BLACK.stroke_width(2),
    )))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_square_of_uniform_counts_is_zero() {
        let ranks: Vec<usize> = (0..100).collect();
        let (counts, chi, p) = chi_square_test(&ranks, 99, 10);
        assert_eq!(counts, vec![10; 10]);
        assert_eq!(chi, 0.0);
        assert!((p - 1.0).abs() < 1e-12);
    }

    #[test]
    fn chi_square_p_matches_a_known_value() {
        // All 100 ranks in the first bin: chi2 = 900 with 9 degrees of freedom.
        let ranks = vec![0usize; 100];
        let (_, chi, p) = chi_square_test(&ranks, 99, 10);
        assert!((chi - 900.0).abs() < 1e-9);
        assert!(p < 1e-100);
        // chi2 = 16.919 is the 95% quantile of chi-square(9).
        let p = stdlib::math::gamma_q(4.5, 16.919 / 2.0);
        assert!((p - 0.05).abs() < 1e-4, "{p}");
    }

    #[test]
    fn binomial_band_is_central() {
        // Binomial(200, 0.1): mean 20, sd 4.24; the 99% band is about 10..31.
        let (lo, hi) = binomial_band(200, 0.1);
        assert!((9..=11).contains(&lo), "{lo}");
        assert!((30..=32).contains(&hi), "{hi}");
    }

    #[test]
    fn storage_positions_are_column_major_in_matrices() {
        // A 2 x 3 matrix: element (r, c) is at c * 2 + r.
        assert_eq!(storage_position(&[1, 0], &[2, 3], true), 1);
        assert_eq!(storage_position(&[0, 1], &[2, 3], true), 2);
        // An array of 2 x 3: row-major.
        assert_eq!(storage_position(&[0, 1], &[2, 3], false), 1);
        assert_eq!(storage_position(&[1, 0], &[2, 3], false), 3);
    }
}

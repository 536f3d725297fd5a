//! `cmod generate-quantities`: CmdStan's standalone generated quantities. For every draw of
//! fitted Stan CSV files, recompute the transformed parameters and generated quantities.
//!
//! Each input file is one chain. A draw's parameter values are read from the
//! columns named after the model's parameters (`theta.3`, `Sigma.1.2`),
//! unconstrained (`Evaluator::unconstrain`, which checks the declared
//! constraints) and passed to `Evaluator::generate`, whose `_rng` calls draw
//! from the runtime's stream of (seed, chain), as `cmod run` does. The output
//! file of a chain holds, as CmdStan 2.33 and later write it, the input's
//! sampler columns (`lp__`, `accept_stat__`, ...) and parameter columns
//! unchanged, then the transformed parameters and generated quantities
//! recomputed; the input's own columns of those are replaced.

use super::run::{output_directory, random_seed};
use crate::output::outln;
use clap::Args;
use compiler::compiled::{CompiledModel, Evaluator};
use runtime::chain_rng::chain_rng;
use runtime::stan_csv::{
    format_value, method_header_comments, read_stan_csv_str, CsvHeaderInfo, RunHeader,
};
use runtime::{ChainDraws, Summary};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many bad rows of one file are reported one by one; the rest are counted.
const ROWS_REPORTED: usize = 5;

#[derive(Args)]
#[command(after_help = "\
Output: one file per fitted-params file, in the order given: \
<model>-generated-1.csv, <model>-generated-2.csv, ... Chain n is the n-th file \
given, and its `_rng` values depend only on (seed, n). Each file holds CmdStan's \
header comments (method = generate_quantities, with fitted_params), the input's \
sampler columns (lp__, accept_stat__, ...) and parameter columns unchanged, then \
the transformed parameters and generated quantities computed again, one row per \
input row (warmup rows included when the input kept them). A row whose parameter \
values are not finite or break a declared constraint is reported with its line \
number, its new columns are nan, and the command exits with 1.")]
pub struct GqArgs {
    /// The model file (.cmod or .stan): the same parameters as the fitted model,
    /// and the generated quantities to compute.
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format (not needed when the model has no data block).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The Stan CSV files of the fit, one per chain, as `cmod run` or CmdStan wrote them;
    /// each draw's parameter values are read from the columns named after the model's parameters.
    #[arg(long, required = true, num_args = 1..)]
    pub fitted_params: Vec<PathBuf>,
    /// Random seed; the same seed gives the same `_rng` values (default: chosen at random and printed).
    /// Give the fit's seed to get its `_rng` values in transformed data again.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Where to write the CSV files (default: a new directory named <model>-gq-output).
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// No summary table; only errors.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &GqArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// One input file, read and matched against the model's columns.
struct Input {
    path: PathBuf,
    draws: ChainDraws,
    /// The line of the file each row is on, for messages.
    row_lines: Vec<usize>,
    /// Indices of the input's sampler columns (names ending in `__`), in input order.
    sampler: Vec<usize>,
    /// Index in the input of each of the model's parameter columns, in the model's order.
    params: Vec<usize>,
}

/// What one chain produced.
struct ChainOutcome {
    /// Only the recomputed columns, for the summary.
    draws: ChainDraws,
    /// Rows whose parameter values could not be used: `line: draw n: why`, for the first few.
    bad_rows: Vec<String>,
    num_bad_rows: usize,
    /// How many of those failed a declared constraint (rather than being nan or infinite).
    num_constraint_failures: usize,
    /// Rows whose transformed parameters or generated quantities rejected.
    num_rejected: usize,
    first_rejection: Option<String>,
}

fn run_inner(args: &GqArgs) -> Result<ExitCode, String> {
    // Read every file first: a missing or malformed file is reported before compiling.
    let files: Vec<(PathBuf, Fitted)> = args
        .fitted_params
        .iter()
        .map(|path| read_fitted(path).map(|fitted| (path.clone(), fitted)))
        .collect::<Result<_, _>>()?;
    let seed = args.seed.unwrap_or_else(random_seed);
    let prepared = super::prepare(&args.model, args.data.as_deref(), Some(seed))?;
    let model = prepared.model.clone();
    let names = Evaluator::new(model.clone()).output_names();
    let param_outputs = &model.outputs[..model.n_parameters.min(model.outputs.len())];
    let n_param_columns: usize = param_outputs.iter().map(|o| o.column_names().len()).sum();
    let param_names = &names[..n_param_columns.min(names.len())];
    let new_names = &names[param_names.len()..];
    if new_names.is_empty() {
        return Err(format!(
            "error: {} has no transformed parameters or generated quantities, so there is nothing to generate; add a generated quantities block",
            args.model.display()
        ));
    }
    let inputs: Vec<Input> = files
        .into_iter()
        .map(|(path, fitted)| match_columns(path, fitted, &model, param_names))
        .collect::<Result<_, _>>()?;

    let output_dir = output_directory(
        args.output_dir.as_deref(),
        &format!("{}-gq", prepared.model_name),
    )?;
    let paths: Vec<PathBuf> = (1..=inputs.len())
        .map(|c| output_dir.join(format!("{}-generated-{c}.csv", prepared.model_name)))
        .collect();
    check_no_overwrite(&paths, &inputs)?;
    if !args.quiet {
        eprintln!(
            "compiled {} in {:.0} ms; generating quantities for {} chain{} (seed {seed})",
            prepared.model_name,
            model.compile_seconds * 1000.0,
            inputs.len(),
            if inputs.len() == 1 { "" } else { "s" }
        );
    }
    let header = CsvHeaderInfo {
        model_name: prepared.model_name.clone(),
        data_file: args.data.as_ref().map(|d| d.display().to_string()),
        metric_file: None,
    };
    let job = Job {
        model: &model,
        header: &header,
        seed,
        param_names,
        new_names,
    };
    let outcomes = run_chains(&job, &inputs, &paths);

    let mut chains = Vec::new();
    let mut failed = false;
    let mut any_bad_rows = false;
    for ((outcome, input), path) in outcomes.into_iter().zip(&inputs).zip(&paths) {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(message) => {
                eprintln!("{message}");
                failed = true;
                continue;
            }
        };
        let file = input.path.display();
        for message in &outcome.bad_rows {
            eprintln!("error: {file}:{message}");
        }
        if outcome.num_bad_rows > 0 {
            any_bad_rows = true;
            let more = outcome.num_bad_rows.saturating_sub(outcome.bad_rows.len());
            eprintln!(
                "error: {file}: {} row{} of parameter values could not be used{}; their generated quantities in {} are nan{}",
                outcome.num_bad_rows,
                if outcome.num_bad_rows == 1 { "" } else { "s" },
                if more > 0 { format!(" ({more} not listed above)") } else { String::new() },
                path.display(),
                if outcome.num_constraint_failures > 0 {
                    "; if the file's values were rounded (CmdStan's default sig_figs=6), a simplex or other constraint can fail its check, so refit with sig_figs=18 (`cmod run` keeps every digit)"
                } else {
                    ""
                }
            );
        }
        if outcome.num_rejected > 0 {
            eprintln!(
                "note: {file}: {} draw{} of transformed parameters or generated quantities rejected ({}); look for a failing check or `reject` there",
                outcome.num_rejected,
                if outcome.num_rejected == 1 { " had its values" } else { "s had their values" },
                outcome.first_rejection.as_deref().unwrap_or("no message")
            );
        }
        chains.push(outcome.draws);
    }
    if failed {
        return Ok(ExitCode::from(1));
    }
    if !args.quiet {
        let kept: Vec<ChainDraws> = chains
            .into_iter()
            .filter(|c| c.num_sampling_rows() > 0)
            .collect();
        if !kept.is_empty() {
            outln!("{}", summary_table(&kept));
        }
    }
    eprintln!("generated quantities written to {}", output_dir.display());
    Ok(if any_bad_rows {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A fitted-params file read as Stan CSV, with the line number of each of its rows.
struct Fitted {
    draws: ChainDraws,
    row_lines: Vec<usize>,
}

/// Reads one fitted-params file as Stan CSV, or says in one sentence why it cannot.
fn read_fitted(path: &Path) -> Result<Fitted, String> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| format!("error: cannot read the fitted-params file {shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        format!("error: the fitted-params file {shown} is not a text file, so not Stan CSV; give the CSV files that `cmod run` or CmdStan wrote")
    })?;
    // The reader's rule: the first line that is neither empty nor a comment names the columns.
    let mut data_lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .map(|(index, _)| index + 1);
    if data_lines.next().is_none() {
        return Err(format!(
            "error: the fitted-params file {shown} has no column names (it is empty or holds only comments), so it is not Stan CSV; give the CSV files that `cmod run` or CmdStan wrote"
        ));
    }
    let row_lines = data_lines.collect();
    let draws = read_stan_csv_str(&text, &shown.to_string()).map_err(|e| {
        format!("error: {e}; the fitted-params file must be Stan CSV as `cmod run` or CmdStan writes it")
    })?;
    Ok(Fitted { draws, row_lines })
}

/// Finds the model's parameter columns in an input file, or names the first mismatch.
fn match_columns(
    path: PathBuf,
    fitted: Fitted,
    model: &CompiledModel,
    param_names: &[String],
) -> Result<Input, String> {
    let shown = path.display();
    let Fitted { draws, row_lines } = fitted;
    let found: Vec<Option<usize>> = param_names
        .iter()
        .map(|name| draws.column_index(name))
        .collect();
    let has_lp = draws.column_index("lp__").is_some();
    if !param_names.is_empty() && !has_lp && found.iter().all(Option::is_none) {
        let first = draws.column_names.first().cloned().unwrap_or_default();
        return Err(format!(
            "error: {shown} is not Stan CSV: it has no lp__ column and no column named after the model's parameters (its first column is `{}`); give the CSV files that `cmod run` or CmdStan wrote",
            shorten(&first)
        ));
    }
    if let Some(missing) = found.iter().position(Option::is_none) {
        let column = &param_names[missing];
        let owner = column.split('.').next().unwrap_or(column);
        return Err(format!(
            "error: {shown} has no column `{column}`, but the model's parameter `{owner}` needs it; the file must come from a fit of a model with the same parameters (and sizes) as {}",
            model_parameters(model)
        ));
    }
    // A column of a parameter's name that the model does not have: other sizes.
    for name in &draws.column_names {
        let owner = name.split('.').next().unwrap_or(name);
        if let Some(p) = model.outputs[..model.n_parameters.min(model.outputs.len())]
            .iter()
            .find(|p| p.name == owner)
        {
            if !param_names.contains(name) {
                let count = p.column_names().len();
                return Err(format!(
                    "error: {shown} has a column `{name}`, but the model's parameter {} has only {count} value{}; the file comes from a fit with other sizes, so give the data of that fit",
                    parameter_with_sizes(p),
                    if count == 1 { "" } else { "s" },
                ));
            }
        }
    }
    if draws.num_rows() == 0 {
        return Err(format!(
            "error: the fitted-params file {shown} has column names but no draws, so there is nothing to generate from"
        ));
    }
    let sampler = draws
        .column_names
        .iter()
        .enumerate()
        .filter(|(_, name)| name.ends_with("__"))
        .map(|(i, _)| i)
        .collect();
    Ok(Input {
        path,
        draws,
        row_lines,
        sampler,
        params: found.into_iter().flatten().collect(),
    })
}

/// The model's parameters with their sizes, for messages: `mu, tau, theta[8]`.
fn model_parameters(model: &CompiledModel) -> String {
    let params = &model.outputs[..model.n_parameters.min(model.outputs.len())];
    if params.is_empty() {
        return "this model (which has none)".to_string();
    }
    params
        .iter()
        .map(parameter_with_sizes)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A parameter's name with its sizes, for messages: `theta[8]`, `Sigma[3, 3]`.
fn parameter_with_sizes(p: &compiler::ir::lower::OutputVar) -> String {
    if p.dims.is_empty() {
        format!("`{}`", p.name)
    } else {
        let dims: Vec<String> = p.dims.iter().map(usize::to_string).collect();
        format!("`{}[{}]`", p.name, dims.join(", "))
    }
}

/// At most 40 characters of a user's text, for a message.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(40).collect::<String>())
    }
}

/// Refuses to write an output file over one of the input files.
fn check_no_overwrite(paths: &[PathBuf], inputs: &[Input]) -> Result<(), String> {
    let canonical_inputs: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| std::fs::canonicalize(&i.path).ok())
        .collect();
    for path in paths {
        let canonical = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            })
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.clone()),
            _ => path.clone(),
        };
        if canonical_inputs.contains(&canonical) {
            return Err(format!(
                "error: the output file {} would overwrite a fitted-params file; choose another --output-dir",
                path.display()
            ));
        }
    }
    Ok(())
}

/// What every chain shares.
struct Job<'a> {
    model: &'a Arc<CompiledModel>,
    header: &'a CsvHeaderInfo,
    seed: u64,
    param_names: &'a [String],
    new_names: &'a [String],
}

/// Runs every chain, on up to one thread per core; results in chain order.
fn run_chains(
    job: &Job<'_>,
    inputs: &[Input],
    paths: &[PathBuf],
) -> Vec<Result<ChainOutcome, String>> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let workers = cores.min(inputs.len()).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<ChainOutcome, String>>>> =
        Mutex::new((0..inputs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= inputs.len() {
                    break;
                }
                let outcome = run_chain(job, index + 1, &inputs[index], &paths[index]);
                if let Ok(mut slots) = results.lock() {
                    slots[index] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| Err(format!("error: chain {} stopped unexpectedly", i + 1)))
        })
        .collect()
}

/// Generates chain `chain_id` (1-based) from one input file and writes its CSV.
fn run_chain(
    job: &Job<'_>,
    chain_id: usize,
    input: &Input,
    path: &Path,
) -> Result<ChainOutcome, String> {
    let write_error = |e: std::io::Error| format!("error: cannot write {}: {e}", path.display());
    let draws = &input.draws;
    let mut columns: Vec<String> = input
        .sampler
        .iter()
        .map(|&i| draws.column_names[i].clone())
        .collect();
    columns.extend(job.param_names.iter().cloned());
    columns.extend(job.new_names.iter().cloned());
    let method = [
        "method = generate_quantities".to_string(),
        "  generate_quantities".to_string(),
        format!("    fitted_params = {}", input.path.display()),
    ];
    let run = RunHeader {
        id: chain_id,
        init: "2".to_string(),
        seed: job.seed,
        num_threads: 1,
    };
    let mut text = method_header_comments(job.header, &method, &run, path);
    text.push_str(&columns.join(","));
    text.push('\n');
    let file = std::fs::File::create(path).map_err(write_error)?;
    let mut out = std::io::BufWriter::new(file);
    out.write_all(text.as_bytes()).map_err(write_error)?;

    let mut evaluator = Evaluator::new(job.model.clone());
    let mut rng = chain_rng(job.seed, chain_id as u64);
    let n_params = job.param_names.len();
    let mut generated = vec![0.0; n_params + job.new_names.len()];
    let mut constrained = vec![0.0; n_params];
    let mut summary_draws = ChainDraws::new(chain_id, job.new_names.to_vec());
    summary_draws.num_warmup_rows = draws.num_warmup_rows;
    let mut outcome = ChainOutcome {
        draws: ChainDraws::new(chain_id, Vec::new()),
        bad_rows: Vec::new(),
        num_bad_rows: 0,
        num_constraint_failures: 0,
        num_rejected: 0,
        first_rejection: None,
    };
    let width = draws.num_columns();
    let mut line = String::new();
    for row in 0..draws.num_rows() {
        let values = &draws.values[row * width..(row + 1) * width];
        for (slot, &index) in constrained.iter_mut().zip(&input.params) {
            *slot = values[index];
        }
        let new_values: &[f64] =
            match unconstrained_point(&mut evaluator, &constrained, job.param_names) {
                Err(RowError {
                    message,
                    constraint,
                }) => {
                    outcome.num_bad_rows += 1;
                    outcome.num_constraint_failures += constraint as usize;
                    if outcome.bad_rows.len() < ROWS_REPORTED {
                        let line = input.row_lines.get(row).copied().unwrap_or(0);
                        outcome
                            .bad_rows
                            .push(format!("{line}: draw {}: {message}", row + 1));
                    }
                    generated[n_params..].fill(f64::NAN);
                    &generated[n_params..]
                }
                Ok(theta) => {
                    if let Err(message) = evaluator.generate(&theta, &mut rng, &mut generated) {
                        outcome.num_rejected += 1;
                        if outcome.first_rejection.is_none() {
                            outcome.first_rejection =
                                Some(format!("first at draw {}: {message}", row + 1));
                        }
                        generated[n_params..].fill(f64::NAN);
                    }
                    &generated[n_params..]
                }
            };
        line.clear();
        let input_values = input
            .sampler
            .iter()
            .map(|&i| values[i])
            .chain(constrained.iter().copied())
            .chain(new_values.iter().copied());
        for (k, value) in input_values.enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push_str(&format_value(value));
        }
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(write_error)?;
        summary_draws.push_row(new_values);
    }
    out.flush().map_err(write_error)?;
    outcome.draws = summary_draws;
    Ok(outcome)
}

/// Why one draw's parameter values cannot be used.
struct RowError {
    message: String,
    /// A declared constraint failed (the values are finite).
    constraint: bool,
}

/// The unconstrained point of one draw's parameter values, or why they cannot be used.
fn unconstrained_point(
    evaluator: &mut Evaluator,
    constrained: &[f64],
    names: &[String],
) -> Result<Vec<f64>, RowError> {
    if let Some((name, value)) = names
        .iter()
        .zip(constrained)
        .find(|(_, value)| !value.is_finite())
    {
        return Err(RowError {
            message: format!(
                "`{name}` is {}, but a parameter value must be a finite number",
                format_value(*value)
            ),
            constraint: false,
        });
    }
    evaluator
        .unconstrain(constrained)
        .map_err(|message| RowError {
            message: message.replace("the initial value of", "the value of"),
            constraint: true,
        })
}

/// The summary table of the recomputed columns, without the sampler's checks
/// (they belong to the fit, whose own summary shows them).
fn summary_table(chains: &[ChainDraws]) -> String {
    let table = Summary::from_chains(chains).to_table_string();
    let Some(start) = table.find("\nDivergent transitions:") else {
        return table;
    };
    let rest = &table[start + 1..];
    let after = rest.find('\n').map(|end| &rest[end + 1..]).unwrap_or("");
    format!("{}{after}", &table[..start + 1])
        .trim_end()
        .to_string()
}

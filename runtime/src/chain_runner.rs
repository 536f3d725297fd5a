//! Runs one chain from start to end: initialization, warmup (the adaptation
//! strategy the configuration names), sampling, and the rows that go to
//! memory and to the CSV file.

use crate::adaptation::{warmup_strategy, AdaptationError};
use crate::chain_rng::chain_rng;
use crate::config::SamplerConfig;
use crate::draws::{AdaptationInfo, ChainDraws, InverseMetric, Timing, SAMPLER_COLUMNS};
use crate::hamiltonian::Hamiltonian;
use crate::initialization::find_initial_point;
use crate::metric::{Metric, MetricKind};
use crate::model::Model;
use crate::nuts::{NutsSampler, TransitionStats};
use crate::progress::{Phase, ProgressObserver, ProgressUpdate};
use crate::stan_csv::{CsvHeaderInfo, StanCsvWriter};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What a chain needs besides its model.
pub struct ChainContext<'a> {
    pub config: &'a SamplerConfig,
    /// 0-based index of the chain; its id is `chain_index + 1`.
    pub chain_index: usize,
    /// Where to write the chain's CSV, with the header's facts.
    pub csv: Option<(&'a Path, &'a CsvHeaderInfo)>,
    pub stop: Option<&'a AtomicBool>,
    pub progress: &'a dyn ProgressObserver,
}

/// Facts worth telling the user that are not errors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChainNotices {
    pub messages: Vec<String>,
    /// Draws whose generated quantities the model rejected (written as NaN, parameters kept).
    pub num_rejected_draws: usize,
}

/// Why a chain stopped before the end.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainError {
    Initialization(String),
    StepSizeSearch(String),
    MetricAdaptation(String),
    Output(String),
    /// A bug: the model or the sampler panicked. The message says so.
    Panicked(String),
}

impl From<AdaptationError> for ChainError {
    fn from(error: AdaptationError) -> Self {
        match error {
            AdaptationError::StepSizeSearch(message) => ChainError::StepSizeSearch(message),
            AdaptationError::Metric(message) => ChainError::MetricAdaptation(message),
        }
    }
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainError::Initialization(message) => f.write_str(message),
            ChainError::StepSizeSearch(message) => write!(f, "Step size search failed: {message}."),
            ChainError::MetricAdaptation(message) => f.write_str(message),
            ChainError::Output(message) => write!(f, "Could not write the output file: {message}."),
            ChainError::Panicked(message) => write!(
                f,
                "Internal error (a bug in cmod, not in your model): the chain panicked: {message}. Please report it."
            ),
        }
    }
}

/// The metric a chain starts from: the given inverse metric (checked
/// against the model's dimension) or the unit one.
fn initial_metric(config: &SamplerConfig, dim: usize) -> Result<Metric, String> {
    let wrong_size = |size: usize| {
        format!(
            "The inverse metric is for {size} parameters, but the model has {dim} unconstrained parameters."
        )
    };
    match &config.initial_inverse_metric {
        None => Ok(Metric::unit(config.metric, dim)),
        Some(InverseMetric::Diagonal(values)) => {
            if values.len() != dim {
                return Err(wrong_size(values.len()));
            }
            Ok(match config.metric {
                MetricKind::LowRank => Metric::low_rank(
                    values.iter().map(|v| v.sqrt()).collect(),
                    Vec::new(),
                    Vec::new(),
                ),
                _ => Metric::Diagonal {
                    inverse_diagonal: values.clone(),
                },
            })
        }
        Some(InverseMetric::Dense(rows)) => {
            if rows.len() != dim {
                return Err(wrong_size(rows.len()));
            }
            Metric::dense(rows.concat(), dim)
                .map_err(|_| "The dense inverse metric is not positive definite.".to_string())
        }
    }
}

/// The sampler columns of one transition followed by the model's outputs.
fn fill_row(
    row: &mut [f64],
    stats: &TransitionStats,
    sampler: &mut NutsSampler,
    notices: &mut ChainNotices,
) {
    row[0] = stats.log_density;
    row[1] = stats.accept_stat;
    row[2] = stats.step_size;
    row[3] = stats.tree_depth as f64;
    row[4] = stats.n_leapfrog as f64;
    row[5] = if stats.divergent { 1.0 } else { 0.0 };
    row[6] = stats.energy;
    let outputs = &mut row[SAMPLER_COLUMNS.len()..];
    if let Err(rejection) = sampler.write_draw(outputs) {
        notices.num_rejected_draws += 1;
        if notices.num_rejected_draws == 1 {
            notices.messages.push(format!(
                "Generated quantities were rejected for at least one draw (the parameters are kept, the rest written as NaN): {}",
                rejection.message
            ));
        }
    }
}

fn adaptation_info(sampler: &NutsSampler) -> AdaptationInfo {
    let inverse_metric = match &sampler.hamiltonian.metric {
        Metric::Diagonal { inverse_diagonal } => InverseMetric::Diagonal(inverse_diagonal.clone()),
        Metric::Dense { dim, inverse, .. } => InverseMetric::Dense(
            inverse
                .chunks(*dim.max(&1))
                .map(|row| row.to_vec())
                .collect(),
        ),
        Metric::LowRank { scale, .. } => {
            let dim = scale.len();
            let matrix = sampler.hamiltonian.metric.inverse_matrix(dim);
            InverseMetric::Dense(matrix.chunks(dim.max(1)).map(|row| row.to_vec()).collect())
        }
    };
    AdaptationInfo {
        step_size: sampler.step_size,
        inverse_metric,
    }
}

/// Runs the chain, appending rows to `draws` as they are made, so that they
/// survive an error (or a panic caught by the caller) partway through.
pub fn run_chain(
    model: Box<dyn Model>,
    context: &ChainContext<'_>,
    draws: &mut ChainDraws,
    notices: &mut ChainNotices,
) -> Result<(), ChainError> {
    let config = context.config;
    let chain_id = context.chain_index + 1;
    let dim = model.dim();
    let mut column_names: Vec<String> = SAMPLER_COLUMNS
        .iter()
        .map(|name| name.to_string())
        .collect();
    column_names.extend(model.output_names());
    *draws = ChainDraws::new(chain_id, column_names.clone());
    draws.max_depth = Some(config.max_depth);
    draws.adapt_delta = Some(config.adapt.delta);

    let mut writer = match context.csv {
        Some((path, info)) => Some(
            StanCsvWriter::create(path, config, chain_id, info, &column_names)
                .map_err(|e| ChainError::Output(format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    let output_error = |e: std::io::Error| ChainError::Output(e.to_string());

    let mut rng = chain_rng(config.seed, chain_id as u64);
    let metric = initial_metric(config, dim).map_err(ChainError::Initialization)?;
    let mut hamiltonian = Hamiltonian::new(model, metric);
    let initial = find_initial_point(
        &mut hamiltonian,
        &mut rng,
        &config.init,
        context.chain_index,
        config.max_init_attempts,
    )
    .map_err(|e| ChainError::Initialization(e.message))?;
    let mut sampler = NutsSampler::new(
        hamiltonian,
        rng,
        initial,
        config.initial_step_size,
        config.max_depth,
    );

    let adapt = config.adapt.engaged && config.num_warmup > 0;
    let mut warmup = warmup_strategy(config, dim);
    if adapt {
        if let Some(notice) = warmup.notice() {
            notices.messages.push(notice.to_string());
        }
        warmup.start(&mut sampler).map_err(ChainError::from)?;
    }

    let total_iterations = config.num_warmup + config.num_samples;
    let mut row = vec![0.0; draws.num_columns()];
    let stopped = || {
        context
            .stop
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    };

    let warmup_start = Instant::now();
    let mut divergences = 0;
    for iteration in 0..config.num_warmup {
        if stopped() {
            draws.interrupted = true;
            break;
        }
        let stats = sampler.transition();
        divergences += stats.divergent as usize;
        if adapt {
            warmup
                .learn(&mut sampler, iteration, &stats)
                .map_err(ChainError::from)?;
        }
        if config.save_warmup && iteration % config.thin == 0 {
            fill_row(&mut row, &stats, &mut sampler, notices);
            draws.push_row(&row);
            draws.num_warmup_rows += 1;
            if let Some(writer) = writer.as_mut() {
                writer.write_row(&row).map_err(output_error)?;
            }
        }
        context.progress.on_iteration(&ProgressUpdate {
            chain_id,
            iteration: iteration + 1,
            total_iterations,
            phase: Phase::Warmup,
            divergences_in_phase: divergences,
        });
    }
    let warmup_seconds = warmup_start.elapsed().as_secs_f64();

    let sampling_start = Instant::now();
    if !draws.interrupted {
        if adapt {
            warmup.finish(&mut sampler);
            let info = adaptation_info(&sampler);
            if let Some(writer) = writer.as_mut() {
                writer.write_adaptation(&info).map_err(output_error)?;
            }
            draws.adaptation = Some(info);
        }
        divergences = 0;
        for iteration in 0..config.num_samples {
            if stopped() {
                draws.interrupted = true;
                break;
            }
            let stats = sampler.transition();
            divergences += stats.divergent as usize;
            if iteration % config.thin == 0 {
                fill_row(&mut row, &stats, &mut sampler, notices);
                draws.push_row(&row);
                if let Some(writer) = writer.as_mut() {
                    writer.write_row(&row).map_err(output_error)?;
                }
            }
            context.progress.on_iteration(&ProgressUpdate {
                chain_id,
                iteration: config.num_warmup + iteration + 1,
                total_iterations,
                phase: Phase::Sampling,
                divergences_in_phase: divergences,
            });
        }
    }
    let timing = Timing {
        warmup_seconds,
        sampling_seconds: sampling_start.elapsed().as_secs_f64(),
    };
    if let Some(writer) = writer.as_mut() {
        writer.write_timing(&timing).map_err(output_error)?;
    }
    draws.timing = Some(timing);
    Ok(())
}

//! Runs several chains in parallel on threads and collects their draws.
//!
//! Each chain gets its own model from a factory closure `Fn(chain_index) ->
//! Box<dyn Model>` (0-based index), its own generator from (seed, chain id),
//! and writes its own CSV file. A chain that fails, or even panics, keeps
//! the rows it made and does not disturb the others.

use crate::chain_runner::{run_chain, ChainContext, ChainError, ChainNotices};
use crate::config::SamplerConfig;
use crate::draws::ChainDraws;
use crate::model::Model;
use crate::progress::{NoProgress, ProgressObserver};
use crate::stan_csv::CsvHeaderInfo;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where to write Stan CSV: one path per chain, in chain order.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOutput {
    pub paths: Vec<PathBuf>,
    pub header: CsvHeaderInfo,
}

/// Optional hooks of a run.
#[derive(Default)]
pub struct RunOptions<'a> {
    pub csv: Option<CsvOutput>,
    /// Set it (from a Ctrl-C handler, say) to stop every chain after its current iteration.
    pub stop: Option<&'a AtomicBool>,
    pub progress: Option<&'a dyn ProgressObserver>,
}

/// How one chain ended.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainResult {
    /// The rows made, complete even when the chain failed or was stopped.
    pub draws: ChainDraws,
    pub error: Option<ChainError>,
    pub notices: ChainNotices,
}

/// Every chain's result, in chain order.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    pub chains: Vec<ChainResult>,
}

impl RunOutput {
    /// The draws of the chains that finished without error.
    pub fn successful_draws(&self) -> Vec<&ChainDraws> {
        self.chains
            .iter()
            .filter(|chain| chain.error.is_none())
            .map(|chain| &chain.draws)
            .collect()
    }

    /// One line per failed chain, for the user.
    /// One line per distinct error, naming the chains that stopped with it
    /// ("Chain 2: ..." or "Chains 1, 2, 3, 4: ..."), in chain order.
    pub fn error_messages(&self) -> Vec<String> {
        let mut distinct: Vec<(String, Vec<usize>)> = Vec::new();
        for chain in &self.chains {
            let Some(error) = chain.error.as_ref().map(ToString::to_string) else {
                continue;
            };
            match distinct.iter_mut().find(|(text, _)| *text == error) {
                Some((_, ids)) => ids.push(chain.draws.chain_id),
                None => distinct.push((error, vec![chain.draws.chain_id])),
            }
        }
        distinct
            .into_iter()
            .map(|(error, ids)| {
                let names: Vec<String> = ids.iter().map(usize::to_string).collect();
                let label = if ids.len() == 1 { "Chain" } else { "Chains" };
                format!("{label} {}: {error}", names.join(", "))
            })
            .collect()
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

fn run_one(
    config: &SamplerConfig,
    factory: &(dyn Fn(usize) -> Box<dyn Model> + Sync),
    options: &RunOptions<'_>,
    progress: &dyn ProgressObserver,
    chain_index: usize,
) -> ChainResult {
    let mut draws = ChainDraws::new(chain_index + 1, Vec::new());
    let mut notices = ChainNotices::default();
    let csv = options.csv.as_ref().and_then(|csv| {
        csv.paths
            .get(chain_index)
            .map(|path| (path.as_path(), &csv.header))
    });
    let context = ChainContext {
        config,
        chain_index,
        csv,
        stop: options.stop,
        progress,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let model = factory(chain_index);
        run_chain(model, &context, &mut draws, &mut notices)
    }));
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error),
        Err(payload) => Some(ChainError::Panicked(panic_message(payload))),
    };
    let message = error.as_ref().map(|e| e.to_string());
    progress.on_chain_finished(chain_index + 1, message.as_deref());
    ChainResult {
        draws,
        error,
        notices,
    }
}

/// Runs `config.num_chains` chains, at most `config.parallel_chains` at a
/// time. The draws depend only on the seed and chain ids, never on the
/// number of threads. Fails only on an invalid configuration; chain
/// failures are reported per chain in the output.
pub fn run_chains(
    config: &SamplerConfig,
    factory: &(dyn Fn(usize) -> Box<dyn Model> + Sync),
    options: &RunOptions<'_>,
) -> Result<RunOutput, String> {
    config.validate()?;
    if let Some(csv) = &options.csv {
        if csv.paths.len() < config.num_chains {
            return Err(format!(
                "{} output files were named for {} chains; name one per chain.",
                csv.paths.len(),
                config.num_chains
            ));
        }
    }
    let progress: &dyn ProgressObserver = options.progress.unwrap_or(&NoProgress);
    let next_chain = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ChainResult>>> = Mutex::new(vec![None; config.num_chains]);
    let num_threads = config.parallel_chains.clamp(1, config.num_chains);
    std::thread::scope(|scope| {
        for _ in 0..num_threads {
            scope.spawn(|| loop {
                let chain_index = next_chain.fetch_add(1, Ordering::SeqCst);
                if chain_index >= config.num_chains {
                    break;
                }
                let result = run_one(config, factory, options, progress, chain_index);
                let mut slots = results
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                slots[chain_index] = Some(result);
            });
        }
    });
    let slots = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let chains = slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.unwrap_or_else(|| ChainResult {
                draws: ChainDraws::new(index + 1, Vec::new()),
                error: Some(ChainError::Panicked(
                    "the chain's thread ended without a result".to_string(),
                )),
                notices: ChainNotices::default(),
            })
        })
        .collect();
    Ok(RunOutput { chains })
}

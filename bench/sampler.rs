//! Benchmark, not a test: the sampler's own cost per gradient evaluation on a real compiled model.
//!
//!     cargo run --release --example bench_sampler [-- MODEL.cmod [DATA.json] [--draws N] [--rounds N]]
//!
//! Default model: examples/eight_schools/eight_schools_noncentered.cmod, a
//! cheap 10-dimensional posterior. One chain (1000 warmup + N draws, kept in
//! memory, no CSV, generated quantities included as in `cmod run`) is timed
//! as a whole; then the model's gradient alone is timed for the same number
//! of evaluations, cycling through positions the chain visited (every 16th
//! evaluation is kept). The difference is the sampler's overhead: tree
//! building, U-turn checks, momentum draws, adaptation, output rows.
//! Each round repeats both, interleaved, and the medians are reported.

#[path = "../src/commands/data.rs"]
#[allow(dead_code)]
mod data;

use compiler::compiled::{compile, CompiledModel, Evaluator};
use runtime::{run_chains, Model, Rejection, RunOptions, SamplerConfig};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Keeps one position in this many gradient evaluations.
const KEEP_EVERY: u64 = 16;

/// The compiled model, counting its gradient evaluations and keeping some
/// of the positions it was asked about.
struct CountingModel {
    evaluator: Evaluator,
    names: Vec<String>,
    evaluations: u64,
    kept: Arc<Mutex<(u64, Vec<Vec<f64>>)>>,
}

impl Model for CountingModel {
    fn dim(&self) -> usize {
        self.evaluator.model().n_unconstrained
    }
    fn output_names(&self) -> Vec<String> {
        self.names.clone()
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        self.evaluations += 1;
        if self.evaluations.is_multiple_of(KEEP_EVERY) {
            self.kept.lock().unwrap().1.push(theta.to_vec());
        }
        self.evaluator
            .log_density_gradient(theta, grad, true)
            .map_err(Rejection::new)
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        rng: &mut dyn rand::Rng,
        out: &mut [f64],
    ) -> Result<(), Rejection> {
        self.evaluator
            .generate(theta, rng, out)
            .map_err(Rejection::new)
    }
}

impl Drop for CountingModel {
    fn drop(&mut self) {
        self.kept.lock().unwrap().0 += self.evaluations;
    }
}

fn compile_model(model: &Path, data_path: Option<&Path>) -> Result<Arc<CompiledModel>, String> {
    let src = std::fs::read_to_string(model).map_err(|e| format!("{}: {e}", model.display()))?;
    let front = compiler::front_end(&src);
    let checked = match (&front.checked, front.has_errors()) {
        (Some(c), false) => c,
        _ => return Err("the model has front-end errors".into()),
    };
    let values = data::load(&front.parsed.program, "model", &src, data_path, false)?;
    let compiled = compile(&front.parsed.program, &checked.typed, &src, &values)
        .map_err(|_| "the model could not be compiled".to_string())?;
    Ok(Arc::new(compiled))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// One chain; returns (seconds, gradient evaluations, kept positions).
fn time_run(model: &Arc<CompiledModel>, draws: usize) -> (f64, u64, Vec<Vec<f64>>) {
    let kept = Arc::new(Mutex::new((0, Vec::new())));
    let factory = |_: usize| {
        let evaluator = Evaluator::new(model.clone());
        let names = evaluator.output_names();
        Box::new(CountingModel {
            evaluator,
            names,
            evaluations: 0,
            kept: kept.clone(),
        }) as Box<dyn Model>
    };
    let config = SamplerConfig {
        num_chains: 1,
        parallel_chains: 1,
        num_warmup: 1000,
        num_samples: draws,
        seed: 1,
        ..Default::default()
    };
    let start = Instant::now();
    let output =
        run_chains(&config, &factory, &RunOptions::default()).expect("valid configuration");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        output.error_messages().is_empty(),
        "{:?}",
        output.error_messages()
    );
    let (evaluations, positions) = std::mem::take(&mut *kept.lock().unwrap());
    (seconds, evaluations, positions)
}

/// The gradient alone, `evaluations` times, cycling through `positions`.
fn time_gradients(model: &Arc<CompiledModel>, positions: &[Vec<f64>], evaluations: u64) -> f64 {
    let mut evaluator = Evaluator::new(model.clone());
    let mut grad = vec![0.0; model.n_unconstrained];
    let start = Instant::now();
    for i in 0..evaluations {
        let theta = &positions[(i as usize) % positions.len()];
        let _ = black_box(evaluator.log_density_gradient(black_box(theta), &mut grad, true));
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = Vec::new();
    let (mut draws, mut rounds) = (20_000usize, 5usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--draws" => draws = args.next().and_then(|v| v.parse().ok()).expect("--draws N"),
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds N")
            }
            _ => paths.push(arg.into()),
        }
    }
    let model_path = paths
        .first()
        .cloned()
        .unwrap_or_else(|| root.join("examples/eight_schools/eight_schools_noncentered.cmod"));
    let data_path = if paths.is_empty() {
        Some(root.join("examples/eight_schools/data.json"))
    } else {
        paths.get(1).cloned()
    };
    let model = match compile_model(&model_path, data_path.as_deref()) {
        Ok(model) => model,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    };
    let (mut per_gradient_run, mut per_gradient_alone) = (Vec::new(), Vec::new());
    let mut evaluations = 0;
    for _ in 0..rounds.max(1) {
        let (run_seconds, n, positions) = time_run(&model, draws);
        let alone_seconds = time_gradients(&model, &positions, n);
        evaluations = n;
        per_gradient_run.push(run_seconds * 1e9 / n as f64);
        per_gradient_alone.push(alone_seconds * 1e9 / n as f64);
    }
    let overheads: Vec<f64> = per_gradient_run
        .iter()
        .zip(&per_gradient_alone)
        .map(|(run, alone)| run - alone)
        .collect();
    let run = median(&mut per_gradient_run.clone());
    let alone = median(&mut per_gradient_alone.clone());
    let overhead = median(&mut overheads.clone());
    println!(
        "{}: dimension {}, 1 chain, 1000 warmup + {draws} draws, {rounds} rounds (medians)",
        model_path.display(),
        model.n_unconstrained
    );
    println!("gradient evaluations per run:    {evaluations}");
    println!("time per gradient in the run:    {run:.1} ns");
    println!("time per gradient, model alone:  {alone:.1} ns");
    println!("sampler overhead per gradient:   {overhead:.1} ns");
    println!(
        "overhead share of the run:       {:.1}%",
        100.0 * overhead / run
    );
}

//! Measures the sampler's own cost per gradient evaluation on a cheap
//! 10-dimensional model: the time of a whole run, less the time the model's
//! gradient alone takes for the same number of evaluations.
//!
//! Run with `cargo bench -p runtime --bench sampler_overhead`.

use rand::Rng;
use runtime::{run_chains, Model, Rejection, RunOptions, SamplerConfig};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static GRADIENT_EVALUATIONS: AtomicU64 = AtomicU64::new(0);

/// Independent normals with scales 1..10: as cheap a gradient as a model gets.
struct CheapNormal {
    inverse_variances: [f64; 10],
}

impl CheapNormal {
    fn new() -> Self {
        let mut inverse_variances = [0.0; 10];
        for (i, slot) in inverse_variances.iter_mut().enumerate() {
            *slot = 1.0 / ((i + 1) as f64).powi(2);
        }
        CheapNormal { inverse_variances }
    }

    fn gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let mut lp = 0.0;
        for ((g, x), w) in grad.iter_mut().zip(theta).zip(&self.inverse_variances) {
            lp -= 0.5 * x * x * w;
            *g = -x * w;
        }
        lp
    }
}

impl Model for CheapNormal {
    fn dim(&self) -> usize {
        10
    }
    fn output_names(&self) -> Vec<String> {
        (1..=10).map(|i| format!("x.{i}")).collect()
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        GRADIENT_EVALUATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(self.gradient(theta, grad))
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        _rng: &mut dyn Rng,
        out: &mut [f64],
    ) -> Result<(), Rejection> {
        out.copy_from_slice(theta);
        Ok(())
    }
}

/// Nanoseconds per gradient of the model alone, through the trait object
/// and with the counter, as the sampler calls it.
fn gradient_alone_nanoseconds(evaluations: u64) -> f64 {
    let mut model: Box<dyn Model> = Box::new(CheapNormal::new());
    let mut theta = [0.3; 10];
    let mut grad = [0.0; 10];
    let start = Instant::now();
    for i in 0..evaluations {
        theta[(i % 10) as usize] += 1e-9;
        black_box(
            model
                .log_density_gradient(black_box(&theta), &mut grad)
                .unwrap(),
        );
    }
    start.elapsed().as_nanos() as f64 / evaluations as f64
}

fn main() {
    let config = SamplerConfig {
        num_chains: 1,
        parallel_chains: 1,
        num_warmup: 1000,
        num_samples: 200_000,
        seed: 1,
        ..Default::default()
    };
    let factory = |_: usize| Box::new(CheapNormal::new()) as Box<dyn Model>;
    GRADIENT_EVALUATIONS.store(0, Ordering::Relaxed);
    let start = Instant::now();
    let output =
        run_chains(&config, &factory, &RunOptions::default()).expect("a valid configuration");
    let run_seconds = start.elapsed().as_secs_f64();
    assert!(output.error_messages().is_empty());
    let evaluations = GRADIENT_EVALUATIONS.load(Ordering::Relaxed);
    let per_gradient_in_run = run_seconds * 1e9 / evaluations as f64;
    let gradient_alone = gradient_alone_nanoseconds(evaluations);
    let overhead = per_gradient_in_run - gradient_alone;
    println!(
        "cheap 10-d normal, 1 chain, 1000 warmup + 200000 draws (draws kept in memory, no CSV)"
    );
    println!("gradient evaluations:            {evaluations}");
    println!("time per gradient in the run:    {per_gradient_in_run:.1} ns");
    println!("time per gradient, model alone:  {gradient_alone:.1} ns");
    println!("sampler overhead per gradient:   {overhead:.1} ns");
    println!(
        "overhead share of total:         {:.1}% (for this trivially cheap gradient; it shrinks as the gradient grows)",
        100.0 * overhead / per_gradient_in_run
    );
    for gradient_cost in [100.0, 1000.0] {
        println!(
            "  with a {gradient_cost:.0} ns gradient the same overhead would be {:.1}% of the total",
            100.0 * overhead / (overhead + gradient_cost)
        );
    }
}

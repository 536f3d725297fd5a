//! Samples Neal's funnel and prints the summary table, to see what users see.
//! Run with `cargo run -p runtime --example funnel_summary`.

use rand::Rng;
use runtime::{run_chains, Model, Rejection, RunOptions, SamplerConfig, Summary};

/// Neal's funnel in its centered form: v ~ N(0, 3), x_i ~ N(0, exp(v/2)).
struct NealsFunnel;

impl Model for NealsFunnel {
    fn dim(&self) -> usize {
        3
    }
    fn output_names(&self) -> Vec<String> {
        vec!["v".into(), "x.1".into(), "x.2".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let v = theta[0];
        let mut lp = -v * v / 18.0;
        grad[0] = -v / 9.0;
        let inverse_variance = (-v).exp();
        for i in 1..theta.len() {
            lp += -0.5 * theta[i] * theta[i] * inverse_variance - 0.5 * v;
            grad[0] += 0.5 * theta[i] * theta[i] * inverse_variance - 0.5;
            grad[i] = -theta[i] * inverse_variance;
        }
        Ok(lp)
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

fn main() {
    let config = SamplerConfig {
        seed: 1,
        ..Default::default()
    };
    let output = run_chains(
        &config,
        &|_| Box::new(NealsFunnel) as Box<dyn Model>,
        &RunOptions::default(),
    )
    .expect("a valid configuration");
    let chains: Vec<_> = output
        .chains
        .iter()
        .map(|chain| chain.draws.clone())
        .collect();
    print!("{}", Summary::from_chains(&chains).to_table_string());
}

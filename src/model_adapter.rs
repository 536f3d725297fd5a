//! Adapts a compiled model's evaluator to the runtime's `Model` trait, so the sampler can run it.

use compiler::compiled::{CompiledModel, Evaluator};
use runtime::{Model, Rejection};
use std::sync::Arc;

/// One chain's view of a compiled model.
pub struct CompiledChainModel {
    evaluator: Evaluator,
    names: Vec<String>,
}

impl CompiledChainModel {
    pub fn new(model: Arc<CompiledModel>) -> Self {
        let evaluator = Evaluator::new(model);
        let names = evaluator.output_names();
        CompiledChainModel { evaluator, names }
    }
}

impl Model for CompiledChainModel {
    fn dim(&self) -> usize {
        self.evaluator.model().n_unconstrained
    }

    fn output_names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
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

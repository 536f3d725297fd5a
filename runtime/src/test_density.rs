//! Test only: a model made from a log-density-and-gradient function, for
//! the sampler's unit tests (its draws are its unconstrained values).

use crate::model::{Model, Rejection};

/// A `dim`-dimensional model whose log density (writing its gradient) is `f`.
pub(crate) struct Density {
    pub dim: usize,
    pub f: fn(&[f64], &mut [f64]) -> f64,
}

impl Density {
    pub(crate) fn boxed(dim: usize, f: fn(&[f64], &mut [f64]) -> f64) -> Box<dyn Model> {
        Box::new(Density { dim, f })
    }
}

impl Model for Density {
    fn dim(&self) -> usize {
        self.dim
    }
    fn output_names(&self) -> Vec<String> {
        (1..=self.dim).map(|i| format!("x.{i}")).collect()
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        Ok((self.f)(theta, grad))
    }
    fn write_draw(
        &mut self,
        theta: &[f64],
        _rng: &mut dyn rand::Rng,
        out: &mut [f64],
    ) -> Result<(), Rejection> {
        out.copy_from_slice(theta);
        Ok(())
    }
}

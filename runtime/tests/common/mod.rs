//! Hand-written densities for the sampler tests, and small helpers.
#![allow(dead_code)]

use rand::Rng;
use runtime::{Model, Rejection};

/// Independent normals with the given scales: log p = -sum (x_i / s_i)^2 / 2.
#[derive(Clone)]
pub struct IndependentNormal {
    pub scales: Vec<f64>,
}

impl Model for IndependentNormal {
    fn dim(&self) -> usize {
        self.scales.len()
    }
    fn output_names(&self) -> Vec<String> {
        (1..=self.scales.len()).map(|i| format!("x.{i}")).collect()
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let mut lp = 0.0;
        for ((g, x), s) in grad.iter_mut().zip(theta).zip(&self.scales) {
            let z = x / s;
            lp -= 0.5 * z * z;
            *g = -z / s;
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

/// A bivariate normal with unit variances and correlation `rho`.
#[derive(Clone)]
pub struct CorrelatedNormal {
    pub rho: f64,
}

impl Model for CorrelatedNormal {
    fn dim(&self) -> usize {
        2
    }
    fn output_names(&self) -> Vec<String> {
        vec!["x.1".into(), "x.2".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let (x, y, r) = (theta[0], theta[1], self.rho);
        let scale = 1.0 / (1.0 - r * r);
        grad[0] = -scale * (x - r * y);
        grad[1] = -scale * (y - r * x);
        Ok(-0.5 * scale * (x * x - 2.0 * r * x * y + y * y))
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

/// Neal's funnel in its centered form: v ~ N(0, 3), x_i ~ N(0, exp(v/2)).
#[derive(Clone)]
pub struct NealsFunnel {
    pub num_x: usize,
}

impl Model for NealsFunnel {
    fn dim(&self) -> usize {
        self.num_x + 1
    }
    fn output_names(&self) -> Vec<String> {
        let mut names = vec!["v".to_string()];
        names.extend((1..=self.num_x).map(|i| format!("x.{i}")));
        names
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let v = theta[0];
        let mut lp = -v * v / 18.0;
        grad[0] = -v / 9.0;
        let inverse_variance = (-v).exp();
        for i in 1..theta.len() {
            let x = theta[i];
            lp += -0.5 * x * x * inverse_variance - 0.5 * v;
            grad[0] += 0.5 * x * x * inverse_variance - 0.5;
            grad[i] = -x * inverse_variance;
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

/// An equal mixture of N(-10, 1) and N(10, 1): chains started in different
/// modes stay there.
#[derive(Clone)]
pub struct Bimodal;

impl Model for Bimodal {
    fn dim(&self) -> usize {
        1
    }
    fn output_names(&self) -> Vec<String> {
        vec!["x".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let x = theta[0];
        let a = -0.5 * (x + 10.0).powi(2);
        let b = -0.5 * (x - 10.0).powi(2);
        let max = a.max(b);
        let (wa, wb) = ((a - max).exp(), (b - max).exp());
        grad[0] = (wa * (-(x + 10.0)) + wb * (-(x - 10.0))) / (wa + wb);
        Ok(max + (wa + wb).ln())
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

/// Rejects every point: initialization must fail with one clear message.
#[derive(Clone)]
pub struct AlwaysRejects;

impl Model for AlwaysRejects {
    fn dim(&self) -> usize {
        2
    }
    fn output_names(&self) -> Vec<String> {
        vec!["a".into(), "b".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], _grad: &mut [f64]) -> Result<f64, Rejection> {
        Err(Rejection::new(format!(
            "normal_lpdf: Scale parameter is {}, but must be positive",
            theta[0] - 10.0
        )))
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

/// A standard normal that the model rejects above `limit`, as a Stan model
/// with `reject()` would: proposals past it must count as divergences.
#[derive(Clone)]
pub struct RejectsAbove {
    pub limit: f64,
}

impl Model for RejectsAbove {
    fn dim(&self) -> usize {
        1
    }
    fn output_names(&self) -> Vec<String> {
        vec!["x".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        if theta[0] > self.limit {
            return Err(Rejection::new(format!(
                "x is {}, above the limit {}",
                theta[0], self.limit
            )));
        }
        grad[0] = -theta[0];
        Ok(-0.5 * theta[0] * theta[0])
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

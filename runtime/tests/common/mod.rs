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

/// A linear regression as posteriordb's kidiq-kidscore_momiq: y = a + b x +
/// N(0, sigma) with x around 100, flat priors on a and b, sigma > 0 as
/// theta[2] = log sigma (with its Jacobian). From a start in (-2, 2) the
/// first draws are far in the tails, where the gradients are enormous.
#[derive(Clone)]
pub struct FarRegression {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl FarRegression {
    /// 434 observations made by a fixed recurrence (no RNG).
    pub fn new() -> Self {
        let n = 434;
        let mut x = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let u = (i as f64 * 0.618_033_988_75).fract();
            let v = (i as f64 * 0.414_213_562_37).fract();
            let xi = 100.0 + 15.0 * (2.0 * u - 1.0) * 1.7;
            x.push(xi);
            y.push(26.0 + 0.6 * xi + 18.0 * (2.0 * v - 1.0) * 1.7);
        }
        FarRegression { x, y }
    }
}

impl Model for FarRegression {
    fn dim(&self) -> usize {
        3
    }
    fn output_names(&self) -> Vec<String> {
        vec!["a".into(), "b".into(), "log_sigma".into()]
    }
    fn log_density_gradient(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, Rejection> {
        let (a, b, log_sigma) = (theta[0], theta[1], theta[2]);
        let inverse_variance = (-2.0 * log_sigma).exp();
        let (mut squares, mut ga, mut gb) = (0.0, 0.0, 0.0);
        for (x, y) in self.x.iter().zip(&self.y) {
            let r = y - a - b * x;
            squares += r * r;
            ga += r;
            gb += r * x;
        }
        let n = self.x.len() as f64;
        grad[0] = ga * inverse_variance;
        grad[1] = gb * inverse_variance;
        // -n log sigma - squares / (2 sigma^2), plus the Jacobian log sigma.
        grad[2] = -n + squares * inverse_variance + 1.0;
        Ok(-(n - 1.0) * log_sigma - 0.5 * squares * inverse_variance)
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

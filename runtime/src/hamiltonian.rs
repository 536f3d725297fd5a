//! Points in phase space, the Hamiltonian H(q, p) = -log p(q) + p^T M^-1 p / 2,
//! and the leapfrog integrator that moves a point along it.

use crate::metric::Metric;
use crate::model::{Model, Rejection};

/// A position with its momentum and the log density and gradient at the position.
#[derive(Clone, Debug, PartialEq)]
pub struct PhasePoint {
    pub position: Vec<f64>,
    pub momentum: Vec<f64>,
    /// Gradient of the log density at `position`.
    pub gradient: Vec<f64>,
    /// Log density at `position`; -inf where the model rejected the point.
    pub log_density: f64,
}

impl PhasePoint {
    pub fn new(dim: usize) -> Self {
        PhasePoint {
            position: vec![0.0; dim],
            momentum: vec![0.0; dim],
            gradient: vec![0.0; dim],
            log_density: f64::NEG_INFINITY,
        }
    }

    /// Copies `other` into `self` without allocating.
    pub fn copy_from(&mut self, other: &PhasePoint) {
        self.position.copy_from_slice(&other.position);
        self.momentum.copy_from_slice(&other.momentum);
        self.gradient.copy_from_slice(&other.gradient);
        self.log_density = other.log_density;
    }
}

/// The model and metric together, with scratch space, so that evaluating
/// the Hamiltonian and stepping the integrator allocate nothing.
pub struct Hamiltonian {
    pub model: Box<dyn Model>,
    pub metric: Metric,
    scratch: Vec<f64>,
    /// The message of the most recent rejection by the model, if any.
    pub last_rejection: Option<Rejection>,
    /// Number of gradient evaluations so far.
    pub num_gradient_evaluations: u64,
}

impl Hamiltonian {
    pub fn new(model: Box<dyn Model>, metric: Metric) -> Self {
        let dim = model.dim();
        Hamiltonian {
            model,
            metric,
            scratch: vec![0.0; dim],
            last_rejection: None,
            num_gradient_evaluations: 0,
        }
    }

    pub fn dim(&self) -> usize {
        self.scratch.len()
    }

    /// Recomputes the log density and gradient at the point's position. A
    /// rejection, or a NaN log density, leaves the point at log density -inf,
    /// which the sampler treats as a divergence (as Stan sets V = +inf).
    pub fn update_log_density(&mut self, point: &mut PhasePoint) {
        self.num_gradient_evaluations += 1;
        point.log_density = match self
            .model
            .log_density_gradient(&point.position, &mut point.gradient)
        {
            Ok(value) if !value.is_nan() => value,
            Ok(_) => f64::NEG_INFINITY,
            Err(rejection) => {
                self.last_rejection = Some(rejection);
                f64::NEG_INFINITY
            }
        };
    }

    /// H = -log density + kinetic energy; NaN is reported as +inf.
    pub fn energy(&mut self, point: &PhasePoint) -> f64 {
        let energy = -point.log_density
            + self
                .metric
                .kinetic_energy(&point.momentum, &mut self.scratch);
        if energy.is_nan() {
            f64::INFINITY
        } else {
            energy
        }
    }

    /// The energy of `point`, as `energy`, writing its velocity M^-1 p into
    /// `velocity` on the way (the sampler needs both at every leaf).
    pub fn energy_and_velocity(&self, point: &PhasePoint, velocity: &mut [f64]) -> f64 {
        let energy = -point.log_density
            + self
                .metric
                .velocity_and_kinetic_energy(&point.momentum, velocity);
        if energy.is_nan() {
            f64::INFINITY
        } else {
            energy
        }
    }

    /// One leapfrog step of size `step_size` (negative to go back in time):
    /// half step in momentum, full step in position, half step in momentum.
    pub fn leapfrog(&mut self, point: &mut PhasePoint, step_size: f64) {
        let half_step = 0.5 * step_size;
        for (p, g) in point.momentum.iter_mut().zip(&point.gradient) {
            *p += half_step * g;
        }
        self.metric.velocity(&point.momentum, &mut self.scratch);
        for (q, v) in point.position.iter_mut().zip(&self.scratch) {
            *q += step_size * v;
        }
        self.update_log_density(point);
        for (p, g) in point.momentum.iter_mut().zip(&point.gradient) {
            *p += half_step * g;
        }
    }
}

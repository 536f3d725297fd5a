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

/// A phase point's vectors, to read (a slot of the sampler's phase pool).
pub struct PointRef<'a> {
    pub position: &'a [f64],
    pub momentum: &'a [f64],
    pub gradient: &'a [f64],
}

/// Where a leapfrog step writes the point it makes, with its velocity M^-1 p.
pub struct PointMut<'a> {
    pub position: &'a mut [f64],
    pub momentum: &'a mut [f64],
    pub gradient: &'a mut [f64],
    pub velocity: &'a mut [f64],
}

/// -log density + kinetic energy, with NaN reported as +inf.
#[inline]
fn energy_of(log_density: f64, kinetic: f64) -> f64 {
    let energy = -log_density + kinetic;
    if energy.is_nan() {
        f64::INFINITY
    } else {
        energy
    }
}

/// The momentum half step and the position step of a leapfrog step with a
/// diagonal metric, in one pass. The slices are separate arguments so that
/// the compiler knows they do not overlap.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn first_half_step_diagonal(
    position: &mut [f64],
    momentum: &mut [f64],
    from_position: &[f64],
    from_momentum: &[f64],
    from_gradient: &[f64],
    inverse_diagonal: &[f64],
    half_step: f64,
    step_size: f64,
) {
    let n = position.len();
    let (momentum, from_position, from_momentum, from_gradient, inverse) = (
        &mut momentum[..n],
        &from_position[..n],
        &from_momentum[..n],
        &from_gradient[..n],
        &inverse_diagonal[..n],
    );
    for i in 0..n {
        let p = from_momentum[i] + half_step * from_gradient[i];
        momentum[i] = p;
        position[i] = from_position[i] + step_size * (inverse[i] * p);
    }
}

/// The closing momentum half step of a leapfrog step with a diagonal
/// metric, writing the velocity M^-1 p; returns the kinetic energy.
#[inline(always)]
fn second_half_step_diagonal(
    momentum: &mut [f64],
    velocity: &mut [f64],
    gradient: &[f64],
    inverse_diagonal: &[f64],
    half_step: f64,
) -> f64 {
    let n = momentum.len();
    let (velocity, gradient, inverse) =
        (&mut velocity[..n], &gradient[..n], &inverse_diagonal[..n]);
    for i in 0..n {
        let p = momentum[i] + half_step * gradient[i];
        momentum[i] = p;
        velocity[i] = inverse[i] * p;
    }
    // A separate pass, so that the one above runs on vectors: a sum in
    // index order cannot.
    let mut twice_kinetic = 0.0;
    for i in 0..n {
        twice_kinetic += momentum[i] * momentum[i] * inverse[i];
    }
    0.5 * twice_kinetic
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
        point.log_density = self.log_density_gradient(&point.position, &mut point.gradient);
    }

    /// The log density at `position`, writing its gradient; as
    /// `update_log_density`, a rejection or NaN gives -inf.
    #[inline]
    fn log_density_gradient(&mut self, position: &[f64], gradient: &mut [f64]) -> f64 {
        self.num_gradient_evaluations += 1;
        match self.model.log_density_gradient(position, gradient) {
            Ok(value) if !value.is_nan() => value,
            Ok(_) => f64::NEG_INFINITY,
            Err(rejection) => {
                self.last_rejection = Some(rejection);
                f64::NEG_INFINITY
            }
        }
    }

    /// H = -log density + kinetic energy; NaN is reported as +inf.
    pub fn energy(&mut self, point: &PhasePoint) -> f64 {
        energy_of(
            point.log_density,
            self.metric
                .kinetic_energy(&point.momentum, &mut self.scratch),
        )
    }

    /// The energy of a point with this log density and momentum, as
    /// `energy`, writing its velocity M^-1 p into `velocity` on the way (the
    /// sampler needs both for every point of a trajectory).
    pub fn energy_and_velocity(
        &self,
        log_density: f64,
        momentum: &[f64],
        velocity: &mut [f64],
    ) -> f64 {
        energy_of(
            log_density,
            self.metric.velocity_and_kinetic_energy(momentum, velocity),
        )
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

    /// One leapfrog step from `from`, written into `to` together with the
    /// velocity at the new point; returns the new point's log density and
    /// energy. The same arithmetic as `leapfrog` followed by
    /// `energy_and_velocity`, element by element, so the same values; with
    /// the diagonal metric the opening half step and the position step are
    /// one pass, and the closing half step with the velocity another.
    #[inline(always)]
    pub fn leapfrog_into(
        &mut self,
        from: PointRef<'_>,
        to: PointMut<'_>,
        step_size: f64,
    ) -> (f64, f64) {
        let half_step = 0.5 * step_size;
        let n = to.position.len();
        let PointMut {
            position,
            momentum,
            gradient,
            velocity,
        } = to;
        let (position, momentum, gradient, velocity) = (
            &mut position[..n],
            &mut momentum[..n],
            &mut gradient[..n],
            &mut velocity[..n],
        );
        let (from_position, from_momentum, from_gradient) = (
            &from.position[..n],
            &from.momentum[..n],
            &from.gradient[..n],
        );
        match &self.metric {
            Metric::Diagonal { inverse_diagonal } => first_half_step_diagonal(
                position,
                momentum,
                from_position,
                from_momentum,
                from_gradient,
                inverse_diagonal,
                half_step,
                step_size,
            ),
            Metric::Dense { .. } | Metric::LowRank { .. } => {
                for i in 0..n {
                    momentum[i] = from_momentum[i] + half_step * from_gradient[i];
                }
                self.metric.velocity(momentum, &mut self.scratch);
                for i in 0..n {
                    position[i] = from_position[i] + step_size * self.scratch[i];
                }
            }
        }
        let log_density = self.log_density_gradient(position, gradient);
        let kinetic = match &self.metric {
            Metric::Diagonal { inverse_diagonal } => {
                second_half_step_diagonal(momentum, velocity, gradient, inverse_diagonal, half_step)
            }
            Metric::Dense { .. } | Metric::LowRank { .. } => {
                for i in 0..n {
                    momentum[i] += half_step * gradient[i];
                }
                self.metric.velocity_and_kinetic_energy(momentum, velocity)
            }
        };
        (log_density, energy_of(log_density, kinetic))
    }
}

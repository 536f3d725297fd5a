//! One NUTS transition exactly as Stan's `base_nuts`: multinomial sampling
//! over the trajectory, biased progressive sampling between subtrees, and
//! the generalized no-U-turn criterion with the extra checks across subtree
//! boundaries that Stan has used since 2.26. Also Stan's step-size heuristic.
//!
//! The points of the trajectory live in a [`PhasePool`]: each leapfrog step
//! writes a new slot, and the proposals, the trajectory's ends and the
//! subtrees' first points are slot indices, so where Stan copies a phase
//! point or a momentum this code moves an index. The sums of momenta (rho)
//! are one buffer per tree level, allocated once, so a transition allocates
//! nothing once the pool has grown to the deepest trajectory.

use crate::chain_rng::ChainRng;
use crate::hamiltonian::{Hamiltonian, PhasePoint};
use crate::phase_pool::PhasePool;
use crate::trajectory_weights::{Logarithm, Plain, Weight};
use crate::u_turn::{merge_and_check, merge_and_check_pair, Boundary};
use rand::RngExt;
use std::marker::PhantomData;

/// Stan's divergence threshold: an energy error above this ends the trajectory.
pub const MAX_ENERGY_ERROR: f64 = 1000.0;

/// What one transition did: the values of the sampler columns of Stan CSV.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransitionStats {
    /// `lp__`: the log density at the new position.
    pub log_density: f64,
    /// `accept_stat__`: mean Metropolis acceptance over the whole trajectory.
    pub accept_stat: f64,
    /// `stepsize__`.
    pub step_size: f64,
    /// `treedepth__`.
    pub tree_depth: usize,
    /// `n_leapfrog__`.
    pub n_leapfrog: usize,
    /// `divergent__`.
    pub divergent: bool,
    /// `energy__`: the Hamiltonian at the selected point.
    pub energy: f64,
}

/// What warmup's adaptation from draws and gradients learns from a
/// transition besides its CSV columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TrajectoryFacts {
    /// Leapfrog steps from the start point to the selected point, signed by
    /// direction (0: the chain stayed where it was).
    pub steps_from_start: i64,
}

/// The sums of momenta of the two halves of a subtree of one depth (depth 2
/// and more; a depth-1 subtree sums its two points directly).
struct TreeLevel {
    rho_init: Vec<f64>,
    rho_final: Vec<f64>,
}

/// A finished valid subtree: its multinomial proposal and its first point
/// (slots the subtree holds once each) and its summed weights. Its last
/// point is the builder's current point.
struct Subtree<W> {
    propose: usize,
    beg: usize,
    sum_weight: W,
}

/// Builds the subtrees of one transition: Stan's `build_tree` with its
/// running totals, moving through the pool from `current`.
struct TreeBuilder<'a, W> {
    hamiltonian: &'a mut Hamiltonian,
    rng: &'a mut ChainRng,
    pool: &'a mut PhasePool,
    /// The last point made (held once by the builder).
    current: usize,
    h0: f64,
    signed_step: f64,
    n_leapfrog: usize,
    sum_metro_prob: f64,
    divergent: bool,
    /// A point too heavy for the weights' form `W` (see `trajectory_weights`).
    too_heavy: bool,
    weights: PhantomData<W>,
}

impl<W: Weight> TreeBuilder<'_, W> {
    /// Makes the current point `slot` (the end the next subtree grows from).
    fn start_from(&mut self, slot: usize) {
        self.pool.retain(slot);
        self.pool.release(self.current);
        self.current = slot;
    }

    /// One leapfrog step from the current point to a new one; its weight
    /// exp(h0 - h), or None if it diverged or is too heavy for `W`.
    #[inline(always)]
    fn leaf(&mut self) -> Option<W> {
        let next = self.pool.acquire();
        let (from, to) = self.pool.pair(self.current, next);
        let (log_density, h) = self.hamiltonian.leapfrog_into(from, to, self.signed_step);
        self.pool.set_log_density(next, log_density);
        self.pool.set_energy(next, h);
        let direction = if self.signed_step > 0.0 { 1 } else { -1 };
        let steps = self.pool.steps_from_start(self.current) + direction;
        self.pool.set_steps_from_start(next, steps);
        self.pool.release(self.current);
        self.current = next;
        self.n_leapfrog += 1;
        if h - self.h0 > MAX_ENERGY_ERROR {
            self.divergent = true;
        }
        let Some(weight) = W::of_point(self.h0 - h) else {
            self.too_heavy = true;
            return None;
        };
        self.sum_metro_prob += weight.acceptance();
        if self.divergent {
            None
        } else {
            Some(weight)
        }
    }

    #[inline(always)]
    fn boundary(&self, slot: usize) -> Boundary<'_> {
        Boundary {
            momentum: self.pool.momentum(slot),
            velocity: self.pool.velocity(slot),
        }
    }

    /// Stan's choice between the proposals of a subtree's two halves: true
    /// for the final half's, with probability its weight / the merged
    /// weight.
    #[inline(always)]
    fn takes_final(&mut self, sum_weight_final: W, sum_weight_subtree: W) -> bool {
        sum_weight_final.exceeds(sum_weight_subtree)
            || W::chooses(
                self.rng.random::<f64>(),
                sum_weight_final,
                sum_weight_subtree,
            )
    }

    /// The subtree if it did not make a U-turn; otherwise None, letting go
    /// of its slots.
    #[inline(always)]
    fn keep_if(&mut self, persist: bool, subtree: Subtree<W>) -> Option<Subtree<W>> {
        if persist {
            Some(subtree)
        } else {
            self.pool.release(subtree.propose);
            self.pool.release(subtree.beg);
            None
        }
    }

    /// A subtree of one point (its sum of momenta is its momentum).
    fn single(&mut self) -> Option<Subtree<W>> {
        let weight = self.leaf()?;
        let point = self.current;
        self.pool.retain(point);
        self.pool.retain(point);
        Some(Subtree {
            propose: point,
            beg: point,
            sum_weight: weight,
        })
    }

    /// Stan's `build_tree` for `depth >= 1`: 2^depth leapfrog steps from the
    /// current point, the sum of their momenta written into `rho_out`. None
    /// if the subtree diverged or made a U-turn somewhere inside (having let
    /// go of every slot it held).
    fn subtree(
        &mut self,
        depth: usize,
        levels: &mut [TreeLevel],
        rho_out: &mut [f64],
    ) -> Option<Subtree<W>> {
        if depth == 1 {
            let weight_a = self.leaf()?;
            let a = self.current;
            // Held as the subtree's first point (the builder's own hold goes
            // with the next step).
            self.pool.retain(a);
            let Some(weight_b) = self.leaf() else {
                self.pool.release(a);
                return None;
            };
            let b = self.current;
            let sum_weight = weight_a.plus(weight_b);
            let propose = if self.takes_final(weight_b, sum_weight) {
                b
            } else {
                a
            };
            self.pool.retain(propose);
            let persist = merge_and_check_pair(rho_out, self.boundary(a), self.boundary(b));
            let subtree = Subtree {
                propose,
                beg: a,
                sum_weight,
            };
            return self.keep_if(persist, subtree);
        }

        let (level, deeper_levels) = levels.split_last_mut().expect("one level per depth");
        let init = self.subtree(depth - 1, deeper_levels, &mut level.rho_init)?;
        let init_end = self.current;
        self.pool.retain(init_end);
        let Some(last) = self.subtree(depth - 1, deeper_levels, &mut level.rho_final) else {
            for slot in [init.propose, init.beg, init_end] {
                self.pool.release(slot);
            }
            return None;
        };

        // Multinomial sample from the final subtree (uniform progressive sampling).
        let sum_weight = init.sum_weight.plus(last.sum_weight);
        let (propose, other) = if self.takes_final(last.sum_weight, sum_weight) {
            (last.propose, init.propose)
        } else {
            (init.propose, last.propose)
        };
        self.pool.release(other);

        let pool = &*self.pool;
        let persist = merge_and_check(
            rho_out,
            &level.rho_init,
            &level.rho_final,
            pool.velocity(init.beg),
            pool.velocity(self.current),
            self.boundary(init_end),
            self.boundary(last.beg),
        );
        self.pool.release(init_end);
        self.pool.release(last.beg);
        let subtree = Subtree {
            propose,
            beg: init.beg,
            sum_weight,
        };
        self.keep_if(persist, subtree)
    }
}

/// The sums of momenta of a transition: the whole trajectory's, its
/// backward part's and its forward part's.
struct TrajectorySums {
    rho: Vec<f64>,
    rho_bck: Vec<f64>,
    rho_fwd: Vec<f64>,
}

/// Why the step-size heuristic gave up, in Stan's words.
#[derive(Clone, Debug, PartialEq)]
pub enum StepSizeSearchError {
    Improper,
    NoAcceptableStepSize,
}

impl std::fmt::Display for StepSizeSearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepSizeSearchError::Improper => f.write_str(
                "the step size grew past 1e7 while searching for a reasonable one, so the posterior \
                 is probably improper: check that every parameter has a proper prior or likelihood",
            ),
            StepSizeSearchError::NoAcceptableStepSize => f.write_str(
                "no acceptably small step size could be found; perhaps the log density is not \
                 continuous, or its gradient is wrong",
            ),
        }
    }
}

/// A NUTS sampler for one chain: the Hamiltonian, the chain's RNG, the
/// current point, and the preallocated trajectory storage.
pub struct NutsSampler {
    pub hamiltonian: Hamiltonian,
    pub rng: ChainRng,
    /// The nominal step size (Stan's `nom_epsilon_`).
    pub step_size: f64,
    pub max_depth: usize,
    pool: PhasePool,
    /// The current point's slot in the pool.
    current: usize,
    sums: TrajectorySums,
    /// Levels for subtree depths 2..=max_depth.
    levels: Vec<TreeLevel>,
    /// The trial point of the step-size search.
    trial: PhasePoint,
    /// What the last transition did besides its CSV columns.
    pub last_trajectory: TrajectoryFacts,
}

impl NutsSampler {
    /// A sampler positioned at `initial`, whose log density and gradient must
    /// already be filled in (initialization does that).
    pub fn new(
        hamiltonian: Hamiltonian,
        rng: ChainRng,
        initial: PhasePoint,
        step_size: f64,
        max_depth: usize,
    ) -> Self {
        let dim = hamiltonian.dim();
        let mut pool = PhasePool::new(dim, 2 * max_depth + 8);
        let current = pool.acquire();
        pool.store(
            current,
            &initial.position,
            &initial.momentum,
            &initial.gradient,
            initial.log_density,
        );
        let vector = || vec![0.0; dim];
        NutsSampler {
            hamiltonian,
            rng,
            step_size,
            max_depth,
            pool,
            current,
            sums: TrajectorySums {
                rho: vector(),
                rho_bck: vector(),
                rho_fwd: vector(),
            },
            levels: (1..max_depth)
                .map(|_| TreeLevel {
                    rho_init: vector(),
                    rho_final: vector(),
                })
                .collect(),
            trial: PhasePoint::new(dim),
            last_trajectory: TrajectoryFacts::default(),
        }
    }

    /// The current position on the unconstrained scale.
    pub fn position(&self) -> &[f64] {
        self.pool.position(self.current)
    }

    /// The log density at the current position.
    pub fn log_density(&self) -> f64 {
        self.pool.log_density(self.current)
    }

    /// Stan's `init_stepsize`: doubles or halves the nominal step size until
    /// the acceptance of one leapfrog step from the current point crosses 0.8.
    pub fn find_reasonable_step_size(&mut self) -> Result<(), StepSizeSearchError> {
        if self.step_size == 0.0 || self.step_size > 1e7 || self.step_size.is_nan() {
            return Ok(());
        }
        let mut trial = std::mem::replace(&mut self.trial, PhasePoint::new(0));
        let result = self.search_step_size(&mut trial);
        self.trial = trial;
        result
    }

    fn energy_change_of_one_step(&mut self, trial: &mut PhasePoint) -> f64 {
        let current = self.current;
        trial.position.copy_from_slice(self.pool.position(current));
        trial.gradient.copy_from_slice(self.pool.gradient(current));
        trial.log_density = self.pool.log_density(current);
        self.hamiltonian
            .metric
            .sample_momentum(&mut self.rng, &mut trial.momentum);
        let h0 = self.hamiltonian.energy(trial);
        self.hamiltonian.leapfrog(trial, self.step_size);
        let h = self.hamiltonian.energy(trial);
        h0 - h
    }

    fn search_step_size(&mut self, trial: &mut PhasePoint) -> Result<(), StepSizeSearchError> {
        let log_target = 0.8f64.ln();
        let delta_h = self.energy_change_of_one_step(trial);
        let direction_up = delta_h > log_target;
        loop {
            let delta_h = self.energy_change_of_one_step(trial);
            // A NaN energy change is neither above nor below: the search stops.
            let (above, below) = (delta_h > log_target, delta_h < log_target);
            if direction_up && !above {
                break;
            }
            if !direction_up && !below {
                break;
            }
            self.step_size = if direction_up {
                2.0 * self.step_size
            } else {
                0.5 * self.step_size
            };
            if self.step_size > 1e7 {
                return Err(StepSizeSearchError::Improper);
            }
            if self.step_size == 0.0 {
                return Err(StepSizeSearchError::NoAcceptableStepSize);
            }
        }
        Ok(())
    }

    /// One NUTS transition from the current point: Stan's `transition`.
    pub fn transition(&mut self) -> TransitionStats {
        let h0 = self.draw_momentum();
        // Weights as plain numbers, unless a point is too heavy for them:
        // then the same trajectory again (the generator rewound to the same
        // draws) with weights as logarithms.
        let rewind = self.rng.get_word_pos();
        if let Some(stats) = self.build_trajectory::<Plain>(h0) {
            return stats;
        }
        self.rng.set_word_pos(rewind);
        self.build_trajectory::<Logarithm>(h0)
            .expect("logarithms hold every weight")
    }

    /// Draws the current point's momentum and sets its velocity and energy,
    /// which it returns.
    pub(crate) fn draw_momentum(&mut self) -> f64 {
        let start = self.current;
        self.hamiltonian
            .metric
            .sample_momentum(&mut self.rng, self.pool.momentum_mut(start));
        let log_density = self.pool.log_density(start);
        let (momentum, velocity) = self.pool.momentum_and_velocity_mut(start);
        let h0 = self
            .hamiltonian
            .energy_and_velocity(log_density, momentum, velocity);
        self.pool.set_energy(start, h0);
        h0
    }

    /// The tree building of a transition from the current point, whose
    /// momentum, velocity and energy `h0` are set; None (holding only the
    /// current point again) if a point's weight is too heavy for `W`.
    pub(crate) fn build_trajectory<W: Weight>(&mut self, h0: f64) -> Option<TransitionStats> {
        let epsilon = self.step_size;
        let start = self.current;
        // `sums.rho` needs no start value: the first doubling writes it.
        let sums = &mut self.sums;
        // The trajectory's ends, the sample, and the first points of the
        // latest forward and backward subtrees: all the start point.
        let (mut z_fwd, mut z_bck, mut z_sample) = (start, start, start);
        let (mut fwd_bck, mut bck_fwd) = (start, start);
        // Five roles, and one more hold that keeps the start point in the
        // pool in case the trajectory must be built again.
        for _ in 0..6 {
            self.pool.retain(start);
        }
        self.pool.set_steps_from_start(start, 0);
        let mut builder = TreeBuilder::<W> {
            hamiltonian: &mut self.hamiltonian,
            rng: &mut self.rng,
            pool: &mut self.pool,
            current: start,
            h0,
            signed_step: epsilon,
            n_leapfrog: 0,
            sum_metro_prob: 0.0,
            divergent: false,
            too_heavy: false,
            weights: PhantomData,
        };
        let mut sum_weight = W::START;
        let mut depth = 0;

        while depth < self.max_depth {
            let levels = &mut self.levels[..depth.saturating_sub(1)];
            let subtree;
            if builder.rng.random::<f64>() > 0.5 {
                // Extend the trajectory forward.
                // The old trajectory becomes the backward part; its forward
                // end is the old z_fwd (Stan: p_bck_fwd = p_fwd_fwd).
                builder.start_from(z_fwd);
                std::mem::swap(&mut sums.rho_bck, &mut sums.rho);
                builder.pool.retain(z_fwd);
                builder.pool.release(bck_fwd);
                bck_fwd = z_fwd;
                builder.signed_step = epsilon;
                subtree = if depth == 0 {
                    builder.single()
                } else {
                    builder.subtree(depth, levels, &mut sums.rho_fwd)
                };
                builder.pool.retain(builder.current);
                builder.pool.release(z_fwd);
                z_fwd = builder.current;
                let Some(subtree) = &subtree else { break };
                builder.pool.release(fwd_bck);
                fwd_bck = subtree.beg;
            } else {
                // Extend the trajectory backward.
                // The old trajectory becomes the forward part; its backward
                // end is the old z_bck (Stan: p_fwd_bck = p_bck_bck).
                builder.start_from(z_bck);
                std::mem::swap(&mut sums.rho_fwd, &mut sums.rho);
                builder.pool.retain(z_bck);
                builder.pool.release(fwd_bck);
                fwd_bck = z_bck;
                builder.signed_step = -epsilon;
                subtree = if depth == 0 {
                    builder.single()
                } else {
                    builder.subtree(depth, levels, &mut sums.rho_bck)
                };
                builder.pool.retain(builder.current);
                builder.pool.release(z_bck);
                z_bck = builder.current;
                let Some(subtree) = &subtree else { break };
                builder.pool.release(bck_fwd);
                bck_fwd = subtree.beg;
            }
            let subtree = subtree.expect("a valid subtree");
            depth += 1;

            // Biased progressive sampling: prefer the new subtree, with
            // probability min(1, its weight / the old trajectory's).
            let take_new = subtree.sum_weight.exceeds(sum_weight)
                || W::chooses(builder.rng.random::<f64>(), subtree.sum_weight, sum_weight);
            if take_new {
                builder.pool.release(z_sample);
                z_sample = subtree.propose;
            } else {
                builder.pool.release(subtree.propose);
            }
            sum_weight = sum_weight.plus(subtree.sum_weight);

            // The merged trajectory, then across the boundary between the old
            // part and the new subtree, in both directions.
            // After the first doubling the trajectory is two points, and
            // the three checks are one (as in a depth-1 subtree).
            let persist = if depth == 1 {
                merge_and_check_pair(
                    &mut sums.rho,
                    builder.boundary(z_bck),
                    builder.boundary(z_fwd),
                )
            } else {
                let pool = &*builder.pool;
                merge_and_check(
                    &mut sums.rho,
                    &sums.rho_bck,
                    &sums.rho_fwd,
                    pool.velocity(z_bck),
                    pool.velocity(z_fwd),
                    builder.boundary(bck_fwd),
                    builder.boundary(fwd_bck),
                )
            };
            if !persist {
                break;
            }
        }

        let (n_leapfrog, sum_metro_prob, divergent) = (
            builder.n_leapfrog,
            builder.sum_metro_prob,
            builder.divergent,
        );
        if builder.too_heavy {
            // Back to the start, held by the sampler alone.
            for slot in [builder.current, z_fwd, z_bck, fwd_bck, bck_fwd, z_sample] {
                builder.pool.release(slot);
            }
            debug_assert_eq!(builder.pool.held(), 1, "only the start point is held");
            return None;
        }
        // The sample's hold becomes the sampler's; every other role lets go.
        for slot in [builder.current, z_fwd, z_bck, fwd_bck, bck_fwd, start] {
            builder.pool.release(slot);
        }
        debug_assert_eq!(builder.pool.held(), 1, "only the new current point is held");
        self.current = z_sample;
        self.last_trajectory = TrajectoryFacts {
            steps_from_start: self.pool.steps_from_start(z_sample),
        };
        Some(TransitionStats {
            log_density: self.pool.log_density(z_sample),
            accept_stat: sum_metro_prob / n_leapfrog.max(1) as f64,
            step_size: epsilon,
            tree_depth: depth,
            n_leapfrog,
            divergent,
            energy: self.pool.energy(z_sample),
        })
    }
}

impl NutsSampler {
    /// The model's output values (constrained parameters, transformed
    /// parameters, generated quantities) at the current position, drawing
    /// any randomness from the chain's generator.
    pub fn write_draw(&mut self, out: &mut [f64]) -> Result<(), crate::model::Rejection> {
        self.hamiltonian
            .model
            .write_draw(self.pool.position(self.current), &mut self.rng, out)
    }
}

impl NutsSampler {
    /// The metric (to adapt) together with the current position and the log
    /// density's gradient there (to learn from).
    pub fn metric_position_and_gradient(&mut self) -> (&mut crate::metric::Metric, &[f64], &[f64]) {
        (
            &mut self.hamiltonian.metric,
            self.pool.position(self.current),
            self.pool.gradient(self.current),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain_rng::chain_rng;
    use crate::metric::{Metric, MetricKind};
    use crate::model::Model;
    use crate::test_density::Density;

    /// Independent normals with a small scale: from a start far out, the
    /// first trajectory falls by thousands in energy.
    fn narrow_normal() -> Box<dyn Model> {
        Density::boxed(3, |theta, grad| {
            let precision = 1e4;
            let mut lp = 0.0;
            for (g, x) in grad.iter_mut().zip(theta) {
                lp -= 0.5 * precision * x * x;
                *g = -precision * x;
            }
            lp
        })
    }

    /// A log density flat below 0 and rising by 1000 per unit of x above,
    /// with a gradient that claims it is flat everywhere: the integrator
    /// keeps the momentum, and moving up the energy falls by 1000 |p| per
    /// step, so the weights soon pass e^650.
    fn ramp() -> Box<dyn Model> {
        Density::boxed(1, |theta, grad| {
            grad[0] = 0.0;
            1000.0 * theta[0].max(0.0)
        })
    }

    fn sampler_with(
        model: Box<dyn Model>,
        position: &[f64],
        step_size: f64,
        seed: u64,
    ) -> NutsSampler {
        let dim = model.dim();
        let mut hamiltonian = Hamiltonian::new(model, Metric::unit(MetricKind::Diagonal, dim));
        let mut initial = PhasePoint::new(dim);
        initial.position.copy_from_slice(position);
        hamiltonian.update_log_density(&mut initial);
        NutsSampler::new(hamiltonian, chain_rng(seed, 1), initial, step_size, 10)
    }

    #[test]
    fn a_point_too_heavy_for_plain_weights_rebuilds_the_trajectory_with_logarithms() {
        let mut rebuilt_transitions = 0;
        for seed in 0..20 {
            let ramp = || sampler_with(ramp(), &[0.0], 1.0, seed);
            let mut plain = ramp();
            let h0 = plain.draw_momentum();
            if plain.build_trajectory::<Plain>(h0).is_some() {
                continue;
            }
            rebuilt_transitions += 1;
            // Plain weights gave up and left the start held, where it was.
            assert_eq!(plain.pool.held(), 1);
            assert_eq!(plain.position(), &[0.0]);

            // A transition gives what logarithms give from the same draws,
            // and leaves the generator where they leave it.
            let mut rebuilt = ramp();
            let stats = rebuilt.transition();
            let mut logarithms = ramp();
            let h0 = logarithms.draw_momentum();
            let expected = logarithms.build_trajectory::<Logarithm>(h0).unwrap();
            assert_eq!(stats, expected);
            assert_eq!(rebuilt.position(), logarithms.position());
            assert!(stats.energy < h0 - 650.0, "{stats:?}");
            assert_eq!(rebuilt.rng.get_word_pos(), logarithms.rng.get_word_pos());
            assert_eq!(rebuilt.transition(), logarithms.transition());
        }
        assert!(
            rebuilt_transitions >= 3,
            "{rebuilt_transitions} of 10 seeds"
        );
    }

    #[test]
    fn plain_and_logarithmic_weights_choose_alike_near_the_mode() {
        // Same draws, weights near 1: both forms follow the same trajectory
        // and (unless a uniform draw lands within rounding of a
        // probability) pick the same point.
        let mut same = 0;
        for seed in 0..200 {
            let near = [0.003, -0.01, 0.02];
            let mut plain = sampler_with(narrow_normal(), &near, 0.004, seed);
            let mut logarithms = sampler_with(narrow_normal(), &near, 0.004, seed);
            let h0 = plain.draw_momentum();
            assert_eq!(h0, logarithms.draw_momentum());
            let a = plain.build_trajectory::<Plain>(h0).unwrap();
            let b = logarithms.build_trajectory::<Logarithm>(h0).unwrap();
            assert_eq!(a.n_leapfrog, b.n_leapfrog);
            assert!((a.accept_stat - b.accept_stat).abs() < 1e-12);
            same += usize::from(plain.position() == logarithms.position());
        }
        assert_eq!(same, 200);
    }
}

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
use rand::RngExt;

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

/// The sums of momenta of the two halves of a subtree of one depth (depth 2
/// and more; a depth-1 subtree sums its two points directly).
struct TreeLevel {
    rho_init: Vec<f64>,
    rho_final: Vec<f64>,
}

/// A finished valid subtree: its multinomial proposal and its first point
/// (slots the subtree holds once each) and the log of its summed weights.
/// Its last point is the builder's current point.
struct Subtree {
    propose: usize,
    beg: usize,
    log_sum_weight: f64,
}

/// A subtree's point at one side of the boundary between its halves.
#[derive(Clone, Copy)]
struct Boundary<'a> {
    momentum: &'a [f64],
    velocity: &'a [f64],
}

/// log(exp(a) + exp(b)) as Stan's math library computes it: the larger
/// argument plus `log1p(exp(-difference))`, one `exp` and one `ln_1p`.
fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let (max, min) = if a > b { (a, b) } else { (b, a) };
    max + (min - max).exp().ln_1p()
}

/// Merges the sums of momenta of two adjacent parts a (earlier) and b (later)
/// of a trajectory into `rho_out = rho_a + rho_b`, and applies Stan's three
/// U-turn checks in one pass: around the merged part (between the
/// velocities at its two ends), and across the boundary between a and b
/// (from the merged part's start to b's first point, with rho_a plus b's
/// first momentum; from a's last point to the merged part's end, with rho_b
/// plus a's last momentum). Each check is Stan's `compute_criterion`: both
/// velocities must have a positive projection on rho. Each projection is
/// summed in index order as before, so the results are the same bits as
/// three separate passes.
#[allow(clippy::too_many_arguments)]
fn merge_and_check(
    rho_out: &mut [f64],
    rho_a: &[f64],
    rho_b: &[f64],
    p_sharp_beg: &[f64],
    p_sharp_end: &[f64],
    a_end: Boundary<'_>,
    b_beg: Boundary<'_>,
) -> bool {
    let n = rho_out.len();
    let (rho_a, rho_b, p_sharp_beg, p_sharp_end) = (
        &rho_a[..n],
        &rho_b[..n],
        &p_sharp_beg[..n],
        &p_sharp_end[..n],
    );
    let (p_a_end, p_sharp_a_end) = (&a_end.momentum[..n], &a_end.velocity[..n]);
    let (p_b_beg, p_sharp_b_beg) = (&b_beg.momentum[..n], &b_beg.velocity[..n]);
    let (mut merged_plus, mut merged_minus) = (0.0, 0.0);
    let (mut into_b_plus, mut into_b_minus) = (0.0, 0.0);
    let (mut from_a_plus, mut from_a_minus) = (0.0, 0.0);
    for i in 0..n {
        let merged = rho_a[i] + rho_b[i];
        rho_out[i] = merged;
        merged_plus += p_sharp_end[i] * merged;
        merged_minus += p_sharp_beg[i] * merged;
        let into_b = rho_a[i] + p_b_beg[i];
        into_b_plus += p_sharp_b_beg[i] * into_b;
        into_b_minus += p_sharp_beg[i] * into_b;
        let from_a = rho_b[i] + p_a_end[i];
        from_a_plus += p_sharp_end[i] * from_a;
        from_a_minus += p_sharp_a_end[i] * from_a;
    }
    merged_plus > 0.0
        && merged_minus > 0.0
        && into_b_plus > 0.0
        && into_b_minus > 0.0
        && from_a_plus > 0.0
        && from_a_minus > 0.0
}

/// `merge_and_check` for a subtree of two points a and b: rho_a and rho_b
/// are their momenta, and the three checks are one (Stan's three
/// `compute_criterion` calls get the same velocities and the same rho).
fn merge_and_check_pair(rho_out: &mut [f64], a: Boundary<'_>, b: Boundary<'_>) -> bool {
    let n = rho_out.len();
    let (p_a, p_sharp_a) = (&a.momentum[..n], &a.velocity[..n]);
    let (p_b, p_sharp_b) = (&b.momentum[..n], &b.velocity[..n]);
    let (mut plus, mut minus) = (0.0, 0.0);
    for i in 0..n {
        let merged = p_a[i] + p_b[i];
        rho_out[i] = merged;
        plus += p_sharp_b[i] * merged;
        minus += p_sharp_a[i] * merged;
    }
    plus > 0.0 && minus > 0.0
}

/// Builds the subtrees of one transition: Stan's `build_tree` with its
/// running totals, moving through the pool from `current`.
struct TreeBuilder<'a> {
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
}

impl TreeBuilder<'_> {
    /// Makes the current point `slot` (the end the next subtree grows from).
    fn start_from(&mut self, slot: usize) {
        self.pool.retain(slot);
        self.pool.release(self.current);
        self.current = slot;
    }

    /// One leapfrog step from the current point to a new one; its log
    /// weight h0 - h, or None if it diverged.
    #[inline(always)]
    fn leaf(&mut self) -> Option<f64> {
        let next = self.pool.acquire();
        let (from, to) = self.pool.pair(self.current, next);
        let (log_density, h) = self.hamiltonian.leapfrog_into(from, to, self.signed_step);
        self.pool.set_log_density(next, log_density);
        self.pool.set_energy(next, h);
        self.pool.release(self.current);
        self.current = next;
        self.n_leapfrog += 1;
        if h - self.h0 > MAX_ENERGY_ERROR {
            self.divergent = true;
        }
        let log_weight = self.h0 - h;
        self.sum_metro_prob += if log_weight > 0.0 {
            1.0
        } else {
            log_weight.exp()
        };
        if self.divergent {
            None
        } else {
            Some(log_weight)
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
    /// for the final half's, with probability exp(its weight - the merged
    /// weight).
    #[inline(always)]
    fn takes_final(&mut self, log_sum_weight_final: f64, log_sum_weight_subtree: f64) -> bool {
        if log_sum_weight_final > log_sum_weight_subtree {
            true
        } else {
            let accept_prob = (log_sum_weight_final - log_sum_weight_subtree).exp();
            self.rng.random::<f64>() < accept_prob
        }
    }

    /// The subtree if it did not make a U-turn; otherwise None, letting go
    /// of its slots.
    #[inline(always)]
    fn keep_if(&mut self, persist: bool, subtree: Subtree) -> Option<Subtree> {
        if persist {
            Some(subtree)
        } else {
            self.pool.release(subtree.propose);
            self.pool.release(subtree.beg);
            None
        }
    }

    /// A subtree of one point (its sum of momenta is its momentum).
    fn single(&mut self) -> Option<Subtree> {
        let log_weight = self.leaf()?;
        let point = self.current;
        self.pool.retain(point);
        self.pool.retain(point);
        Some(Subtree {
            propose: point,
            beg: point,
            log_sum_weight: log_weight,
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
    ) -> Option<Subtree> {
        if depth == 1 {
            let log_weight_a = self.leaf()?;
            let a = self.current;
            // Held as the subtree's first point (the builder's own hold goes
            // with the next step).
            self.pool.retain(a);
            let Some(log_weight_b) = self.leaf() else {
                self.pool.release(a);
                return None;
            };
            let b = self.current;
            let log_sum_weight = log_sum_exp(log_weight_a, log_weight_b);
            let propose = if self.takes_final(log_weight_b, log_sum_weight) {
                b
            } else {
                a
            };
            self.pool.retain(propose);
            let persist = merge_and_check_pair(rho_out, self.boundary(a), self.boundary(b));
            let subtree = Subtree {
                propose,
                beg: a,
                log_sum_weight,
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
        let log_sum_weight = log_sum_exp(init.log_sum_weight, last.log_sum_weight);
        let (propose, other) = if self.takes_final(last.log_sum_weight, log_sum_weight) {
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
            log_sum_weight,
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
        let epsilon = self.step_size;
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

        // `sums.rho` needs no start value: the first doubling writes it.
        let sums = &mut self.sums;
        // The trajectory's ends, the sample, and the first points of the
        // latest forward and backward subtrees: all the start point.
        let (mut z_fwd, mut z_bck, mut z_sample) = (start, start, start);
        let (mut fwd_bck, mut bck_fwd) = (start, start);
        for _ in 0..5 {
            self.pool.retain(start);
        }
        let mut builder = TreeBuilder {
            hamiltonian: &mut self.hamiltonian,
            rng: &mut self.rng,
            pool: &mut self.pool,
            current: start,
            h0,
            signed_step: epsilon,
            n_leapfrog: 0,
            sum_metro_prob: 0.0,
            divergent: false,
        };
        let mut log_sum_weight = 0.0;
        let mut depth = 0;

        while depth < self.max_depth {
            let levels = &mut self.levels[..depth.saturating_sub(1)];
            let subtree;
            if builder.rng.random::<f64>() > 0.5 {
                // Extend the trajectory forward.
                builder.start_from(z_fwd);
                std::mem::swap(&mut sums.rho_bck, &mut sums.rho);
                builder.pool.retain(fwd_bck);
                builder.pool.release(bck_fwd);
                bck_fwd = fwd_bck;
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
                builder.start_from(z_bck);
                std::mem::swap(&mut sums.rho_fwd, &mut sums.rho);
                builder.pool.retain(bck_fwd);
                builder.pool.release(fwd_bck);
                fwd_bck = bck_fwd;
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

            // Biased progressive sampling: prefer the new subtree.
            let take_new = if subtree.log_sum_weight > log_sum_weight {
                true
            } else {
                let accept_prob = (subtree.log_sum_weight - log_sum_weight).exp();
                builder.rng.random::<f64>() < accept_prob
            };
            if take_new {
                builder.pool.release(z_sample);
                z_sample = subtree.propose;
            } else {
                builder.pool.release(subtree.propose);
            }
            log_sum_weight = log_sum_exp(log_sum_weight, subtree.log_sum_weight);

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
        // The sample's hold becomes the sampler's; every other role lets go.
        for slot in [builder.current, z_fwd, z_bck, fwd_bck, bck_fwd] {
            builder.pool.release(slot);
        }
        debug_assert_eq!(builder.pool.held(), 1, "only the new current point is held");
        self.current = z_sample;
        TransitionStats {
            log_density: self.pool.log_density(z_sample),
            accept_stat: sum_metro_prob / n_leapfrog.max(1) as f64,
            step_size: epsilon,
            tree_depth: depth,
            n_leapfrog,
            divergent,
            energy: self.pool.energy(z_sample),
        }
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
    /// The metric (to adapt) together with the current position (to learn from).
    pub fn metric_and_position(&mut self) -> (&mut crate::metric::Metric, &[f64]) {
        (
            &mut self.hamiltonian.metric,
            self.pool.position(self.current),
        )
    }
}

//! One NUTS transition exactly as Stan's `base_nuts`: multinomial sampling
//! over the trajectory, biased progressive sampling between subtrees, and
//! the generalized no-U-turn criterion with the extra checks across subtree
//! boundaries that Stan has used since 2.26. Also Stan's step-size heuristic.
//!
//! All vectors are allocated once per sampler (one set per tree level), so a
//! transition allocates nothing. Where Stan copies a phase point whose
//! source is dead afterwards, the two are swapped instead (three pointers).

use crate::chain_rng::ChainRng;
use crate::hamiltonian::{Hamiltonian, PhasePoint};
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

/// The temporaries of one level of the tree recursion.
struct TreeLevel {
    p_init_end: Vec<f64>,
    p_sharp_init_end: Vec<f64>,
    rho_init: Vec<f64>,
    z_propose_final: PhasePoint,
    p_final_beg: Vec<f64>,
    p_sharp_final_beg: Vec<f64>,
    rho_final: Vec<f64>,
}

impl TreeLevel {
    fn new(dim: usize) -> Self {
        TreeLevel {
            p_init_end: vec![0.0; dim],
            p_sharp_init_end: vec![0.0; dim],
            rho_init: vec![0.0; dim],
            z_propose_final: PhasePoint::new(dim),
            p_final_beg: vec![0.0; dim],
            p_sharp_final_beg: vec![0.0; dim],
            rho_final: vec![0.0; dim],
        }
    }
}

/// The temporaries of the top level of a transition (Stan's locals in `transition`).
struct TrajectoryEnds {
    z_fwd: PhasePoint,
    z_bck: PhasePoint,
    z_sample: PhasePoint,
    z_propose: PhasePoint,
    p_fwd_fwd: Vec<f64>,
    p_sharp_fwd_fwd: Vec<f64>,
    p_fwd_bck: Vec<f64>,
    p_sharp_fwd_bck: Vec<f64>,
    p_bck_fwd: Vec<f64>,
    p_sharp_bck_fwd: Vec<f64>,
    p_bck_bck: Vec<f64>,
    p_sharp_bck_bck: Vec<f64>,
    rho: Vec<f64>,
    rho_fwd: Vec<f64>,
    rho_bck: Vec<f64>,
}

impl TrajectoryEnds {
    fn new(dim: usize) -> Self {
        let vector = || vec![0.0; dim];
        TrajectoryEnds {
            z_fwd: PhasePoint::new(dim),
            z_bck: PhasePoint::new(dim),
            z_sample: PhasePoint::new(dim),
            z_propose: PhasePoint::new(dim),
            p_fwd_fwd: vector(),
            p_sharp_fwd_fwd: vector(),
            p_fwd_bck: vector(),
            p_sharp_fwd_bck: vector(),
            p_bck_fwd: vector(),
            p_sharp_bck_fwd: vector(),
            p_bck_bck: vector(),
            p_sharp_bck_bck: vector(),
            rho: vector(),
            rho_fwd: vector(),
            rho_bck: vector(),
        }
    }
}

/// Running sums over every leapfrog step of one transition.
struct TrajectoryTotals {
    n_leapfrog: usize,
    sum_metro_prob: f64,
    divergent: bool,
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

/// Stan's `compute_criterion` for rho = rho_a + rho_b: both ends' velocities
/// must have a positive projection on rho. One pass over the four vectors,
/// forming each element of rho as Stan does before it takes the two dot
/// products.
fn no_u_turn(p_sharp_minus: &[f64], p_sharp_plus: &[f64], rho_a: &[f64], rho_b: &[f64]) -> bool {
    let n = rho_a.len();
    let (p_sharp_minus, p_sharp_plus, rho_b) =
        (&p_sharp_minus[..n], &p_sharp_plus[..n], &rho_b[..n]);
    let mut plus_projection = 0.0;
    let mut minus_projection = 0.0;
    for i in 0..n {
        let rho = rho_a[i] + rho_b[i];
        plus_projection += p_sharp_plus[i] * rho;
        minus_projection += p_sharp_minus[i] * rho;
    }
    plus_projection > 0.0 && minus_projection > 0.0
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
/// current point, and the preallocated trajectory buffers.
pub struct NutsSampler {
    pub hamiltonian: Hamiltonian,
    pub rng: ChainRng,
    /// The nominal step size (Stan's `nom_epsilon_`).
    pub step_size: f64,
    pub max_depth: usize,
    current: PhasePoint,
    /// Boxed so that a transition can take it out of `self` by moving a
    /// pointer; always `Some` between transitions.
    ends: Option<Box<TrajectoryEnds>>,
    levels: Vec<TreeLevel>,
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
        NutsSampler {
            hamiltonian,
            rng,
            step_size,
            max_depth,
            current: initial,
            ends: Some(Box::new(TrajectoryEnds::new(dim))),
            levels: (0..max_depth).map(|_| TreeLevel::new(dim)).collect(),
        }
    }

    /// The current position on the unconstrained scale.
    pub fn position(&self) -> &[f64] {
        &self.current.position
    }

    /// The log density at the current position.
    pub fn log_density(&self) -> f64 {
        self.current.log_density
    }

    /// Stan's `init_stepsize`: doubles or halves the nominal step size until
    /// the acceptance of one leapfrog step from the current point crosses 0.8.
    pub fn find_reasonable_step_size(&mut self) -> Result<(), StepSizeSearchError> {
        if self.step_size == 0.0 || self.step_size > 1e7 || self.step_size.is_nan() {
            return Ok(());
        }
        let mut ends = self.take_ends();
        let result = self.search_step_size(&mut ends.z_propose);
        self.ends = Some(ends);
        result
    }

    fn energy_change_of_one_step(&mut self, trial: &mut PhasePoint) -> f64 {
        trial.copy_from(&self.current);
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
            if direction_up && !(delta_h > log_target) {
                break;
            }
            if !direction_up && !(delta_h < log_target) {
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

    fn take_ends(&mut self) -> Box<TrajectoryEnds> {
        let dim = self.hamiltonian.dim();
        self.ends
            .take()
            .unwrap_or_else(|| Box::new(TrajectoryEnds::new(dim)))
    }

    /// One NUTS transition from the current point.
    pub fn transition(&mut self) -> TransitionStats {
        let mut ends = self.take_ends();
        let mut levels = std::mem::take(&mut self.levels);
        let stats = self.transition_with(&mut ends, &mut levels);
        self.ends = Some(ends);
        self.levels = levels;
        stats
    }

    fn transition_with(
        &mut self,
        e: &mut TrajectoryEnds,
        levels: &mut [TreeLevel],
    ) -> TransitionStats {
        let epsilon = self.step_size;
        self.hamiltonian
            .metric
            .sample_momentum(&mut self.rng, &mut self.current.momentum);
        e.z_fwd.copy_from(&self.current);
        e.z_bck.copy_from(&self.current);
        e.z_sample.copy_from(&self.current);
        // `z_propose` needs no start value: the first leaf of every subtree
        // writes it before anything reads it.

        let p = &self.current.momentum;
        self.hamiltonian.metric.velocity(p, &mut e.p_sharp_fwd_fwd);
        for buffer in [
            &mut e.p_fwd_fwd,
            &mut e.p_fwd_bck,
            &mut e.p_bck_fwd,
            &mut e.p_bck_bck,
            &mut e.rho,
        ] {
            buffer.copy_from_slice(p);
        }
        e.p_sharp_fwd_bck.copy_from_slice(&e.p_sharp_fwd_fwd);
        e.p_sharp_bck_fwd.copy_from_slice(&e.p_sharp_fwd_fwd);
        e.p_sharp_bck_bck.copy_from_slice(&e.p_sharp_fwd_fwd);

        let mut log_sum_weight = 0.0;
        let h0 = self.hamiltonian.energy(&self.current);
        let mut totals = TrajectoryTotals {
            n_leapfrog: 0,
            sum_metro_prob: 0.0,
            divergent: false,
        };
        let mut depth = 0;

        while depth < self.max_depth {
            e.rho_fwd.fill(0.0);
            e.rho_bck.fill(0.0);
            let mut log_sum_weight_subtree = f64::NEG_INFINITY;
            let valid_subtree;
            if self.rng.random::<f64>() > 0.5 {
                // Extend the trajectory forward.
                std::mem::swap(&mut self.current, &mut e.z_fwd);
                e.rho_bck.copy_from_slice(&e.rho);
                e.p_bck_fwd.copy_from_slice(&e.p_fwd_bck);
                e.p_sharp_bck_fwd.copy_from_slice(&e.p_sharp_fwd_bck);
                valid_subtree = self.build_tree(
                    levels,
                    depth,
                    &mut e.z_propose,
                    &mut e.p_sharp_fwd_bck,
                    &mut e.p_sharp_fwd_fwd,
                    &mut e.rho_fwd,
                    &mut e.p_fwd_bck,
                    &mut e.p_fwd_fwd,
                    h0,
                    epsilon,
                    &mut totals,
                    &mut log_sum_weight_subtree,
                );
                std::mem::swap(&mut self.current, &mut e.z_fwd);
            } else {
                // Extend the trajectory backward.
                std::mem::swap(&mut self.current, &mut e.z_bck);
                e.rho_fwd.copy_from_slice(&e.rho);
                e.p_fwd_bck.copy_from_slice(&e.p_bck_fwd);
                e.p_sharp_fwd_bck.copy_from_slice(&e.p_sharp_bck_fwd);
                valid_subtree = self.build_tree(
                    levels,
                    depth,
                    &mut e.z_propose,
                    &mut e.p_sharp_bck_fwd,
                    &mut e.p_sharp_bck_bck,
                    &mut e.rho_bck,
                    &mut e.p_bck_fwd,
                    &mut e.p_bck_bck,
                    h0,
                    -epsilon,
                    &mut totals,
                    &mut log_sum_weight_subtree,
                );
                std::mem::swap(&mut self.current, &mut e.z_bck);
            }
            if !valid_subtree {
                break;
            }
            depth += 1;

            // Biased progressive sampling: prefer the new subtree.
            if log_sum_weight_subtree > log_sum_weight {
                std::mem::swap(&mut e.z_sample, &mut e.z_propose);
            } else {
                let accept_prob = (log_sum_weight_subtree - log_sum_weight).exp();
                if self.rng.random::<f64>() < accept_prob {
                    std::mem::swap(&mut e.z_sample, &mut e.z_propose);
                }
            }
            log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);

            for ((rho, bck), fwd) in e.rho.iter_mut().zip(&e.rho_bck).zip(&e.rho_fwd) {
                *rho = bck + fwd;
            }
            // The merged trajectory, then across the boundary between the old
            // part and the new subtree, in both directions.
            let mut persist = no_u_turn(
                &e.p_sharp_bck_bck,
                &e.p_sharp_fwd_fwd,
                &e.rho_bck,
                &e.rho_fwd,
            );
            persist &= no_u_turn(
                &e.p_sharp_bck_bck,
                &e.p_sharp_fwd_bck,
                &e.rho_bck,
                &e.p_fwd_bck,
            );
            persist &= no_u_turn(
                &e.p_sharp_bck_fwd,
                &e.p_sharp_fwd_fwd,
                &e.rho_fwd,
                &e.p_bck_fwd,
            );
            if !persist {
                break;
            }
        }

        std::mem::swap(&mut self.current, &mut e.z_sample);
        let energy = self.hamiltonian.energy(&self.current);
        TransitionStats {
            log_density: self.current.log_density,
            accept_stat: totals.sum_metro_prob / totals.n_leapfrog.max(1) as f64,
            step_size: epsilon,
            tree_depth: depth,
            n_leapfrog: totals.n_leapfrog,
            divergent: totals.divergent,
            energy,
        }
    }

    /// Stan's `build_tree`: a subtree of 2^depth leapfrog steps from the
    /// current point in the direction of `signed_step`. Returns false if the
    /// subtree diverged or made a U-turn somewhere inside.
    #[allow(clippy::too_many_arguments)]
    fn build_tree(
        &mut self,
        levels: &mut [TreeLevel],
        depth: usize,
        z_propose: &mut PhasePoint,
        p_sharp_beg: &mut [f64],
        p_sharp_end: &mut [f64],
        rho: &mut [f64],
        p_beg: &mut [f64],
        p_end: &mut [f64],
        h0: f64,
        signed_step: f64,
        totals: &mut TrajectoryTotals,
        log_sum_weight: &mut f64,
    ) -> bool {
        if depth == 0 {
            self.hamiltonian.leapfrog(&mut self.current, signed_step);
            totals.n_leapfrog += 1;
            let h = self
                .hamiltonian
                .energy_and_velocity(&self.current, p_sharp_beg);
            if h - h0 > MAX_ENERGY_ERROR {
                totals.divergent = true;
            }
            *log_sum_weight = log_sum_exp(*log_sum_weight, h0 - h);
            totals.sum_metro_prob += if h0 - h > 0.0 { 1.0 } else { (h0 - h).exp() };
            z_propose.copy_from(&self.current);
            // A one-point subtree: both ends are this point.
            for i in 0..p_beg.len() {
                let p = self.current.momentum[i];
                p_sharp_end[i] = p_sharp_beg[i];
                rho[i] += p;
                p_beg[i] = p;
                p_end[i] = p;
            }
            return !totals.divergent;
        }

        let (deeper_levels, own_levels) = levels.split_at_mut(depth - 1);
        let level = &mut own_levels[0];

        // The initial subtree.
        let mut log_sum_weight_init = f64::NEG_INFINITY;
        level.rho_init.fill(0.0);
        let valid_init = self.build_tree(
            deeper_levels,
            depth - 1,
            z_propose,
            p_sharp_beg,
            &mut level.p_sharp_init_end,
            &mut level.rho_init,
            p_beg,
            &mut level.p_init_end,
            h0,
            signed_step,
            totals,
            &mut log_sum_weight_init,
        );
        if !valid_init {
            return false;
        }

        // The final subtree.
        let mut log_sum_weight_final = f64::NEG_INFINITY;
        level.rho_final.fill(0.0);
        let valid_final = self.build_tree(
            deeper_levels,
            depth - 1,
            &mut level.z_propose_final,
            &mut level.p_sharp_final_beg,
            p_sharp_end,
            &mut level.rho_final,
            &mut level.p_final_beg,
            p_end,
            h0,
            signed_step,
            totals,
            &mut log_sum_weight_final,
        );
        if !valid_final {
            return false;
        }

        // Multinomial sample from the final subtree (uniform progressive sampling).
        let log_sum_weight_subtree = log_sum_exp(log_sum_weight_init, log_sum_weight_final);
        *log_sum_weight = log_sum_exp(*log_sum_weight, log_sum_weight_subtree);
        if log_sum_weight_final > log_sum_weight_subtree {
            std::mem::swap(z_propose, &mut level.z_propose_final);
        } else {
            let accept_prob = (log_sum_weight_final - log_sum_weight_subtree).exp();
            if self.rng.random::<f64>() < accept_prob {
                std::mem::swap(z_propose, &mut level.z_propose_final);
            }
        }

        for ((r, init), fin) in rho.iter_mut().zip(&level.rho_init).zip(&level.rho_final) {
            *r += init + fin;
        }
        // Around the merged subtree, then across the boundary between its halves.
        let mut persist = no_u_turn(p_sharp_beg, p_sharp_end, &level.rho_init, &level.rho_final);
        persist &= no_u_turn(
            p_sharp_beg,
            &level.p_sharp_final_beg,
            &level.rho_init,
            &level.p_final_beg,
        );
        persist &= no_u_turn(
            &level.p_sharp_init_end,
            p_sharp_end,
            &level.rho_final,
            &level.p_init_end,
        );
        persist
    }
}

impl NutsSampler {
    /// The model's output values (constrained parameters, transformed
    /// parameters, generated quantities) at the current position, drawing
    /// any randomness from the chain's generator.
    pub fn write_draw(&mut self, out: &mut [f64]) -> Result<(), crate::model::Rejection> {
        self.hamiltonian
            .model
            .write_draw(&self.current.position, &mut self.rng, out)
    }
}

impl NutsSampler {
    /// The metric (to adapt) together with the current position (to learn from).
    pub fn metric_and_position(&mut self) -> (&mut crate::metric::Metric, &[f64]) {
        (&mut self.hamiltonian.metric, &self.current.position)
    }
}

//! Test only: a line-by-line transcription of Stan 2.39's NUTS transition
//! (`stan/mcmc/hmc/nuts/base_nuts.hpp`: `transition` and `build_tree`), with
//! phase points copied and weights held as logarithms as Stan does, run in
//! lockstep with [`NutsSampler`] from the same point and the same random
//! draws. The sampler with logarithmic weights must make the same
//! trajectories, choices and statistics bit for bit, and with its usual
//! plain weights the same choices.

use crate::chain_rng::{chain_rng, ChainRng};
use crate::hamiltonian::{Hamiltonian, PhasePoint};
use crate::metric::Metric;
use crate::model::Model;
use crate::nuts::{NutsSampler, TransitionStats, MAX_ENERGY_ERROR};
use crate::test_density::Density;
use crate::trajectory_weights::{log_sum_exp, Logarithm};
use rand::RngExt;

/// Stan's `compute_criterion`: both velocities project positively on rho.
fn criterion(p_sharp_minus: &[f64], p_sharp_plus: &[f64], rho: &[f64]) -> bool {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).fold(0.0, |sum, (x, y)| sum + x * y);
    dot(p_sharp_plus, rho) > 0.0 && dot(p_sharp_minus, rho) > 0.0
}

fn plus(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn add_to(sum: &mut [f64], x: &[f64]) {
    for (s, v) in sum.iter_mut().zip(x) {
        *s += v;
    }
}

/// Stan's sampler state during one transition.
struct StanNuts<'a> {
    hamiltonian: &'a mut Hamiltonian,
    rng: &'a mut ChainRng,
    epsilon: f64,
    z: PhasePoint,
    divergent: bool,
}

impl StanNuts<'_> {
    fn velocity(&self, point: &PhasePoint) -> Vec<f64> {
        let mut v = vec![0.0; point.momentum.len()];
        self.hamiltonian.metric.velocity(&point.momentum, &mut v);
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn build_tree(
        &mut self,
        depth: usize,
        z_propose: &mut PhasePoint,
        p_sharp_beg: &mut Vec<f64>,
        p_sharp_end: &mut Vec<f64>,
        rho: &mut [f64],
        p_beg: &mut Vec<f64>,
        p_end: &mut Vec<f64>,
        h0: f64,
        sign: f64,
        n_leapfrog: &mut usize,
        log_sum_weight: &mut f64,
        sum_metro_prob: &mut f64,
    ) -> bool {
        if depth == 0 {
            self.hamiltonian.leapfrog(&mut self.z, sign * self.epsilon);
            *n_leapfrog += 1;
            let h = self.hamiltonian.energy(&self.z);
            if h - h0 > MAX_ENERGY_ERROR {
                self.divergent = true;
            }
            *log_sum_weight = log_sum_exp(*log_sum_weight, h0 - h);
            *sum_metro_prob += if h0 - h > 0.0 { 1.0 } else { (h0 - h).exp() };
            z_propose.copy_from(&self.z);
            *p_sharp_beg = self.velocity(&self.z);
            *p_sharp_end = p_sharp_beg.clone();
            add_to(rho, &self.z.momentum);
            *p_beg = self.z.momentum.clone();
            *p_end = p_beg.clone();
            return !self.divergent;
        }
        let n = rho.len();
        let mut log_sum_weight_init = f64::NEG_INFINITY;
        let mut p_init_end = vec![0.0; n];
        let mut p_sharp_init_end = vec![0.0; n];
        let mut rho_init = vec![0.0; n];
        let valid_init = self.build_tree(
            depth - 1,
            z_propose,
            p_sharp_beg,
            &mut p_sharp_init_end,
            &mut rho_init,
            p_beg,
            &mut p_init_end,
            h0,
            sign,
            n_leapfrog,
            &mut log_sum_weight_init,
            sum_metro_prob,
        );
        if !valid_init {
            return false;
        }
        let mut z_propose_final = self.z.clone();
        let mut log_sum_weight_final = f64::NEG_INFINITY;
        let mut p_final_beg = vec![0.0; n];
        let mut p_sharp_final_beg = vec![0.0; n];
        let mut rho_final = vec![0.0; n];
        let valid_final = self.build_tree(
            depth - 1,
            &mut z_propose_final,
            &mut p_sharp_final_beg,
            p_sharp_end,
            &mut rho_final,
            &mut p_final_beg,
            p_end,
            h0,
            sign,
            n_leapfrog,
            &mut log_sum_weight_final,
            sum_metro_prob,
        );
        if !valid_final {
            return false;
        }
        let log_sum_weight_subtree = log_sum_exp(log_sum_weight_init, log_sum_weight_final);
        *log_sum_weight = log_sum_exp(*log_sum_weight, log_sum_weight_subtree);
        if log_sum_weight_final > log_sum_weight_subtree {
            z_propose.copy_from(&z_propose_final);
        } else {
            let accept_prob = (log_sum_weight_final - log_sum_weight_subtree).exp();
            if self.rng.random::<f64>() < accept_prob {
                z_propose.copy_from(&z_propose_final);
            }
        }
        let rho_subtree = plus(&rho_init, &rho_final);
        add_to(rho, &rho_subtree);
        let mut persist = criterion(p_sharp_beg, p_sharp_end, &rho_subtree);
        persist &= criterion(
            p_sharp_beg,
            &p_sharp_final_beg,
            &plus(&rho_init, &p_final_beg),
        );
        persist &= criterion(
            &p_sharp_init_end,
            p_sharp_end,
            &plus(&rho_final, &p_init_end),
        );
        persist
    }

    /// Stan's `transition` from `start` (whose log density and gradient are
    /// set): the statistics and the new point.
    fn transition(
        &mut self,
        start: &PhasePoint,
        max_depth: usize,
    ) -> (TransitionStats, PhasePoint) {
        self.z.copy_from(start);
        self.hamiltonian
            .metric
            .sample_momentum(self.rng, &mut self.z.momentum);
        let mut z_fwd = self.z.clone();
        let mut z_bck = self.z.clone();
        let mut z_sample = self.z.clone();
        let mut z_propose = self.z.clone();
        let mut p_fwd_fwd = self.z.momentum.clone();
        let mut p_sharp_fwd_fwd = self.velocity(&self.z);
        let mut p_fwd_bck = self.z.momentum.clone();
        let mut p_sharp_fwd_bck = p_sharp_fwd_fwd.clone();
        let mut p_bck_fwd = self.z.momentum.clone();
        let mut p_sharp_bck_fwd = p_sharp_fwd_fwd.clone();
        let mut p_bck_bck = self.z.momentum.clone();
        let mut p_sharp_bck_bck = p_sharp_fwd_fwd.clone();
        let mut rho = self.z.momentum.clone();
        let mut log_sum_weight = 0.0;
        let h0 = self.hamiltonian.energy(&self.z);
        let mut n_leapfrog = 0;
        let mut sum_metro_prob = 0.0;
        let mut depth = 0;
        self.divergent = false;
        let n = rho.len();

        while depth < max_depth {
            let mut rho_fwd = vec![0.0; n];
            let mut rho_bck = vec![0.0; n];
            let mut log_sum_weight_subtree = f64::NEG_INFINITY;
            let valid_subtree;
            if self.rng.random::<f64>() > 0.5 {
                self.z.copy_from(&z_fwd);
                rho_bck.clone_from(&rho);
                p_bck_fwd.clone_from(&p_fwd_fwd);
                p_sharp_bck_fwd.clone_from(&p_sharp_fwd_fwd);
                valid_subtree = self.build_tree(
                    depth,
                    &mut z_propose,
                    &mut p_sharp_fwd_bck,
                    &mut p_sharp_fwd_fwd,
                    &mut rho_fwd,
                    &mut p_fwd_bck,
                    &mut p_fwd_fwd,
                    h0,
                    1.0,
                    &mut n_leapfrog,
                    &mut log_sum_weight_subtree,
                    &mut sum_metro_prob,
                );
                z_fwd.copy_from(&self.z);
            } else {
                self.z.copy_from(&z_bck);
                rho_fwd.clone_from(&rho);
                p_fwd_bck.clone_from(&p_bck_bck);
                p_sharp_fwd_bck.clone_from(&p_sharp_bck_bck);
                valid_subtree = self.build_tree(
                    depth,
                    &mut z_propose,
                    &mut p_sharp_bck_fwd,
                    &mut p_sharp_bck_bck,
                    &mut rho_bck,
                    &mut p_bck_fwd,
                    &mut p_bck_bck,
                    h0,
                    -1.0,
                    &mut n_leapfrog,
                    &mut log_sum_weight_subtree,
                    &mut sum_metro_prob,
                );
                z_bck.copy_from(&self.z);
            }
            if !valid_subtree {
                break;
            }
            depth += 1;
            if log_sum_weight_subtree > log_sum_weight {
                z_sample.copy_from(&z_propose);
            } else {
                let accept_prob = (log_sum_weight_subtree - log_sum_weight).exp();
                if self.rng.random::<f64>() < accept_prob {
                    z_sample.copy_from(&z_propose);
                }
            }
            log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);
            rho = plus(&rho_bck, &rho_fwd);
            let mut persist = criterion(&p_sharp_bck_bck, &p_sharp_fwd_fwd, &rho);
            persist &= criterion(
                &p_sharp_bck_bck,
                &p_sharp_fwd_bck,
                &plus(&rho_bck, &p_fwd_bck),
            );
            persist &= criterion(
                &p_sharp_bck_fwd,
                &p_sharp_fwd_fwd,
                &plus(&rho_fwd, &p_bck_fwd),
            );
            if !persist {
                break;
            }
        }
        let stats = TransitionStats {
            log_density: z_sample.log_density,
            accept_stat: sum_metro_prob / n_leapfrog as f64,
            step_size: self.epsilon,
            tree_depth: depth,
            n_leapfrog,
            divergent: self.divergent,
            energy: self.hamiltonian.energy(&z_sample),
        };
        (stats, z_sample)
    }
}

/// A correlated Gaussian in 3 dimensions (precision matrix `P`).
fn correlated() -> Box<dyn Model> {
    const P: [[f64; 3]; 3] = [[2.0, 1.2, 0.3], [1.2, 1.5, -0.4], [0.3, -0.4, 0.8]];
    Density::boxed(3, |theta, grad| {
        let mut lp = 0.0;
        for i in 0..3 {
            let row: f64 = (0..3).map(|j| P[i][j] * theta[j]).sum();
            grad[i] = -row;
            lp -= 0.5 * theta[i] * row;
        }
        lp
    })
}

/// Neal's funnel in 3 dimensions: divergences at a large step size.
fn funnel() -> Box<dyn Model> {
    Density::boxed(3, |theta, grad| {
        let v = theta[0];
        let mut lp = -v * v / 18.0;
        grad[0] = -v / 9.0;
        for i in 1..3 {
            let x = theta[i];
            lp += -0.5 * x * x * (-v).exp() - 0.5 * v;
            grad[0] += 0.5 * x * x * (-v).exp() - 0.5;
            grad[i] = -x * (-v).exp();
        }
        lp
    })
}

/// Runs `transitions` transitions of cmod's sampler (logarithmic weights,
/// or the usual plain ones) and of the transcription in lockstep; returns
/// how many transitions chose the same point, after checking that every
/// logarithmic one is identical.
fn lockstep(
    model: fn() -> Box<dyn Model>,
    inverse_diagonal: Vec<f64>,
    step_size: f64,
    transitions: usize,
    logarithms: bool,
) -> (usize, usize) {
    let metric = Metric::Diagonal { inverse_diagonal };
    let mut hamiltonian = Hamiltonian::new(model(), metric.clone());
    let mut start = PhasePoint::new(3);
    start.position.copy_from_slice(&[0.3, -0.2, 0.5]);
    hamiltonian.update_log_density(&mut start);
    let mut sampler = NutsSampler::new(hamiltonian, chain_rng(99, 1), start.clone(), step_size, 10);
    let mut reference_hamiltonian = Hamiltonian::new(model(), metric);
    let (mut same, mut divergent) = (0, 0);
    for t in 0..transitions {
        // The same generator at the same place.
        let mut reference_rng = chain_rng(99, 1);
        reference_rng.set_word_pos(sampler.rng.get_word_pos());
        let mut reference = StanNuts {
            hamiltonian: &mut reference_hamiltonian,
            rng: &mut reference_rng,
            epsilon: step_size,
            z: PhasePoint::new(3),
            divergent: false,
        };
        let (expected, expected_point) = reference.transition(&start, 10);
        let stats = if logarithms {
            let h0 = sampler.draw_momentum();
            sampler
                .build_trajectory::<Logarithm>(h0)
                .expect("logarithms hold every weight")
        } else {
            sampler.transition()
        };
        divergent += usize::from(stats.divergent);
        if logarithms {
            assert_eq!(stats, expected, "transition {t}");
            assert_eq!(
                sampler.position(),
                &expected_point.position[..],
                "transition {t}"
            );
            assert_eq!(sampler.rng.get_word_pos(), reference_rng.get_word_pos());
        } else {
            assert_eq!(stats.n_leapfrog, expected.n_leapfrog, "transition {t}");
            assert_eq!(stats.tree_depth, expected.tree_depth, "transition {t}");
        }
        if sampler.position() == &expected_point.position[..] {
            same += 1;
        }
        // Both go on from the sampler's point (and its generator).
        start.position.copy_from_slice(sampler.position());
        reference_hamiltonian.update_log_density(&mut start);
    }
    (same, divergent)
}

#[test]
fn logarithmic_weights_give_stans_transitions_bit_for_bit() {
    let (same, _) = lockstep(correlated, vec![1.0, 0.7, 1.6], 0.35, 400, true);
    assert_eq!(same, 400);
    // Divergences, and trees cut short by them.
    let (same, divergent) = lockstep(funnel, vec![2.0, 1.0, 1.0], 1.1, 400, true);
    assert_eq!(same, 400);
    assert!(divergent > 10, "{divergent} divergences");
}

#[test]
fn plain_weights_make_stans_trees_and_choices() {
    for (model, inverse, step) in [
        (
            correlated as fn() -> Box<dyn Model>,
            vec![1.0, 0.7, 1.6],
            0.35,
        ),
        (funnel, vec![2.0, 1.0, 1.0], 1.1),
    ] {
        let (same, _) = lockstep(model, inverse, step, 400, false);
        // A choice differs only when a uniform draw falls within rounding
        // of a probability.
        assert!(same >= 399, "{same} of 400 the same");
    }
}

//! ADVI's adaptive step-size sequence (Kucukelbir et al. 2017, eq. 10), one step size per variational parameter.
//!
//! At iteration k, with ELBO gradient g_k (element by element):
//!
//! ```text
//! s_1 = g_1^2,   s_k = 0.1 g_k^2 + 0.9 s_{k-1}
//! rho_k = eta * k^(-1/2 + 1e-16) / (tau + sqrt(s_k)),   tau = 1
//! ```
//!
//! and the parameters move by rho_k g_k. (Stan's code divides by sqrt(k);
//! the paper's exponent differs from -1/2 by 1e-16, below rounding.)

/// The state of the sequence: the iteration and the running average of squared gradients.
#[derive(Clone, Debug)]
pub struct StepSizeSequence {
    eta: f64,
    k: usize,
    s: Vec<f64>,
}

/// The sequence's constants, as Stan.
const TAU: f64 = 1.0;
const NEW_WEIGHT: f64 = 0.1;
const OLD_WEIGHT: f64 = 0.9;

impl StepSizeSequence {
    /// A new sequence for `n` parameters scaled by `eta`.
    pub fn new(eta: f64, n: usize) -> Self {
        StepSizeSequence {
            eta,
            k: 0,
            s: vec![0.0; n],
        }
    }

    /// The next iteration's step `rho_k * g_k` for the gradient `g`, written into `step`.
    pub fn next_step(&mut self, g: &[f64], step: &mut [f64]) {
        self.k += 1;
        let scale = self.eta * (self.k as f64).powf(-0.5 + 1e-16);
        for ((s, gi), out) in self.s.iter_mut().zip(g).zip(step.iter_mut()) {
            *s = if self.k == 1 {
                gi * gi
            } else {
                NEW_WEIGHT * gi * gi + OLD_WEIGHT * *s
            };
            *out = scale * gi / (TAU + s.sqrt());
        }
    }

    /// Moves `params` along the gradient `g` by the next step.
    pub fn ascend(&mut self, g: &[f64], params: &mut [f64]) {
        let mut step = vec![0.0; g.len()];
        self.next_step(g, &mut step);
        for (p, s) in params.iter_mut().zip(&step) {
            *p += s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first steps by hand: s_1 = g_1^2, then the weighted average; the
    /// step is eta k^(-1/2) g / (1 + sqrt(s)).
    #[test]
    fn the_sequence_matches_the_formula_step_by_step() {
        let gradients = [[2.0, -0.5], [1.0, 0.0], [-3.0, 4.0]];
        let eta = 0.7;
        let mut seq = StepSizeSequence::new(eta, 2);
        let mut s = [0.0f64; 2];
        for (k, g) in gradients.iter().enumerate() {
            let k = k + 1;
            for i in 0..2 {
                s[i] = if k == 1 {
                    g[i] * g[i]
                } else {
                    0.1 * g[i] * g[i] + 0.9 * s[i]
                };
            }
            let mut step = [0.0; 2];
            seq.next_step(g, &mut step);
            for i in 0..2 {
                let expected = eta / (k as f64).sqrt() * g[i] / (1.0 + s[i].sqrt());
                assert!(
                    (step[i] - expected).abs() <= 1e-15 * expected.abs().max(1e-300),
                    "k {k} i {i}: {} vs {expected}",
                    step[i]
                );
            }
        }
        // Iteration 2, coordinate 1: s = 0.1 * 0 + 0.9 * 0.25 = 0.225, g = 0: no step.
        let mut again = StepSizeSequence::new(eta, 2);
        let mut step = [0.0; 2];
        again.next_step(&gradients[0], &mut step);
        assert!(
            (step[0] - 0.7 * 2.0 / 3.0).abs() < 1e-15 && (step[1] + 0.7 * 0.5 / 1.5).abs() < 1e-15
        );
        again.next_step(&gradients[1], &mut step);
        assert_eq!(step[1], 0.0);
        assert!(
            (step[0] - 0.7 / 2f64.sqrt() * 1.0 / (1.0 + (0.1 + 0.9 * 4.0f64).sqrt())).abs() < 1e-15
        );
    }

    /// A constant gradient keeps s constant, so the steps shrink as k^(-1/2).
    #[test]
    fn a_constant_gradient_gives_steps_shrinking_as_one_over_root_k() {
        let mut seq = StepSizeSequence::new(1.0, 1);
        let mut step = [0.0];
        let mut first = 0.0;
        for k in 1..=100 {
            seq.next_step(&[3.0], &mut step);
            if k == 1 {
                first = step[0];
                assert!((first - 0.75).abs() < 1e-15);
            }
            assert!((step[0] * (k as f64).sqrt() - first).abs() < 1e-12);
        }
        let mut params = [1.0];
        StepSizeSequence::new(2.0, 1).ascend(&[-1.0], &mut params);
        assert!((params[0] - 0.0).abs() < 1e-15);
    }
}

//! The multinomial weights of NUTS, exp(h0 - h) for each point of a
//! trajectory, and their sums: held as plain numbers (one `exp` per point,
//! no logarithms) or, when a point's weight is too large for that, as
//! logarithms the way Stan holds them.
//!
//! Stan keeps every weight and sum as a logarithm, so each point costs a
//! `log_sum_exp` (an `exp` and a `log1p`) and each choice between two parts
//! another `exp`. Relative to the transition's starting energy h0 the
//! weights of a trajectory are near 1 (the energy error of a leapfrog step
//! is small), so plain sums hold them exactly as well, as long as no point
//! is e^650 times heavier than the start: then the transition is built
//! again with logarithms (see `NutsSampler::transition`). The two forms
//! choose the same points with the same probabilities; only their rounding
//! differs.

/// A weight, or a sum of weights, of trajectory points.
pub(crate) trait Weight: Copy {
    /// The weight of the starting point, exp(0).
    const START: Self;

    /// The weight of a point with log weight `h0 - h`; None if this form
    /// cannot hold it.
    fn of_point(log_weight: f64) -> Option<Self>;

    /// The point's Metropolis acceptance probability min(1, exp(h0 - h)),
    /// Stan's contribution to `accept_stat__`.
    fn acceptance(self) -> f64;

    /// The weight of two parts together.
    fn plus(self, other: Self) -> Self;

    /// Whether `self` is heavier than `other`.
    fn exceeds(self, other: Self) -> bool;

    /// Whether a uniform draw `u` in [0, 1) falls below part / whole, the
    /// probability of a part heavier than nothing out of a whole.
    fn chooses(u: f64, part: Self, whole: Self) -> bool;
}

/// Weights as numbers. A point may be up to e^650 times heavier than the
/// start, so that a sum over 2^80 such points still fits in an f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Plain(pub f64);

/// The largest log weight `Plain` takes.
const LARGEST_PLAIN_LOG_WEIGHT: f64 = 650.0;

impl Weight for Plain {
    const START: Self = Plain(1.0);

    #[inline(always)]
    fn of_point(log_weight: f64) -> Option<Self> {
        if log_weight > LARGEST_PLAIN_LOG_WEIGHT {
            None
        } else {
            Some(Plain(log_weight.exp()))
        }
    }

    #[inline(always)]
    fn acceptance(self) -> f64 {
        self.0.min(1.0)
    }

    #[inline(always)]
    fn plus(self, other: Self) -> Self {
        Plain(self.0 + other.0)
    }

    #[inline(always)]
    fn exceeds(self, other: Self) -> bool {
        self.0 > other.0
    }

    #[inline(always)]
    fn chooses(u: f64, part: Self, whole: Self) -> bool {
        u * whole.0 < part.0
    }
}

/// Weights as their logarithms, as Stan holds them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Logarithm(pub f64);

/// log(exp(a) + exp(b)) as Stan's math library computes it: the larger
/// argument plus `log1p(exp(-difference))`.
pub(crate) fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let (max, min) = if a > b { (a, b) } else { (b, a) };
    max + (min - max).exp().ln_1p()
}

impl Weight for Logarithm {
    const START: Self = Logarithm(0.0);

    #[inline(always)]
    fn of_point(log_weight: f64) -> Option<Self> {
        Some(Logarithm(log_weight))
    }

    #[inline(always)]
    fn acceptance(self) -> f64 {
        if self.0 > 0.0 {
            1.0
        } else {
            self.0.exp()
        }
    }

    #[inline(always)]
    fn plus(self, other: Self) -> Self {
        Logarithm(log_sum_exp(self.0, other.0))
    }

    #[inline(always)]
    fn exceeds(self, other: Self) -> bool {
        self.0 > other.0
    }

    #[inline(always)]
    fn chooses(u: f64, part: Self, whole: Self) -> bool {
        u < (part.0 - whole.0).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(log_weight: f64) -> Plain {
        Plain::of_point(log_weight).expect("a plain weight")
    }

    fn logarithm(log_weight: f64) -> Logarithm {
        Logarithm::of_point(log_weight).unwrap()
    }

    #[test]
    fn both_forms_give_the_same_sums_choices_and_acceptances() {
        let log_weights = [0.3, -2.0, -0.01, 5.0, -740.0, -1e9, f64::NEG_INFINITY];
        for &a in &log_weights {
            let (pa, la) = (plain(a), logarithm(a));
            assert!((pa.acceptance() - la.acceptance()).abs() <= 1e-15);
            for &b in &log_weights {
                let (pb, lb) = (plain(b), logarithm(b));
                let (plain_sum, log_sum) = (pa.plus(pb), la.plus(lb));
                if log_sum.0 > -700.0 {
                    let relative = (plain_sum.0.ln() - log_sum.0).abs() / log_sum.0.abs().max(1.0);
                    assert!(relative < 1e-14, "{a} + {b}: {plain_sum:?} vs {log_sum:?}");
                }
                if a.max(b) > -700.0 {
                    assert_eq!(pa.exceeds(pb), la.exceeds(lb), "{a} > {b}");
                }
                for u in [0.0, 0.1, 0.5, 0.9, 0.999] {
                    // The probability of b out of a + b, away from its edge
                    // and from sums too small to hold their digits (where
                    // the choice is one of e^-700 trajectories anyway).
                    let probability = (b - log_sum_exp(a, b)).exp();
                    if (probability - u).abs() > 1e-12 && log_sum.0 > -700.0 {
                        assert_eq!(
                            Plain::chooses(u, pb, plain_sum),
                            Logarithm::chooses(u, lb, log_sum),
                            "u = {u}, {b} of {a} + {b}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn plain_weights_refuse_what_would_overflow_a_sum() {
        assert!(Plain::of_point(650.0).is_some());
        assert!(Plain::of_point(651.0).is_none());
        let heaviest = plain(650.0).0;
        assert!((heaviest * 2f64.powi(80)).is_finite());
    }

    #[test]
    fn a_weightless_part_is_never_chosen() {
        let nothing = plain(f64::NEG_INFINITY);
        assert!(!Plain::chooses(0.0, nothing, nothing));
        assert!(!Plain::chooses(0.0, nothing, Plain::START));
        let nothing = logarithm(f64::NEG_INFINITY);
        assert!(!Logarithm::chooses(0.0, nothing, nothing));
    }
}

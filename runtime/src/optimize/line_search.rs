//! The Wolfe line search of Stan's quasi-Newton optimizers: bracketing, then zooming in by cubic interpolation.
//!
//! Nocedal & Wright, Numerical Optimization (2nd ed.), algorithms 3.5 and
//! 3.6, as Stan's `WolfeLineSearch` uses them: sufficient decrease with
//! c1 = 1e-4 and the strong curvature condition with c2 = 0.9. The search
//! minimizes; a point where the objective cannot be evaluated (a rejection,
//! a non-finite value) counts as infinitely high, so the search backs off
//! from it.

use super::Objective;

/// The search's constants (Stan's defaults).
pub(super) const C1: f64 = 1e-4;
pub(super) const C2: f64 = 0.9;
/// Steps shorter than this are a failure.
const MIN_ALPHA: f64 = 1e-12;
/// Evaluations per search, bracketing and zooming together.
const MAX_EVALUATIONS: usize = 40;

/// The point a successful search accepted.
pub(super) struct Accepted {
    pub alpha: f64,
    pub x: Vec<f64>,
    /// The objective (to minimize) and its gradient at `x`.
    pub f: f64,
    pub g: Vec<f64>,
}

/// One trial point along the direction.
struct Trial {
    alpha: f64,
    f: f64,
    /// The directional derivative; NaN where `f` is infinite.
    df: f64,
    x: Vec<f64>,
    g: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Why a search found no step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SearchFailure {
    /// No step along the direction lowers the objective enough.
    NoDecrease,
    /// Every step tried, each twice the last, lowered the objective further:
    /// it looks unbounded below along the direction.
    Unbounded,
}

/// Searches along `p` from `x` (objective `f0`, gradient `g0`, `g0 . p < 0`)
/// for a step that satisfies the strong Wolfe conditions, starting with
/// `alpha0`; `evaluations` counts the objective's calls.
pub(super) fn wolfe(
    objective: &mut dyn Objective,
    x: &[f64],
    f0: f64,
    g0: &[f64],
    p: &[f64],
    alpha0: f64,
    evaluations: &mut usize,
) -> Result<Accepted, SearchFailure> {
    let df0 = dot(g0, p);
    if !(df0 < 0.0) {
        return Err(SearchFailure::NoDecrease);
    }
    let mut budget = MAX_EVALUATIONS;
    let mut evaluate = |alpha: f64, evaluations: &mut usize| -> Trial {
        *evaluations += 1;
        let xa: Vec<f64> = x.iter().zip(p).map(|(xi, pi)| xi + alpha * pi).collect();
        let mut g = vec![0.0; x.len()];
        match objective.minus_log_density(&xa, &mut g) {
            Ok(f) if f.is_finite() && g.iter().all(|v| v.is_finite()) => Trial {
                alpha,
                f,
                df: dot(&g, p),
                x: xa,
                g,
            },
            _ => Trial {
                alpha,
                f: f64::INFINITY,
                df: f64::NAN,
                x: xa,
                g,
            },
        }
    };
    let sufficient = |t: &Trial| t.f <= f0 + C1 * t.alpha * df0;
    let curvature = |t: &Trial| t.df.abs() <= -C2 * df0;
    let accept = |t: Trial| Accepted {
        alpha: t.alpha,
        x: t.x,
        f: t.f,
        g: t.g,
    };

    // Bracketing (algorithm 3.5).
    let mut prev = Trial {
        alpha: 0.0,
        f: f0,
        df: df0,
        x: x.to_vec(),
        g: g0.to_vec(),
    };
    let mut alpha = alpha0;
    let mut first = true;
    let (mut lo, mut hi) = loop {
        if alpha < MIN_ALPHA {
            return Err(SearchFailure::NoDecrease);
        }
        if budget == 0 || !alpha.is_finite() {
            return Err(SearchFailure::Unbounded);
        }
        budget -= 1;
        let t = evaluate(alpha, evaluations);
        if !sufficient(&t) || (!first && t.f >= prev.f) {
            break (prev, t);
        }
        if curvature(&t) {
            return Ok(accept(t));
        }
        if t.df >= 0.0 {
            break (t, prev);
        }
        first = false;
        alpha = t.alpha * 2.0;
        prev = t;
    };

    // Zoom (algorithm 3.6): `lo` satisfies sufficient decrease and has the
    // lowest objective so far; the step between them heads downhill from lo.
    loop {
        if budget == 0 || (hi.alpha - lo.alpha).abs() < MIN_ALPHA {
            return Err(SearchFailure::NoDecrease);
        }
        budget -= 1;
        let alpha = interpolate(&lo, &hi);
        let t = evaluate(alpha, evaluations);
        if !sufficient(&t) || t.f >= lo.f {
            hi = t;
        } else {
            if curvature(&t) {
                return Ok(accept(t));
            }
            if t.df * (hi.alpha - lo.alpha) >= 0.0 {
                hi = lo;
            }
            lo = t;
        }
    }
}

/// The minimizer of the cubic through both ends' values and slopes, kept
/// within the middle 80% of the interval; bisection when the far end could
/// not be evaluated or the cubic has no minimum there.
fn interpolate(lo: &Trial, hi: &Trial) -> f64 {
    let (a, b) = (lo.alpha, hi.alpha);
    let (left, right) = (a.min(b), a.max(b));
    let margin = 0.1 * (right - left);
    let bisect = 0.5 * (a + b);
    if !hi.f.is_finite() || !hi.df.is_finite() {
        return bisect;
    }
    // Nocedal & Wright (3.59).
    let d1 = lo.df + hi.df - 3.0 * (lo.f - hi.f) / (a - b);
    let disc = d1 * d1 - lo.df * hi.df;
    if !(disc >= 0.0) {
        return bisect;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let step = b - (b - a) * (hi.df + d2 - d1) / (hi.df - lo.df + 2.0 * d2);
    if step.is_finite() && step > left + margin && step < right - margin {
        step
    } else {
        bisect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quadratic {
        scale: Vec<f64>,
    }

    impl Objective for Quadratic {
        fn minus_log_density(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String> {
            let mut f = 0.0;
            for i in 0..x.len() {
                f += 0.5 * self.scale[i] * x[i] * x[i];
                g[i] = self.scale[i] * x[i];
            }
            Ok(f)
        }
    }

    #[test]
    fn the_accepted_step_satisfies_both_wolfe_conditions() {
        let mut q = Quadratic {
            scale: vec![1.0, 100.0],
        };
        let x = [1.0, 1.0];
        let mut g0 = [0.0; 2];
        let f0 = q.minus_log_density(&x, &mut g0).unwrap();
        let p: Vec<f64> = g0.iter().map(|v| -v).collect();
        for alpha0 in [1e-3, 1.0, 50.0] {
            let mut evals = 0;
            let a = wolfe(&mut q, &x, f0, &g0, &p, alpha0, &mut evals).expect("a step");
            let df0 = dot(&g0, &p);
            assert!(a.f <= f0 + C1 * a.alpha * df0, "alpha0 {alpha0}");
            assert!(dot(&a.g, &p).abs() <= -C2 * df0, "alpha0 {alpha0}");
            assert!(evals <= MAX_EVALUATIONS);
        }
    }

    /// (x - 0.45)^2, which cannot be evaluated beyond 0.5.
    struct Wall;
    impl Objective for Wall {
        fn minus_log_density(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String> {
            if x[0] > 0.5 {
                return Err("beyond the wall".into());
            }
            g[0] = 2.0 * (x[0] - 0.45);
            Ok((x[0] - 0.45).powi(2))
        }
    }

    #[test]
    fn a_point_that_cannot_be_evaluated_is_backed_off_from() {
        let mut w = Wall;
        let x = [0.0];
        let mut g0 = [0.0];
        let f0 = w.minus_log_density(&x, &mut g0).unwrap();
        let mut evals = 0;
        let a = wolfe(&mut w, &x, f0, &g0, &[1.0], 10.0, &mut evals).expect("a step");
        assert!(a.x[0] <= 0.5 && a.f < f0);
        assert!(a.g[0].abs() <= -C2 * g0[0]);
        // A line along which the objective falls forever.
        let mut slope = |x: &[f64], g: &mut [f64]| {
            g[0] = -1.0;
            Ok(-x[0])
        };
        assert_eq!(
            wolfe(&mut slope, &[0.0], 0.0, &[-1.0], &[1.0], 1.0, &mut evals).err(),
            Some(SearchFailure::Unbounded)
        );
        // A direction that does not descend is refused at once.
        assert_eq!(
            wolfe(&mut w, &x, f0, &g0, &[-1.0], 1.0, &mut evals).err(),
            Some(SearchFailure::NoDecrease)
        );
    }
}

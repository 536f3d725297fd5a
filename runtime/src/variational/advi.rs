//! ADVI itself: the Monte Carlo ELBO and its gradient, Stan's eta adaptation, and the stochastic gradient ascent with its stopping rule.

use super::convergence::{relative_change, RelativeChanges};
use super::family::Approximation;
use super::step_size::StepSizeSequence;
use super::{AdviConfig, AdviError, AdviResult, ElboRow, Event, Note, Stop, Target};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The etas adaptation tries, largest first, as Stan.
pub const ETA_SEQUENCE: [f64; 5] = [100.0, 10.0, 1.0, 0.1, 0.01];

/// Dropped draws allowed per gradient estimate, per draw asked for. (Stan
/// allows fewer than `grad_samples` in all, so with one draw a single
/// rejection ends its run; redrawing is kinder to models whose log
/// density fails in a small part of the space.)
const GRADIENT_DROPS_PER_DRAW: usize = 10;

/// Counts of dropped draws, for the caller's note.
#[derive(Default)]
struct Drops {
    count: usize,
    last: Option<String>,
}

fn standard_normals<R: Rng + ?Sized>(rng: &mut R, eta: &mut [f64]) {
    for e in eta.iter_mut() {
        *e = StandardNormal.sample(rng);
    }
}

/// The ELBO of `q` from `n` draws: the mean log density at the draws plus
/// the entropy. A draw the model rejects, or where the log density is not
/// finite, is dropped and drawn again; `Err` (with the last reason) when
/// `n` draws have been dropped, as Stan.
pub fn estimate_elbo<R: Rng + ?Sized>(
    q: &Approximation,
    target: &mut dyn Target,
    n: usize,
    rng: &mut R,
) -> Result<f64, String> {
    let mut drops = Drops::default();
    elbo_counting(q, target, n, rng, &mut drops)
}

fn elbo_counting<R: Rng + ?Sized>(
    q: &Approximation,
    target: &mut dyn Target,
    n: usize,
    rng: &mut R,
    drops: &mut Drops,
) -> Result<f64, String> {
    let d = q.dim();
    let (mut eta, mut zeta) = (vec![0.0; d], vec![0.0; d]);
    let mut sum = 0.0;
    let (mut kept, mut dropped) = (0usize, 0usize);
    while kept < n {
        standard_normals(rng, &mut eta);
        q.transform(&eta, &mut zeta);
        let reason = match target.log_density(&zeta) {
            Ok(lp) if lp.is_finite() => {
                sum += lp;
                kept += 1;
                continue;
            }
            Ok(lp) => format!("the log density is {lp}"),
            Err(message) => message,
        };
        dropped += 1;
        drops.count += 1;
        drops.last = Some(reason.clone());
        if dropped >= n {
            return Err(format!(
                "{dropped} draws were dropped for {kept} kept (the last: {reason})"
            ));
        }
    }
    Ok(sum / n as f64 + q.entropy())
}

/// The ELBO's gradient with respect to `q`'s parameters (laid out as
/// `q.params()`), from `n` draws, written into `grad`. Draws the model
/// rejects, or where the log density or its gradient is not finite, are
/// dropped and drawn again; `Err` after 10 `n` of them.
pub fn estimate_gradient<R: Rng + ?Sized>(
    q: &Approximation,
    target: &mut dyn Target,
    n: usize,
    rng: &mut R,
    grad: &mut [f64],
) -> Result<(), String> {
    let mut drops = Drops::default();
    gradient_counting(q, target, n, rng, grad, &mut drops)
}

fn gradient_counting<R: Rng + ?Sized>(
    q: &Approximation,
    target: &mut dyn Target,
    n: usize,
    rng: &mut R,
    grad: &mut [f64],
    drops: &mut Drops,
) -> Result<(), String> {
    let d = q.dim();
    let (mut eta, mut zeta, mut g) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    grad.iter_mut().for_each(|v| *v = 0.0);
    let limit = GRADIENT_DROPS_PER_DRAW * n.max(1);
    let (mut kept, mut dropped) = (0usize, 0usize);
    while kept < n {
        standard_normals(rng, &mut eta);
        q.transform(&eta, &mut zeta);
        let reason = match target.log_density_gradient(&zeta, &mut g) {
            Ok(lp) if lp.is_finite() && g.iter().all(|v| v.is_finite()) => {
                q.accumulate_gradient(&g, &eta, grad);
                kept += 1;
                continue;
            }
            Ok(lp) if lp.is_finite() => "the gradient of the log density is not finite".to_string(),
            Ok(lp) => format!("the log density is {lp}"),
            Err(message) => message,
        };
        dropped += 1;
        drops.count += 1;
        drops.last = Some(reason.clone());
        if dropped >= limit {
            return Err(format!(
                "{dropped} draws from the approximation were dropped while estimating one gradient (the last: {reason})"
            ));
        }
    }
    q.finish_gradient(n, grad);
    Ok(())
}

/// Fits the approximation from the starting point `x0`, reporting progress
/// to `observer`.
pub fn run_advi<R: Rng + ?Sized>(
    target: &mut dyn Target,
    x0: &[f64],
    config: &AdviConfig,
    rng: &mut R,
    observer: &mut dyn FnMut(&Event),
) -> Result<AdviResult, AdviError> {
    config.validate().map_err(AdviError::InvalidConfig)?;
    if !x0.iter().all(|v| v.is_finite()) {
        return Err(AdviError::InvalidConfig(
            "the starting point is not finite".into(),
        ));
    }
    let start = Approximation::new(config.algorithm, x0);
    let mut drops = Drops::default();
    let initial_elbo = elbo_counting(&start, target, config.elbo_samples, rng, &mut drops)
        .map_err(AdviError::InitialElbo)?;
    if x0.is_empty() {
        // Without parameters there is nothing to fit.
        return Ok(AdviResult {
            approximation: start,
            eta: config.eta,
            adapted: false,
            initial_elbo,
            rows: Vec::new(),
            iterations: 0,
            stop: Stop::NoParameters,
            earlier_elbo_larger: false,
            dropped_draws: drops.count,
            last_drop_reason: drops.last,
        });
    }
    let adapt = config.adapt_engaged;
    let eta = if adapt {
        // Trial runs with too large an eta are expected to reach where the
        // model fails: their dropped draws are not counted.
        adapt_eta(
            target,
            &start,
            initial_elbo,
            config,
            rng,
            observer,
            &mut Drops::default(),
        )?
    } else {
        config.eta
    };
    let mut result = ascend(
        target,
        start,
        eta,
        initial_elbo,
        config,
        rng,
        observer,
        drops,
    )?;
    result.adapted = adapt;
    Ok(result)
}

/// Stan's heuristic search for eta: from the same start, `adapt_iter`
/// iterations with each eta of the sequence, largest first; stop at the
/// first eta whose ELBO is worse than the previous one's, when that one
/// beat the starting ELBO, and keep the previous. With the last eta, keep
/// it when it beats the start; otherwise every eta failed.
fn adapt_eta<R: Rng + ?Sized>(
    target: &mut dyn Target,
    start: &Approximation,
    initial_elbo: f64,
    config: &AdviConfig,
    rng: &mut R,
    observer: &mut dyn FnMut(&Event),
    drops: &mut Drops,
) -> Result<f64, AdviError> {
    observer(&Event::AdaptationStart);
    let n_params = start.params().len();
    let total = config.adapt_iter * ETA_SEQUENCE.len();
    let mut grad = vec![0.0; n_params];
    let mut elbo_best = -f64::MAX;
    let mut eta_best = ETA_SEQUENCE[0];
    let mut trials = Vec::new();
    for (index, &eta) in ETA_SEQUENCE.iter().enumerate() {
        let mut q = start.clone();
        let mut steps = StepSizeSequence::new(eta, n_params);
        for t in 1..=config.adapt_iter {
            let m = index * config.adapt_iter + t;
            if m == 1 || m % config.adapt_iter == 0 || m == total {
                observer(&Event::AdaptationProgress {
                    iteration: m,
                    total,
                });
            }
            // A gradient that cannot be estimated counts as zero: a smaller
            // eta will be tried anyway.
            if gradient_counting(&q, target, config.grad_samples, rng, &mut grad, drops).is_err() {
                grad.iter_mut().for_each(|v| *v = 0.0);
            }
            steps.ascend(&grad, q.params_mut());
            if !q.is_finite() {
                break;
            }
        }
        let elbo = if q.is_finite() {
            match elbo_counting(&q, target, config.elbo_samples, rng, drops) {
                Ok(e) if e.is_finite() => e,
                _ => -f64::MAX,
            }
        } else {
            -f64::MAX
        };
        observer(&Event::AdaptationTrial { eta, elbo });
        trials.push((eta, elbo));
        let last = index == ETA_SEQUENCE.len() - 1;
        if elbo < elbo_best && elbo_best > initial_elbo {
            observer(&Event::AdaptationDone {
                eta: eta_best,
                early: !last,
            });
            return Ok(eta_best);
        }
        if !last {
            elbo_best = elbo;
            eta_best = eta;
        } else if elbo > initial_elbo {
            observer(&Event::AdaptationDone { eta, early: false });
            return Ok(eta);
        }
    }
    Err(AdviError::AdaptationFailed {
        initial_elbo,
        trials,
    })
}

/// The stochastic gradient ascent with Stan's stopping rule.
#[allow(clippy::too_many_arguments)]
fn ascend<R: Rng + ?Sized>(
    target: &mut dyn Target,
    start: Approximation,
    eta: f64,
    initial_elbo: f64,
    config: &AdviConfig,
    rng: &mut R,
    observer: &mut dyn FnMut(&Event),
    mut drops: Drops,
) -> Result<AdviResult, AdviError> {
    observer(&Event::AscentStart);
    let mut q = start;
    let n_params = q.params().len();
    let mut steps = StepSizeSequence::new(eta, n_params);
    let mut grad = vec![0.0; n_params];
    let mut changes = RelativeChanges::for_run(config.iter, config.eval_elbo);
    let mut elbo = 0.0;
    let mut elbo_best = -f64::MAX;
    let mut best: Option<(usize, Approximation)> = None;
    let mut rows = Vec::new();
    let mut earlier_elbo_larger = false;
    let mut stop = Stop::MaxIterations;
    let mut iterations = 0;
    let mut failure: Option<(usize, String)> = None;
    for k in 1..=config.iter {
        iterations = k;
        if let Err(reason) =
            gradient_counting(&q, target, config.grad_samples, rng, &mut grad, &mut drops)
        {
            failure = Some((k, reason));
            break;
        }
        steps.ascend(&grad, q.params_mut());
        if !q.is_finite() {
            failure = Some((
                k,
                "the approximation's mean or scale grew without bound (to a value that is not finite), as it does when the posterior is improper or eta is too large".into(),
            ));
            break;
        }
        if k % config.eval_elbo != 0 {
            continue;
        }
        let previous = elbo;
        elbo = match elbo_counting(&q, target, config.elbo_samples, rng, &mut drops) {
            Ok(e) if e.is_finite() => e,
            Ok(e) => {
                failure = Some((k, format!("the ELBO estimate is {e}")));
                break;
            }
            Err(reason) => {
                failure = Some((k, format!("the ELBO cannot be estimated: {reason}")));
                break;
            }
        };
        if elbo > elbo_best {
            elbo_best = elbo;
            best = Some((k, q.clone()));
        }
        changes.push(relative_change(elbo, previous));
        let (delta_mean, delta_median) = (changes.mean(), changes.median());
        let mut notes = Vec::new();
        if delta_mean < config.tol_rel_obj {
            notes.push(Note::MeanConverged);
            stop = Stop::MeanConverged;
        }
        if delta_median < config.tol_rel_obj {
            notes.push(Note::MedianConverged);
            if stop == Stop::MaxIterations {
                stop = Stop::MedianConverged;
            }
        }
        if k > 10 * config.eval_elbo && (delta_median > 0.5 || delta_mean > 0.5) {
            notes.push(Note::MayBeDiverging);
        }
        let row = ElboRow {
            iteration: k,
            elbo,
            delta_mean,
            delta_median,
            notes,
        };
        observer(&Event::Evaluation(row.clone()));
        rows.push(row);
        if stop != Stop::MaxIterations {
            earlier_elbo_larger = relative_change(elbo, elbo_best) > 0.05;
            break;
        }
    }
    if let Some((iteration, reason)) = failure {
        let Some((best_iteration, best_q)) = best else {
            return Err(AdviError::Diverged { iteration, reason });
        };
        q = best_q;
        stop = Stop::Diverged {
            iteration,
            reason,
            best_iteration,
        };
    }
    Ok(AdviResult {
        approximation: q,
        eta,
        adapted: false,
        initial_elbo,
        rows,
        iterations,
        stop,
        earlier_elbo_larger,
        dropped_draws: drops.count,
        last_drop_reason: drops.last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain_rng::chain_rng;
    use crate::variational::Algorithm;

    /// A normalized Gaussian with mean `m` and precision `p` (2-d).
    struct Gaussian {
        m: [f64; 2],
        p: [[f64; 2]; 2],
    }

    impl Gaussian {
        fn correlated(rho: f64) -> Self {
            // Covariance [[1, rho], [rho, 1]]: precision [[1, -rho], [-rho, 1]] / (1 - rho^2).
            let c = 1.0 / (1.0 - rho * rho);
            Gaussian {
                m: [1.0, -2.0],
                p: [[c, -rho * c], [-rho * c, c]],
            }
        }
        fn log_det_precision(&self) -> f64 {
            (self.p[0][0] * self.p[1][1] - self.p[0][1] * self.p[1][0]).ln()
        }
    }

    impl Target for Gaussian {
        fn log_density(&mut self, x: &[f64]) -> Result<f64, String> {
            let mut g = [0.0; 2];
            self.log_density_gradient(x, &mut g)
        }
        fn log_density_gradient(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String> {
            let d = [x[0] - self.m[0], x[1] - self.m[1]];
            let pd = [
                self.p[0][0] * d[0] + self.p[0][1] * d[1],
                self.p[1][0] * d[0] + self.p[1][1] * d[1],
            ];
            g[0] = -pd[0];
            g[1] = -pd[1];
            Ok(
                -0.5 * (d[0] * pd[0] + d[1] * pd[1]) - (2.0 * std::f64::consts::PI).ln()
                    + 0.5 * self.log_det_precision(),
            )
        }
    }

    /// The ELBO of q is log Z - KL(q || p) = -KL for a normalized target.
    /// With q = p the estimate is 0 up to Monte Carlo noise (sd 0.1 here);
    /// with q's mean moved by (1, 0) and sd 1 on an uncorrelated unit
    /// target, KL = 1/2.
    #[test]
    fn the_elbo_estimate_is_minus_the_kl_divergence_on_a_gaussian_target() {
        let rho: f64 = 0.6;
        let mut target = Gaussian::correlated(rho);
        let exact = Approximation::fullrank(
            &[1.0, -2.0],
            &[vec![1.0], vec![rho, (1.0 - rho * rho).sqrt()]],
        );
        let mut rng = chain_rng(3, 1);
        let elbo = estimate_elbo(&exact, &mut target, 100, &mut rng).unwrap();
        assert!(elbo.abs() < 0.4, "{elbo}");
        let big = estimate_elbo(&exact, &mut target, 20_000, &mut rng).unwrap();
        assert!(big.abs() < 0.03, "{big}");

        let mut unit = Gaussian::correlated(0.0);
        let shifted = Approximation::meanfield(&[2.0, -2.0], &[1.0, 1.0]);
        let elbo = estimate_elbo(&shifted, &mut unit, 20_000, &mut rng).unwrap();
        assert!((elbo + 0.5).abs() < 0.03, "{elbo}");
        // sd 2 in the first coordinate: KL = (4 - 1 - ln 4) / 2.
        let wide = Approximation::meanfield(&[1.0, -2.0], &[2.0, 1.0]);
        let elbo = estimate_elbo(&wide, &mut unit, 40_000, &mut rng).unwrap();
        let kl = (4.0 - 1.0 - 4f64.ln()) / 2.0;
        assert!((elbo + kl).abs() < 0.05, "{elbo} vs {}", -kl);
    }

    /// For fixed standard normal draws, the gradient the families
    /// accumulate is the exact derivative of the sample-average ELBO.
    #[test]
    fn the_reparameterized_gradient_matches_finite_differences() {
        let mut target = Gaussian::correlated(0.7);
        let etas = [[0.3, -1.2], [1.5, 0.4], [-0.8, 0.9]];
        let objective = |q: &Approximation, target: &mut Gaussian| {
            let mut zeta = [0.0; 2];
            let mut sum = 0.0;
            for eta in &etas {
                q.transform(eta, &mut zeta);
                sum += target.log_density(&zeta).unwrap();
            }
            sum / etas.len() as f64 + q.entropy()
        };
        for q in [
            Approximation::meanfield(&[0.2, -1.0], &[0.7, 1.3]),
            Approximation::fullrank(&[0.2, -1.0], &[vec![0.9], vec![0.4, 1.1]]),
        ] {
            let mut grad = vec![0.0; q.params().len()];
            let mut g = [0.0; 2];
            let mut zeta = [0.0; 2];
            for eta in &etas {
                q.transform(eta, &mut zeta);
                target.log_density_gradient(&zeta, &mut g).unwrap();
                q.accumulate_gradient(&g, eta, &mut grad);
            }
            q.finish_gradient(etas.len(), &mut grad);
            for i in 0..grad.len() {
                let h = 1e-6;
                let (mut up, mut down) = (q.clone(), q.clone());
                up.params_mut()[i] += h;
                down.params_mut()[i] -= h;
                let fd = (objective(&up, &mut target) - objective(&down, &mut target)) / (2.0 * h);
                assert!(
                    (fd - grad[i]).abs() < 1e-6,
                    "{:?} param {i}: {fd} vs {}",
                    q.algorithm,
                    grad[i]
                );
            }
        }
    }

    /// ADVI on a correlated Gaussian: fullrank finds its mean and
    /// covariance; meanfield its mean and the conditional standard
    /// deviations sqrt(1 - rho^2), the known underestimate. (eta is fixed:
    /// on this target the adaptation's noisy comparisons sometimes pick
    /// eta = 100, as Stan's would, whose last steps are still large.)
    #[test]
    fn advi_fits_a_correlated_gaussian() {
        let rho: f64 = 0.8;
        for algorithm in [Algorithm::FullRank, Algorithm::MeanField] {
            let mut target = Gaussian::correlated(rho);
            let config = AdviConfig {
                algorithm,
                adapt_engaged: false,
                ..AdviConfig::default()
            };
            let mut rng = chain_rng(11, 1);
            let mut events = Vec::new();
            let result = run_advi(&mut target, &[0.0, 0.0], &config, &mut rng, &mut |e| {
                events.push(e.clone())
            })
            .unwrap();
            assert!(
                matches!(
                    result.stop,
                    Stop::MeanConverged | Stop::MedianConverged | Stop::MaxIterations
                ),
                "{:?}",
                result.stop
            );
            assert!(!events.iter().any(|e| matches!(e, Event::AdaptationStart)));
            assert_eq!(
                events
                    .iter()
                    .filter(|e| matches!(e, Event::Evaluation(_)))
                    .count(),
                result.rows.len()
            );
            assert!(!result.rows.is_empty());
            let q = &result.approximation;
            let m = q.mean();
            assert!(
                (m[0] - 1.0).abs() < 0.15 && (m[1] + 2.0).abs() < 0.15,
                "{algorithm:?}: {m:?}"
            );
            let c = q.covariance();
            let sd = q.sd();
            match algorithm {
                Algorithm::FullRank => {
                    let corr = c[0][1] / (sd[0] * sd[1]);
                    assert!((corr - rho).abs() < 0.1, "fullrank correlation {corr}");
                    assert!(
                        (sd[0] - 1.0).abs() < 0.2 && (sd[1] - 1.0).abs() < 0.2,
                        "fullrank sd {sd:?}"
                    );
                }
                Algorithm::MeanField => {
                    assert_eq!(c[0][1], 0.0);
                    let expected = (1.0 - rho * rho).sqrt();
                    assert!(
                        (sd[0] / expected - 1.0).abs() < 0.2
                            && (sd[1] / expected - 1.0).abs() < 0.2,
                        "meanfield sd {sd:?} vs {expected}"
                    );
                }
            }
        }
    }

    /// Eta adaptation tries the sequence from 100 down and keeps one of its
    /// values; on a unit Gaussian far from the start, the fit then goes there.
    #[test]
    fn eta_adaptation_picks_a_value_of_the_sequence() {
        let mut target = Gaussian {
            m: [30.0, -20.0],
            p: [[1.0, 0.0], [0.0, 1.0]],
        };
        let mut events = Vec::new();
        let r = run_advi(
            &mut target,
            &[0.0, 0.0],
            &AdviConfig::default(),
            &mut chain_rng(2, 1),
            &mut |e| events.push(e.clone()),
        )
        .unwrap();
        assert!(r.adapted && ETA_SEQUENCE.contains(&r.eta), "{}", r.eta);
        let trials: Vec<f64> = events
            .iter()
            .filter_map(|e| match e {
                Event::AdaptationTrial { eta, .. } => Some(*eta),
                _ => None,
            })
            .collect();
        assert_eq!(trials, ETA_SEQUENCE[..trials.len()]);
        let progress = events
            .iter()
            .filter(|e| matches!(e, Event::AdaptationProgress { .. }))
            .count();
        assert!(progress >= 2);
        assert!(events.contains(&Event::AdaptationDone {
            eta: r.eta,
            early: trials.len() < 5
        }));
        let m = r.approximation.mean();
        // Far from the start the ELBO is large, so its relative changes can
        // fall below the tolerance before the mean arrives (as in Stan).
        assert!(
            (m[0] - 30.0).abs() < 2.5 && (m[1] + 20.0).abs() < 2.5,
            "{m:?}"
        );
    }

    /// The same seed gives the same fit.
    #[test]
    fn a_run_is_reproducible() {
        let config = AdviConfig::default();
        let run = |seed| {
            let mut target = Gaussian::correlated(0.3);
            run_advi(
                &mut target,
                &[0.5, 0.5],
                &config,
                &mut chain_rng(seed, 1),
                &mut |_| {},
            )
            .unwrap()
        };
        assert_eq!(run(4), run(4));
        assert_ne!(run(4).approximation, run(5).approximation);
    }

    /// A log density that works for the first `working` calls only.
    struct FailsAfter {
        calls: usize,
        working: usize,
        inner: Gaussian,
    }

    impl Target for FailsAfter {
        fn log_density(&mut self, x: &[f64]) -> Result<f64, String> {
            self.calls += 1;
            if self.calls > self.working {
                return Err("sigma is not positive".into());
            }
            self.inner.log_density(x)
        }
        fn log_density_gradient(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, String> {
            self.calls += 1;
            if self.calls > self.working {
                return Err("sigma is not positive".into());
            }
            self.inner.log_density_gradient(x, g)
        }
    }

    #[test]
    fn troubles_are_errors_with_the_models_reason_never_panics() {
        let mut rng = chain_rng(1, 1);
        let config = AdviConfig::default();
        // Nothing can be evaluated: no initial ELBO.
        let mut never = FailsAfter {
            calls: 0,
            working: 0,
            inner: Gaussian::correlated(0.0),
        };
        match run_advi(&mut never, &[0.0, 0.0], &config, &mut rng, &mut |_| {}) {
            Err(AdviError::InitialElbo(m)) => assert!(
                m.contains("sigma is not positive") && m.contains("100 draws"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        // Only the initial ELBO works: every eta fails.
        let mut once = FailsAfter {
            calls: 0,
            working: 100,
            inner: Gaussian::correlated(0.0),
        };
        match run_advi(&mut once, &[0.0, 0.0], &config, &mut rng, &mut |_| {}) {
            Err(AdviError::AdaptationFailed { trials, .. }) => {
                assert_eq!(trials.len(), 5);
                assert!(trials.iter().all(|(_, e)| *e == -f64::MAX));
            }
            other => panic!("{other:?}"),
        }
        // Without adaptation, failing after the first evaluation: the result
        // keeps the approximation of iteration 100.
        let no_adapt = AdviConfig {
            adapt_engaged: false,
            ..AdviConfig::default()
        };
        let mut later = FailsAfter {
            calls: 0,
            working: 100 + 100 + 100 + 49,
            inner: Gaussian::correlated(0.0),
        };
        let r = run_advi(&mut later, &[0.0, 0.0], &no_adapt, &mut rng, &mut |_| {}).unwrap();
        match &r.stop {
            Stop::Diverged {
                iteration,
                reason,
                best_iteration,
            } => {
                assert_eq!((*iteration, *best_iteration), (150, 100));
                assert!(reason.contains("sigma is not positive"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(r.approximation.is_finite());
        // Failing before any evaluation: no approximation at all.
        let mut early = FailsAfter {
            calls: 0,
            working: 100 + 20,
            inner: Gaussian::correlated(0.0),
        };
        assert!(matches!(
            run_advi(&mut early, &[0.0, 0.0], &no_adapt, &mut rng, &mut |_| {}),
            Err(AdviError::Diverged { iteration: 21, .. })
        ));
        // Bad settings.
        for bad in [
            AdviConfig {
                eta: -1.0,
                ..AdviConfig::default()
            },
            AdviConfig {
                tol_rel_obj: 0.0,
                ..AdviConfig::default()
            },
            AdviConfig {
                eval_elbo: 0,
                ..AdviConfig::default()
            },
            AdviConfig {
                tol_rel_obj: f64::NAN,
                ..AdviConfig::default()
            },
        ] {
            let mut t = Gaussian::correlated(0.0);
            assert!(matches!(
                run_advi(&mut t, &[0.0, 0.0], &bad, &mut rng, &mut |_| {}),
                Err(AdviError::InvalidConfig(_))
            ));
        }
    }

    /// A model without parameters: nothing to fit, and no trouble.
    #[test]
    fn zero_dimensions_need_no_fit() {
        struct Constant;
        impl Target for Constant {
            fn log_density(&mut self, _: &[f64]) -> Result<f64, String> {
                Ok(-3.0)
            }
            fn log_density_gradient(&mut self, _: &[f64], _: &mut [f64]) -> Result<f64, String> {
                Ok(-3.0)
            }
        }
        let r = run_advi(
            &mut Constant,
            &[],
            &AdviConfig::default(),
            &mut chain_rng(1, 1),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.stop, Stop::NoParameters);
        assert_eq!(r.initial_elbo, -3.0);
        assert_eq!(r.approximation.mean().len(), 0);
    }
}

//! The fast paths of common densities against the general formulas: normal_lpdf with one scale against the generic element loop (the same scale repeated as a vector), for each shape and activity of the arguments, and its checks made in its own pass; bernoulli_logit_lpmf bit for bit against log_inv_logit and inv_logit.

use stdlib::distributions::continuous::normal_lpdf;
use stdlib::distributions::discrete::bernoulli_logit_lpmf;
use stdlib::distributions::RealArg;
use stdlib::math::{inv_logit, log1m_inv_logit, log_inv_logit};

/// One argument: its values and, when it is a parameter, a partials buffer.
struct Arg {
    values: Vec<f64>,
    partials: Option<Vec<f64>>,
}

impl Arg {
    fn new(values: Vec<f64>, active: bool) -> Self {
        let partials = active.then(|| vec![0.0; values.len()]);
        Arg { values, partials }
    }
    fn real_arg(&mut self) -> RealArg<'_> {
        match &mut self.partials {
            Some(p) => RealArg::param(&self.values, p),
            None => RealArg::data(&self.values),
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn one_scale_equals_the_scale_repeated() {
    let n = 7;
    let ys: Vec<f64> = (0..n).map(|i| 0.3 * i as f64 - 1.1).collect();
    let mus: Vec<f64> = (0..n).map(|i| 0.5 - 0.2 * i as f64).collect();
    let sigma = 1.7;
    let mut checked = 0;
    for y_vector in [false, true] {
        for mu_vector in [false, true] {
            for active in 0..8u32 {
                for propto in [false, true] {
                    let y_vals = if y_vector { ys.clone() } else { vec![ys[2]] };
                    let mu_vals = if mu_vector { mus.clone() } else { vec![mus[3]] };
                    let (ya, ma, sa) = (active & 1 != 0, active & 2 != 0, active & 4 != 0);
                    // The fast path: sigma is one number.
                    let (mut y1, mut m1, mut s1) = (
                        Arg::new(y_vals.clone(), ya),
                        Arg::new(mu_vals.clone(), ma),
                        Arg::new(vec![sigma], sa),
                    );
                    let fast =
                        normal_lpdf(y1.real_arg(), m1.real_arg(), s1.real_arg(), propto).unwrap();
                    // The generic loop: the same sigma repeated as a vector.
                    let len = if y_vector || mu_vector { n } else { 2 };
                    let (y_vals, mu_vals) = if len == 2 {
                        (vec![y_vals[0]; 2], vec![mu_vals[0]; 2])
                    } else {
                        (y_vals, mu_vals)
                    };
                    let (mut y2, mut m2, mut s2) = (
                        Arg::new(y_vals, ya),
                        Arg::new(mu_vals, ma),
                        Arg::new(vec![sigma; len], sa),
                    );
                    let slow =
                        normal_lpdf(y2.real_arg(), m2.real_arg(), s2.real_arg(), propto).unwrap();
                    // With two equal scalar elements the generic value counts the element twice.
                    let scale = if len == 2 { 0.5 } else { 1.0 };
                    let case = format!("y vector {y_vector}, mu vector {mu_vector}, active {active:03b}, propto {propto}");
                    assert!(
                        close(fast, scale * slow),
                        "{case}: {fast} vs {}",
                        scale * slow
                    );
                    let sum = |v: &[f64]| v.iter().sum::<f64>();
                    for (name, a, b) in [("y", &y1, &y2), ("mu", &m1, &m2), ("sigma", &s1, &s2)] {
                        match (&a.partials, &b.partials) {
                            (Some(pa), Some(pb)) if pa.len() == pb.len() => {
                                for (x, y) in pa.iter().zip(pb) {
                                    assert!(
                                        close(*x, scale * y),
                                        "{case}: d{name} {x} vs {}",
                                        scale * y
                                    );
                                }
                            }
                            (Some(pa), Some(pb)) => {
                                assert!(
                                    close(sum(pa), scale * sum(pb)),
                                    "{case}: d{name} {pa:?} vs {pb:?}"
                                );
                            }
                            (None, None) => {}
                            _ => unreachable!(),
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 64);
}

#[test]
fn propto_with_data_only_is_zero_and_sizes_must_match() {
    let y = [1.0, 2.0];
    let mu = [0.0, 0.5, 1.0];
    let value = normal_lpdf(
        RealArg::data(&y),
        RealArg::data(&[0.0]),
        RealArg::data(&[2.0]),
        true,
    );
    assert_eq!(value.unwrap(), 0.0);
    let err = normal_lpdf(
        RealArg::data(&y),
        RealArg::data(&mu),
        RealArg::data(&[2.0]),
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("must match in size"), "{err}");
}

/// With one scale, `y` and `mu` are checked in the density's own pass: a
/// NaN `y` or an infinite `mu` fails with Stan's message (y's first when
/// both fail, the scale's after them), and an infinite `y` or a sum of
/// squares that overflows is no failure.
#[test]
fn one_scale_checks_y_and_mu_in_its_pass() {
    let run = |y: &[f64], mu: &[f64], sigma: f64| {
        let mut partials = vec![0.0; mu.len()];
        normal_lpdf(
            RealArg::data(y),
            RealArg::param(mu, &mut partials),
            RealArg::data(&[sigma]),
            false,
        )
    };
    let message = |r: Result<f64, stdlib::distributions::DomainError>| r.unwrap_err().to_string();
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    assert!(message(run(&[1.0, nan], &[0.0, 0.0], 1.0)).contains("Random variable is NaN"));
    assert!(message(run(&[1.0, 2.0], &[0.0, -inf], 1.0)).contains("Location parameter is -inf"));
    let both = message(run(&[nan, 2.0], &[0.0, inf], 1.0));
    assert!(both.contains("Random variable is NaN"), "{both}");
    let scale = message(run(&[nan, 2.0], &[0.0, 0.0], -1.0));
    assert!(scale.contains("Random variable is NaN"), "{scale}");
    let scale = message(run(&[1.0, 2.0], &[0.0, 0.0], -1.0));
    assert!(scale.contains("Scale parameter is -1"), "{scale}");
    assert_eq!(
        run(&[inf, 0.0], &[0.0, 0.0], 1.0).unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(
        run(&[1e200, 0.0], &[-1e200, 0.0], 1.0).unwrap(),
        f64::NEG_INFINITY
    );
    let tiny = run(&[1.0, 0.5], &[0.0, 0.0], 1e-310).unwrap();
    assert!(tiny.is_nan() || tiny == f64::NEG_INFINITY, "{tiny}");
}

#[test]
fn bernoulli_logit_equals_the_three_functions_bit_for_bit() {
    let mut values = vec![0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 710.0, -745.0];
    values.extend([f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN]);
    values.extend((-400..=400).map(|k| k as f64 * 0.137));
    for &a in &values {
        for n in [0i64, 1] {
            let mut partial = [0.0];
            let lp = bernoulli_logit_lpmf(&[n], RealArg::param(&[a], &mut partial), false).unwrap();
            let want = if n == 1 {
                log_inv_logit(a)
            } else {
                log1m_inv_logit(a)
            };
            // `+ 0.0` makes -0 and 0 one value (the element loop's sum starts at 0); every other bit must agree.
            assert_eq!(
                (lp + 0.0).to_bits(),
                (want + 0.0).to_bits(),
                "n {n}, alpha {a}: {lp} vs {want}"
            );
            let want_d = n as f64 - inv_logit(a);
            assert_eq!(
                (partial[0] + 0.0).to_bits(),
                (want_d + 0.0).to_bits(),
                "n {n}, alpha {a}: d {} vs {want_d}",
                partial[0]
            );
        }
    }
}

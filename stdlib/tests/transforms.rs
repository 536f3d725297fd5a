//! Round trips, finite-difference checks of log-Jacobians and adjoints, and domain errors of every constraint transform.

use stdlib::transforms::*;

/// A deterministic pseudo-random stream in (-1, 1) for test points.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize, scale: f64) -> Vec<f64> {
        (0..n).map(|_| scale * self.next()).collect()
    }
}

/// One transform under test: its sizes, forward map, reverse sweep and inverse.
struct Case {
    name: &'static str,
    n_in: usize,
    n_out: usize,
    fwd: Box<dyn Fn(&[f64], &mut [f64]) -> f64>,
    rev: Box<dyn Fn(&[f64], &[f64], &[f64], f64, &mut [f64])>,
    inv: Box<dyn Fn(&[f64], &mut [f64]) -> Result<(), stdlib::error::DomainError>>,
}

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    v.push(Case {
        name: "lower",
        n_in: 3,
        n_out: 3,
        fwd: Box::new(|x, y| lower_bound_constrain(x, &[0.5, -1.0, 2.0], y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| {
            lower_bound_reverse(x, &[0.5, -1.0, 2.0], ya, la, xa, &mut []).unwrap()
        }),
        inv: Box::new(|y, x| lower_bound_unconstrain(y, &[0.5, -1.0, 2.0], x)),
    });
    v.push(Case {
        name: "upper",
        n_in: 3,
        n_out: 3,
        fwd: Box::new(|x, y| upper_bound_constrain(x, &[1.5], y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| {
            upper_bound_reverse(x, &[1.5], ya, la, xa, &mut []).unwrap()
        }),
        inv: Box::new(|y, x| upper_bound_unconstrain(y, &[1.5], x)),
    });
    v.push(Case {
        name: "lower_upper",
        n_in: 3,
        n_out: 3,
        fwd: Box::new(|x, y| {
            lower_upper_bound_constrain(x, &[-2.0], &[1.0, 2.0, f64::INFINITY], y).unwrap()
        }),
        rev: Box::new(|x, _y, ya, la, xa| {
            lower_upper_bound_reverse(
                x,
                &[-2.0],
                &[1.0, 2.0, f64::INFINITY],
                ya,
                la,
                xa,
                &mut [],
                &mut [],
            )
            .unwrap()
        }),
        inv: Box::new(|y, x| {
            lower_upper_bound_unconstrain(y, &[-2.0], &[1.0, 2.0, f64::INFINITY], x)
        }),
    });
    v.push(Case {
        name: "offset_multiplier",
        n_in: 3,
        n_out: 3,
        fwd: Box::new(|x, y| offset_multiplier_constrain(x, &[1.0, 2.0, 3.0], &[0.5], y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| {
            offset_multiplier_reverse(x, &[1.0, 2.0, 3.0], &[0.5], ya, la, xa, &mut [], &mut [])
                .unwrap()
        }),
        inv: Box::new(|y, x| offset_multiplier_unconstrain(y, &[1.0, 2.0, 3.0], &[0.5], x)),
    });
    v.push(Case {
        name: "ordered",
        n_in: 4,
        n_out: 4,
        fwd: Box::new(|x, y| ordered_constrain(x, y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| ordered_reverse(x, ya, la, xa).unwrap()),
        inv: Box::new(ordered_unconstrain),
    });
    v.push(Case {
        name: "positive_ordered",
        n_in: 4,
        n_out: 4,
        fwd: Box::new(|x, y| positive_ordered_constrain(x, y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| positive_ordered_reverse(x, ya, la, xa).unwrap()),
        inv: Box::new(positive_ordered_unconstrain),
    });
    v.push(Case {
        name: "sum_to_zero",
        n_in: 5,
        n_out: 6,
        fwd: Box::new(|x, y| sum_to_zero_constrain(x, y).unwrap()),
        rev: Box::new(|x, _y, ya, _la, xa| sum_to_zero_reverse(x, ya, xa).unwrap()),
        inv: Box::new(sum_to_zero_unconstrain),
    });
    v.push(Case {
        name: "simplex",
        n_in: 5,
        n_out: 6,
        fwd: Box::new(|x, y| simplex_constrain(x, y).unwrap()),
        rev: Box::new(|_x, y, ya, la, xa| simplex_reverse(y, ya, la, xa).unwrap()),
        inv: Box::new(simplex_unconstrain),
    });
    v.push(Case {
        name: "unit_vector",
        n_in: 4,
        n_out: 4,
        fwd: Box::new(|x, y| unit_vector_constrain(x, y).unwrap()),
        rev: Box::new(|x, y, ya, la, xa| unit_vector_reverse(x, y, ya, la, xa).unwrap()),
        inv: Box::new(unit_vector_unconstrain),
    });
    v.push(Case {
        name: "column_stochastic",
        n_in: 6,
        n_out: 8,
        fwd: Box::new(|x, y| column_stochastic_constrain(x, 4, 2, y).unwrap()),
        rev: Box::new(|_x, y, ya, la, xa| column_stochastic_reverse(y, 4, 2, ya, la, xa).unwrap()),
        inv: Box::new(|y, x| column_stochastic_unconstrain(y, 4, 2, x)),
    });
    v.push(Case {
        name: "row_stochastic",
        n_in: 6,
        n_out: 9,
        fwd: Box::new(|x, y| row_stochastic_constrain(x, 3, 3, y).unwrap()),
        rev: Box::new(|_x, y, ya, la, xa| row_stochastic_reverse(y, 3, 3, ya, la, xa).unwrap()),
        inv: Box::new(|y, x| row_stochastic_unconstrain(y, 3, 3, x)),
    });
    v.push(Case {
        name: "cholesky_factor_cov",
        n_in: cholesky_factor_cov_len(5, 3),
        n_out: 15,
        fwd: Box::new(|x, y| cholesky_factor_cov_constrain(x, 5, 3, y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| {
            cholesky_factor_cov_reverse(x, 5, 3, ya, la, xa).unwrap()
        }),
        inv: Box::new(|y, x| cholesky_factor_cov_unconstrain(y, 5, 3, x)),
    });
    v.push(Case {
        name: "cholesky_factor_corr",
        n_in: corr_len(5),
        n_out: 25,
        fwd: Box::new(|x, y| cholesky_factor_corr_constrain(x, 5, y).unwrap()),
        rev: Box::new(|x, y, ya, la, xa| {
            cholesky_factor_corr_reverse(x, 5, y, ya, la, xa).unwrap()
        }),
        inv: Box::new(|y, x| cholesky_factor_corr_unconstrain(y, 5, x)),
    });
    v.push(Case {
        name: "corr_matrix",
        n_in: corr_len(5),
        n_out: 25,
        fwd: Box::new(|x, y| corr_matrix_constrain(x, 5, y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| corr_matrix_reverse(x, 5, ya, la, xa).unwrap()),
        inv: Box::new(|y, x| corr_matrix_unconstrain(y, 5, x)),
    });
    v.push(Case {
        name: "cov_matrix",
        n_in: cov_matrix_len(4),
        n_out: 16,
        fwd: Box::new(|x, y| cov_matrix_constrain(x, 4, y).unwrap()),
        rev: Box::new(|x, _y, ya, la, xa| cov_matrix_reverse(x, 4, ya, la, xa).unwrap()),
        inv: Box::new(|y, x| cov_matrix_unconstrain(y, 4, x)),
    });
    v
}

#[test]
fn every_transform_round_trips() {
    let mut rng = Lcg(7);
    for case in cases() {
        for _ in 0..5 {
            let x = rng.vec(case.n_in, 1.5);
            let mut y = vec![0.0; case.n_out];
            (case.fwd)(&x, &mut y);
            let mut back = vec![0.0; case.n_in];
            (case.inv)(&y, &mut back).unwrap_or_else(|e| panic!("{}: {e}", case.name));
            // unit_vector is not one-to-one: compare it on the constrained scale.
            if case.name == "unit_vector" {
                let mut again = vec![0.0; case.n_out];
                (case.fwd)(&back, &mut again);
                for i in 0..y.len() {
                    assert!(
                        (again[i] - y[i]).abs() < 1e-12,
                        "unit_vector: round trip y[{i}]"
                    );
                }
                continue;
            }
            for i in 0..x.len() {
                assert!(
                    (back[i] - x[i]).abs() < 1e-9,
                    "{}: round trip x[{i}] {} -> {}",
                    case.name,
                    x[i],
                    back[i]
                );
            }
        }
    }
}

#[test]
fn every_reverse_sweep_matches_finite_differences() {
    let mut rng = Lcg(11);
    for case in cases() {
        for trial in 0..4 {
            let x = rng.vec(case.n_in, 1.2);
            let w = rng.vec(case.n_out, 1.0);
            let lj_w = if trial % 2 == 0 { 1.0 } else { 0.0 };
            // f(x) = w . y(x) + lj_w * log_jacobian(x)
            let f = |x: &[f64]| {
                let mut y = vec![0.0; case.n_out];
                let lj = (case.fwd)(x, &mut y);
                w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() + lj_w * lj
            };
            let mut y = vec![0.0; case.n_out];
            (case.fwd)(&x, &mut y);
            let mut x_adj = vec![0.0; case.n_in];
            (case.rev)(&x, &y, &w, lj_w, &mut x_adj);
            for i in 0..case.n_in {
                let h = 1e-6;
                let (mut up, mut dn) = (x.clone(), x.clone());
                up[i] += h;
                dn[i] -= h;
                let fd = (f(&up) - f(&dn)) / (2.0 * h);
                let err = (fd - x_adj[i]).abs() / fd.abs().max(1.0);
                assert!(
                    err < 1e-6,
                    "{}: d/dx[{i}] reverse {} vs finite difference {fd}",
                    case.name,
                    x_adj[i]
                );
            }
        }
    }
}

#[test]
fn reverse_sweeps_accumulate() {
    let x = [0.3, -0.2];
    let mut y = [0.0; 3];
    simplex_constrain(&x, &mut y).unwrap();
    let mut once = [0.0; 2];
    simplex_reverse(&y, &[1.0, 2.0, 3.0], 1.0, &mut once).unwrap();
    let mut twice = once;
    simplex_reverse(&y, &[1.0, 2.0, 3.0], 1.0, &mut twice).unwrap();
    assert!((twice[0] - 2.0 * once[0]).abs() < 1e-15 && (twice[1] - 2.0 * once[1]).abs() < 1e-15);
}

#[test]
fn bound_adjoints_match_finite_differences() {
    let x = [0.4, -1.3, 2.2];
    let w = [0.7, -0.3, 1.1];
    let h = 1e-6;
    // lower and upper bounds as per-element parameters
    let f = |lb: &[f64], ub: &[f64]| {
        let mut y = [0.0; 3];
        let lj = lower_upper_bound_constrain(&x, lb, ub, &mut y).unwrap();
        w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() + lj
    };
    let lb = [-1.0, -2.0, 0.5];
    let ub = [1.0, 3.0, 0.75];
    let (mut lb_adj, mut ub_adj, mut x_adj) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    lower_upper_bound_reverse(&x, &lb, &ub, &w, 1.0, &mut x_adj, &mut lb_adj, &mut ub_adj).unwrap();
    for i in 0..3 {
        let (mut up, mut dn) = (lb, lb);
        up[i] += h;
        dn[i] -= h;
        let fd = (f(&up, &ub) - f(&dn, &ub)) / (2.0 * h);
        assert!(
            (fd - lb_adj[i]).abs() < 1e-6,
            "lb[{i}]: {} vs {fd}",
            lb_adj[i]
        );
        let (mut up, mut dn) = (ub, ub);
        up[i] += h;
        dn[i] -= h;
        let fd = (f(&lb, &up) - f(&lb, &dn)) / (2.0 * h);
        assert!(
            (fd - ub_adj[i]).abs() < 1e-6,
            "ub[{i}]: {} vs {fd}",
            ub_adj[i]
        );
    }
    // scalar lower bound, scalar multiplier: adjoints are summed over elements
    let g = |lb: f64| {
        let mut y = [0.0; 3];
        let lj = lower_bound_constrain(&x, &[lb], &mut y).unwrap();
        w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() + lj
    };
    let mut lb_adj = [0.0];
    let mut xa = [0.0; 3];
    lower_bound_reverse(&x, &[0.2], &w, 1.0, &mut xa, &mut lb_adj).unwrap();
    let fd = (g(0.2 + h) - g(0.2 - h)) / (2.0 * h);
    assert!((fd - lb_adj[0]).abs() < 1e-6);
    let m = |mu: f64, sigma: f64| {
        let mut y = [0.0; 3];
        let lj = offset_multiplier_constrain(&x, &[mu], &[sigma], &mut y).unwrap();
        w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() + lj
    };
    let (mut mu_adj, mut sigma_adj) = ([0.0], [0.0]);
    offset_multiplier_reverse(
        &x,
        &[0.3],
        &[1.7],
        &w,
        1.0,
        &mut xa,
        &mut mu_adj,
        &mut sigma_adj,
    )
    .unwrap();
    let fd_mu = (m(0.3 + h, 1.7) - m(0.3 - h, 1.7)) / (2.0 * h);
    let fd_sigma = (m(0.3, 1.7 + h) - m(0.3, 1.7 - h)) / (2.0 * h);
    assert!((fd_mu - mu_adj[0]).abs() < 1e-6 && (fd_sigma - sigma_adj[0]).abs() < 1e-6);
}

#[test]
fn log_jacobians_match_log_determinants_for_square_maps() {
    // For the elementwise and ordered maps the Jacobian is square: compare with log |det J| by finite differences.
    let x = [0.2, -0.7, 1.1];
    let maps: Vec<(&str, Box<dyn Fn(&[f64], &mut [f64]) -> f64>)> = vec![
        (
            "lower",
            Box::new(|x, y| lower_bound_constrain(x, &[1.0], y).unwrap()),
        ),
        (
            "lower_upper",
            Box::new(|x, y| lower_upper_bound_constrain(x, &[-1.0], &[4.0], y).unwrap()),
        ),
        ("ordered", Box::new(|x, y| ordered_constrain(x, y).unwrap())),
        (
            "positive_ordered",
            Box::new(|x, y| positive_ordered_constrain(x, y).unwrap()),
        ),
        (
            "offset_multiplier",
            Box::new(|x, y| offset_multiplier_constrain(x, &[0.0], &[2.5], y).unwrap()),
        ),
    ];
    for (name, map) in maps {
        let mut y = [0.0; 3];
        let lj = map(&x, &mut y);
        let mut jac = [[0.0; 3]; 3];
        for j in 0..3 {
            let h = 1e-6;
            let (mut up, mut dn) = (x, x);
            up[j] += h;
            dn[j] -= h;
            let (mut yu, mut yd) = ([0.0; 3], [0.0; 3]);
            map(&up, &mut yu);
            map(&dn, &mut yd);
            for i in 0..3 {
                jac[i][j] = (yu[i] - yd[i]) / (2.0 * h);
            }
        }
        let det = jac[0][0] * (jac[1][1] * jac[2][2] - jac[1][2] * jac[2][1])
            - jac[0][1] * (jac[1][0] * jac[2][2] - jac[1][2] * jac[2][0])
            + jac[0][2] * (jac[1][0] * jac[2][1] - jac[1][1] * jac[2][0]);
        assert!(
            (det.abs().ln() - lj).abs() < 1e-6,
            "{name}: log|det J| {} vs {lj}",
            det.abs().ln()
        );
    }
}

#[test]
fn sizes_follow_stan() {
    use ConstraintKind::*;
    assert_eq!(unconstrained_len(Simplex { k: 4 }), 3);
    assert_eq!(unconstrained_len(SumToZero { k: 4 }), 3);
    assert_eq!(unconstrained_len(UnitVector { k: 3 }), 3);
    assert_eq!(unconstrained_len(CholeskyFactorCorr { k: 3 }), 3);
    assert_eq!(unconstrained_len(CholeskyFactorCov { m: 4, n: 3 }), 9);
    assert_eq!(unconstrained_len(CovMatrix { k: 3 }), 6);
    assert_eq!(unconstrained_len(CorrMatrix { k: 4 }), 6);
    assert_eq!(unconstrained_len(ColumnStochastic { m: 3, n: 2 }), 4);
    assert_eq!(unconstrained_len(RowStochastic { m: 2, n: 3 }), 4);
    assert_eq!(constrained_len(CholeskyFactorCov { m: 4, n: 3 }), 12);
}

#[test]
fn bad_values_are_domain_errors_not_panics() {
    let mut out = [0.0; 3];
    assert!(simplex_unconstrain(&[0.5, 0.6, -0.1], &mut [0.0; 2]).is_err());
    assert!(simplex_unconstrain(&[0.5, 0.6, 0.1], &mut [0.0; 2]).is_err());
    assert!(simplex_unconstrain(&[], &mut []).is_err());
    assert!(ordered_unconstrain(&[1.0, 1.0, 2.0], &mut out).is_err());
    assert!(positive_ordered_unconstrain(&[-1.0, 1.0, 2.0], &mut out).is_err());
    assert!(lower_bound_unconstrain(&[1.0, -1.0, 2.0], &[0.0], &mut out).is_err());
    assert!(lower_upper_bound_constrain(&[0.0], &[1.0], &[1.0], &mut [0.0]).is_err());
    assert!(offset_multiplier_constrain(&[0.0], &[0.0], &[-1.0], &mut [0.0]).is_err());
    assert!(unit_vector_constrain(&[0.0, 0.0], &mut [0.0; 2]).is_err());
    assert!(unit_vector_unconstrain(&[1.0, 1.0], &mut [0.0; 2]).is_err());
    assert!(sum_to_zero_unconstrain(&[1.0, 1.0], &mut [0.0]).is_err());
    assert!(cov_matrix_unconstrain(&[1.0, 2.0, 2.0, 1.0], 2, &mut [0.0; 3]).is_err());
    assert!(corr_matrix_unconstrain(&[1.0, 0.5, 0.4, 1.0], 2, &mut [0.0]).is_err());
    assert!(cholesky_factor_corr_unconstrain(&[1.0, 0.5, 0.0, 0.5], 2, &mut [0.0]).is_err());
    assert!(cholesky_factor_cov_unconstrain(&[1.0, 0.5, 0.1, 0.5], 2, 2, &mut [0.0; 3]).is_err());
    assert!(cholesky_factor_cov_constrain(&[0.0; 3], 2, 3, &mut [0.0; 6]).is_err());
    // wrong sizes
    assert!(simplex_constrain(&[0.0; 3], &mut [0.0; 3]).is_err());
    assert!(lower_bound_constrain(&[0.0; 3], &[0.0, 1.0], &mut out).is_err());
    assert!(corr_matrix_constrain(&[0.0; 2], 3, &mut [0.0; 9]).is_err());
    let e = lower_bound_unconstrain(&[-1.0], &[0.0], &mut [0.0]).unwrap_err();
    assert!(e.message.starts_with("lb_free: "), "{}", e.message);
}

#[test]
fn extreme_inputs_stay_finite() {
    let mut y = [0.0; 4];
    let lj = simplex_constrain(&[800.0, -800.0, 30.0], &mut y).unwrap();
    assert!(y.iter().all(|v| v.is_finite()) && (y.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(lj.is_finite() || lj == f64::NEG_INFINITY);
    let mut l = [0.0; 9];
    let lj = cholesky_factor_corr_constrain(&[40.0, -40.0, 40.0], 3, &mut l).unwrap();
    assert!(l.iter().all(|v| v.is_finite()) && lj.is_finite());
    let mut b = [0.0];
    let lj = lower_upper_bound_constrain(&[-800.0], &[0.0], &[1.0], &mut b).unwrap();
    assert!(b[0].is_finite() && lj.is_finite());
}

//! Means and covariances of the multivariate RNGs with fixed seeds.

use rand::SeedableRng;
use stdlib::multivariate::*;

const DRAWS: usize = 20_000;

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(20_240_611)
}

/// Sample mean and covariance (column-major) of `draws` vectors of size `k`.
fn moments(draws: &[Vec<f64>], k: usize) -> (Vec<f64>, Vec<f64>) {
    let n = draws.len() as f64;
    let mut mean = vec![0.0; k];
    for d in draws {
        for i in 0..k {
            mean[i] += d[i] / n;
        }
    }
    let mut cov = vec![0.0; k * k];
    for d in draws {
        for i in 0..k {
            for j in 0..k {
                cov[i + j * k] += (d[i] - mean[i]) * (d[j] - mean[j]) / (n - 1.0);
            }
        }
    }
    (mean, cov)
}

/// Asserts `|got - want| <= tol` elementwise; tolerances are several Monte Carlo standard errors.
fn close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}[{i}]: {g} vs {w} (tolerance {tol})"
        );
    }
}

#[test]
fn multi_normal_rng_moments() {
    let mu = [1.0, -2.0, 0.5];
    let sigma = [2.0, 0.6, -0.3, 0.6, 1.0, 0.2, -0.3, 0.2, 0.5];
    let mut r = rng();
    let draws: Vec<Vec<f64>> = (0..DRAWS)
        .map(|_| {
            let mut out = vec![0.0; 3];
            multi_normal_rng(&mu, &sigma, &mut r, &mut out).unwrap();
            out
        })
        .collect();
    let (m, c) = moments(&draws, 3);
    close("mean", &m, &mu, 0.05);
    close("cov", &c, &sigma, 0.08);
}

#[test]
fn multi_student_t_rng_moments() {
    let (nu, mu) = (7.0, [0.5, -1.0]);
    let sigma = [1.0, 0.3, 0.3, 0.8];
    let mut r = rng();
    let draws: Vec<Vec<f64>> = (0..DRAWS)
        .map(|_| {
            let mut out = vec![0.0; 2];
            multi_student_t_rng(nu, &mu, &sigma, &mut r, &mut out).unwrap();
            out
        })
        .collect();
    let (m, c) = moments(&draws, 2);
    close("mean", &m, &mu, 0.05);
    let want: Vec<f64> = sigma.iter().map(|s| s * nu / (nu - 2.0)).collect();
    close("cov", &c, &want, 0.1);
}

#[test]
fn dirichlet_rng_moments() {
    let alpha = [2.0, 0.5, 3.5];
    let a0: f64 = alpha.iter().sum();
    let mut r = rng();
    let draws: Vec<Vec<f64>> = (0..DRAWS)
        .map(|_| {
            let mut out = vec![0.0; 3];
            dirichlet_rng(&alpha, &mut r, &mut out).unwrap();
            assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            out
        })
        .collect();
    let (m, c) = moments(&draws, 3);
    let want: Vec<f64> = alpha.iter().map(|a| a / a0).collect();
    close("mean", &m, &want, 0.01);
    let var0 = want[0] * (1.0 - want[0]) / (a0 + 1.0);
    close("var", &[c[0]], &[var0], 0.005);
}

#[test]
fn wishart_rngs_means() {
    let s = [1.0, 0.4, 0.4, 2.0];
    let nu = 6.0;
    let mut r = rng();
    let mut mean = [0.0; 4];
    let mut mean_inv = [0.0; 4];
    for _ in 0..DRAWS {
        let mut w = [0.0; 4];
        wishart_rng(nu, &s, 2, &mut r, &mut w).unwrap();
        let mut iw = [0.0; 4];
        inv_wishart_rng(nu, &s, 2, &mut r, &mut iw).unwrap();
        for p in 0..4 {
            mean[p] += w[p] / DRAWS as f64;
            mean_inv[p] += iw[p] / DRAWS as f64;
        }
    }
    let want: Vec<f64> = s.iter().map(|v| nu * v).collect();
    close("wishart mean", &mean, &want, 0.15);
    let want_inv: Vec<f64> = s.iter().map(|v| v / (nu - 2.0 - 1.0)).collect();
    close("inv_wishart mean", &mean_inv, &want_inv, 0.03);
}

#[test]
fn lkj_rngs_give_correlation_matrices_with_identity_mean() {
    let (k, eta) = (4, 2.0);
    let mut r = rng();
    let mut mean = vec![0.0; k * k];
    let mut var01 = 0.0;
    for _ in 0..DRAWS {
        let mut l = vec![0.0; k * k];
        lkj_corr_cholesky_rng(k, eta, &mut r, &mut l).unwrap();
        for i in 0..k {
            let ss: f64 = (0..k).map(|j| l[i + j * k] * l[i + j * k]).sum();
            assert!((ss - 1.0).abs() < 1e-12);
        }
        let mut omega = vec![0.0; k * k];
        lkj_corr_rng(k, eta, &mut r, &mut omega).unwrap();
        for p in 0..k * k {
            mean[p] += omega[p] / DRAWS as f64;
        }
        var01 += omega[1] * omega[1] / DRAWS as f64;
    }
    let eye: Vec<f64> = (0..k * k)
        .map(|p| if p % (k + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    close("mean", &mean, &eye, 0.02);
    // Marginally, (r + 1) / 2 ~ Beta(eta - 1 + k / 2, eta - 1 + k / 2): var(r) = 1 / (2 (eta - 1 + k/2) + 1).
    let b = eta - 1.0 + k as f64 / 2.0;
    close("var", &[var01], &[1.0 / (2.0 * b + 1.0)], 0.01);
}

#[test]
fn rngs_reject_bad_arguments() {
    let mut r = rng();
    let mut out = [0.0; 2];
    assert!(multi_normal_rng(&[0.0, 0.0], &[1.0, 2.0, 2.0, 1.0], &mut r, &mut out).is_err());
    assert!(dirichlet_rng(&[1.0, -1.0], &mut r, &mut out).is_err());
    assert!(wishart_rng(0.5, &[1.0, 0.0, 0.0, 1.0], 2, &mut r, &mut [0.0; 4]).is_err());
    assert!(lkj_corr_cholesky_rng(2, 0.0, &mut r, &mut [0.0; 4]).is_err());
}

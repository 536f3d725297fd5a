//! The Wishart and inverse Wishart densities of Cholesky factors (`wishart_cholesky_lpdf`, `inv_wishart_cholesky_lpdf`) with partials.
//!
//! Stan's definitions: the density of `L_W` is the (inverse) Wishart density of
//! `L_W L_W'` with scale `L_S L_S'`, times the Jacobian `2^K prod_k L_W[k,k]^(K - k + 1)`:
//!
//! - `wishart_cholesky_lpdf(L_W | nu, L_S) = K log 2 (1 - nu / 2) - lmgamma(K, nu / 2)
//!   + sum_k (nu - k) log L_W[k,k] - nu sum_k log L_S[k,k] - ||L_S^-1 L_W||^2 / 2`;
//! - `inv_wishart_cholesky_lpdf(L_W | nu, L_S) = K log 2 (1 - nu / 2) - lmgamma(K, nu / 2)
//!   - sum_k (nu + k) log L_W[k,k] + nu sum_k log L_S[k,k] - ||L_W^-1 L_S||^2 / 2`.
//!
//! Only the lower triangles are read, and partials land on them. With `propto`,
//! the first two terms go when `nu` is data, and the rest when all three are.

use super::special::{lmgamma, lmgamma_dx, LOG_TWO};
use super::{check_arg, check_partial};
use crate::error::DomainError;
use crate::linalg::dense::{lower_solve_in_place, lower_transpose_solve_in_place};
use crate::linalg::scratch::with_scratch;

fn check_cholesky_factor(f: &str, name: &str, l: &[f64], k: usize) -> Result<(), DomainError> {
    for j in 0..k {
        for i in 0..k {
            let v = l[i + j * k];
            if i < j && v != 0.0 {
                return Err(DomainError::new(
                    f,
                    format!(
                        "{name} is not lower triangular: [{}, {}] is {v}",
                        i + 1,
                        j + 1
                    ),
                ));
            }
            if i == j && !(v > 0.0 && v.is_finite()) {
                return Err(DomainError::new(
                    f,
                    format!(
                        "{name} is not a Cholesky factor: diagonal element {} is {v}",
                        i + 1
                    ),
                ));
            }
            if i > j && !v.is_finite() {
                return Err(DomainError::new(
                    f,
                    format!("{name} contains non-finite values"),
                ));
            }
        }
    }
    Ok(())
}

/// The shared computation. `inverse`: the inverse Wishart form, where the
/// solve is `A^-1 B` with `A = L_W`, `B = L_S` (else `A = L_S`, `B = L_W`).
#[allow(clippy::too_many_arguments)]
fn lpdf(
    f: &str,
    inverse: bool,
    lw: &[f64],
    k: usize,
    nu: f64,
    ls: &[f64],
    propto: bool,
    d_lw: &mut [f64],
    d_nu: &mut [f64],
    d_ls: &mut [f64],
) -> Result<f64, DomainError> {
    check_arg(f, "random variable", lw.len(), k * k)?;
    check_arg(f, "scale parameter", ls.len(), k * k)?;
    check_partial(f, "random variable", d_lw.len(), k * k)?;
    check_partial(f, "degrees of freedom", d_nu.len(), 1)?;
    check_partial(f, "scale parameter", d_ls.len(), k * k)?;
    let km1 = k as f64 - 1.0;
    if !(nu > km1 && nu.is_finite()) {
        return Err(DomainError::new(
            f,
            format!("Degrees of freedom parameter is {nu}, but must be greater than {km1}"),
        ));
    }
    check_cholesky_factor(f, "random variable", lw, k)?;
    check_cholesky_factor(f, "scale parameter", ls, k)?;
    let (w_c, nu_c, s_c) = (d_lw.is_empty(), d_nu.is_empty(), d_ls.is_empty());
    let kf = k as f64;
    let mut lp = 0.0;
    if !(propto && nu_c) {
        lp += kf * LOG_TWO * (1.0 - 0.5 * nu) - lmgamma(k, 0.5 * nu);
    }
    if !nu_c {
        d_nu[0] += -0.5 * kf * LOG_TWO - 0.5 * lmgamma_dx(k, 0.5 * nu);
    }
    if propto && w_c && nu_c && s_c {
        return Ok(lp);
    }
    // M = A^-1 B: A = L_S, B = L_W (Wishart); A = L_W, B = L_S (inverse Wishart).
    let (a, b) = if inverse { (lw, ls) } else { (ls, lw) };
    let sign = if inverse { -1.0 } else { 1.0 };
    let log_s: f64 = (0..k).map(|i| ls[i + i * k].ln()).sum();
    for i in 0..k {
        let j = i as f64 + 1.0;
        let c = if inverse { -(nu + j) } else { nu - j };
        lp += c * lw[i + i * k].ln();
    }
    lp -= sign * nu * log_s;
    with_scratch(3 * k * k, |buf| {
        let (m, rest) = buf.split_at_mut(k * k);
        let (t, a_low) = rest.split_at_mut(k * k);
        // The lower triangles only.
        for j in 0..k {
            for i in 0..k {
                let lower = i >= j;
                m[i + j * k] = if lower { b[i + j * k] } else { 0.0 };
                a_low[i + j * k] = if lower { a[i + j * k] } else { 0.0 };
            }
        }
        lower_solve_in_place(a_low, k, m, k);
        let sq: f64 = m.iter().map(|x| x * x).sum();
        lp -= 0.5 * sq;
        let (b_c, a_c) = if inverse { (s_c, w_c) } else { (w_c, s_c) };
        let (d_a, d_b): (&mut [f64], &mut [f64]) = if inverse {
            (&mut *d_lw, &mut *d_ls)
        } else {
            (&mut *d_ls, &mut *d_lw)
        };
        // d/dB of -|M|^2/2 = -A^-T M;  d/dA = A^-T M M'.
        t.copy_from_slice(m);
        lower_transpose_solve_in_place(a_low, k, t, k);
        if !b_c {
            for j in 0..k {
                for i in j..k {
                    d_b[i + j * k] -= t[i + j * k];
                }
            }
        }
        if !a_c {
            for j in 0..k {
                for i in j..k {
                    let s: f64 = (0..k).map(|c| t[i + c * k] * m[j + c * k]).sum();
                    d_a[i + j * k] += s;
                }
            }
        }
        Ok(())
    })?;
    // The log-diagonal terms.
    for i in 0..k {
        let j = i as f64 + 1.0;
        if !w_c {
            let c = if inverse { -(nu + j) } else { nu - j };
            d_lw[i + i * k] += c / lw[i + i * k];
        }
        if !s_c {
            d_ls[i + i * k] -= sign * nu / ls[i + i * k];
        }
    }
    if !nu_c {
        let sum_log_w: f64 = (0..k).map(|i| lw[i + i * k].ln()).sum();
        d_nu[0] += sign * (sum_log_w - log_s);
    }
    Ok(lp)
}

/// `wishart_cholesky_lpdf(L_W | nu, L_S)` for `k x k` Cholesky factors; adds partials.
#[allow(clippy::too_many_arguments)]
pub fn wishart_cholesky_lpdf(
    lw: &[f64],
    k: usize,
    nu: f64,
    ls: &[f64],
    propto: bool,
    d_lw: &mut [f64],
    d_nu: &mut [f64],
    d_ls: &mut [f64],
) -> Result<f64, DomainError> {
    lpdf(
        "wishart_cholesky_lpdf",
        false,
        lw,
        k,
        nu,
        ls,
        propto,
        d_lw,
        d_nu,
        d_ls,
    )
}

/// `inv_wishart_cholesky_lpdf(L_W | nu, L_S)` for `k x k` Cholesky factors; adds partials.
#[allow(clippy::too_many_arguments)]
pub fn inv_wishart_cholesky_lpdf(
    lw: &[f64],
    k: usize,
    nu: f64,
    ls: &[f64],
    propto: bool,
    d_lw: &mut [f64],
    d_nu: &mut [f64],
    d_ls: &mut [f64],
) -> Result<f64, DomainError> {
    lpdf(
        "inv_wishart_cholesky_lpdf",
        true,
        lw,
        k,
        nu,
        ls,
        propto,
        d_lw,
        d_nu,
        d_ls,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multivariate::{inv_wishart_lpdf, wishart_lpdf};

    const K: usize = 3;
    const LW: [f64; 9] = [1.3, 0.4, -0.2, 0.0, 0.9, 0.5, 0.0, 0.0, 1.1];
    const LS: [f64; 9] = [0.8, -0.3, 0.6, 0.0, 1.2, 0.1, 0.0, 0.0, 0.7];

    fn llt(l: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; K * K];
        for i in 0..K {
            for j in 0..K {
                out[i + j * K] = (0..K).map(|c| l[i + c * K] * l[j + c * K]).sum();
            }
        }
        out
    }

    type Lpdf = fn(
        &[f64],
        usize,
        f64,
        &[f64],
        bool,
        &mut [f64],
        &mut [f64],
        &mut [f64],
    ) -> Result<f64, DomainError>;

    fn value(f: Lpdf, lw: &[f64], nu: f64, ls: &[f64]) -> f64 {
        f(lw, K, nu, ls, false, &mut [], &mut [], &mut []).unwrap()
    }

    #[test]
    fn equal_the_wishart_densities_of_the_products_times_the_jacobian() {
        let nu = 4.5;
        let log_jacobian: f64 = K as f64 * LOG_TWO
            + (0..K)
                .map(|i| (K - i) as f64 * LW[i + i * K].ln())
                .sum::<f64>();
        let (w, s) = (llt(&LW), llt(&LS));
        let none = || (Vec::<f64>::new(), Vec::<f64>::new(), Vec::<f64>::new());
        let (mut a, mut b, mut c) = none();
        let want =
            wishart_lpdf(&w, K, nu, &s, false, &mut a, &mut b, &mut c).unwrap() + log_jacobian;
        let got = value(wishart_cholesky_lpdf, &LW, nu, &LS);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        let want =
            inv_wishart_lpdf(&w, K, nu, &s, false, &mut a, &mut b, &mut c).unwrap() + log_jacobian;
        let got = value(inv_wishart_cholesky_lpdf, &LW, nu, &LS);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    #[test]
    fn partials_equal_finite_differences_on_the_lower_triangles() {
        for f in [wishart_cholesky_lpdf as Lpdf, inv_wishart_cholesky_lpdf] {
            let nu = 4.5;
            let (mut dw, mut dnu, mut ds) = (vec![0.0; K * K], vec![0.0], vec![0.0; K * K]);
            f(&LW, K, nu, &LS, false, &mut dw, &mut dnu, &mut ds).unwrap();
            let h = 1e-6;
            let fd_nu = (value(f, &LW, nu + h, &LS) - value(f, &LW, nu - h, &LS)) / (2.0 * h);
            assert!((fd_nu - dnu[0]).abs() < 1e-6, "nu: {fd_nu} vs {}", dnu[0]);
            for p in (0..K * K).filter(|p| p % K >= p / K) {
                let (mut a, mut b) = (LW, LW);
                a[p] += h;
                b[p] -= h;
                let fd = (value(f, &a, nu, &LS) - value(f, &b, nu, &LS)) / (2.0 * h);
                assert!((fd - dw[p]).abs() < 1e-6, "L_W[{p}]: {fd} vs {}", dw[p]);
                let (mut a, mut b) = (LS, LS);
                a[p] += h;
                b[p] -= h;
                let fd = (value(f, &LW, nu, &a) - value(f, &LW, nu, &b)) / (2.0 * h);
                assert!((fd - ds[p]).abs() < 1e-6, "L_S[{p}]: {fd} vs {}", ds[p]);
            }
        }
    }

    #[test]
    fn propto_drops_what_stan_drops_and_bad_factors_are_errors() {
        let f = wishart_cholesky_lpdf;
        // All data: nothing left.
        assert_eq!(
            f(&LW, K, 4.5, &LS, true, &mut [], &mut [], &mut []).unwrap(),
            0.0
        );
        // nu data, L_W a parameter: the nu-only terms go.
        let full = value(f, &LW, 4.5, &LS);
        let mut d = vec![0.0; K * K];
        let part = f(&LW, K, 4.5, &LS, true, &mut d, &mut [], &mut []).unwrap();
        let dropped = K as f64 * LOG_TWO * (1.0 - 0.5 * 4.5) - lmgamma(K, 2.25);
        assert!((full - dropped - part).abs() < 1e-12);
        let mut upper = LW;
        upper[K] = 0.5;
        assert!(f(&upper, K, 4.5, &LS, false, &mut [], &mut [], &mut []).is_err());
        assert!(f(&LW, K, 1.5, &LS, false, &mut [], &mut [], &mut []).is_err());
    }
}

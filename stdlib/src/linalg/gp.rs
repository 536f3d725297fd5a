//! Gaussian-process covariance functions (gp_exp_quad_cov, gp_matern32_cov, gp_matern52_cov,
//! gp_exponential_cov, gp_periodic_cov, gp_dot_prod_cov) with adjoints.
//!
//! Inputs are `n` points of dimension `d` stored point after point
//! (`x[i * d..(i + 1) * d]`; `d = 1` for `array[] real`). The one-input form
//! `K(x)` is `n x n`; the two-input form `K(x1, x2)` is `n1 x n2`; both
//! column-major. Length scales, magnitudes and periods are scalars.

use super::check_len;
use crate::error::DomainError;
use std::f64::consts::PI;

/// Which covariance function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpKernel {
    /// `sigma^2 exp(-r^2 / (2 l^2))`.
    ExpQuad { sigma: f64, length_scale: f64 },
    /// `sigma^2 (1 + sqrt(3) r / l) exp(-sqrt(3) r / l)`.
    Matern32 { sigma: f64, length_scale: f64 },
    /// `sigma^2 (1 + sqrt(5) r / l + 5 r^2 / (3 l^2)) exp(-sqrt(5) r / l)`.
    Matern52 { sigma: f64, length_scale: f64 },
    /// `sigma^2 exp(-r / l)`.
    Exponential { sigma: f64, length_scale: f64 },
    /// `sigma^2 exp(-2 sin^2(pi r / p) / l^2)`.
    Periodic {
        sigma: f64,
        length_scale: f64,
        period: f64,
    },
    /// `sigma^2 + x1 . x2`.
    DotProd { sigma: f64 },
}

/// Value and derivatives of one kernel entry.
struct Entry {
    k: f64,
    /// `dk/dx1 = g_x * (x1 - x2)` (for dot_prod, `dk/dx1 = x2` instead).
    g_x: f64,
    sigma: f64,
    length_scale: f64,
    period: f64,
}

impl GpKernel {
    fn name(&self) -> &'static str {
        match self {
            GpKernel::ExpQuad { .. } => "gp_exp_quad_cov",
            GpKernel::Matern32 { .. } => "gp_matern32_cov",
            GpKernel::Matern52 { .. } => "gp_matern52_cov",
            GpKernel::Exponential { .. } => "gp_exponential_cov",
            GpKernel::Periodic { .. } => "gp_periodic_cov",
            GpKernel::DotProd { .. } => "gp_dot_prod_cov",
        }
    }

    fn check(&self) -> Result<(), DomainError> {
        let f = self.name();
        let pos = |what: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(DomainError::new(
                    f,
                    format!("{what} is {v}, but must be positive finite!"),
                ))
            }
        };
        match *self {
            GpKernel::ExpQuad {
                sigma,
                length_scale,
            }
            | GpKernel::Matern32 {
                sigma,
                length_scale,
            }
            | GpKernel::Matern52 {
                sigma,
                length_scale,
            }
            | GpKernel::Exponential {
                sigma,
                length_scale,
            } => {
                pos("magnitude", sigma)?;
                pos("length scale", length_scale)
            }
            GpKernel::Periodic {
                sigma,
                length_scale,
                period,
            } => {
                pos("signal standard deviation", sigma)?;
                pos("length-scale", length_scale)?;
                pos("period", period)
            }
            GpKernel::DotProd { sigma } => {
                if sigma >= 0.0 && sigma.is_finite() {
                    Ok(())
                } else {
                    Err(DomainError::new(
                        f,
                        format!("sigma is {sigma}, but must be non-negative and finite"),
                    ))
                }
            }
        }
    }

    fn entry(&self, x1: &[f64], x2: &[f64]) -> Entry {
        let r2: f64 = x1.iter().zip(x2).map(|(a, b)| (a - b) * (a - b)).sum();
        let r = r2.sqrt();
        match *self {
            GpKernel::ExpQuad {
                sigma,
                length_scale: l,
            } => {
                let k = sigma * sigma * (-r2 / (2.0 * l * l)).exp();
                Entry {
                    k,
                    g_x: -k / (l * l),
                    sigma: 2.0 * k / sigma,
                    length_scale: k * r2 / (l * l * l),
                    period: 0.0,
                }
            }
            GpKernel::Matern32 {
                sigma,
                length_scale: l,
            } => {
                let a = 3f64.sqrt() / l;
                let e = (-a * r).exp();
                let s2 = sigma * sigma;
                let k = s2 * (1.0 + a * r) * e;
                Entry {
                    k,
                    g_x: -s2 * a * a * e,
                    sigma: 2.0 * k / sigma,
                    length_scale: s2 * a * a * r2 * e / l,
                    period: 0.0,
                }
            }
            GpKernel::Matern52 {
                sigma,
                length_scale: l,
            } => {
                let a = 5f64.sqrt() / l;
                let e = (-a * r).exp();
                let s2 = sigma * sigma;
                let k = s2 * (1.0 + a * r + a * a * r2 / 3.0) * e;
                Entry {
                    k,
                    g_x: -s2 * a * a * (1.0 + a * r) / 3.0 * e,
                    sigma: 2.0 * k / sigma,
                    length_scale: s2 * a * a * r2 * (1.0 + a * r) / (3.0 * l) * e,
                    period: 0.0,
                }
            }
            GpKernel::Exponential {
                sigma,
                length_scale: l,
            } => {
                let k = sigma * sigma * (-r / l).exp();
                let g_x = if r > 0.0 { -k / (l * r) } else { 0.0 };
                Entry {
                    k,
                    g_x,
                    sigma: 2.0 * k / sigma,
                    length_scale: k * r / (l * l),
                    period: 0.0,
                }
            }
            GpKernel::Periodic {
                sigma,
                length_scale: l,
                period: p,
            } => {
                let s = (PI * r / p).sin();
                let k = sigma * sigma * (-2.0 * s * s / (l * l)).exp();
                let sin2 = (2.0 * PI * r / p).sin();
                // dk/dr = -k 2 pi sin(2 pi r / p) / (p l^2); divided by r, with its limit at r = 0.
                let g_x = if r > 0.0 {
                    -k * 2.0 * PI * sin2 / (p * l * l * r)
                } else {
                    -k * 4.0 * PI * PI / (p * p * l * l)
                };
                Entry {
                    k,
                    g_x,
                    sigma: 2.0 * k / sigma,
                    length_scale: k * 4.0 * s * s / (l * l * l),
                    period: k * 2.0 * PI * r * sin2 / (p * p * l * l),
                }
            }
            GpKernel::DotProd { sigma } => {
                let dot: f64 = x1.iter().zip(x2).map(|(a, b)| a * b).sum();
                Entry {
                    k: sigma * sigma + dot,
                    g_x: 0.0,
                    sigma: 2.0 * sigma,
                    length_scale: 0.0,
                    period: 0.0,
                }
            }
        }
    }
}

/// Adjoints of the kernel hyperparameters, added in [`gp_cov_reverse`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GpHyperAdjoint {
    pub sigma: f64,
    pub length_scale: f64,
    pub period: f64,
}

/// `K(x1, x2)` into `out` (`n1 x n2`); pass `x2 = None` for the one-input form `K(x1)` (`n1 x n1`).
pub fn gp_cov(
    kernel: GpKernel,
    x1: &[f64],
    x2: Option<&[f64]>,
    d: usize,
    out: &mut [f64],
) -> Result<(), DomainError> {
    let f = kernel.name();
    kernel.check()?;
    let (n1, n2) = sizes(f, x1, x2, d)?;
    check_len(f, "the result", out.len(), n1 * n2)?;
    let x2s = x2.unwrap_or(x1);
    for j in 0..n2 {
        for i in 0..n1 {
            if x2.is_none() && i < j {
                continue;
            }
            let v = kernel
                .entry(&x1[i * d..(i + 1) * d], &x2s[j * d..(j + 1) * d])
                .k;
            out[i + j * n1] = v;
            if x2.is_none() {
                out[j + i * n1] = v;
            }
        }
    }
    Ok(())
}

fn sizes(f: &str, x1: &[f64], x2: Option<&[f64]>, d: usize) -> Result<(usize, usize), DomainError> {
    if d == 0 {
        return Err(DomainError::new(
            f,
            "the points must have a positive dimension",
        ));
    }
    if x1.len() % d != 0 || x2.is_some_and(|x| x.len() % d != 0) {
        return Err(DomainError::new(
            f,
            format!("the inputs do not hold whole points of dimension {d}"),
        ));
    }
    for v in x1.iter().chain(x2.unwrap_or(&[]).iter()) {
        if v.is_nan() {
            return Err(DomainError::new(f, "x is nan, but must not be nan!"));
        }
    }
    let n1 = x1.len() / d;
    Ok((n1, x2.map_or(n1, |x| x.len() / d)))
}

/// Reverse of [`gp_cov`]: given the result adjoint `g`, adds to `x1_adj`, `x2_adj` (empty = not wanted)
/// and to the hyperparameter adjoints.
#[allow(clippy::too_many_arguments)]
pub fn gp_cov_reverse(
    kernel: GpKernel,
    x1: &[f64],
    x2: Option<&[f64]>,
    d: usize,
    g: &[f64],
    x1_adj: &mut [f64],
    x2_adj: &mut [f64],
    hyper_adj: &mut GpHyperAdjoint,
) -> Result<(), DomainError> {
    let f = kernel.name();
    kernel.check()?;
    let (n1, n2) = sizes(f, x1, x2, d)?;
    check_len(f, "the result adjoint", g.len(), n1 * n2)?;
    if !x1_adj.is_empty() {
        check_len(f, "the adjoint of x1", x1_adj.len(), x1.len())?;
    }
    if !x2_adj.is_empty() {
        check_len(
            f,
            "the adjoint of x2",
            x2_adj.len(),
            x2.map_or(0, |x| x.len()),
        )?;
    }
    let x2s = x2.unwrap_or(x1);
    let dot = matches!(kernel, GpKernel::DotProd { .. });
    for j in 0..n2 {
        for i in 0..n1 {
            let gij = g[i + j * n1];
            if gij == 0.0 {
                continue;
            }
            let (p1, p2) = (&x1[i * d..(i + 1) * d], &x2s[j * d..(j + 1) * d]);
            let e = kernel.entry(p1, p2);
            hyper_adj.sigma += gij * e.sigma;
            hyper_adj.length_scale += gij * e.length_scale;
            hyper_adj.period += gij * e.period;
            for c in 0..d {
                let (dk1, dk2) = if dot {
                    (p2[c], p1[c])
                } else {
                    (e.g_x * (p1[c] - p2[c]), -e.g_x * (p1[c] - p2[c]))
                };
                if x2.is_none() {
                    if !x1_adj.is_empty() {
                        x1_adj[i * d + c] += gij * dk1;
                        x1_adj[j * d + c] += gij * dk2;
                    }
                } else {
                    if !x1_adj.is_empty() {
                        x1_adj[i * d + c] += gij * dk1;
                    }
                    if !x2_adj.is_empty() {
                        x2_adj[j * d + c] += gij * dk2;
                    }
                }
            }
        }
    }
    Ok(())
}

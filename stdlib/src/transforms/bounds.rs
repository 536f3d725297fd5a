//! Elementwise transforms: `<lower=>`, `<upper=>`, `<lower=, upper=>` and `<offset=, multiplier=>`.
//!
//! Stan's definitions (Reference Manual, "Constraint Transforms"):
//! lower `y = L + exp(x)`, log-Jacobian `x`; upper `y = U - exp(x)`,
//! log-Jacobian `x`; lower and upper `y = L + (U - L) inv_logit(x)`,
//! log-Jacobian `log(U - L) + log_inv_logit(x) + log1m_inv_logit(x)`;
//! affine `y = mu + sigma x`, log-Jacobian `log(sigma)`. An infinite bound
//! (`L = -inf`, `U = +inf`) turns its side off, as in Stan.
//! Bound slices have length 1 or `n`; see the module conventions in `mod.rs`.

use super::{bound_adj_add, bound_at, check_bound_adj_len, check_bound_len, check_len};
use crate::error::DomainError;

/// `log(1 + exp(x))` without overflow.
#[inline]
fn log1p_exp(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `1 / (1 + exp(-x))` without overflow.
#[inline]
fn inv_logit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn check_common(
    function: &str,
    x_len: usize,
    y_len: usize,
    bounds: &[(&str, usize)],
) -> Result<(), DomainError> {
    check_len(function, "the output", y_len, x_len)?;
    for &(name, len) in bounds {
        check_bound_len(function, name, len, x_len)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- lower bound

/// `y = lb + exp(x)`; returns the log-Jacobian `sum(x)` (over elements whose bound is finite).
pub fn lower_bound_constrain(x: &[f64], lb: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_common(
        "lb_constrain",
        x.len(),
        y.len(),
        &[("lower bound", lb.len())],
    )?;
    let mut lj = 0.0;
    for i in 0..x.len() {
        let l = bound_at(lb, i);
        if l == f64::NEG_INFINITY {
            y[i] = x[i];
        } else {
            y[i] = l + x[i].exp();
            lj += x[i];
        }
    }
    Ok(lj)
}

/// Reverse sweep of [`lower_bound_constrain`].
pub fn lower_bound_reverse(
    x: &[f64],
    lb: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
    lb_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "lb_constrain";
    check_common(f, x.len(), y_adj.len(), &[("lower bound", lb.len())])?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    check_bound_adj_len(f, "lower bound", lb_adj.len(), x.len())?;
    for i in 0..x.len() {
        if bound_at(lb, i) == f64::NEG_INFINITY {
            x_adj[i] += y_adj[i];
        } else {
            x_adj[i] += y_adj[i] * x[i].exp() + lj_adj;
            bound_adj_add(lb_adj, i, y_adj[i]);
        }
    }
    Ok(())
}

/// `x = log(y - lb)`, after checking `y >= lb`.
pub fn lower_bound_unconstrain(y: &[f64], lb: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "lb_free";
    check_common(f, y.len(), x.len(), &[("lower bound", lb.len())])?;
    for i in 0..y.len() {
        let l = bound_at(lb, i);
        if l == f64::NEG_INFINITY {
            x[i] = y[i];
        } else {
            if !(y[i] >= l) {
                return Err(DomainError::new(
                    f,
                    format!(
                        "Lower bounded variable[{}] is {}, but must be greater than or equal to {}",
                        i + 1,
                        y[i],
                        l
                    ),
                ));
            }
            x[i] = (y[i] - l).ln();
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- upper bound

/// `y = ub - exp(x)`; returns the log-Jacobian `sum(x)` (over elements whose bound is finite).
pub fn upper_bound_constrain(x: &[f64], ub: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_common(
        "ub_constrain",
        x.len(),
        y.len(),
        &[("upper bound", ub.len())],
    )?;
    let mut lj = 0.0;
    for i in 0..x.len() {
        let u = bound_at(ub, i);
        if u == f64::INFINITY {
            y[i] = x[i];
        } else {
            y[i] = u - x[i].exp();
            lj += x[i];
        }
    }
    Ok(lj)
}

/// Reverse sweep of [`upper_bound_constrain`].
pub fn upper_bound_reverse(
    x: &[f64],
    ub: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
    ub_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "ub_constrain";
    check_common(f, x.len(), y_adj.len(), &[("upper bound", ub.len())])?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    check_bound_adj_len(f, "upper bound", ub_adj.len(), x.len())?;
    for i in 0..x.len() {
        if bound_at(ub, i) == f64::INFINITY {
            x_adj[i] += y_adj[i];
        } else {
            x_adj[i] += -y_adj[i] * x[i].exp() + lj_adj;
            bound_adj_add(ub_adj, i, y_adj[i]);
        }
    }
    Ok(())
}

/// `x = log(ub - y)`, after checking `y <= ub`.
pub fn upper_bound_unconstrain(y: &[f64], ub: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "ub_free";
    check_common(f, y.len(), x.len(), &[("upper bound", ub.len())])?;
    for i in 0..y.len() {
        let u = bound_at(ub, i);
        if u == f64::INFINITY {
            x[i] = y[i];
        } else {
            if !(y[i] <= u) {
                return Err(DomainError::new(
                    f,
                    format!(
                        "Upper bounded variable[{}] is {}, but must be less than or equal to {}",
                        i + 1,
                        y[i],
                        u
                    ),
                ));
            }
            x[i] = (u - y[i]).ln();
        }
    }
    Ok(())
}

// ------------------------------------------------------- lower and upper bound

fn check_lub(f: &str, i: usize, l: f64, u: f64) -> Result<(), DomainError> {
    if l == f64::NEG_INFINITY || u == f64::INFINITY || l < u {
        Ok(())
    } else {
        Err(DomainError::new(
            f,
            format!("lb[{}] is {}, but must be less than {}", i + 1, l, u),
        ))
    }
}

/// `y = lb + (ub - lb) inv_logit(x)`; returns the log-Jacobian. Requires `lb < ub`.
pub fn lower_upper_bound_constrain(
    x: &[f64],
    lb: &[f64],
    ub: &[f64],
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "lub_constrain";
    check_common(
        f,
        x.len(),
        y.len(),
        &[("lower bound", lb.len()), ("upper bound", ub.len())],
    )?;
    let mut lj = 0.0;
    for i in 0..x.len() {
        let (l, u) = (bound_at(lb, i), bound_at(ub, i));
        check_lub(f, i, l, u)?;
        let xi = x[i];
        match (l == f64::NEG_INFINITY, u == f64::INFINITY) {
            (true, true) => y[i] = xi,
            (false, true) => {
                y[i] = l + xi.exp();
                lj += xi;
            }
            (true, false) => {
                y[i] = u - xi.exp();
                lj += xi;
            }
            (false, false) => {
                let diff = u - l;
                y[i] = diff * inv_logit(xi) + l;
                lj += diff.ln() - xi.abs() - 2.0 * log1p_exp(-xi.abs());
            }
        }
    }
    Ok(lj)
}

/// Reverse sweep of [`lower_upper_bound_constrain`].
#[allow(clippy::too_many_arguments)]
pub fn lower_upper_bound_reverse(
    x: &[f64],
    lb: &[f64],
    ub: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
    lb_adj: &mut [f64],
    ub_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "lub_constrain";
    check_common(
        f,
        x.len(),
        y_adj.len(),
        &[("lower bound", lb.len()), ("upper bound", ub.len())],
    )?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    check_bound_adj_len(f, "lower bound", lb_adj.len(), x.len())?;
    check_bound_adj_len(f, "upper bound", ub_adj.len(), x.len())?;
    for i in 0..x.len() {
        let (l, u) = (bound_at(lb, i), bound_at(ub, i));
        check_lub(f, i, l, u)?;
        let xi = x[i];
        let ya = y_adj[i];
        match (l == f64::NEG_INFINITY, u == f64::INFINITY) {
            (true, true) => x_adj[i] += ya,
            (false, true) => {
                x_adj[i] += ya * xi.exp() + lj_adj;
                bound_adj_add(lb_adj, i, ya);
            }
            (true, false) => {
                x_adj[i] += -ya * xi.exp() + lj_adj;
                bound_adj_add(ub_adj, i, ya);
            }
            (false, false) => {
                let diff = u - l;
                let s = inv_logit(xi);
                let one_minus_s = inv_logit(-xi);
                x_adj[i] += ya * diff * s * one_minus_s + lj_adj * (one_minus_s - s);
                bound_adj_add(lb_adj, i, ya * one_minus_s - lj_adj / diff);
                bound_adj_add(ub_adj, i, ya * s + lj_adj / diff);
            }
        }
    }
    Ok(())
}

/// `x = logit((y - lb) / (ub - lb))`, after checking `lb <= y <= ub`.
pub fn lower_upper_bound_unconstrain(
    y: &[f64],
    lb: &[f64],
    ub: &[f64],
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "lub_free";
    check_common(
        f,
        y.len(),
        x.len(),
        &[("lower bound", lb.len()), ("upper bound", ub.len())],
    )?;
    for i in 0..y.len() {
        let (l, u) = (bound_at(lb, i), bound_at(ub, i));
        check_lub(f, i, l, u)?;
        let yi = y[i];
        if !(yi >= l && yi <= u) {
            return Err(DomainError::new(
                f,
                format!(
                    "Bounded variable[{}] is {}, but must be in the interval [{}, {}]",
                    i + 1,
                    yi,
                    l,
                    u
                ),
            ));
        }
        x[i] = match (l == f64::NEG_INFINITY, u == f64::INFINITY) {
            (true, true) => yi,
            (false, true) => (yi - l).ln(),
            (true, false) => (u - yi).ln(),
            (false, false) => {
                let p = (yi - l) / (u - l);
                (p / (1.0 - p)).ln()
            }
        };
    }
    Ok(())
}

// ---------------------------------------------------------- offset/multiplier

fn check_affine(f: &str, i: usize, mu: f64, sigma: f64) -> Result<(), DomainError> {
    if !mu.is_finite() {
        return Err(DomainError::new(
            f,
            format!("offset[{}] is {}, but must be finite!", i + 1, mu),
        ));
    }
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(DomainError::new(
            f,
            format!(
                "multiplier[{}] is {}, but must be positive finite!",
                i + 1,
                sigma
            ),
        ));
    }
    Ok(())
}

/// `y = mu + sigma x`; returns the log-Jacobian `sum(log(sigma))` over elements.
pub fn offset_multiplier_constrain(
    x: &[f64],
    mu: &[f64],
    sigma: &[f64],
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "offset_multiplier_constrain";
    check_common(
        f,
        x.len(),
        y.len(),
        &[("offset", mu.len()), ("multiplier", sigma.len())],
    )?;
    let mut lj = 0.0;
    for i in 0..x.len() {
        let (m, s) = (bound_at(mu, i), bound_at(sigma, i));
        check_affine(f, i, m, s)?;
        y[i] = s.mul_add(x[i], m);
        lj += s.ln();
    }
    Ok(lj)
}

/// Reverse sweep of [`offset_multiplier_constrain`].
#[allow(clippy::too_many_arguments)]
pub fn offset_multiplier_reverse(
    x: &[f64],
    mu: &[f64],
    sigma: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
    mu_adj: &mut [f64],
    sigma_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "offset_multiplier_constrain";
    check_common(
        f,
        x.len(),
        y_adj.len(),
        &[("offset", mu.len()), ("multiplier", sigma.len())],
    )?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    check_bound_adj_len(f, "offset", mu_adj.len(), x.len())?;
    check_bound_adj_len(f, "multiplier", sigma_adj.len(), x.len())?;
    for i in 0..x.len() {
        let s = bound_at(sigma, i);
        x_adj[i] += y_adj[i] * s;
        bound_adj_add(mu_adj, i, y_adj[i]);
        bound_adj_add(sigma_adj, i, y_adj[i] * x[i] + lj_adj / s);
    }
    Ok(())
}

/// `x = (y - mu) / sigma`.
pub fn offset_multiplier_unconstrain(
    y: &[f64],
    mu: &[f64],
    sigma: &[f64],
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "offset_multiplier_free";
    check_common(
        f,
        y.len(),
        x.len(),
        &[("offset", mu.len()), ("multiplier", sigma.len())],
    )?;
    for i in 0..y.len() {
        let (m, s) = (bound_at(mu, i), bound_at(sigma, i));
        check_affine(f, i, m, s)?;
        x[i] = (y[i] - m) / s;
    }
    Ok(())
}

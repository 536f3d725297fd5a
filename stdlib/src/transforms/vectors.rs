//! Vector transforms: ordered, positive_ordered, sum_to_zero_vector, simplex, unit_vector, and the stochastic matrices.
//!
//! As in Stan 2.39: `sum_to_zero_vector` is the isometric (Helmert-like)
//! transform of Stan 2.36+, and `simplex` is the softmax of that
//! sum-to-zero vector (the isometric log-ratio transform), log-Jacobian
//! `sum(log(y)) + 0.5 log(K)`. A column (row) stochastic matrix is a simplex
//! per column (row); its unconstrained `(m-1) x n` (`m x (n-1)`) matrix is
//! laid out column-major, as Stan lays out every matrix.

use super::{check_len, CONSTRAINT_TOLERANCE};
use crate::error::DomainError;

// ------------------------------------------------------------------- ordered

/// `y[0] = x[0]`, `y[i] = y[i-1] + exp(x[i])`; log-Jacobian `sum(x[1..])`.
pub fn ordered_constrain(x: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_len("ordered_constrain", "the output", y.len(), x.len())?;
    let mut lj = 0.0;
    for i in 0..x.len() {
        if i == 0 {
            y[0] = x[0];
        } else {
            y[i] = y[i - 1] + x[i].exp();
            lj += x[i];
        }
    }
    Ok(lj)
}

/// Reverse sweep of [`ordered_constrain`].
pub fn ordered_reverse(
    x: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "ordered_constrain";
    check_len(f, "the output adjoint", y_adj.len(), x.len())?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    let mut tail = 0.0;
    for i in (0..x.len()).rev() {
        tail += y_adj[i];
        if i == 0 {
            x_adj[0] += tail;
        } else {
            x_adj[i] += tail * x[i].exp() + lj_adj;
        }
    }
    Ok(())
}

fn check_ascending(f: &str, what: &str, y: &[f64]) -> Result<(), DomainError> {
    for i in 1..y.len() {
        if !(y[i] > y[i - 1]) {
            return Err(DomainError::new(
                f,
                format!(
                    "{what} is not a valid ordered vector. The element at {} is {}, but should be greater than the previous element, {}",
                    i + 1,
                    y[i],
                    y[i - 1]
                ),
            ));
        }
    }
    if y.iter().any(|v| v.is_nan()) {
        return Err(DomainError::new(f, format!("{what} contains NaN")));
    }
    Ok(())
}

/// Inverse of [`ordered_constrain`], after checking `y` is strictly increasing.
pub fn ordered_unconstrain(y: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "ordered_free";
    check_len(f, "the output", x.len(), y.len())?;
    check_ascending(f, "Ordered variable", y)?;
    for i in 0..y.len() {
        x[i] = if i == 0 { y[0] } else { (y[i] - y[i - 1]).ln() };
    }
    Ok(())
}

// ---------------------------------------------------------- positive_ordered

/// `y[0] = exp(x[0])`, `y[i] = y[i-1] + exp(x[i])`; log-Jacobian `sum(x)`.
pub fn positive_ordered_constrain(x: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_len("positive_ordered_constrain", "the output", y.len(), x.len())?;
    let mut lj = 0.0;
    let mut prev = 0.0;
    for i in 0..x.len() {
        prev += x[i].exp();
        y[i] = prev;
        lj += x[i];
    }
    Ok(lj)
}

/// Reverse sweep of [`positive_ordered_constrain`].
pub fn positive_ordered_reverse(
    x: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "positive_ordered_constrain";
    check_len(f, "the output adjoint", y_adj.len(), x.len())?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    let mut tail = 0.0;
    for i in (0..x.len()).rev() {
        tail += y_adj[i];
        x_adj[i] += tail * x[i].exp() + lj_adj;
    }
    Ok(())
}

/// Inverse of [`positive_ordered_constrain`], after checking `y` is positive and strictly increasing.
pub fn positive_ordered_unconstrain(y: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "positive_ordered_free";
    check_len(f, "the output", x.len(), y.len())?;
    if let Some(&y0) = y.first() {
        if !(y0 >= 0.0) {
            return Err(DomainError::new(
                f,
                format!("Positive ordered variable is not a valid positive_ordered vector. The element at 1 is {y0}, but should be positive."),
            ));
        }
    }
    check_ascending(f, "Positive ordered variable", y)?;
    for i in 0..y.len() {
        x[i] = if i == 0 {
            y[0].ln()
        } else {
            (y[i] - y[i - 1]).ln()
        };
    }
    Ok(())
}

// ------------------------------------------------------------- sum_to_zero

/// The isometric sum-to-zero map on strided storage: `n` inputs `x[k * xs]`, `n + 1` outputs `y[k * ys]`.
fn sum_to_zero_fwd(x: &[f64], xs: usize, y: &mut [f64], ys: usize, n: usize) {
    for k in 0..=n {
        y[k * ys] = 0.0;
    }
    let mut sum_w = 0.0;
    for i in (1..=n).rev() {
        let nf = i as f64;
        let w = x[(i - 1) * xs] / (nf * (nf + 1.0)).sqrt();
        sum_w += w;
        y[(i - 1) * ys] += sum_w;
        y[i * ys] -= w * nf;
    }
}

/// Adds the transpose of the sum-to-zero map applied to `z_adj(k)`, `k = 0..=n`, to `x_adj[k * xs]`.
fn sum_to_zero_rev(z_adj: impl Fn(usize) -> f64, x_adj: &mut [f64], xs: usize, n: usize) {
    // y_k = sum_{j > k} w_j - k w_k, so w_j's adjoint is sum_{k < j} y_adj_k - j y_adj_j.
    let mut prefix = 0.0;
    for j in 1..=n {
        prefix += z_adj(j - 1);
        let jf = j as f64;
        let w_adj = prefix - jf * z_adj(j);
        x_adj[(j - 1) * xs] += w_adj / (jf * (jf + 1.0)).sqrt();
    }
}

/// Inverse of the sum-to-zero map on strided storage (Stan's `sum_to_zero_free`).
fn sum_to_zero_inv(z: &[f64], zs: usize, x: &mut [f64], xs: usize, n: usize) {
    if n == 0 {
        return;
    }
    let nf = n as f64;
    x[(n - 1) * xs] = -z[n * zs] * (nf * (nf + 1.0)).sqrt() / nf;
    let mut sum_w = 0.0;
    for i in (0..n.saturating_sub(1)).rev() {
        let m = (i + 1) as f64;
        let w = x[(i + 1) * xs] / ((m + 1.0) * (m + 2.0)).sqrt();
        sum_w += w;
        x[i * xs] = (sum_w - z[(i + 1) * zs]) * (m * (m + 1.0)).sqrt() / m;
    }
}

/// `sum_to_zero_vector[K]` from `K - 1` reals (Stan 2.36+ isometric transform); no Jacobian (returns 0).
pub fn sum_to_zero_constrain(x: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_len("sum_to_zero_constrain", "the output", y.len(), x.len() + 1)?;
    sum_to_zero_fwd(x, 1, y, 1, x.len());
    Ok(0.0)
}

/// Reverse sweep of [`sum_to_zero_constrain`] (the map is linear; there is no Jacobian term).
pub fn sum_to_zero_reverse(x: &[f64], y_adj: &[f64], x_adj: &mut [f64]) -> Result<(), DomainError> {
    let f = "sum_to_zero_constrain";
    check_len(f, "the output adjoint", y_adj.len(), x.len() + 1)?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    sum_to_zero_rev(|k| y_adj[k], x_adj, 1, x.len());
    Ok(())
}

/// Inverse of [`sum_to_zero_constrain`], after checking `|sum(y)| <= 1e-8`.
pub fn sum_to_zero_unconstrain(y: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "sum_to_zero_free";
    if y.is_empty() {
        return Err(DomainError::new(
            f,
            "sum_to_zero variable has size 0, but must have a non-zero size",
        ));
    }
    check_len(f, "the output", x.len(), y.len() - 1)?;
    let s: f64 = y.iter().sum();
    if !(s.abs() <= CONSTRAINT_TOLERANCE) {
        return Err(DomainError::new(
            f,
            format!("sum_to_zero variable does not sum to zero. sum(sum_to_zero variable) = {s}, but should be 0"),
        ));
    }
    sum_to_zero_inv(y, 1, x, 1, y.len() - 1);
    Ok(())
}

// ------------------------------------------------------------------- simplex

/// Simplex of `n + 1` elements `y[k * ys]` from `n` reals `x[k * xs]`; returns the log-Jacobian.
fn simplex_fwd(x: &[f64], xs: usize, y: &mut [f64], ys: usize, n: usize) -> f64 {
    if n == 0 {
        y[0] = 1.0;
        return 0.0;
    }
    sum_to_zero_fwd(x, xs, y, ys, n);
    let mut max = f64::NEG_INFINITY;
    for k in 0..=n {
        max = max.max(y[k * ys]);
    }
    let mut d = 0.0;
    for k in 0..=n {
        let e = (y[k * ys] - max).exp();
        y[k * ys] = e;
        d += e;
    }
    for k in 0..=n {
        y[k * ys] /= d;
    }
    let np1 = (n + 1) as f64;
    -np1 * (max + d.ln()) + 0.5 * np1.ln()
}

/// Reverse sweep of [`simplex_fwd`], given the simplex `y` itself.
fn simplex_rev(
    y: &[f64],
    ys: usize,
    y_adj: &[f64],
    yas: usize,
    lj_adj: f64,
    x_adj: &mut [f64],
    xs: usize,
    n: usize,
) {
    if n == 0 {
        return;
    }
    let np1 = (n + 1) as f64;
    let mut dot = 0.0;
    for k in 0..=n {
        dot += y[k * ys] * y_adj[k * yas];
    }
    // Adjoint of the pre-softmax vector z: softmax backprop, plus d lj / d z = -(n+1) y.
    let z_adj = |k: usize| {
        let yk = y[k * ys];
        yk * (y_adj[k * yas] - dot) - lj_adj * np1 * yk
    };
    sum_to_zero_rev(z_adj, x_adj, xs, n);
}

fn check_simplex(f: &str, y: &[f64], ys: usize, len: usize) -> Result<(), DomainError> {
    if len == 0 {
        return Err(DomainError::new(
            f,
            "Simplex variable has size 0, but must have a non-zero size",
        ));
    }
    let mut s = 0.0;
    for k in 0..len {
        let v = y[k * ys];
        if !(v >= 0.0) {
            return Err(DomainError::new(
                f,
                format!("Simplex variable is not a valid simplex. Simplex variable[{}] = {}, but should be greater than or equal to 0", k + 1, v),
            ));
        }
        s += v;
    }
    if !((1.0 - s).abs() <= CONSTRAINT_TOLERANCE) {
        return Err(DomainError::new(
            f,
            format!("Simplex variable is not a valid simplex. sum(Simplex variable) = {s}, but should be 1"),
        ));
    }
    Ok(())
}

/// Inverse of [`simplex_fwd`] (Stan's `simplex_free`).
fn simplex_inv(y: &[f64], ys: usize, x: &mut [f64], xs: usize, n: usize) {
    let mut cumsum = 0.0;
    for i in 0..n {
        cumsum += y[i * ys].ln();
        let m = (i + 1) as f64;
        x[i * xs] = (cumsum - m * y[(i + 1) * ys].ln()) / (m * (m + 1.0)).sqrt();
    }
}

/// `simplex[K]` from `K - 1` reals: softmax of the sum-to-zero transform; returns the log-Jacobian.
pub fn simplex_constrain(x: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    check_len("simplex_constrain", "the output", y.len(), x.len() + 1)?;
    Ok(simplex_fwd(x, 1, y, 1, x.len()))
}

/// Reverse sweep of [`simplex_constrain`]; `y` is the simplex the forward sweep produced.
pub fn simplex_reverse(
    y: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "simplex_constrain";
    check_len(f, "the output", y.len(), x_adj.len() + 1)?;
    check_len(f, "the output adjoint", y_adj.len(), y.len())?;
    simplex_rev(y, 1, y_adj, 1, lj_adj, x_adj, 1, x_adj.len());
    Ok(())
}

/// Inverse of [`simplex_constrain`], after checking `y` is a simplex (tolerance 1e-8).
pub fn simplex_unconstrain(y: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "simplex_free";
    check_simplex(f, y, 1, y.len())?;
    check_len(f, "the output", x.len(), y.len() - 1)?;
    simplex_inv(y, 1, x, 1, x.len());
    Ok(())
}

// --------------------------------------------------------- stochastic matrices

/// `column_stochastic_matrix[m, n]` from an `(m-1) x n` column-major matrix; returns the log-Jacobian.
pub fn column_stochastic_constrain(
    x: &[f64],
    m: usize,
    n: usize,
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "stochastic_column_constrain";
    if m == 0 {
        return Err(DomainError::new(f, "the number of rows must be positive"));
    }
    check_len(f, "the input", x.len(), (m - 1) * n)?;
    check_len(f, "the output", y.len(), m * n)?;
    let mut lj = 0.0;
    for j in 0..n {
        lj += simplex_fwd(&x[j * (m - 1)..], 1, &mut y[j * m..], 1, m - 1);
    }
    Ok(lj)
}

/// Reverse sweep of [`column_stochastic_constrain`]; `y` is the constrained matrix.
pub fn column_stochastic_reverse(
    y: &[f64],
    m: usize,
    n: usize,
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "stochastic_column_constrain";
    if m == 0 {
        return Err(DomainError::new(f, "the number of rows must be positive"));
    }
    check_len(f, "the output", y.len(), m * n)?;
    check_len(f, "the output adjoint", y_adj.len(), m * n)?;
    check_len(f, "the input adjoint", x_adj.len(), (m - 1) * n)?;
    for j in 0..n {
        simplex_rev(
            &y[j * m..],
            1,
            &y_adj[j * m..],
            1,
            lj_adj,
            &mut x_adj[j * (m - 1)..],
            1,
            m - 1,
        );
    }
    Ok(())
}

/// Inverse of [`column_stochastic_constrain`], after checking every column is a simplex.
pub fn column_stochastic_unconstrain(
    y: &[f64],
    m: usize,
    n: usize,
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "stochastic_column_free";
    if m == 0 {
        return Err(DomainError::new(f, "the number of rows must be positive"));
    }
    check_len(f, "the input", y.len(), m * n)?;
    check_len(f, "the output", x.len(), (m - 1) * n)?;
    for j in 0..n {
        check_simplex(f, &y[j * m..], 1, m)?;
        simplex_inv(&y[j * m..], 1, &mut x[j * (m - 1)..], 1, m - 1);
    }
    Ok(())
}

/// `row_stochastic_matrix[m, n]` from an `m x (n-1)` column-major matrix; returns the log-Jacobian.
pub fn row_stochastic_constrain(
    x: &[f64],
    m: usize,
    n: usize,
    y: &mut [f64],
) -> Result<f64, DomainError> {
    let f = "stochastic_row_constrain";
    if n == 0 {
        return Err(DomainError::new(
            f,
            "the number of columns must be positive",
        ));
    }
    check_len(f, "the input", x.len(), m * (n - 1))?;
    check_len(f, "the output", y.len(), m * n)?;
    let mut lj = 0.0;
    for i in 0..m {
        lj += simplex_fwd(&x[i..], m, &mut y[i..], m, n - 1);
    }
    Ok(lj)
}

/// Reverse sweep of [`row_stochastic_constrain`]; `y` is the constrained matrix.
pub fn row_stochastic_reverse(
    y: &[f64],
    m: usize,
    n: usize,
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "stochastic_row_constrain";
    if n == 0 {
        return Err(DomainError::new(
            f,
            "the number of columns must be positive",
        ));
    }
    check_len(f, "the output", y.len(), m * n)?;
    check_len(f, "the output adjoint", y_adj.len(), m * n)?;
    check_len(f, "the input adjoint", x_adj.len(), m * (n - 1))?;
    for i in 0..m {
        simplex_rev(
            &y[i..],
            m,
            &y_adj[i..],
            m,
            lj_adj,
            &mut x_adj[i..],
            m,
            n - 1,
        );
    }
    Ok(())
}

/// Inverse of [`row_stochastic_constrain`], after checking every row is a simplex.
pub fn row_stochastic_unconstrain(
    y: &[f64],
    m: usize,
    n: usize,
    x: &mut [f64],
) -> Result<(), DomainError> {
    let f = "stochastic_row_free";
    if n == 0 {
        return Err(DomainError::new(
            f,
            "the number of columns must be positive",
        ));
    }
    check_len(f, "the input", y.len(), m * n)?;
    check_len(f, "the output", x.len(), m * (n - 1))?;
    for i in 0..m {
        check_simplex(f, &y[i..], m, n)?;
        simplex_inv(&y[i..], m, &mut x[i..], m, n - 1);
    }
    Ok(())
}

// --------------------------------------------------------------- unit_vector

/// `y = x / |x|`; log-Jacobian `-0.5 |x|^2` (Stan's term that makes the density proper).
pub fn unit_vector_constrain(x: &[f64], y: &mut [f64]) -> Result<f64, DomainError> {
    let f = "unit_vector_constrain";
    check_len(f, "the output", y.len(), x.len())?;
    if x.is_empty() {
        return Err(DomainError::new(
            f,
            "y has size 0, but must have a non-zero size",
        ));
    }
    let sn: f64 = x.iter().map(|v| v * v).sum();
    if !(sn > 0.0 && sn.is_finite()) {
        return Err(DomainError::new(
            f,
            format!("norm is {sn}, but must be positive finite!"),
        ));
    }
    let r = sn.sqrt();
    for i in 0..x.len() {
        y[i] = x[i] / r;
    }
    Ok(-0.5 * sn)
}

/// Reverse sweep of [`unit_vector_constrain`]; `y` is the unit vector.
pub fn unit_vector_reverse(
    x: &[f64],
    y: &[f64],
    y_adj: &[f64],
    lj_adj: f64,
    x_adj: &mut [f64],
) -> Result<(), DomainError> {
    let f = "unit_vector_constrain";
    check_len(f, "the output", y.len(), x.len())?;
    check_len(f, "the output adjoint", y_adj.len(), x.len())?;
    check_len(f, "the input adjoint", x_adj.len(), x.len())?;
    let sn: f64 = x.iter().map(|v| v * v).sum();
    let r = sn.sqrt();
    if !(r > 0.0 && r.is_finite()) {
        return Err(DomainError::new(
            f,
            format!("norm is {sn}, but must be positive finite!"),
        ));
    }
    let dot: f64 = y.iter().zip(y_adj).map(|(a, b)| a * b).sum();
    for i in 0..x.len() {
        x_adj[i] += (y_adj[i] - y[i] * dot) / r - lj_adj * x[i];
    }
    Ok(())
}

/// Inverse of [`unit_vector_constrain`] (the identity), after checking `|1 - |y|^2| <= 1e-8`.
pub fn unit_vector_unconstrain(y: &[f64], x: &mut [f64]) -> Result<(), DomainError> {
    let f = "unit_vector_free";
    check_len(f, "the output", x.len(), y.len())?;
    if y.is_empty() {
        return Err(DomainError::new(
            f,
            "Unit vector variable has size 0, but must have a non-zero size",
        ));
    }
    let sn: f64 = y.iter().map(|v| v * v).sum();
    if !((1.0 - sn).abs() <= CONSTRAINT_TOLERANCE) {
        return Err(DomainError::new(
            f,
            format!("Unit vector variable is not a valid unit vector. The sum of the squares of the elements should be 1, but is {sn}"),
        ));
    }
    x.copy_from_slice(y);
    Ok(())
}

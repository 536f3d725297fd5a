//! Stan's constraint transforms: unconstrained reals to constrained values, their log-Jacobians, adjoints and inverses.
//!
//! Every transform is exactly the one of Stan 2.39 (Stan Math 5.3): the same
//! map, the same log-Jacobian term, the same order of the unconstrained
//! elements. The golden test `tests/transforms_zoo.rs` checks all of them
//! against Stan's own log density and gradient.
//!
//! # Conventions (uniform for every transform)
//!
//! * Values are `f64` slices. Matrices are **column-major**: element `(i, j)`
//!   of an `m x n` matrix is at `i + j * m`. Vectors and row vectors are plain
//!   slices.
//! * `<name>_constrain(x, [bounds,] [dims,] y) -> Result<f64, DomainError>`
//!   reads the unconstrained `x`, writes the constrained `y`, and returns the
//!   log absolute Jacobian determinant (the term Stan adds to the target when
//!   the Jacobian is requested). A caller that does not want the Jacobian
//!   ignores it.
//! * `<name>_reverse(x | y, [bounds,] [dims,] y_adj, lj_adj, x_adj [, bound_adj])`
//!   is the reverse sweep. It is given the forward values it needs (the
//!   unconstrained `x`, the constrained `y`, or both: see each signature), the
//!   adjoint `y_adj` of the constrained value and the adjoint `lj_adj` of the
//!   log-Jacobian (1.0 when the Jacobian is in the target, 0.0 when not), and
//!   **adds** to `x_adj` (and to the bound adjoints). It never overwrites.
//! * `<name>_unconstrain(y, [bounds,] [dims,] x) -> Result<(), DomainError>`
//!   checks that `y` satisfies the constraint (with Stan's tolerance 1e-8
//!   where Stan has one) and writes the unconstrained `x` (for user inits).
//! * Bounds, offsets and multipliers are slices of length 1 (one value for
//!   every element) or of the value's length (one per element). Their
//!   adjoints are slices of length 0 (the bound is data: nothing is
//!   accumulated), 1 (summed over elements) or the value's length.
//! * Every length is checked; a mismatch is a `DomainError`, never a panic.
//!   Sizes come from [`unconstrained_len`] and [`constrained_len`].
//!
//! Arrays of constrained values are laid out one element after the other,
//! each with its own unconstrained block, as Stan does.

pub mod bounds;
pub mod matrices;
pub mod vectors;

pub use bounds::*;
pub use matrices::*;
pub use vectors::*;

use crate::error::DomainError;

/// Stan's tolerance for checking constraints on user-supplied values.
pub const CONSTRAINT_TOLERANCE: f64 = 1e-8;

/// The constrained types of the Stan language, with the sizes that define their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// No constraint (`real`, `vector[n]`, ...) of `n` elements.
    Identity { n: usize },
    /// `<lower=L>`, `<upper=U>`, `<lower=L, upper=U>` or `<offset=, multiplier=>` on `n` elements.
    Elementwise { n: usize },
    /// `ordered[n]`.
    Ordered { n: usize },
    /// `positive_ordered[n]`.
    PositiveOrdered { n: usize },
    /// `simplex[k]`.
    Simplex { k: usize },
    /// `unit_vector[k]`.
    UnitVector { k: usize },
    /// `sum_to_zero_vector[k]`.
    SumToZero { k: usize },
    /// `cholesky_factor_corr[k]`.
    CholeskyFactorCorr { k: usize },
    /// `cholesky_factor_cov[m, n]` (`cholesky_factor_cov[k]` is `m = n = k`).
    CholeskyFactorCov { m: usize, n: usize },
    /// `corr_matrix[k]`.
    CorrMatrix { k: usize },
    /// `cov_matrix[k]`.
    CovMatrix { k: usize },
    /// `column_stochastic_matrix[m, n]`: every column a simplex.
    ColumnStochastic { m: usize, n: usize },
    /// `row_stochastic_matrix[m, n]`: every row a simplex.
    RowStochastic { m: usize, n: usize },
}

/// Number of unconstrained reals for one value of this type, in Stan's layout.
pub fn unconstrained_len(kind: ConstraintKind) -> usize {
    use ConstraintKind::*;
    match kind {
        Identity { n } | Elementwise { n } | Ordered { n } | PositiveOrdered { n } => n,
        Simplex { k } | SumToZero { k } => k.saturating_sub(1),
        UnitVector { k } => k,
        CholeskyFactorCorr { k } | CorrMatrix { k } => k * k.saturating_sub(1) / 2,
        CholeskyFactorCov { m, n } => n * (n + 1) / 2 + m.saturating_sub(n) * n,
        CovMatrix { k } => k + k * k.saturating_sub(1) / 2,
        ColumnStochastic { m, n } => m.saturating_sub(1) * n,
        RowStochastic { m, n } => m * n.saturating_sub(1),
    }
}

/// Number of constrained reals (the declared size) for one value of this type.
pub fn constrained_len(kind: ConstraintKind) -> usize {
    use ConstraintKind::*;
    match kind {
        Identity { n } | Elementwise { n } | Ordered { n } | PositiveOrdered { n } => n,
        Simplex { k } | SumToZero { k } | UnitVector { k } => k,
        CholeskyFactorCorr { k } | CorrMatrix { k } | CovMatrix { k } => k * k,
        CholeskyFactorCov { m, n } | ColumnStochastic { m, n } | RowStochastic { m, n } => m * n,
    }
}

/// Checks that a slice has the length a transform needs.
pub(crate) fn check_len(
    function: &str,
    what: &str,
    got: usize,
    expected: usize,
) -> Result<(), DomainError> {
    if got == expected {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("size of {what} ({got}) must be {expected}"),
        ))
    }
}

/// Checks that a bound slice has length 1 or `n`.
pub(crate) fn check_bound_len(
    function: &str,
    what: &str,
    got: usize,
    n: usize,
) -> Result<(), DomainError> {
    if got == 1 || got == n {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("size of {what} ({got}) must be 1 or {n}"),
        ))
    }
}

/// Checks that an adjoint slice for a bound has length 0, 1 or `n`.
pub(crate) fn check_bound_adj_len(
    function: &str,
    what: &str,
    got: usize,
    n: usize,
) -> Result<(), DomainError> {
    if got <= 1 || got == n {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("size of the adjoint of {what} ({got}) must be 0, 1 or {n}"),
        ))
    }
}

/// The `i`-th value of a bound given as one value or one per element.
#[inline]
pub(crate) fn bound_at(bound: &[f64], i: usize) -> f64 {
    if bound.len() == 1 {
        bound[0]
    } else {
        bound[i]
    }
}

/// Adds `v` to the adjoint of the `i`-th bound (nothing when the bound is data).
#[inline]
pub(crate) fn bound_adj_add(adj: &mut [f64], i: usize, v: f64) {
    match adj.len() {
        0 => {}
        1 => adj[0] += v,
        _ => adj[i] += v,
    }
}

//! Multivariate densities (multi_normal, LKJ, Wishart, Dirichlet, ...) with their partials and RNGs.
//!
//! # Conventions
//!
//! * Matrices are column-major `&[f64]` with explicit dimensions (see
//!   `crate::linalg`). Arrays of vectors are one slice holding the vectors
//!   one after the other (`n` vectors of size `k` in `n * k` values).
//! * `<name>_lpdf(args..., propto, d_arg1, d_arg2, ...) -> Result<f64, DomainError>`
//!   returns the log density and **adds** its partial derivative with respect
//!   to each argument to `d_<arg>`. An empty `d_<arg>` slice means the
//!   argument is constant (data): no partial is computed, and with
//!   `propto = true` every term that depends only on constant arguments is
//!   dropped, exactly as Stan's `~` and `_lupdf` drop them.
//! * Partials with respect to a symmetric matrix argument (covariance,
//!   precision, correlation, Wishart variate) are the symmetric gradient:
//!   `d[i,j] = d[j,i]` is the derivative along the symmetric direction, as in
//!   Stan (so a caller that built the matrix from both triangles gets the
//!   right total derivative). Partials with respect to a Cholesky factor are
//!   on its lower triangle only.
//! * `<name>_rng(args..., rng: &mut dyn rand::Rng, out)` writes one draw.

pub mod dirichlet;
pub mod lkj;
pub mod normal;
mod normal_summed;
pub(crate) mod special;
pub mod wishart;
pub mod wishart_cholesky;

pub use dirichlet::*;
pub use lkj::*;
pub use normal::*;
pub use wishart::*;
pub use wishart_cholesky::*;

use crate::error::DomainError;

/// Checks an argument or partial slice has the expected length (partials may also be empty).
pub(crate) fn check_arg(
    function: &str,
    name: &str,
    len: usize,
    expected: usize,
) -> Result<(), DomainError> {
    if len == expected {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("size of {name} ({len}) must be {expected}"),
        ))
    }
}

/// Checks a partial slice: empty (constant argument) or of the argument's length.
pub(crate) fn check_partial(
    function: &str,
    name: &str,
    len: usize,
    expected: usize,
) -> Result<(), DomainError> {
    if len == 0 || len == expected {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("size of the partials of {name} ({len}) must be 0 or {expected}"),
        ))
    }
}

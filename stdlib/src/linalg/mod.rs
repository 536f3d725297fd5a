//! Linear-algebra kernels with reverse-mode adjoints: products, Cholesky, triangular solves, determinants.
//!
//! # Conventions
//!
//! * Matrices are `&[f64]` in **column-major** order with their dimensions
//!   passed explicitly: element `(i, j)` of an `m x n` matrix is at
//!   `i + j * m`. Vectors and row vectors are plain slices.
//! * A kernel writes its result into a caller-provided `out` slice of the
//!   exact size and returns `Result<_, DomainError>`; sizes are always
//!   checked, and a mismatch or a domain problem (not positive definite,
//!   singular) is an error whose message names the Stan function.
//! * `<name>_reverse(...)` is the adjoint: given the forward inputs (and the
//!   result where that is cheaper), and the adjoint of the result, it
//!   **adds** to the adjoints of the inputs. An input adjoint passed as an
//!   empty slice is not wanted (the input is data) and is skipped.
//! * Temporary storage comes from [`scratch::with_scratch`], so nothing is
//!   allocated per call after the first.

pub mod cholesky;
pub mod columns;
pub(crate) mod dense;
pub mod gp;
pub mod products;
pub mod scratch;
pub mod solve;
pub mod spectral;

pub use cholesky::*;
pub use gp::*;
pub use products::*;
pub use solve::*;
pub use spectral::*;

use crate::error::DomainError;

/// Checks that a slice holds an `n x n` matrix.
pub(crate) fn check_square_len(
    function: &str,
    name: &str,
    len: usize,
    n: usize,
) -> Result<(), DomainError> {
    if len == n * n {
        Ok(())
    } else {
        Err(DomainError::new(
            function,
            format!("{name} has {len} elements, but must be a {n} x {n} matrix"),
        ))
    }
}

/// Checks that a slice has the expected number of elements.
pub(crate) fn check_len(
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

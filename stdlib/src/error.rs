//! The error every stdlib kernel returns for bad arguments: a domain error with a Stan-like message.
//!
//! Kernels never panic. When an argument is outside a function's domain (a
//! matrix that is not positive definite, a size mismatch, a negative scale),
//! the kernel returns `Err(DomainError)` whose message names the function and
//! the problem, in the words Stan uses, for example
//! `"cholesky_decompose: Matrix m is not positive definite"`. The generated
//! code turns it into a status: in the model block the proposal is rejected,
//! in data and transformed data the run fails with the message.

use std::fmt;

/// A bad argument to a built-in function, with a message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    /// `"<function>: <what is wrong>"`, as Stan words it.
    pub message: String,
}

impl DomainError {
    /// An error raised by `function` (a Stan function name) about `problem`.
    pub fn new(function: &str, problem: impl fmt::Display) -> DomainError {
        DomainError {
            message: format!("{function}: {problem}"),
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DomainError {}

/// Shorthand for the result of a kernel.
pub type KernelResult<T> = Result<T, DomainError>;

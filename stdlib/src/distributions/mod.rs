//! Univariate (and simple discrete/categorical) distribution kernels: log densities, CDFs and RNGs with partial derivatives.
//!
//! # Conventions
//!
//! **Densities** (`*_lpdf`, `*_lpmf`) are vectorized with broadcasting, as
//! Stan's are. Each real argument is a [`RealArg`]: `values` holds one value
//! (a scalar, broadcast against the others) or `n` values, where `n` is the
//! common length of every argument that is not of length 1 (lengths must
//! agree, or the call fails with a [`DomainError`]). `partials` is `Some`
//! when the argument depends on parameters: the kernel then ADDS (`+=`) the
//! partial derivative of the returned total into that buffer, which has the
//! same length as `values` (a broadcast scalar receives the sum over all
//! elements). Int arguments are `&[i64]`, broadcast the same way.
//!
//! The result is the sum over elements. With `propto == true` the kernel
//! drops exactly the terms Stan drops for `~` and `_lupdf`: every term whose
//! arguments all lack partials (constants included). When no argument has
//! partials, `propto` gives 0. A term that depends only on broadcast
//! scalars (for example `log(sigma)` when `sigma` has length 1) is computed
//! once per call, not per element. An empty argument gives 0.
//!
//! Bad arguments return `Err(DomainError)` with Stan's wording, for example
//! `normal_lpdf: Scale parameter is -1, but must be positive finite!`.
//! Nothing panics.
//!
//! The `_lupdf`/`_lupmf` forms are the same kernels called with
//! `propto = true`.
//!
//! **CDFs** (`*_cdf`, `*_lcdf`, `*_lccdf`) take the same arguments without
//! `propto`: `_cdf` returns the product over elements, `_lcdf` and `_lccdf`
//! the sum of logs, and partials accumulate the same way.
//!
//! **RNGs** (`*_rng`) are scalar: `normal_rng(mu, sigma, rng)` draws one
//! value from any `rand::Rng` and checks its arguments like the density.
//! The generated code loops for the vectorized forms.
//!
//! **GLMs** (`normal_id_glm`, `bernoulli_logit_glm`, `poisson_log_glm`,
//! `neg_binomial_2_log_glm`) are fused kernels; their design matrix is a
//! [`Matrix`]: a row-major `&[f64]` with `rows` and `cols`, and its partials
//! (when present) a row-major buffer of the same size.

mod bernoulli_logit_lanes;
pub mod cdf;
pub mod continuous;
pub mod discrete;
pub mod discrete_more;
pub mod glm;
mod kernel;
mod normal_scalar_scale;
pub mod rng;

pub use crate::error::DomainError;
pub use cdf::*;
pub use continuous::*;
pub use discrete::*;
pub use discrete_more::*;
pub use glm::*;
pub use rng::*;

/// One real argument of a vectorized kernel: its values, and where to add
/// its partial derivatives when it depends on parameters.
#[derive(Debug)]
pub struct RealArg<'a> {
    pub values: &'a [f64],
    pub partials: Option<&'a mut [f64]>,
}

impl<'a> RealArg<'a> {
    /// A data-only argument (no partials).
    pub fn data(values: &'a [f64]) -> Self {
        RealArg {
            values,
            partials: None,
        }
    }
    /// A parameter-dependent argument: partials are added into `partials`.
    pub fn param(values: &'a [f64], partials: &'a mut [f64]) -> Self {
        RealArg {
            values,
            partials: Some(partials),
        }
    }
    /// Whether the argument has partials.
    pub fn is_active(&self) -> bool {
        self.partials.is_some()
    }
    /// The value at element `i`, broadcasting a scalar.
    pub fn at(&self, i: usize) -> f64 {
        if self.values.len() == 1 {
            self.values[0]
        } else {
            self.values[i]
        }
    }
}

/// A dense matrix argument of a GLM: row-major values with their shape, and
/// optional row-major partials of the same size.
#[derive(Debug)]
pub struct Matrix<'a> {
    pub values: &'a [f64],
    pub rows: usize,
    pub cols: usize,
    pub partials: Option<&'a mut [f64]>,
}

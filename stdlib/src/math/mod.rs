//! Scalar special and composed functions of Stan, each with its derivatives.
//!
//! Conventions:
//! - `pub fn f(x, ...) -> f64` is the value, following Stan's edge cases
//!   (NaN in, NaN out; out-of-domain values give NaN or an infinity as
//!   Stan's math library does, never a panic).
//! - A unary function `f` has `f_deriv(x) -> f64`, its derivative.
//! - A function of several reals has `f_grad(a, b, ...) -> [f64; N]`, the
//!   partial derivatives with respect to each real argument in order (int
//!   arguments have none).
//!
//! Accuracy sources (checked against shared/golden/functions.json):
//! `libm` (a port of FreeBSD's msun) for lgamma, tgamma, erf, erfc and the
//! Bessel function J_n; `special` for digamma, trigamma, the regularized
//! incomplete beta and the lower incomplete gamma P; `statrs` for the upper
//! incomplete gamma Q and the inverse complementary error function;
//! `lambert_w` for W0 and W-1. Derivatives of the incomplete gamma and beta
//! functions with respect to their shape parameters have no closed form and
//! use a Richardson-extrapolated central difference (relative error ~1e-10).

mod branch_free;
mod special_fns;

pub use branch_free::{
    exp_branch_free, exp_lanes, ln_branch_free, ln_lanes, log1p_branch_free, madd,
};

pub use special_fns::*;

//! Diagnostics of a finished run: convergence statistics per quantity
//! (ArviZ-exact), and the sampler's own health checks.

mod fft;
mod normal_quantile;

pub mod convergence;
pub mod sampler_checks;

pub use convergence::{
    ess_bulk, ess_mean, ess_tail, mcse_mean, mcse_sd, quantile, rhat, ConvergenceStats,
};
pub use normal_quantile::standard_normal_quantile;
pub use sampler_checks::{e_bfmi, ChainSamplerColumns, SamplerChecks, E_BFMI_THRESHOLD};

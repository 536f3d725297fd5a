//! cmod's runtime: samples any type that implements [`Model`]; knows nothing of the compiler.
//!
//! The main entry points:
//! - [`run_chains`] runs NUTS chains in parallel with Stan's warmup, writing
//!   Stan CSV if asked, and returns every chain's draws ([`RunOutput`]);
//! - [`stan_csv::read_stan_csv`] reads a Stan CSV file from cmod or CmdStan;
//! - [`summary::Summary`] computes the stansummary table and the warnings
//!   from chains in memory or read from files;
//! - [`diagnostics`] holds the ArviZ-exact statistics behind the summary.

pub mod adaptation;
pub mod chain_rng;
pub mod chain_runner;
pub mod config;
pub mod data_json;
pub mod diagnostics;
pub mod draws;
pub mod hamiltonian;
pub mod initialization;
pub mod metric;
pub mod model;
pub mod nuts;
#[cfg(test)]
mod nuts_reference;
pub mod optimize;
pub mod pathfinder;
pub mod phase_pool;
pub mod progress;
pub mod psis;
pub mod run;
pub mod stan_csv;
pub mod summary;
#[cfg(test)]
mod test_density;
mod trajectory_weights;
mod u_turn;
pub mod variational;

pub use chain_runner::{ChainError, ChainNotices};
pub use config::{AdaptConfig, AdaptationKind, InitialValues, SamplerConfig};
pub use draws::{AdaptationInfo, ChainDraws, InverseMetric, Timing, SAMPLER_COLUMNS};
pub use metric::MetricKind;
pub use model::{Model, Rejection};
pub use progress::{NoProgress, Phase, ProgressObserver, ProgressUpdate};
pub use run::{run_chains, ChainResult, CsvOutput, RunOptions, RunOutput};
pub use summary::{Summary, SummaryRow};

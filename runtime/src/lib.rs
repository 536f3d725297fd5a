//! cmod's runtime: samples any type that implements [`Model`]; knows nothing of the compiler.

pub mod diagnostics;
pub mod model;

pub use model::{Model, Rejection};

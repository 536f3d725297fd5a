//! cmod's built-in functions: the one signature table the checker reads, and the kernels the generated code calls.

pub mod builtins;
pub mod distribution_info;
pub mod distributions;
pub mod error;
pub mod linalg;
pub mod math;
pub mod multivariate;
pub mod signatures;
pub mod transforms;
pub mod types;

pub use signatures::{table, SignatureTable};
pub use types::{Arg, ArgType, BaseType, ReturnType, Signature, UnsizedType};

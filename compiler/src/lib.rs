//! cmod's compiler: Stan source text in, a checked program (and later native code) out. Does no IO.

pub mod diagnostics;
pub mod syntax;

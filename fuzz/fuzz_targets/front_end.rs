//! Fuzz target: any UTF-8 text through the lexer, parser, checker and renderer must not panic.
//!
//! Run with `cargo +nightly fuzz run front_end` from this directory (seed it
//! with `tests/check/valid` for a quick start).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    let result = compiler::front_end(source);
    compiler::diagnostics::render(&result.diagnostics, "fuzz.cmod", source, false);
});

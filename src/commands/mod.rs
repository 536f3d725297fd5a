//! One module per `cmod` subcommand; each reads its inputs, calls the library crates, and prints.

pub mod check;
pub mod data;
pub mod log_prob;
pub mod summary;

use std::io::IsTerminal;
use std::path::Path;

/// Reads a model file, or explains why it cannot.
pub fn read_model(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read the model file {}: {e}", path.display()))
}

/// Whether to colour diagnostics: only on a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

//! cmod's compiler: Stan source text in, a checked program and native code out. Does no IO.

pub mod ad;
pub mod check;
pub mod codegen;
pub mod compiled;
pub mod data;
pub mod diagnostics;
pub mod dump;
pub mod ir;
pub mod syntax;

use diagnostics::Diagnostic;

/// The front end's result for one source file: the tree, the types, and every diagnostic.
pub struct FrontEnd {
    pub parsed: syntax::Parsed,
    /// `None` when the program has syntax errors (it is not type-checked then).
    pub checked: Option<check::Checked>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FrontEnd {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Parses and checks a program, collecting every diagnostic in source order.
pub fn front_end(source: &str) -> FrontEnd {
    let parsed = syntax::parse(source);
    let mut diagnostics: Vec<Diagnostic> =
        parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
    let checked = if parsed.errors.is_empty() {
        let checked = check::check(&parsed.program, source, parsed.expr_count);
        diagnostics.extend(checked.errors.iter().map(|e| e.to_diagnostic()));
        Some(checked)
    } else {
        None
    };
    FrontEnd {
        parsed,
        checked,
        diagnostics,
    }
}

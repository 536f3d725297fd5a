//! Why lowering could not compile a program: a construct not supported yet, or an internal error.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct LowerError {
    pub span: Span,
    pub message: String,
    pub kind: LowerErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowerErrorKind {
    /// A valid program using something cmod cannot compile yet.
    NotSupportedYet,
    /// The data or sizes make the program impossible to compile (e.g. a negative size).
    Invalid,
    /// A bug in cmod.
    Internal,
}

impl LowerError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        LowerError {
            span,
            message: message.into(),
            kind: LowerErrorKind::Invalid,
        }
    }
    pub fn unsupported(span: Span, what: impl Into<String>) -> Self {
        LowerError {
            span,
            message: what.into(),
            kind: LowerErrorKind::NotSupportedYet,
        }
    }
    pub fn internal(span: Span, message: impl Into<String>) -> Self {
        LowerError {
            span,
            message: message.into(),
            kind: LowerErrorKind::Internal,
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self.kind {
            LowerErrorKind::NotSupportedYet => Diagnostic::error(
                "E500",
                format!("not supported yet: {}", self.message),
                self.span,
                "cmod cannot compile this yet",
            ),
            LowerErrorKind::Invalid => {
                Diagnostic::error("E501", self.message.clone(), self.span, "here")
            }
            LowerErrorKind::Internal => Diagnostic::error(
                "E999",
                format!("internal compiler error: {}", self.message),
                self.span,
                "cmod failed here; this is a bug in cmod, not in your model",
            )
            .with_help("please report it with the model that triggers it"),
        }
    }
}

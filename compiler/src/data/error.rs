//! Data errors as plain data, and the one function that words each as a diagnostic.
//!
//! Every diagnostic about a variable's value points at the variable's
//! declaration in the model and names the data file (and the variable's line
//! in it) in its title.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;

/// Which bound a value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundSide {
    Lower,
    Upper,
}

/// A note about one size in a declaration: the size expression and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeNote {
    pub span: Span,
    pub value: usize,
}

/// Everything that can be wrong with a data file, checked against the model's data block.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// The model declares data but no data file was given.
    NeedsDataFile {
        header_span: Span,
        names: Vec<String>,
    },
    Missing {
        name: String,
        decl_span: Span,
        suggestion: Option<String>,
    },
    /// A real (or inf, or NaN) where an int is declared. `name` includes the index.
    NotAnInt {
        name: String,
        value: String,
        decl_span: Span,
        line: usize,
    },
    WrongShape {
        name: String,
        expected: String,
        found: String,
        /// `Some((found, expected))` when both are arrays and only the lengths differ.
        lengths: Option<(usize, usize)>,
        is_matrix: bool,
        size: Option<SizeNote>,
        decl_span: Span,
        line: usize,
    },
    /// A string, `true`, `null` or an object where a number is needed.
    NotANumber {
        name: String,
        found: String,
        decl_span: Span,
        line: usize,
    },
    IntTooLarge {
        name: String,
        text: String,
        decl_span: Span,
        line: usize,
    },
    OutOfBounds {
        name: String,
        value: String,
        side: BoundSide,
        bound: String,
        bound_span: Span,
        decl_span: Span,
        line: usize,
        more: usize,
    },
    NanWithBounds {
        name: String,
        bound_span: Span,
        decl_span: Span,
        line: usize,
    },
    /// A value that breaks its constrained type (simplex, ordered, cov_matrix, ...).
    Constraint {
        name: String,
        type_name: &'static str,
        problem: String,
        decl_span: Span,
        line: usize,
    },
    NegativeSize {
        name: String,
        value: i64,
        size_span: Span,
        decl_span: Span,
    },
    /// A size or bound expression cmod cannot evaluate from data yet.
    UnsupportedExpr {
        name: String,
        what: String,
        span: Span,
        decl_span: Span,
    },
    /// A size or bound expression that fails on this data (division by zero, overflow, index).
    EvalFailed {
        name: String,
        message: String,
        span: Span,
        decl_span: Span,
    },
    /// Variables in the file that the data block does not declare (a warning).
    UnknownVariables {
        names: Vec<String>,
        header_span: Option<Span>,
    },
}

impl DataError {
    pub fn is_warning(&self) -> bool {
        matches!(self, DataError::UnknownVariables { .. })
    }

    /// Words the error; `file_name` is the data file's name as the user gave it.
    pub fn to_diagnostic(&self, file_name: &str) -> Diagnostic {
        use DataError::*;
        let at = |line: usize| {
            if line > 0 {
                format!("{file_name} (line {line})")
            } else {
                file_name.to_string()
            }
        };
        match self {
            NeedsDataFile { header_span, names } => Diagnostic::error(
                "E411",
                "this model needs a data file",
                *header_span,
                format!("the data block declares {}", list(names)),
            )
            .with_help("give the data with `--data data.json`, a JSON object with one entry per variable"),
            Missing { name, decl_span, suggestion } => {
                let d = Diagnostic::error(
                    "E400",
                    format!("`{name}` is missing from {file_name}"),
                    *decl_span,
                    format!("`{name}` is declared as data here"),
                );
                match suggestion {
                    Some(s) => d.with_help(format!(
                        "{file_name} has `{s}`: is it a misspelling of `{name}`?"
                    )),
                    None => d.with_help(format!("add `\"{name}\": ...` to {file_name}")),
                }
            }
            NotAnInt { name, value, decl_span, line } => Diagnostic::error(
                "E401",
                format!("`{name}` in {} is {value}, but it is declared int", at(*line)),
                *decl_span,
                "declared as int here",
            )
            .with_help("ints are written without a decimal point or exponent (2, not 2.0); declare the variable `real` if it holds reals"),
            WrongShape { name, expected, found, lengths, is_matrix, size, decl_span, line } => {
                let title = match lengths {
                    Some((found_len, expected_len)) => format!(
                        "`{name}` in {} has {found_len} {}, but its declaration needs {expected_len}",
                        at(*line),
                        plural(*found_len, "element", "elements"),
                    ),
                    None => format!(
                        "`{name}` in {} is {found}, but its declaration needs {expected}",
                        at(*line)
                    ),
                };
                let mut d = Diagnostic::error(
                    "E402",
                    title,
                    *decl_span,
                    format!("declared here: `{name}` must be {expected}"),
                );
                if let Some(size) = size {
                    d = d.with_secondary(size.span, format!("this size is {}", size.value));
                }
                if *is_matrix {
                    d = d.with_help("a matrix is written as a list of rows: [[1, 2, 3], [4, 5, 6]] is 2 x 3");
                }
                d
            }
            NotANumber { name, found, decl_span, line } => Diagnostic::error(
                "E403",
                format!("`{name}` in {} is {found}, not a number", at(*line)),
                *decl_span,
                "declared here",
            )
            .with_help("numbers are written bare; only \"inf\", \"-inf\" and \"NaN\" may be written as strings"),
            IntTooLarge { name, text, decl_span, line } => Diagnostic::error(
                "E404",
                format!("`{name}` in {} is {text}, too large for an int", at(*line)),
                *decl_span,
                "declared as int here",
            )
            .with_help(format!(
                "ints lie between {} and {}; declare the variable `real` for larger values",
                i64::MIN,
                i64::MAX
            )),
            OutOfBounds { name, value, side, bound, bound_span, decl_span, line, more } => {
                let (relation, which) = match side {
                    BoundSide::Lower => ("below", "lower"),
                    BoundSide::Upper => ("above", "upper"),
                };
                let d = Diagnostic::error(
                    "E405",
                    format!(
                        "`{name}` in {} is {value}, {relation} its {which} bound {bound}",
                        at(*line)
                    ),
                    *decl_span,
                    "declared here",
                )
                .with_secondary(*bound_span, format!("the {which} bound is {bound}"));
                if *more > 0 {
                    d.with_help(format!(
                        "{more} other {} of this variable {} outside the bounds too",
                        plural(*more, "value", "values"),
                        plural(*more, "is", "are")
                    ))
                } else {
                    d
                }
            }
            NanWithBounds { name, bound_span, decl_span, line } => Diagnostic::error(
                "E406",
                format!("`{name}` in {} is NaN, but the variable has bounds", at(*line)),
                *decl_span,
                "declared here",
            )
            .with_secondary(*bound_span, "NaN cannot be checked against this bound")
            .with_help("drop the bounds if the data may hold NaN, or remove the NaN from the file"),
            Constraint { name, type_name, problem, decl_span, line } => Diagnostic::error(
                "E407",
                format!("`{name}` in {} is not a valid `{type_name}`: {problem}", at(*line)),
                *decl_span,
                format!("declared as `{type_name}` here"),
            )
            .with_help(constraint_help(type_name)),
            NegativeSize { name, value, size_span, decl_span } => Diagnostic::error(
                "E408",
                format!("a size of `{name}` is {value}, but sizes cannot be negative"),
                *decl_span,
                "declared here",
            )
            .with_secondary(*size_span, format!("this size is {value} with the data in {file_name}")),
            UnsupportedExpr { name, what, span, decl_span } => Diagnostic::error(
                "E409",
                format!("not supported yet: {what} in the declaration of `{name}`"),
                *decl_span,
                "declared here",
            )
            .with_secondary(*span, "cmod cannot evaluate this from the data yet")
            .with_help("sizes and bounds of data may use int arithmetic (+ - * %/% %), earlier data, and size, rows, cols, num_elements, max, min"),
            EvalFailed { name, message, span, decl_span } => Diagnostic::error(
                "E410",
                format!("the declaration of `{name}` cannot be evaluated with the data in {file_name}: {message}"),
                *decl_span,
                "declared here",
            )
            .with_secondary(*span, message.clone()),
            UnknownVariables { names, header_span } => Diagnostic::warning(
                "W400",
                format!(
                    "{file_name} has {} the model does not declare: {}",
                    plural(names.len(), "a variable", "variables"),
                    list(names)
                ),
                header_span.unwrap_or_default(),
                if header_span.is_some() { "not declared in this data block" } else { "this model has no data block" },
            )
            .with_help("these values are ignored; check the names for typos"),
        }
    }
}

/// The diagnostic for a data file that is not valid CmdStan JSON, to be
/// rendered against the data file's own text (`offset` is a byte offset in it).
pub fn data_file_diagnostic(
    message: &str,
    line: usize,
    column: usize,
    offset: usize,
) -> Diagnostic {
    Diagnostic::error(
        "E412",
        format!("the data file is not valid JSON (line {line}, column {column})"),
        Span::new(offset, offset + 1),
        message.to_string(),
    )
    .with_help("a data file is a JSON object such as {\"N\": 3, \"y\": [1.5, 2, \"inf\"]}")
}

fn constraint_help(type_name: &str) -> &'static str {
    match type_name {
        "simplex" => "a simplex has nonnegative elements that sum to 1 (within 1e-8)",
        "unit_vector" => "a unit_vector's squares sum to 1 (within 1e-8)",
        "sum_to_zero_vector" => "a sum_to_zero_vector's elements sum to 0 (within 1e-8)",
        "ordered" => "an ordered vector's elements strictly increase",
        "positive_ordered" => "a positive_ordered vector's elements are nonnegative and strictly increase",
        "corr_matrix" => "a corr_matrix is symmetric, positive definite, with ones on the diagonal",
        "cov_matrix" => "a cov_matrix is symmetric and positive definite",
        "cholesky_factor_corr" => "a cholesky_factor_corr is lower triangular with a positive diagonal, and each row has length 1",
        "cholesky_factor_cov" => "a cholesky_factor_cov is lower triangular with a positive diagonal",
        "column_stochastic_matrix" => "each column of a column_stochastic_matrix is nonnegative and sums to 1",
        "row_stochastic_matrix" => "each row of a row_stochastic_matrix is nonnegative and sums to 1",
        _ => "check the value against the declared type",
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c`.
fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

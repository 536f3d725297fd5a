//! Syntax errors as data, and their translation into diagnostics that say in words what was expected.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Span;
use crate::syntax::parse_support::UserError;
use crate::syntax::token::{LexError, Tok};
use lalrpop_util::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxError {
    UnknownCharacter {
        text: String,
        span: Span,
    },
    HashComment {
        span: Span,
    },
    UnterminatedComment {
        span: Span,
    },
    BadIdentifier {
        name: String,
        span: Span,
    },
    /// A token the grammar did not expect here. `expected` holds the grammar's terminal names.
    Unexpected {
        found: String,
        span: Span,
        expected: Vec<String>,
        after: Option<Span>,
    },
    UnexpectedEnd {
        span: Span,
        expected: Vec<String>,
    },
    Action(UserError),
    /// The program nests deeper than `MAX_NESTING`.
    TooDeep {
        span: Span,
    },
}

impl SyntaxError {
    pub fn from_lex(e: LexError, source: &str) -> Self {
        let text = source.get(e.start..e.end).unwrap_or("?").to_string();
        SyntaxError::UnknownCharacter {
            text,
            span: Span::new(e.start, e.end),
        }
    }

    pub fn from_parse_error(e: ParseError<usize, Tok<'_>, UserError>, source: &str) -> Self {
        match e {
            ParseError::InvalidToken { location } => SyntaxError::UnknownCharacter {
                text: "?".into(),
                span: Span::new(location, location + 1),
            },
            ParseError::UnrecognizedEof { location, expected } => SyntaxError::UnexpectedEnd {
                span: Span::new(location, location),
                expected,
            },
            ParseError::UnrecognizedToken {
                token: (l, tok, r),
                expected,
            } => SyntaxError::Unexpected {
                found: tok.to_string(),
                span: Span::new(l, r),
                expected,
                after: previous_token_end(source, l)
                    .map(|end| Span::new(end.saturating_sub(1), end)),
            },
            ParseError::ExtraToken { token: (l, tok, r) } => SyntaxError::Unexpected {
                found: tok.to_string(),
                span: Span::new(l, r),
                expected: vec![],
                after: None,
            },
            ParseError::User { error } => SyntaxError::Action(error),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            SyntaxError::UnknownCharacter { span, .. }
            | SyntaxError::HashComment { span }
            | SyntaxError::UnterminatedComment { span }
            | SyntaxError::BadIdentifier { span, .. }
            | SyntaxError::Unexpected { span, .. }
            | SyntaxError::UnexpectedEnd { span, .. }
            | SyntaxError::TooDeep { span } => *span,
            SyntaxError::Action(e) => match e {
                UserError::IntLiteralTooLarge { span, .. }
                | UserError::BadRealLiteral { span, .. }
                | UserError::UnsupportedType { span, .. }
                | UserError::UnsupportedImaginary { span }
                | UserError::TruncationNotT { span, .. }
                | UserError::ExpressionStatement { span, .. }
                | UserError::UnknownBound { span, .. }
                | UserError::MixedBounds { span }
                | UserError::UnknownBlock { span, .. } => *span,
            },
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::UnknownCharacter { text, span } => Diagnostic::error(
                "E001",
                format!("unexpected character `{text}`"),
                *span,
                "this character is not part of the Stan language",
            ),
            SyntaxError::HashComment { span } => Diagnostic::error(
                "E004",
                "`#` comments are old syntax",
                *span,
                "this comment starts with `#`",
            )
            .with_help("write the comment with `//` instead of `#`"),
            SyntaxError::UnterminatedComment { span } => Diagnostic::error(
                "E005",
                "this comment is never closed",
                Span::new(span.start, span.start + 2),
                "the comment starts here",
            )
            .with_help("close the comment with `*/`"),
            SyntaxError::BadIdentifier { name, span } => Diagnostic::error(
                "E006",
                format!("`{name}` is not a valid name"),
                *span,
                "names cannot start with an underscore",
            )
            .with_help(format!(
                "rename it, for example to `{}`",
                name.trim_start_matches('_')
            )),
            SyntaxError::Unexpected {
                found,
                span,
                expected,
                after,
            } => unexpected(found, *span, expected, *after),
            SyntaxError::UnexpectedEnd { span, expected } => Diagnostic::error(
                "E003",
                "the program ends too early",
                *span,
                format!("expected {} here", describe_expected(expected)),
            )
            .with_help("check that every `{` and `(` is closed"),
            SyntaxError::Action(e) => action_diagnostic(e),
            SyntaxError::TooDeep { span } => Diagnostic::error(
                "E014",
                "this code is nested too deeply",
                *span,
                format!(
                    "more than {} levels of brackets, operators or branches",
                    super::MAX_NESTING
                ),
            )
            .with_help("split it into smaller parts with intermediate variables"),
        }
    }
}

fn unexpected(found: &str, span: Span, expected: &[String], after: Option<Span>) -> Diagnostic {
    let wants_semicolon = expected.iter().any(|e| e == "\";\"");
    if wants_semicolon && expected.len() <= 8 {
        if let Some(after) = after {
            return Diagnostic::error("E002", "missing `;`", after, "expected `;` after this")
                .with_secondary(span, format!("found {found} instead"))
                .with_help("every statement and declaration ends with `;`");
        }
    }
    let title = format!("unexpected {found}");
    if expected.is_empty() {
        return Diagnostic::error("E002", title, span, "nothing more was expected here");
    }
    let names: Vec<&str> = expected.iter().map(|s| s.trim_matches('"')).collect();
    let help = match names.as_slice() {
        ["{"] => Some("statements and declarations go inside a block, for example `model { ... }`"),
        ["<", "["] | ["[", "<"] => Some("give the size in brackets, for example `vector[N] y;`"),
        _ => None,
    };
    Diagnostic::error(
        "E002",
        title,
        span,
        format!("expected {}", describe_expected(expected)),
    )
    .maybe_help(help.map(str::to_string))
}

fn action_diagnostic(e: &UserError) -> Diagnostic {
    match e {
        UserError::IntLiteralTooLarge { text, span } => Diagnostic::error(
            "E007",
            format!("the integer {text} is too large"),
            *span,
            "integers must be at most 2147483647",
        )
        .with_help(format!("write it as a real number: `{text}.0`")),
        UserError::BadRealLiteral { text, span } => {
            Diagnostic::error("E007", format!("`{text}` is not a valid number"), *span, "this number cannot be read")
        }
        UserError::UnsupportedType { name, span } => Diagnostic::error(
            "E090",
            format!("not supported yet: the type `{name}`"),
            *span,
            "cmod does not support this type yet",
        )
        .with_help("complex numbers and tuples are on the roadmap; use real-valued types for now"),
        UserError::UnsupportedImaginary { span } => Diagnostic::error(
            "E090",
            "not supported yet: imaginary numbers",
            *span,
            "cmod does not support complex numbers yet",
        ),
        UserError::TruncationNotT { found, span } => Diagnostic::error(
            "E009",
            "truncation is written `T[lower, upper]`",
            *span,
            format!("expected `T`, found `{found}`"),
        ),
        UserError::ExpressionStatement { span, old_arrow: true } => Diagnostic::error(
            "E011",
            "`<-` is old syntax for assignment",
            *span,
            "this reads as a comparison `<` followed by a minus sign",
        )
        .with_help("assign with `=`, for example `x = 1;`"),
        UserError::ExpressionStatement { span, old_arrow: false } => Diagnostic::error(
            "E010",
            "this expression does nothing on its own",
            *span,
            "only function calls can stand alone as statements",
        )
        .with_help("assign the value to a variable with `=`, or add it to the log density with `target +=`"),
        UserError::UnknownBound { name, span } => Diagnostic::error(
            "E012",
            format!("`{name}` is not a kind of bound"),
            *span,
            "expected `lower`, `upper`, `offset` or `multiplier`",
        )
        .maybe_help(crate::diagnostics::did_you_mean(name, ["lower", "upper", "offset", "multiplier"].into_iter()).map(|s| format!("did you mean `{s}`?"))),
        UserError::UnknownBlock { name, span } => Diagnostic::error(
            "E008",
            format!("there is no block called `{name}`"),
            *span,
            "unknown block name",
        )
        .with_help(
            crate::diagnostics::did_you_mean(
                name,
                ["functions", "data", "parameters", "model"].into_iter(),
            )
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                "the blocks are functions, data, transformed data, parameters, \
                 transformed parameters, model and generated quantities"
                    .to_string()
            }),
        ),
        UserError::MixedBounds { span } => Diagnostic::error(
            "E013",
            "bounds and offset/multiplier cannot be mixed",
            *span,
            "a declaration takes either `lower`/`upper` or `offset`/`multiplier`",
        ),
    }
}

/// Turns the grammar's terminal names into words a user knows.
pub fn describe_expected(expected: &[String]) -> String {
    let names: Vec<&str> = expected.iter().map(|s| s.trim_matches('"')).collect();
    let has = |n: &str| names.contains(&n);
    let mut words: Vec<String> = Vec::new();
    let expression_start = has("integer") && has("identifier") && has("(");
    let type_start = has("real") && has("vector") && has("int");
    let statement_start = has("for") && has("while") && has("if");
    if statement_start {
        words.push("a statement".into());
        if type_start {
            words.push("a declaration".into());
        }
    } else if type_start && !expression_start {
        words.push("a type such as `real` or `vector[N]`".into());
    }
    if expression_start && !statement_start {
        words.push("an expression".into());
    }
    let block_start = has("data") && has("model") && has("parameters");
    if block_start {
        words.push("a block such as `data { ... }` or `model { ... }`".into());
    }
    for n in &names {
        let covered = (expression_start || statement_start)
            && matches!(
                *n,
                "integer"
                    | "real number"
                    | "imaginary number"
                    | "identifier"
                    | "("
                    | "["
                    | "{"
                    | "-"
                    | "+"
                    | "!"
                    | "target"
                    | "string"
            )
            || statement_start
                && matches!(
                    *n,
                    "for"
                        | "while"
                        | "if"
                        | "break"
                        | "continue"
                        | "return"
                        | "print"
                        | "reject"
                        | "fatal_error"
                        | "profile"
                        | ";"
                        | "jacobian"
                )
            || type_start && is_type_keyword(n)
            || block_start
                && matches!(
                    *n,
                    "functions" | "data" | "transformed" | "parameters" | "model" | "generated"
                )
            || matches!(*n, "unsupported type" | "bad identifier");
        if covered {
            continue;
        }
        let word = match *n {
            "identifier" => "a name".to_string(),
            "integer" => "an integer".to_string(),
            "real number" => "a number".to_string(),
            "string" => "a string".to_string(),
            other => format!("`{other}`"),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    join_words(&words)
}

fn is_type_keyword(n: &str) -> bool {
    matches!(
        n,
        "int"
            | "real"
            | "vector"
            | "row_vector"
            | "matrix"
            | "array"
            | "simplex"
            | "unit_vector"
            | "sum_to_zero_vector"
            | "ordered"
            | "positive_ordered"
            | "cholesky_factor_corr"
            | "cholesky_factor_cov"
            | "corr_matrix"
            | "cov_matrix"
            | "column_stochastic_matrix"
            | "row_stochastic_matrix"
            | "void"
    )
}

fn join_words(words: &[String]) -> String {
    match words.len() {
        0 => "something else".into(),
        1 => words[0].clone(),
        2 => format!("{} or {}", words[0], words[1]),
        n if n <= 6 => format!("{}, or {}", words[..n - 1].join(", "), words[n - 1]),
        _ => format!("{}, or another token", words[..5].join(", ")),
    }
}

/// The end offset of the last non-blank character before `offset`.
fn previous_token_end(source: &str, offset: usize) -> Option<usize> {
    let before = source.get(..offset)?;
    let trimmed = before.trim_end();
    if trimmed.is_empty() {
        None
    } else {
        Some(trimmed.len())
    }
}

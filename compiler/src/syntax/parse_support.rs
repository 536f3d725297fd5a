//! Small constructors the grammar's actions call, so the grammar file stays readable.

use crate::syntax::ast::*;
use lalrpop_util::ParseError;

/// Errors the grammar's actions raise themselves (as opposed to unexpected tokens).
#[derive(Debug, Clone, PartialEq)]
pub enum UserError {
    IntLiteralTooLarge {
        text: String,
        span: Span,
    },
    BadRealLiteral {
        text: String,
        span: Span,
    },
    UnsupportedType {
        name: String,
        span: Span,
    },
    UnsupportedImaginary {
        span: Span,
    },
    /// `~ dist(...) X[...]` where X is not `T`.
    TruncationNotT {
        found: String,
        span: Span,
    },
    /// An expression used as a statement that is not a function call.
    ExpressionStatement {
        span: Span,
        old_arrow: bool,
    },
    /// `<foo=...>` with a name that is not a bound.
    UnknownBound {
        name: String,
        span: Span,
    },
    /// `<lower=a, offset=b>` and similar mixes.
    MixedBounds {
        span: Span,
    },
    /// `parameter { ... }`: a block name that does not exist.
    UnknownBlock {
        name: String,
        span: Span,
    },
}

/// The recovery record for a block with an unknown name.
pub fn unknown_block<'a>(
    name: Ident,
) -> lalrpop_util::ErrorRecovery<usize, crate::syntax::token::Tok<'a>, UserError> {
    lalrpop_util::ErrorRecovery {
        error: ParseError::User {
            error: UserError::UnknownBlock {
                name: name.name,
                span: name.span,
            },
        },
        dropped_tokens: Vec::new(),
    }
}

pub fn expr(kind: ExprKind, l: usize, r: usize) -> Expr {
    Expr {
        kind,
        span: Span::new(l, r),
        id: ExprId(0),
    }
}

pub fn binary(op: BinOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Binary {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        },
        l,
        r,
    )
}

pub fn int_literal<'a, T>(
    text: &str,
    l: usize,
    r: usize,
) -> Result<Expr, ParseError<usize, T, UserError>> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    match clean.parse::<i64>() {
        Ok(v) if v <= i32::MAX as i64 => Ok(expr(ExprKind::IntLit(v), l, r)),
        _ => Err(ParseError::User {
            error: UserError::IntLiteralTooLarge {
                text: text.to_string(),
                span: Span::new(l, r),
            },
        }),
    }
}

pub fn real_literal<T>(
    text: &str,
    l: usize,
    r: usize,
) -> Result<Expr, ParseError<usize, T, UserError>> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    match clean.parse::<f64>() {
        Ok(v) => Ok(expr(ExprKind::RealLit(v), l, r)),
        Err(_) => Err(ParseError::User {
            error: UserError::BadRealLiteral {
                text: text.to_string(),
                span: Span::new(l, r),
            },
        }),
    }
}

pub fn unsupported_type<T>(name: &str, l: usize, r: usize) -> ParseError<usize, T, UserError> {
    ParseError::User {
        error: UserError::UnsupportedType {
            name: name.to_string(),
            span: Span::new(l, r),
        },
    }
}

pub fn unsupported_imaginary<T>(l: usize, r: usize) -> ParseError<usize, T, UserError> {
    ParseError::User {
        error: UserError::UnsupportedImaginary {
            span: Span::new(l, r),
        },
    }
}

pub fn decl_type(
    kind: TypeKind,
    bounds: Option<Bounds>,
    sizes: Vec<Expr>,
    l: usize,
    r: usize,
) -> DeclType {
    DeclType {
        kind,
        bounds: bounds.unwrap_or_default(),
        sizes,
        array_dims: vec![],
        span: Span::new(l, r),
    }
}

pub fn bounds<T>(items: Vec<(Ident, Expr)>) -> Result<Bounds, ParseError<usize, T, UserError>> {
    let mut lower = None;
    let mut upper = None;
    let mut offset = None;
    let mut multiplier = None;
    let mut span = items[0].0.span;
    for (name, value) in items {
        span = span.to(value.span);
        let slot = match name.name.as_str() {
            "lower" => &mut lower,
            "upper" => &mut upper,
            "offset" => &mut offset,
            "multiplier" => &mut multiplier,
            _ => {
                return Err(ParseError::User {
                    error: UserError::UnknownBound {
                        name: name.name,
                        span: name.span,
                    },
                });
            }
        };
        *slot = Some(value);
    }
    let range = lower.is_some() || upper.is_some();
    let affine = offset.is_some() || multiplier.is_some();
    match (range, affine) {
        (true, true) => Err(ParseError::User {
            error: UserError::MixedBounds { span },
        }),
        (true, false) => Ok(Bounds::LowerUpper { lower, upper }),
        _ => Ok(Bounds::OffsetMultiplier { offset, multiplier }),
    }
}

/// Expands `real a, b = 1;` into one declaration per variable.
pub fn declarations(ty: DeclType, vars: Vec<(Ident, Option<Expr>)>, span: Span) -> Vec<Stmt> {
    vars.into_iter()
        .map(|(name, init)| Stmt {
            kind: StmtKind::Decl {
                ty: ty.clone(),
                name,
                init,
            },
            span,
        })
        .collect()
}

pub fn if_stmt(cond: Expr, then: Stmt, otherwise: Option<Stmt>, l: usize, r: usize) -> Stmt {
    Stmt {
        kind: StmtKind::If {
            cond,
            then: Box::new(then),
            otherwise: otherwise.map(Box::new),
        },
        span: Span::new(l, r),
    }
}

/// The head of a `while` or `for` loop, before its body is parsed.
pub enum LoopHeader {
    While(Expr),
    Range(Ident, Expr, Expr),
    Each(Ident, Expr),
}

pub fn loop_stmt(header: LoopHeader, body: Stmt, l: usize, r: usize) -> Stmt {
    let body = Box::new(body);
    let kind = match header {
        LoopHeader::While(cond) => StmtKind::While { cond, body },
        LoopHeader::Range(var, lower, upper) => StmtKind::For {
            var,
            lower,
            upper,
            body,
        },
        LoopHeader::Each(var, container) => StmtKind::ForEach {
            var,
            container,
            body,
        },
    };
    Stmt {
        kind,
        span: Span::new(l, r),
    }
}

/// An expression statement must be a function call; `x <- e;` lexes as
/// `x < -e` and is reported as old syntax.
pub fn expression_statement<T>(e: Expr) -> Result<StmtKind, ParseError<usize, T, UserError>> {
    match e.kind {
        ExprKind::Call {
            name,
            args,
            bar: false,
        } => Ok(StmtKind::Call { name, args }),
        ExprKind::Binary {
            op: BinOp::Lt,
            ref rhs,
            ..
        } if starts_with_minus(rhs) => Err(ParseError::User {
            error: UserError::ExpressionStatement {
                span: e.span,
                old_arrow: true,
            },
        }),
        _ => Err(ParseError::User {
            error: UserError::ExpressionStatement {
                span: e.span,
                old_arrow: false,
            },
        }),
    }
}

/// Whether an expression's leftmost operand is a negation, as in `-2 * x`.
fn starts_with_minus(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary { op: UnOp::Neg, .. } => true,
        ExprKind::Binary { lhs, .. } => lhs.span.start == e.span.start && starts_with_minus(lhs),
        ExprKind::Indexed { base: inner, .. } | ExprKind::Transpose(inner) => {
            starts_with_minus(inner)
        }
        ExprKind::Ternary { cond, .. } => starts_with_minus(cond),
        _ => false,
    }
}

pub fn truncation<T>(
    t: Ident,
    lower: Option<Expr>,
    upper: Option<Expr>,
    span: Span,
) -> Result<Truncation, ParseError<usize, T, UserError>> {
    if t.name != "T" {
        return Err(ParseError::User {
            error: UserError::TruncationNotT {
                found: t.name,
                span: t.span,
            },
        });
    }
    Ok(Truncation { lower, upper, span })
}

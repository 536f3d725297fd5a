//! The lexer: logos turns source text into tokens with byte spans.

use logos::Logos;
use std::fmt;

/// One token of the Stan language. Identifiers and literals borrow the source text.
#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
#[logos(skip r"/\*([^*]|\*+[^*/])*\*+/")]
pub enum Tok<'s> {
    // Block keywords.
    #[token("functions")]
    Functions,
    #[token("data")]
    Data,
    #[token("transformed")]
    Transformed,
    #[token("parameters")]
    Parameters,
    #[token("model")]
    Model,
    #[token("generated")]
    Generated,
    #[token("quantities")]
    Quantities,

    // Types.
    #[token("int")]
    Int,
    #[token("real")]
    Real,
    #[token("vector")]
    Vector,
    #[token("row_vector")]
    RowVector,
    #[token("matrix")]
    Matrix,
    #[token("array")]
    Array,
    #[token("void")]
    Void,
    #[token("simplex")]
    Simplex,
    #[token("unit_vector")]
    UnitVector,
    #[token("sum_to_zero_vector")]
    SumToZeroVector,
    #[token("ordered")]
    Ordered,
    #[token("positive_ordered")]
    PositiveOrdered,
    #[token("cholesky_factor_corr")]
    CholeskyFactorCorr,
    #[token("cholesky_factor_cov")]
    CholeskyFactorCov,
    #[token("corr_matrix")]
    CorrMatrix,
    #[token("cov_matrix")]
    CovMatrix,
    #[token("column_stochastic_matrix")]
    ColumnStochasticMatrix,
    #[token("row_stochastic_matrix")]
    RowStochasticMatrix,
    /// `complex`, `complex_vector`, `tuple`, ...: types cmod does not support yet.
    #[regex("complex|complex_vector|complex_row_vector|complex_matrix|tuple|sum_to_zero_matrix")]
    UnsupportedType(&'s str),

    // Statements.
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("while")]
    While,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("return")]
    Return,
    #[token("print")]
    Print,
    #[token("reject")]
    Reject,
    #[token("fatal_error")]
    FatalError,
    #[token("profile")]
    Profile,
    #[token("target")]
    Target,
    #[token("jacobian")]
    Jacobian,

    // Literals and names.
    #[regex(r"[a-zA-Z][a-zA-Z0-9_]*")]
    Ident(&'s str),
    /// A name Stan does not allow: starting with an underscore.
    #[regex(r"_[a-zA-Z0-9_]*")]
    BadIdent(&'s str),
    #[regex(r"[0-9]+(_[0-9]+)*")]
    IntLit(&'s str),
    #[regex(r"([0-9]+(_[0-9]+)*)?\.[0-9]+(_[0-9]+)*([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9]+(_[0-9]+)*\.([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9]+(_[0-9]+)*[eE][+-]?[0-9]+")]
    RealLit(&'s str),
    #[regex(r"[0-9]+(_[0-9]+)*(\.[0-9]*)?([eE][+-]?[0-9]+)?i")]
    ImagLit(&'s str),
    #[regex(r#""[^"\n]*""#)]
    StringLit(&'s str),

    // Punctuation.
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token("?")]
    Question,
    #[token("|")]
    Bar,
    #[token("~")]
    Tilde,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    TimesAssign,
    #[token("/=")]
    DivideAssign,
    #[token(".*=")]
    EltTimesAssign,
    #[token("./=")]
    EltDivideAssign,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Times,
    #[token("/")]
    Divide,
    #[token("%")]
    Modulo,
    #[token("%/%")]
    IntDivide,
    #[token("\\")]
    LeftDivide,
    #[token(".*")]
    EltTimes,
    #[token("./")]
    EltDivide,
    #[token("^")]
    Hat,
    #[token(".^")]
    EltHat,
    #[token("'")]
    Transpose,
    #[token("!")]
    Bang,
    #[token("&&")]
    And,
    #[token("||")]
    Or,
    /// A `#` comment: old syntax, reported with the modern form.
    #[regex(r"#[^\n]*", allow_greedy = true)]
    HashComment,
    /// An unterminated `/*` comment.
    #[regex(r"/\*([^*]|\*+[^*/])*\*?")]
    UnterminatedComment,
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s)
            | Tok::BadIdent(s)
            | Tok::IntLit(s)
            | Tok::RealLit(s)
            | Tok::ImagLit(s)
            | Tok::StringLit(s) => {
                write!(f, "`{s}`")
            }
            Tok::UnsupportedType(s) => write!(f, "`{s}`"),
            Tok::HashComment => f.write_str("a `#` comment"),
            Tok::UnterminatedComment => f.write_str("an unterminated comment"),
            other => write!(f, "`{}`", other.text()),
        }
    }
}

impl Tok<'_> {
    /// The fixed text of a keyword or punctuation token.
    pub fn text(&self) -> &'static str {
        match self {
            Tok::Functions => "functions",
            Tok::Data => "data",
            Tok::Transformed => "transformed",
            Tok::Parameters => "parameters",
            Tok::Model => "model",
            Tok::Generated => "generated",
            Tok::Quantities => "quantities",
            Tok::Int => "int",
            Tok::Real => "real",
            Tok::Vector => "vector",
            Tok::RowVector => "row_vector",
            Tok::Matrix => "matrix",
            Tok::Array => "array",
            Tok::Void => "void",
            Tok::Simplex => "simplex",
            Tok::UnitVector => "unit_vector",
            Tok::SumToZeroVector => "sum_to_zero_vector",
            Tok::Ordered => "ordered",
            Tok::PositiveOrdered => "positive_ordered",
            Tok::CholeskyFactorCorr => "cholesky_factor_corr",
            Tok::CholeskyFactorCov => "cholesky_factor_cov",
            Tok::CorrMatrix => "corr_matrix",
            Tok::CovMatrix => "cov_matrix",
            Tok::ColumnStochasticMatrix => "column_stochastic_matrix",
            Tok::RowStochasticMatrix => "row_stochastic_matrix",
            Tok::For => "for",
            Tok::In => "in",
            Tok::While => "while",
            Tok::If => "if",
            Tok::Else => "else",
            Tok::Break => "break",
            Tok::Continue => "continue",
            Tok::Return => "return",
            Tok::Print => "print",
            Tok::Reject => "reject",
            Tok::FatalError => "fatal_error",
            Tok::Profile => "profile",
            Tok::Target => "target",
            Tok::Jacobian => "jacobian",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Lt => "<",
            Tok::Gt => ">",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Comma => ",",
            Tok::Semi => ";",
            Tok::Colon => ":",
            Tok::Question => "?",
            Tok::Bar => "|",
            Tok::Tilde => "~",
            Tok::Assign => "=",
            Tok::PlusAssign => "+=",
            Tok::MinusAssign => "-=",
            Tok::TimesAssign => "*=",
            Tok::DivideAssign => "/=",
            Tok::EltTimesAssign => ".*=",
            Tok::EltDivideAssign => "./=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Times => "*",
            Tok::Divide => "/",
            Tok::Modulo => "%",
            Tok::IntDivide => "%/%",
            Tok::LeftDivide => "\\",
            Tok::EltTimes => ".*",
            Tok::EltDivide => "./",
            Tok::Hat => "^",
            Tok::EltHat => ".^",
            Tok::Transpose => "'",
            Tok::Bang => "!",
            Tok::And => "&&",
            Tok::Or => "||",
            Tok::Ident(_)
            | Tok::BadIdent(_)
            | Tok::IntLit(_)
            | Tok::RealLit(_)
            | Tok::ImagLit(_)
            | Tok::StringLit(_)
            | Tok::UnsupportedType(_)
            | Tok::HashComment
            | Tok::UnterminatedComment => "",
        }
    }
}

/// A character the lexer does not know, at a byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub start: usize,
    pub end: usize,
}

/// Lexes the whole source: tokens with byte ranges, plus the places no token matched.
pub fn lex(source: &str) -> (Vec<(usize, Tok<'_>, usize)>, Vec<LexError>) {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut lexer = Tok::lexer(source);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        match result {
            Ok(tok) => tokens.push((span.start, tok, span.end)),
            Err(()) => errors.push(LexError {
                start: span.start,
                end: span.end,
            }),
        }
    }
    (tokens, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok<'_>> {
        let (toks, errs) = lex(src);
        assert!(errs.is_empty(), "{errs:?}");
        toks.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn numbers_lex_as_stan_does() {
        assert_eq!(
            kinds("1 1.5 .5 2. 1e-3 1.0E+4 10"),
            vec![
                Tok::IntLit("1"),
                Tok::RealLit("1.5"),
                Tok::RealLit(".5"),
                Tok::RealLit("2."),
                Tok::RealLit("1e-3"),
                Tok::RealLit("1.0E+4"),
                Tok::IntLit("10"),
            ]
        );
    }

    #[test]
    fn elementwise_operators_and_comments() {
        assert_eq!(
            kinds("a .* b ./ c .^ d' /* x */ // y\n %/%"),
            vec![
                Tok::Ident("a"),
                Tok::EltTimes,
                Tok::Ident("b"),
                Tok::EltDivide,
                Tok::Ident("c"),
                Tok::EltHat,
                Tok::Ident("d"),
                Tok::Transpose,
                Tok::IntDivide,
            ]
        );
    }

    #[test]
    fn keywords_prefixing_identifiers_stay_identifiers() {
        assert_eq!(
            kinds("integer reals format"),
            vec![
                Tok::Ident("integer"),
                Tok::Ident("reals"),
                Tok::Ident("format")
            ]
        );
    }
}

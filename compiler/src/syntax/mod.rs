//! Source text to syntax tree: the logos lexer, the lalrpop grammar, and syntax errors in words.

pub mod ast;
mod error;
mod parse_support;
pub mod token;
pub mod visit;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused)]
    grammar,
    "/syntax/grammar.rs"
);

pub use error::SyntaxError;

use ast::{ExprId, Program};
use token::Tok;

/// The result of parsing: always a tree (possibly with error nodes), plus every syntax error found.
pub struct Parsed {
    pub program: Program,
    pub errors: Vec<SyntaxError>,
    /// How many expressions the tree holds; `ExprId`s are `0..expr_count`.
    pub expr_count: u32,
}

/// Parses a whole program. Never fails: errors are returned beside the tree.
pub fn parse(source: &str) -> Parsed {
    let (raw_tokens, lex_errors) = token::lex(source);
    let mut errors: Vec<SyntaxError> = lex_errors
        .into_iter()
        .map(|e| SyntaxError::from_lex(e, source))
        .collect();

    // Tokens that are themselves mistakes are reported here and dropped (or
    // repaired) so that the parser can go on and find independent errors.
    let mut tokens = Vec::with_capacity(raw_tokens.len());
    let mut raw_tokens = raw_tokens.into_iter().peekable();
    while let Some((l, tok, r)) = raw_tokens.next() {
        match tok {
            // An unsupported type is reported once and read as the nearest
            // real-valued type (a tuple's parenthesized parts are skipped), so
            // the rest of the declaration parses without cascading errors.
            Tok::UnsupportedType(name) => {
                errors.push(SyntaxError::Action(
                    parse_support::UserError::UnsupportedType {
                        name: name.to_string(),
                        span: ast::Span::new(l, r),
                    },
                ));
                let mut end = r;
                if name == "tuple" && matches!(raw_tokens.peek(), Some((_, Tok::LParen, _))) {
                    let mut depth = 0usize;
                    for (_, t, tr) in raw_tokens.by_ref() {
                        end = tr;
                        match t {
                            Tok::LParen => depth += 1,
                            Tok::RParen => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                        if depth == 0 {
                            break;
                        }
                    }
                }
                let stand_in = match name {
                    "complex_vector" => Tok::Vector,
                    "complex_row_vector" => Tok::RowVector,
                    "complex_matrix" | "sum_to_zero_matrix" => Tok::Matrix,
                    _ => Tok::Real,
                };
                tokens.push((l, stand_in, end));
            }
            Tok::HashComment => errors.push(SyntaxError::HashComment {
                span: ast::Span::new(l, r),
            }),
            Tok::UnterminatedComment => errors.push(SyntaxError::UnterminatedComment {
                span: ast::Span::new(l, r),
            }),
            Tok::BadIdent(name) => {
                errors.push(SyntaxError::BadIdentifier {
                    name: name.to_string(),
                    span: ast::Span::new(l, r),
                });
                tokens.push((l, Tok::Ident(name), r));
            }
            other => tokens.push((l, other, r)),
        }
    }

    // A tree too deep for the recursive passes that follow is refused up front.
    if let Some(span) = too_deep(&tokens) {
        errors.push(SyntaxError::TooDeep { span });
        return Parsed {
            program: Program::default(),
            errors,
            expr_count: 0,
        };
    }

    // Where statements and blocks begin and end, for telling cascades apart.
    let boundaries: Vec<(usize, Tok<'_>, usize)> = tokens
        .iter()
        .filter(|(_, t, _)| matches!(t, Tok::Semi | Tok::LBrace | Tok::RBrace))
        .copied()
        .collect();
    let mut recovered = Vec::new();
    let result = grammar::ProgramParser::new().parse(
        &mut recovered,
        tokens.into_iter().map(Ok::<_, parse_support::UserError>),
    );
    for recovery in recovered {
        errors.push(SyntaxError::from_parse_error(recovery.error, source));
    }
    let mut program = match result {
        Ok(program) => program,
        Err(e) => {
            errors.push(SyntaxError::from_parse_error(e, source));
            Program::default()
        }
    };
    errors.sort_by_key(|e| e.span().start);
    errors.dedup_by_key(|e| e.span().start);
    let errors = without_cascades(errors, &boundaries);

    let mut next_id = 0u32;
    visit::walk_exprs_mut(&mut program, &mut |e| {
        e.id = ExprId(next_id);
        next_id += 1;
    });
    Parsed {
        program,
        errors,
        expr_count: next_id,
    }
}

/// How deep a syntax tree may nest. The checker and later passes recurse on
/// the tree; this keeps them well inside a 2 MB thread stack.
pub const MAX_NESTING: usize = 1000;

/// The first token at which the tree could nest deeper than `MAX_NESTING`.
///
/// An upper bound on the depth, from the tokens alone: each open bracket
/// adds one level; within a bracket, every operator since the last `,`, `;`
/// or `:` may add one (a chain `a + b + ...` nests), and so may every `if`,
/// `for`, `while` and `else` of the statement being read (an `else if` chain
/// nests too).
fn too_deep(tokens: &[(usize, Tok<'_>, usize)]) -> Option<ast::Span> {
    struct Level {
        operators: usize,
        control: usize,
        statement_ended: bool,
    }
    let new_level = || Level {
        operators: 0,
        control: 0,
        statement_ended: false,
    };
    let mut levels = vec![new_level()];
    let mut depth = 0usize;
    for (l, tok, r) in tokens {
        let level = levels
            .last_mut()
            .expect("the outermost level is never popped");
        if level.statement_ended && *tok != Tok::Else {
            depth -= level.control;
            level.control = 0;
        }
        level.statement_ended = false;
        match tok {
            Tok::LParen | Tok::LBracket | Tok::LBrace => {
                levels.push(new_level());
                depth += 1;
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                if levels.len() > 1 {
                    let closed = levels.pop().expect("checked above");
                    depth -= 1 + closed.operators + closed.control;
                }
                if *tok == Tok::RBrace {
                    if let Some(level) = levels.last_mut() {
                        level.statement_ended = true;
                    }
                }
            }
            Tok::Comma | Tok::Colon | Tok::Semi => {
                depth -= level.operators;
                level.operators = 0;
                level.statement_ended = *tok == Tok::Semi;
            }
            Tok::If | Tok::For | Tok::While | Tok::Else => {
                level.control += 1;
                depth += 1;
            }
            Tok::Plus
            | Tok::Minus
            | Tok::Times
            | Tok::Divide
            | Tok::Modulo
            | Tok::IntDivide
            | Tok::LeftDivide
            | Tok::EltTimes
            | Tok::EltDivide
            | Tok::Hat
            | Tok::EltHat
            | Tok::Transpose
            | Tok::Bang
            | Tok::And
            | Tok::Or
            | Tok::Lt
            | Tok::Gt
            | Tok::Le
            | Tok::Ge
            | Tok::EqEq
            | Tok::NotEq
            | Tok::Question => {
                level.operators += 1;
                depth += 1;
            }
            _ => {}
        }
        if depth > MAX_NESTING {
            return Some(ast::Span::new(*l, *r));
        }
    }
    None
}

/// Keeps one syntax error per statement: an error is dropped when no `;`,
/// `{` or `}` lies between it and the error kept before it, since the parser
/// is then still confused by the first mistake. "The program ends too early"
/// is dropped when braces balance or a comment is left open (another error
/// then explains it better).
fn without_cascades(
    errors: Vec<SyntaxError>,
    tokens: &[(usize, Tok<'_>, usize)],
) -> Vec<SyntaxError> {
    let boundary_between = |from: usize, to: usize| {
        tokens.iter().any(|(l, t, _)| {
            *l >= from && *l < to && matches!(t, Tok::Semi | Tok::LBrace | Tok::RBrace)
        })
    };
    let depth: i64 = tokens
        .iter()
        .map(|(_, t, _)| match t {
            Tok::LBrace => 1,
            Tok::RBrace => -1,
            _ => 0,
        })
        .sum();
    let comment_open = errors
        .iter()
        .any(|e| matches!(e, SyntaxError::UnterminatedComment { .. }));
    let several = errors.len() > 1;
    let mut kept: Vec<SyntaxError> = Vec::with_capacity(errors.len());
    for e in errors {
        if let SyntaxError::UnexpectedEnd { .. } = e {
            if several && (depth <= 0 || comment_open) {
                continue;
            }
        }
        let cascade = kept
            .last()
            .is_some_and(|last| !boundary_between(last.span().start, e.span().start));
        let independent = matches!(
            e,
            SyntaxError::HashComment { .. }
                | SyntaxError::UnterminatedComment { .. }
                | SyntaxError::BadIdentifier { .. }
        );
        if cascade && !independent {
            continue;
        }
        kept.push(e);
    }
    kept
}

/// Parses a single expression (for tests and tools).
pub fn parse_expr(source: &str) -> Result<ast::Expr, SyntaxError> {
    let (tokens, lex_errors) = token::lex(source);
    if let Some(e) = lex_errors.into_iter().next() {
        return Err(SyntaxError::from_lex(e, source));
    }
    let mut recovered = Vec::new();
    grammar::ExprParser::new()
        .parse(
            &mut recovered,
            tokens.into_iter().map(Ok::<_, parse_support::UserError>),
        )
        .map_err(|e| SyntaxError::from_parse_error(e, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<String> {
        parse(src)
            .errors
            .iter()
            .map(|e| format!("{:?}", e.to_diagnostic().title))
            .collect()
    }

    #[test]
    fn eight_schools_parses() {
        let src = include_str!("../../../examples/eight_schools/eight_schools_noncentered.cmod");
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.program.blocks.len(), 4);
    }

    #[test]
    fn every_construct_parses() {
        let src = r#"
functions {
  real f(data array[] real x, int n);
  real f(data array[] real x, int n) { return x[n] ^ 2; }
  void g_lp(real x) { target += x; }
  real h_lpdf(real y, real mu) { return -square(y - mu); }
}
data { int N; array[N, 2] int<lower=0, upper=1> z; matrix[N, 3] X; }
transformed data {
  real a = 1e-3, b = .5;
  array[3] int idx = {1, 2, 3};
  row_vector[2] rv = [1, 2];
  matrix[2, 2] m = [[1, 0], [0, 1]];
  int k = 7 %/% 2;
}
parameters {
  real<lower=-1, upper=b> p;
  vector<offset=1, multiplier=2>[3] v;
  simplex[3] s; cholesky_factor_corr[3] L; cholesky_factor_cov[4, 3] Lc;
  array[2] sum_to_zero_vector[3] zs;
  column_stochastic_matrix[3, 3] cs;
}
model {
  for (i in 1:N) { if (i > 2) continue; else if (i == 1) break; }
  for (x in v) target += x;
  while (0) { }
  v[2:] ~ normal(0, 1) T[, 3];
  p ~ h(0);
  v ~ normal(X[1, :]' .* v, 1) T[0, ];
  target += normal_lpdf(p | 0, 1) + (p < 0 ? -p : p) - v' * v + X[idx, 2:3][1, 1];
  print("p = ", p);
  if (p > 10) reject("bad ", p);
  g_lp(p);
  { real q = -p^2; q += 1; q .*= 2; }
}
"#;
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
    }

    #[test]
    fn precedence_follows_stan() {
        let e = parse_expr("-a^2").unwrap();
        assert!(matches!(e.kind, ast::ExprKind::Unary { .. }));
        let e = parse_expr("a + b * c").unwrap();
        match e.kind {
            ast::ExprKind::Binary { op, .. } => assert_eq!(op, ast::BinOp::Add),
            _ => panic!(),
        }
        let e = parse_expr("a ^ b ^ c").unwrap();
        match e.kind {
            ast::ExprKind::Binary { rhs, .. } => assert!(matches!(
                rhs.kind,
                ast::ExprKind::Binary {
                    op: ast::BinOp::Pow,
                    ..
                }
            )),
            _ => panic!(),
        }
    }

    #[test]
    fn several_independent_errors_are_reported() {
        let errs = errors("model { real x = ; real y = 2 real z; }");
        assert!(errs.len() >= 2, "{errs:?}");
    }
}

//! Evaluates the size and bound expressions of data declarations from data already read.

use super::{DataValues, DataVar};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Index, Span, UnOp};
use std::collections::{HashMap, HashSet};

/// A number a size or bound expression evaluates to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(x) => x,
        }
    }
}

pub(super) enum EvalError {
    /// Something cmod does not evaluate yet: what it is, and where.
    Unsupported(String, Span),
    /// The expression fails on this data: why, and where.
    Failed(String, Span),
    /// It uses a variable whose own value was already reported as wrong.
    DependsOnBadData,
}

/// The data read so far.
pub(super) struct Scope<'a> {
    pub vars: &'a [DataVar],
    pub index: &'a HashMap<String, usize>,
    pub failed: &'a HashSet<String>,
}

impl Scope<'_> {
    fn var(&self, name: &str, span: Span) -> Result<&DataVar, EvalError> {
        if self.failed.contains(name) {
            return Err(EvalError::DependsOnBadData);
        }
        match self.index.get(name) {
            Some(&i) => Ok(&self.vars[i]),
            None => Err(EvalError::Unsupported(
                format!("`{name}`, which is not data declared before this point"),
                span,
            )),
        }
    }

    pub(super) fn eval(&self, expr: &Expr) -> Result<Num, EvalError> {
        let span = expr.span;
        let overflow = || EvalError::Failed("the arithmetic overflows".into(), span);
        match &expr.kind {
            ExprKind::IntLit(i) => Ok(Num::Int(*i)),
            ExprKind::RealLit(x) => Ok(Num::Real(*x)),
            ExprKind::Paren(inner) => self.eval(inner),
            ExprKind::Unary { op, operand } => match (op, self.eval(operand)?) {
                (UnOp::Plus, n) => Ok(n),
                (UnOp::Neg, Num::Int(i)) => i.checked_neg().map(Num::Int).ok_or_else(overflow),
                (UnOp::Neg, Num::Real(x)) => Ok(Num::Real(-x)),
                (UnOp::Not, _) => Err(unsupported("the operator `!`", span)),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                let zero = || EvalError::Failed("division by zero".into(), span);
                match (op, a, b) {
                    (BinOp::Add, Num::Int(a), Num::Int(b)) => {
                        a.checked_add(b).map(Num::Int).ok_or_else(overflow)
                    }
                    (BinOp::Sub, Num::Int(a), Num::Int(b)) => {
                        a.checked_sub(b).map(Num::Int).ok_or_else(overflow)
                    }
                    (BinOp::Mul, Num::Int(a), Num::Int(b)) => {
                        a.checked_mul(b).map(Num::Int).ok_or_else(overflow)
                    }
                    (BinOp::Div | BinOp::IntDiv, Num::Int(a), Num::Int(b)) => {
                        if b == 0 {
                            Err(zero())
                        } else {
                            a.checked_div(b).map(Num::Int).ok_or_else(overflow)
                        }
                    }
                    (BinOp::Mod, Num::Int(a), Num::Int(b)) => {
                        if b == 0 {
                            Err(zero())
                        } else {
                            a.checked_rem(b).map(Num::Int).ok_or_else(overflow)
                        }
                    }
                    (BinOp::Add, a, b) => Ok(Num::Real(a.as_f64() + b.as_f64())),
                    (BinOp::Sub, a, b) => Ok(Num::Real(a.as_f64() - b.as_f64())),
                    (BinOp::Mul, a, b) => Ok(Num::Real(a.as_f64() * b.as_f64())),
                    (BinOp::Div, a, b) => Ok(Num::Real(a.as_f64() / b.as_f64())),
                    (op, _, _) => Err(unsupported(&format!("the operator `{}`", op.text()), span)),
                }
            }
            ExprKind::Var(name) => {
                let var = self.var(name, span)?;
                if !var.array_dims.is_empty() || !var.elem_dims.is_empty() {
                    // Stan allows container bounds (`vector<lower=L>[N]`); cmod checks scalar ones only.
                    return Err(unsupported(
                        &format!("a bound or size that is a whole container (`{name}`)"),
                        span,
                    ));
                }
                Ok(var.scalar(0))
            }
            ExprKind::Indexed { base, indices } => {
                let ExprKind::Var(name) = &base.kind else {
                    return Err(unsupported("this kind of indexing", span));
                };
                let var = self.var(name, base.span)?;
                if !var.elem_dims.is_empty() || indices.len() != var.array_dims.len() {
                    return Err(unsupported(
                        "indexing other than one int per array dimension",
                        span,
                    ));
                }
                let mut flat = 0usize;
                for (index, &dim) in indices.iter().zip(&var.array_dims) {
                    let Index::Single(index_expr) = index else {
                        return Err(unsupported("slicing", span));
                    };
                    let Num::Int(i) = self.eval(index_expr)? else {
                        return Err(EvalError::Failed(
                            "an index must be an int".into(),
                            index_expr.span,
                        ));
                    };
                    if i < 1 || i as u64 > dim as u64 {
                        return Err(EvalError::Failed(
                            format!("index {i} is outside 1..{dim}"),
                            index_expr.span,
                        ));
                    }
                    flat = flat * dim + (i as usize - 1);
                }
                Ok(var.scalar(flat))
            }
            ExprKind::Call { name, args, .. } => self.call(&name.name, args, span),
            _ => Err(unsupported("this kind of expression", span)),
        }
    }

    fn call(&self, name: &str, args: &[Expr], span: Span) -> Result<Num, EvalError> {
        let whole_var = |arg: &Expr| -> Result<&DataVar, EvalError> {
            match &arg.kind {
                ExprKind::Var(v) => self.var(v, arg.span),
                _ => Err(unsupported(
                    &format!("`{name}` of something other than a data variable"),
                    arg.span,
                )),
            }
        };
        let count = |n: usize| -> Result<Num, EvalError> {
            i64::try_from(n)
                .map(Num::Int)
                .map_err(|_| EvalError::Failed("the size overflows".into(), span))
        };
        match (name, args) {
            ("size", [arg]) => {
                let var = whole_var(arg)?;
                match var.array_dims.first() {
                    Some(&n) => count(n),
                    None => count(super::saturating_product(&var.elem_dims)),
                }
            }
            ("num_elements", [arg]) => {
                let var = whole_var(arg)?;
                count(var.values.len())
            }
            ("rows" | "cols", [arg]) => {
                let var = whole_var(arg)?;
                if !var.array_dims.is_empty() || var.elem_dims.is_empty() {
                    return Err(EvalError::Failed(
                        format!("`{name}` needs a vector, row_vector or matrix"),
                        arg.span,
                    ));
                }
                let (rows, cols) = match (var.kind_is_row_vector(), var.elem_dims.as_slice()) {
                    (true, [n]) => (1, *n),
                    (false, [n]) => (*n, 1),
                    (_, [r, c]) => (*r, *c),
                    _ => (0, 0),
                };
                count(if name == "rows" { rows } else { cols })
            }
            ("max" | "min", [a, b]) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let pick_max = name == "max";
                Ok(match (a, b) {
                    (Num::Int(a), Num::Int(b)) => {
                        Num::Int(if pick_max { a.max(b) } else { a.min(b) })
                    }
                    (a, b) => Num::Real(if pick_max {
                        a.as_f64().max(b.as_f64())
                    } else {
                        a.as_f64().min(b.as_f64())
                    }),
                })
            }
            ("max" | "min", [arg]) => {
                let var = whole_var(arg)?;
                let pick_max = name == "max";
                match &var.values {
                    DataValues::Int(values) => {
                        let best = if pick_max {
                            values.iter().max()
                        } else {
                            values.iter().min()
                        };
                        best.map(|&v| Num::Int(v)).ok_or_else(|| {
                            EvalError::Failed(format!("`{name}` of an empty array"), span)
                        })
                    }
                    DataValues::Real(values) => Ok(Num::Real(values.iter().copied().fold(
                        if pick_max {
                            f64::NEG_INFINITY
                        } else {
                            f64::INFINITY
                        },
                        if pick_max { f64::max } else { f64::min },
                    ))),
                }
            }
            _ => Err(unsupported(&format!("the function `{name}`"), span)),
        }
    }
}

fn unsupported(what: &str, span: Span) -> EvalError {
    EvalError::Unsupported(what.to_string(), span)
}

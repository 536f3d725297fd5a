//! Checks of declared constraints at the end of a block, as Stan validates them: a violation in transformed parameters rejects the proposal, in generated quantities it rejects the draw (its outputs become NaN), in transformed data it is an error.
//!
//! Checked: lower and upper bounds (scalar or elementwise, on reals and
//! ints), `ordered`, `positive_ordered`, `simplex` (non-negative and summing
//! to 1 within 1e-8, Stan's tolerance) and `unit_vector` (squared norm 1
//! within 1e-8). Matrix constraints (correlation, covariance, Cholesky
//! factors, stochastic matrices) are not checked yet.

use super::transforms::bound_element;
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{BlockKind, Bounds, DeclType, Ident, StmtKind, TypeKind};

/// Stan's tolerance for the sum of a simplex and the norm of a unit vector.
const CONSTRAINT_TOLERANCE: f64 = 1e-8;

impl Lowering<'_> {
    /// Appends to `out` the checks of every constrained variable declared at
    /// the top level of `block`.
    pub(crate) fn validate_block_constraints(
        &mut self,
        block: BlockKind,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        for stmt in self.program.stmts(block) {
            if let StmtKind::Decl { ty, name, .. } = &stmt.kind {
                self.current_span = stmt.span;
                self.validate_bounds(ty, name, out)?;
                self.validate_vector_kind(ty, name, out)?;
            }
        }
        Ok(())
    }

    /// `if (!(x[k] >= lower)) reject(...)` and the same for the upper bound,
    /// over every element.
    fn validate_bounds(
        &mut self,
        ty: &DeclType,
        name: &Ident,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        let Bounds::LowerUpper { lower, upper } = &ty.bounds else {
            return Ok(());
        };
        if lower.is_none() && upper.is_none() {
            return Ok(());
        }
        let var = self.decl_var(name)?;
        let storage = self.vars[&var].clone();
        let total: usize = storage.dims.iter().product();
        if total == 0 {
            return Ok(());
        }
        let lower = match lower {
            Some(e) => Some(self.lower_expr(e, out)?),
            None => None,
        };
        let upper = match upper {
            Some(e) => Some(self.lower_expr(e, out)?),
            None => None,
        };
        let k_slot = self.int_temp();
        let k = IExpr::Load(Box::new(Place::at(k_slot, 0)));
        let place = Place {
            slot: storage.slot,
            index: k.clone(),
        };
        let value = if storage.is_int() {
            RExpr::FromInt(Box::new(IExpr::Load(Box::new(place))))
        } else {
            RExpr::Load(Box::new(place))
        };
        let mut body = Vec::new();
        for (bound, op, words) in [
            (lower, CmpOp::Ge, "greater than or equal to"),
            (upper, CmpOp::Le, "less than or equal to"),
        ] {
            let Some(bound) = bound else { continue };
            let bound = bound_element(&bound, &k);
            let msg = self.msg(
                name.span,
                format!("`{}` violates its declared constraint", name.name),
            );
            let mut parts = element_name(&name.name, &storage.dims, &k);
            parts.push(PrintPart::Text(" is ".into()));
            parts.push(PrintPart::Real(value.clone()));
            parts.push(PrintPart::Text(format!(", but must be {words} ")));
            parts.push(PrintPart::Real(bound.clone()));
            body.push(Stmt::If {
                cond: IExpr::Not(Box::new(IExpr::CmpR(
                    op,
                    Box::new(value.clone()),
                    Box::new(bound),
                ))),
                then: vec![Stmt::Reject { msg, parts }],
                otherwise: vec![],
            });
        }
        out.push(Stmt::For {
            var: k_slot,
            lo: IExpr::Const(0),
            hi: IExpr::Const(total as i64 - 1),
            body,
        });
        Ok(())
    }

    /// The checks of `ordered`, `positive_ordered`, `simplex` and
    /// `unit_vector`, for each vector of an array of them.
    fn validate_vector_kind(
        &mut self,
        ty: &DeclType,
        name: &Ident,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        let kind = ty.kind;
        if !matches!(
            kind,
            TypeKind::Ordered
                | TypeKind::PositiveOrdered
                | TypeKind::Simplex
                | TypeKind::UnitVector
        ) {
            return Ok(());
        }
        let var = self.decl_var(name)?;
        let storage = self.vars[&var].clone();
        let len = *storage.dims.last().unwrap_or(&0);
        let total: usize = storage.dims.iter().product();
        if len == 0 || total == 0 {
            return Ok(());
        }
        let count = total / len;
        let what = match kind {
            TypeKind::Ordered => "is not in ascending order",
            TypeKind::PositiveOrdered => "is not positive and in ascending order",
            TypeKind::Simplex => "is not a simplex: its elements must be non-negative and sum to 1",
            _ => "is not a unit vector: its squared elements must sum to 1",
        };
        let msg = self.msg(
            name.span,
            format!("`{}` violates its declared constraint", name.name),
        );
        let element = |index: IExpr| {
            RExpr::Load(Box::new(Place {
                slot: storage.slot,
                index,
            }))
        };
        for vector in 0..count {
            let start = (vector * len) as i64;
            let at = |i: i64| element(IExpr::Const(start + i));
            // One condition that holds when the vector is valid.
            let mut valid: Option<IExpr> = None;
            let mut both = |c: IExpr| {
                valid = Some(match valid.take() {
                    None => c,
                    Some(v) => IExpr::Bin(IBinOp::And, Box::new(v), Box::new(c)),
                })
            };
            let cmp = |op, a: RExpr, b: RExpr| IExpr::CmpR(op, Box::new(a), Box::new(b));
            match kind {
                TypeKind::Ordered | TypeKind::PositiveOrdered => {
                    if kind == TypeKind::PositiveOrdered {
                        both(cmp(CmpOp::Ge, at(0), RExpr::Const(0.0)));
                    }
                    for i in 1..len as i64 {
                        both(cmp(CmpOp::Gt, at(i), at(i - 1)));
                    }
                }
                _ => {
                    let mut sum = RExpr::Const(0.0);
                    for i in 0..len as i64 {
                        let term = if kind == TypeKind::Simplex {
                            both(cmp(CmpOp::Ge, at(i), RExpr::Const(0.0)));
                            at(i)
                        } else {
                            RExpr::Bin(RBinOp::Mul, Box::new(at(i)), Box::new(at(i)))
                        };
                        sum = RExpr::Bin(RBinOp::Add, Box::new(sum), Box::new(term));
                    }
                    let error = RExpr::Call(
                        ScalarFn::Abs,
                        vec![RExpr::Bin(
                            RBinOp::Sub,
                            Box::new(sum),
                            Box::new(RExpr::Const(1.0)),
                        )],
                    );
                    both(cmp(CmpOp::Le, error, RExpr::Const(CONSTRAINT_TOLERANCE)));
                }
            }
            let Some(valid) = valid else { continue };
            let mut parts = if count == 1 {
                vec![PrintPart::Text(name.name.clone())]
            } else {
                vec![PrintPart::Text(format!("{}[{}]", name.name, vector + 1))]
            };
            parts.push(PrintPart::Text(format!(" {what}")));
            out.push(Stmt::If {
                cond: IExpr::Not(Box::new(valid)),
                then: vec![Stmt::Reject { msg, parts }],
                otherwise: vec![],
            });
        }
        Ok(())
    }
}

/// How a message names element `k`: `name` for a scalar, `name[i]` for a
/// vector or one-dimensional array, and "an element of name" otherwise (the
/// value printed next to it identifies it).
fn element_name(name: &str, dims: &[usize], k: &IExpr) -> Vec<PrintPart> {
    match dims.len() {
        0 => vec![PrintPart::Text(name.to_string())],
        1 => vec![
            PrintPart::Text(format!("{name}[")),
            PrintPart::Int(IExpr::Bin(
                IBinOp::Add,
                Box::new(k.clone()),
                Box::new(IExpr::Const(1)),
            )),
            PrintPart::Text("]".into()),
        ],
        _ => vec![PrintPart::Text(format!("an element of {name}"))],
    }
}

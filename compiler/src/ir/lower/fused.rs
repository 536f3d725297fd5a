//! Fused elementwise expressions: `a[group] + b[group] .* x` is one loop
//! writing one temporary, instead of a loop and a temporary per operation
//! (and, in the gradient, an adjoint temporary and a reverse loop each).
//!
//! Each element is the same tree of scalar operations, evaluated in the same
//! order, as the unfused loops computed, so values do not change. Operands
//! that are not elementwise arithmetic or a gather by an int array (calls,
//! products, slices, ...) are lowered as before and read element by element.

use super::expr::{expr_name, rbin, Val};
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Index, UnOp};
use stdlib::{BaseType, UnsizedType};

/// A vector, row vector or matrix (not an array, not a scalar).
fn is_linear_container(ty: UnsizedType) -> bool {
    ty.array_dims == 0
        && matches!(
            ty.base,
            BaseType::Vector | BaseType::RowVector | BaseType::Matrix
        )
}

/// The parenthesized expression inside `e`, or `e`.
fn strip(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner)
        | ExprKind::Unary {
            op: UnOp::Plus,
            operand: inner,
        } => strip(inner),
        _ => e,
    }
}

impl<'a> Lowering<'a> {
    /// The scalar operation of `lhs op rhs` applied to each element, when it
    /// is elementwise (the same rule as `lower_binary`).
    fn elementwise_op(&self, op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<RBinOp> {
        let lt = self.ty(lhs).ok()?;
        let rt = self.ty(rhs).ok()?;
        if lt.is_scalar() && rt.is_scalar() {
            return None;
        }
        elementwise_rbinop(op, lt.is_scalar(), rt.is_scalar())
    }

    /// `base[idx]` with one int array `idx` selecting from a vector or row vector.
    fn is_gather(&self, e: &Expr) -> bool {
        let ExprKind::Indexed { base, indices } = &e.kind else {
            return false;
        };
        let [Index::Single(ix)] = indices.as_slice() else {
            return false;
        };
        let index_is_ints = self
            .ty(ix)
            .is_ok_and(|t| t.base == BaseType::Int && t.array_dims == 1);
        let base_is_vector = self.ty(base).is_ok_and(|t| {
            t.array_dims == 0 && matches!(t.base, BaseType::Vector | BaseType::RowVector)
        });
        index_is_ints && base_is_vector
    }

    /// Whether `e` is a node the fused loop takes apart: elementwise
    /// arithmetic with a container result, a negated container, or a gather.
    fn is_fusable_node(&self, e: &Expr) -> bool {
        let e = strip(e);
        if !self.ty(e).is_ok_and(is_linear_container) {
            return false;
        }
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => self.elementwise_op(*op, lhs, rhs).is_some(),
            ExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } => self.ty(operand).is_ok_and(is_linear_container),
            _ => self.is_gather(e),
        }
    }

    /// `e` lowered as one loop when it is elementwise arithmetic (or a
    /// negation) of a container with at least one operand that is itself
    /// elementwise arithmetic or a gather; None otherwise.
    pub(crate) fn lower_fused(
        &mut self,
        e: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let fuses = match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => {
                self.is_fusable_node(e)
                    && self.elementwise_op(*op, lhs, rhs).is_some()
                    && (self.is_fusable_node(lhs) || self.is_fusable_node(rhs))
            }
            ExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } => self.is_fusable_node(e) && self.is_fusable_node(operand),
            _ => false,
        };
        if !fuses {
            return Ok(None);
        }
        let ty = self.ty(e)?;
        let active = self.activity(e);
        let k = self.int_temp();
        let index = IExpr::Load(Box::new(Place::at(k, 0)));
        let (elem, dims) = self.fused_element(e, &index, out)?;
        let n: usize = dims.iter().product();
        let slot = self.temp(dims.clone(), false, active);
        if n > 0 {
            out.push(Stmt::For {
                var: k,
                lo: IExpr::Const(0),
                hi: IExpr::Const(n as i64 - 1),
                body: vec![Stmt::SetR(Place { slot, index }, elem)],
            });
        }
        Ok(Some(Val::Run(super::expr::Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        })))
    }

    /// Element `k` of `e` and the dims of `e` (empty for a scalar). Operands
    /// that are not fusable nodes are lowered as usual, in source order.
    fn fused_element(
        &mut self,
        e: &Expr,
        k: &IExpr,
        out: &mut Vec<Stmt>,
    ) -> Result<(RExpr, Vec<usize>), LowerError> {
        let e = strip(e);
        if self.is_fusable_node(e) {
            match &e.kind {
                ExprKind::Binary { op, lhs, rhs } => {
                    if let Some(rop) = self.elementwise_op(*op, lhs, rhs) {
                        let (a, a_dims) = self.fused_element(lhs, k, out)?;
                        let (b, b_dims) = self.fused_element(rhs, k, out)?;
                        let dims = if a_dims.is_empty() { b_dims } else { a_dims };
                        return Ok((rbin(rop, a, b), dims));
                    }
                }
                ExprKind::Unary { operand, .. } => {
                    let (a, dims) = self.fused_element(operand, k, out)?;
                    return Ok((RExpr::Neg(Box::new(a)), dims));
                }
                ExprKind::Indexed { base, indices } => {
                    if let [Index::Single(ix)] = indices.as_slice() {
                        return self.gathered_element(e, base, ix, k, out);
                    }
                }
                _ => {}
            }
        }
        let v = self.lower_expr(e, out)?;
        let dims = v.dims();
        Ok((v.elem_real(k), dims))
    }

    /// Element `k` of `base[ix]` for an int array `ix` (checked as
    /// `lower_indexed` checks it, with the same message).
    fn gathered_element(
        &mut self,
        e: &Expr,
        base: &Expr,
        ix: &Expr,
        k: &IExpr,
        out: &mut Vec<Stmt>,
    ) -> Result<(RExpr, Vec<usize>), LowerError> {
        let Val::Run(run) = self.lower_expr(base, out)? else {
            return Err(LowerError::internal(e.span, "indexing a scalar"));
        };
        let Val::Run(idx) = self.lower_expr(ix, out)? else {
            return Err(LowerError::internal(
                ix.span,
                "a multi-index that is not an array",
            ));
        };
        if run.dims.len() != 1 || idx.dims.len() != 1 || !idx.is_int() || run.is_int() {
            return Err(LowerError::internal(
                e.span,
                "a gather of an unexpected shape",
            ));
        }
        let dim = run.dims[0];
        let name = expr_name(base);
        let msg = self.msg(
            e.span,
            format!("index {{value}} out of range for `{name}`, which has size {dim}"),
        );
        let checked = IExpr::Checked {
            index: Box::new(idx.int(k.clone())),
            len: Box::new(IExpr::Const(dim as i64)),
            msg,
        };
        let position = IExpr::Bin(IBinOp::Sub, Box::new(checked), Box::new(IExpr::Const(1)));
        Ok((run.real(position), idx.dims.clone()))
    }
}

/// The element operation of a binary operator that acts element by element
/// on its operands (`+ - .* ./`, and `*` or `/` with a scalar), given which
/// operands are scalars; None for any other operator (a matrix product, say).
pub(super) fn elementwise_rbinop(op: BinOp, lhs_scalar: bool, rhs_scalar: bool) -> Option<RBinOp> {
    match op {
        BinOp::Add => Some(RBinOp::Add),
        BinOp::Sub => Some(RBinOp::Sub),
        BinOp::EltMul => Some(RBinOp::Mul),
        BinOp::EltDiv => Some(RBinOp::Div),
        BinOp::Mul if lhs_scalar || rhs_scalar => Some(RBinOp::Mul),
        BinOp::Div if rhs_scalar => Some(RBinOp::Div),
        _ => None,
    }
}

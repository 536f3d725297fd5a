//! Segments and slices whose start or length is known only while the model
//! runs (`segment(y, pos, s[g])`, `y[pos:(pos + s[g] - 1)]`), as arguments of
//! density and mass functions: Stan's ragged-data idiom.
//!
//! Every other value has a size fixed when the model compiles (the IR lays
//! memory out in advance). A segment of a vector is a view, though: the same
//! memory from a run-time offset for a run-time length, which a density
//! kernel reads as (pointer, length) without copying. So a density argument
//! of this form is passed as a [`KArg::RealSegment`] or [`KArg::IntSegment`],
//! with Stan's checks on the start and the length; and a reduction of one
//! (`sum`, `mean`, `log_sum_exp`, ...) is a loop of run-time length.

use super::expr::{Run, Val};
use super::reductions::Extent;
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{Expr, ExprKind, Index};
use stdlib::{BaseType, UnsizedType};

/// A view of `len` consecutive elements of a one-dimensional container,
/// from `offset` in its slot; `len` is checked to lie in 0..=size and the
/// view to fit.
pub(crate) struct RuntimeSegment {
    pub slot: SlotId,
    pub offset: IExpr,
    pub len: IExpr,
    pub int: bool,
    /// The type of the container it is a segment of.
    pub ty: UnsizedType,
}

impl RuntimeSegment {
    /// The segment as a run (whose own dims are not its length) and the
    /// extent reductions read.
    pub(crate) fn run_and_extent(self) -> (Run, Extent) {
        let run = Run {
            slot: self.slot,
            offset: self.offset,
            ty: self.ty,
            dims: vec![],
        };
        (run, Extent::Runtime(self.len))
    }
}

fn int(value: i64) -> IExpr {
    IExpr::Const(value)
}

fn bin(op: IBinOp, a: IExpr, b: IExpr) -> IExpr {
    IExpr::Bin(op, Box::new(a), Box::new(b))
}

impl<'a> Lowering<'a> {
    /// `e` as a run-time segment, if it is `segment(v, start, length)` or a
    /// slice `v[lo:hi]` of a one-dimensional `v` whose bounds are not known
    /// when compiling; None for anything else (sized as usual).
    pub(crate) fn runtime_segment(
        &mut self,
        e: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RuntimeSegment>, LowerError> {
        let (base, start, length) = match &e.kind {
            ExprKind::Call { name, args, .. } if name.name == "segment" && args.len() == 3 => {
                if self.const_int(&args[1]).is_ok() && self.const_int(&args[2]).is_ok() {
                    return Ok(None);
                }
                (&args[0], Bounds::Start(&args[1]), Bounds::Length(&args[2]))
            }
            ExprKind::Indexed { base, indices } if indices.len() == 1 => {
                let Index::Slice { lower, upper } = &indices[0] else {
                    return Ok(None);
                };
                let known = |this: &mut Self, bound: &Option<Expr>| {
                    bound.as_ref().is_none_or(|b| this.const_int(b).is_ok())
                };
                if known(self, lower) && known(self, upper) {
                    return Ok(None);
                }
                (
                    &**base,
                    Bounds::Lower(lower.as_ref()),
                    Bounds::Upper(upper.as_ref()),
                )
            }
            _ => return Ok(None),
        };
        let base_ty = self.ty(base)?;
        let one_dimensional = match base_ty.base {
            BaseType::Vector | BaseType::RowVector => base_ty.array_dims == 0,
            BaseType::Real | BaseType::Int => base_ty.array_dims == 1,
            _ => false,
        };
        if !one_dimensional {
            return Ok(None);
        }
        let Val::Run(run) = self.lower_expr(base, out)? else {
            return Ok(None);
        };
        let size = run.len() as i64;
        let what = super::expr::expr_name(base);
        let first = match start {
            Bounds::Start(s) | Bounds::Lower(Some(s)) => self.lower_int(s, out)?,
            _ => int(1),
        };
        let first = self.int_value(first, out);
        // The start must be an element (Stan checks it even for an empty segment).
        let msg = self.msg(
            e.span,
            format!("the segment of `{what}` starts at {{value}}, outside 1..{size}"),
        );
        let checked_first = IExpr::Checked {
            index: Box::new(first.clone()),
            len: Box::new(int(size)),
            msg,
        };
        let count = match length {
            Bounds::Length(n) => self.lower_int(n, out)?,
            Bounds::Upper(Some(u)) => {
                let last = self.lower_int(u, out)?;
                // hi < lo is an empty slice.
                let count = bin(IBinOp::Add, bin(IBinOp::Sub, last, first.clone()), int(1));
                IExpr::Select(
                    Box::new(IExpr::CmpI(
                        CmpOp::Lt,
                        Box::new(count.clone()),
                        Box::new(int(0)),
                    )),
                    Box::new(int(0)),
                    Box::new(count),
                )
            }
            _ => bin(
                IBinOp::Add,
                bin(IBinOp::Sub, int(size), first.clone()),
                int(1),
            ),
        };
        let count = self.int_value(count, out);
        // 0 <= length, and the last element start + length - 1 <= size:
        // checked as 1 <= length + 1 <= size + 1 and 1 <= start + length <= size + 1.
        let msg = self.msg(
            e.span,
            format!("the segment of `{what}` must have a length in 0..{size}"),
        );
        let checked_count = IExpr::Checked {
            index: Box::new(bin(IBinOp::Add, count.clone(), int(1))),
            len: Box::new(int(size + 1)),
            msg,
        };
        let msg = self.msg(
            e.span,
            format!("the segment of `{what}` ends past its last element {size} (start + length = {{value}})"),
        );
        let checked_end = IExpr::Checked {
            index: Box::new(bin(IBinOp::Add, first.clone(), count.clone())),
            len: Box::new(int(size + 1)),
            msg,
        };
        // Evaluated in this order, each check before the values it guards.
        let checks = self.int_temp();
        out.push(Stmt::SetI(Place::at(checks, 0), checked_first));
        out.push(Stmt::SetI(Place::at(checks, 0), checked_count));
        out.push(Stmt::SetI(Place::at(checks, 0), checked_end));
        let (is_int, ty) = (run.is_int(), run.ty);
        Ok(Some(RuntimeSegment {
            slot: run.slot,
            offset: bin(IBinOp::Add, run.offset, bin(IBinOp::Sub, first, int(1))),
            len: count,
            int: is_int,
            ty,
        }))
    }

    /// An int expression's value.
    fn lower_int(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Result<IExpr, LowerError> {
        match self.lower_expr(e, out)? {
            Val::Int(value) => Ok(value),
            _ => Err(LowerError::internal(e.span, "an int bound of a segment")),
        }
    }

    /// `value` held in an int temporary (so that it is evaluated once), or
    /// itself when it is a constant.
    fn int_value(&mut self, value: IExpr, out: &mut Vec<Stmt>) -> IExpr {
        if matches!(value, IExpr::Const(_)) {
            return value;
        }
        let slot = self.int_temp();
        out.push(Stmt::SetI(Place::at(slot, 0), value));
        IExpr::Load(Box::new(Place::at(slot, 0)))
    }
}

/// How a segment's extent is written.
enum Bounds<'e> {
    Start(&'e Expr),
    Length(&'e Expr),
    Lower(Option<&'e Expr>),
    Upper(Option<&'e Expr>),
}

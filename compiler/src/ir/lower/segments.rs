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

use super::builtins::unary_fn;
use super::expr::{rbin, Run, Val};
use super::reductions::Extent;
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Index, UnOp};
use stdlib::{BaseType, UnsizedType};

/// A view of `len` consecutive elements of a one-dimensional container,
/// from `offset` in its slot; `len` is checked to lie in 0..=size and the
/// view to fit.
pub(crate) struct RuntimeSegment {
    pub slot: SlotId,
    pub offset: IExpr,
    pub len: IExpr,
    /// The type of the container it is a segment of.
    pub ty: UnsizedType,
    /// The longest it can be (the size of the container it is a view of).
    pub capacity: usize,
}

impl RuntimeSegment {
    /// The segment as a run (whose own dims are not its length).
    fn run(&self) -> Run {
        Run {
            slot: self.slot,
            offset: self.offset.clone(),
            ty: self.ty,
            dims: vec![],
        }
    }

    pub(crate) fn is_int(&self) -> bool {
        self.ty.base == BaseType::Int
    }

    /// Element `k` (0-based) as a real.
    fn element(&self, k: IExpr) -> RExpr {
        self.run().real(k)
    }

    /// The segment as a run and the extent reductions read.
    pub(crate) fn run_and_extent(self) -> (Run, Extent) {
        (self.run(), Extent::Runtime(self.len))
    }
}

fn int(value: i64) -> IExpr {
    IExpr::Const(value)
}

fn bin(op: IBinOp, a: IExpr, b: IExpr) -> IExpr {
    IExpr::Bin(op, Box::new(a), Box::new(b))
}

impl<'a> Lowering<'a> {
    /// `e` as a vector of run-time length: a segment or slice (a view), or
    /// elementwise arithmetic and functions of them and of scalars (a
    /// temporary as long as the longest the view could be, filled by a loop
    /// of run-time length). None when `e` has a size fixed when compiling.
    pub(crate) fn runtime_segment(
        &mut self,
        e: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RuntimeSegment>, LowerError> {
        if !self.has_runtime_extent(e) {
            return Ok(None);
        }
        match &e.kind {
            ExprKind::Paren(inner)
            | ExprKind::Unary {
                op: UnOp::Plus,
                operand: inner,
            } => self.runtime_segment(inner, out),
            ExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } => self.runtime_map(e, operand, |x| RExpr::Neg(Box::new(x)), out),
            ExprKind::Call { name, args, .. }
                if args.len() == 1 && unary_fn(&name.name).is_some() =>
            {
                let f = unary_fn(&name.name).expect("checked above");
                self.runtime_map(e, &args[0], |x| RExpr::Call(f, vec![x]), out)
            }
            ExprKind::Binary { op, lhs, rhs } => self.runtime_binary(e, *op, lhs, rhs, out),
            _ => self.runtime_view(e, out),
        }
    }

    /// `e`, which applies `f` to each element of `operand`, when `operand`
    /// has a run-time length.
    fn runtime_map(
        &mut self,
        e: &Expr,
        operand: &Expr,
        f: impl Fn(RExpr) -> RExpr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RuntimeSegment>, LowerError> {
        let Some(x) = self.runtime_segment(operand, out)? else {
            return Ok(None);
        };
        let active = self.activity(e);
        Ok(Some(self.elementwise_of_length(
            x.len.clone(),
            x.capacity,
            active,
            out,
            |k| f(x.element(k)),
        )))
    }

    /// Whether `e` holds a segment or slice whose bounds are known only
    /// while the model runs, through the forms `runtime_segment` takes apart.
    fn has_runtime_extent(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => {
                self.has_runtime_extent(inner)
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.has_runtime_extent(lhs) || self.has_runtime_extent(rhs)
            }
            ExprKind::Call { name, args, .. } if name.name == "segment" && args.len() == 3 => {
                self.const_int(&args[1]).is_err() || self.const_int(&args[2]).is_err()
            }
            ExprKind::Call { name, args, .. }
                if args.len() == 1 && unary_fn(&name.name).is_some() =>
            {
                self.has_runtime_extent(&args[0])
            }
            ExprKind::Indexed { indices, .. } if indices.len() == 1 => match &indices[0] {
                Index::Slice { lower, upper } => [lower, upper]
                    .into_iter()
                    .flatten()
                    .any(|bound| self.const_int(bound).is_err()),
                _ => false,
            },
            _ => false,
        }
    }

    /// `a op b` where one side or both have a run-time length and any other
    /// side is a scalar.
    fn runtime_binary(
        &mut self,
        e: &Expr,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RuntimeSegment>, LowerError> {
        let unsupported = |detail: &str| {
            Err(LowerError::unsupported(
                e.span,
                format!(
                    "`{}` {detail} when a side's length is known only while the model runs",
                    op.text()
                ),
            ))
        };
        let rop = match op {
            BinOp::Add => RBinOp::Add,
            BinOp::Sub => RBinOp::Sub,
            BinOp::Mul | BinOp::EltMul => RBinOp::Mul,
            BinOp::Div | BinOp::EltDiv => RBinOp::Div,
            _ => return unsupported("on vectors"),
        };
        let active = self.activity(e);
        let a = self.runtime_segment(lhs, out)?;
        let b = self.runtime_segment(rhs, out)?;
        let scalar = |this: &mut Self,
                      side: &Expr,
                      out: &mut Vec<Stmt>|
         -> Result<Option<RExpr>, LowerError> {
            let ty = this.ty(side)?;
            if ty.array_dims != 0 || !matches!(ty.base, BaseType::Int | BaseType::Real) {
                return Ok(None);
            }
            let value = this.lower_expr(side, out)?;
            let Some(value) = value.as_real() else {
                return Ok(None);
            };
            let side_active = this.activity(side);
            Ok(Some(this.once(value, side_active, out)))
        };
        let result = match (a, b) {
            (Some(a), Some(b)) => {
                if matches!(op, BinOp::Mul | BinOp::Div) {
                    return unsupported("between two vectors");
                }
                self.check_same_length(e, &a.len, &b.len, out);
                self.elementwise_of_length(
                    a.len.clone(),
                    a.capacity.min(b.capacity),
                    active,
                    out,
                    |k| rbin(rop, a.element(k.clone()), b.element(k)),
                )
            }
            (Some(a), None) => {
                let Some(y) = scalar(self, rhs, out)? else {
                    return unsupported("with a container of fixed size");
                };
                self.elementwise_of_length(a.len.clone(), a.capacity, active, out, |k| {
                    rbin(rop, a.element(k), y.clone())
                })
            }
            (None, Some(b)) => {
                if op == BinOp::Div {
                    return unsupported("of a scalar by a vector (use ./)");
                }
                let Some(x) = scalar(self, lhs, out)? else {
                    return unsupported("with a container of fixed size");
                };
                self.elementwise_of_length(b.len.clone(), b.capacity, active, out, |k| {
                    rbin(rop, x.clone(), b.element(k))
                })
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(result))
    }

    /// Stops the model with a message when two run-time lengths differ.
    fn check_same_length(&mut self, e: &Expr, a: &IExpr, b: &IExpr, out: &mut Vec<Stmt>) {
        let msg = self.msg(
            e.span,
            "the two vectors of this expression have different lengths".to_string(),
        );
        let plus_one = |x: &IExpr| bin(IBinOp::Add, x.clone(), int(1));
        let check = self.int_temp();
        for (x, y) in [(a, b), (b, a)] {
            out.push(Stmt::SetI(
                Place::at(check, 0),
                IExpr::Checked {
                    index: Box::new(plus_one(x)),
                    len: Box::new(plus_one(y)),
                    msg,
                },
            ));
        }
    }

    /// A new vector of run-time length `len` (at most `capacity`), element
    /// k being `element(k)`.
    fn elementwise_of_length(
        &mut self,
        len: IExpr,
        capacity: usize,
        active: bool,
        out: &mut Vec<Stmt>,
        element: impl Fn(IExpr) -> RExpr,
    ) -> RuntimeSegment {
        let slot = self.temp(vec![capacity], false, active);
        let k = self.int_temp();
        let index = IExpr::Load(Box::new(Place::at(k, 0)));
        out.push(Stmt::For {
            var: k,
            lo: int(0),
            hi: bin(IBinOp::Sub, len.clone(), int(1)),
            body: vec![Stmt::SetR(
                Place {
                    slot,
                    index: index.clone(),
                },
                element(index),
            )],
        });
        RuntimeSegment {
            slot,
            offset: int(0),
            len,
            ty: UnsizedType::REAL,
            capacity,
        }
    }

    /// `e` as a run-time segment, if it is `segment(v, start, length)` or a
    /// slice `v[lo:hi]` of a one-dimensional `v` (whose bounds
    /// `has_runtime_extent` found not known when compiling); None for
    /// anything else.
    fn runtime_view(
        &mut self,
        e: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RuntimeSegment>, LowerError> {
        let (base, start, length) = match &e.kind {
            ExprKind::Call { name, args, .. } if name.name == "segment" && args.len() == 3 => {
                (&args[0], Bounds::Start(&args[1]), Bounds::Length(&args[2]))
            }
            ExprKind::Indexed { base, indices } if indices.len() == 1 => {
                let Index::Slice { lower, upper } = &indices[0] else {
                    return Ok(None);
                };
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
        Ok(Some(RuntimeSegment {
            slot: run.slot,
            offset: bin(IBinOp::Add, run.offset, bin(IBinOp::Sub, first, int(1))),
            len: count,
            ty: run.ty,
            capacity: size as usize,
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

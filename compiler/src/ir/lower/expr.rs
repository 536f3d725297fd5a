//! Lowering expressions: scalars become IR expressions, containers are stored in slots element by element.

use super::{LowerError, Lowering, VarStorage};
use crate::check::Activity;
use crate::ir::*;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Index, UnOp};
use stdlib::{BaseType, UnsizedType};

/// A contiguous container: element `k` is at `slot[offset + k]`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub slot: SlotId,
    pub offset: IExpr,
    pub ty: UnsizedType,
    pub dims: Vec<usize>,
}

impl Run {
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }
    pub fn is_int(&self) -> bool {
        self.ty.base == BaseType::Int
    }
    pub fn place(&self, k: IExpr) -> Place {
        Place {
            slot: self.slot,
            index: add(self.offset.clone(), k),
        }
    }
    pub fn real(&self, k: IExpr) -> RExpr {
        let load = Box::new(self.place(k));
        if self.is_int() {
            RExpr::FromInt(Box::new(IExpr::Load(load)))
        } else {
            RExpr::Load(load)
        }
    }
    pub fn int(&self, k: IExpr) -> IExpr {
        IExpr::Load(Box::new(self.place(k)))
    }
}

/// The lowered value of an expression.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(IExpr),
    Real(RExpr),
    Run(Run),
}

impl Val {
    pub fn as_real(&self) -> Option<RExpr> {
        match self {
            Val::Int(i) => Some(RExpr::FromInt(Box::new(i.clone()))),
            Val::Real(r) => Some(r.clone()),
            Val::Run(_) => None,
        }
    }
    /// Element `k` of a container, or the scalar itself (broadcast).
    pub fn elem_real(&self, k: &IExpr) -> RExpr {
        match self {
            Val::Run(run) => run.real(k.clone()),
            other => other.as_real().unwrap_or(RExpr::Const(f64::NAN)),
        }
    }
    pub fn dims(&self) -> Vec<usize> {
        match self {
            Val::Run(r) => r.dims.clone(),
            _ => vec![],
        }
    }
}

pub(crate) fn add(a: IExpr, b: IExpr) -> IExpr {
    match (&a, &b) {
        (IExpr::Const(0), _) => b,
        (_, IExpr::Const(0)) => a,
        (IExpr::Const(x), IExpr::Const(y)) => IExpr::Const(x + y),
        _ => IExpr::Bin(IBinOp::Add, Box::new(a), Box::new(b)),
    }
}

pub(crate) fn mul(a: IExpr, b: i64) -> IExpr {
    match (&a, b) {
        (_, 1) => a,
        (IExpr::Const(x), _) => IExpr::Const(x * b),
        _ => IExpr::Bin(IBinOp::Mul, Box::new(a), Box::new(IExpr::Const(b))),
    }
}

pub(crate) fn rbin(op: RBinOp, a: RExpr, b: RExpr) -> RExpr {
    RExpr::Bin(op, Box::new(a), Box::new(b))
}

pub(crate) fn call1(f: ScalarFn, a: RExpr) -> RExpr {
    RExpr::Call(f, vec![a])
}

/// A call of a two-argument scalar function; `pow(x, 2)` becomes `x * x`
/// (the most common power in models, and a libm call in each sweep otherwise).
pub(crate) fn scalar_call2(f: ScalarFn, a: RExpr, b: RExpr) -> RExpr {
    let is_two = match &b {
        RExpr::Const(v) => *v == 2.0,
        RExpr::FromInt(i) => matches!(**i, IExpr::Const(2)),
        _ => false,
    };
    if f == ScalarFn::Pow && is_two {
        call1(ScalarFn::Square, a)
    } else {
        RExpr::Call(f, vec![a, b])
    }
}

/// How one position of an index list selects elements.
pub(super) enum Sel {
    /// One 0-based index: the dimension disappears.
    One(IExpr),
    /// `count` consecutive indices from a 0-based start.
    Range(IExpr, usize),
    /// An int array of 1-based indices, each checked against `dim`.
    Multi(Run, usize),
}

impl<'a> Lowering<'a> {
    /// Whether `e` depends on parameters in code that is differentiated.
    pub(crate) fn activity(&self, e: &Expr) -> bool {
        self.differentiated
            && self
                .typed
                .expr(e.id)
                .is_some_and(|i| i.activity == Activity::Param)
    }

    pub(crate) fn ty(&self, e: &Expr) -> Result<UnsizedType, LowerError> {
        self.typed
            .expr(e.id)
            .map(|i| i.ty)
            .ok_or_else(|| LowerError::internal(e.span, "expression without a type"))
    }

    /// A loop `for k in 0..n` whose body `f` builds from the loop index.
    pub(crate) fn for_each_index(
        &mut self,
        n: usize,
        out: &mut Vec<Stmt>,
        f: impl FnOnce(&mut Self, IExpr, &mut Vec<Stmt>) -> Result<(), LowerError>,
    ) -> Result<(), LowerError> {
        let k = self.int_temp();
        let mut body = Vec::new();
        f(self, IExpr::Load(Box::new(Place::at(k, 0))), &mut body)?;
        if n > 0 {
            out.push(Stmt::For {
                var: k,
                lo: IExpr::Const(0),
                hi: IExpr::Const(n as i64 - 1),
                body,
            });
        }
        Ok(())
    }

    /// A new container slot filled element-wise by `elem(k)`.
    pub(crate) fn elementwise(
        &mut self,
        ty: UnsizedType,
        dims: Vec<usize>,
        active: bool,
        out: &mut Vec<Stmt>,
        elem: impl Fn(&IExpr) -> RExpr,
    ) -> Result<Val, LowerError> {
        let n = dims.iter().product();
        let slot = self.temp(dims.clone(), false, active);
        self.for_each_index(n, out, |_, k, body| {
            body.push(Stmt::SetR(
                Place {
                    slot,
                    index: k.clone(),
                },
                elem(&k),
            ));
            Ok(())
        })?;
        Ok(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        }))
    }

    /// Stores a value in a fresh slot (scalars in a one-element slot).
    pub(crate) fn materialize(&mut self, v: Val, active: bool, out: &mut Vec<Stmt>) -> Run {
        match v {
            Val::Run(r) => r,
            Val::Int(i) => {
                let slot = self.temp(vec![], true, false);
                out.push(Stmt::SetI(Place::at(slot, 0), i));
                Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: UnsizedType::INT,
                    dims: vec![],
                }
            }
            Val::Real(r) => {
                let slot = self.temp(vec![], false, active);
                out.push(Stmt::SetR(Place::at(slot, 0), r));
                Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: UnsizedType::REAL,
                    dims: vec![],
                }
            }
        }
    }

    pub(crate) fn storage_val(&self, s: &VarStorage) -> Val {
        if s.dims.is_empty() {
            let load = Box::new(Place::at(s.slot, 0));
            if s.is_int() {
                Val::Int(IExpr::Load(load))
            } else {
                Val::Real(RExpr::Load(load))
            }
        } else {
            Val::Run(Run {
                slot: s.slot,
                offset: IExpr::Const(0),
                ty: s.ty,
                dims: s.dims.clone(),
            })
        }
    }

    pub(crate) fn lower_expr(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Result<Val, LowerError> {
        if let Some(v) = self.lower_fused(e, out)? {
            return Ok(v);
        }
        match &e.kind {
            ExprKind::IntLit(v) => Ok(Val::Int(IExpr::Const(*v))),
            ExprKind::RealLit(v) => Ok(Val::Real(RExpr::Const(*v))),
            ExprKind::Paren(inner) => self.lower_expr(inner, out),
            ExprKind::Var(name) => {
                let var = *self.typed.var_refs.get(&e.id).ok_or_else(|| {
                    LowerError::internal(e.span, format!("unresolved variable `{name}`"))
                })?;
                let storage = self.vars.get(&var).cloned().ok_or_else(|| {
                    LowerError::internal(e.span, format!("`{name}` has no storage"))
                })?;
                Ok(self.storage_val(&storage))
            }
            ExprKind::Unary { op, operand } => {
                let v = self.lower_expr(operand, out)?;
                match (op, v) {
                    (UnOp::Plus, v) => Ok(v),
                    (UnOp::Neg, Val::Int(i)) => Ok(Val::Int(IExpr::Neg(Box::new(i)))),
                    (UnOp::Neg, Val::Real(r)) => Ok(Val::Real(RExpr::Neg(Box::new(r)))),
                    (UnOp::Neg, Val::Run(run)) => {
                        let ty = run.ty.promoted();
                        let dims = run.dims.clone();
                        self.elementwise(ty, dims, self.activity(e), out, |k| {
                            RExpr::Neg(Box::new(run.real(k.clone())))
                        })
                    }
                    (UnOp::Not, v) => Ok(Val::Int(IExpr::Not(Box::new(self.truth(v, operand)?)))),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.lower_binary(e, *op, lhs, rhs, out),
            ExprKind::Transpose(inner) => {
                let v = self.lower_expr(inner, out)?;
                let ty = self.ty(e)?;
                match v {
                    Val::Run(run) if ty.base != BaseType::Matrix => Ok(Val::Run(Run { ty, ..run })),
                    Val::Run(run) => {
                        let (r, c) = (run.dims[0], run.dims[1]);
                        let slot = self.temp(vec![c, r], false, self.activity(e));
                        for j in 0..c {
                            for i in 0..r {
                                out.push(Stmt::SetR(
                                    Place::at(slot, j + i * c),
                                    run.real(IExpr::Const((i + j * r) as i64)),
                                ));
                            }
                        }
                        Ok(Val::Run(Run {
                            slot,
                            offset: IExpr::Const(0),
                            ty,
                            dims: vec![c, r],
                        }))
                    }
                    other => Ok(other),
                }
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.lower_expr(cond, out)?;
                let c = self.truth(c, cond)?;
                let ty = self.ty(e)?;
                let active = self.activity(e);
                let mut then_stmts = Vec::new();
                let t = self.lower_expr(then, &mut then_stmts)?;
                let mut else_stmts = Vec::new();
                let o = self.lower_expr(otherwise, &mut else_stmts)?;
                let dims = t.dims();
                let slot = self.temp(dims.clone(), ty.base == BaseType::Int, active);
                let result = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty,
                    dims: dims.clone(),
                };
                self.store_into(&result, t, &mut then_stmts)?;
                self.store_into(&result, o, &mut else_stmts)?;
                out.push(Stmt::If {
                    cond: c,
                    then: then_stmts,
                    otherwise: else_stmts,
                });
                Ok(if dims.is_empty() {
                    self.storage_val(&VarStorage { slot, ty, dims })
                } else {
                    Val::Run(result)
                })
            }
            ExprKind::Indexed { base, indices } => self.lower_indexed(e, base, indices, out),
            ExprKind::Call { name, args, .. } => self.lower_call(e, name, args, out),
            ExprKind::ArrayLit(items) | ExprKind::RowVectorLit(items) => {
                let ty = self.ty(e)?;
                let active = self.activity(e);
                let vals: Vec<Val> = items
                    .iter()
                    .map(|i| self.lower_expr(i, out))
                    .collect::<Result<_, _>>()?;
                let inner = vals[0..].first().map(|v| v.dims()).unwrap_or_default();
                let is_matrix =
                    matches!(e.kind, ExprKind::RowVectorLit(_)) && ty.base == BaseType::Matrix;
                let dims = if is_matrix {
                    vec![vals.len(), inner.first().copied().unwrap_or(0)]
                } else {
                    let mut d = vec![vals.len()];
                    d.extend(inner.iter().copied());
                    d
                };
                let int = ty.base == BaseType::Int;
                let slot = self.temp(dims.clone(), int, active);
                let result = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty,
                    dims: dims.clone(),
                };
                let rows = vals.len();
                for (i, v) in vals.into_iter().enumerate() {
                    if is_matrix {
                        let Val::Run(row) = v else { continue };
                        for j in 0..row.len() {
                            out.push(Stmt::SetR(
                                Place::at(slot, i + j * rows),
                                row.real(IExpr::Const(j as i64)),
                            ));
                        }
                    } else {
                        let len: usize = inner.iter().product();
                        let part = Run {
                            slot,
                            offset: IExpr::Const((i * len) as i64),
                            ty,
                            dims: inner.clone(),
                        };
                        self.store_into(&part, v, out)?;
                    }
                }
                Ok(Val::Run(result))
            }
            ExprKind::Error => Err(LowerError::internal(
                e.span,
                "an erroneous expression reached lowering",
            )),
        }
    }

    /// An int truth value (nonzero is true) from a scalar.
    pub(crate) fn truth(&self, v: Val, e: &Expr) -> Result<IExpr, LowerError> {
        match v {
            Val::Int(i) => Ok(i),
            Val::Real(r) => Ok(IExpr::CmpR(
                CmpOp::Ne,
                Box::new(r),
                Box::new(RExpr::Const(0.0)),
            )),
            Val::Run(_) => Err(LowerError::internal(
                e.span,
                "a container used as a condition",
            )),
        }
    }

    /// Copies `v` into the container or scalar `dst` (same shape).
    pub(crate) fn store_into(
        &mut self,
        dst: &Run,
        v: Val,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        match v {
            Val::Run(src) => {
                let n = dst.len().min(src.len());
                let (dst, src) = (dst.clone(), src.clone());
                self.for_each_index(n, out, |_, k, body| {
                    if dst.is_int() {
                        body.push(Stmt::SetI(dst.place(k.clone()), src.int(k)));
                    } else {
                        body.push(Stmt::SetR(dst.place(k.clone()), src.real(k)));
                    }
                    Ok(())
                })
            }
            Val::Int(i) if dst.is_int() => {
                out.push(Stmt::SetI(dst.place(IExpr::Const(0)), i));
                Ok(())
            }
            scalar => {
                let r = scalar.as_real().unwrap_or(RExpr::Const(f64::NAN));
                out.push(Stmt::SetR(dst.place(IExpr::Const(0)), r));
                Ok(())
            }
        }
    }

    pub(crate) fn lower_binary(
        &mut self,
        e: &Expr,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let lt = self.ty(lhs)?;
        let rt = self.ty(rhs)?;
        let result_ty = self.ty(e)?;
        if matches!(op, BinOp::And | BinOp::Or) {
            let a = self.lower_expr(lhs, out)?;
            let a = self.truth(a, lhs)?;
            // The right side runs only when needed, as Stan's `&&` and `||` do.
            let mut rhs_stmts = Vec::new();
            let b = self.lower_expr(rhs, &mut rhs_stmts)?;
            let b = self.truth(b, rhs)?;
            if rhs_stmts.is_empty() {
                let op = if op == BinOp::And {
                    IBinOp::And
                } else {
                    IBinOp::Or
                };
                return Ok(Val::Int(IExpr::Bin(op, Box::new(a), Box::new(b))));
            }
            let slot = self.int_temp();
            let truthy = IExpr::CmpI(CmpOp::Ne, Box::new(b), Box::new(IExpr::Const(0)));
            rhs_stmts.push(Stmt::SetI(Place::at(slot, 0), truthy));
            let short = Stmt::SetI(
                Place::at(slot, 0),
                IExpr::Const(if op == BinOp::And { 0 } else { 1 }),
            );
            let (then, otherwise) = if op == BinOp::And {
                (rhs_stmts, vec![short])
            } else {
                (vec![short], rhs_stmts)
            };
            out.push(Stmt::If {
                cond: a,
                then,
                otherwise,
            });
            return Ok(Val::Int(IExpr::Load(Box::new(Place::at(slot, 0)))));
        }
        let a = self.lower_expr(lhs, out)?;
        let b = self.lower_expr(rhs, out)?;
        let active = self.activity(e);
        // Scalars.
        if lt.is_scalar() && rt.is_scalar() {
            if let (Val::Int(x), Val::Int(y)) = (&a, &b) {
                let ib = |o| {
                    Ok(Val::Int(IExpr::Bin(
                        o,
                        Box::new(x.clone()),
                        Box::new(y.clone()),
                    )))
                };
                let cmp = |o| {
                    Ok(Val::Int(IExpr::CmpI(
                        o,
                        Box::new(x.clone()),
                        Box::new(y.clone()),
                    )))
                };
                match op {
                    BinOp::Add => return ib(IBinOp::Add),
                    BinOp::Sub => return ib(IBinOp::Sub),
                    BinOp::Mul | BinOp::EltMul => return ib(IBinOp::Mul),
                    BinOp::Div | BinOp::IntDiv => {
                        return self.checked_int_division(IBinOp::Div, x, y, e)
                    }
                    BinOp::Mod => return self.checked_int_division(IBinOp::Mod, x, y, e),
                    BinOp::Eq => return cmp(CmpOp::Eq),
                    BinOp::Neq => return cmp(CmpOp::Ne),
                    BinOp::Lt => return cmp(CmpOp::Lt),
                    BinOp::Le => return cmp(CmpOp::Le),
                    BinOp::Gt => return cmp(CmpOp::Gt),
                    BinOp::Ge => return cmp(CmpOp::Ge),
                    _ => {}
                }
            }
            let x = a.as_real().unwrap_or(RExpr::Const(f64::NAN));
            let y = b.as_real().unwrap_or(RExpr::Const(f64::NAN));
            let cmp = |o| {
                Ok(Val::Int(IExpr::CmpR(
                    o,
                    Box::new(x.clone()),
                    Box::new(y.clone()),
                )))
            };
            return match op {
                BinOp::Add => Ok(Val::Real(rbin(RBinOp::Add, x, y))),
                BinOp::Sub => Ok(Val::Real(rbin(RBinOp::Sub, x, y))),
                BinOp::Mul | BinOp::EltMul => Ok(Val::Real(rbin(RBinOp::Mul, x, y))),
                BinOp::Div | BinOp::EltDiv => Ok(Val::Real(rbin(RBinOp::Div, x, y))),
                BinOp::Pow | BinOp::EltPow => Ok(Val::Real(scalar_call2(ScalarFn::Pow, x, y))),
                BinOp::Eq => cmp(CmpOp::Eq),
                BinOp::Neq => cmp(CmpOp::Ne),
                BinOp::Lt => cmp(CmpOp::Lt),
                BinOp::Le => cmp(CmpOp::Le),
                BinOp::Gt => cmp(CmpOp::Gt),
                BinOp::Ge => cmp(CmpOp::Ge),
                _ => Err(LowerError::unsupported(
                    e.span,
                    format!("the operator `{}` on these operands", op.text()),
                )),
            };
        }
        let dims = if a.dims().is_empty() {
            b.dims()
        } else {
            a.dims()
        };
        let elementwise_op = super::fused::elementwise_rbinop(op, lt.is_scalar(), rt.is_scalar());
        if let Some(rop) = elementwise_op {
            return self.elementwise(result_ty, dims, active, out, |k| {
                rbin(rop, a.elem_real(k), b.elem_real(k))
            });
        }
        if op == BinOp::EltPow {
            return self.elementwise(result_ty, dims, active, out, |k| {
                scalar_call2(ScalarFn::Pow, a.elem_real(k), b.elem_real(k))
            });
        }
        if op == BinOp::Mul {
            let operands_active = (self.activity(lhs), self.activity(rhs));
            return self.matrix_product(e, a, b, (lt, rt), operands_active, out);
        }
        // `A \ B` is mdivide_left(A, B); `B / A` with a matrix `A` is mdivide_right(B, A).
        let division = match op {
            BinOp::LeftDiv => Some("mdivide_left"),
            BinOp::Div if rt.base == BaseType::Matrix => Some("mdivide_right"),
            _ => None,
        };
        if let Some(name) = division {
            let operands = [lhs.clone(), rhs.clone()];
            if let Some(v) = self.lower_composite_matrix(e, name, &operands, a, b, out)? {
                return Ok(v);
            }
        }
        Err(LowerError::unsupported(
            e.span,
            format!("the operator `{}` on `{lt}` and `{rt}`", op.text()),
        ))
    }

    fn checked_int_division(
        &mut self,
        op: IBinOp,
        x: &IExpr,
        y: &IExpr,
        e: &Expr,
    ) -> Result<Val, LowerError> {
        let msg = self.msg(e.span, "integer division by zero");
        // A zero divisor fails the check `1 <= y*y` (y*y is 0 only for 0).
        let nonzero = IExpr::Checked {
            index: Box::new(IExpr::Select(
                Box::new(IExpr::CmpI(
                    CmpOp::Eq,
                    Box::new(y.clone()),
                    Box::new(IExpr::Const(0)),
                )),
                Box::new(IExpr::Const(0)),
                Box::new(IExpr::Const(1)),
            )),
            len: Box::new(IExpr::Const(1)),
            msg,
        };
        let guarded = IExpr::Bin(IBinOp::Mul, Box::new(y.clone()), Box::new(nonzero));
        Ok(Val::Int(IExpr::Bin(
            op,
            Box::new(x.clone()),
            Box::new(guarded),
        )))
    }

    /// Flat storage index of the element at 0-based `idx` (one per dim).
    pub(crate) fn flat_index(ty: UnsizedType, dims: &[usize], idx: &[IExpr]) -> IExpr {
        let n = dims.len();
        let matrix = ty.base == BaseType::Matrix && n >= 2;
        let mut flat = IExpr::Const(0);
        let array_dims = if matrix { n - 2 } else { n };
        let mut stride: usize = dims.iter().product();
        for d in 0..array_dims {
            stride /= dims[d].max(1);
            flat = add(flat, mul(idx[d].clone(), stride as i64));
        }
        if matrix {
            flat = add(
                flat,
                add(
                    idx[n - 2].clone(),
                    mul(idx[n - 1].clone(), dims[n - 2] as i64),
                ),
            );
        }
        flat
    }

    /// The selections of an index list against a container of `dims`.
    pub(super) fn selections(
        &mut self,
        e: &Expr,
        base_name: &str,
        dims: &[usize],
        indices: &[Index],
        out: &mut Vec<Stmt>,
    ) -> Result<Vec<Sel>, LowerError> {
        let mut sels = Vec::new();
        for (d, index) in indices.iter().enumerate() {
            let dim = dims[d];
            let sel = match index {
                Index::All => Sel::Range(IExpr::Const(0), dim),
                Index::Slice { lower, upper } => {
                    let lo = match lower {
                        Some(x) => self.const_int(x)?,
                        None => 1,
                    };
                    let hi = match upper {
                        Some(x) => self.const_int(x)?,
                        None => dim as i64,
                    };
                    if hi >= lo && (lo < 1 || hi as usize > dim) {
                        return Err(LowerError::new(
                            e.span,
                            format!(
                                "the slice {lo}:{hi} of `{base_name}` is out of range 1..{dim}"
                            ),
                        ));
                    }
                    Sel::Range(IExpr::Const(lo - 1), (hi - lo + 1).max(0) as usize)
                }
                Index::Single(ix) => {
                    let v = self.lower_expr(ix, out)?;
                    match v {
                        // A constant index in range needs no check: `b[2]` is
                        // element 1, which also lets codegen keep a sum into
                        // it in a register (loop_accumulators).
                        Val::Int(IExpr::Const(k)) if k >= 1 && k <= dim as i64 => {
                            Sel::One(IExpr::Const(k - 1))
                        }
                        Val::Int(i) => {
                            let msg = self.msg(ix.span, format!("index {{value}} out of range for `{base_name}`, which has size {dim}"));
                            let checked = IExpr::Checked {
                                index: Box::new(i),
                                len: Box::new(IExpr::Const(dim as i64)),
                                msg,
                            };
                            Sel::One(IExpr::Bin(
                                IBinOp::Sub,
                                Box::new(checked),
                                Box::new(IExpr::Const(1)),
                            ))
                        }
                        Val::Run(run) => Sel::Multi(run, dim),
                        Val::Real(_) => return Err(LowerError::internal(ix.span, "a real index")),
                    }
                }
            };
            sels.push(sel);
        }
        Ok(sels)
    }

    /// `base[indices]`: a scalar load, a view of a contiguous part, or a gathered copy.
    fn lower_indexed(
        &mut self,
        e: &Expr,
        base: &Expr,
        indices: &[Index],
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let base_val = self.lower_expr(base, out)?;
        let Val::Run(run) = base_val else {
            return Err(LowerError::internal(e.span, "indexing a scalar"));
        };
        let name = expr_name(base);
        let sels = self.selections(e, &name, &run.dims, indices, out)?;
        let result_ty = self.ty(e)?;
        let matrix = run.ty.base == BaseType::Matrix;
        let array_dims = run.ty.array_dims as usize;
        // Single indices that leave a contiguous part: a scalar or a view.
        if sels.iter().all(|s| matches!(s, Sel::One(_))) {
            let k = sels.len();
            let full = k == run.dims.len();
            if full || !matrix || k <= array_dims {
                let mut idx: Vec<IExpr> = sels
                    .iter()
                    .map(|s| {
                        if let Sel::One(i) = s {
                            i.clone()
                        } else {
                            IExpr::Const(0)
                        }
                    })
                    .collect();
                let rest_dims: Vec<usize> = run.dims[k..].to_vec();
                idx.extend(std::iter::repeat_n(IExpr::Const(0), run.dims.len() - k));
                let flat = add(
                    run.offset.clone(),
                    Self::flat_index(run.ty, &run.dims, &idx),
                );
                let view = Run {
                    slot: run.slot,
                    offset: flat,
                    ty: result_ty,
                    dims: rest_dims,
                };
                return Ok(match (full, view.is_int()) {
                    (true, true) => Val::Int(view.int(IExpr::Const(0))),
                    (true, false) => Val::Real(view.real(IExpr::Const(0))),
                    (false, _) => Val::Run(view),
                });
            }
        }
        // General case: gather into a new slot.
        let mut result_dims = Vec::new();
        for s in &sels {
            match s {
                Sel::One(_) => {}
                Sel::Range(_, n) => result_dims.push(*n),
                Sel::Multi(r, _) => result_dims.push(r.len()),
            }
        }
        result_dims.extend(run.dims[sels.len()..].iter().copied());
        let int = run.is_int();
        let slot = self.temp(result_dims.clone(), int, self.activity(e));
        let total_dims = run.dims.len();
        let mut loop_vars = Vec::new();
        for _ in 0..result_dims.len() {
            loop_vars.push(self.int_temp());
        }
        let lv = |i: usize| IExpr::Load(Box::new(Place::at(loop_vars[i], 0)));
        let mut src_idx = Vec::new();
        let mut r = 0;
        for s in &sels {
            match s {
                Sel::One(i) => src_idx.push(i.clone()),
                Sel::Range(start, _) => {
                    src_idx.push(add(start.clone(), lv(r)));
                    r += 1;
                }
                Sel::Multi(idx_run, dim) => {
                    let msg = self.msg(
                        e.span,
                        format!("index {{value}} out of range for `{name}`, which has size {dim}"),
                    );
                    let checked = IExpr::Checked {
                        index: Box::new(idx_run.int(lv(r))),
                        len: Box::new(IExpr::Const(*dim as i64)),
                        msg,
                    };
                    src_idx.push(IExpr::Bin(
                        IBinOp::Sub,
                        Box::new(checked),
                        Box::new(IExpr::Const(1)),
                    ));
                    r += 1;
                }
            }
        }
        for d in sels.len()..total_dims {
            src_idx.push(lv(r));
            r += 1;
            let _ = d;
        }
        let src = Place {
            slot: run.slot,
            index: add(
                run.offset.clone(),
                Self::flat_index(run.ty, &run.dims, &src_idx),
            ),
        };
        let dst_idx: Vec<IExpr> = (0..result_dims.len()).map(lv).collect();
        let dst_ty = if result_dims.len() >= 2 && result_ty.base == BaseType::Matrix {
            result_ty
        } else {
            UnsizedType {
                base: BaseType::Real,
                ..result_ty
            }
        };
        let dst = Place {
            slot,
            index: Self::flat_index(dst_ty, &result_dims, &dst_idx),
        };
        let mut body = vec![if int {
            Stmt::SetI(dst, IExpr::Load(Box::new(src)))
        } else {
            Stmt::SetR(dst, RExpr::Load(Box::new(src)))
        }];
        for (i, n) in result_dims.iter().enumerate().rev() {
            if *n == 0 {
                body = vec![];
                break;
            }
            body = vec![Stmt::For {
                var: loop_vars[i],
                lo: IExpr::Const(0),
                hi: IExpr::Const(*n as i64 - 1),
                body,
            }];
        }
        out.extend(body);
        Ok(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty: result_ty,
            dims: result_dims,
        }))
    }
}

/// A short name for an expression in messages.
pub(crate) fn expr_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Var(n) => n.clone(),
        ExprKind::Indexed { base, .. } => expr_name(base),
        _ => "this value".to_string(),
    }
}

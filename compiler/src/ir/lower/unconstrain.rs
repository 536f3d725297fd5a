//! The inverse transforms: constrained parameter values (from an inits file) to the unconstrained vector, checking each constraint.
//!
//! The generated function `unconstrain` reads the constrained values from the
//! `Out` region (laid out as the first columns of `generate`'s output: the
//! parameters in declaration order) and writes the unconstrained vector to the
//! `Grad` region. A value outside its constraint rejects with a message.

use super::expr::{call1, rbin, Val};
use super::{LowerError, Lowering};
use crate::check::VarId;
use crate::ir::*;
use crate::syntax::ast::{Bounds, DeclType, Ident, TypeKind};

/// One parameter: its type, name, variable and offset in the unconstrained vector.
pub(crate) type ParamInfo = (DeclType, Ident, VarId, usize, usize);

impl<'a> Lowering<'a> {
    pub(crate) fn lower_unconstrain(&mut self, params: &[ParamInfo]) -> Result<(), LowerError> {
        let mut body = Vec::new();
        let mut in_offset = 0usize;
        let grad = self.module.layout.add_at(
            "_unconstrained_out",
            Region::Grad,
            0,
            vec![self.n_unconstrained],
        );
        self.block = crate::syntax::ast::BlockKind::Parameters;
        for (ty, name, var, offset, _) in params {
            let storage = self.vars[var].clone();
            let total: usize = storage.dims.iter().product();
            let input = self.module.layout.add_at(
                format!("_init_{}", name.name),
                Region::Out,
                in_offset,
                storage.dims.clone(),
            );
            in_offset += total;
            let x = move |k: usize| RExpr::Load(Box::new(Place::at(input, k)));
            // The parameter's own slot holds its constrained value, so later bounds can use it.
            for k in 0..total {
                body.push(Stmt::SetR(Place::at(storage.slot, k), x(k)));
            }
            let u_place = |k: usize| Place::at(grad, offset + k);
            match ty.kind {
                TypeKind::Ordered | TypeKind::PositiveOrdered => {
                    let k_len = *storage.dims.last().unwrap_or(&0);
                    let positive = ty.kind == TypeKind::PositiveOrdered;
                    for g in 0..total.checked_div(k_len).unwrap_or(0) {
                        for i in 0..k_len {
                            let k = g * k_len + i;
                            let (free, below) = if i == 0 {
                                if positive {
                                    (call1(ScalarFn::Log, x(k)), Some(RExpr::Const(0.0)))
                                } else {
                                    (x(k), None)
                                }
                            } else {
                                (call1(ScalarFn::Log, rbin(RBinOp::Sub, x(k), x(k - 1))), Some(x(k - 1)))
                            };
                            if let Some(below) = below {
                                self.reject_unless(&mut body, CmpOp::Gt, x(k), below, name, k, "must be above the element before it (or 0)");
                            }
                            body.push(Stmt::SetR(u_place(k), free));
                        }
                    }
                }
                TypeKind::Int | TypeKind::Real | TypeKind::Vector | TypeKind::RowVector | TypeKind::Matrix => {
                    let (lower, upper, affine) = match &ty.bounds {
                        Bounds::None => (None, None, false),
                        Bounds::LowerUpper { lower, upper } => (lower.as_ref(), upper.as_ref(), false),
                        Bounds::OffsetMultiplier { offset, multiplier } => (offset.as_ref(), multiplier.as_ref(), true),
                    };
                    let lo = lower.map(|e| self.lower_expr(e, &mut body)).transpose()?;
                    let hi = upper.map(|e| self.lower_expr(e, &mut body)).transpose()?;
                    let elem = |b: &Val, k: usize| match b {
                        Val::Run(r) => r.real(IExpr::Const((k % r.len().max(1)) as i64)),
                        other => other.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                    };
                    for k in 0..total {
                        let free = if affine {
                            let off = lo.as_ref().map(|b| elem(b, k)).unwrap_or(RExpr::Const(0.0));
                            let mult = hi.as_ref().map(|b| elem(b, k)).unwrap_or(RExpr::Const(1.0));
                            rbin(RBinOp::Div, rbin(RBinOp::Sub, x(k), off), mult)
                        } else {
                            match (&lo, &hi) {
                                (None, None) => x(k),
                                (Some(l), None) => {
                                    self.reject_unless(&mut body, CmpOp::Ge, x(k), elem(l, k), name, k, "is below its lower bound");
                                    call1(ScalarFn::Log, rbin(RBinOp::Sub, x(k), elem(l, k)))
                                }
                                (None, Some(h)) => {
                                    self.reject_unless(&mut body, CmpOp::Le, x(k), elem(h, k), name, k, "is above its upper bound");
                                    call1(ScalarFn::Log, rbin(RBinOp::Sub, elem(h, k), x(k)))
                                }
                                (Some(l), Some(h)) => {
                                    self.reject_unless(&mut body, CmpOp::Ge, x(k), elem(l, k), name, k, "is below its lower bound");
                                    self.reject_unless(&mut body, CmpOp::Le, x(k), elem(h, k), name, k, "is above its upper bound");
                                    let scaled = rbin(RBinOp::Div, rbin(RBinOp::Sub, x(k), elem(l, k)), rbin(RBinOp::Sub, elem(h, k), elem(l, k)));
                                    call1(ScalarFn::Logit, scaled)
                                }
                            }
                        };
                        body.push(Stmt::SetR(u_place(k), free));
                    }
                }
                other if super::transforms::structured_kind(other, &storage.dims).is_some() => {
                    let kind = super::transforms::structured_kind(other, &storage.dims)
                        .expect("checked in the guard");
                    let clen = stdlib::transforms::constrained_len(kind);
                    let ulen = stdlib::transforms::unconstrained_len(kind);
                    let (tk, m, n) = super::transforms::kernel_kind(kind);
                    let msg = self.msg(
                        name.span,
                        format!("the initial value of `{}`: {{detail}}", name.name),
                    );
                    for e in 0..total.checked_div(clen).unwrap_or(0) {
                        body.push(Stmt::Kernel(KernelCall {
                            kernel: "cmod_k_unconstrain",
                            args: vec![
                                KArg::Int(IExpr::Const(tk as i64)),
                                KArg::Int(IExpr::Const(m as i64)),
                                KArg::Int(IExpr::Const(n as i64)),
                                KArg::Reals {
                                    slot: grad,
                                    offset: IExpr::Const((offset + e * ulen) as i64),
                                    len: ulen,
                                    adjoint: false,
                                },
                                KArg::Reals {
                                    slot: input,
                                    offset: IExpr::Const((e * clen) as i64),
                                    len: clen,
                                    adjoint: false,
                                },
                            ],
                            msg,
                            outputs: vec![],
                            reverse: None,
                        }));
                    }
                }
                other => {
                    return Err(LowerError::unsupported(
                        name.span,
                        format!("initial values by name for parameters of type `{}` (give the unconstrained point instead)", other.keyword()),
                    ))
                }
            }
        }
        self.module.functions.push(Function {
            name: "unconstrain".into(),
            body,
        });
        Ok(())
    }

    /// Rejects, naming the element, unless `value op limit`.
    #[allow(clippy::too_many_arguments)]
    fn reject_unless(
        &mut self,
        body: &mut Vec<Stmt>,
        op: CmpOp,
        value: RExpr,
        limit: RExpr,
        name: &Ident,
        k: usize,
        what: &str,
    ) {
        let ok = IExpr::CmpR(op, Box::new(value.clone()), Box::new(limit.clone()));
        let msg = self.msg(name.span, format!("see the declaration of `{}`", name.name));
        let parts = vec![
            PrintPart::Text(format!(
                "the initial value of `{}` (element {}) is ",
                name.name,
                k + 1
            )),
            PrintPart::Real(value),
            PrintPart::Text(format!(", which {what} (")),
            PrintPart::Real(limit),
            PrintPart::Text(")".into()),
        ];
        body.push(Stmt::If {
            cond: IExpr::Not(Box::new(ok)),
            then: vec![Stmt::Reject { msg, parts }],
            otherwise: vec![],
        });
    }
}

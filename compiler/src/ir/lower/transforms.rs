//! Constraint transforms: unconstrained parameters to constrained values, with the log-Jacobian, exactly as Stan defines them.

use super::expr::{add, call1, rbin, Val};
use super::{LowerError, Lowering};
use crate::check::VarId;
use crate::codegen::array_kernels::TransformKind;
use crate::ir::*;
use crate::syntax::ast::{Bounds, DeclType, Ident, Span, TypeKind};
use stdlib::transforms::ConstraintKind;

/// The stdlib transform of one element of a structured constrained type,
/// from its last one or two dims (`None` for elementwise types).
pub(crate) fn structured_kind(kind: TypeKind, dims: &[usize]) -> Option<ConstraintKind> {
    let last = *dims.last().unwrap_or(&0);
    let rows = if dims.len() >= 2 {
        dims[dims.len() - 2]
    } else {
        0
    };
    Some(match kind {
        TypeKind::Simplex => ConstraintKind::Simplex { k: last },
        TypeKind::UnitVector => ConstraintKind::UnitVector { k: last },
        TypeKind::SumToZeroVector => ConstraintKind::SumToZero { k: last },
        TypeKind::CholeskyFactorCorr => ConstraintKind::CholeskyFactorCorr { k: last },
        TypeKind::CholeskyFactorCov => ConstraintKind::CholeskyFactorCov { m: rows, n: last },
        TypeKind::CorrMatrix => ConstraintKind::CorrMatrix { k: last },
        TypeKind::CovMatrix => ConstraintKind::CovMatrix { k: last },
        TypeKind::ColumnStochasticMatrix => ConstraintKind::ColumnStochastic { m: rows, n: last },
        TypeKind::RowStochasticMatrix => ConstraintKind::RowStochastic { m: rows, n: last },
        _ => return None,
    })
}

/// The kernel's transform kind and its two size arguments.
pub(crate) fn kernel_kind(kind: ConstraintKind) -> (TransformKind, usize, usize) {
    use ConstraintKind as C;
    match kind {
        C::Simplex { k } => (TransformKind::Simplex, k, 0),
        C::UnitVector { k } => (TransformKind::UnitVector, k, 0),
        C::SumToZero { k } => (TransformKind::SumToZero, k, 0),
        C::CholeskyFactorCorr { k } => (TransformKind::CholeskyFactorCorr, k, k),
        C::CholeskyFactorCov { m, n } => (TransformKind::CholeskyFactorCov, m, n),
        C::CorrMatrix { k } => (TransformKind::CorrMatrix, k, k),
        C::CovMatrix { k } => (TransformKind::CovMatrix, k, k),
        C::ColumnStochastic { m, n } => (TransformKind::ColumnStochastic, m, n),
        C::RowStochastic { m, n } => (TransformKind::RowStochastic, m, n),
        C::Identity { n } | C::Elementwise { n } | C::Ordered { n } | C::PositiveOrdered { n } => {
            (TransformKind::Simplex, n, 0)
        }
    }
}

/// How many unconstrained values a parameter of this type takes.
pub(crate) fn unconstrained_len(
    ty: &DeclType,
    dims: &[usize],
    span: Span,
) -> Result<usize, LowerError> {
    let total: usize = dims.iter().product();
    match ty.kind {
        TypeKind::Real
        | TypeKind::Vector
        | TypeKind::RowVector
        | TypeKind::Matrix
        | TypeKind::Ordered
        | TypeKind::PositiveOrdered => Ok(total),
        TypeKind::Int => Err(LowerError::internal(span, "int parameter")),
        other => {
            let kind = structured_kind(other, dims)
                .ok_or_else(|| LowerError::internal(span, "an unknown constrained type"))?;
            let per = stdlib::transforms::constrained_len(kind);
            let count = total.checked_div(per).unwrap_or(0);
            Ok(count * stdlib::transforms::unconstrained_len(kind))
        }
    }
}

impl<'a> Lowering<'a> {
    /// Reads the parameter's unconstrained values from `theta[offset..]`,
    /// writes the constrained values to its slot, and (when `with_jacobian`
    /// and the `_jacobian` flag is set) adds the log-Jacobian to the target.
    pub(crate) fn constrain(
        &mut self,
        ty: &DeclType,
        name: &Ident,
        var: VarId,
        offset: usize,
        with_jacobian: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        let storage = self.vars[&var].clone();
        let theta = self
            .theta_slot
            .ok_or_else(|| LowerError::internal(name.span, "no theta"))?;
        let total: usize = storage.dims.iter().product();
        let u = move |k: &IExpr| {
            RExpr::Load(Box::new(Place {
                slot: theta,
                index: add(IExpr::Const(offset as i64), k.clone()),
            }))
        };
        let x_place = move |k: &IExpr| Place {
            slot: storage.slot,
            index: k.clone(),
        };
        let mut jac = Vec::new();
        if let Some(kind) = structured_kind(ty.kind, &storage.dims) {
            let clen = stdlib::transforms::constrained_len(kind);
            let ulen = stdlib::transforms::unconstrained_len(kind);
            let count = total.checked_div(clen).unwrap_or(0);
            let (tk, m, n) = kernel_kind(kind);
            let msg = self.msg(
                name.span,
                format!("constraining `{}`: {{detail}}", name.name),
            );
            for e in 0..count {
                let lj = self.temp(vec![], false, true);
                let adj_y = self.module.layout.adjoint(storage.slot);
                let adj_lj = self.module.layout.adjoint(lj);
                let _ = (adj_y, adj_lj);
                let reals = |slot: SlotId, offset: usize, len: usize, adjoint: bool| KArg::Reals {
                    slot,
                    offset: IExpr::Const(offset as i64),
                    len,
                    adjoint,
                };
                let args = |mode: i64, adjoints: bool| {
                    let adj = |slot, offset, len| {
                        if adjoints {
                            reals(slot, offset, len, true)
                        } else {
                            KArg::Null
                        }
                    };
                    vec![
                        KArg::Int(IExpr::Const(mode)),
                        KArg::Int(IExpr::Const(tk as i64)),
                        KArg::Int(IExpr::Const(m as i64)),
                        KArg::Int(IExpr::Const(n as i64)),
                        reals(storage.slot, e * clen, clen, false),
                        adj(storage.slot, e * clen, clen),
                        reals(lj, 0, 1, false),
                        adj(lj, 0, 1),
                        reals(theta, offset + e * ulen, ulen, false),
                        adj(theta, offset + e * ulen, ulen),
                    ]
                };
                out.push(Stmt::Kernel(KernelCall {
                    kernel: "cmod_k_transform",
                    args: args(0, false),
                    msg,
                    outputs: vec![(storage.slot, e * clen, clen), (lj, 0, 1)],
                    reverse: Some(Box::new(KernelCall {
                        kernel: "cmod_k_transform",
                        args: args(1, true),
                        msg,
                        outputs: vec![],
                        reverse: None,
                    })),
                }));
                jac.push(Stmt::AddTarget(RExpr::Load(Box::new(Place::at(lj, 0)))));
            }
        } else {
            match ty.kind {
                TypeKind::Ordered | TypeKind::PositiveOrdered => {
                    let positive = ty.kind == TypeKind::PositiveOrdered;
                    let k_len = *storage.dims.last().unwrap_or(&0);
                    let groups = if k_len == 0 { 0 } else { total / k_len };
                    for g in 0..groups {
                        for i in 0..k_len {
                            let k = IExpr::Const((g * k_len + i) as i64);
                            let value = if i == 0 {
                                if positive {
                                    call1(ScalarFn::Exp, u(&k))
                                } else {
                                    u(&k)
                                }
                            } else {
                                let prev = RExpr::Load(Box::new(x_place(&IExpr::Const(
                                    (g * k_len + i - 1) as i64,
                                ))));
                                rbin(RBinOp::Add, prev, call1(ScalarFn::Exp, u(&k)))
                            };
                            out.push(Stmt::SetR(x_place(&k), value));
                            if i > 0 || positive {
                                jac.push(Stmt::AddTarget(u(&k)));
                            }
                        }
                    }
                }
                _ => {
                    let (lower, upper, affine) = match &ty.bounds {
                        Bounds::None => (None, None, false),
                        Bounds::LowerUpper { lower, upper } => {
                            (lower.as_ref(), upper.as_ref(), false)
                        }
                        Bounds::OffsetMultiplier { offset, multiplier } => {
                            (offset.as_ref(), multiplier.as_ref(), true)
                        }
                    };
                    let lo = match lower {
                        Some(e) => Some(self.lower_expr(e, out)?),
                        None => None,
                    };
                    let hi = match upper {
                        Some(e) => Some(self.lower_expr(e, out)?),
                        None => None,
                    };
                    // The transform and the Jacobian loop count with slots of
                    // their own: a counter shared by two loops would make the
                    // constrained values look written twice to the gradient,
                    // which then saves and restores them on every evaluation.
                    let k_slot = self.int_temp();
                    let jk_slot = self.int_temp();
                    let k = IExpr::Load(Box::new(Place::at(k_slot, 0)));
                    let jk = IExpr::Load(Box::new(Place::at(jk_slot, 0)));
                    let element = |k: &IExpr| -> (RExpr, Vec<Stmt>) {
                        let x = u(k);
                        let mut jac_body = Vec::new();
                        let value = if affine {
                            let off = lo
                                .as_ref()
                                .map(|b| bound_element(b, k))
                                .unwrap_or(RExpr::Const(0.0));
                            let mult = hi
                                .as_ref()
                                .map(|b| bound_element(b, k))
                                .unwrap_or(RExpr::Const(1.0));
                            if hi.is_some() {
                                jac_body.push(Stmt::AddTarget(call1(ScalarFn::Log, mult.clone())));
                            }
                            rbin(RBinOp::Add, off, rbin(RBinOp::Mul, mult, x.clone()))
                        } else {
                            match (&lo, &hi) {
                                (None, None) => x.clone(),
                                (Some(l), None) => {
                                    jac_body.push(Stmt::AddTarget(x.clone()));
                                    rbin(
                                        RBinOp::Add,
                                        call1(ScalarFn::Exp, x.clone()),
                                        bound_element(l, k),
                                    )
                                }
                                (None, Some(h)) => {
                                    jac_body.push(Stmt::AddTarget(x.clone()));
                                    rbin(
                                        RBinOp::Sub,
                                        bound_element(h, k),
                                        call1(ScalarFn::Exp, x.clone()),
                                    )
                                }
                                (Some(l), Some(h)) => {
                                    let diff =
                                        rbin(RBinOp::Sub, bound_element(h, k), bound_element(l, k));
                                    let neg_abs =
                                        RExpr::Neg(Box::new(call1(ScalarFn::Abs, x.clone())));
                                    let log_jac = rbin(
                                        RBinOp::Add,
                                        call1(ScalarFn::Log, diff.clone()),
                                        rbin(
                                            RBinOp::Sub,
                                            neg_abs.clone(),
                                            rbin(
                                                RBinOp::Mul,
                                                RExpr::Const(2.0),
                                                call1(ScalarFn::Log1pExp, neg_abs),
                                            ),
                                        ),
                                    );
                                    jac_body.push(Stmt::AddTarget(log_jac));
                                    rbin(
                                        RBinOp::Add,
                                        rbin(
                                            RBinOp::Mul,
                                            diff,
                                            call1(ScalarFn::InvLogit, x.clone()),
                                        ),
                                        bound_element(l, k),
                                    )
                                }
                            }
                        };
                        (value, jac_body)
                    };
                    let (value, _) = element(&k);
                    let (_, jac_body) = element(&jk);
                    let mut body = Vec::new();
                    body.push(Stmt::SetR(x_place(&k), value));
                    if total > 0 {
                        out.push(Stmt::For {
                            var: k_slot,
                            lo: IExpr::Const(0),
                            hi: IExpr::Const(total as i64 - 1),
                            body,
                        });
                        if !jac_body.is_empty() {
                            jac.push(Stmt::For {
                                var: jk_slot,
                                lo: IExpr::Const(0),
                                hi: IExpr::Const(total as i64 - 1),
                                body: jac_body,
                            });
                        }
                    }
                }
            }
        }
        if with_jacobian && !jac.is_empty() {
            let flag = IExpr::Load(Box::new(Place::at(
                self.jacobian_slot.expect("jacobian slot"),
                0,
            )));
            out.push(Stmt::If {
                cond: flag,
                then: jac,
                otherwise: vec![],
            });
        }
        Ok(())
    }
}

/// Element `k` of a bound: a container bound is elementwise (repeating for
/// each vector of an array of vectors), a scalar one applies to every element.
pub(crate) fn bound_element(bound: &Val, k: &IExpr) -> RExpr {
    match bound {
        Val::Run(run) => {
            let len = run.len().max(1) as i64;
            run.real(IExpr::Bin(
                IBinOp::Mod,
                Box::new(k.clone()),
                Box::new(IExpr::Const(len)),
            ))
        }
        other => other.as_real().unwrap_or(RExpr::Const(f64::NAN)),
    }
}

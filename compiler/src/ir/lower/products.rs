//! Lowering matrix products: short inner dimensions as unrolled sums written once, long ones as calls of stdlib's product kernel with its adjoint.

use super::expr::{add, mul, rbin, Run, Val};
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::Expr;
use stdlib::{BaseType, UnsizedType};

impl<'a> Lowering<'a> {
    /// Products of vectors and matrices: unrolled sums for an inner dimension
    /// up to 8, stdlib's product kernel beyond.
    pub(crate) fn matrix_product(
        &mut self,
        e: &Expr,
        a: Val,
        b: Val,
        (lt, rt): (UnsizedType, UnsizedType),
        (a_active, b_active): (bool, bool),
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let (Val::Run(a), Val::Run(b)) = (a, b) else {
            return Err(LowerError::internal(e.span, "matrix product of scalars"));
        };
        // View both as matrices: (rows, inner) and (inner, cols), column-major.
        let shape = |t: UnsizedType, r: &Run, left: bool| -> (usize, usize) {
            match t.base {
                BaseType::Vector => (r.dims[0], 1),
                BaseType::RowVector => (1, r.dims[0]),
                _ => {
                    let _ = left;
                    (r.dims[0], r.dims[1])
                }
            }
        };
        let (m, k1) = shape(lt, &a, true);
        let (k2, n) = shape(rt, &b, false);
        if k1 != k2 {
            return Err(LowerError::new(e.span, format!("cannot multiply: the left side has {k1} columns but the right side has {k2} rows")));
        }
        let result_ty = self.ty(e)?;
        let active = self.activity(e);
        let dims = match result_ty.base {
            BaseType::Real => vec![],
            BaseType::Vector => vec![m],
            BaseType::RowVector => vec![n],
            _ => vec![m, n],
        };
        // A long inner dimension: stdlib's product kernel, whose loops read
        // four columns per pass, and whose adjoint is two products (the
        // loops below would write each element k1 times, and the gradient
        // would keep a tape entry for every one of those writes).
        if k1 > 8 && !dims.is_empty() {
            use crate::codegen::stdlib_kernels::{matrix_fn_id, MatrixFn};
            return self.function_kernel(
                "cmod_k_matrix",
                "multiply",
                e.span,
                &[matrix_fn_id(MatrixFn::Multiply), m, n, k1],
                vec![(Val::Run(a), a_active), (Val::Run(b), b_active)],
                result_ty,
                dims,
                out,
            );
        }
        let slot = self.temp(dims.clone(), false, active);
        // out[i + j*m] = sum_k a[i + k*m] * b[k + j*k2]
        let i_slot = self.int_temp();
        let j_slot = self.int_temp();
        let k_slot = self.int_temp();
        let load = |s: SlotId| IExpr::Load(Box::new(Place::at(s, 0)));
        let dst = Place {
            slot,
            index: add(load(i_slot), mul(load(j_slot), m as i64)),
        };
        let a_elem = a.real(add(load(i_slot), mul(load(k_slot), m as i64)));
        let b_elem = b.real(add(load(k_slot), mul(load(j_slot), k2 as i64)));
        // A short inner dimension: each element is one sum, written once (so
        // the gradient keeps no tape entry per term).
        let unrolled = (k1 <= 8).then(|| {
            (0..k1)
                .map(|k| {
                    let k = IExpr::Const(k as i64);
                    rbin(
                        RBinOp::Mul,
                        a.real(add(load(i_slot), mul(k.clone(), m as i64))),
                        b.real(add(k, mul(load(j_slot), k2 as i64))),
                    )
                })
                .reduce(|x, y| rbin(RBinOp::Add, x, y))
                .unwrap_or(RExpr::Const(0.0))
        });
        let inner = vec![Stmt::SetR(
            dst.clone(),
            rbin(
                RBinOp::Add,
                RExpr::Load(Box::new(dst.clone())),
                rbin(RBinOp::Mul, a_elem, b_elem),
            ),
        )];
        let body_j = match unrolled {
            Some(sum) => vec![Stmt::SetR(dst, sum)],
            None => vec![
                Stmt::SetR(dst, RExpr::Const(0.0)),
                Stmt::For {
                    var: k_slot,
                    lo: IExpr::Const(0),
                    hi: IExpr::Const(k1 as i64 - 1),
                    body: inner,
                },
            ],
        };
        if m > 0 && n > 0 {
            let body_i = vec![Stmt::For {
                var: j_slot,
                lo: IExpr::Const(0),
                hi: IExpr::Const(n as i64 - 1),
                body: body_j,
            }];
            out.push(Stmt::For {
                var: i_slot,
                lo: IExpr::Const(0),
                hi: IExpr::Const(m as i64 - 1),
                body: body_i,
            });
        }
        let run = Run {
            slot,
            offset: IExpr::Const(0),
            ty: result_ty,
            dims: dims.clone(),
        };
        Ok(if dims.is_empty() {
            Val::Real(run.real(IExpr::Const(0)))
        } else {
            Val::Run(run)
        })
    }
}

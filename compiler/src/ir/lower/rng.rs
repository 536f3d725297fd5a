//! Lowering `_rng` calls: a kernel call drawing into a fresh slot (one draw per element of the broadcast arguments).

use super::expr::{Run, Val};
use super::{LowerError, Lowering};
use crate::codegen::rng_kernels::rng_kernel;
use crate::ir::*;
use crate::syntax::ast::Expr;
use stdlib::{BaseType, UnsizedType};

impl<'a> Lowering<'a> {
    pub(crate) fn rng_call(
        &mut self,
        e: &Expr,
        name: &str,
        args: &[Expr],
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        if rng_kernel(name).is_none() {
            if let Some(v) = self.stdlib_rng_call(e, name, args, out)? {
                return Ok(v);
            }
        }
        let (kernel, kinds, int_result) = rng_kernel(name)
            .filter(|(_, kinds, _)| kinds.len() == args.len())
            .ok_or_else(|| {
                LowerError::unsupported(e.span, format!("`{name}` with these arguments"))
            })?;
        let mut kargs = vec![KArg::Null];
        let mut len = 1;
        let mut vectorized = false;
        for (a, kind) in args.iter().zip(kinds.bytes()) {
            let v = self.lower_expr(a, out)?;
            vectorized |= matches!(v, Val::Run(_));
            let run = self.materialize(v, false, out);
            let n = run.len().max(1);
            len = len.max(n);
            if kind == b'i' {
                kargs.push(KArg::Ints {
                    slot: run.slot,
                    offset: run.offset.clone(),
                    len: n,
                });
            } else if run.is_int() {
                let slot = self.temp(vec![n], false, false);
                let dst = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: UnsizedType::REAL,
                    dims: vec![n],
                };
                self.store_into(
                    &dst,
                    Val::Run(Run {
                        dims: vec![n],
                        ..run
                    }),
                    out,
                )?;
                kargs.push(KArg::Reals {
                    slot,
                    offset: IExpr::Const(0),
                    len: n,
                    adjoint: false,
                });
            } else {
                kargs.push(KArg::Reals {
                    slot: run.slot,
                    offset: run.offset.clone(),
                    len: n,
                    adjoint: false,
                });
            }
        }
        let dims = if vectorized { vec![len] } else { vec![] };
        let slot = self.temp(dims.clone(), int_result, false);
        kargs[0] = if int_result {
            KArg::Ints {
                slot,
                offset: IExpr::Const(0),
                len,
            }
        } else {
            KArg::Reals {
                slot,
                offset: IExpr::Const(0),
                len,
                adjoint: false,
            }
        };
        let msg = self.msg(e.span, format!("{name}: {{detail}}"));
        out.push(Stmt::Kernel(KernelCall {
            kernel,
            args: kargs,
            msg,
            outputs: vec![],
            reverse: None,
        }));
        let base = if int_result {
            BaseType::Int
        } else {
            BaseType::Real
        };
        let ty = UnsizedType {
            base,
            array_dims: u8::from(vectorized),
        };
        let run = Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        };
        Ok(if vectorized {
            Val::Run(run)
        } else if int_result {
            Val::Int(run.int(IExpr::Const(0)))
        } else {
            Val::Real(run.real(IExpr::Const(0)))
        })
    }
}

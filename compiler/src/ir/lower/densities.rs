//! Lowering density and mass functions (`~`, `_lpdf`, `_lpmf`) to kernel calls with their reverse calls.

use super::expr::{Run, Val};
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{Expr, Span};
use stdlib::UnsizedType;

/// Which arguments of a density are ints, by family (the rest are reals).
fn int_arguments(family: &str) -> &'static [usize] {
    match family {
        "bernoulli" | "bernoulli_logit" | "poisson" | "poisson_log" | "neg_binomial"
        | "neg_binomial_2" | "neg_binomial_2_log" | "categorical" | "categorical_logit"
        | "multinomial" | "multinomial_logit" => &[0],
        "binomial" | "binomial_logit" | "beta_binomial" => &[0, 1],
        other => crate::codegen::stdlib_kernels::int_arguments(other),
    }
}

impl<'a> Lowering<'a> {
    /// A density or mass function: inline arithmetic for scalar arguments of
    /// common families (`scalar_densities.rs`), else a kernel call; returns its value.
    pub(crate) fn density_call(
        &mut self,
        name: &str,
        args: &[&Expr],
        propto: bool,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<RExpr, LowerError> {
        let base = name.replace("_lupdf", "_lpdf").replace("_lupmf", "_lpmf");
        if let Some(value) = self.scalar_density(&base, args, propto, span, out)? {
            return Ok(value);
        }
        self.density_kernel_call(name, args, propto, span, out)
    }

    /// A density or mass function as a kernel call; returns its value.
    pub(crate) fn density_kernel_call(
        &mut self,
        name: &str,
        args: &[&Expr],
        propto: bool,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<RExpr, LowerError> {
        let base = name.replace("_lupdf", "_lpdf").replace("_lupmf", "_lpmf");
        let base = self.density_variant(&base, args);
        let kernel = crate::codegen::kernels::density_kernel(&base)
            .or_else(|| crate::codegen::kernels::cumulative_kernel(&base))
            .or_else(|| crate::codegen::stdlib_kernels::density_kernel(&base))
            .ok_or_else(|| LowerError::unsupported(span, format!("the density `{base}`")))?;
        let family = stdlib::distribution_info::family_of(&base)
            .unwrap_or(&base)
            .to_string();
        let ints = int_arguments(&family);
        let any_active = args.iter().any(|a| self.activity(a));
        let result = self.temp(vec![], false, any_active);
        let msg = self.msg(span, format!("{base}: {{detail}}"));
        let mut fwd = vec![
            KArg::Reals {
                slot: result,
                offset: IExpr::Const(0),
                len: 1,
                adjoint: false,
            },
            KArg::Int(IExpr::Const(0)),
            KArg::Int(IExpr::Const(propto as i64)),
            KArg::Real(RExpr::Const(0.0)),
        ];
        let mut rev_args = fwd.clone();
        let adj_result = self.module.layout.adjoint(result);
        rev_args[1] = KArg::Int(IExpr::Const(1));
        rev_args[3] = KArg::Real(RExpr::Load(Box::new(Place::at(adj_result, 0))));
        // Lengths of run-time segments among the arguments: the call is
        // skipped (the density of nothing is 0) when one is empty.
        let mut segment_lengths = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let active = self.activity(a);
            if let Some(segment) = self.runtime_segment(a, out)? {
                let is_int_argument = ints.contains(&i);
                if segment.is_int() != is_int_argument {
                    return Err(LowerError::unsupported(
                        a.span,
                        "a segment of ints where reals are expected, when its length is known only while the model runs (convert it with to_vector first)",
                    ));
                }
                segment_lengths.push(segment.len.clone());
                if is_int_argument {
                    let karg = KArg::IntSegment {
                        slot: segment.slot,
                        offset: segment.offset,
                        len: segment.len,
                    };
                    fwd.push(karg.clone());
                    rev_args.push(karg);
                    continue;
                }
                let vals = KArg::RealSegment {
                    slot: segment.slot,
                    offset: segment.offset.clone(),
                    len: segment.len.clone(),
                    adjoint: false,
                };
                let adj = if active && self.slot_is_active(segment.slot) {
                    KArg::RealSegment {
                        slot: segment.slot,
                        offset: segment.offset,
                        len: segment.len,
                        adjoint: true,
                    }
                } else {
                    KArg::Null
                };
                fwd.extend([vals.clone(), adj.clone()]);
                rev_args.extend([vals, adj]);
                continue;
            }
            let v = self.lower_expr(a, out)?;
            let run = self.materialize(v, active, out);
            let len = run.len().max(1);
            if ints.contains(&i) {
                let karg = KArg::Ints {
                    slot: run.slot,
                    offset: run.offset.clone(),
                    len,
                };
                fwd.push(karg.clone());
                rev_args.push(karg);
                continue;
            }
            if run.is_int() {
                // Promote int data to reals for a real argument.
                let slot = self.temp(vec![len], false, false);
                let dst = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: UnsizedType::REAL,
                    dims: vec![len],
                };
                self.store_into(
                    &dst,
                    Val::Run(Run {
                        dims: vec![len],
                        ..run
                    }),
                    out,
                )?;
                let karg = KArg::Reals {
                    slot,
                    offset: IExpr::Const(0),
                    len,
                    adjoint: false,
                };
                fwd.push(karg.clone());
                fwd.push(KArg::Null);
                rev_args.push(karg);
                rev_args.push(KArg::Null);
                continue;
            }
            let vals = KArg::Reals {
                slot: run.slot,
                offset: run.offset.clone(),
                len,
                adjoint: false,
            };
            let adj = if active && self.slot_is_active(run.slot) {
                KArg::Reals {
                    slot: run.slot,
                    offset: run.offset.clone(),
                    len,
                    adjoint: true,
                }
            } else {
                KArg::Null
            };
            fwd.push(vals.clone());
            fwd.push(adj.clone());
            rev_args.push(vals);
            rev_args.push(adj);
        }
        let reverse = any_active.then(|| {
            Box::new(KernelCall {
                kernel,
                args: rev_args,
                msg,
                outputs: vec![],
                reverse: None,
            })
        });
        let call = Stmt::Kernel(KernelCall {
            kernel,
            args: fwd,
            msg,
            outputs: vec![(result, 0, 1)],
            reverse,
        });
        let nonempty =
            |len: IExpr| IExpr::CmpI(CmpOp::Gt, Box::new(len), Box::new(IExpr::Const(0)));
        match segment_lengths
            .into_iter()
            .map(nonempty)
            .reduce(|all, next| IExpr::Bin(IBinOp::And, Box::new(all), Box::new(next)))
        {
            None => out.push(call),
            Some(all_nonempty) => {
                out.push(Stmt::SetR(Place::at(result, 0), RExpr::Const(0.0)));
                out.push(Stmt::If {
                    cond: all_nonempty,
                    then: vec![call],
                    otherwise: vec![],
                });
            }
        }
        Ok(RExpr::Load(Box::new(Place::at(result, 0))))
    }

    /// Whether a slot holds values with adjoints (parameters and what
    /// depends on them).
    fn slot_is_active(&self, slot: SlotId) -> bool {
        self.active.get(slot.0 as usize).copied().unwrap_or(false)
            || self.module.layout.slot(slot).region == Region::Theta
    }
}

//! Lowering reductions over containers (sum, mean, sd, log_sum_exp, ...) to accumulation loops.

use super::expr::{call1, rbin, Run, Val};
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::Span;

/// Containers up to this length are reduced by one expression instead of a loop.
const UNROLL_LEN: usize = 8;

/// How many elements a reduction reads from its run: as many as the run
/// has, or a length known only while the model runs (a segment, see
/// `segments.rs`).
#[derive(Clone)]
pub(crate) enum Extent {
    Known(usize),
    Runtime(IExpr),
}

impl Extent {
    /// The length as a real expression.
    fn real_len(&self) -> RExpr {
        match self {
            Extent::Known(len) => RExpr::Const(*len as f64),
            Extent::Runtime(len) => RExpr::FromInt(Box::new(len.clone())),
        }
    }
}

impl<'a> Lowering<'a> {
    /// `f` for each index of a run of this extent (a loop).
    fn for_each_index_of(
        &mut self,
        extent: &Extent,
        out: &mut Vec<Stmt>,
        f: impl FnOnce(&mut Self, IExpr, &mut Vec<Stmt>) -> Result<(), LowerError>,
    ) -> Result<(), LowerError> {
        match extent {
            Extent::Known(len) => self.for_each_index(*len, out, f),
            Extent::Runtime(len) => {
                let k = self.int_temp();
                let mut body = Vec::new();
                f(self, IExpr::Load(Box::new(Place::at(k, 0))), &mut body)?;
                out.push(Stmt::For {
                    var: k,
                    lo: IExpr::Const(0),
                    hi: IExpr::Bin(
                        IBinOp::Sub,
                        Box::new(len.clone()),
                        Box::new(IExpr::Const(1)),
                    ),
                    body,
                });
                Ok(())
            }
        }
    }

    pub(crate) fn int_reduction(
        &mut self,
        n: &str,
        run: &Run,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        self.int_reduction_of(n, run, &Extent::Known(run.len()), out)
    }

    /// `int_reduction` over the first elements of `run`, as many as `extent` says.
    pub(crate) fn int_reduction_of(
        &mut self,
        n: &str,
        run: &Run,
        extent: &Extent,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let acc = self.int_temp();
        let accp = Place::at(acc, 0);
        let init = match n {
            "sum" => IExpr::Const(0),
            "max" => IExpr::Const(i64::MIN),
            _ => IExpr::Const(i64::MAX),
        };
        out.push(Stmt::SetI(accp.clone(), init));
        let run = run.clone();
        let name = n.to_string();
        self.for_each_index_of(extent, out, |_, k, body| {
            let cur = IExpr::Load(Box::new(accp.clone()));
            let x = run.int(k);
            let next = match name.as_str() {
                "sum" => IExpr::Bin(IBinOp::Add, Box::new(cur), Box::new(x)),
                "max" => IExpr::Select(
                    Box::new(IExpr::CmpI(
                        CmpOp::Gt,
                        Box::new(x.clone()),
                        Box::new(cur.clone()),
                    )),
                    Box::new(x),
                    Box::new(cur),
                ),
                _ => IExpr::Select(
                    Box::new(IExpr::CmpI(
                        CmpOp::Lt,
                        Box::new(x.clone()),
                        Box::new(cur.clone()),
                    )),
                    Box::new(x),
                    Box::new(cur),
                ),
            };
            body.push(Stmt::SetI(accp.clone(), next));
            Ok(())
        })?;
        Ok(Val::Int(IExpr::Load(Box::new(accp))))
    }

    /// Sum, mean, product, variance, sd, max, min and log_sum_exp of a container, as loops.
    pub(crate) fn real_reduction(
        &mut self,
        n: &str,
        run: &Run,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        self.real_reduction_of(n, run, &Extent::Known(run.len()), active, out)
    }

    /// `real_reduction` over the first elements of `run`, as many as `extent` says.
    pub(crate) fn real_reduction_of(
        &mut self,
        n: &str,
        run: &Run,
        extent: &Extent,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let known = match extent {
            Extent::Known(len) => Some(*len),
            Extent::Runtime(_) => None,
        };
        let acc = self.temp(vec![], false, active);
        let accp = Place::at(acc, 0);
        let load = |p: &Place| RExpr::Load(Box::new(p.clone()));
        let fold = |this: &mut Self,
                    init: RExpr,
                    step: &dyn Fn(RExpr, RExpr) -> RExpr,
                    out: &mut Vec<Stmt>|
         -> Result<(), LowerError> {
            if let Some(len @ 1..=UNROLL_LEN) = known {
                // A short container: one expression, so the gradient needs no
                // tape entry per element for the accumulator.
                let mut e = init;
                for k in 0..len {
                    e = step(e, run.real(IExpr::Const(k as i64)));
                }
                out.push(Stmt::SetR(accp.clone(), e));
                return Ok(());
            }
            out.push(Stmt::SetR(accp.clone(), init));
            let run = run.clone();
            this.for_each_index_of(extent, out, |_, k, body| {
                body.push(Stmt::SetR(accp.clone(), step(load(&accp), run.real(k))));
                Ok(())
            })
        };
        match n {
            "sum" | "mean" => {
                fold(
                    self,
                    RExpr::Const(0.0),
                    &|a, x| rbin(RBinOp::Add, a, x),
                    out,
                )?;
                let total = load(&accp);
                Ok(Val::Real(if n == "mean" {
                    rbin(RBinOp::Div, total, extent.real_len())
                } else {
                    total
                }))
            }
            "prod" => {
                fold(
                    self,
                    RExpr::Const(1.0),
                    &|a, x| rbin(RBinOp::Mul, a, x),
                    out,
                )?;
                Ok(Val::Real(load(&accp)))
            }
            "dot_self" => {
                fold(
                    self,
                    RExpr::Const(0.0),
                    &|a, x| rbin(RBinOp::Add, a, rbin(RBinOp::Mul, x.clone(), x)),
                    out,
                )?;
                Ok(Val::Real(load(&accp)))
            }
            "max" | "min" => {
                let (init, f) = if n == "max" {
                    (f64::NEG_INFINITY, ScalarFn::Fmax)
                } else {
                    (f64::INFINITY, ScalarFn::Fmin)
                };
                fold(
                    self,
                    RExpr::Const(init),
                    &|a, x| RExpr::Call(f, vec![a, x]),
                    out,
                )?;
                Ok(Val::Real(load(&accp)))
            }
            "log_sum_exp" => {
                // max first, then the sum of exp(x - max), which is exact in the gradient.
                // The shift's own derivative cancels exactly (d/dm of
                // m + log(sum exp(x - m)) is 0), so it is computed as a
                // constant: no adjoint, and the reverse sweep does not go
                // back through the max.
                let m = self
                    .real_reduction_of("max", run, extent, false, out)?
                    .as_real()
                    .unwrap_or(RExpr::Const(f64::NAN));
                let m_slot = self.temp(vec![], false, false);
                out.push(Stmt::SetR(Place::at(m_slot, 0), m));
                let m = RExpr::Load(Box::new(Place::at(m_slot, 0)));
                let mm = m.clone();
                fold(
                    self,
                    RExpr::Const(0.0),
                    &move |a, x| {
                        rbin(
                            RBinOp::Add,
                            a,
                            call1(ScalarFn::Exp, rbin(RBinOp::Sub, x, mm.clone())),
                        )
                    },
                    out,
                )?;
                let finite = IExpr::CmpR(
                    CmpOp::Eq,
                    Box::new(rbin(RBinOp::Sub, m.clone(), m.clone())),
                    Box::new(RExpr::Const(0.0)),
                );
                Ok(Val::Real(RExpr::Select(
                    Box::new(finite),
                    Box::new(rbin(
                        RBinOp::Add,
                        m.clone(),
                        call1(ScalarFn::Log, load(&accp)),
                    )),
                    Box::new(m),
                )))
            }
            "variance" | "sd" => {
                let mean = self
                    .real_reduction_of("mean", run, extent, active, out)?
                    .as_real()
                    .unwrap_or(RExpr::Const(f64::NAN));
                let mean_slot = self.temp(vec![], false, active);
                out.push(Stmt::SetR(Place::at(mean_slot, 0), mean));
                let mu = RExpr::Load(Box::new(Place::at(mean_slot, 0)));
                fold(
                    self,
                    RExpr::Const(0.0),
                    &move |a, x| {
                        let d = rbin(RBinOp::Sub, x, mu.clone());
                        rbin(RBinOp::Add, a, rbin(RBinOp::Mul, d.clone(), d))
                    },
                    out,
                )?;
                let denominator = match known {
                    Some(len) => RExpr::Const((len as f64 - 1.0).max(1.0)),
                    None => RExpr::Call(
                        ScalarFn::Fmax,
                        vec![
                            rbin(RBinOp::Sub, extent.real_len(), RExpr::Const(1.0)),
                            RExpr::Const(1.0),
                        ],
                    ),
                };
                let var = rbin(RBinOp::Div, load(&accp), denominator);
                Ok(Val::Real(if n == "sd" {
                    call1(ScalarFn::Sqrt, var)
                } else {
                    var
                }))
            }
            _ => Err(LowerError::internal(
                Span::default(),
                format!("unknown reduction {n}"),
            )),
        }
    }
}

//! Densities of scalar arguments as inline arithmetic that reverse mode differentiates statement by statement.
//!
//! `y[t] ~ normal(mu, sigma)` with scalar arguments is a few flops; as a
//! kernel call it paid for argument lists, scratch buffers, length checks
//! and (in the gradient) a second evaluation for the partials. Here the
//! common families become IR: the standardized value in a temporary, then
//! the log density in another, so later uses read it once.
//!
//! Constants are dropped exactly as Stan drops them: with `propto` (`~`,
//! `_lupdf`) a term is kept only when it depends on an argument that depends
//! on parameters; `_lpdf` keeps every term. A density whose arguments are all
//! data under `propto` stays a kernel call (it contributes 0 after checking
//! its arguments).
//!
//! Domain checks (a negative scale, a NaN) are inline comparisons; when one
//! fails the original kernel call runs, and fails with Stan's message.

use super::expr::Val;
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{Expr, Span};
use stdlib::math::{lgamma, LOG_PI, LOG_SQRT_TWO_PI};
use stdlib::BaseType;

#[derive(Clone, Copy, PartialEq)]
enum Family {
    Normal,
    StdNormal,
    Cauchy,
    StudentT,
    Exponential,
    Gamma,
    Lognormal,
}

impl Family {
    fn of(name: &str) -> Option<(Family, usize)> {
        Some(match name {
            "normal_lpdf" => (Family::Normal, 3),
            "std_normal_lpdf" => (Family::StdNormal, 1),
            "cauchy_lpdf" => (Family::Cauchy, 3),
            "student_t_lpdf" => (Family::StudentT, 4),
            "exponential_lpdf" => (Family::Exponential, 2),
            "gamma_lpdf" => (Family::Gamma, 3),
            "lognormal_lpdf" => (Family::Lognormal, 3),
            _ => return None,
        })
    }
}

fn c(v: f64) -> RExpr {
    RExpr::Const(v)
}
fn bin(op: RBinOp, a: RExpr, b: RExpr) -> RExpr {
    RExpr::Bin(op, Box::new(a), Box::new(b))
}
fn add(a: RExpr, b: RExpr) -> RExpr {
    bin(RBinOp::Add, a, b)
}
fn sub(a: RExpr, b: RExpr) -> RExpr {
    bin(RBinOp::Sub, a, b)
}
fn mul(a: RExpr, b: RExpr) -> RExpr {
    bin(RBinOp::Mul, a, b)
}
fn div(a: RExpr, b: RExpr) -> RExpr {
    if b == RExpr::Const(1.0) {
        return a;
    }
    bin(RBinOp::Div, a, b)
}
fn call(f: ScalarFn, a: RExpr) -> RExpr {
    RExpr::Call(f, vec![a])
}
fn cmp(op: CmpOp, a: RExpr, b: RExpr) -> IExpr {
    IExpr::CmpR(op, Box::new(a), Box::new(b))
}

/// The value of a constant argument.
fn constant(e: &RExpr) -> Option<f64> {
    match e {
        RExpr::Const(v) => Some(*v),
        _ => None,
    }
}

/// A check on one argument, as in stdlib's kernels.
#[derive(Clone, Copy)]
enum Check {
    NotNan,
    Finite,
    PositiveFinite,
    Nonnegative,
}

impl Check {
    fn holds(self, v: f64) -> bool {
        match self {
            Check::NotNan => !v.is_nan(),
            Check::Finite => v.is_finite(),
            Check::PositiveFinite => v.is_finite() && v > 0.0,
            Check::Nonnegative => v >= 0.0,
        }
    }

    /// 1 when the check holds, else 0 (NaN fails every check but `NotNan`'s opposite).
    fn expr(self, x: &RExpr) -> IExpr {
        let inf = c(f64::INFINITY);
        match self {
            Check::NotNan => cmp(CmpOp::Eq, x.clone(), x.clone()),
            Check::Finite => cmp(CmpOp::Lt, call(ScalarFn::Abs, x.clone()), inf),
            Check::PositiveFinite => IExpr::Bin(
                IBinOp::Mul,
                Box::new(cmp(CmpOp::Gt, x.clone(), c(0.0))),
                Box::new(cmp(CmpOp::Lt, x.clone(), inf)),
            ),
            Check::Nonnegative => cmp(CmpOp::Ge, x.clone(), c(0.0)),
        }
    }
}

impl<'a> Lowering<'a> {
    /// A density of scalar arguments as inline IR; `None` when the family or
    /// the arguments are not ones this module handles.
    pub(crate) fn scalar_density(
        &mut self,
        name: &str,
        args: &[&Expr],
        propto: bool,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<RExpr>, LowerError> {
        let Some((family, arity)) = Family::of(name) else {
            return Ok(None);
        };
        if args.len() != arity {
            return Ok(None);
        }
        for a in args {
            let ty = self.ty(a)?;
            if ty.array_dims != 0 || !matches!(ty.base, BaseType::Int | BaseType::Real) {
                return Ok(None);
            }
        }
        let active: Vec<bool> = args.iter().map(|a| self.activity(a)).collect();
        if propto && !active.iter().any(|a| *a) {
            return Ok(None);
        }
        // Whether a term depending on these arguments is kept.
        let inc = |deps: &[usize]| !propto || deps.iter().any(|&d| active[d]);

        let mut xs = Vec::new();
        let mut lowered = Vec::new();
        for (a, act) in args.iter().zip(&active) {
            let v = self.lower_expr(a, &mut lowered)?;
            let r = match v {
                Val::Int(IExpr::Const(i)) => c(i as f64),
                Val::Real(RExpr::FromInt(i)) if matches!(*i, IExpr::Const(_)) => {
                    let IExpr::Const(i) = *i else { unreachable!() };
                    c(i as f64)
                }
                other => other
                    .as_real()
                    .ok_or_else(|| LowerError::internal(span, "a scalar density argument"))?,
            };
            xs.push(self.once(r, *act, &mut lowered));
        }

        use Check::*;
        let checks: &[Check] = match family {
            Family::Normal | Family::Cauchy => &[NotNan, Finite, PositiveFinite],
            Family::StdNormal => &[NotNan],
            Family::StudentT => &[NotNan, PositiveFinite, Finite, PositiveFinite],
            Family::Exponential => &[Nonnegative, PositiveFinite],
            Family::Gamma => &[NotNan, PositiveFinite, PositiveFinite],
            Family::Lognormal => &[Nonnegative, Finite, PositiveFinite],
        };
        let mut ok: Option<IExpr> = None;
        for (check, x) in checks.iter().zip(&xs) {
            match constant(x) {
                Some(v) if check.holds(v) => {}
                // A constant that fails: the kernel call reports it.
                Some(_) => return Ok(None),
                None => {
                    let e = check.expr(x);
                    ok = Some(match ok {
                        None => e,
                        Some(prev) => IExpr::Bin(IBinOp::Mul, Box::new(prev), Box::new(e)),
                    });
                }
            }
        }
        out.append(&mut lowered);
        if let Some(ok) = ok {
            // On failure, the kernel call fails with Stan's message.
            let mut fail = Vec::new();
            self.density_kernel_call(name, args, propto, span, &mut fail)?;
            for s in &mut fail {
                if let Stmt::Kernel(k) = s {
                    // Only its checks matter, and they come before anything
                    // that depends on which arguments are parameters.
                    k.reverse = None;
                    k.outputs.clear();
                    for a in &mut k.args {
                        if matches!(a, KArg::Reals { adjoint: true, .. }) {
                            *a = KArg::Null;
                        }
                    }
                }
            }
            // The branch never completes (so the gradient keeps no record of it).
            let msg = self.msg(span, format!("{name}: an argument is outside its domain"));
            fail.push(Stmt::Reject { msg, parts: vec![] });
            out.push(Stmt::If {
                cond: IExpr::Not(Box::new(ok)),
                then: fail,
                otherwise: vec![],
            });
        }

        let any_active = active.iter().any(|a| *a);
        let log = |x: &RExpr| match constant(x) {
            Some(v) => c(v.ln()),
            None => call(ScalarFn::Log, x.clone()),
        };
        let mut terms: Vec<RExpr> = Vec::new();
        let mut constant_part = 0.0;
        match family {
            Family::Normal | Family::Cauchy | Family::Lognormal => {
                let (y, mu, sigma) = (&xs[0], &xs[1], &xs[2]);
                let y_term = if family == Family::Lognormal {
                    log(y)
                } else {
                    y.clone()
                };
                let z_active = active.iter().any(|a| *a);
                let z = self.once(
                    div(sub(y_term.clone(), mu.clone()), sigma.clone()),
                    z_active,
                    out,
                );
                let zz = mul(z.clone(), z);
                terms.push(match family {
                    Family::Cauchy => RExpr::Neg(Box::new(call(ScalarFn::Log1p, zz))),
                    _ => mul(c(-0.5), zz),
                });
                // Stan keeps lognormal's -log(sqrt(2 pi)) under `~` (its
                // lognormal_lpdf adds it outside `include_summand`), so lp__
                // keeps it too, to stay equal to Stan's.
                if !propto || family == Family::Lognormal {
                    constant_part -= if family == Family::Cauchy {
                        LOG_PI
                    } else {
                        LOG_SQRT_TWO_PI
                    };
                }
                if inc(&[2]) {
                    terms.push(RExpr::Neg(Box::new(log(sigma))));
                }
                if family == Family::Lognormal && inc(&[0]) {
                    terms.push(RExpr::Neg(Box::new(y_term)));
                }
            }
            Family::StdNormal => {
                let y = &xs[0];
                terms.push(mul(c(-0.5), mul(y.clone(), y.clone())));
                if !propto {
                    constant_part -= LOG_SQRT_TWO_PI;
                }
            }
            Family::StudentT => {
                let (y, nu, mu, sigma) = (&xs[0], &xs[1], &xs[2], &xs[3]);
                let z = self.once(
                    div(sub(y.clone(), mu.clone()), sigma.clone()),
                    any_active,
                    out,
                );
                let r = div(mul(z.clone(), z), nu.clone());
                let half_nu1 = match constant(nu) {
                    Some(v) => c(-0.5 * (v + 1.0)),
                    None => mul(c(-0.5), add(nu.clone(), c(1.0))),
                };
                terms.push(mul(half_nu1, call(ScalarFn::Log1p, r)));
                if !propto {
                    constant_part -= 0.5 * LOG_PI;
                }
                if inc(&[1]) {
                    match constant(nu) {
                        Some(v) => {
                            constant_part +=
                                lgamma(0.5 * (v + 1.0)) - lgamma(0.5 * v) - 0.5 * v.ln()
                        }
                        None => {
                            let half = |e: RExpr| mul(c(0.5), e);
                            terms.push(sub(
                                sub(
                                    call(ScalarFn::Lgamma, half(add(nu.clone(), c(1.0)))),
                                    call(ScalarFn::Lgamma, half(nu.clone())),
                                ),
                                half(log(nu)),
                            ));
                        }
                    }
                }
                if inc(&[3]) {
                    terms.push(RExpr::Neg(Box::new(log(sigma))));
                }
            }
            Family::Exponential => {
                let (y, beta) = (&xs[0], &xs[1]);
                terms.push(RExpr::Neg(Box::new(mul(beta.clone(), y.clone()))));
                if inc(&[1]) {
                    terms.push(log(beta));
                }
            }
            Family::Gamma => {
                let (y, alpha, beta) = (&xs[0], &xs[1], &xs[2]);
                if inc(&[1]) {
                    match constant(alpha) {
                        Some(v) => constant_part -= lgamma(v),
                        None => {
                            terms.push(RExpr::Neg(Box::new(call(ScalarFn::Lgamma, alpha.clone()))))
                        }
                    }
                }
                if inc(&[1, 2]) {
                    terms.push(mul(alpha.clone(), log(beta)));
                }
                if inc(&[0, 1]) {
                    let a1 = match constant(alpha) {
                        Some(v) => c(v - 1.0),
                        None => sub(alpha.clone(), c(1.0)),
                    };
                    terms.push(mul(a1, log(y)));
                }
                terms.push(RExpr::Neg(Box::new(mul(beta.clone(), y.clone()))));
            }
        }
        let mut value = terms
            .into_iter()
            .filter(|t| !matches!(t, RExpr::Const(v) if *v == 0.0))
            .filter(|t| !matches!(t, RExpr::Neg(x) if **x == RExpr::Const(0.0)))
            .reduce(add)
            .unwrap_or(RExpr::Const(0.0));
        if constant_part != 0.0 {
            value = add(value, c(constant_part));
        }
        // Outside the support: log(0) (the checks above passed).
        let zero_at = match family {
            Family::Gamma => Some(cmp(CmpOp::Lt, xs[0].clone(), c(0.0))),
            Family::Lognormal => Some(cmp(CmpOp::Eq, xs[0].clone(), c(0.0))),
            _ => None,
        };
        if let Some(outside) = zero_at {
            let outside_possible = match constant(&xs[0]) {
                Some(v) => {
                    (family == Family::Gamma && v < 0.0)
                        || (family == Family::Lognormal && v == 0.0)
                }
                None => true,
            };
            if outside_possible {
                value = RExpr::Select(
                    Box::new(outside),
                    Box::new(c(f64::NEG_INFINITY)),
                    Box::new(value),
                );
            }
        }
        // The value in a temporary of its own (`_lp`), so that later uses read
        // it once; `push_add_target` folds it back into `target +=`.
        if matches!(value, RExpr::Const(_) | RExpr::Load(_)) {
            return Ok(Some(value));
        }
        self.temp_count += 1;
        let t = self.alloc(format!("_lp{}", self.temp_count), vec![], false, any_active);
        out.push(Stmt::SetR(Place::at(t, 0), value));
        Ok(Some(RExpr::Load(Box::new(Place::at(t, 0)))))
    }

    /// `target += value`; when `value` is an inline density's temporary,
    /// just written by the last statement, the density's expression is added
    /// directly instead.
    pub(crate) fn push_add_target(&self, value: RExpr, out: &mut Vec<Stmt>) {
        if let (RExpr::Load(p), Some(Stmt::SetR(q, _))) = (&value, out.last()) {
            if **p == *q && self.module.layout.slot(q.slot).name.starts_with("_lp") {
                if let Some(Stmt::SetR(_, e)) = out.pop() {
                    out.push(Stmt::AddTarget(e));
                    return;
                }
            }
        }
        out.push(Stmt::AddTarget(value));
    }

    /// An expression that is cheap to repeat: a constant or a load as it is,
    /// anything else stored in a temporary first.
    pub(crate) fn once(&mut self, e: RExpr, active: bool, out: &mut Vec<Stmt>) -> RExpr {
        match e {
            RExpr::Const(_) | RExpr::Load(_) => e,
            other => {
                let t = self.temp(vec![], false, active);
                out.push(Stmt::SetR(Place::at(t, 0), other));
                RExpr::Load(Box::new(Place::at(t, 0)))
            }
        }
    }
}

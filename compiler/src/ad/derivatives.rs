//! The derivative of each scalar function with respect to each argument, as IR expressions of the arguments.

use crate::ir::{RBinOp, RExpr, ScalarFn};

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
    bin(RBinOp::Div, a, b)
}
fn neg(a: RExpr) -> RExpr {
    RExpr::Neg(Box::new(a))
}
fn call(f: ScalarFn, args: Vec<RExpr>) -> RExpr {
    RExpr::Call(f, args)
}
fn f1(f: ScalarFn, a: &RExpr) -> RExpr {
    call(f, vec![a.clone()])
}

/// `d f(args) / d args[i]` for each `i`.
pub(crate) fn partials(f: ScalarFn, args: &[RExpr]) -> Vec<RExpr> {
    use ScalarFn::*;
    let a = &args[0];
    let sq = |x: &RExpr| mul(x.clone(), x.clone());
    match f {
        Exp => vec![f1(Exp, a)],
        Log => vec![div(c(1.0), a.clone())],
        Sqrt => vec![div(c(0.5), f1(Sqrt, a))],
        Square => vec![mul(c(2.0), a.clone())],
        Abs => vec![f1(Sign, a)],
        Floor | Ceil | Round | Trunc | Sign => vec![c(0.0)],
        Log1p => vec![div(c(1.0), add(c(1.0), a.clone()))],
        Expm1 => vec![f1(Exp, a)],
        Log1pExp => vec![f1(InvLogit, a)],
        Log1mExp => vec![div(c(-1.0), f1(Expm1, &neg(a.clone())))],
        InvLogit => {
            let s = f1(InvLogit, a);
            vec![mul(s.clone(), sub(c(1.0), s))]
        }
        LogInvLogit => vec![f1(InvLogit, &neg(a.clone()))],
        Log1mInvLogit => vec![neg(f1(InvLogit, a))],
        Logit => vec![div(c(1.0), mul(a.clone(), sub(c(1.0), a.clone())))],
        Lgamma => vec![f1(Digamma, a)],
        Digamma => vec![f1(Trigamma, a)],
        // The derivative of trigamma is not provided; treat it as a constant.
        Trigamma => vec![c(f64::NAN)],
        Tgamma => vec![mul(f1(Tgamma, a), f1(Digamma, a))],
        Erf => vec![mul(
            c(2.0 / std::f64::consts::PI.sqrt()),
            f1(Exp, &neg(sq(a))),
        )],
        Erfc => vec![mul(
            c(-2.0 / std::f64::consts::PI.sqrt()),
            f1(Exp, &neg(sq(a))),
        )],
        Phi => vec![mul(
            c(1.0 / (2.0 * std::f64::consts::PI).sqrt()),
            f1(Exp, &mul(c(-0.5), sq(a))),
        )],
        InvPhi => {
            let x = f1(InvPhi, a);
            vec![mul(
                c((2.0 * std::f64::consts::PI).sqrt()),
                f1(Exp, &mul(c(0.5), sq(&x))),
            )]
        }
        Sin => vec![f1(Cos, a)],
        Cos => vec![neg(f1(Sin, a))],
        Tan => vec![add(c(1.0), sq(&f1(Tan, a)))],
        Asin => vec![div(c(1.0), f1(Sqrt, &sub(c(1.0), sq(a))))],
        Acos => vec![div(c(-1.0), f1(Sqrt, &sub(c(1.0), sq(a))))],
        Atan => vec![div(c(1.0), add(c(1.0), sq(a)))],
        Sinh => vec![f1(Cosh, a)],
        Cosh => vec![f1(Sinh, a)],
        Tanh => vec![sub(c(1.0), sq(&f1(Tanh, a)))],
        Asinh => vec![div(c(1.0), f1(Sqrt, &add(sq(a), c(1.0))))],
        Acosh => vec![div(c(1.0), f1(Sqrt, &sub(sq(a), c(1.0))))],
        Atanh => vec![div(c(1.0), sub(c(1.0), sq(a)))],
        Cbrt => vec![div(c(1.0), mul(c(3.0), sq(&f1(Cbrt, a))))],
        Log2 => vec![div(c(1.0), mul(a.clone(), c(std::f64::consts::LN_2)))],
        Log10 => vec![div(c(1.0), mul(a.clone(), c(std::f64::consts::LN_10)))],
        Exp2 => vec![mul(c(std::f64::consts::LN_2), f1(Exp2, a))],
        InvCloglog => vec![f1(Exp, &sub(a.clone(), f1(Exp, a)))],
        Pow => {
            let b = &args[1];
            vec![
                mul(
                    b.clone(),
                    call(Pow, vec![a.clone(), sub(b.clone(), c(1.0))]),
                ),
                mul(call(Pow, vec![a.clone(), b.clone()]), f1(Log, a)),
            ]
        }
        Fmin | Fmax => {
            let b = &args[1];
            let op = if f == Fmin {
                crate::ir::CmpOp::Le
            } else {
                crate::ir::CmpOp::Ge
            };
            // C's rule: the value is `a` when it wins the comparison or `b`
            // is NaN, and so is the derivative.
            let wins = crate::ir::IExpr::CmpR(op, Box::new(a.clone()), Box::new(b.clone()));
            let b_nan = crate::ir::IExpr::CmpR(
                crate::ir::CmpOp::Ne,
                Box::new(b.clone()),
                Box::new(b.clone()),
            );
            let pick_a = crate::ir::IExpr::Select(
                Box::new(b_nan),
                Box::new(crate::ir::IExpr::Const(1)),
                Box::new(wins),
            );
            vec![
                RExpr::Select(Box::new(pick_a.clone()), Box::new(c(1.0)), Box::new(c(0.0))),
                RExpr::Select(Box::new(pick_a), Box::new(c(0.0)), Box::new(c(1.0))),
            ]
        }
        Hypot => {
            let h = call(Hypot, args.to_vec());
            vec![div(a.clone(), h.clone()), div(args[1].clone(), h)]
        }
        Atan2 => {
            let (y, x) = (a.clone(), args[1].clone());
            let r = add(sq(&x), sq(&y));
            vec![div(x, r.clone()), neg(div(y, r))]
        }
        // exp(a - log_sum_exp(a, b)) = inv_logit(a - b): one exp, and no
        // second log_sum_exp in the reverse sweep.
        LogSumExp2 => {
            let b = &args[1];
            vec![
                f1(InvLogit, &sub(a.clone(), b.clone())),
                f1(InvLogit, &sub(b.clone(), a.clone())),
            ]
        }
        LogDiffExp => {
            let b = &args[1];
            vec![
                div(c(-1.0), f1(Expm1, &sub(b.clone(), a.clone()))),
                div(c(-1.0), f1(Expm1, &sub(a.clone(), b.clone()))),
            ]
        }
        Lbeta | LbetaDA => {
            let b = &args[1];
            let both = f1(Digamma, &add(a.clone(), b.clone()));
            vec![sub(f1(Digamma, a), both.clone()), sub(f1(Digamma, b), both)]
        }
        Lchoose => {
            let k = &args[1];
            let nk = f1(Digamma, &add(sub(a.clone(), k.clone()), c(1.0)));
            vec![
                sub(f1(Digamma, &add(a.clone(), c(1.0))), nk.clone()),
                sub(nk, f1(Digamma, &add(k.clone(), c(1.0)))),
            ]
        }
        Fmod => vec![c(1.0), neg(f1(Trunc, &div(a.clone(), args[1].clone())))],
        Fdim => {
            let pos = crate::ir::IExpr::CmpR(
                crate::ir::CmpOp::Gt,
                Box::new(a.clone()),
                Box::new(args[1].clone()),
            );
            vec![
                RExpr::Select(Box::new(pos.clone()), Box::new(c(1.0)), Box::new(c(0.0))),
                RExpr::Select(Box::new(pos), Box::new(c(-1.0)), Box::new(c(0.0))),
            ]
        }
    }
}

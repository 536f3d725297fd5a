//! Checking `reduce_sum` and `reduce_sum_static`: a user's partial-sum function applied to an array, which cmod evaluates as one call over the whole array (the same sum Stan forms from slices in parallel).

use super::{Activity, CallTarget, CheckError, Checker, ExprInfo};
use crate::syntax::ast::*;
use stdlib::UnsizedType;

/// How the call is written, for the messages.
const USAGE: &str = "(partial_sum_function, array x, int grainsize, shared arguments...) -> real, where partial_sum_function(x slice, int start, int end, shared arguments...) returns real";

impl Checker<'_> {
    /// `reduce_sum(f, x, grainsize, s...)`: `f(x, 1, size(x), s...)` must be
    /// a call of a user function returning `real`.
    pub(crate) fn check_reduce_sum(
        &mut self,
        e: &Expr,
        name: &Ident,
        args: &[Expr],
    ) -> Option<ExprInfo> {
        let infos: Vec<Option<ExprInfo>> =
            args.iter().skip(1).map(|a| self.check_expr(a)).collect();
        let function = args.first().and_then(|a| match &a.kind {
            ExprKind::Var(id) => Some((id.clone(), a.span)),
            _ => None,
        });
        let infos: Vec<ExprInfo> = infos.into_iter().collect::<Option<_>>()?;
        let misuse = |this: &mut Self| {
            let mut shown = vec!["function".to_string()];
            shown.extend(infos.iter().map(|i| i.ty.to_string()));
            this.error(CheckError::NoMatchingSignature {
                name: name.name.clone(),
                args: shown,
                span: e.span,
                candidates: vec![USAGE.to_string()],
            });
        };
        let (Some((function, function_span)), [x, grainsize, shared @ ..]) =
            (function, infos.as_slice())
        else {
            misuse(self);
            return None;
        };
        if grainsize.ty != UnsizedType::INT || x.ty.array_dims == 0 {
            misuse(self);
            return None;
        }
        // The partial sum is called as f(x, start, end, shared...).
        let index = ExprInfo {
            ty: UnsizedType::INT,
            activity: Activity::Data,
        };
        let mut call_infos = vec![*x, index, index];
        call_infos.extend(shared.iter().copied());
        let mut call_exprs = vec![args[1].clone(), args[2].clone(), args[2].clone()];
        call_exprs.extend(args[3..].iter().cloned());
        let (target, ret) =
            self.resolve_call(&function, function_span, e.span, &call_infos, &call_exprs)?;
        let CallTarget::User(id) = target else {
            misuse(self);
            return None;
        };
        if ret != UnsizedType::REAL {
            misuse(self);
            return None;
        }
        self.out.calls.insert(e.id, CallTarget::ReduceSum(id));
        let activity = call_infos
            .iter()
            .fold(Activity::Data, |a, i| a.join(i.activity));
        Some(ExprInfo {
            ty: UnsizedType::REAL,
            activity,
        })
    }
}

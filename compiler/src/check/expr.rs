//! Checking expressions: each gets a type and an activity, recorded by its `ExprId`.

use super::rules::{self, IndexUse};
use super::{Activity, CallTarget, CheckError, Checker, ExprInfo, FunSuffix};
use crate::diagnostics::did_you_mean;
use crate::syntax::ast::*;
use stdlib::{BaseType, UnsizedType};

/// Functions that were removed from Stan, with the modern form to suggest.
fn old_function(name: &str) -> Option<String> {
    let modern = match name {
        "increment_log_prob" => "`target += ...;`".to_string(),
        "get_lp" => "`target()`".to_string(),
        "if_else" => "the conditional operator `cond ? a : b`".to_string(),
        "multiply_log" => "`lmultiply(...)`".to_string(),
        "binomial_coefficient_log" => "`lchoose(...)`".to_string(),
        "cov_exp_quad" => return None,
        _ => {
            for (old, new) in [
                ("_cdf_log", "_lcdf"),
                ("_ccdf_log", "_lccdf"),
                ("_log", "_lpdf"),
            ] {
                if let Some(family) = name.strip_suffix(old) {
                    let table = stdlib::table();
                    let candidate = format!("{family}{new}");
                    if table.contains(&candidate) {
                        return Some(format!("`{candidate}(...)`"));
                    }
                    let pmf = format!("{family}_lpmf");
                    if new == "_lpdf" && table.contains(&pmf) {
                        return Some(format!("`{pmf}(...)`"));
                    }
                }
            }
            return None;
        }
    };
    Some(modern)
}

fn is_density_name(name: &str) -> bool {
    ["_lpdf", "_lupdf", "_lpmf", "_lupmf"]
        .iter()
        .any(|s| name.ends_with(s))
}

fn is_distribution_function_name(name: &str) -> bool {
    is_density_name(name)
        || ["_cdf", "_lcdf", "_lccdf"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// The id given to the stand-in expression of a call used as a statement.
pub(crate) const STATEMENT_CALL: ExprId = ExprId(u32::MAX);

impl Checker<'_> {
    fn record(&mut self, e: &Expr, info: Option<ExprInfo>) -> Option<ExprInfo> {
        if let Some(slot) = self.out.exprs.get_mut(e.id.0 as usize) {
            *slot = info;
        }
        info
    }

    pub(crate) fn check_expr(&mut self, e: &Expr) -> Option<ExprInfo> {
        let info = self.infer(e);
        if let Some(i) = info {
            if rules::is_void(i.ty) {
                if let ExprKind::Call { name, .. } = &e.kind {
                    self.error(CheckError::VoidInExpression {
                        name: name.name.clone(),
                        span: e.span,
                    });
                }
                return self.record(e, None);
            }
        }
        self.record(e, info)
    }

    fn infer(&mut self, e: &Expr) -> Option<ExprInfo> {
        let data = |ty| {
            Some(ExprInfo {
                ty,
                activity: Activity::Data,
            })
        };
        match &e.kind {
            ExprKind::IntLit(_) => data(UnsizedType::INT),
            ExprKind::RealLit(_) => data(UnsizedType::REAL),
            ExprKind::Error => None,
            ExprKind::Paren(inner) => self.check_expr(inner),
            ExprKind::Var(name) => self.check_var(name, e),
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.check_expr(lhs);
                let b = self.check_expr(rhs);
                let (a, b) = (a?, b?);
                match rules::binary_result(*op, a.ty, b.ty) {
                    Some(ty) => {
                        if *op == BinOp::Div && a.ty.is_int() && b.ty.is_int() {
                            self.error(CheckError::IntegerDivision { span: e.span });
                        }
                        Some(ExprInfo {
                            ty,
                            activity: a.activity.join(b.activity),
                        })
                    }
                    None => {
                        self.error(CheckError::BinaryOperator {
                            op: op.text(),
                            left: a.ty.to_string(),
                            right: b.ty.to_string(),
                            span: e.span,
                            hint: binary_hint(*op, a.ty, b.ty),
                        });
                        None
                    }
                }
            }
            ExprKind::Unary { op, operand } => {
                let a = self.check_expr(operand)?;
                match rules::unary_result(*op, a.ty) {
                    Some(ty) => Some(ExprInfo {
                        ty,
                        activity: a.activity,
                    }),
                    None => {
                        self.error(CheckError::UnaryOperator {
                            op: op.text(),
                            operand: a.ty.to_string(),
                            span: e.span,
                        });
                        None
                    }
                }
            }
            ExprKind::Transpose(inner) => {
                let a = self.check_expr(inner)?;
                match rules::transpose_result(a.ty) {
                    Some(ty) => Some(ExprInfo {
                        ty,
                        activity: a.activity,
                    }),
                    None => {
                        self.error(CheckError::Transpose {
                            operand: a.ty.to_string(),
                            span: e.span,
                        });
                        None
                    }
                }
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.check_expr(cond);
                if let Some(c) = c {
                    if !c.ty.is_scalar() {
                        self.error(CheckError::ConditionType {
                            found: c.ty.to_string(),
                            span: cond.span,
                        });
                    }
                }
                let t = self.check_expr(then);
                let o = self.check_expr(otherwise);
                let (c, t, o) = (c?, t?, o?);
                match rules::common_type(t.ty, o.ty) {
                    Some(ty) => Some(ExprInfo {
                        ty,
                        activity: c.activity.join(t.activity).join(o.activity),
                    }),
                    None => {
                        self.error(CheckError::TernaryBranches {
                            then: t.ty.to_string(),
                            otherwise: o.ty.to_string(),
                            span: e.span,
                        });
                        None
                    }
                }
            }
            ExprKind::Indexed { base, indices } => self.check_indexed(base, indices, e.span),
            ExprKind::Call { name, args, bar } => self.check_call(e, name, args, *bar),
            ExprKind::ArrayLit(items) => {
                let infos: Vec<Option<ExprInfo>> =
                    items.iter().map(|i| self.check_expr(i)).collect();
                let infos: Vec<ExprInfo> = infos.into_iter().collect::<Option<_>>()?;
                let mut ty = infos[0].ty;
                let mut activity = Activity::Data;
                for (item, info) in items.iter().zip(&infos) {
                    activity = activity.join(info.activity);
                    match rules::common_type(ty, info.ty) {
                        Some(t) => ty = t,
                        None => {
                            self.error(CheckError::ArrayLiteralElements {
                                first: infos[0].ty.to_string(),
                                other: info.ty.to_string(),
                                span: item.span,
                            });
                            return None;
                        }
                    }
                }
                Some(ExprInfo {
                    ty: UnsizedType {
                        array_dims: ty.array_dims + 1,
                        ..ty
                    },
                    activity,
                })
            }
            ExprKind::RowVectorLit(items) => {
                let infos: Vec<Option<ExprInfo>> =
                    items.iter().map(|i| self.check_expr(i)).collect();
                let infos: Vec<ExprInfo> = infos.into_iter().collect::<Option<_>>()?;
                let activity = infos.iter().fold(Activity::Data, |a, i| a.join(i.activity));
                let all_scalar = infos.iter().all(|i| i.ty.is_scalar());
                let all_rows =
                    !infos.is_empty() && infos.iter().all(|i| i.ty == UnsizedType::ROW_VECTOR);
                if all_scalar {
                    Some(ExprInfo {
                        ty: UnsizedType::ROW_VECTOR,
                        activity,
                    })
                } else if all_rows {
                    Some(ExprInfo {
                        ty: UnsizedType::MATRIX,
                        activity,
                    })
                } else {
                    let (item, info) = items
                        .iter()
                        .zip(&infos)
                        .find(|(_, i)| !(i.ty.is_scalar() || i.ty == UnsizedType::ROW_VECTOR))
                        .unwrap_or((&items[0], &infos[0]));
                    self.error(CheckError::RowVectorLiteralElements {
                        found: info.ty.to_string(),
                        span: item.span,
                    });
                    None
                }
            }
        }
    }

    fn check_var(&mut self, name: &str, e: &Expr) -> Option<ExprInfo> {
        match self.lookup(name) {
            Some(id) => {
                self.out.var_refs.insert(e.id, id);
                let v = self.out.var(id);
                Some(ExprInfo {
                    ty: v.ty,
                    activity: v.activity,
                })
            }
            None => {
                let mut names = self.visible_names();
                names.extend(self.user_functions.keys().cloned());
                let suggestion = did_you_mean(name, names.iter().map(|s| s.as_str()));
                self.error(CheckError::UnknownVariable {
                    name: name.to_string(),
                    span: e.span,
                    suggestion,
                });
                None
            }
        }
    }

    fn check_indexed(&mut self, base: &Expr, indices: &[Index], span: Span) -> Option<ExprInfo> {
        let b = self.check_expr(base);
        let mut uses = Vec::with_capacity(indices.len());
        let mut activity = b.map(|b| b.activity).unwrap_or(Activity::Data);
        let mut ok = true;
        for index in indices {
            match index {
                Index::All => uses.push(IndexUse::Multi),
                Index::Slice { lower, upper } => {
                    for bound in lower.iter().chain(upper.iter()) {
                        if let Some(i) = self.check_expr(bound) {
                            if !i.ty.is_int() {
                                self.error(CheckError::IndexNotInt {
                                    found: i.ty.to_string(),
                                    span: bound.span,
                                });
                                ok = false;
                            }
                        } else {
                            ok = false;
                        }
                    }
                    uses.push(IndexUse::Multi);
                }
                Index::Single(ix) => match self.check_expr(ix) {
                    Some(i) if i.ty.is_int() => uses.push(IndexUse::Single),
                    Some(i) if i.ty == UnsizedType::array(BaseType::Int, 1) => {
                        activity = activity.join(i.activity);
                        uses.push(IndexUse::Multi)
                    }
                    Some(i) => {
                        self.error(CheckError::IndexNotInt {
                            found: i.ty.to_string(),
                            span: ix.span,
                        });
                        ok = false;
                    }
                    None => ok = false,
                },
            }
        }
        let b = b?;
        if !ok {
            return None;
        }
        match rules::index_result(b.ty, &uses) {
            Ok(ty) => Some(ExprInfo { ty, activity }),
            Err(message) => {
                self.error(CheckError::BadIndex { message, span });
                None
            }
        }
    }

    /// Checks a call; a void call gets the `rules::VOID` stand-in type.
    pub(crate) fn check_call(
        &mut self,
        e: &Expr,
        name: &Ident,
        args: &[Expr],
        bar: bool,
    ) -> Option<ExprInfo> {
        let n = name.name.as_str();
        if let Some(modern) = old_function(n) {
            for a in args {
                self.check_expr(a);
            }
            self.error(CheckError::OldFunction {
                name: n.to_string(),
                span: name.span,
                modern,
            });
            return None;
        }
        if n == "target" && args.is_empty() {
            if !self.target_allowed() {
                self.error(CheckError::TargetOutsideModel {
                    what: "target()",
                    span: e.span,
                });
            }
            return Some(ExprInfo {
                ty: UnsizedType::REAL,
                activity: Activity::Param,
            });
        }
        if matches!(n, "reduce_sum" | "reduce_sum_static") && !self.user_functions.contains_key(n) {
            return self.check_reduce_sum(e, name, args);
        }
        if stdlib::signatures::is_known_unsupported(n) && !self.user_functions.contains_key(n) {
            // One message for the call: the arguments of these (ODE solvers,
            // reduce_sum, map_rect...) often name functions, which would
            // otherwise read as unknown variables.
            self.error(CheckError::NotSupportedYet {
                name: n.to_string(),
                span: name.span,
            });
            return None;
        }
        let arg_infos: Vec<Option<ExprInfo>> = args.iter().map(|a| self.check_expr(a)).collect();
        self.check_call_context(n, name.span);
        if bar && !is_distribution_function_name(n) {
            self.error(CheckError::BarNotAllowed {
                name: n.to_string(),
                span: name.span,
            });
        } else if !bar && is_density_name(n) && args.len() > 1 {
            // A density of the variate alone (`std_normal_lpdf(y)`) needs no `|`, as in Stan.
            self.error(CheckError::BarRequired {
                name: n.to_string(),
                span: e.span,
            });
        }
        let arg_infos: Vec<ExprInfo> = arg_infos.into_iter().collect::<Option<_>>()?;
        let (target, ret) = self.resolve_call(n, name.span, e.span, &arg_infos, args)?;
        if e.id == STATEMENT_CALL {
            self.out.statement_calls.insert(name.span.start, target);
        } else {
            self.out.calls.insert(e.id, target);
        }
        let activity = if n.ends_with("_rng") || ret.base == BaseType::Int {
            Activity::Data
        } else {
            arg_infos
                .iter()
                .fold(Activity::Data, |a, i| a.join(i.activity))
        };
        Some(ExprInfo { ty: ret, activity })
    }

    /// Resolves a call to a user-defined function or a built-in, reporting why none fits.
    pub(crate) fn resolve_call(
        &mut self,
        name: &str,
        name_span: Span,
        call_span: Span,
        args: &[ExprInfo],
        arg_exprs: &[Expr],
    ) -> Option<(CallTarget, UnsizedType)> {
        let types: Vec<UnsizedType> = args.iter().map(|a| a.ty).collect();
        // `foo_lupdf` calls the user's `foo_lpdf` (dropping constants is the same function here).
        let user_name = match (name.strip_suffix("_lupdf"), name.strip_suffix("_lupmf")) {
            _ if self.user_functions.contains_key(name) => name.to_string(),
            (Some(family), _) => format!("{family}_lpdf"),
            (_, Some(family)) => format!("{family}_lpmf"),
            _ => name.to_string(),
        };
        if let Some(ids) = self.user_functions.get(&user_name).cloned() {
            let mut best: Option<(u32, super::FunId)> = None;
            for id in &ids {
                let f = &self.out.functions[id.0 as usize];
                if f.params.len() != types.len()
                    || !f
                        .params
                        .iter()
                        .zip(&types)
                        .all(|(p, t)| t.assignable_to(p.0))
                {
                    continue;
                }
                let cost = f
                    .params
                    .iter()
                    .zip(&types)
                    .filter(|(p, t)| p.0 != **t)
                    .count() as u32;
                if best.is_none_or(|(c, _)| cost < c) {
                    best = Some((cost, *id));
                }
            }
            if let Some((_, id)) = best {
                let f = self.out.functions[id.0 as usize].clone();
                for ((param, info), expr) in f.params.iter().zip(args).zip(arg_exprs) {
                    if param.1 && info.activity == Activity::Param && self.data_only_applies() {
                        self.error(CheckError::DataArgumentNotData {
                            name: name.to_string(),
                            span: expr.span,
                        });
                    }
                }
                return Some((CallTarget::User(id), f.ret.unwrap_or(rules::VOID)));
            }
            if stdlib::table().lookup(name).is_empty() {
                let candidates = ids
                    .iter()
                    .map(|id| {
                        let f = &self.out.functions[id.0 as usize];
                        let params: Vec<String> =
                            f.params.iter().map(|p| p.0.to_string()).collect();
                        format!("({})", params.join(", "))
                    })
                    .collect();
                self.error(CheckError::NoMatchingSignature {
                    name: name.to_string(),
                    args: types.iter().map(|t| t.to_string()).collect(),
                    span: call_span,
                    candidates,
                });
                return None;
            }
        }
        let table = stdlib::table();
        let signatures = table.lookup(name);
        if signatures.is_empty() {
            if self.lookup(name).is_some() {
                self.error(CheckError::VariableUsedAsFunction {
                    name: name.to_string(),
                    span: name_span,
                });
            } else if stdlib::signatures::is_known_unsupported(name) {
                self.error(CheckError::NotSupportedYet {
                    name: name.to_string(),
                    span: name_span,
                });
            } else {
                let mut names: Vec<&str> = table.names().collect();
                names.extend(self.user_functions.keys().map(|s| s.as_str()));
                let suggestion = did_you_mean(name, names.into_iter());
                self.error(CheckError::UnknownFunction {
                    name: name.to_string(),
                    span: name_span,
                    suggestion,
                });
            }
            return None;
        }
        match rules::resolve_overload(signatures, &types) {
            Some((index, ret)) => {
                let sig = &signatures[index];
                for ((param, info), expr) in sig.args.iter().zip(args).zip(arg_exprs) {
                    if param.data_only
                        && info.activity == Activity::Param
                        && self.data_only_applies()
                    {
                        self.error(CheckError::DataArgumentNotData {
                            name: name.to_string(),
                            span: expr.span,
                        });
                    }
                }
                Some((
                    CallTarget::Builtin {
                        name: name.to_string(),
                        signature: index,
                    },
                    ret,
                ))
            }
            None => {
                let candidates = signatures
                    .iter()
                    .map(|s| {
                        let params: Vec<String> = s.args.iter().map(|a| a.ty.to_string()).collect();
                        format!("({})", params.join(", "))
                    })
                    .collect();
                self.error(CheckError::NoMatchingSignature {
                    name: name.to_string(),
                    args: types.iter().map(|t| t.to_string()).collect(),
                    span: call_span,
                    candidates,
                });
                None
            }
        }
    }

    /// Where `target +=`, `~` and `target()` may appear.
    /// Whether `data`-only arguments must be data here: not in generated
    /// quantities, where every value is a plain number (as in Stan, whose
    /// generated quantities have no autodiff variables).
    fn data_only_applies(&self) -> bool {
        self.ctx.function.is_some() || self.ctx.block != BlockKind::GeneratedQuantities
    }

    pub(crate) fn target_allowed(&self) -> bool {
        match self.ctx.function {
            Some((_, suffix)) => suffix == FunSuffix::Lp,
            None => self.ctx.block == BlockKind::Model,
        }
    }

    fn check_call_context(&mut self, name: &str, span: Span) {
        if name.ends_with("_rng") {
            let allowed = match self.ctx.function {
                Some((_, suffix)) => suffix == FunSuffix::Rng,
                None => matches!(
                    self.ctx.block,
                    BlockKind::TransformedData | BlockKind::GeneratedQuantities
                ),
            };
            if !allowed {
                self.error(CheckError::RngNotAllowed {
                    name: name.to_string(),
                    span,
                });
            }
        } else if name.ends_with("_lp") {
            let allowed = match self.ctx.function {
                Some((_, suffix)) => suffix == FunSuffix::Lp,
                None => matches!(
                    self.ctx.block,
                    BlockKind::Model | BlockKind::TransformedParameters
                ),
            };
            if !allowed {
                self.error(CheckError::LpNotAllowed {
                    name: name.to_string(),
                    span,
                });
            }
        }
    }
}

/// A hint for the most common operator mistakes.
fn binary_hint(op: BinOp, a: UnsizedType, b: UnsizedType) -> Option<String> {
    let vectorish = |t: UnsizedType| {
        t.array_dims == 0 && matches!(t.base, BaseType::Vector | BaseType::RowVector)
    };
    if op == BinOp::Mul && a == b && vectorish(a) {
        return Some("for the elementwise product write `.*`; for the dot product write `dot_product(a, b)` or `a' * b`".into());
    }
    if op == BinOp::Mul && vectorish(a) && b == UnsizedType::MATRIX {
        return Some(
            "a column vector times a matrix has no meaning; did you mean `a' * M` or `M * a`?"
                .into(),
        );
    }
    if op == BinOp::Div && a.is_scalar() && vectorish(b) {
        return Some("for elementwise division write `./`".into());
    }
    if (a.array_dims > 0 || b.array_dims > 0)
        && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)
    {
        return Some(
            "arithmetic works on vectors and matrices, not arrays; convert with `to_vector(...)`"
                .into(),
        );
    }
    if op == BinOp::Pow && !(a.is_scalar() && b.is_scalar()) {
        return Some("for elementwise powers write `.^`".into());
    }
    None
}

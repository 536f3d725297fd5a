//! Checking statements and declarations: block rules, assignments, `~`, loops and control flow.

use super::rules;
use super::{base_of, Activity, CheckError, Checker, DeclaredBounds, ExprInfo, VarInfo, VarOrigin};
use crate::diagnostics::did_you_mean;
use crate::syntax::ast::*;
use std::collections::HashMap;
use stdlib::{BaseType, UnsizedType};

/// Whether every path through `stmt` ends in `return` (or `reject`/`fatal_error`).
pub(crate) fn always_returns(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) | StmtKind::Reject(_) | StmtKind::FatalError(_) => true,
        StmtKind::Block(stmts) => stmts.iter().any(always_returns),
        StmtKind::If {
            then,
            otherwise: Some(otherwise),
            ..
        } => always_returns(then) && always_returns(otherwise),
        // A `while (1)` loop that returns inside never falls through.
        StmtKind::While { cond, body } => {
            matches!(cond.kind, ExprKind::IntLit(v) if v != 0) && contains_return(body)
        }
        _ => false,
    }
}

fn contains_return(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) => true,
        StmtKind::Block(stmts) => stmts.iter().any(contains_return),
        StmtKind::If {
            then, otherwise, ..
        } => contains_return(then) || otherwise.as_deref().is_some_and(contains_return),
        StmtKind::For { body, .. }
        | StmtKind::ForEach { body, .. }
        | StmtKind::While { body, .. } => contains_return(body),
        _ => false,
    }
}

fn ends_control(stmt: &Stmt) -> bool {
    matches!(
        stmt.kind,
        StmtKind::Return(_)
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Reject(_)
            | StmtKind::FatalError(_)
    )
}

impl Checker<'_> {
    pub(crate) fn check_stmts(&mut self, stmts: &[Stmt]) {
        for (i, stmt) in stmts.iter().enumerate() {
            self.check_stmt(stmt);
            if ends_control(stmt) {
                if let (Some(first), Some(last)) = (stmts.get(i + 1), stmts.last()) {
                    self.error(CheckError::UnreachableCode {
                        span: first.span.to(last.span),
                        after: stmt.span,
                    });
                }
                for rest in &stmts[i + 1..] {
                    self.check_stmt(rest);
                }
                return;
            }
        }
    }

    fn in_nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.ctx;
        self.ctx.top_level = false;
        self.scopes.push(HashMap::new());
        let result = f(self);
        self.scopes.pop();
        self.ctx = saved;
        result
    }

    pub(crate) fn check_stmt(&mut self, stmt: &Stmt) {
        let declarations_only = self.ctx.function.is_none()
            && matches!(self.ctx.block, BlockKind::Data | BlockKind::Parameters);
        if declarations_only
            && !matches!(
                stmt.kind,
                StmtKind::Decl { .. } | StmtKind::OldSyntax(_) | StmtKind::Error
            )
        {
            self.error(CheckError::StatementNotAllowed {
                block: self.ctx.block.name(),
                span: stmt.span,
            });
            return;
        }
        match &stmt.kind {
            StmtKind::Decl { ty, name, init } => self.check_decl(ty, name, init.as_ref()),
            StmtKind::Assign { target, op, value } => {
                self.check_assign(target, *op, value, stmt.span)
            }
            StmtKind::Tilde {
                lhs,
                dist,
                args,
                truncation,
            } => self.check_tilde(lhs, dist, args, truncation.as_ref(), stmt.span),
            StmtKind::TargetPlus(e) => {
                if !self.target_allowed() {
                    self.error(CheckError::TargetOutsideModel {
                        what: "target +=",
                        span: stmt.span,
                    });
                }
                if let Some(info) = self.check_expr(e) {
                    if info.ty.base == BaseType::Int && info.ty.array_dims > 1 {
                        self.error(CheckError::TargetType {
                            found: info.ty.to_string(),
                            span: e.span,
                        });
                    }
                }
            }
            StmtKind::JacobianPlus(e) => {
                let allowed = match self.ctx.function {
                    Some((_, suffix)) => suffix == super::FunSuffix::Jacobian,
                    None => self.ctx.block == BlockKind::TransformedParameters,
                };
                if !allowed {
                    self.error(CheckError::JacobianOutsideTransformedParameters {
                        span: stmt.span,
                    });
                }
                self.check_expr(e);
            }
            StmtKind::For {
                var,
                lower,
                upper,
                body,
            } => {
                for bound in [lower, upper] {
                    if let Some(i) = self.check_expr(bound) {
                        if !i.ty.is_int() {
                            self.error(CheckError::LoopBoundType {
                                found: i.ty.to_string(),
                                span: bound.span,
                            });
                        }
                    }
                }
                self.in_nested(|c| {
                    c.declare_loop_var(var, UnsizedType::INT, Activity::Data);
                    c.ctx.loop_depth += 1;
                    c.check_stmt(body);
                });
            }
            StmtKind::ForEach {
                var,
                container,
                body,
            } => {
                let info = self.check_expr(container);
                let element = info.and_then(|i| match rules::foreach_element(i.ty) {
                    Some(t) => Some((t, i.activity)),
                    None => {
                        self.error(CheckError::ForeachOverScalar {
                            found: i.ty.to_string(),
                            span: container.span,
                        });
                        // Likely `for (n in N)` meant `1:N`: give the variable the scalar's type.
                        Some((i.ty, i.activity))
                    }
                });
                self.in_nested(|c| {
                    let (ty, activity) = element.unwrap_or((UnsizedType::REAL, Activity::Param));
                    c.declare_loop_var(var, ty, activity);
                    c.ctx.loop_depth += 1;
                    c.check_stmt(body);
                });
            }
            StmtKind::While { cond, body } => {
                self.check_condition(cond);
                self.in_nested(|c| {
                    c.ctx.loop_depth += 1;
                    c.check_stmt(body);
                });
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.check_condition(cond);
                self.in_nested(|c| c.check_stmt(then));
                if let Some(o) = otherwise {
                    self.in_nested(|c| c.check_stmt(o));
                }
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.ctx.loop_depth == 0 {
                    let what = if matches!(stmt.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    self.error(CheckError::BreakOutsideLoop {
                        what,
                        span: stmt.span,
                    });
                }
            }
            StmtKind::Return(value) => self.check_return(value.as_ref(), stmt.span),
            StmtKind::Print(items) | StmtKind::Reject(items) | StmtKind::FatalError(items) => {
                for item in items {
                    if let Printable::Expr(e) = item {
                        self.check_expr(e);
                    }
                }
            }
            StmtKind::Block(stmts) => self.in_nested(|c| c.check_stmts(stmts)),
            StmtKind::Call { name, args } => {
                let call = Expr {
                    kind: ExprKind::Call {
                        name: name.clone(),
                        args: args.clone(),
                        bar: false,
                    },
                    span: stmt.span,
                    id: super::expr::STATEMENT_CALL,
                };
                if let Some(info) = self.check_call(&call, name, args, false) {
                    if !rules::is_void(info.ty) {
                        self.error(CheckError::NonVoidAsStatement {
                            name: name.name.clone(),
                            span: stmt.span,
                        });
                    }
                }
            }
            StmtKind::OldSyntax(OldSyntax::ArrayAfterName { ty, name, dims }) => {
                let dims_text: Vec<&str> = dims.iter().map(|d| self.text(d.span)).collect();
                let modern = format!(
                    "array[{}] {} {};",
                    dims_text.join(", "),
                    self.text(ty.span),
                    name.name
                );
                self.error(CheckError::OldArraySyntax {
                    span: stmt.span,
                    modern,
                });
            }
            StmtKind::OldSyntax(OldSyntax::ArrowAssign) | StmtKind::Empty | StmtKind::Error => {}
        }
    }

    fn check_condition(&mut self, cond: &Expr) {
        if let Some(i) = self.check_expr(cond) {
            if !i.ty.is_scalar() {
                self.error(CheckError::ConditionType {
                    found: i.ty.to_string(),
                    span: cond.span,
                });
            }
        }
    }

    fn declare_loop_var(&mut self, var: &Ident, ty: UnsizedType, activity: Activity) {
        self.declare(
            var,
            VarInfo {
                name: var.name.clone(),
                span: var.span,
                ty,
                origin: VarOrigin::LoopVar,
                activity,
                bounds: DeclaredBounds::default(),
                initialized: true,
            },
        );
    }

    fn check_return(&mut self, value: Option<&Expr>, span: Span) {
        let Some((id, _)) = self.ctx.function else {
            if value.is_some() {
                self.error(CheckError::ReturnOutsideFunction { span });
            }
            return;
        };
        let f = self.out.functions[id.0 as usize].clone();
        match (f.ret, value) {
            (None, Some(v)) => {
                self.check_expr(v);
                self.error(CheckError::VoidReturnsValue {
                    name: f.name.clone(),
                    span: v.span,
                });
            }
            (Some(expected), None) => {
                self.error(CheckError::ReturnType {
                    expected: expected.to_string(),
                    found: "nothing".into(),
                    span,
                });
            }
            (Some(expected), Some(v)) => {
                if let Some(info) = self.check_expr(v) {
                    if !info.ty.assignable_to(expected) {
                        self.error(CheckError::ReturnType {
                            expected: expected.to_string(),
                            found: info.ty.to_string(),
                            span: v.span,
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }

    fn check_decl(&mut self, ty: &DeclType, name: &Ident, init: Option<&Expr>) {
        let block = self.ctx.block;
        let in_function = self.ctx.function.is_some();
        let block_level = !in_function && self.ctx.top_level && block != BlockKind::Model;
        let var_ty = UnsizedType {
            base: base_of(ty.kind),
            array_dims: ty.array_dims.len() as u8,
        };

        for size in ty.array_dims.iter().chain(ty.sizes.iter()) {
            if let Some(i) = self.check_expr(size) {
                if !i.ty.is_int() {
                    self.error(CheckError::SizeType {
                        found: i.ty.to_string(),
                        span: size.span,
                    });
                } else if block_level && i.activity == Activity::Param {
                    self.error(CheckError::SizeNotData { span: size.span });
                }
            }
        }
        let has_bounds = !matches!(ty.bounds, Bounds::None);
        if (ty.kind.is_constrained() || has_bounds) && !block_level {
            let type_name = if ty.kind.is_constrained() {
                ty.kind.keyword()
            } else {
                "bounds"
            };
            self.error(CheckError::ConstrainedLocal {
                span: ty.span,
                type_name,
            });
        }
        let bounds = self.check_bounds(ty, var_ty);
        if !in_function && block == BlockKind::Parameters && ty.kind == TypeKind::Int {
            self.error(CheckError::ParamIsInt {
                name: name.name.clone(),
                span: ty.span,
            });
        }
        let mut init_activity = Activity::Data;
        if let Some(init) = init {
            if !in_function && matches!(block, BlockKind::Data | BlockKind::Parameters) {
                self.error(CheckError::InitializerNotAllowed {
                    block: block.name(),
                    span: init.span,
                });
            }
            if let Some(info) = self.check_expr(init) {
                init_activity = info.activity;
                if !info.ty.assignable_to(var_ty) {
                    self.error(CheckError::AssignmentType {
                        name: name.name.clone(),
                        declared: var_ty.to_string(),
                        assigned: info.ty.to_string(),
                        span: init.span,
                        decl_span: ty.span,
                    });
                }
            }
        }
        let origin = if in_function {
            VarOrigin::FunctionLocal
        } else if block_level {
            VarOrigin::Block(block)
        } else {
            VarOrigin::Local(block)
        };
        let activity = match origin {
            VarOrigin::Block(BlockKind::Parameters | BlockKind::TransformedParameters)
                if var_ty.base != BaseType::Int =>
            {
                Activity::Param
            }
            VarOrigin::Block(_) => Activity::Data,
            _ if var_ty.base == BaseType::Int => Activity::Data,
            _ => init_activity,
        };
        self.declare(
            name,
            VarInfo {
                name: name.name.clone(),
                span: name.span,
                ty: var_ty,
                origin,
                activity,
                bounds,
                initialized: init.is_some(),
            },
        );
    }

    fn check_bounds(&mut self, ty: &DeclType, var_ty: UnsizedType) -> DeclaredBounds {
        let (first, second, names) = match &ty.bounds {
            Bounds::None => (None, None, ("", "")),
            Bounds::LowerUpper { lower, upper } => {
                (lower.as_ref(), upper.as_ref(), ("lower", "upper"))
            }
            Bounds::OffsetMultiplier { offset, multiplier } => (
                offset.as_ref(),
                multiplier.as_ref(),
                ("offset", "multiplier"),
            ),
        };
        let element = UnsizedType::scalar(var_ty.base);
        for (bound, which) in [(first, names.0), (second, names.1)] {
            let Some(bound) = bound else { continue };
            let Some(info) = self.check_expr(bound) else {
                continue;
            };
            let fits = info.ty.is_scalar() && (var_ty.base != BaseType::Int || info.ty.is_int())
                || info.ty.assignable_to(element.promoted())
                || info.ty.assignable_to(
                    UnsizedType {
                        base: element.promoted().base,
                        ..var_ty
                    }
                    .promoted(),
                );
            if !fits {
                self.error(CheckError::BoundType {
                    which,
                    found: info.ty.to_string(),
                    declared: var_ty.to_string(),
                    span: bound.span,
                });
            }
        }
        let literal = |e: Option<&Expr>| e.and_then(literal_value);
        let mut b = DeclaredBounds {
            positive_type: matches!(
                ty.kind,
                TypeKind::PositiveOrdered
                    | TypeKind::Simplex
                    | TypeKind::ColumnStochasticMatrix
                    | TypeKind::RowStochasticMatrix
            ),
            unit_type: matches!(
                ty.kind,
                TypeKind::Simplex
                    | TypeKind::ColumnStochasticMatrix
                    | TypeKind::RowStochasticMatrix
            ),
            compact_type: matches!(
                ty.kind,
                TypeKind::Simplex
                    | TypeKind::UnitVector
                    | TypeKind::CholeskyFactorCorr
                    | TypeKind::CorrMatrix
                    | TypeKind::ColumnStochasticMatrix
                    | TypeKind::RowStochasticMatrix
            ),
            ..Default::default()
        };
        if let Bounds::LowerUpper { lower, upper } = &ty.bounds {
            b.has_lower = lower.is_some();
            b.has_upper = upper.is_some();
            b.lower_literal = literal(lower.as_ref());
            b.upper_literal = literal(upper.as_ref());
        }
        b
    }

    fn check_assign(&mut self, target: &Expr, op: AssignOp, value: &Expr, span: Span) {
        let root = lvalue_root(target);
        let value_info = self.check_expr(value);
        let Some(root) = root else {
            self.check_expr(target);
            self.error(CheckError::NotAnLvalue { span: target.span });
            return;
        };
        // `jacobian += e;` reads as an assignment when no variable is named `jacobian`.
        if let ExprKind::Var(name) = &root.kind {
            if name == "jacobian"
                && op == AssignOp::Plus
                && self.lookup(name).is_none()
                && std::ptr::eq(root, target)
            {
                let allowed = self.ctx.function.is_none()
                    && self.ctx.block == BlockKind::TransformedParameters;
                if !allowed {
                    self.error(CheckError::JacobianOutsideTransformedParameters { span });
                }
                return;
            }
        }
        let Some(target_info) = self.check_expr(target) else {
            return;
        };
        if let Some(var) = self.out.var_refs.get(&root.id).copied() {
            self.out.assigned.insert(var);
        }
        let Some(var_id) = self.out.var_refs.get(&root.id).copied() else {
            return;
        };
        let var = self.out.var(var_id).clone();
        if let Some(why) = self.read_only_reason(&var) {
            self.error(CheckError::AssignToReadOnly {
                name: var.name.clone(),
                span: target.span,
                why,
                decl_span: var.span,
            });
            return;
        }
        let Some(value_info) = value_info else { return };
        match op.binary() {
            None => {
                if !value_info.ty.assignable_to(target_info.ty) {
                    self.error(CheckError::AssignmentType {
                        name: var.name.clone(),
                        declared: target_info.ty.to_string(),
                        assigned: value_info.ty.to_string(),
                        span: value.span,
                        decl_span: var.span,
                    });
                    return;
                }
            }
            Some(bin) => {
                let result = rules::binary_result(bin, target_info.ty, value_info.ty);
                if !result.is_some_and(|r| r.assignable_to(target_info.ty)) {
                    self.error(CheckError::CompoundAssignment {
                        op: op.text(),
                        declared: target_info.ty.to_string(),
                        assigned: value_info.ty.to_string(),
                        span,
                    });
                    return;
                }
            }
        }
        if value_info.activity == Activity::Param
            && var.activity == Activity::Data
            && var.ty.base != BaseType::Int
        {
            self.out.vars[var_id.0 as usize].activity = Activity::Param;
            self.activity_raised = true;
        }
    }

    /// Why `var` may not be assigned here, if it may not.
    fn read_only_reason(&self, var: &VarInfo) -> Option<String> {
        match var.origin {
            VarOrigin::LoopVar => Some("loop variables cannot be assigned".into()),
            VarOrigin::FunctionArg => {
                Some("function arguments cannot be assigned; copy it into a local variable".into())
            }
            VarOrigin::Block(BlockKind::Data) => Some("data cannot be assigned".into()),
            VarOrigin::Block(BlockKind::Parameters) => {
                Some("parameters are set by the sampler and cannot be assigned".into())
            }
            VarOrigin::Block(b) if self.ctx.function.is_some() || b != self.ctx.block => {
                Some(format!(
                    "`{}` belongs to the {} block and can only be assigned there",
                    var.name,
                    b.name()
                ))
            }
            _ => None,
        }
    }

    fn check_tilde(
        &mut self,
        lhs: &Expr,
        dist: &Ident,
        args: &[Expr],
        truncation: Option<&Truncation>,
        span: Span,
    ) {
        if !self.target_allowed() {
            self.error(CheckError::TargetOutsideModel { what: "~", span });
        }
        let lhs_info = self.check_expr(lhs);
        let arg_infos: Vec<Option<ExprInfo>> = args.iter().map(|a| self.check_expr(a)).collect();
        let name = dist.name.as_str();
        if ["_lpdf", "_lpmf", "_lupdf", "_lupmf"]
            .iter()
            .any(|s| name.ends_with(s))
        {
            self.error(CheckError::TildeOnFunction {
                name: name.to_string(),
                span: dist.span,
            });
            return;
        }
        let table = stdlib::table();
        let has = |n: &str| table.contains(n) || self.user_functions.contains_key(n);
        let density = [format!("{name}_lpdf"), format!("{name}_lpmf")]
            .into_iter()
            .find(|n| has(n));
        let Some(density) = density else {
            let mut names: Vec<String> = table.names().map(|s| s.to_string()).collect();
            names.extend(self.user_functions.keys().cloned());
            let families: Vec<String> = names
                .iter()
                .filter_map(|n| n.strip_suffix("_lpdf").or_else(|| n.strip_suffix("_lpmf")))
                .map(|s| s.to_string())
                .collect();
            let suggestion = did_you_mean(name, families.iter().map(|s| s.as_str()));
            if stdlib::signatures::is_known_unsupported(&format!("{name}_lpdf"))
                || stdlib::signatures::is_known_unsupported(&format!("{name}_lpmf"))
            {
                self.error(CheckError::NotSupportedYet {
                    name: format!("the distribution `{name}`"),
                    span: dist.span,
                });
            } else {
                self.error(CheckError::UnknownDistribution {
                    name: name.to_string(),
                    span: dist.span,
                    suggestion,
                });
            }
            return;
        };
        let Some(lhs_info) = lhs_info else { return };
        let Some(arg_infos) = arg_infos.into_iter().collect::<Option<Vec<_>>>() else {
            return;
        };
        let mut all = vec![lhs_info];
        all.extend(arg_infos);
        let mut exprs = vec![lhs.clone()];
        exprs.extend(args.iter().cloned());
        let Some((target, _)) = self.resolve_call(&density, dist.span, span, &all, &exprs) else {
            // Word a signature mismatch as the user wrote it: `y ~ normal(...)`.
            if let Some(CheckError::NoMatchingSignature {
                name: n,
                args,
                candidates,
                ..
            }) = self.errors.last().cloned()
            {
                if n == density {
                    let tilde_form = |types: &[String]| match types.split_first() {
                        Some((variate, rest)) => format!("{variate} ~ {name}({})", rest.join(", ")),
                        None => format!("~ {name}()"),
                    };
                    let candidates = candidates
                        .iter()
                        .map(|c| {
                            let inner = c.trim_start_matches('(').trim_end_matches(')');
                            let types: Vec<String> =
                                inner.split(", ").map(str::to_string).collect();
                            tilde_form(&types)
                        })
                        .collect();
                    self.errors.pop();
                    self.error(CheckError::TildeSignature {
                        dist: name.to_string(),
                        written: tilde_form(&args),
                        span,
                        candidates,
                    });
                }
            }
            return;
        };
        self.out.tildes.insert(dist.span.start, target);
        if let Some(t) = truncation {
            self.check_truncation(name, lhs_info, t);
        }
    }

    fn check_truncation(&mut self, family: &str, lhs: ExprInfo, t: &Truncation) {
        if !lhs.ty.is_scalar() {
            self.error(CheckError::TruncationNotUnivariate { span: t.span });
        }
        for bound in t.lower.iter().chain(t.upper.iter()) {
            if let Some(i) = self.check_expr(bound) {
                if !i.ty.is_scalar() {
                    self.error(CheckError::SizeType {
                        found: i.ty.to_string(),
                        span: bound.span,
                    });
                }
            }
        }
        let needed: Vec<String> = match (&t.lower, &t.upper) {
            (Some(_), None) => vec![format!("{family}_lccdf")],
            (None, Some(_)) => vec![format!("{family}_lcdf")],
            (Some(_), Some(_)) => vec![format!("{family}_lcdf"), format!("{family}_lccdf")],
            (None, None) => vec![],
        };
        let table = stdlib::table();
        for n in needed {
            if !table.contains(&n) && !self.user_functions.contains_key(&n) {
                self.error(CheckError::TruncationNeedsCdf {
                    dist: family.to_string(),
                    span: t.span,
                    missing: n,
                });
                return;
            }
        }
    }
}

/// The variable at the root of an assignable expression (`x`, `x[i]`, `x[i][j]`).
pub(crate) fn lvalue_root(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Var(_) => Some(e),
        ExprKind::Indexed { base, .. } => lvalue_root(base),
        _ => None,
    }
}

fn literal_value(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::IntLit(v) => Some(*v as f64),
        ExprKind::RealLit(v) => Some(*v),
        ExprKind::Unary {
            op: UnOp::Neg,
            operand,
        } => literal_value(operand).map(|v| -v),
        ExprKind::Paren(inner) => literal_value(inner),
        _ => None,
    }
}

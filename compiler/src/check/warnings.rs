//! Warnings about the mistakes learners make most, run over a program that type-checked.
//!
//! Each lint reads the syntax tree and the typed side tables; none changes them.

use super::stmt::lvalue_root;
use super::typed::{Activity, TypedProgram, VarId, VarOrigin};
use super::CheckError;
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};
use stdlib::distribution_info::{self, Support};

pub(crate) fn lint(program: &Program, typed: &TypedProgram) -> Vec<CheckError> {
    let mut out = Vec::new();
    let model = program.stmts(BlockKind::Model);
    parameters_without_prior(program, typed, &mut out);
    distribution_arguments(model, typed, &mut out);
    used_before_assigned(program, typed, &mut out);
    out
}

/// Every variable an expression reads.
fn vars_in(e: &Expr, typed: &TypedProgram, out: &mut HashSet<VarId>) {
    let mut visit = |e: &Expr| {
        if let Some(id) = typed.var_refs.get(&e.id) {
            out.insert(*id);
        }
    };
    walk_expr(e, &mut visit);
}

fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        ExprKind::Unary { operand: x, .. } | ExprKind::Transpose(x) | ExprKind::Paren(x) => {
            walk_expr(x, f)
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            walk_expr(cond, f);
            walk_expr(then, f);
            walk_expr(otherwise, f);
        }
        ExprKind::Indexed { base, indices } => {
            walk_expr(base, f);
            for i in indices {
                match i {
                    Index::Single(x) => walk_expr(x, f),
                    Index::Slice { lower, upper } => lower
                        .iter()
                        .chain(upper.iter())
                        .for_each(|x| walk_expr(x, f)),
                    Index::All => {}
                }
            }
        }
        ExprKind::Call { args, .. } | ExprKind::ArrayLit(args) | ExprKind::RowVectorLit(args) => {
            args.iter().for_each(|a| walk_expr(a, f))
        }
        _ => {}
    }
}

/// Calls `f` on every statement, nested ones included.
fn walk_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    for s in stmts {
        f(s);
        match &s.kind {
            StmtKind::Block(inner) => walk_stmts(inner, f),
            StmtKind::For { body, .. }
            | StmtKind::ForEach { body, .. }
            | StmtKind::While { body, .. } => walk_stmts(std::slice::from_ref(body), f),
            StmtKind::If {
                then, otherwise, ..
            } => {
                walk_stmts(std::slice::from_ref(then), f);
                if let Some(o) = otherwise {
                    walk_stmts(std::slice::from_ref(o), f);
                }
            }
            _ => {}
        }
    }
}

fn is_density_call(name: &str) -> bool {
    distribution_info::family_of(name).is_some()
}

/// W001: a parameter that nothing gives a prior, when others have one.
fn parameters_without_prior(program: &Program, typed: &TypedProgram, out: &mut Vec<CheckError>) {
    if program.block(BlockKind::Model).is_none() {
        return;
    }
    let params: Vec<VarId> = (0..typed.vars.len() as u32)
        .map(VarId)
        .filter(|id| typed.var(*id).origin == VarOrigin::Block(BlockKind::Parameters))
        .collect();
    if params.is_empty() {
        return;
    }
    // What each transformed parameter (or model local) is computed from.
    let mut depends: HashMap<VarId, HashSet<VarId>> = HashMap::new();
    for kind in [BlockKind::TransformedParameters, BlockKind::Model] {
        walk_stmts(program.stmts(kind), &mut |s| {
            let (target, value) = match &s.kind {
                StmtKind::Decl {
                    name,
                    init: Some(init),
                    ..
                } => (typed.decl(name.span.start), init),
                StmtKind::Assign { target, value, .. } => (
                    lvalue_root(target).and_then(|r| typed.var_refs.get(&r.id).copied()),
                    value,
                ),
                _ => return,
            };
            if let Some(t) = target {
                vars_in(value, typed, depends.entry(t).or_default());
            }
        });
    }
    let mut covered: HashSet<VarId> = HashSet::new();
    walk_stmts(program.stmts(BlockKind::Model), &mut |s| match &s.kind {
        StmtKind::Tilde { lhs, .. } => vars_in(lhs, typed, &mut covered),
        StmtKind::TargetPlus(e) => target_coverage(e, typed, &mut covered),
        StmtKind::Call { args, .. } => args.iter().for_each(|a| vars_in(a, typed, &mut covered)),
        // An `_lp` function called inside an expression may give its arguments priors too.
        StmtKind::Decl { init: Some(e), .. } | StmtKind::Assign { value: e, .. } => {
            walk_expr(e, &mut |x| match &x.kind {
                ExprKind::Call { name, args, .. } if name.name.ends_with("_lp") => {
                    args.iter().for_each(|a| vars_in(a, typed, &mut covered))
                }
                _ => {}
            })
        }
        _ => {}
    });
    // A prior on a transformed value covers what it is computed from.
    let mut frontier: Vec<VarId> = covered.iter().copied().collect();
    while let Some(v) = frontier.pop() {
        if let Some(deps) = depends.get(&v) {
            for d in deps {
                if covered.insert(*d) {
                    frontier.push(*d);
                }
            }
        }
    }
    if !params.iter().any(|p| covered.contains(p)) {
        return;
    }
    for p in params {
        let v = typed.var(p);
        // A parameter on a bounded set has a proper uniform prior without a statement.
        let bounded = v.bounds.compact_type || (v.bounds.has_lower && v.bounds.has_upper);
        if !covered.contains(&p) && !bounded {
            out.push(CheckError::ParameterWithoutPrior {
                name: v.name.clone(),
                span: v.span,
            });
        }
    }
}

/// In `target += ...`, the variates of density calls get a prior, and so
/// does anything added outside a density call (a hand-written log density).
fn target_coverage(e: &Expr, typed: &TypedProgram, covered: &mut HashSet<VarId>) {
    match &e.kind {
        ExprKind::Call { name, args, .. } if is_density_call(&name.name) => {
            if let Some(first) = args.first() {
                vars_in(first, typed, covered);
            }
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| target_coverage(a, typed, covered)),
        ExprKind::Binary { lhs, rhs, .. } => {
            target_coverage(lhs, typed, covered);
            target_coverage(rhs, typed, covered);
        }
        ExprKind::Unary { operand, .. } | ExprKind::Paren(operand) => {
            target_coverage(operand, typed, covered)
        }
        _ => vars_in(e, typed, covered),
    }
}

/// W002, W003, W004: positive arguments, prior support, and Jacobians on `~`.
fn distribution_arguments(model: &[Stmt], typed: &TypedProgram, out: &mut Vec<CheckError>) {
    walk_stmts(model, &mut |s| match &s.kind {
        StmtKind::Tilde {
            lhs, dist, args, ..
        } => {
            let mut all: Vec<&Expr> = vec![lhs];
            all.extend(args.iter());
            positive_arguments(&dist.name, &all, typed, out);
            prior_support(&dist.name, lhs, dist.span.to(s.span), typed, out);
            nonlinear_lhs(lhs, typed, out);
        }
        StmtKind::TargetPlus(e) => {
            walk_expr(e, &mut |x| {
                if let ExprKind::Call { name, args, .. } = &x.kind {
                    if let Some(family) = distribution_info::family_of(&name.name) {
                        let all: Vec<&Expr> = args.iter().collect();
                        positive_arguments(family, &all, typed, out);
                    }
                }
            });
        }
        _ => {}
    });
}

/// The parameter an argument names directly (`sigma` or `sigma[k]`).
fn named_parameter(e: &Expr, typed: &TypedProgram) -> Option<VarId> {
    let root = match &e.kind {
        ExprKind::Paren(inner) => return named_parameter(inner, typed),
        _ => lvalue_root(e)?,
    };
    let id = typed.var_refs.get(&root.id).copied()?;
    (typed.var(id).origin == VarOrigin::Block(BlockKind::Parameters)).then_some(id)
}

fn positive_arguments(
    family: &str,
    args: &[&Expr],
    typed: &TypedProgram,
    out: &mut Vec<CheckError>,
) {
    for &position in distribution_info::positive_arguments(family) {
        let Some(arg) = args.get(position) else {
            continue;
        };
        let Some(id) = named_parameter(arg, typed) else {
            continue;
        };
        let v = typed.var(id);
        let bounded = v.bounds.positive_type || v.bounds.lower_literal.is_some_and(|l| l >= 0.0);
        if !bounded && !v.bounds.has_lower {
            out.push(CheckError::ScaleWithoutLowerBound {
                name: v.name.clone(),
                dist: family.to_string(),
                span: arg.span,
                decl_span: v.span,
            });
        }
    }
}

fn prior_support(
    family: &str,
    lhs: &Expr,
    span: Span,
    typed: &TypedProgram,
    out: &mut Vec<CheckError>,
) {
    let Some(support) = distribution_info::support(family) else {
        return;
    };
    let Some(id) = named_parameter(lhs, typed) else {
        return;
    };
    let v = typed.var(id);
    let b = v.bounds;
    let lower_ok = |min: f64| b.positive_type || b.lower_literal.is_some_and(|l| l >= min);
    let fits = match support {
        Support::Real => true,
        Support::Positive => lower_ok(0.0) || (b.has_lower && b.lower_literal.is_none()),
        Support::Unit => {
            b.unit_type
                || (lower_ok(0.0) && b.upper_literal.is_some_and(|u| u <= 1.0))
                || (b.has_lower
                    && b.has_upper
                    && (b.lower_literal.is_none() || b.upper_literal.is_none()))
        }
    };
    if !fits {
        let show = |x: Option<f64>, has: bool, inf: &str| match (x, has) {
            (Some(x), _) => format!("{x}"),
            (None, true) => "a bound".to_string(),
            (None, false) => inf.to_string(),
        };
        let declared = format!(
            "({}, {})",
            show(b.lower_literal, b.has_lower, "-inf"),
            show(b.upper_literal, b.has_upper, "inf")
        );
        out.push(CheckError::PriorSupportMismatch {
            name: v.name.clone(),
            dist: family.to_string(),
            support: support.describe(),
            declared,
            span,
            decl_span: v.span,
        });
    }
}

fn nonlinear_lhs(lhs: &Expr, typed: &TypedProgram, out: &mut Vec<CheckError>) {
    if lvalue_root(lhs).is_some()
        || typed
            .expr(lhs.id)
            .is_none_or(|i| i.activity == Activity::Data)
    {
        return;
    }
    if is_nonlinear(lhs, typed) {
        out.push(CheckError::NonlinearTildeLhs { span: lhs.span });
    }
}

/// Whether an expression is a nonlinear function of parameters.
fn is_nonlinear(e: &Expr, typed: &TypedProgram) -> bool {
    let active = |x: &Expr| {
        typed
            .expr(x.id)
            .is_some_and(|i| i.activity == Activity::Param)
    };
    match &e.kind {
        ExprKind::Paren(x) | ExprKind::Transpose(x) => is_nonlinear(x, typed),
        ExprKind::Unary { operand, .. } => is_nonlinear(operand, typed),
        ExprKind::Binary {
            op: BinOp::Add | BinOp::Sub,
            lhs,
            rhs,
        } => is_nonlinear(lhs, typed) || is_nonlinear(rhs, typed),
        ExprKind::Binary {
            op: BinOp::Mul | BinOp::EltMul,
            lhs,
            rhs,
        } => (active(lhs) && active(rhs)) || is_nonlinear(lhs, typed) || is_nonlinear(rhs, typed),
        ExprKind::Binary {
            op: BinOp::Div | BinOp::EltDiv,
            lhs,
            rhs,
        } => active(rhs) || is_nonlinear(lhs, typed),
        // Reshaping and selecting functions move values around without changing them.
        ExprKind::Call { name, args, .. } if is_reshape(&name.name) => {
            args.iter().any(|a| is_nonlinear(a, typed))
        }
        ExprKind::Call { .. } | ExprKind::Binary { .. } | ExprKind::Ternary { .. } => active(e),
        _ => false,
    }
}

/// Functions whose result is their arguments' elements rearranged, so they need no Jacobian.
fn is_reshape(name: &str) -> bool {
    matches!(
        name,
        "to_vector"
            | "to_row_vector"
            | "to_matrix"
            | "to_array_1d"
            | "to_array_2d"
            | "head"
            | "tail"
            | "segment"
            | "col"
            | "row"
            | "block"
            | "sub_col"
            | "sub_row"
            | "append_row"
            | "append_col"
            | "diagonal"
            | "transpose"
            | "reverse"
    )
}

/// W006: a local, transformed parameter or generated quantity read before any assignment.
fn used_before_assigned(program: &Program, typed: &TypedProgram, out: &mut Vec<CheckError>) {
    let mut assigned: HashSet<VarId> = HashSet::new();
    let mut warned: HashSet<VarId> = HashSet::new();
    let mut check_reads = |e: &Expr, assigned: &HashSet<VarId>, out: &mut Vec<CheckError>| {
        walk_expr(e, &mut |x| {
            let Some(id) = typed.var_refs.get(&x.id).copied() else {
                return;
            };
            let v = typed.var(id);
            let tracked = !v.initialized
                && !matches!(
                    v.origin,
                    VarOrigin::Block(BlockKind::Data | BlockKind::Parameters)
                        | VarOrigin::FunctionArg
                        | VarOrigin::LoopVar
                );
            if tracked && !assigned.contains(&id) && warned.insert(id) {
                out.push(CheckError::UsedBeforeAssigned {
                    name: v.name.clone(),
                    span: x.span,
                    decl_span: v.span,
                });
            }
        });
    };
    let mut visit = |stmts: &[Stmt]| {
        walk_stmts(stmts, &mut |s| match &s.kind {
            StmtKind::Decl {
                init: Some(init), ..
            } => check_reads(init, &assigned, out),
            StmtKind::Assign { target, op, value } => {
                check_reads(value, &assigned, out);
                if let ExprKind::Indexed { indices, .. } = &target.kind {
                    for i in indices {
                        if let Index::Single(x) = i {
                            check_reads(x, &assigned, out);
                        }
                    }
                }
                if let Some(root) = lvalue_root(target) {
                    if *op != AssignOp::Assign {
                        check_reads(root, &assigned, out);
                    }
                    if let Some(id) = typed.var_refs.get(&root.id) {
                        assigned.insert(*id);
                    }
                }
            }
            StmtKind::Tilde { lhs, args, .. } => {
                check_reads(lhs, &assigned, out);
                args.iter().for_each(|a| check_reads(a, &assigned, out));
            }
            StmtKind::TargetPlus(e) | StmtKind::JacobianPlus(e) => check_reads(e, &assigned, out),
            StmtKind::Return(Some(e)) => check_reads(e, &assigned, out),
            StmtKind::If { cond, .. } | StmtKind::While { cond, .. } => {
                check_reads(cond, &assigned, out)
            }
            StmtKind::For { lower, upper, .. } => {
                check_reads(lower, &assigned, out);
                check_reads(upper, &assigned, out);
            }
            StmtKind::ForEach { container, .. } => check_reads(container, &assigned, out),
            StmtKind::Call { args, .. } => args.iter().for_each(|a| check_reads(a, &assigned, out)),
            StmtKind::Print(items) => items.iter().for_each(|i| {
                if let Printable::Expr(e) = i {
                    check_reads(e, &assigned, out)
                }
            }),
            _ => {}
        });
    };
    for f in program.functions() {
        if let Some(body) = &f.body {
            visit(std::slice::from_ref(body));
        }
    }
    for kind in BlockKind::ALL.into_iter().skip(1) {
        visit(program.stmts(kind));
    }
}

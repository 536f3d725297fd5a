//! Walks over every expression of a program, for passes that touch each one (numbering, span checks).

use crate::syntax::ast::*;

/// Calls `f` on every expression in the program, parents before children.
pub fn walk_exprs_mut(program: &mut Program, f: &mut dyn FnMut(&mut Expr)) {
    for block in &mut program.blocks {
        for fun in &mut block.functions {
            if let Some(body) = &mut fun.body {
                walk_stmt_mut(body, f);
            }
        }
        for stmt in &mut block.stmts {
            walk_stmt_mut(stmt, f);
        }
    }
}

pub fn walk_stmt_mut(stmt: &mut Stmt, f: &mut dyn FnMut(&mut Expr)) {
    match &mut stmt.kind {
        StmtKind::Decl { ty, init, .. } => {
            walk_decl_type_mut(ty, f);
            if let Some(e) = init {
                walk_expr_mut(e, f);
            }
        }
        StmtKind::Assign { target, value, .. } => {
            walk_expr_mut(target, f);
            walk_expr_mut(value, f);
        }
        StmtKind::Tilde {
            lhs,
            args,
            truncation,
            ..
        } => {
            walk_expr_mut(lhs, f);
            args.iter_mut().for_each(|a| walk_expr_mut(a, f));
            if let Some(t) = truncation {
                t.lower
                    .iter_mut()
                    .chain(t.upper.iter_mut())
                    .for_each(|e| walk_expr_mut(e, f));
            }
        }
        StmtKind::TargetPlus(e) | StmtKind::JacobianPlus(e) => walk_expr_mut(e, f),
        StmtKind::For {
            lower, upper, body, ..
        } => {
            walk_expr_mut(lower, f);
            walk_expr_mut(upper, f);
            walk_stmt_mut(body, f);
        }
        StmtKind::ForEach {
            container, body, ..
        } => {
            walk_expr_mut(container, f);
            walk_stmt_mut(body, f);
        }
        StmtKind::While { cond, body } => {
            walk_expr_mut(cond, f);
            walk_stmt_mut(body, f);
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            walk_expr_mut(cond, f);
            walk_stmt_mut(then, f);
            if let Some(o) = otherwise {
                walk_stmt_mut(o, f);
            }
        }
        StmtKind::Return(e) => e.iter_mut().for_each(|e| walk_expr_mut(e, f)),
        StmtKind::Print(items) | StmtKind::Reject(items) | StmtKind::FatalError(items) => {
            for item in items {
                if let Printable::Expr(e) = item {
                    walk_expr_mut(e, f);
                }
            }
        }
        StmtKind::Block(stmts) => stmts.iter_mut().for_each(|s| walk_stmt_mut(s, f)),
        StmtKind::Call { args, .. } => args.iter_mut().for_each(|a| walk_expr_mut(a, f)),
        StmtKind::OldSyntax(OldSyntax::ArrayAfterName { ty, dims, .. }) => {
            walk_decl_type_mut(ty, f);
            dims.iter_mut().for_each(|d| walk_expr_mut(d, f));
        }
        StmtKind::OldSyntax(OldSyntax::ArrowAssign)
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Empty
        | StmtKind::Error => {}
    }
}

fn walk_decl_type_mut(ty: &mut DeclType, f: &mut dyn FnMut(&mut Expr)) {
    ty.array_dims
        .iter_mut()
        .chain(ty.sizes.iter_mut())
        .for_each(|e| walk_expr_mut(e, f));
    match &mut ty.bounds {
        Bounds::None => {}
        Bounds::LowerUpper { lower: a, upper: b }
        | Bounds::OffsetMultiplier {
            offset: a,
            multiplier: b,
        } => {
            a.iter_mut()
                .chain(b.iter_mut())
                .for_each(|e| walk_expr_mut(e, f));
        }
    }
}

pub fn walk_expr_mut(expr: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    f(expr);
    match &mut expr.kind {
        ExprKind::IntLit(_) | ExprKind::RealLit(_) | ExprKind::Var(_) | ExprKind::Error => {}
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr_mut(lhs, f);
            walk_expr_mut(rhs, f);
        }
        ExprKind::Unary { operand, .. } => walk_expr_mut(operand, f),
        ExprKind::Transpose(e) | ExprKind::Paren(e) => walk_expr_mut(e, f),
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            walk_expr_mut(cond, f);
            walk_expr_mut(then, f);
            walk_expr_mut(otherwise, f);
        }
        ExprKind::Indexed { base, indices } => {
            walk_expr_mut(base, f);
            for index in indices {
                match index {
                    Index::Single(e) => walk_expr_mut(e, f),
                    Index::Slice { lower, upper } => lower
                        .iter_mut()
                        .chain(upper.iter_mut())
                        .for_each(|e| walk_expr_mut(e, f)),
                    Index::All => {}
                }
            }
        }
        ExprKind::Call { args, .. } | ExprKind::ArrayLit(args) | ExprKind::RowVectorLit(args) => {
            args.iter_mut().for_each(|a| walk_expr_mut(a, f))
        }
    }
}

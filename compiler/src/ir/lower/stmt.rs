//! Lowering statements: declarations, assignments, `~`, `target +=`, loops, branches, printing.

use super::expr::{Run, Val};
use super::{LowerError, Lowering, VarStorage};
use crate::check::{Activity, CallTarget, VarOrigin};
use crate::ir::*;
use crate::syntax::ast::{self, BlockKind, Expr, Printable, Stmt as AstStmt, StmtKind};
use stdlib::BaseType;

impl<'a> Lowering<'a> {
    pub(crate) fn lower_stmt(
        &mut self,
        stmt: &AstStmt,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        self.current_span = stmt.span;
        match &stmt.kind {
            StmtKind::Decl { ty, name, init } => {
                let var = self.decl_var(name)?;
                let info = self.typed.var(var).clone();
                let dims = self.declared_dims(ty)?;
                let int = info.ty.base == BaseType::Int;
                let active = info.activity == Activity::Param
                    || matches!(
                        info.origin,
                        VarOrigin::Block(BlockKind::TransformedParameters)
                    );
                let active = active && self.differentiated;
                let slot = self.alloc(name.name.clone(), dims.clone(), int, active);
                let storage = VarStorage {
                    slot,
                    ty: info.ty,
                    dims: dims.clone(),
                };
                self.vars.insert(var, storage.clone());
                let run = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: info.ty,
                    dims,
                };
                match init {
                    Some(init) => {
                        // An int computed from data in transformed data may size what
                        // follows: evaluate it now when it is a constant expression.
                        if int && run.dims.is_empty() && self.block == BlockKind::TransformedData {
                            if let Ok(value) = self.const_int(init) {
                                let offset = self.module.layout.slot(slot).offset;
                                self.ints_arena[offset] = value;
                            }
                        } else if int && run.dims.is_empty() && !self.typed.assigned.contains(&var)
                        {
                            // A local int never assigned again (`int n = size(x);`
                            // in a function) keeps a value known when compiling,
                            // which may size what follows.
                            match self.const_int(init) {
                                Ok(value) => self.known_int_args.insert(var, value),
                                Err(_) => self.known_int_args.remove(&var),
                            };
                        }
                        let v = self.lower_expr(init, out)?;
                        self.store_into(&run, v, out)?;
                    }
                    None if !int => {
                        // Stan starts real variables as NaN, so reading one before assigning shows.
                        let n = run.len();
                        self.for_each_index(n, out, |_, k, body| {
                            body.push(Stmt::SetR(run.place(k), RExpr::Const(f64::NAN)));
                            Ok(())
                        })?;
                    }
                    None => {}
                }
                Ok(())
            }
            StmtKind::Assign { target, op, value } => {
                self.lower_assign(target, *op, value, stmt.span, out)
            }
            StmtKind::Tilde {
                lhs,
                dist,
                args,
                truncation,
            } => {
                let target = self
                    .typed
                    .tildes
                    .get(&dist.span.start)
                    .cloned()
                    .ok_or_else(|| LowerError::internal(dist.span, "unresolved distribution"))?;
                let mut all: Vec<&Expr> = vec![lhs];
                all.extend(args.iter());
                let value = match &target {
                    CallTarget::Builtin { name, .. } => {
                        self.density_call(name, &all, !self.keep_constants, stmt.span, out)?
                    }
                    CallTarget::User(id) => {
                        let f = self.typed.functions[id.0 as usize].name.clone();
                        let v = self.inline_call(&f, &all, stmt.span, out)?;
                        v.as_real().ok_or_else(|| {
                            LowerError::internal(stmt.span, "a density returned a container")
                        })?
                    }
                    CallTarget::ReduceSum(_) => {
                        return Err(LowerError::internal(
                            stmt.span,
                            "reduce_sum as a distribution",
                        ))
                    }
                };
                self.push_add_target(value, out);
                if let Some(t) = truncation {
                    self.lower_truncation(&target, t, lhs, args, out)?;
                }
                Ok(())
            }
            StmtKind::TargetPlus(e) => {
                let v = self.lower_expr(e, out)?;
                match v {
                    Val::Run(run) => {
                        let n = run.len();
                        self.for_each_index(n, out, |_, k, body| {
                            body.push(Stmt::AddTarget(run.real(k)));
                            Ok(())
                        })
                    }
                    scalar => {
                        self.push_add_target(
                            scalar.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                            out,
                        );
                        Ok(())
                    }
                }
            }
            StmtKind::JacobianPlus(e) => {
                let v = self.lower_expr(e, out)?;
                let jac = IExpr::Load(Box::new(Place::at(
                    self.jacobian_slot.expect("jacobian slot"),
                    0,
                )));
                let mut then = Vec::new();
                match v {
                    Val::Run(run) => {
                        let n = run.len();
                        self.for_each_index(n, &mut then, |_, k, body| {
                            body.push(Stmt::AddTarget(run.real(k)));
                            Ok(())
                        })?;
                    }
                    scalar => then.push(Stmt::AddTarget(
                        scalar.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                    )),
                }
                out.push(Stmt::If {
                    cond: jac,
                    then,
                    otherwise: vec![],
                });
                Ok(())
            }
            StmtKind::For {
                var,
                lower,
                upper,
                body,
            } => {
                let lo = self.lower_expr(lower, out)?;
                let hi = self.lower_expr(upper, out)?;
                let (Val::Int(lo), Val::Int(hi)) = (lo, hi) else {
                    return Err(LowerError::internal(stmt.span, "loop bounds are not ints"));
                };
                let id = self.decl_var(var)?;
                let slot = self.alloc(var.name.clone(), vec![], true, false);
                self.vars.insert(
                    id,
                    VarStorage {
                        slot,
                        ty: stdlib::UnsizedType::INT,
                        dims: vec![],
                    },
                );
                let mut inner = Vec::new();
                self.lower_stmt(body, &mut inner)?;
                self.break_after_return(body, &mut inner);
                out.push(Stmt::For {
                    var: slot,
                    lo,
                    hi,
                    body: inner,
                });
                Ok(())
            }
            StmtKind::ForEach {
                var,
                container,
                body,
            } => {
                let c = self.lower_expr(container, out)?;
                let Val::Run(run) = c else {
                    return Err(LowerError::internal(stmt.span, "foreach over a scalar"));
                };
                let id = self.decl_var(var)?;
                let info = self.typed.var(id).clone();
                let elem_dims: Vec<usize> = if run.ty.array_dims > 0 {
                    run.dims[1..].to_vec()
                } else {
                    vec![]
                };
                let n = if run.ty.array_dims > 0 {
                    run.dims[0]
                } else {
                    run.len()
                };
                let stride: usize = elem_dims.iter().product();
                let int = info.ty.base == BaseType::Int;
                let slot = self.alloc(
                    var.name.clone(),
                    elem_dims.clone(),
                    int,
                    self.differentiated && info.activity == Activity::Param,
                );
                self.vars.insert(
                    id,
                    VarStorage {
                        slot,
                        ty: info.ty,
                        dims: elem_dims.clone(),
                    },
                );
                let k = self.int_temp();
                let kexpr = IExpr::Load(Box::new(Place::at(k, 0)));
                let src = Run {
                    slot: run.slot,
                    offset: super::expr::add(
                        run.offset.clone(),
                        super::expr::mul(kexpr, stride as i64),
                    ),
                    ty: info.ty,
                    dims: elem_dims.clone(),
                };
                let dst = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: info.ty,
                    dims: elem_dims,
                };
                let mut inner = Vec::new();
                let value = if stride == 1 && dst.dims.is_empty() {
                    if int {
                        Val::Int(src.int(IExpr::Const(0)))
                    } else {
                        Val::Real(src.real(IExpr::Const(0)))
                    }
                } else {
                    Val::Run(src)
                };
                self.store_into(&dst, value, &mut inner)?;
                self.lower_stmt(body, &mut inner)?;
                self.break_after_return(body, &mut inner);
                if n > 0 {
                    out.push(Stmt::For {
                        var: k,
                        lo: IExpr::Const(0),
                        hi: IExpr::Const(n as i64 - 1),
                        body: inner,
                    });
                }
                Ok(())
            }
            StmtKind::While { cond, body } => {
                // The condition may need statements of its own: evaluate it at the top of each pass.
                let mut pre = Vec::new();
                let c = self.lower_expr(cond, &mut pre)?;
                let c = self.truth(c, cond)?;
                let mut inner = Vec::new();
                if pre.is_empty() {
                    self.lower_stmt(body, &mut inner)?;
                    self.break_after_return(body, &mut inner);
                    out.push(Stmt::While {
                        cond: c,
                        body: inner,
                    });
                } else {
                    inner.extend(pre);
                    inner.push(Stmt::If {
                        cond: IExpr::Not(Box::new(c)),
                        then: vec![Stmt::Break],
                        otherwise: vec![],
                    });
                    self.lower_stmt(body, &mut inner)?;
                    self.break_after_return(body, &mut inner);
                    out.push(Stmt::While {
                        cond: IExpr::Const(1),
                        body: inner,
                    });
                }
                Ok(())
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.lower_expr(cond, out)?;
                let c = self.truth(c, cond)?;
                let mut t = Vec::new();
                self.lower_stmt(then, &mut t)?;
                let mut o = Vec::new();
                if let Some(other) = otherwise {
                    self.lower_stmt(other, &mut o)?;
                }
                out.push(Stmt::If {
                    cond: c,
                    then: t,
                    otherwise: o,
                });
                Ok(())
            }
            StmtKind::Break => {
                self.loop_exit_spans.push(stmt.span);
                out.push(Stmt::Break);
                Ok(())
            }
            StmtKind::Continue => {
                self.loop_exit_spans.push(stmt.span);
                out.push(Stmt::Continue);
                Ok(())
            }
            StmtKind::Return(value) => self.lower_return(value.as_ref(), stmt.span, out),
            StmtKind::Print(items) => {
                let parts = self.print_parts(items, out)?;
                out.push(Stmt::Print(parts));
                Ok(())
            }
            StmtKind::Reject(items) | StmtKind::FatalError(items) => {
                let parts = self.print_parts(items, out)?;
                let msg = self.msg(stmt.span, "rejected");
                out.push(Stmt::Reject { msg, parts });
                Ok(())
            }
            StmtKind::Block(stmts) => self.lower_stmt_list(stmts, out),
            StmtKind::Call { name, args } => {
                let target = self.typed.statement_calls.get(&name.span.start).cloned();
                match target {
                    Some(CallTarget::User(id)) => {
                        let f = self.typed.functions[id.0 as usize].name.clone();
                        let refs: Vec<&Expr> = args.iter().collect();
                        self.inline_call(&f, &refs, stmt.span, out)?;
                        Ok(())
                    }
                    _ => Err(LowerError::unsupported(
                        stmt.span,
                        format!("calling `{}` as a statement", name.name),
                    )),
                }
            }
            StmtKind::Empty => Ok(()),
            StmtKind::OldSyntax(_) | StmtKind::Error => Err(LowerError::internal(
                stmt.span,
                "an erroneous statement reached lowering",
            )),
        }
    }

    /// Lowers a statement list; inside an inlined function, the statements
    /// after one that may `return` run only if it did not.
    pub(crate) fn lower_stmt_list(
        &mut self,
        stmts: &[AstStmt],
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        for (i, s) in stmts.iter().enumerate() {
            self.lower_stmt(s, out)?;
            if let Some((_, returned)) = self.return_slots.last().cloned() {
                if contains_return(s) && i + 1 < stmts.len() {
                    let mut rest = Vec::new();
                    self.lower_stmt_list(&stmts[i + 1..], &mut rest)?;
                    let flag = IExpr::Load(Box::new(Place::at(returned, 0)));
                    out.push(Stmt::If {
                        cond: IExpr::Not(Box::new(flag)),
                        then: rest,
                        otherwise: vec![],
                    });
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Inside an inlined function, a loop whose body returned must stop.
    fn break_after_return(&self, body: &AstStmt, inner: &mut Vec<Stmt>) {
        if let Some((_, returned)) = self.return_slots.last() {
            if contains_return(body) {
                let flag = IExpr::Load(Box::new(Place::at(*returned, 0)));
                inner.push(Stmt::If {
                    cond: flag,
                    then: vec![Stmt::Break],
                    otherwise: vec![],
                });
            }
        }
    }

    fn print_parts(
        &mut self,
        items: &[Printable],
        out: &mut Vec<Stmt>,
    ) -> Result<Vec<PrintPart>, LowerError> {
        let mut parts = Vec::new();
        for item in items {
            match item {
                Printable::Str(s, _) => parts.push(PrintPart::Text(s.clone())),
                Printable::Expr(e) => match self.lower_expr(e, out)? {
                    Val::Int(i) => parts.push(PrintPart::Int(i)),
                    Val::Real(r) => parts.push(PrintPart::Real(r)),
                    Val::Run(run) => print_run(&run, 0, &run.dims, &mut parts),
                },
            }
        }
        Ok(parts)
    }

    /// `y ~ dist(args) T[L, U]`: subtracts the log of the probability of
    /// `[L, U]` as Stan does (`lccdf(L)`, `lcdf(U)`, or the log of their
    /// difference), and sends the target to -infinity when `y` is outside.
    fn lower_truncation(
        &mut self,
        target: &CallTarget,
        t: &ast::Truncation,
        lhs: &Expr,
        args: &[Expr],
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        let unsupported = |what: String| LowerError::unsupported(t.span, what);
        let CallTarget::Builtin { name, .. } = target else {
            return Err(unsupported(
                "truncation of a user-defined distribution".into(),
            ));
        };
        let (family, discrete) = match (
            name.strip_suffix("_lpdf")
                .or_else(|| name.strip_suffix("_lupdf")),
            name.strip_suffix("_lpmf")
                .or_else(|| name.strip_suffix("_lupmf")),
        ) {
            (Some(f), _) => (f, false),
            (None, Some(f)) => (f, true),
            _ => return Err(unsupported(format!("truncation of `{name}`"))),
        };
        let lcdf = format!("{family}_lcdf");
        let lccdf = format!("{family}_lccdf");
        // A discrete variate's mass at the lower bound L belongs to [L, U]:
        // P(L <= y) = P(y > L) + P(y = L), and likewise for both bounds.
        let lpmf = format!("{family}_lpmf");
        let has_cdf = |n: &str| {
            crate::codegen::kernels::cumulative_kernel(n).is_some()
                || crate::codegen::stdlib_kernels::density_kernel(n).is_some()
        };
        if !has_cdf(&lcdf) || !has_cdf(&lccdf) {
            return Err(unsupported(format!(
                "truncation of `{family}`, which has no CDF yet"
            )));
        }
        let lhs_ty = self.ty(lhs)?;
        if lhs_ty.array_dims != 0
            || !matches!(lhs_ty.base, stdlib::BaseType::Real | stdlib::BaseType::Int)
        {
            return Err(unsupported(
                "truncation of a container (write a loop over its elements)".into(),
            ));
        }
        let y = self.lower_expr(lhs, out)?;
        let y = y.as_real().unwrap_or(RExpr::Const(f64::NAN));
        fn with_bound<'e>(b: &'e Expr, args: &'e [Expr]) -> Vec<&'e Expr> {
            let mut all = vec![b];
            all.extend(args.iter());
            all
        }
        let real_of = |this: &mut Self, b: &Expr, out: &mut Vec<Stmt>| {
            this.lower_expr(b, out)
                .map(|v| v.as_real().unwrap_or(RExpr::Const(f64::NAN)))
        };
        let mut outside = Vec::new();
        let mut norm = Vec::new();
        let mut checks = Vec::new();
        match (&t.lower, &t.upper) {
            (Some(l), None) => {
                let lv = real_of(self, l, out)?;
                checks.push(IExpr::CmpR(CmpOp::Lt, Box::new(y.clone()), Box::new(lv)));
                let mut c =
                    self.density_call(&lccdf, &with_bound(l, args), false, t.span, &mut norm)?;
                if discrete {
                    let at_l =
                        self.density_call(&lpmf, &with_bound(l, args), false, t.span, &mut norm)?;
                    c = RExpr::Call(ScalarFn::LogSumExp2, vec![c, at_l]);
                }
                norm.push(Stmt::AddTarget(RExpr::Neg(Box::new(c))));
            }
            (None, Some(u)) => {
                let uv = real_of(self, u, out)?;
                checks.push(IExpr::CmpR(CmpOp::Gt, Box::new(y.clone()), Box::new(uv)));
                let c = self.density_call(&lcdf, &with_bound(u, args), false, t.span, &mut norm)?;
                norm.push(Stmt::AddTarget(RExpr::Neg(Box::new(c))));
            }
            (Some(l), Some(u)) => {
                let lv = real_of(self, l, out)?;
                let uv = real_of(self, u, out)?;
                checks.push(IExpr::CmpR(CmpOp::Lt, Box::new(y.clone()), Box::new(lv)));
                checks.push(IExpr::CmpR(CmpOp::Gt, Box::new(y.clone()), Box::new(uv)));
                let cu =
                    self.density_call(&lcdf, &with_bound(u, args), false, t.span, &mut norm)?;
                let cl =
                    self.density_call(&lcdf, &with_bound(l, args), false, t.span, &mut norm)?;
                let mut c = RExpr::Call(ScalarFn::LogDiffExp, vec![cu, cl]);
                if discrete {
                    let at_l =
                        self.density_call(&lpmf, &with_bound(l, args), false, t.span, &mut norm)?;
                    c = RExpr::Call(ScalarFn::LogSumExp2, vec![c, at_l]);
                }
                norm.push(Stmt::AddTarget(RExpr::Neg(Box::new(c))));
            }
            (None, None) => return Ok(()),
        }
        outside.push(Stmt::AddTarget(RExpr::Const(f64::NEG_INFINITY)));
        let cond = checks
            .into_iter()
            .reduce(|a, b| IExpr::Bin(IBinOp::Or, Box::new(a), Box::new(b)))
            .unwrap_or(IExpr::Const(0));
        out.push(Stmt::If {
            cond,
            then: outside,
            otherwise: norm,
        });
        Ok(())
    }

    fn lower_assign(
        &mut self,
        target: &Expr,
        op: ast::AssignOp,
        value: &Expr,
        span: ast::Span,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        // `jacobian += e` when no variable is called `jacobian`.
        if let ast::ExprKind::Var(n) = &target.kind {
            if n == "jacobian" && !self.typed.var_refs.contains_key(&target.id) {
                let stmt = AstStmt {
                    kind: StmtKind::JacobianPlus(value.clone()),
                    span,
                };
                return self.lower_stmt(&stmt, out);
            }
        }
        let v = match op.binary() {
            None => self.lower_expr(value, out)?,
            Some(bin) => {
                let combined = Expr {
                    kind: ast::ExprKind::Binary {
                        op: bin,
                        lhs: Box::new(target.clone()),
                        rhs: Box::new(value.clone()),
                    },
                    span,
                    id: target.id,
                };
                self.lower_compound(&combined, target, value, bin, out)?
            }
        };
        // Materialize before writing, so `x = f(x)` reads the old x.
        let v = match v {
            Val::Run(r) if self.aliases(&r, target) => {
                let active = self.activity(target);
                let copy = self.temp(r.dims.clone(), r.is_int(), active);
                let run = Run {
                    slot: copy,
                    offset: IExpr::Const(0),
                    ty: r.ty,
                    dims: r.dims.clone(),
                };
                self.store_into(&run, Val::Run(r), out)?;
                Val::Run(run)
            }
            other => other,
        };
        if self.lower_scatter(target, &v, out)?.is_some() {
            return Ok(());
        }
        let (dst, _) = self.lower_lvalue(target, out)?;
        self.store_into(&dst, v, out)
    }

    fn aliases(&self, r: &Run, target: &Expr) -> bool {
        let root = crate::check::root_var(target);
        root.and_then(|root| self.typed.var_refs.get(&root.id))
            .and_then(|v| self.vars.get(v))
            .is_some_and(|s| s.slot == r.slot)
    }

    /// `x op= e`: evaluates `x op e` with the target's type.
    fn lower_compound(
        &mut self,
        combined: &Expr,
        target: &Expr,
        value: &Expr,
        op: ast::BinOp,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let tv = self.lower_expr(target, out)?;
        let vv = self.lower_expr(value, out)?;
        let tt = self.ty(target)?;
        let active = self.activity(target) || self.activity(value);
        use ast::BinOp::*;
        let rop = match op {
            Add => RBinOp::Add,
            Sub => RBinOp::Sub,
            Mul | EltMul => RBinOp::Mul,
            Div | EltDiv => RBinOp::Div,
            _ => {
                return Err(LowerError::unsupported(
                    combined.span,
                    "this compound assignment",
                ))
            }
        };
        match (&tv, &vv) {
            (Val::Int(a), Val::Int(b)) => {
                let iop = match rop {
                    RBinOp::Add => IBinOp::Add,
                    RBinOp::Sub => IBinOp::Sub,
                    RBinOp::Mul => IBinOp::Mul,
                    RBinOp::Div => IBinOp::Div,
                };
                Ok(Val::Int(IExpr::Bin(
                    iop,
                    Box::new(a.clone()),
                    Box::new(b.clone()),
                )))
            }
            (Val::Run(_), _) | (_, Val::Run(_))
                if matches!(op, Mul) && !self.ty(value)?.is_scalar() =>
            {
                Err(LowerError::unsupported(
                    combined.span,
                    "`*=` with a matrix on the right",
                ))
            }
            (Val::Run(run), _) => {
                let dims = run.dims.clone();
                let (tv, vv) = (tv.clone(), vv.clone());
                self.elementwise(tt, dims, active, out, move |k| {
                    super::expr::rbin(rop, tv.elem_real(k), vv.elem_real(k))
                })
            }
            _ => Ok(Val::Real(super::expr::rbin(
                rop,
                tv.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                vv.as_real().unwrap_or(RExpr::Const(f64::NAN)),
            ))),
        }
    }
}

fn contains_return(s: &AstStmt) -> bool {
    match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::Block(b) => b.iter().any(contains_return),
        StmtKind::If {
            then, otherwise, ..
        } => contains_return(then) || otherwise.as_deref().is_some_and(contains_return),
        StmtKind::For { body, .. }
        | StmtKind::ForEach { body, .. }
        | StmtKind::While { body, .. } => contains_return(body),
        _ => false,
    }
}

/// Stan's print form of a container starting at flat index `at`: arrays and
/// vectors as `[a,b]`, nested for each array dimension, and a matrix row by
/// row, `[[a,b],[c,d]]` (it is stored column by column).
fn print_run(run: &Run, at: usize, dims: &[usize], parts: &mut Vec<PrintPart>) {
    let element = |k: usize| {
        if run.is_int() {
            PrintPart::Int(run.int(IExpr::Const(k as i64)))
        } else {
            PrintPart::Real(run.real(IExpr::Const(k as i64)))
        }
    };
    let list = |parts: &mut Vec<PrintPart>,
                n: usize,
                mut item: Box<dyn FnMut(&mut Vec<PrintPart>, usize) + '_>| {
        parts.push(PrintPart::Text("[".into()));
        for i in 0..n {
            if i > 0 {
                parts.push(PrintPart::Text(",".into()));
            }
            item(parts, i);
        }
        parts.push(PrintPart::Text("]".into()));
    };
    let depth = run.dims.len() - dims.len();
    let in_array = depth < run.ty.array_dims as usize;
    let matrix = run.ty.base == BaseType::Matrix && dims.len() == 2;
    if !dims.is_empty() && (in_array || (dims.len() > 1 && !matrix)) {
        // One array dimension at a time.
        let stride: usize = dims[1..].iter().product();
        list(
            parts,
            dims[0],
            Box::new(|parts, i| print_run(run, at + i * stride, &dims[1..], parts)),
        );
    } else if let [rows, cols] = *dims {
        list(
            parts,
            rows,
            Box::new(|parts, i| {
                list(
                    parts,
                    cols,
                    Box::new(|parts, j| parts.push(element(at + i + j * rows))),
                )
            }),
        );
    } else if let [n] = *dims {
        list(parts, n, Box::new(|parts, i| parts.push(element(at + i))));
    } else {
        parts.push(element(at));
    }
}

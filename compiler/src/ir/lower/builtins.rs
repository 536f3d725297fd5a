//! Lowering calls to built-ins: scalar math as IR expressions, matrix functions as kernels, constructors as loops (reductions, densities and user functions have modules of their own).

use super::expr::{add, call1, rbin, scalar_call2, Run, Val};
use super::{LowerError, Lowering};
use crate::check::CallTarget;
use crate::ir::*;
use crate::syntax::ast::{self, Expr, Span};
use stdlib::{BaseType, UnsizedType};

/// Reductions of one container to a scalar (`reductions.rs`).
fn is_reduction(name: &str) -> bool {
    matches!(
        name,
        "sum" | "mean" | "prod" | "dot_self" | "log_sum_exp" | "max" | "min" | "variance" | "sd"
    )
}

/// Elementwise functions of one real that map directly to a `ScalarFn`.
pub(crate) fn unary_fn(name: &str) -> Option<ScalarFn> {
    use ScalarFn::*;
    Some(match name {
        "exp" => Exp,
        "log" => Log,
        "sqrt" => Sqrt,
        "fabs" | "abs" => Abs,
        "floor" => Floor,
        "ceil" => Ceil,
        "round" => Round,
        "trunc" => Trunc,
        "log1p" => Log1p,
        "expm1" => Expm1,
        "log1p_exp" => Log1pExp,
        "log1m_exp" => Log1mExp,
        "inv_logit" => InvLogit,
        "log_inv_logit" => LogInvLogit,
        "log1m_inv_logit" => Log1mInvLogit,
        "logit" => Logit,
        "lgamma" => Lgamma,
        "digamma" => Digamma,
        "trigamma" => Trigamma,
        "tgamma" => Tgamma,
        "erf" => Erf,
        "erfc" => Erfc,
        "Phi" => Phi,
        "inv_Phi" => InvPhi,
        "sin" => Sin,
        "cos" => Cos,
        "tan" => Tan,
        "asin" => Asin,
        "acos" => Acos,
        "atan" => Atan,
        "sinh" => Sinh,
        "cosh" => Cosh,
        "tanh" => Tanh,
        "asinh" => Asinh,
        "acosh" => Acosh,
        "atanh" => Atanh,
        "cbrt" => Cbrt,
        "log2" => Log2,
        "log10" => Log10,
        "exp2" => Exp2,
        "inv_cloglog" => InvCloglog,
        _ => return None,
    })
}

/// Elementwise functions of one real written in terms of others.
fn composite_unary(name: &str, x: RExpr) -> Option<RExpr> {
    Some(match name {
        "square" => call1(ScalarFn::Square, x),
        "inv" => rbin(RBinOp::Div, RExpr::Const(1.0), x),
        "inv_sqrt" => rbin(RBinOp::Div, RExpr::Const(1.0), call1(ScalarFn::Sqrt, x)),
        "inv_square" => rbin(RBinOp::Div, RExpr::Const(1.0), call1(ScalarFn::Square, x)),
        "log1m" => call1(ScalarFn::Log1p, RExpr::Neg(Box::new(x))),
        "Phi_approx" => {
            let cube = rbin(
                RBinOp::Mul,
                x.clone(),
                rbin(RBinOp::Mul, x.clone(), x.clone()),
            );
            let inner = rbin(
                RBinOp::Add,
                rbin(RBinOp::Mul, RExpr::Const(0.07056), cube),
                rbin(RBinOp::Mul, RExpr::Const(1.5976), x),
            );
            call1(ScalarFn::InvLogit, inner)
        }
        _ => return None,
    })
}

fn binary_fn(name: &str) -> Option<ScalarFn> {
    use ScalarFn::*;
    Some(match name {
        "pow" => Pow,
        "fmin" => Fmin,
        "fmax" => Fmax,
        "hypot" => Hypot,
        "atan2" => Atan2,
        "log_sum_exp" => LogSumExp2,
        "log_diff_exp" => LogDiffExp,
        "lbeta" => Lbeta,
        "lchoose" => Lchoose,
        "fmod" => Fmod,
        "fdim" => Fdim,
        _ => return None,
    })
}

fn constant(name: &str) -> Option<f64> {
    Some(match name {
        "pi" => std::f64::consts::PI,
        "e" => std::f64::consts::E,
        "sqrt2" => std::f64::consts::SQRT_2,
        "log2" => std::f64::consts::LN_2,
        "log10" => std::f64::consts::LN_10,
        "not_a_number" => f64::NAN,
        "positive_infinity" => f64::INFINITY,
        "negative_infinity" => f64::NEG_INFINITY,
        "machine_precision" => f64::EPSILON,
        _ => return None,
    })
}

impl<'a> Lowering<'a> {
    pub(crate) fn lower_call(
        &mut self,
        e: &Expr,
        name: &ast::Ident,
        args: &[Expr],
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let n = name.name.as_str();
        match self.typed.calls.get(&e.id).cloned() {
            Some(CallTarget::User(id)) => {
                let f = self.typed.functions[id.0 as usize].name.clone();
                let refs: Vec<&Expr> = args.iter().collect();
                return self.inline_call(&f, &refs, e.span, out);
            }
            Some(CallTarget::ReduceSum(id)) => {
                return self.inline_reduce_sum(id, args, e.span, out);
            }
            _ => {}
        }
        if args.is_empty() {
            if let Some(c) = constant(n) {
                return Ok(Val::Real(RExpr::Const(c)));
            }
            if n == "target" {
                let t = self
                    .module
                    .target
                    .ok_or_else(|| LowerError::internal(e.span, "target() outside the model"))?;
                return Ok(Val::Real(RExpr::Load(Box::new(Place::at(t, 0)))));
            }
        }
        if n.ends_with("_rng") {
            return self.rng_call(e, n, args, out);
        }
        if let Some(family) = stdlib::distribution_info::family_of(n) {
            let propto = !self.keep_constants && (n.ends_with("_lupdf") || n.ends_with("_lupmf"));
            let refs: Vec<&Expr> = args.iter().collect();
            let _ = family;
            let kernel_name = n.replace("_lupdf", "_lpdf").replace("_lupmf", "_lpmf");
            return Ok(Val::Real(self.density_call(
                &kernel_name,
                &refs,
                propto,
                e.span,
                out,
            )?));
        }
        if let Some(v) = self.lower_operator_function(e, n, args, out)? {
            return Ok(v);
        }
        let result_ty = self.ty(e)?;
        let active = self.activity(e);
        if is_reduction(n) && args.len() == 1 {
            if let Some(segment) = self.runtime_segment(&args[0], out)? {
                let (run, extent) = segment.run_and_extent();
                if run.is_int() && matches!(n, "sum" | "max" | "min") {
                    return self.int_reduction_of(n, &run, &extent, out);
                }
                return self.real_reduction_of(n, &run, &extent, active, out);
            }
        }
        let vals: Vec<Val> = args
            .iter()
            .map(|a| self.lower_expr(a, out))
            .collect::<Result<_, _>>()?;
        // Elementwise math.
        if vals.len() == 1 {
            let f = unary_fn(n);
            let composite = composite_unary(n, RExpr::Const(0.0)).is_some();
            if f.is_some() || composite {
                let apply = move |x: RExpr| match f {
                    Some(f) => call1(f, x),
                    None => composite_unary(n, x).unwrap_or(RExpr::Const(f64::NAN)),
                };
                return match &vals[0] {
                    Val::Run(run) => {
                        let run = run.clone();
                        let dims = run.dims.clone();
                        self.elementwise(result_ty, dims, active, out, |k| {
                            apply(run.real(k.clone()))
                        })
                    }
                    Val::Int(i) if n == "abs" => Ok(Val::Int(IExpr::Select(
                        Box::new(IExpr::CmpI(
                            CmpOp::Lt,
                            Box::new(i.clone()),
                            Box::new(IExpr::Const(0)),
                        )),
                        Box::new(IExpr::Neg(Box::new(i.clone()))),
                        Box::new(i.clone()),
                    ))),
                    scalar => Ok(Val::Real(apply(
                        scalar.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                    ))),
                };
            }
        }
        if vals.len() == 2 && !matches!(vals[0], Val::Run(_)) && !matches!(vals[1], Val::Run(_)) {
            if let (Val::Int(a), Val::Int(b)) = (&vals[0], &vals[1]) {
                if n == "max" || n == "min" {
                    let op = if n == "max" { CmpOp::Gt } else { CmpOp::Lt };
                    return Ok(Val::Int(IExpr::Select(
                        Box::new(IExpr::CmpI(op, Box::new(a.clone()), Box::new(b.clone()))),
                        Box::new(a.clone()),
                        Box::new(b.clone()),
                    )));
                }
            }
            let fname = match n {
                "max" => "fmax",
                "min" => "fmin",
                other => other,
            };
            if let Some(f) = binary_fn(fname) {
                let a = vals[0].as_real().unwrap_or(RExpr::Const(f64::NAN));
                let b = vals[1].as_real().unwrap_or(RExpr::Const(f64::NAN));
                return Ok(Val::Real(scalar_call2(f, a, b)));
            }
        }
        if vals.len() == 2 {
            if let Some(f) = binary_fn(n).filter(|_| n != "log_sum_exp") {
                let dims = if vals[0].dims().is_empty() {
                    vals[1].dims()
                } else {
                    vals[0].dims()
                };
                let (a, b) = (vals[0].clone(), vals[1].clone());
                return self.elementwise(result_ty, dims, active, out, move |k| {
                    scalar_call2(f, a.elem_real(k), b.elem_real(k))
                });
            }
        }
        if n == "log_mix" && vals.len() == 3 && vals.iter().all(|v| !matches!(v, Val::Run(_))) {
            let theta = vals[0].as_real().unwrap_or(RExpr::Const(f64::NAN));
            let a = rbin(
                RBinOp::Add,
                call1(ScalarFn::Log, theta.clone()),
                vals[1].as_real().unwrap_or(RExpr::Const(f64::NAN)),
            );
            let b = rbin(
                RBinOp::Add,
                call1(ScalarFn::Log1p, RExpr::Neg(Box::new(theta))),
                vals[2].as_real().unwrap_or(RExpr::Const(f64::NAN)),
            );
            // Both terms in temporaries: the reverse sweep then reads them
            // instead of evaluating the logarithms again.
            let a = self.once(a, active, out);
            let b = self.once(b, active, out);
            return Ok(Val::Real(RExpr::Call(ScalarFn::LogSumExp2, vec![a, b])));
        }
        if crate::codegen::kernels::cumulative_kernel(n).is_some()
            || crate::codegen::stdlib_kernels::density_kernel(n).is_some()
        {
            let refs: Vec<&Expr> = args.iter().collect();
            return Ok(Val::Real(self.density_call(n, &refs, false, e.span, out)?));
        }
        if let Some(v) = self.lower_stdlib_call(e, n, args, &vals, result_ty, active, out)? {
            return Ok(v);
        }
        if let Some(v) = self.lower_matrix_builtin(e, n, &vals, active, out)? {
            return Ok(v);
        }
        self.lower_container_builtin(e, n, args, &vals, result_ty, active, out)
    }

    /// A value passed to a kernel as a run of reals: (values, adjoints), the
    /// adjoints null unless the value needs derivatives. Ints are copied to reals.
    pub(crate) fn real_run_arg(
        &mut self,
        v: Val,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<(KArg, KArg, usize), LowerError> {
        let run = self.materialize(v, active, out);
        let len = run.len().max(1);
        if run.is_int() {
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
            let vals = KArg::Reals {
                slot,
                offset: IExpr::Const(0),
                len,
                adjoint: false,
            };
            return Ok((vals, KArg::Null, len));
        }
        let slot_active = self
            .active
            .get(run.slot.0 as usize)
            .copied()
            .unwrap_or(false)
            || self.module.layout.slot(run.slot).region == Region::Theta;
        let vals = KArg::Reals {
            slot: run.slot,
            offset: run.offset.clone(),
            len,
            adjoint: false,
        };
        let adj = if active && slot_active {
            self.module.layout.adjoint(run.slot);
            KArg::Reals {
                slot: run.slot,
                offset: run.offset.clone(),
                len,
                adjoint: true,
            }
        } else {
            KArg::Null
        };
        Ok((vals, adj, len))
    }

    /// A call of a `cmod_k_*` function kernel (`[mode, ints..., out, out_adj, (in, in_adj)...]`,
    /// see `codegen::array_kernels`) writing a new container of `dims`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn function_kernel(
        &mut self,
        kernel: &'static str,
        name: &str,
        span: Span,
        ints: &[usize],
        inputs: Vec<(Val, bool)>,
        ty: UnsizedType,
        dims: Vec<usize>,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let mut in_args = Vec::new();
        let mut any_active = false;
        for (v, active) in inputs {
            let (vals, adj, _) = self.real_run_arg(v, active, out)?;
            any_active |= adj != KArg::Null;
            in_args.push(vals);
            in_args.push(adj);
        }
        let len: usize = dims.iter().product();
        let slot = self.temp(dims.clone(), false, any_active);
        let out_vals = KArg::Reals {
            slot,
            offset: IExpr::Const(0),
            len,
            adjoint: false,
        };
        let out_adj = if any_active {
            self.module.layout.adjoint(slot);
            KArg::Reals {
                slot,
                offset: IExpr::Const(0),
                len,
                adjoint: true,
            }
        } else {
            KArg::Null
        };
        let args = |mode: i64| {
            let mut a = vec![KArg::Int(IExpr::Const(mode))];
            a.extend(ints.iter().map(|i| KArg::Int(IExpr::Const(*i as i64))));
            a.push(out_vals.clone());
            a.push(out_adj.clone());
            a.extend(in_args.iter().cloned());
            a
        };
        let msg = self.msg(span, format!("{name}: {{detail}}"));
        out.push(Stmt::Kernel(KernelCall {
            kernel,
            args: args(0),
            msg,
            outputs: vec![(slot, 0, len)],
            reverse: any_active.then(|| {
                Box::new(KernelCall {
                    kernel,
                    args: args(1),
                    msg,
                    outputs: vec![],
                    reverse: None,
                })
            }),
        }));
        Ok(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        }))
    }

    /// Matrix functions: heavy ones as kernels, simple ones as loops. `None` when `n` is not one.
    fn lower_matrix_builtin(
        &mut self,
        e: &Expr,
        n: &str,
        vals: &[Val],
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let matrix = UnsizedType {
            base: BaseType::Matrix,
            array_dims: 0,
        };
        let args = match &e.kind {
            crate::syntax::ast::ExprKind::Call { args, .. } => args.as_slice(),
            _ => &[],
        };
        let act = |this: &Self, i: usize| args.get(i).is_some_and(|a| this.activity(a));
        let square = |v: &Val| -> Option<usize> {
            let d = v.dims();
            (d.len() == 2 && d[0] == d[1]).then_some(d[0])
        };
        let not_square = || LowerError::new(e.span, format!("`{n}` needs a square matrix here"));
        let v = match (n, vals) {
            ("cholesky_decompose", [a]) => {
                let k = square(a).ok_or_else(not_square)?;
                let inputs = vec![(a.clone(), act(self, 0))];
                self.function_kernel(
                    "cmod_k_cholesky_decompose",
                    n,
                    e.span,
                    &[k],
                    inputs,
                    matrix,
                    vec![k, k],
                    out,
                )?
            }
            ("gp_exp_quad_cov" | "cov_exp_quad", [x, sigma, l]) => {
                let xd = x.dims();
                let (points, d) = match xd.as_slice() {
                    [p] => (*p, 1),
                    [p, d] => (*p, *d),
                    _ => return Ok(None),
                };
                let inputs = vec![
                    (x.clone(), act(self, 0)),
                    (sigma.clone(), act(self, 1)),
                    (l.clone(), act(self, 2)),
                ];
                self.function_kernel(
                    "cmod_k_gp_exp_quad_cov",
                    n,
                    e.span,
                    &[d],
                    inputs,
                    matrix,
                    vec![points, points],
                    out,
                )?
            }
            ("multiply_lower_tri_self_transpose", [a]) if a.dims().len() == 2 => {
                let d = a.dims();
                let (m, k) = (d[0], d[1]);
                let inputs = vec![(a.clone(), act(self, 0))];
                self.function_kernel(
                    "cmod_k_multiply_lower_tri_self_transpose",
                    n,
                    e.span,
                    &[m, k],
                    inputs,
                    matrix,
                    vec![m, m],
                    out,
                )?
            }
            ("diag_pre_multiply", [v, a]) if a.dims().len() == 2 => {
                let d = a.dims();
                let (m, k) = (d[0], d[1]);
                if v.dims().iter().product::<usize>() != m {
                    return Err(LowerError::new(
                        e.span,
                        format!("diag_pre_multiply: the vector must have {m} elements, the rows of the matrix"),
                    ));
                }
                let inputs = vec![(v.clone(), act(self, 0)), (a.clone(), act(self, 1))];
                self.function_kernel(
                    "cmod_k_diag_pre_multiply",
                    n,
                    e.span,
                    &[m, k],
                    inputs,
                    matrix,
                    vec![m, k],
                    out,
                )?
            }
            ("quad_form_diag", [a, v]) => {
                let k = square(a).ok_or_else(not_square)?;
                let inputs = vec![(a.clone(), act(self, 0)), (v.clone(), act(self, 1))];
                self.function_kernel(
                    "cmod_k_quad_form_diag",
                    n,
                    e.span,
                    &[k],
                    inputs,
                    matrix,
                    vec![k, k],
                    out,
                )?
            }
            ("diag_matrix", [v]) => {
                let Val::Run(v) = v else { return Ok(None) };
                let k = v.len();
                let slot = self.temp(vec![k, k], false, active);
                self.for_each_index(k * k, out, |_, i, body| {
                    body.push(Stmt::SetR(Place { slot, index: i }, RExpr::Const(0.0)));
                    Ok(())
                })?;
                let v = v.clone();
                self.for_each_index(k, out, |_, i, body| {
                    let diag = IExpr::Bin(
                        IBinOp::Mul,
                        Box::new(i.clone()),
                        Box::new(IExpr::Const(k as i64 + 1)),
                    );
                    body.push(Stmt::SetR(Place { slot, index: diag }, v.real(i)));
                    Ok(())
                })?;
                Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: matrix,
                    dims: vec![k, k],
                })
            }
            ("add_diag", [a, d]) if a.dims().len() == 2 => {
                let Val::Run(a) = a else { return Ok(None) };
                let dims = a.dims.clone();
                let (rows, cols) = (dims[0], dims[1]);
                let k = rows.min(cols);
                if let Val::Run(dr) = d {
                    if dr.len() != k {
                        return Err(LowerError::new(
                            e.span,
                            format!(
                                "add_diag: the diagonal has {k} elements but the vector has {}",
                                dr.len()
                            ),
                        ));
                    }
                }
                let a2 = a.clone();
                let copy =
                    self.elementwise(matrix, dims.clone(), active, out, |i| a2.real(i.clone()))?;
                let Val::Run(copy) = copy else {
                    return Ok(None);
                };
                let d = d.clone();
                let slot = copy.slot;
                self.for_each_index(k, out, |_, i, body| {
                    let diag = Place {
                        slot,
                        index: IExpr::Bin(
                            IBinOp::Mul,
                            Box::new(i.clone()),
                            Box::new(IExpr::Const(rows as i64 + 1)),
                        ),
                    };
                    body.push(Stmt::SetR(
                        diag.clone(),
                        rbin(RBinOp::Add, RExpr::Load(Box::new(diag)), d.elem_real(&i)),
                    ));
                    Ok(())
                })?;
                Val::Run(copy)
            }
            ("identity_matrix", [Val::Int(IExpr::Const(k))]) if *k >= 0 => {
                self.identity_matrix(*k as usize, out)?
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }

    /// Reductions and constructors over containers.
    fn lower_container_builtin(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        vals: &[Val],
        result_ty: UnsizedType,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let unsupported =
            || LowerError::unsupported(e.span, format!("the function `{n}` with these arguments"));
        let run0 = || match vals.first() {
            Some(Val::Run(r)) => Ok(r.clone()),
            _ => Err(unsupported()),
        };
        match n {
            "size" | "num_elements" | "rows" | "cols" => {
                let r = run0();
                let dims = r.as_ref().map(|r| r.dims.clone()).unwrap_or_default();
                let ty = r.as_ref().map(|r| r.ty).unwrap_or(UnsizedType::REAL);
                let value = match n {
                    "size" => *dims.first().unwrap_or(&1),
                    "num_elements" => dims.iter().product(),
                    "rows" => match ty.base {
                        BaseType::RowVector => 1,
                        BaseType::Matrix => dims[dims.len() - 2],
                        _ => *dims.last().unwrap_or(&1),
                    },
                    _ => match ty.base {
                        BaseType::Vector => 1,
                        _ => *dims.last().unwrap_or(&1),
                    },
                };
                Ok(Val::Int(IExpr::Const(value as i64)))
            }
            _ if is_reduction(n) => {
                let run = run0()?;
                if run.is_int() && matches!(n, "sum" | "max" | "min") {
                    return self.int_reduction(n, &run, out);
                }
                self.real_reduction(n, &run, active, out)
            }
            "dot_product" | "squared_distance" | "distance" => {
                let (Val::Run(a), Val::Run(b)) = (&vals[0], &vals[1]) else {
                    return Err(unsupported());
                };
                let acc = self.temp(vec![], false, active);
                let accp = Place::at(acc, 0);
                out.push(Stmt::SetR(accp.clone(), RExpr::Const(0.0)));
                let (a, b) = (a.clone(), b.clone());
                let len = a.len();
                let prod = n == "dot_product";
                self.for_each_index(len, out, |_, k, body| {
                    let term = if prod {
                        rbin(RBinOp::Mul, a.real(k.clone()), b.real(k))
                    } else {
                        let d = rbin(RBinOp::Sub, a.real(k.clone()), b.real(k));
                        rbin(RBinOp::Mul, d.clone(), d)
                    };
                    body.push(Stmt::SetR(
                        accp.clone(),
                        rbin(RBinOp::Add, RExpr::Load(Box::new(accp.clone())), term),
                    ));
                    Ok(())
                })?;
                let v = RExpr::Load(Box::new(accp));
                Ok(Val::Real(if n == "distance" {
                    call1(ScalarFn::Sqrt, v)
                } else {
                    v
                }))
            }
            "rep_vector" | "rep_row_vector" | "rep_array" | "rep_matrix" => {
                let mut dims = Vec::new();
                for size in &args[1..] {
                    dims.push(self.const_size(size)?);
                }
                let x = vals[0].clone();
                let inner_len = x.dims().iter().product::<usize>();
                // rep_matrix of a row vector repeats it as rows: in column-major
                // storage, element k of the m x n result is x[k / m].
                let mut rows_of_row_vector = None;
                if n == "rep_matrix" && self.ty(&args[0])?.base == BaseType::RowVector {
                    rows_of_row_vector = Some(dims[0].max(1));
                    dims.push(inner_len);
                } else if n == "rep_matrix" && self.ty(&args[0])?.base == BaseType::Vector {
                    // ...and a vector as columns: the m x n result, element k is x[k % m].
                    dims.insert(0, inner_len);
                } else if let Val::Run(inner) = &x {
                    dims.extend(inner.dims.iter().copied());
                }
                let int = result_ty.base == BaseType::Int;
                let slot = self.temp(dims.clone(), int, active);
                let total: usize = dims.iter().product();
                let run = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: dims.clone(),
                };
                self.for_each_index(total, out, |_, k, body| {
                    let (op, by) = match rows_of_row_vector {
                        Some(m) => (IBinOp::Div, m),
                        None => (IBinOp::Mod, inner_len),
                    };
                    let src = match &x {
                        Val::Run(r) => Val::Run(Run {
                            offset: add(
                                r.offset.clone(),
                                IExpr::Bin(
                                    op,
                                    Box::new(k.clone()),
                                    Box::new(IExpr::Const(by as i64)),
                                ),
                            ),
                            dims: vec![],
                            ..r.clone()
                        }),
                        other => other.clone(),
                    };
                    let dst = Run {
                        offset: k,
                        dims: vec![],
                        ..run.clone()
                    };
                    match (&src, dst.is_int()) {
                        (Val::Run(r), true) => body.push(Stmt::SetI(
                            dst.place(IExpr::Const(0)),
                            r.int(IExpr::Const(0)),
                        )),
                        (Val::Run(r), false) => body.push(Stmt::SetR(
                            dst.place(IExpr::Const(0)),
                            r.real(IExpr::Const(0)),
                        )),
                        (Val::Int(i), true) => {
                            body.push(Stmt::SetI(dst.place(IExpr::Const(0)), i.clone()))
                        }
                        (s, _) => body.push(Stmt::SetR(
                            dst.place(IExpr::Const(0)),
                            s.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                        )),
                    }
                    Ok(())
                })?;
                Ok(Val::Run(run))
            }
            "to_vector" | "to_row_vector" | "to_array_1d" => {
                let run = run0()?;
                let len = run.len();
                let int = result_ty.base == BaseType::Int;
                if run.ty.base == BaseType::Matrix || run.ty.array_dims <= 1 {
                    // Same storage order: a view with new dims.
                    if !(int ^ run.is_int()) {
                        return Ok(Val::Run(Run {
                            ty: result_ty,
                            dims: vec![len],
                            ..run
                        }));
                    }
                }
                let slot = self.temp(vec![len], int, active);
                let dst = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: vec![len],
                };
                self.store_into(&dst, Val::Run(run), out)?;
                Ok(Val::Run(dst))
            }
            "head" | "tail" | "segment" => {
                let run = run0()?;
                let ints: Vec<i64> = args[1..]
                    .iter()
                    .map(|a| self.const_int(a))
                    .collect::<Result<_, _>>()?;
                let total = run.dims[0] as i64;
                let elem: usize = run.dims[1..].iter().product();
                let (start, count) = match n {
                    "head" => (0, ints[0]),
                    "tail" => (total - ints[0], ints[0]),
                    _ => (ints[0] - 1, ints[1]),
                };
                if start < 0 || count < 0 || start + count > total {
                    return Err(LowerError::new(
                        e.span,
                        format!("`{n}` asks for elements outside 1..{total}"),
                    ));
                }
                let mut dims = run.dims.clone();
                dims[0] = count as usize;
                Ok(Val::Run(Run {
                    offset: add(run.offset.clone(), IExpr::Const(start * elem as i64)),
                    dims,
                    ty: result_ty,
                    ..run
                }))
            }
            "append_row" | "append_col" if result_ty.base != BaseType::Matrix => {
                let parts: Vec<Val> = vals.to_vec();
                let lens: Vec<usize> = parts
                    .iter()
                    .map(|p| p.dims().iter().product::<usize>().max(1))
                    .collect();
                let total: usize = lens.iter().sum();
                let slot = self.temp(vec![total], false, active);
                let mut offset = 0;
                for (p, len) in parts.into_iter().zip(lens) {
                    let dst = Run {
                        slot,
                        offset: IExpr::Const(offset as i64),
                        ty: result_ty,
                        dims: if matches!(p, Val::Run(_)) {
                            vec![len]
                        } else {
                            vec![]
                        },
                    };
                    self.store_into(&dst, p, out)?;
                    offset += len;
                }
                Ok(Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: vec![total],
                }))
            }
            "cumulative_sum" => {
                let run = run0()?;
                let len = run.len();
                let slot = self.temp(vec![len], false, active);
                for k in 0..len {
                    let prev = if k == 0 {
                        RExpr::Const(0.0)
                    } else {
                        RExpr::Load(Box::new(Place::at(slot, k - 1)))
                    };
                    out.push(Stmt::SetR(
                        Place::at(slot, k),
                        rbin(RBinOp::Add, prev, run.real(IExpr::Const(k as i64))),
                    ));
                }
                Ok(Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: vec![len],
                }))
            }
            "softmax" | "log_softmax" => {
                let run = run0()?;
                let lse = self
                    .real_reduction("log_sum_exp", &run, active, out)?
                    .as_real()
                    .unwrap_or(RExpr::Const(f64::NAN));
                let lse_slot = self.temp(vec![], false, active);
                out.push(Stmt::SetR(Place::at(lse_slot, 0), lse));
                let lse = RExpr::Load(Box::new(Place::at(lse_slot, 0)));
                let soft = n == "softmax";
                let dims = run.dims.clone();
                self.elementwise(result_ty, dims, active, out, move |k| {
                    let d = rbin(RBinOp::Sub, run.real(k.clone()), lse.clone());
                    if soft {
                        call1(ScalarFn::Exp, d)
                    } else {
                        d
                    }
                })
            }
            _ => Err(unsupported()),
        }
    }
}

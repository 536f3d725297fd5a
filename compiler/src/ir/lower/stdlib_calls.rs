//! Lowering the rest of the standard library: operator functions, element-wise special functions, sorting and ranks, vector log_mix, GP covariances, matrix functions, vector-valued RNGs (constructors, slices and reshapes are in `constructors.rs`), and the density variants of `codegen::stdlib_kernels`.

use super::constructors::{choose_expr, irem, scalar_if_empty};
use super::expr::{add, call1, rbin, Run, Val};
use super::{LowerError, Lowering};
use crate::codegen::stdlib_kernels::{self as sk, MapFn, MatrixFn};
use crate::ir::*;
use crate::syntax::ast::{BinOp, Expr};
use stdlib::{BaseType, UnsizedType};

pub(super) const MATRIX: UnsizedType = UnsizedType::MATRIX;

pub(super) fn int_array(dims: u8) -> UnsizedType {
    UnsizedType {
        base: BaseType::Int,
        array_dims: dims,
    }
}

impl<'a> Lowering<'a> {
    /// The kernel name a density call uses: ordered_logistic and ordered_probit
    /// with one cut-point vector per element use their `_arr` kernels.
    pub(crate) fn density_variant(&self, base: &str, args: &[&Expr]) -> String {
        if matches!(base, "ordered_logistic_lpmf" | "ordered_probit_lpmf") {
            if let Some(c) = args.get(2) {
                if self.ty(c).is_ok_and(|t| t.array_dims > 0) {
                    return base.replace("_lpmf", "_arr_lpmf");
                }
            }
        }
        base.to_string()
    }

    /// Stan's operators called by name (`add(a, b)`, `minus(a)`...), lowered as the operators.
    pub(crate) fn lower_operator_function(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        if n == "divide" && args.len() == 2 {
            let (tx, ty) = (self.ty(&args[0])?, self.ty(&args[1])?);
            if tx.array_dims == 0
                && matches!(tx.base, BaseType::Int | BaseType::Real)
                && matches!(
                    ty.base,
                    BaseType::Vector | BaseType::RowVector | BaseType::Matrix
                )
            {
                // divide(c, x) is Stan's element-wise c ./ x.
                return self
                    .lower_binary(e, BinOp::EltDiv, &args[0], &args[1], out)
                    .map(Some);
            }
        }
        let op = match n {
            "add" => BinOp::Add,
            "subtract" => BinOp::Sub,
            "multiply" => BinOp::Mul,
            "divide" => BinOp::Div,
            "elt_multiply" => BinOp::EltMul,
            "elt_divide" => BinOp::EltDiv,
            "modulus" => BinOp::Mod,
            "logical_or" => BinOp::Or,
            "logical_and" => BinOp::And,
            "logical_eq" => BinOp::Eq,
            "logical_neq" => BinOp::Neq,
            "logical_lt" => BinOp::Lt,
            "logical_lte" => BinOp::Le,
            "logical_gt" => BinOp::Gt,
            "logical_gte" => BinOp::Ge,
            "plus" | "minus" | "logical_negation" if args.len() == 1 => {
                let v = self.lower_expr(&args[0], out)?;
                return Ok(Some(match (n, v) {
                    ("plus", v) => v,
                    ("minus", Val::Int(i)) => Val::Int(IExpr::Neg(Box::new(i))),
                    ("minus", Val::Real(r)) => Val::Real(RExpr::Neg(Box::new(r))),
                    ("minus", Val::Run(run)) => {
                        let ty = run.ty.promoted();
                        let dims = run.dims.clone();
                        self.elementwise(ty, dims, self.activity(e), out, |k| {
                            RExpr::Neg(Box::new(run.real(k.clone())))
                        })?
                    }
                    (_, Val::Int(i)) => Val::Int(IExpr::Not(Box::new(i))),
                    (_, Val::Real(r)) => Val::Int(IExpr::CmpR(
                        CmpOp::Eq,
                        Box::new(r),
                        Box::new(RExpr::Const(0.0)),
                    )),
                    _ => return Ok(None),
                }));
            }
            _ => return Ok(None),
        };
        if args.len() != 2 {
            return Ok(None);
        }
        self.lower_binary(e, op, &args[0], &args[1], out).map(Some)
    }

    /// The functions of this module; `None` when `n` is not one of them (or not with these arguments).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lower_stdlib_call(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        vals: &[Val],
        result_ty: UnsizedType,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let act = |this: &Self, i: usize| args.get(i).is_some_and(|a| this.activity(a));
        if let Some((f, arity)) = MapFn::of(n).filter(|(_, k)| *k == vals.len()) {
            let _ = arity;
            let dims = vals
                .iter()
                .map(|v| v.dims())
                .find(|d| !d.is_empty())
                .unwrap_or_default();
            let inputs = vals
                .iter()
                .enumerate()
                .map(|(i, v)| (v.clone(), act(self, i) && !f.int_args().contains(&i)))
                .collect();
            let ty = UnsizedType {
                base: if result_ty.base == BaseType::Int {
                    BaseType::Real
                } else {
                    result_ty.base
                },
                ..result_ty
            };
            let v = self.function_kernel(
                "cmod_k_map",
                n,
                e.span,
                &[sk::map_fn_id(f)],
                inputs,
                ty,
                dims.clone(),
                out,
            )?;
            return Ok(Some(scalar_if_empty(v, &dims)));
        }
        match (n, vals) {
            ("std_normal_qf", [x]) => {
                let x = x.clone();
                return self.map_real(x, result_ty, active, out, |r| call1(ScalarFn::InvPhi, r));
            }
            ("is_inf" | "is_nan", [x]) => {
                let r = x.as_real().unwrap_or(RExpr::Const(f64::NAN));
                let test = if n == "is_nan" {
                    IExpr::CmpR(CmpOp::Ne, Box::new(r.clone()), Box::new(r))
                } else {
                    IExpr::CmpR(
                        CmpOp::Eq,
                        Box::new(call1(ScalarFn::Abs, r)),
                        Box::new(RExpr::Const(f64::INFINITY)),
                    )
                };
                return Ok(Some(Val::Int(test)));
            }
            ("int_step", [x]) => {
                let test = match x {
                    Val::Int(i) => {
                        IExpr::CmpI(CmpOp::Gt, Box::new(i.clone()), Box::new(IExpr::Const(0)))
                    }
                    other => IExpr::CmpR(
                        CmpOp::Gt,
                        Box::new(other.as_real().unwrap_or(RExpr::Const(f64::NAN))),
                        Box::new(RExpr::Const(0.0)),
                    ),
                };
                return Ok(Some(Val::Int(test)));
            }
            ("choose", [Val::Int(a), Val::Int(b)]) => {
                return Ok(Some(Val::Int(choose_expr(a.clone(), b.clone()))));
            }
            ("squared_distance", [a, b]) if a.dims().is_empty() && b.dims().is_empty() => {
                let d = rbin(
                    RBinOp::Sub,
                    a.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                    b.as_real().unwrap_or(RExpr::Const(f64::NAN)),
                );
                return Ok(Some(Val::Real(rbin(RBinOp::Mul, d.clone(), d))));
            }
            _ => {}
        }
        match n {
            "sort_asc" | "sort_desc" | "sort_indices_asc" | "sort_indices_desc" => {
                return self.lower_sort(e, n, vals, act(self, 0), out).map(Some)
            }
            "rank" => return self.lower_rank(e, args, vals, out).map(Some),
            "log_mix" if vals.len() == 2 => return self.lower_log_mix(vals, active, out).map(Some),
            _ => {}
        }
        if let Some(v) = self.lower_reshape(e, n, args, vals, result_ty, active, out)? {
            return Ok(Some(v));
        }
        if let Some(kind) = sk::gp_kind(n) {
            return self.lower_gp(e, n, kind, args, vals, out);
        }
        if let Some(v) = self.lower_matrix_function(e, n, args, vals, out)? {
            return Ok(Some(v));
        }
        self.lower_constructor(e, n, args, vals, result_ty, active, out)
    }

    /// `f` applied to every element of `x` (a scalar gives a scalar).
    fn map_real(
        &mut self,
        x: Val,
        result_ty: UnsizedType,
        active: bool,
        out: &mut Vec<Stmt>,
        f: impl Fn(RExpr) -> RExpr,
    ) -> Result<Option<Val>, LowerError> {
        Ok(Some(match x {
            Val::Run(run) => {
                let dims = run.dims.clone();
                self.elementwise(result_ty, dims, active, out, |k| f(run.real(k.clone())))?
            }
            scalar => Val::Real(f(scalar.as_real().unwrap_or(RExpr::Const(f64::NAN)))),
        }))
    }

    fn lower_sort(
        &mut self,
        e: &Expr,
        n: &str,
        vals: &[Val],
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let Some(Val::Run(run)) = vals.first() else {
            return Err(LowerError::unsupported(
                e.span,
                format!("`{n}` of a scalar"),
            ));
        };
        let len = run.len();
        let desc = n.ends_with("_desc");
        let indices = n.starts_with("sort_indices");
        let ty = run.ty;
        // The kernel sorts reals; an int array or the indices are converted back.
        let sorted = self.function_kernel(
            "cmod_k_sort",
            n,
            e.span,
            &[usize::from(desc), usize::from(indices)],
            vec![(Val::Run(run.clone()), active && !indices && !run.is_int())],
            UnsizedType {
                base: BaseType::Real,
                ..ty
            },
            vec![len],
            out,
        )?;
        if !indices && !run.is_int() {
            return Ok(match sorted {
                Val::Run(r) => Val::Run(Run { ty, ..r }),
                other => other,
            });
        }
        let Val::Run(sorted) = sorted else {
            return Err(LowerError::internal(e.span, "sort result is not a run"));
        };
        let slot = self.temp(vec![len], true, false);
        self.for_each_index(len, out, |_, k, body| {
            body.push(Stmt::SetI(
                Place {
                    slot,
                    index: k.clone(),
                },
                IExpr::FromReal(Box::new(sorted.real(k))),
            ));
            Ok(())
        })?;
        Ok(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty: int_array(1),
            dims: vec![len],
        }))
    }

    /// `rank(v, s)`: how many elements of `v` are smaller than `v[s]`.
    fn lower_rank(
        &mut self,
        e: &Expr,
        args: &[Expr],
        vals: &[Val],
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let (Some(Val::Run(run)), Some(s)) = (vals.first(), vals.get(1)) else {
            return Err(LowerError::unsupported(
                e.span,
                "`rank` with these arguments",
            ));
        };
        let Val::Int(s) = s.clone() else {
            return Err(LowerError::internal(
                e.span,
                "rank: the index is not an int",
            ));
        };
        let len = run.len();
        let name = args.first().map(super::expr::expr_name).unwrap_or_default();
        let msg = self.msg(
            e.span,
            format!("rank: index {{value}} out of range for `{name}` (size {len})"),
        );
        let idx = IExpr::Checked {
            index: Box::new(s),
            len: Box::new(IExpr::Const(len as i64)),
            msg,
        };
        let pivot_slot = self.temp(vec![], false, false);
        out.push(Stmt::SetR(Place::at(pivot_slot, 0), run.real(idx)));
        let pivot = RExpr::Load(Box::new(Place::at(pivot_slot, 0)));
        let count = self.int_temp();
        let countp = Place::at(count, 0);
        out.push(Stmt::SetI(countp.clone(), IExpr::Const(0)));
        let run = run.clone();
        self.for_each_index(len, out, |_, k, body| {
            let less = IExpr::CmpR(CmpOp::Lt, Box::new(run.real(k)), Box::new(pivot));
            body.push(Stmt::SetI(
                countp.clone(),
                IExpr::Bin(
                    IBinOp::Add,
                    Box::new(IExpr::Load(Box::new(countp.clone()))),
                    Box::new(less),
                ),
            ));
            Ok(())
        })?;
        Ok(Val::Int(IExpr::Load(Box::new(countp))))
    }

    /// `log_mix(theta, lambda)`: `sum_n log_sum_exp(log(theta) + lambda_n)` over the
    /// vectors `lambda_n` (one when `lambda` is a single vector).
    fn lower_log_mix(
        &mut self,
        vals: &[Val],
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let (Val::Run(theta), Val::Run(lambda)) = (&vals[0], &vals[1]) else {
            return Ok(Val::Real(RExpr::Const(f64::NAN)));
        };
        let k = theta.len();
        let groups = lambda.len().checked_div(k).unwrap_or(0);
        let log_theta = {
            let t = theta.clone();
            let v = self.elementwise(UnsizedType::VECTOR, vec![k], active, out, move |i| {
                call1(ScalarFn::Log, t.real(i.clone()))
            })?;
            match v {
                Val::Run(r) => r,
                _ => return Ok(Val::Real(RExpr::Const(f64::NAN))),
            }
        };
        let acc = self.temp(vec![], false, active);
        let accp = Place::at(acc, 0);
        out.push(Stmt::SetR(accp.clone(), RExpr::Const(0.0)));
        for g in 0..groups {
            let lt = log_theta.clone();
            let lam = lambda.clone();
            let terms = self.elementwise(UnsizedType::VECTOR, vec![k], active, out, move |i| {
                rbin(
                    RBinOp::Add,
                    lt.real(i.clone()),
                    lam.real(add(i.clone(), IExpr::Const((g * k) as i64))),
                )
            })?;
            let Val::Run(terms) = terms else { continue };
            let lse = self
                .real_reduction("log_sum_exp", &terms, active, out)?
                .as_real()
                .unwrap_or(RExpr::Const(f64::NAN));
            out.push(Stmt::SetR(
                accp.clone(),
                rbin(RBinOp::Add, RExpr::Load(Box::new(accp.clone())), lse),
            ));
        }
        Ok(Val::Real(RExpr::Load(Box::new(accp))))
    }

    /// The GP covariance functions, one- and two-input forms, with one length scale or one per dimension.
    fn lower_gp(
        &mut self,
        e: &Expr,
        n: &str,
        kind: usize,
        args: &[Expr],
        vals: &[Val],
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let n_hyper = match kind {
            4 => 3,
            5 => 1,
            _ => 2,
        };
        if vals.len() < n_hyper + 1 {
            return Ok(None);
        }
        let n_x = vals.len() - n_hyper;
        if n_x > 2 {
            return Ok(None);
        }
        if let (true, Some(Val::Run(ls))) = (kind < 4, vals.last()) {
            // Per-dimension length scales: divide each coordinate by its
            // length scale, then use the kernel with length scale 1.
            let d = ls.len();
            let ls_active = args.last().is_some_and(|a| self.activity(a));
            let mut scaled_vals = Vec::new();
            for (i, x) in vals[..n_x].iter().enumerate() {
                let Val::Run(x) = x else { return Ok(None) };
                if x.dims.len() != 2 || x.dims[1] != d {
                    return Err(LowerError::new(
                        e.span,
                        format!(
                            "{n}: {d} length scales for points of dimension {}",
                            x.dims.get(1).copied().unwrap_or(1)
                        ),
                    ));
                }
                let active = ls_active || self.activity(&args[i]);
                let (x, ls) = (x.clone(), ls.clone());
                let v = self.elementwise(x.ty, x.dims.clone(), active, out, move |k| {
                    rbin(RBinOp::Div, x.real(k.clone()), ls.real(irem(k, d)))
                })?;
                scaled_vals.push((v, active));
            }
            let points = scaled_vals[0].0.dims();
            let (n1, n2) = (
                points[0],
                scaled_vals.get(1).map_or(points[0], |(v, _)| v.dims()[0]),
            );
            let mut inputs = scaled_vals;
            let sigma_active = args.get(n_x).is_some_and(|a| self.activity(a));
            inputs.push((vals[n_x].clone(), sigma_active));
            inputs.push((Val::Real(RExpr::Const(1.0)), false));
            return self
                .function_kernel(
                    "cmod_k_gp",
                    n,
                    e.span,
                    &[kind, d, usize::from(n_x == 2)],
                    inputs,
                    MATRIX,
                    vec![n1, n2],
                    out,
                )
                .map(Some);
        }
        if vals[n_x..].iter().any(|v| matches!(v, Val::Run(_))) {
            return Ok(None);
        }
        let points = |v: &Val| -> Option<(usize, usize)> {
            match v.dims().as_slice() {
                [p] => Some((*p, 1)),
                [p, d] => Some((*p, *d)),
                _ => None,
            }
        };
        let Some((n1, d)) = points(&vals[0]) else {
            return Ok(None);
        };
        let n2 = if n_x == 2 {
            match points(&vals[1]) {
                Some((p, d2)) if d2 == d => p,
                _ => {
                    return Err(LowerError::new(
                        e.span,
                        format!("{n}: the two inputs must hold points of the same dimension"),
                    ))
                }
            }
        } else {
            n1
        };
        let inputs = vals
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), args.get(i).is_some_and(|a| self.activity(a))))
            .collect();
        self.function_kernel(
            "cmod_k_gp",
            n,
            e.span,
            &[kind, d, usize::from(n_x == 2)],
            inputs,
            MATRIX,
            vec![n1, n2],
            out,
        )
        .map(Some)
    }

    /// Matrix functions as `cmod_k_matrix` calls (and loops for the light ones).
    fn lower_matrix_function(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        vals: &[Val],
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let act = |this: &Self, i: usize| args.get(i).is_some_and(|a| this.activity(a));
        let shape = |v: &Val| -> (usize, usize) {
            match v.dims().as_slice() {
                [r, c] => (*r, *c),
                [k] => (*k, 1),
                _ => (1, 1),
            }
        };
        let row_shape = |v: &Val| -> (usize, usize) {
            match v.dims().as_slice() {
                [r, c] => (*r, *c),
                [k] => (1, *k),
                _ => (1, 1),
            }
        };
        use MatrixFn::*;
        let (f, m, nn, k, out_dims): (MatrixFn, usize, usize, usize, Vec<usize>) = match (n, vals) {
            ("inverse", [a]) => (Inverse, 0, shape(a).0, 0, vec![shape(a).0; 2]),
            ("inverse_spd", [a]) => (InverseSpd, 0, shape(a).0, 0, vec![shape(a).0; 2]),
            ("tcrossprod", [a]) => {
                let (r, c) = shape(a);
                (Tcrossprod, r, c, 0, vec![r, r])
            }
            ("crossprod", [a]) => {
                let (r, c) = shape(a);
                (Crossprod, r, c, 0, vec![c, c])
            }
            ("determinant", [a]) => (Determinant, 0, shape(a).0, 0, vec![]),
            ("log_determinant", [a]) => (LogDeterminant, 0, shape(a).0, 0, vec![]),
            ("eigenvalues_sym", [a]) => (EigenvaluesSym, 0, shape(a).0, 0, vec![shape(a).0]),
            ("eigenvectors_sym", [a]) => (EigenvectorsSym, 0, shape(a).0, 0, vec![shape(a).0; 2]),
            ("singular_values", [a]) => {
                let (r, c) = shape(a);
                (SingularValues, r, c, 0, vec![r.min(c)])
            }
            ("mdivide_left_tri_low" | "mdivide_left_spd", [a, b]) => {
                let f = if n == "mdivide_left_spd" {
                    MdivideLeftSpd
                } else {
                    MdivideLeftTriLow
                };
                let (_, c) = shape(b);
                (f, c, shape(a).0, 0, b.dims())
            }
            ("mdivide_right_tri_low", [b, a]) => {
                let (r, _) = row_shape(b);
                (MdivideRightTriLow, r, shape(a).0, 0, b.dims())
            }
            ("quad_form" | "quad_form_sym", [a, b]) => {
                let f = if n == "quad_form" {
                    QuadForm
                } else {
                    QuadFormSym
                };
                let (_, c) = shape(b);
                let dims = if b.dims().len() == 2 {
                    vec![c, c]
                } else {
                    vec![]
                };
                (f, c, shape(a).0, 0, dims)
            }
            ("diag_post_multiply", [a, _]) => {
                let (r, c) = shape(a);
                (DiagPostMultiply, r, c, 0, vec![r, c])
            }
            ("trace", [a]) => {
                let Val::Run(a) = a else { return Ok(None) };
                let (r, c) = shape(&Val::Run(a.clone()));
                let diag = self.temp(vec![r.min(c)], false, act(self, 0));
                let a2 = a.clone();
                self.for_each_index(r.min(c), out, |_, i, body| {
                    let at = IExpr::Bin(
                        IBinOp::Mul,
                        Box::new(i.clone()),
                        Box::new(IExpr::Const(r as i64 + 1)),
                    );
                    body.push(Stmt::SetR(
                        Place {
                            slot: diag,
                            index: i,
                        },
                        a2.real(at),
                    ));
                    Ok(())
                })?;
                let run = Run {
                    slot: diag,
                    offset: IExpr::Const(0),
                    ty: UnsizedType::VECTOR,
                    dims: vec![r.min(c)],
                };
                return self
                    .real_reduction("sum", &run, act(self, 0), out)
                    .map(Some);
            }
            (
                "mdivide_left" | "mdivide_right" | "mdivide_right_spd" | "trace_quad_form",
                [x, y],
            ) => {
                return self.lower_composite_matrix(e, n, args, x.clone(), y.clone(), out);
            }
            _ => return Ok(None),
        };
        let inputs: Vec<(Val, bool)> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), act(self, i)))
            .collect();
        let ty = self.ty(e)?;
        let v = self.function_kernel(
            "cmod_k_matrix",
            n,
            e.span,
            &[sk::matrix_fn_id(f), m, nn, k],
            inputs,
            ty,
            out_dims.clone(),
            out,
        )?;
        Ok(Some(scalar_if_empty(v, &out_dims)))
    }

    /// `mdivide_left(A, B) = inverse(A) * B`, `mdivide_right(B, A) = B * inverse(A)`
    /// (and `_spd`), `trace_quad_form(A, B) = trace(quad_form(A, B))`.
    pub(crate) fn lower_composite_matrix(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        x: Val,
        y: Val,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let act = |this: &Self, i: usize| args.get(i).is_some_and(|a| this.activity(a));
        let side = |v: &Val| v.dims().first().copied().unwrap_or(1);
        let (ax, ay) = (act(self, 0), act(self, 1));
        if n == "trace_quad_form" {
            let (a, b) = (x, y);
            let kk = side(&a);
            let c = match b.dims().as_slice() {
                [_, c] => *c,
                _ => 1,
            };
            let q = self.function_kernel(
                "cmod_k_matrix",
                "quad_form",
                e.span,
                &[sk::matrix_fn_id(MatrixFn::QuadForm), c, kk, 0],
                vec![(a, ax), (b, ay)],
                MATRIX,
                vec![c, c],
                out,
            )?;
            let Val::Run(q) = q else { return Ok(None) };
            let diag = self.temp(vec![c], false, ax || ay);
            let q2 = q.clone();
            self.for_each_index(c, out, |_, i, body| {
                let at = IExpr::Bin(
                    IBinOp::Mul,
                    Box::new(i.clone()),
                    Box::new(IExpr::Const(c as i64 + 1)),
                );
                body.push(Stmt::SetR(
                    Place {
                        slot: diag,
                        index: i,
                    },
                    q2.real(at),
                ));
                Ok(())
            })?;
            let run = Run {
                slot: diag,
                offset: IExpr::Const(0),
                ty: UnsizedType::VECTOR,
                dims: vec![c],
            };
            return self.real_reduction("sum", &run, ax || ay, out).map(Some);
        }
        let (a, a_act, b, b_act, left) = if n == "mdivide_left" {
            (x, ax, y, ay, true)
        } else {
            (y, ay, x, ax, false)
        };
        let kk = side(&a);
        let inv_fn = if n == "mdivide_right_spd" {
            MatrixFn::InverseSpd
        } else {
            MatrixFn::Inverse
        };
        let inv = self.function_kernel(
            "cmod_k_matrix",
            n,
            e.span,
            &[sk::matrix_fn_id(inv_fn), 0, kk, 0],
            vec![(a, a_act)],
            MATRIX,
            vec![kk, kk],
            out,
        )?;
        let inv_act = a_act;
        let b_dims = b.dims();
        let ty = self.ty(e)?;
        let (lhs, rhs, m, inner, cols, dims) = if left {
            let c = if b_dims.len() == 2 { b_dims[1] } else { 1 };
            (inv, b, kk, kk, c, b_dims.clone())
        } else {
            let r = if b_dims.len() == 2 { b_dims[0] } else { 1 };
            (b, inv, r, kk, kk, b_dims.clone())
        };
        let (l_act, r_act) = if left {
            (inv_act, b_act)
        } else {
            (b_act, inv_act)
        };
        self.function_kernel(
            "cmod_k_matrix",
            n,
            e.span,
            &[sk::matrix_fn_id(MatrixFn::Multiply), m, cols, inner],
            vec![(lhs, l_act), (rhs, r_act)],
            ty,
            dims,
            out,
        )
        .map(Some)
    }

    /// Vector-valued RNGs, and those with container arguments (`categorical_rng(theta)`).
    pub(crate) fn stdlib_rng_call(
        &mut self,
        e: &Expr,
        name: &str,
        args: &[Expr],
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let Some((kernel, kinds, int_out)) = sk::mv_rng_kernel(name) else {
            return Ok(None);
        };
        if kinds.len() != args.len() {
            return Ok(None);
        }
        let mut kargs = vec![KArg::Null];
        let mut runs = Vec::new();
        for (a, kind) in args.iter().zip(kinds.bytes()) {
            let v = self.lower_expr(a, out)?;
            let run = self.materialize(v, false, out);
            let len = run.len().max(1);
            runs.push(run.clone());
            if kind == b'i' {
                kargs.push(KArg::Ints {
                    slot: run.slot,
                    offset: run.offset.clone(),
                    len,
                });
            } else {
                let (vals, _, _) = self.real_run_arg(
                    Val::Run(Run {
                        dims: vec![len],
                        ..run
                    }),
                    false,
                    out,
                )?;
                kargs.push(vals);
            }
        }
        let ty = self.ty(e)?;
        let matrix_side = |r: &Run| r.dims.first().copied().unwrap_or(0);
        let dims: Vec<usize> = match name {
            "multi_normal_rng" | "multi_normal_cholesky_rng" => runs[0].dims.clone(),
            "multi_student_t_rng" | "multi_student_t_cholesky_rng" => runs[1].dims.clone(),
            "dirichlet_rng" => runs[0].dims.clone(),
            "lkj_corr_rng" | "lkj_corr_cholesky_rng" => {
                let k = self.const_size(&args[0])?;
                vec![k, k]
            }
            "wishart_rng"
            | "inv_wishart_rng"
            | "wishart_cholesky_rng"
            | "inv_wishart_cholesky_rng" => {
                let k = matrix_side(&runs[1]);
                vec![k, k]
            }
            "multinomial_rng" | "multinomial_logit_rng" => runs[0].dims.clone(),
            _ => vec![],
        };
        let len: usize = dims.iter().product::<usize>().max(1);
        let slot = self.temp(dims.clone(), int_out, false);
        kargs[0] = if int_out {
            KArg::Ints {
                slot,
                offset: IExpr::Const(0),
                len,
            }
        } else {
            KArg::Reals {
                slot,
                offset: IExpr::Const(0),
                len,
                adjoint: false,
            }
        };
        let msg = self.msg(e.span, format!("{name}: {{detail}}"));
        out.push(Stmt::Kernel(KernelCall {
            kernel,
            args: kargs,
            msg,
            outputs: vec![],
            reverse: None,
        }));
        let run = Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims: dims.clone(),
        };
        Ok(Some(if !dims.is_empty() {
            // A row_vector location still draws a (column) vector: the checker's type decides.
            Val::Run(run)
        } else if int_out {
            Val::Int(run.int(IExpr::Const(0)))
        } else {
            Val::Real(run.real(IExpr::Const(0)))
        }))
    }
}

//! Lowering assignment targets: the place an indexed assignment writes, and
//! the loop that writes each element an assignment with slices, `:` or
//! multi-indices selects.

use super::expr::{add, expr_name, Run, Sel, Val};
use super::{LowerError, Lowering};
use crate::ir::*;
use crate::syntax::ast::{Expr, ExprKind, Index};
use stdlib::{BaseType, UnsizedType};

impl<'a> Lowering<'a> {
    /// `base[indices] = v` where the indices select more than one element
    /// (slices, `:` and multi-indices): a loop writing each selected element.
    /// `None` when every index is single (a plain place; see `lower_lvalue`).
    pub(crate) fn lower_scatter(
        &mut self,
        target: &Expr,
        v: &Val,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<()>, LowerError> {
        let ExprKind::Indexed { base, indices } = &target.kind else {
            return Ok(None);
        };
        let base_ty = self.ty(base)?;
        let matrix_row =
            base_ty.base == BaseType::Matrix && indices.len() == base_ty.array_dims as usize + 1;
        if !matrix_row
            && indices.iter().all(|i| match i {
                Index::Single(ix) => !matches!(self.ty(ix).map(|t| t.array_dims), Ok(1)),
                _ => false,
            })
        {
            return Ok(None);
        }
        let (run, _) = self.lower_lvalue(base, out)?;
        let name = expr_name(base);
        let sels = self.selections(target, &name, &run.dims, indices, out)?;
        let mut result_dims = Vec::new();
        for s in &sels {
            match s {
                Sel::One(_) => {}
                Sel::Range(_, n) => result_dims.push(*n),
                Sel::Multi(r, _) => result_dims.push(r.len()),
            }
        }
        result_dims.extend(run.dims[sels.len()..].iter().copied());
        let total: usize = result_dims.iter().product();
        if let Val::Run(src) = v {
            if src.len() != total {
                return Err(LowerError::new(
                    target.span,
                    format!(
                        "cannot assign {} values to {total} elements of `{name}`",
                        src.len()
                    ),
                ));
            }
        }
        let mut loop_vars = Vec::new();
        for _ in 0..result_dims.len() {
            loop_vars.push(self.int_temp());
        }
        let lv = |i: usize| IExpr::Load(Box::new(Place::at(loop_vars[i], 0)));
        let mut dst_idx = Vec::new();
        let mut r = 0;
        for s in &sels {
            match s {
                Sel::One(i) => dst_idx.push(i.clone()),
                Sel::Range(start, _) => {
                    dst_idx.push(add(start.clone(), lv(r)));
                    r += 1;
                }
                Sel::Multi(idx_run, dim) => {
                    let msg = self.msg(
                        target.span,
                        format!("index {{value}} out of range for `{name}`, which has size {dim}"),
                    );
                    dst_idx.push(IExpr::Bin(
                        IBinOp::Sub,
                        Box::new(IExpr::Checked {
                            index: Box::new(idx_run.int(lv(r))),
                            len: Box::new(IExpr::Const(*dim as i64)),
                            msg,
                        }),
                        Box::new(IExpr::Const(1)),
                    ));
                    r += 1;
                }
            }
        }
        while r < result_dims.len() {
            dst_idx.push(lv(r));
            r += 1;
        }
        let dst = Place {
            slot: run.slot,
            index: add(
                run.offset.clone(),
                Self::flat_index(run.ty, &run.dims, &dst_idx),
            ),
        };
        let src_ty = match v {
            Val::Run(src) => src.ty,
            _ => run.ty,
        };
        let src_idx: Vec<IExpr> = (0..result_dims.len()).map(lv).collect();
        let src_flat = if result_dims.len() >= 2 && src_ty.base == BaseType::Matrix {
            Self::flat_index(src_ty, &result_dims, &src_idx)
        } else {
            Self::flat_index(
                UnsizedType {
                    base: BaseType::Real,
                    ..src_ty
                },
                &result_dims,
                &src_idx,
            )
        };
        let mut body = vec![match (v, run.is_int()) {
            (Val::Run(src), true) => Stmt::SetI(dst, src.int(src_flat)),
            (Val::Run(src), false) => Stmt::SetR(dst, src.real(src_flat)),
            (Val::Int(i), true) => Stmt::SetI(dst, i.clone()),
            (other, _) => Stmt::SetR(dst, other.as_real().unwrap_or(RExpr::Const(f64::NAN))),
        }];
        for (i, n) in result_dims.iter().enumerate().rev() {
            if *n == 0 {
                body = vec![];
                break;
            }
            body = vec![Stmt::For {
                var: loop_vars[i],
                lo: IExpr::Const(0),
                hi: IExpr::Const(*n as i64 - 1),
                body,
            }];
        }
        out.extend(body);
        Ok(Some(()))
    }

    /// The place an indexed assignment writes, for a full set of single indices,
    /// or the container view/scatter positions otherwise.
    pub(crate) fn lower_lvalue(
        &mut self,
        target: &Expr,
        out: &mut Vec<Stmt>,
    ) -> Result<(Run, Vec<Stmt>), LowerError> {
        match &target.kind {
            ExprKind::Var(_) => match self.lower_expr(target, out)? {
                Val::Run(r) => Ok((r, vec![])),
                _ => {
                    let var = self.typed.var_refs[&target.id];
                    let s = self.vars[&var].clone();
                    Ok((
                        Run {
                            slot: s.slot,
                            offset: IExpr::Const(0),
                            ty: s.ty,
                            dims: vec![],
                        },
                        vec![],
                    ))
                }
            },
            ExprKind::Indexed { base, indices } => {
                let (run, _) = self.lower_lvalue(base, out)?;
                let name = expr_name(base);
                let sels = self.selections(target, &name, &run.dims, indices, out)?;
                if sels.iter().all(|s| matches!(s, Sel::One(_))) {
                    let mut idx: Vec<IExpr> = sels
                        .iter()
                        .map(|s| {
                            if let Sel::One(i) = s {
                                i.clone()
                            } else {
                                IExpr::Const(0)
                            }
                        })
                        .collect();
                    let rest: Vec<usize> = run.dims[idx.len()..].to_vec();
                    let matrix_row =
                        run.ty.base == BaseType::Matrix && idx.len() == run.dims.len() - 1;
                    if !matrix_row {
                        idx.extend(
                            std::iter::repeat(IExpr::Const(0)).take(run.dims.len() - idx.len()),
                        );
                        let flat = add(
                            run.offset.clone(),
                            Self::flat_index(run.ty, &run.dims, &idx),
                        );
                        let ty = self.ty(target)?;
                        return Ok((
                            Run {
                                slot: run.slot,
                                offset: flat,
                                ty,
                                dims: rest,
                            },
                            vec![],
                        ));
                    }
                }
                Err(LowerError::unsupported(
                    target.span,
                    "assigning to a row of a matrix (assign element by element for now)",
                ))
            }
            _ => Err(LowerError::internal(
                target.span,
                "not an assignable expression",
            )),
        }
    }
}

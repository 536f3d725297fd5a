//! Lowering calls to user-defined functions: inlined at each call site, with `return` through a result slot and a flag.

use super::expr::{Run, Val};
use super::{LowerError, Lowering, VarStorage};
use crate::ir::*;
use crate::syntax::ast::{self, Expr, Span};
use stdlib::{BaseType, UnsizedType};

/// An argument of an inlined call, lowered: its value, its type, and its
/// value when it is an int known when compiling (which may size the
/// function's locals).
struct InlineArg {
    val: Val,
    ty: UnsizedType,
    known_int: Option<i64>,
}

impl<'a> Lowering<'a> {
    /// Inlines a call to a user-defined function.
    pub(crate) fn inline_call(
        &mut self,
        fname: &str,
        args: &[&Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let mut lowered = Vec::with_capacity(args.len());
        for a in args {
            lowered.push(self.inline_arg(a, out)?);
        }
        self.inline_lowered(fname, lowered, span, out)
    }

    /// `reduce_sum(f, x, grainsize, s...)` as the one call `f(x, 1, size(x), s...)`:
    /// the sum Stan forms from slices of `x`, taken over the whole array.
    pub(crate) fn inline_reduce_sum(
        &mut self,
        function: crate::check::FunId,
        args: &[Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let fname = self.typed.functions[function.0 as usize].name.clone();
        let [_, x, _grainsize, shared @ ..] = args else {
            return Err(LowerError::internal(
                span,
                "reduce_sum with fewer than 3 arguments",
            ));
        };
        let x = self.inline_arg(x, out)?;
        let n = x.val.dims().first().copied().unwrap_or(0);
        if n == 0 {
            return Ok(Val::Real(RExpr::Const(0.0)));
        }
        let index = |i: usize| InlineArg {
            val: Val::Int(IExpr::Const(i as i64)),
            ty: UnsizedType::INT,
            known_int: Some(i as i64),
        };
        let mut lowered = vec![x, index(1), index(n)];
        for a in shared {
            lowered.push(self.inline_arg(a, out)?);
        }
        self.inline_lowered(&fname, lowered, span, out)
    }

    fn inline_arg(&mut self, a: &Expr, out: &mut Vec<Stmt>) -> Result<InlineArg, LowerError> {
        let ty = self.ty(a)?;
        let val = self.lower_expr(a, out)?;
        let known_int = if ty == UnsizedType::INT {
            self.const_int(a).ok()
        } else {
            None
        };
        Ok(InlineArg { val, ty, known_int })
    }

    /// Inlines a user function's body with its arguments lowered already.
    fn inline_lowered(
        &mut self,
        fname: &str,
        args: Vec<InlineArg>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        if self.inlining.iter().any(|f| f == fname) {
            return Err(LowerError::unsupported(
                span,
                format!("recursive functions (`{fname}` calls itself)"),
            ));
        }
        let arg_types: Vec<UnsizedType> = args.iter().map(|a| a.ty).collect();
        let program = self.program;
        let def = program
            .functions()
            .iter()
            .filter(|f| f.name.name == fname && f.body.is_some() && f.params.len() == args.len())
            .find(|f| {
                f.params
                    .iter()
                    .zip(&arg_types)
                    .all(|(p, t)| t.assignable_to(crate::check::unsized_of(&p.ty)))
            })
            .ok_or_else(|| LowerError::internal(span, format!("no body for `{fname}`")))?;
        let ret_ty = match &def.return_type {
            ast::ReturnTypeDecl::Void(_) => None,
            ast::ReturnTypeDecl::Type(t) => Some(crate::check::unsized_of(t)),
        };
        let mut bound = Vec::new();
        for (p, a) in def.params.iter().zip(args) {
            let v = a.val;
            let var = self.decl_var(&p.name)?;
            let pty = crate::check::unsized_of(&p.ty);
            if pty == UnsizedType::INT {
                match a.known_int {
                    Some(known) => self.known_int_args.insert(var, known),
                    None => self.known_int_args.remove(&var),
                };
            }
            let dims = v.dims();
            let int = pty.base == BaseType::Int;
            let slot = self.alloc(format!("{fname}.{}", p.name.name), dims.clone(), int, true);
            let run = Run {
                slot,
                offset: IExpr::Const(0),
                ty: pty,
                dims: dims.clone(),
            };
            self.store_into(&run, v, out)?;
            bound.push((
                var,
                VarStorage {
                    slot,
                    ty: pty,
                    dims,
                },
            ));
        }
        for (var, storage) in bound {
            self.vars.insert(var, storage);
        }
        let flag = self.int_temp();
        out.push(Stmt::SetI(Place::at(flag, 0), IExpr::Const(0)));
        self.inlining.push(fname.to_string());
        self.return_slots.push((None, flag));
        self.return_types.push(ret_ty);
        let body = def.body.as_ref().expect("filtered on body");
        let result = self.lower_stmt(body, out);
        self.inlining.pop();
        let (storage, _) = self.return_slots.pop().expect("pushed above");
        self.return_types.pop();
        result?;
        match (ret_ty, storage) {
            (None, _) => Ok(Val::Real(RExpr::Const(0.0))),
            (Some(_), Some(s)) => Ok(self.storage_val(&s)),
            (Some(_), None) => Err(LowerError::internal(
                span,
                format!("`{fname}` returned no value"),
            )),
        }
    }

    pub(crate) fn lower_return(
        &mut self,
        value: Option<&Expr>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<(), LowerError> {
        let Some((existing, flag)) = self.return_slots.last().cloned() else {
            return Err(LowerError::unsupported(span, "`return` outside a function"));
        };
        if let Some(value) = value {
            let v = self.lower_expr(value, out)?;
            let ty = self
                .return_types
                .last()
                .copied()
                .flatten()
                .unwrap_or(UnsizedType::REAL);
            let storage = match existing {
                Some(s) => s,
                None => {
                    let dims = v.dims();
                    let slot = self.alloc("_return", dims.clone(), ty.base == BaseType::Int, true);
                    let s = VarStorage { slot, ty, dims };
                    if let Some(last) = self.return_slots.last_mut() {
                        last.0 = Some(s.clone());
                    }
                    s
                }
            };
            let run = Run {
                slot: storage.slot,
                offset: IExpr::Const(0),
                ty,
                dims: storage.dims.clone(),
            };
            self.store_into(&run, v, out)?;
        }
        out.push(Stmt::SetI(Place::at(flag, 0), IExpr::Const(1)));
        Ok(())
    }
}

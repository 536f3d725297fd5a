//! Lowering calls to user-defined functions: inlined at each call site, with `return` through a result slot and a flag.

use super::expr::{Run, Val};
use super::{LowerError, Lowering, VarStorage};
use crate::ir::*;
use crate::syntax::ast::{self, Expr, Span};
use stdlib::{BaseType, UnsizedType};

impl<'a> Lowering<'a> {
    /// Inlines a call to a user-defined function.
    pub(crate) fn inline_call(
        &mut self,
        fname: &str,
        args: &[&Expr],
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        if self.inlining.iter().any(|f| f == fname) {
            return Err(LowerError::unsupported(
                span,
                format!("recursive functions (`{fname}` calls itself)"),
            ));
        }
        let arg_types: Vec<UnsizedType> =
            args.iter().map(|a| self.ty(a)).collect::<Result<_, _>>()?;
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
            let v = self.lower_expr(a, out)?;
            let var = self.decl_var(&p.name)?;
            let pty = crate::check::unsized_of(&p.ty);
            if pty == UnsizedType::INT {
                match self.const_int(a) {
                    Ok(known) => self.known_int_args.insert(var, known),
                    Err(_) => self.known_int_args.remove(&var),
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

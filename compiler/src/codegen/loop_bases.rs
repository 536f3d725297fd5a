//! Arena base pointers loaded again in each loop's preheader: inside the
//! loop they are short-lived values that the register allocator can keep in
//! registers, where the values loaded once at the function's entry live
//! across every kernel call and are reloaded from the stack at each use.

use super::{Ctx, Emitter, I64};
use crate::ir::{IExpr, Module, Place, RExpr, Region, Stmt};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use std::collections::HashMap;

/// Each arena and the offset of its pointer in `Ctx`.
pub(super) const ARENAS: [(Region, i32); 6] = [
    (Region::Vals, Ctx::VALS),
    (Region::Ints, Ctx::INTS),
    (Region::Adj, Ctx::ADJ),
    (Region::Theta, Ctx::THETA),
    (Region::Grad, Ctx::GRAD),
    (Region::Out, Ctx::OUT),
];

/// Whether `body` calls a kernel or the host (kernel calls, rejections,
/// prints), at any depth: the bases would live across the call again. A
/// branch that ends in a rejection (the failure path of an inline density
/// check, which runs the kernel for Stan's message) does not count: it runs
/// at most once, and only when the evaluation fails.
fn calls_host(body: &[Stmt]) -> bool {
    body.iter().any(|s| match s {
        Stmt::Kernel(_) | Stmt::Reject { .. } | Stmt::Print(_) => true,
        Stmt::For { body, .. } | Stmt::While { body, .. } => calls_host(body),
        Stmt::If {
            then, otherwise, ..
        } => {
            let rejects = matches!(then.last(), Some(Stmt::Reject { .. }));
            (!rejects && calls_host(then)) || calls_host(otherwise)
        }
        _ => false,
    })
}

/// The arenas that `body` reads or writes through places (kernel calls,
/// which pass runs, are excluded by `calls_host` before this is asked). An
/// arena left out keeps the function's base, the same address.
fn regions_used(module: &Module, body: &[Stmt], used: &mut Vec<Region>) {
    fn place(m: &Module, p: &Place, used: &mut Vec<Region>) {
        let region = m.layout.slot(p.slot).region;
        if !used.contains(&region) {
            used.push(region);
        }
        iexpr(m, &p.index, used);
    }
    fn iexpr(m: &Module, e: &IExpr, used: &mut Vec<Region>) {
        match e {
            IExpr::Const(_) => {}
            IExpr::Load(p) => place(m, p, used),
            IExpr::Neg(a) | IExpr::Not(a) => iexpr(m, a, used),
            IExpr::Bin(_, a, b) | IExpr::CmpI(_, a, b) => {
                iexpr(m, a, used);
                iexpr(m, b, used);
            }
            IExpr::CmpR(_, a, b) => {
                rexpr(m, a, used);
                rexpr(m, b, used);
            }
            IExpr::Select(c, a, b) => {
                iexpr(m, c, used);
                iexpr(m, a, used);
                iexpr(m, b, used);
            }
            IExpr::Checked { index, len, .. } => {
                iexpr(m, index, used);
                iexpr(m, len, used);
            }
            IExpr::FromReal(r) => rexpr(m, r, used),
        }
    }
    fn rexpr(m: &Module, e: &RExpr, used: &mut Vec<Region>) {
        match e {
            RExpr::Const(_) => {}
            RExpr::Load(p) => place(m, p, used),
            RExpr::FromInt(i) => iexpr(m, i, used),
            RExpr::Neg(a) => rexpr(m, a, used),
            RExpr::Bin(_, a, b) => {
                rexpr(m, a, used);
                rexpr(m, b, used);
            }
            RExpr::Call(_, args) => args.iter().for_each(|a| rexpr(m, a, used)),
            RExpr::Select(c, a, b) => {
                iexpr(m, c, used);
                rexpr(m, a, used);
                rexpr(m, b, used);
            }
        }
    }
    for s in body {
        match s {
            Stmt::SetR(p, e) => {
                place(module, p, used);
                rexpr(module, e, used);
            }
            Stmt::SetI(p, e) => {
                place(module, p, used);
                iexpr(module, e, used);
            }
            Stmt::AddTarget(e) => {
                if let Some(target) = module.target {
                    place(module, &Place::at(target, 0), used);
                }
                rexpr(module, e, used);
            }
            Stmt::PushR(e) => rexpr(module, e, used),
            Stmt::PushI(e) => iexpr(module, e, used),
            Stmt::PopR(p) | Stmt::PopI(p) => place(module, p, used),
            Stmt::For { var, lo, hi, body } => {
                place(module, &Place::at(*var, 0), used);
                iexpr(module, lo, used);
                iexpr(module, hi, used);
                regions_used(module, body, used);
            }
            Stmt::While { cond, body } => {
                iexpr(module, cond, used);
                regions_used(module, body, used);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                iexpr(module, cond, used);
                regions_used(module, then, used);
                regions_used(module, otherwise, used);
            }
            Stmt::Kernel(_) | Stmt::Reject { .. } | Stmt::Print(_) => {}
            Stmt::Break | Stmt::Continue => {}
        }
    }
}

impl Emitter<'_, '_> {
    /// Loads every arena's base pointer from `ctx`, for the whole function.
    pub(super) fn load_bases(&mut self) {
        for (region, offset) in ARENAS {
            let v = self
                .b
                .ins()
                .load(I64, MemFlagsData::trusted(), self.ctx_ptr, offset);
            self.bases.insert(region, v);
        }
    }

    /// In the preheader of a loop over `body` that calls nothing, unless an
    /// enclosing loop did (a short inner loop would wait at each entry for
    /// two dependent loads): loads the bases of the arenas it uses afresh
    /// for the loop and returns the ones to restore after it
    /// (`restore_bases`). The pointers do not change while a function runs,
    /// so either value is the same address.
    pub(super) fn fresh_bases(&mut self, body: &[Stmt]) -> Option<HashMap<Region, Value>> {
        if self.bases_fresh || calls_host(body) {
            return None;
        }
        self.bases_fresh = true;
        let saved = self.bases.clone();
        let mut used = Vec::new();
        regions_used(self.module, body, &mut used);
        for (region, offset) in ARENAS {
            if used.contains(&region) {
                let v = self
                    .b
                    .ins()
                    .load(I64, MemFlagsData::trusted(), self.ctx_ptr, offset);
                self.bases.insert(region, v);
            }
        }
        Some(saved)
    }

    /// After the loop: the function's own bases again.
    pub(super) fn restore_bases(&mut self, saved: Option<HashMap<Region, Value>>) {
        if let Some(bases) = saved {
            self.bases = bases;
            self.bases_fresh = false;
        }
    }
}

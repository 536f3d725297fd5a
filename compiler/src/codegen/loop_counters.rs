//! Which loop counters a generated function may keep in Cranelift
//! variables (registers) instead of their int slots in the arena.

use crate::ir::{self, IExpr, KArg, Place, RExpr, Region, Stmt};

/// The loop counters of `body` that can live in Cranelift variables: int
/// slots of one element that some `for` of the function counts with and that
/// the function only reads and writes as that element (`slot[0]`), never
/// passes to a kernel as a run nor has a kernel write. Such a slot is the
/// function's own scratch: nothing outside the function reads it, so its
/// value need not be stored back.
pub(super) fn promotable_loop_vars(module: &ir::Module, body: &[Stmt]) -> Vec<ir::SlotId> {
    #[derive(Default)]
    struct Uses {
        counters: Vec<ir::SlotId>,
        excluded: std::collections::HashSet<ir::SlotId>,
    }
    impl Uses {
        fn place(&mut self, p: &Place) {
            if p.index != IExpr::Const(0) {
                self.excluded.insert(p.slot);
            }
            self.iexpr(&p.index);
        }
        fn iexpr(&mut self, e: &IExpr) {
            match e {
                IExpr::Const(_) => {}
                IExpr::Load(p) => self.place(p),
                IExpr::Neg(a) | IExpr::Not(a) => self.iexpr(a),
                IExpr::Bin(_, a, b) | IExpr::CmpI(_, a, b) => {
                    self.iexpr(a);
                    self.iexpr(b);
                }
                IExpr::CmpR(_, a, b) => {
                    self.rexpr(a);
                    self.rexpr(b);
                }
                IExpr::Select(c, a, b) => {
                    self.iexpr(c);
                    self.iexpr(a);
                    self.iexpr(b);
                }
                IExpr::Checked { index, len, .. } => {
                    self.iexpr(index);
                    self.iexpr(len);
                }
                IExpr::FromReal(r) => self.rexpr(r),
            }
        }
        fn rexpr(&mut self, e: &RExpr) {
            match e {
                RExpr::Const(_) => {}
                RExpr::Load(p) => self.place(p),
                RExpr::FromInt(i) => self.iexpr(i),
                RExpr::Neg(a) => self.rexpr(a),
                RExpr::Bin(_, a, b) => {
                    self.rexpr(a);
                    self.rexpr(b);
                }
                RExpr::Call(_, args) => args.iter().for_each(|a| self.rexpr(a)),
                RExpr::Select(c, a, b) => {
                    self.iexpr(c);
                    self.rexpr(a);
                    self.rexpr(b);
                }
            }
        }
        fn kernel(&mut self, k: &ir::KernelCall) {
            for arg in &k.args {
                match arg {
                    KArg::Reals { slot, offset, .. } | KArg::Ints { slot, offset, .. } => {
                        self.excluded.insert(*slot);
                        self.iexpr(offset);
                    }
                    KArg::RealSegment {
                        slot, offset, len, ..
                    }
                    | KArg::IntSegment { slot, offset, len } => {
                        self.excluded.insert(*slot);
                        self.iexpr(offset);
                        self.iexpr(len);
                    }
                    KArg::Real(r) => self.rexpr(r),
                    KArg::Int(i) => self.iexpr(i),
                    KArg::Null => {}
                }
            }
            for (slot, _, _) in &k.outputs {
                self.excluded.insert(*slot);
            }
            if let Some(r) = &k.reverse {
                self.kernel(r);
            }
        }
        fn print(&mut self, parts: &[ir::PrintPart]) {
            for part in parts {
                match part {
                    ir::PrintPart::Text(_) => {}
                    ir::PrintPart::Real(r) => self.rexpr(r),
                    ir::PrintPart::Int(i) => self.iexpr(i),
                }
            }
        }
        fn stmts(&mut self, body: &[Stmt]) {
            for s in body {
                match s {
                    Stmt::SetR(p, e) => {
                        self.place(p);
                        self.rexpr(e);
                    }
                    Stmt::SetI(p, e) => {
                        self.place(p);
                        self.iexpr(e);
                    }
                    Stmt::AddTarget(e) | Stmt::PushR(e) => self.rexpr(e),
                    Stmt::PushI(e) => self.iexpr(e),
                    Stmt::PopR(p) | Stmt::PopI(p) => self.place(p),
                    Stmt::Kernel(k) => self.kernel(k),
                    Stmt::For { var, lo, hi, body } => {
                        self.counters.push(*var);
                        self.iexpr(lo);
                        self.iexpr(hi);
                        self.stmts(body);
                    }
                    Stmt::While { cond, body } => {
                        self.iexpr(cond);
                        self.stmts(body);
                    }
                    Stmt::If {
                        cond,
                        then,
                        otherwise,
                    } => {
                        self.iexpr(cond);
                        self.stmts(then);
                        self.stmts(otherwise);
                    }
                    Stmt::Break | Stmt::Continue => {}
                    Stmt::Reject { parts, .. } | Stmt::Print(parts) => self.print(parts),
                }
            }
        }
    }
    let mut uses = Uses::default();
    uses.stmts(body);
    let mut out: Vec<ir::SlotId> = uses
        .counters
        .into_iter()
        .filter(|s| {
            let slot = module.layout.slot(*s);
            slot.region == Region::Ints && slot.len == 1 && !uses.excluded.contains(s)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

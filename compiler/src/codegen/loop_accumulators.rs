//! Which real sums a generated loop may keep in a Cranelift variable
//! (a register) instead of loading and storing their arena element at every
//! iteration.
//!
//! The reverse sweep is full of `d_x[c] = d_x[c] + ...` inside loops: the
//! adjoint of a scalar broadcast over a vector (`alpha + X * beta`), of a
//! scalar used in every iteration, and `target +=` in a loop. Through memory,
//! each iteration waits for the previous store to reach the next load; in a
//! register, only for the add. The sums are the same operations in the same
//! order, so the values are the same bits.

use crate::ir::{self, IExpr, KArg, Place, RBinOp, RExpr, Region, Stmt};

/// One element of one arena: what a place or a run of places touches.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Span {
    region: Region,
    start: usize,
    end: usize,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.region == other.region && self.start < other.end && other.start < self.end
    }
}

/// The place a statement accumulates into, `p = p + x` or `p = p - x` with
/// `p` a fixed element (a constant index) of a writable arena, if it is one.
/// `target += x` accumulates into the target slot's element.
pub(super) fn accumulation<'a>(
    module: &ir::Module,
    s: &'a Stmt,
) -> Option<(Place, Option<&'a RExpr>)> {
    let (p, x) = match s {
        Stmt::SetR(p, RExpr::Bin(RBinOp::Add | RBinOp::Sub, lhs, x)) if matches!(&**lhs, RExpr::Load(q) if **q == *p) => {
            (p.clone(), Some(&**x))
        }
        Stmt::AddTarget(_) => (Place::at(module.target?, 0), None),
        _ => return None,
    };
    let IExpr::Const(_) = p.index else {
        return None;
    };
    matches!(
        module.layout.slot(p.slot).region,
        Region::Vals | Region::Adj | Region::Grad
    )
    .then_some((p, x))
}

/// The accumulations of `body` that can live in a variable for the whole
/// loop: fixed elements that the loop (with the loops inside it) touches
/// only through their own accumulation statements. Excluded: an element
/// that any other statement, expression, kernel argument or kernel output
/// of the loop may read or write (an element with an index computed at run
/// time counts as its whole slot; a kernel argument as its whole run), and
/// every adjoint when the loop zeroes the adjoints.
pub(super) fn promotable_accumulators(module: &ir::Module, body: &[Stmt]) -> Vec<Place> {
    let mut walk = Walk {
        module,
        candidates: Vec::new(),
        touched: Vec::new(),
    };
    walk.stmts(body);
    let mut out: Vec<Place> = Vec::new();
    for (place, span) in walk.candidates {
        if !walk.touched.iter().any(|t| t.overlaps(&span)) && !out.contains(&place) {
            out.push(place);
        }
    }
    out
}

struct Walk<'m> {
    module: &'m ir::Module,
    candidates: Vec<(Place, Span)>,
    touched: Vec<Span>,
}

impl Walk<'_> {
    fn slot_span(&self, slot: ir::SlotId) -> Span {
        let s = self.module.layout.slot(slot);
        Span {
            region: s.region,
            start: s.offset,
            end: s.offset + s.len,
        }
    }

    /// What `p` touches: its element when the index is constant, else its slot.
    fn place_span(&self, p: &Place) -> Span {
        let whole = self.slot_span(p.slot);
        match p.index {
            IExpr::Const(c) if c >= 0 => Span {
                start: whole.start + c as usize,
                end: whole.start + c as usize + 1,
                ..whole
            },
            _ => whole,
        }
    }

    fn place(&mut self, p: &Place) {
        let span = self.place_span(p);
        self.touched.push(span);
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

    /// A kernel argument's run, in the adjoint arena when it passes adjoints.
    fn run_span(&self, slot: ir::SlotId, adjoint: bool) -> Span {
        let span = self.slot_span(slot);
        if !adjoint {
            return span;
        }
        Span {
            region: if span.region == Region::Theta {
                Region::Grad
            } else {
                Region::Adj
            },
            ..span
        }
    }

    fn kernel(&mut self, k: &ir::KernelCall) {
        if k.kernel == "cmod_zero_adjoints" {
            for region in [Region::Adj, Region::Grad] {
                self.touched.push(Span {
                    region,
                    start: 0,
                    end: usize::MAX,
                });
            }
        }
        for arg in &k.args {
            match arg {
                KArg::Reals {
                    slot,
                    offset,
                    adjoint,
                    ..
                } => {
                    self.touched.push(self.run_span(*slot, *adjoint));
                    self.iexpr(offset);
                }
                KArg::RealSegment {
                    slot,
                    offset,
                    len,
                    adjoint,
                } => {
                    self.touched.push(self.run_span(*slot, *adjoint));
                    self.iexpr(offset);
                    self.iexpr(len);
                }
                KArg::Ints { slot, offset, .. } => {
                    self.touched.push(self.slot_span(*slot));
                    self.iexpr(offset);
                }
                KArg::IntSegment { slot, offset, len } => {
                    self.touched.push(self.slot_span(*slot));
                    self.iexpr(offset);
                    self.iexpr(len);
                }
                KArg::Real(r) => self.rexpr(r),
                KArg::Int(i) => self.iexpr(i),
                KArg::Null => {}
            }
        }
        for (slot, _, _) in &k.outputs {
            self.touched.push(self.slot_span(*slot));
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
            if let Some((p, x)) = accumulation(self.module, s) {
                let span = self.place_span(&p);
                self.candidates.push((p, span));
                match (s, x) {
                    (_, Some(x)) => self.rexpr(x),
                    (Stmt::AddTarget(e), None) => self.rexpr(e),
                    _ => {}
                }
                continue;
            }
            match s {
                Stmt::SetR(p, e) => {
                    self.place(p);
                    self.rexpr(e);
                }
                Stmt::SetI(p, e) => {
                    self.place(p);
                    self.iexpr(e);
                }
                Stmt::AddTarget(e) => {
                    if let Some(t) = self.module.target {
                        self.place(&Place::at(t, 0));
                    }
                    self.rexpr(e);
                }
                Stmt::PushR(e) => self.rexpr(e),
                Stmt::PushI(e) => self.iexpr(e),
                Stmt::PopR(p) | Stmt::PopI(p) => self.place(p),
                Stmt::Kernel(k) => self.kernel(k),
                Stmt::For { var, lo, hi, body } => {
                    self.place(&Place::at(*var, 0));
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

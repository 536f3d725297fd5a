//! Emitting `for` loops: the counter in a Cranelift variable or its slot,
//! and the sums the body accumulates into fixed elements kept in variables
//! for the whole loop (see `loop_accumulators`).

use super::{loop_accumulators, CodegenError, Emitter};
use crate::ir::{self, IExpr, Place, RBinOp, RExpr, Stmt};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F64, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;

impl Emitter<'_, '_> {
    /// The variable, operation and increment of an accumulation statement
    /// whose element an enclosing loop keeps in a variable.
    pub(super) fn accumulated<'s>(&self, s: &'s Stmt) -> Option<(Variable, RBinOp, &'s RExpr)> {
        let (p, _) = loop_accumulators::accumulation(self.module, s)?;
        let IExpr::Const(c) = p.index else {
            return None;
        };
        let var = *self.accumulators.get(&(p.slot, c))?;
        match s {
            Stmt::SetR(_, RExpr::Bin(op, _, x)) => Some((var, *op, &**x)),
            Stmt::AddTarget(e) => Some((var, RBinOp::Add, e)),
            _ => None,
        }
    }

    /// `for var in lo..=hi { body }`. The counter lives in a variable when
    /// the function keeps it there (`loop_counters`), else in its slot; the
    /// sums the body accumulates into fixed elements live in variables for
    /// the whole loop (`loop_accumulators`), loaded before it and stored
    /// after it.
    pub(super) fn for_loop(
        &mut self,
        var: ir::SlotId,
        lo: &IExpr,
        hi: &IExpr,
        body: &[Stmt],
    ) -> Result<(), CodegenError> {
        let lo_v = self.iexpr(lo)?;
        let hi_v = self.iexpr(hi)?;
        let counter = match self.promoted.get(&var) {
            Some(v) => Ok(*v),
            None => Err(self.address(&Place::at(var, 0))?),
        };
        self.set_counter(counter, lo_v);
        let mut kept = Vec::new();
        for p in loop_accumulators::promotable_accumulators(self.module, body) {
            let IExpr::Const(c) = p.index else { continue };
            if self.accumulators.contains_key(&(p.slot, c)) {
                continue;
            }
            let v = self.declare_loaded(&p)?;
            self.accumulators.insert((p.slot, c), v);
            kept.push(p);
        }
        let header = self.b.create_block();
        let body_block = self.b.create_block();
        let step = self.b.create_block();
        let exit = self.b.create_block();
        let saved = self.fresh_bases(body);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let i = self.counter(counter);
        let more = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, i, hi_v);
        self.b.ins().brif(more, body_block, &[], exit, &[]);
        self.b.switch_to_block(body_block);
        self.loops.push((step, exit));
        self.stmts(body)?;
        self.loops.pop();
        self.b.ins().jump(step, &[]);
        self.b.switch_to_block(step);
        let i = self.counter(counter);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.set_counter(counter, next);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
        self.restore_bases(saved);
        for p in kept {
            let IExpr::Const(c) = p.index else { continue };
            let v = self.accumulators.remove(&(p.slot, c)).expect("kept above");
            let v = self.b.use_var(v);
            let a = self.address(&p)?;
            self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
        }
        Ok(())
    }

    /// A new F64 variable holding the value at `p`.
    fn declare_loaded(&mut self, p: &Place) -> Result<Variable, CodegenError> {
        let var = self.b.declare_var(F64);
        let a = self.address(p)?;
        let v = self.b.ins().load(F64, MemFlagsData::trusted(), a, 0);
        self.b.def_var(var, v);
        Ok(var)
    }

    /// A loop counter's value: from its variable (`Ok`) or its address (`Err`).
    fn counter(&mut self, counter: Result<Variable, Value>) -> Value {
        match counter {
            Ok(var) => self.b.use_var(var),
            Err(addr) => self.b.ins().load(I64, MemFlagsData::trusted(), addr, 0),
        }
    }

    fn set_counter(&mut self, counter: Result<Variable, Value>, v: Value) {
        match counter {
            Ok(var) => self.b.def_var(var, v),
            Err(addr) => {
                self.b.ins().store(MemFlagsData::trusted(), v, addr, 0);
            }
        }
    }
}

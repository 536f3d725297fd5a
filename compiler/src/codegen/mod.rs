//! Code generation: IR functions become native code with Cranelift, one JIT module per model.
//!
//! Every generated function has the signature `extern "C" fn(*mut Ctx) -> i32`
//! and returns 0, or `1 + MsgId` of the failure. Every stdlib kernel is
//! registered by name with `JITBuilder::symbol` and called as `extern "C"`.

pub mod array_kernels;
mod glm_kernel;
pub mod kernels;
mod loop_accumulators;
mod loop_bases;
mod loop_counters;
mod loops;
pub mod rng_kernels;
pub mod stdlib_kernels;

use crate::ir::{self, CmpOp, IBinOp, IExpr, KArg, Place, RBinOp, RExpr, Region, ScalarFn, Stmt};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, FuncRef, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use std::collections::HashMap;

pub use kernels::{Ctx, Host};

/// A generated function.
pub type GeneratedFn = unsafe extern "C" fn(*mut Ctx) -> i32;

/// A finished JIT module with its entry points by name.
pub struct Jitted {
    /// Owns the machine code; dropping it frees the functions.
    _module: JITModule,
    pub functions: HashMap<String, GeneratedFn>,
}

// The finalized code is immutable and the functions only touch the `Ctx` they are given.
unsafe impl Send for Jitted {}
unsafe impl Sync for Jitted {}

/// Why code generation failed (always a bug in cmod, never the user's fault).
#[derive(Debug, Clone)]
pub struct CodegenError(pub String);

/// Compiles the named functions of `module` to native code.
pub fn compile(module: &ir::Module, names: &[&str]) -> Result<Jitted, CodegenError> {
    let mut flags = settings::builder();
    let _ = flags.set("opt_level", "speed");
    if cfg!(debug_assertions) {
        let _ = flags.set("enable_verifier", "true");
    }
    let isa_builder = cranelift_native::builder().map_err(|e| CodegenError(e.to_string()))?;
    let isa = isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CodegenError(e.to_string()))?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, ptr) in kernels::symbols() {
        builder.symbol(name, ptr);
    }
    let mut jit = JITModule::new(builder);
    let mut ids = Vec::new();
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = jit.make_context();
    for name in names {
        let Some(f) = module.functions.iter().find(|f| f.name == *name) else {
            continue;
        };
        let mut sig = jit.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        let id = jit
            .declare_function(name, Linkage::Local, &sig)
            .map_err(|e| CodegenError(e.to_string()))?;
        ctx.func.signature = sig;
        {
            let builder = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let mut emitter = Emitter::new(builder, &mut jit, module);
            emitter.emit_function(&f.body)?;
            emitter.finish();
        }
        jit.define_function(id, &mut ctx)
            .map_err(|e| CodegenError(format!("{name}: {e:?}")))?;
        jit.clear_context(&mut ctx);
        ids.push((name.to_string(), id));
    }
    jit.finalize_definitions()
        .map_err(|e| CodegenError(e.to_string()))?;
    let mut functions = HashMap::new();
    for (name, id) in ids {
        let ptr = jit.get_finalized_function(id);
        // SAFETY: the function was defined with the signature (i64) -> i32, which matches GeneratedFn.
        let f: GeneratedFn = unsafe { std::mem::transmute::<*const u8, GeneratedFn>(ptr) };
        functions.insert(name, f);
    }
    Ok(Jitted {
        _module: jit,
        functions,
    })
}

/// Prints the Cranelift IR of the named functions (`cmod check --emit clif`).
pub fn clif_text(module: &ir::Module, names: &[&str]) -> Result<String, CodegenError> {
    let isa_builder = cranelift_native::builder().map_err(|e| CodegenError(e.to_string()))?;
    let isa = isa_builder
        .finish(settings::Flags::new(settings::builder()))
        .map_err(|e| CodegenError(e.to_string()))?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, ptr) in kernels::symbols() {
        builder.symbol(name, ptr);
    }
    let mut jit = JITModule::new(builder);
    let mut fctx = FunctionBuilderContext::new();
    let mut out = String::new();
    for name in names {
        let Some(f) = module.functions.iter().find(|f| f.name == *name) else {
            continue;
        };
        let mut ctx = jit.make_context();
        let mut sig = jit.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        ctx.func.signature = sig;
        {
            let builder = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let mut emitter = Emitter::new(builder, &mut jit, module);
            emitter.emit_function(&f.body)?;
            emitter.finish();
        }
        out.push_str(&format!("; {name}\n{}\n", ctx.func.display()));
    }
    Ok(out)
}

struct Emitter<'a, 'b> {
    b: FunctionBuilder<'b>,
    jit: &'a mut JITModule,
    module: &'a ir::Module,
    imports: HashMap<&'static str, FuncRef>,
    ctx_ptr: Value,
    bases: HashMap<Region, Value>,
    /// (continue target, exit target) of the enclosing loops.
    loops: Vec<(Block, Block)>,
    /// The tapes' cursors, ends and bases, kept in registers (see `Ctx::tape_real`).
    tape: [Tape; 2],
    /// Loop counters kept in Cranelift variables instead of their int slots
    /// (see [`loop_counters::promotable_loop_vars`]).
    promoted: HashMap<ir::SlotId, Variable>,
    /// Sums an enclosing loop keeps in Cranelift variables, by slot and
    /// element (see [`loop_accumulators::promotable_accumulators`]).
    accumulators: HashMap<(ir::SlotId, i64), Variable>,
    /// Whether an enclosing loop loaded the bases afresh (`loop_bases`).
    bases_fresh: bool,
}

/// One tape as the generated function sees it.
#[derive(Clone, Copy)]
struct Tape {
    cursor: Variable,
    end: Variable,
    base: Variable,
    /// Offsets in `Ctx` of the cursor, the end and the base.
    fields: [i32; 3],
    grow: &'static str,
}

const REAL_TAPE: usize = 0;
const INT_TAPE: usize = 1;

/// Pushes (real, int) in a run of statements without control flow, and the
/// entries each tape must already hold when the run starts.
fn tape_counts(run: &[Stmt]) -> ([i64; 2], [i64; 2]) {
    // `needed`: the entries the tape must hold when the run starts, the
    // largest excess of pops over the pushes before them at any point (a run
    // may push and then pop the same entries: straight-line forward and
    // reverse sweeps).
    let (mut pushes, mut level, mut needed) = ([0; 2], [0i64; 2], [0; 2]);
    for s in run {
        let (which, change) = match s {
            Stmt::PushR(_) => (REAL_TAPE, 1),
            Stmt::PushI(_) => (INT_TAPE, 1),
            Stmt::PopR(_) => (REAL_TAPE, -1),
            Stmt::PopI(_) => (INT_TAPE, -1),
            _ => continue,
        };
        if change > 0 {
            pushes[which] += 1;
        }
        level[which] += change;
        needed[which] = needed[which].max(-level[which]);
    }
    (pushes, needed)
}

fn is_control_flow(s: &Stmt) -> bool {
    matches!(
        s,
        Stmt::For { .. } | Stmt::While { .. } | Stmt::If { .. } | Stmt::Break | Stmt::Continue
    )
}

const F64: types::Type = types::F64;
const I64: types::Type = types::I64;

impl<'a, 'b> Emitter<'a, 'b> {
    fn new(b: FunctionBuilder<'b>, jit: &'a mut JITModule, module: &'a ir::Module) -> Self {
        let dummy = Value::from_u32(0);
        let mut b = b;
        let mut tape = |fields: [i32; 3], grow| Tape {
            cursor: b.declare_var(I64),
            end: b.declare_var(I64),
            base: b.declare_var(I64),
            fields,
            grow,
        };
        let tape = [
            tape(
                [Ctx::TAPE_REAL, Ctx::TAPE_REAL_END, Ctx::TAPE_REAL_BASE],
                "cmod_tape_grow_real",
            ),
            tape(
                [Ctx::TAPE_INT, Ctx::TAPE_INT_END, Ctx::TAPE_INT_BASE],
                "cmod_tape_grow_int",
            ),
        ];
        Emitter {
            b,
            jit,
            module,
            imports: HashMap::new(),
            ctx_ptr: dummy,
            bases: HashMap::new(),
            loops: Vec::new(),
            tape,
            promoted: HashMap::new(),
            accumulators: HashMap::new(),
            bases_fresh: false,
        }
    }

    fn emit_function(&mut self, body: &[Stmt]) -> Result<(), CodegenError> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.ctx_ptr = self.b.block_params(entry)[0];
        self.load_bases();
        for t in self.tape {
            for (var, field) in [t.cursor, t.end, t.base].into_iter().zip(t.fields) {
                let v = self
                    .b
                    .ins()
                    .load(I64, MemFlagsData::trusted(), self.ctx_ptr, field);
                self.b.def_var(var, v);
            }
        }
        // Each promoted counter starts with its slot's value, so a read
        // before the first write sees what the arena held.
        for slot in loop_counters::promotable_loop_vars(self.module, body) {
            let var = self.b.declare_var(I64);
            let a = self.address(&Place::at(slot, 0))?;
            let v = self.b.ins().load(I64, MemFlagsData::trusted(), a, 0);
            self.b.def_var(var, v);
            self.promoted.insert(slot, var);
        }
        self.stmts(body)?;
        let zero = self.b.ins().iconst(types::I32, 0);
        self.b.ins().return_(&[zero]);
        self.b.seal_all_blocks();
        Ok(())
    }

    /// Finishes the function (after `emit_function`).
    fn finish(self) {
        let config = self.jit.isa().frontend_config();
        self.b.finalize(config);
    }

    fn import(&mut self, name: &'static str) -> Result<FuncRef, CodegenError> {
        if let Some(f) = self.imports.get(name) {
            return Ok(*f);
        }
        let sig = kernels::signature_of(name, self.jit);
        let id: FuncId = self
            .jit
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| CodegenError(e.to_string()))?;
        let f = self.jit.declare_func_in_func(id, self.b.func);
        self.imports.insert(name, f);
        Ok(f)
    }

    fn fail(&mut self, status: u32) {
        let v = self.b.ins().iconst(types::I32, status as i64);
        self.b.ins().return_(&[v]);
    }

    // ------------------------------------------------------------ places

    fn address(&mut self, p: &Place) -> Result<Value, CodegenError> {
        let slot = self.module.layout.slot(p.slot);
        let base = self.bases[&slot.region];
        let index = self.iexpr(&p.index)?;
        let offset = self.b.ins().iadd_imm_s(index, slot.offset as i64);
        let bytes = self.b.ins().ishl_imm_u(offset, 3);
        Ok(self.b.ins().iadd(base, bytes))
    }

    // ------------------------------------------------------------ expressions

    fn rexpr(&mut self, e: &RExpr) -> Result<Value, CodegenError> {
        Ok(match e {
            RExpr::Const(c) => self.b.ins().f64const(*c),
            RExpr::Load(p) => {
                let a = self.address(p)?;
                self.b.ins().load(F64, MemFlagsData::trusted(), a, 0)
            }
            RExpr::FromInt(i) => {
                let v = self.iexpr(i)?;
                self.b.ins().fcvt_from_sint(F64, v)
            }
            RExpr::Neg(a) => {
                let v = self.rexpr(a)?;
                self.b.ins().fneg(v)
            }
            RExpr::Bin(op, a, b) => {
                let x = self.rexpr(a)?;
                let y = self.rexpr(b)?;
                match op {
                    RBinOp::Add => self.b.ins().fadd(x, y),
                    RBinOp::Sub => self.b.ins().fsub(x, y),
                    RBinOp::Mul => self.b.ins().fmul(x, y),
                    RBinOp::Div => self.b.ins().fdiv(x, y),
                }
            }
            RExpr::Call(f, args) => {
                let vals: Vec<Value> = args
                    .iter()
                    .map(|a| self.rexpr(a))
                    .collect::<Result<_, _>>()?;
                match f {
                    ScalarFn::Sqrt => self.b.ins().sqrt(vals[0]),
                    ScalarFn::Square => self.b.ins().fmul(vals[0], vals[0]),
                    ScalarFn::Abs => self.b.ins().fabs(vals[0]),
                    ScalarFn::Floor => self.b.ins().floor(vals[0]),
                    ScalarFn::Ceil => self.b.ins().ceil(vals[0]),
                    ScalarFn::Trunc => self.b.ins().trunc(vals[0]),
                    // C's fmax and fmin (a NaN operand gives the other one)
                    // inline, without a call: log_sum_exp takes one per term.
                    ScalarFn::Fmax | ScalarFn::Fmin => {
                        let (a, b) = (vals[0], vals[1]);
                        let order = if matches!(f, ScalarFn::Fmax) {
                            FloatCC::GreaterThan
                        } else {
                            FloatCC::LessThan
                        };
                        let a_wins = self.b.ins().fcmp(order, a, b);
                        let b_nan = self.b.ins().fcmp(FloatCC::Unordered, b, b);
                        let pick_a = self.b.ins().bor(a_wins, b_nan);
                        self.b.ins().select(pick_a, a, b)
                    }
                    other => {
                        let name = kernels::scalar_symbol(*other);
                        let fref = self.import(name)?;
                        let call = self.b.ins().call(fref, &vals);
                        self.b.inst_results(call)[0]
                    }
                }
            }
            RExpr::Select(c, a, b) => {
                let cond = self.iexpr(c)?;
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, F64);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.switch_to_block(then_block);
                let x = self.rexpr(a)?;
                self.b.ins().jump(join, &[x.into()]);
                self.b.switch_to_block(else_block);
                let y = self.rexpr(b)?;
                self.b.ins().jump(join, &[y.into()]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
        })
    }

    fn bool_to_i64(&mut self, v: Value) -> Value {
        self.b.ins().uextend(I64, v)
    }

    fn iexpr(&mut self, e: &IExpr) -> Result<Value, CodegenError> {
        Ok(match e {
            IExpr::Const(c) => self.b.ins().iconst(I64, *c),
            IExpr::Load(p) if self.promoted.contains_key(&p.slot) => {
                self.b.use_var(self.promoted[&p.slot])
            }
            IExpr::Load(p) => {
                let a = self.address(p)?;
                self.b.ins().load(I64, MemFlagsData::trusted(), a, 0)
            }
            IExpr::Neg(a) => {
                let v = self.iexpr(a)?;
                self.b.ins().ineg(v)
            }
            IExpr::Not(a) => {
                let v = self.iexpr(a)?;
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
                self.bool_to_i64(c)
            }
            IExpr::Bin(op @ (IBinOp::And | IBinOp::Or), a, b) => {
                let x = self.iexpr(a)?;
                let x_true = self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
                let rhs_block = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                let short = self
                    .b
                    .ins()
                    .iconst(I64, if *op == IBinOp::And { 0 } else { 1 });
                if *op == IBinOp::And {
                    self.b
                        .ins()
                        .brif(x_true, rhs_block, &[], join, &[short.into()]);
                } else {
                    self.b
                        .ins()
                        .brif(x_true, join, &[short.into()], rhs_block, &[]);
                }
                self.b.switch_to_block(rhs_block);
                let y = self.iexpr(b)?;
                let y_true = self.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
                let y64 = self.bool_to_i64(y_true);
                self.b.ins().jump(join, &[y64.into()]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
            IExpr::Bin(op, a, b) => {
                let x = self.iexpr(a)?;
                let y = self.iexpr(b)?;
                match op {
                    IBinOp::Add => self.b.ins().iadd(x, y),
                    IBinOp::Sub => self.b.ins().isub(x, y),
                    IBinOp::Mul => self.b.ins().imul(x, y),
                    IBinOp::Div | IBinOp::Mod => {
                        // Guard the two inputs that trap: a zero divisor (checked
                        // earlier by the lowering) and i64::MIN / -1.
                        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                        let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                        let bad = self.b.ins().bor(zero, minus_one);
                        let one = self.b.ins().iconst(I64, 1);
                        let safe_y = self.b.ins().select(bad, one, y);
                        let q = if *op == IBinOp::Div {
                            self.b.ins().sdiv(x, safe_y)
                        } else {
                            self.b.ins().srem(x, safe_y)
                        };
                        let neg_x = self.b.ins().ineg(x);
                        let zero_v = self.b.ins().iconst(I64, 0);
                        let fixed = if *op == IBinOp::Div { neg_x } else { zero_v };
                        self.b.ins().select(minus_one, fixed, q)
                    }
                    IBinOp::And | IBinOp::Or => unreachable!("handled above"),
                }
            }
            IExpr::CmpI(op, a, b) => {
                let x = self.iexpr(a)?;
                let y = self.iexpr(b)?;
                let cc = match op {
                    CmpOp::Eq => IntCC::Equal,
                    CmpOp::Ne => IntCC::NotEqual,
                    CmpOp::Lt => IntCC::SignedLessThan,
                    CmpOp::Le => IntCC::SignedLessThanOrEqual,
                    CmpOp::Gt => IntCC::SignedGreaterThan,
                    CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
                };
                let c = self.b.ins().icmp(cc, x, y);
                self.bool_to_i64(c)
            }
            IExpr::CmpR(op, a, b) => {
                let x = self.rexpr(a)?;
                let y = self.rexpr(b)?;
                let cc = match op {
                    CmpOp::Eq => FloatCC::Equal,
                    CmpOp::Ne => FloatCC::NotEqual,
                    CmpOp::Lt => FloatCC::LessThan,
                    CmpOp::Le => FloatCC::LessThanOrEqual,
                    CmpOp::Gt => FloatCC::GreaterThan,
                    CmpOp::Ge => FloatCC::GreaterThanOrEqual,
                };
                let c = self.b.ins().fcmp(cc, x, y);
                self.bool_to_i64(c)
            }
            IExpr::Select(c, a, b) => {
                let cond = self.iexpr(c)?;
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.switch_to_block(then_block);
                let x = self.iexpr(a)?;
                self.b.ins().jump(join, &[x.into()]);
                self.b.switch_to_block(else_block);
                let y = self.iexpr(b)?;
                self.b.ins().jump(join, &[y.into()]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
            IExpr::Checked { index, len, msg } => {
                let i = self.iexpr(index)?;
                let n = self.iexpr(len)?;
                let ge1 = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, i, 1);
                let le_n = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, i, n);
                let ok = self.b.ins().band(ge1, le_n);
                let ok_block = self.b.create_block();
                let fail_block = self.b.create_block();
                self.b.ins().brif(ok, ok_block, &[], fail_block, &[]);
                self.b.switch_to_block(fail_block);
                self.b.set_cold_block(fail_block);
                self.b
                    .ins()
                    .store(MemFlagsData::trusted(), i, self.ctx_ptr, Ctx::ERR_VALUE);
                self.fail(msg.0 + 1);
                self.b.switch_to_block(ok_block);
                i
            }
            IExpr::FromReal(r) => {
                let v = self.rexpr(r)?;
                self.b.ins().fcvt_to_sint_sat(I64, v)
            }
        })
    }

    // ------------------------------------------------------------ statements

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), CodegenError> {
        // Each run of statements without control flow checks once, at its
        // start, that its pushes fit on the tape and that its pops have
        // entries to take; the pushes and pops themselves are plain stores
        // and loads.
        let mut checked_until = 0;
        for (i, s) in stmts.iter().enumerate() {
            if i >= checked_until && !is_control_flow(s) {
                let end = stmts[i..]
                    .iter()
                    .position(is_control_flow)
                    .map_or(stmts.len(), |n| i + n);
                let (pushes, pops) = tape_counts(&stmts[i..end]);
                for which in [REAL_TAPE, INT_TAPE] {
                    self.reserve_tape(which, pushes[which])?;
                    self.check_tape(which, pops[which])?;
                }
                checked_until = end;
            }
            self.stmt(s)?;
        }
        Ok(())
    }

    /// Makes room for `n` pushes on a tape, growing it on a cold path.
    fn reserve_tape(&mut self, which: usize, n: i64) -> Result<(), CodegenError> {
        if n == 0 {
            return Ok(());
        }
        let t = self.tape[which];
        let cursor = self.b.use_var(t.cursor);
        let end = self.b.use_var(t.end);
        let needed = self.b.ins().iadd_imm_s(cursor, 8 * n);
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, needed, end);
        let grow_block = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(fits, cont, &[], grow_block, &[]);
        self.b.switch_to_block(grow_block);
        self.b.set_cold_block(grow_block);
        let f = self.import(t.grow)?;
        let count = self.b.ins().iconst(I64, n);
        let call = self.b.ins().call(f, &[self.ctx_ptr, cursor, count]);
        let new_cursor = self.b.inst_results(call)[0];
        self.b.def_var(t.cursor, new_cursor);
        let flags = MemFlagsData::trusted();
        let end = self.b.ins().load(I64, flags, self.ctx_ptr, t.fields[1]);
        self.b.def_var(t.end, end);
        let base = self.b.ins().load(I64, flags, self.ctx_ptr, t.fields[2]);
        self.b.def_var(t.base, base);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Fails (an internal error) unless a tape holds at least `n` entries.
    fn check_tape(&mut self, which: usize, n: i64) -> Result<(), CodegenError> {
        if n == 0 {
            return Ok(());
        }
        let msg = self
            .module
            .tape_error
            .ok_or_else(|| CodegenError("a tape pop without the tape's message".into()))?;
        let t = self.tape[which];
        let cursor = self.b.use_var(t.cursor);
        let base = self.b.use_var(t.base);
        let held = self.b.ins().isub(cursor, base);
        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, held, 8 * n);
        let fail_block = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(ok, cont, &[], fail_block, &[]);
        self.b.switch_to_block(fail_block);
        self.b.set_cold_block(fail_block);
        self.fail(msg.0 + 1);
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Stores a value on a tape (room was reserved by `stmts`).
    fn push(&mut self, which: usize, v: Value) {
        let t = self.tape[which];
        let cursor = self.b.use_var(t.cursor);
        self.b.ins().store(MemFlagsData::trusted(), v, cursor, 0);
        let next = self.b.ins().iadd_imm_s(cursor, 8);
        self.b.def_var(t.cursor, next);
    }

    /// Takes the last value off a tape (its presence was checked by `stmts`).
    fn pop(&mut self, which: usize, ty: types::Type) -> Value {
        let t = self.tape[which];
        let cursor = self.b.use_var(t.cursor);
        let prev = self.b.ins().iadd_imm_s(cursor, -8);
        self.b.def_var(t.cursor, prev);
        self.b.ins().load(ty, MemFlagsData::trusted(), prev, 0)
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), CodegenError> {
        match s {
            Stmt::SetR(..) | Stmt::AddTarget(_) if self.accumulated(s).is_some() => {
                let (var, op, x) = self.accumulated(s).expect("checked above");
                let old = self.b.use_var(var);
                let y = self.rexpr(x)?;
                let v = if op == RBinOp::Sub {
                    self.b.ins().fsub(old, y)
                } else {
                    self.b.ins().fadd(old, y)
                };
                self.b.def_var(var, v);
            }
            Stmt::SetR(p, e) => {
                // `p = p op x` (every adjoint accumulation of the reverse
                // sweep): the address is computed once, for the load and the
                // store. The load of `p` is what `e` evaluates first, so its
                // index checks still run before those of `x`.
                if let RExpr::Bin(op, lhs, x) = e {
                    if matches!(&**lhs, RExpr::Load(q) if **q == *p) {
                        let a = self.address(p)?;
                        let old = self.b.ins().load(F64, MemFlagsData::trusted(), a, 0);
                        let y = self.rexpr(x)?;
                        let v = match op {
                            RBinOp::Add => self.b.ins().fadd(old, y),
                            RBinOp::Sub => self.b.ins().fsub(old, y),
                            RBinOp::Mul => self.b.ins().fmul(old, y),
                            RBinOp::Div => self.b.ins().fdiv(old, y),
                        };
                        self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
                        return Ok(());
                    }
                }
                let v = self.rexpr(e)?;
                let a = self.address(p)?;
                self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
            }
            Stmt::SetI(p, e) if self.promoted.contains_key(&p.slot) => {
                let v = self.iexpr(e)?;
                self.b.def_var(self.promoted[&p.slot], v);
            }
            Stmt::SetI(p, e) => {
                let v = self.iexpr(e)?;
                let a = self.address(p)?;
                self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
            }
            Stmt::AddTarget(e) => {
                let target = self
                    .module
                    .target
                    .ok_or_else(|| CodegenError("target += without a target slot".into()))?;
                let v = self.rexpr(e)?;
                let a = self.address(&Place::at(target, 0))?;
                let t = self.b.ins().load(F64, MemFlagsData::trusted(), a, 0);
                let sum = self.b.ins().fadd(t, v);
                self.b.ins().store(MemFlagsData::trusted(), sum, a, 0);
            }
            Stmt::Kernel(k) => self.kernel(k)?,
            Stmt::For { var, lo, hi, body } => self.for_loop(*var, lo, hi, body)?,
            Stmt::While { cond, body } => {
                let header = self.b.create_block();
                let body_block = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let c = self.iexpr(cond)?;
                self.b.ins().brif(c, body_block, &[], exit, &[]);
                self.b.switch_to_block(body_block);
                self.loops.push((header, exit));
                self.stmts(body)?;
                self.loops.pop();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(exit);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.iexpr(cond)?;
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let join = self.b.create_block();
                self.b.ins().brif(c, then_block, &[], else_block, &[]);
                self.b.switch_to_block(then_block);
                self.stmts(then)?;
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(else_block);
                self.stmts(otherwise)?;
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(join);
            }
            Stmt::Break | Stmt::Continue => {
                let (cont, exit) = *self
                    .loops
                    .last()
                    .ok_or_else(|| CodegenError("break outside a loop".into()))?;
                let target = if matches!(s, Stmt::Break) { exit } else { cont };
                self.b.ins().jump(target, &[]);
                // Code after a jump is unreachable; give it a block of its own.
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
            Stmt::Reject { msg, parts } => {
                self.print_parts(parts, "cmod_print_to_reject")?;
                self.fail(msg.0 + 1);
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
            Stmt::Print(parts) => {
                self.print_parts(parts, "cmod_print_to_buffer")?;
                let f = self.import("cmod_print_flush")?;
                self.b.ins().call(f, &[self.ctx_ptr]);
            }
            Stmt::PushR(e) => {
                let v = self.rexpr(e)?;
                self.push(REAL_TAPE, v);
            }
            Stmt::PushI(e) => {
                let v = self.iexpr(e)?;
                self.push(INT_TAPE, v);
            }
            Stmt::PopR(p) => {
                let v = self.pop(REAL_TAPE, F64);
                let a = self.address(p)?;
                self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
            }
            Stmt::PopI(p) if self.promoted.contains_key(&p.slot) => {
                let v = self.pop(INT_TAPE, I64);
                self.b.def_var(self.promoted[&p.slot], v);
            }
            Stmt::PopI(p) => {
                let v = self.pop(INT_TAPE, I64);
                let a = self.address(p)?;
                self.b.ins().store(MemFlagsData::trusted(), v, a, 0);
            }
        }
        Ok(())
    }

    fn print_parts(
        &mut self,
        parts: &[ir::PrintPart],
        sink: &'static str,
    ) -> Result<(), CodegenError> {
        let f_text = self.import("cmod_print_text")?;
        let f_real = self.import("cmod_print_real")?;
        let f_int = self.import("cmod_print_int")?;
        let mode = self
            .b
            .ins()
            .iconst(I64, if sink == "cmod_print_to_reject" { 1 } else { 0 });
        for part in parts {
            match part {
                ir::PrintPart::Text(t) => {
                    // The text lives as long as the model: leak one copy per print statement.
                    let leaked: &'static str = Box::leak(t.clone().into_boxed_str());
                    let ptr = self.b.ins().iconst(I64, leaked.as_ptr() as i64);
                    let len = self.b.ins().iconst(I64, leaked.len() as i64);
                    self.b.ins().call(f_text, &[self.ctx_ptr, mode, ptr, len]);
                }
                ir::PrintPart::Real(r) => {
                    let v = self.rexpr(r)?;
                    self.b.ins().call(f_real, &[self.ctx_ptr, mode, v]);
                }
                ir::PrintPart::Int(i) => {
                    let v = self.iexpr(i)?;
                    self.b.ins().call(f_int, &[self.ctx_ptr, mode, v]);
                }
            }
        }
        Ok(())
    }

    /// The address of a kernel's run argument: `offset` into `slot`, or into
    /// the slot's adjoints (the gradient for `theta`) with `adjoint`.
    fn run_address(
        &mut self,
        slot: ir::SlotId,
        offset: &IExpr,
        adjoint: bool,
    ) -> Result<Value, CodegenError> {
        let mut p = Place {
            slot,
            index: offset.clone(),
        };
        if adjoint {
            let sl = self.module.layout.slot(slot);
            let adj_region = if sl.region == Region::Theta {
                Region::Grad
            } else {
                Region::Adj
            };
            let adj_slot = self
                .module
                .layout
                .slots
                .iter()
                .position(|x| x.region == adj_region && x.offset == sl.offset && x.len == sl.len)
                .ok_or_else(|| CodegenError(format!("no adjoint slot for {}", sl.name)))?;
            p.slot = ir::SlotId(adj_slot as u32);
        }
        self.address(&p)
    }

    fn kernel(&mut self, k: &ir::KernelCall) -> Result<(), CodegenError> {
        let n = k.args.len();
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (n.max(1) * 24) as u32,
            3,
        ));
        for (i, arg) in k.args.iter().enumerate() {
            let base = (i * 24) as i32;
            let (a, len) = match arg {
                KArg::Reals {
                    slot: s,
                    offset,
                    len,
                    adjoint,
                } => (
                    self.run_address(*s, offset, *adjoint)?,
                    self.b.ins().iconst(I64, *len as i64),
                ),
                KArg::RealSegment {
                    slot: s,
                    offset,
                    len,
                    adjoint,
                } => (self.run_address(*s, offset, *adjoint)?, self.iexpr(len)?),
                KArg::Ints {
                    slot: s,
                    offset,
                    len,
                } => (
                    self.run_address(*s, offset, false)?,
                    self.b.ins().iconst(I64, *len as i64),
                ),
                KArg::IntSegment {
                    slot: s,
                    offset,
                    len,
                } => (self.run_address(*s, offset, false)?, self.iexpr(len)?),
                KArg::Real(r) => {
                    let v = self.rexpr(r)?;
                    let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), v);
                    (bits, self.b.ins().iconst(I64, 0))
                }
                KArg::Int(i) => (self.iexpr(i)?, self.b.ins().iconst(I64, 0)),
                KArg::Null => (self.b.ins().iconst(I64, 0), self.b.ins().iconst(I64, 0)),
            };
            self.b.ins().stack_store(I64, a, slot, base);
            self.b.ins().stack_store(I64, len, slot, base + 8);
        }
        let args_ptr = self.b.ins().stack_addr(I64, slot, 0);
        let count = self.b.ins().iconst(I64, n as i64);
        let f = self.import(k.kernel)?;
        let call = self.b.ins().call(f, &[self.ctx_ptr, args_ptr, count]);
        let status = self.b.inst_results(call)[0];
        let ok_block = self.b.create_block();
        let fail_block = self.b.create_block();
        self.b.ins().brif(status, fail_block, &[], ok_block, &[]);
        self.b.switch_to_block(fail_block);
        self.b.set_cold_block(fail_block);
        self.fail(k.msg.0 + 1);
        self.b.switch_to_block(ok_block);
        Ok(())
    }
}

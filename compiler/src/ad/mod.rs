//! Reverse-mode differentiation as a program transformation: `log_density` IR becomes `gradient` IR.
//!
//! The forward sweep is the original code, except that every assignment
//! first pushes the value it overwrites onto the tape, and every branch,
//! loop bound and loop count is pushed once it is known. The reverse sweep
//! runs the statements backwards: each assignment pops the old value back
//! (so the state is exactly what the forward statement saw) and sends its
//! adjoint to the inputs of its right-hand side, whose partial derivatives
//! are recomputed from that state. Loops run backwards, branches take the
//! recorded arm. Kernel calls (densities, heavy linear algebra) supply their
//! own reverse calls. Data-only values get no adjoints.
//!
//! The tape holds only what the reverse sweep cannot know otherwise: a value
//! written exactly once per evaluation (a temporary filled element by
//! element, a kernel's result outside loops) is never overwritten, so it is
//! neither pushed nor popped; a loop bound or branch condition that reads
//! only constants and ints never written (data) is evaluated again instead
//! of being pushed.

mod derivatives;

use crate::ir::*;
use std::collections::HashMap;

/// Why a function could not be differentiated.
#[derive(Debug, Clone, PartialEq)]
pub struct AdError {
    pub kind: AdErrorKind,
    pub message: String,
}

/// What kind of construct the differentiation refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdErrorKind {
    /// `break` or `continue` in the model block (not supported yet).
    LoopExit,
    /// Input the lowering should never produce: a bug in cmod.
    Internal,
}

struct Differentiator<'m> {
    module: &'m mut Module,
    /// Which `Vals` slots carry adjoints.
    active: &'m [bool],
    /// How many statements of `log_density` write each slot (assignments,
    /// kernel outputs, loop variables).
    writes: HashMap<SlotId, usize>,
    /// The loops around the statement being transformed, outermost first:
    /// a `for` loop's variable and bounds, or `None` for a `while` loop.
    loops: Vec<Option<(SlotId, IExpr, IExpr)>>,
}

/// Counts the statements that write each slot.
fn count_writes(stmts: &[Stmt], writes: &mut HashMap<SlotId, usize>) {
    for s in stmts {
        match s {
            Stmt::SetR(p, _) | Stmt::SetI(p, _) | Stmt::PopR(p) | Stmt::PopI(p) => {
                *writes.entry(p.slot).or_default() += 1;
            }
            Stmt::Kernel(k) => {
                for (slot, _, _) in &k.outputs {
                    *writes.entry(*slot).or_default() += 1;
                }
            }
            Stmt::For { var, body, .. } => {
                *writes.entry(*var).or_default() += 1;
                count_writes(body, writes);
            }
            Stmt::While { body, .. } => count_writes(body, writes),
            Stmt::If {
                then, otherwise, ..
            } => {
                count_writes(then, writes);
                count_writes(otherwise, writes);
            }
            _ => {}
        }
    }
}

/// Whether statements always end the evaluation with a failure (their last one is a `reject`).
fn always_rejects(stmts: &[Stmt]) -> bool {
    matches!(stmts.last(), Some(Stmt::Reject { .. }))
}

/// `index` as `c + sum(a * var)` over int slots, when it has that form.
fn affine(index: &IExpr) -> Option<(i64, Vec<(SlotId, i64)>)> {
    let merge = |mut a: (i64, Vec<(SlotId, i64)>), b: (i64, Vec<(SlotId, i64)>), sign: i64| {
        a.0 = a.0.checked_add(sign.checked_mul(b.0)?)?;
        for (v, c) in b.1 {
            match a.1.iter_mut().find(|(w, _)| *w == v) {
                Some((_, d)) => *d = d.checked_add(sign.checked_mul(c)?)?,
                None => a.1.push((v, sign.checked_mul(c)?)),
            }
        }
        Some(a)
    };
    let scale = |(c, terms): (i64, Vec<(SlotId, i64)>), k: i64| -> Option<_> {
        let terms: Option<Vec<_>> = terms
            .into_iter()
            .map(|(v, a)| Some((v, a.checked_mul(k)?)))
            .collect();
        Some((c.checked_mul(k)?, terms?))
    };
    match index {
        IExpr::Const(c) => Some((*c, vec![])),
        IExpr::Load(p) if p.index == IExpr::Const(0) => Some((0, vec![(p.slot, 1)])),
        IExpr::Checked { index, .. } => affine(index),
        IExpr::Neg(a) => scale(affine(a)?, -1),
        IExpr::Bin(IBinOp::Add, a, b) => merge(affine(a)?, affine(b)?, 1),
        IExpr::Bin(IBinOp::Sub, a, b) => merge(affine(a)?, affine(b)?, -1),
        IExpr::Bin(IBinOp::Mul, a, b) => match (&**a, &**b) {
            (IExpr::Const(k), x) | (x, IExpr::Const(k)) => scale(affine(x)?, *k),
            _ => None,
        },
        _ => None,
    }
}

/// Builds the `gradient` function from `log_density` and adds it to the module.
pub fn differentiate(module: &mut Module, active: &[bool]) -> Result<(), AdError> {
    let log_density = module
        .functions
        .iter()
        .find(|f| f.name == "log_density")
        .cloned()
        .ok_or_else(|| AdError {
            kind: AdErrorKind::Internal,
            message: "no log_density function".into(),
        })?;
    module.target.ok_or_else(|| AdError {
        kind: AdErrorKind::Internal,
        message: "no target slot".into(),
    })?;
    module.tape_error =
        Some(module.message(
            "internal error: the gradient's tape ran out (a bug in cmod, please report it)",
        ));
    let mut writes = HashMap::new();
    count_writes(&log_density.body, &mut writes);
    let mut d = Differentiator {
        module,
        active,
        writes,
        loops: Vec::new(),
    };
    let forward = d.forward(&log_density.body)?;
    let reverse = d.reverse(&log_density.body)?;
    let mut body = vec![Stmt::Kernel(KernelCall {
        kernel: "cmod_zero_adjoints",
        args: vec![],
        msg: MsgId(0),
        outputs: vec![],
        reverse: None,
    })];
    body.extend(forward);
    body.extend(reverse);
    d.module.functions.push(Function {
        name: "gradient".into(),
        body,
    });
    Ok(())
}

fn load(p: Place) -> RExpr {
    RExpr::Load(Box::new(p))
}

fn iload(p: Place) -> IExpr {
    IExpr::Load(Box::new(p))
}

/// `a * b`, folding constants and multiplications by one.
fn mul(a: RExpr, b: RExpr) -> RExpr {
    match (&a, &b) {
        (RExpr::Const(x), RExpr::Const(y)) => RExpr::Const(x * y),
        (RExpr::Const(x), _) if *x == 1.0 => b,
        (_, RExpr::Const(y)) if *y == 1.0 => a,
        _ => RExpr::Bin(RBinOp::Mul, Box::new(a), Box::new(b)),
    }
}

/// `a / b`, folding constants.
fn div(a: RExpr, b: RExpr) -> RExpr {
    match (&a, &b) {
        (RExpr::Const(x), RExpr::Const(y)) => RExpr::Const(x / y),
        (_, RExpr::Const(y)) if *y == 1.0 => a,
        _ => RExpr::Bin(RBinOp::Div, Box::new(a), Box::new(b)),
    }
}

/// `-a`, folding constants.
fn neg(a: RExpr) -> RExpr {
    match a {
        RExpr::Const(x) => RExpr::Const(-x),
        RExpr::Neg(inner) => *inner,
        other => RExpr::Neg(Box::new(other)),
    }
}

impl Differentiator<'_> {
    fn int_temp(&mut self, name: &str) -> SlotId {
        self.module
            .layout
            .add(format!("_ad_{name}"), Region::Ints, vec![])
    }

    fn real_temp(&mut self) -> SlotId {
        self.module.layout.add("_ad_seed", Region::Vals, vec![])
    }

    fn is_active_place(&self, p: &Place) -> bool {
        let slot = self.module.layout.slot(p.slot);
        match slot.region {
            Region::Theta => true,
            Region::Vals => {
                self.active.get(p.slot.0 as usize).copied().unwrap_or(false)
                    && Some(p.slot) != self.module.target
            }
            _ => false,
        }
    }

    fn is_active(&self, e: &RExpr) -> bool {
        match e {
            RExpr::Const(_) | RExpr::FromInt(_) => false,
            RExpr::Load(p) => self.is_active_place(p),
            RExpr::Neg(a) => self.is_active(a),
            RExpr::Bin(_, a, b) => self.is_active(a) || self.is_active(b),
            RExpr::Call(_, args) => args.iter().any(|a| self.is_active(a)),
            RExpr::Select(_, a, b) => self.is_active(a) || self.is_active(b),
        }
    }

    fn adjoint_place(&mut self, p: &Place) -> Place {
        Place {
            slot: self.module.layout.adjoint(p.slot),
            index: p.index.clone(),
        }
    }

    /// Whether an assignment to `p` must save the value it overwrites.
    fn saves(&self, p: &Place) -> bool {
        matches!(
            self.module.layout.slot(p.slot).region,
            Region::Vals | Region::Ints
        ) && !self.written_once(p)
    }

    /// Whether the statement writing `p` (in the current loops) is the only
    /// one that writes its slot and writes each element at most once per
    /// evaluation: then the value it overwrites is never read again (a
    /// temporary is written before it is read), and what it writes stays in
    /// place for the whole reverse sweep.
    fn written_once(&self, p: &Place) -> bool {
        if self.writes.get(&p.slot).copied().unwrap_or(0) != 1 {
            return false;
        }
        let Some((_, terms)) = affine(&p.index) else {
            return false;
        };
        // Every enclosing loop must be a `for` whose variable only it writes,
        // and the index must step through a different element in each of its
        // iterations: a nonzero stride per loop variable, each stride larger
        // than the span of the smaller ones.
        let mut strides = Vec::new();
        for l in &self.loops {
            let Some((var, lo, hi)) = l else {
                return false;
            };
            if self.writes.get(var).copied().unwrap_or(0) != 1 {
                return false;
            }
            let stride = terms
                .iter()
                .find(|(v, _)| v == var)
                .map_or(0, |(_, a)| a.unsigned_abs());
            if stride == 0 {
                return false;
            }
            let span = match (lo, hi) {
                (IExpr::Const(lo), IExpr::Const(hi)) => Some(hi.saturating_sub(*lo).max(0) as u64),
                _ => None,
            };
            strides.push((stride, span));
        }
        if terms
            .iter()
            .any(|(v, _)| !self.loops.iter().flatten().any(|(var, _, _)| var == v))
        {
            return false;
        }
        strides.sort_by_key(|(stride, _)| *stride);
        let mut reach: u64 = 0;
        for (i, (stride, span)) in strides.iter().enumerate() {
            if *stride <= reach {
                return false;
            }
            if i + 1 < strides.len() {
                let Some(span) = span else {
                    return false;
                };
                let Some(r) = stride.checked_mul(*span).and_then(|x| x.checked_add(reach)) else {
                    return false;
                };
                reach = r;
            }
        }
        true
    }

    /// Whether an int expression has the same value everywhere in the
    /// function: it reads only constants and int slots nothing writes.
    fn invariant(&self, e: &IExpr) -> bool {
        match e {
            IExpr::Const(_) => true,
            IExpr::Load(p) => {
                self.module.layout.slot(p.slot).region == Region::Ints
                    && !self.writes.contains_key(&p.slot)
                    && self.invariant(&p.index)
            }
            IExpr::Neg(a) | IExpr::Not(a) => self.invariant(a),
            IExpr::Bin(_, a, b) | IExpr::CmpI(_, a, b) => self.invariant(a) && self.invariant(b),
            _ => false,
        }
    }

    /// A density call outside loops computes its partials once, in the
    /// forward sweep, into a slot of its own that the reverse call reads
    /// (instead of evaluating the density again): the forward and reverse
    /// calls for that, or `None` for other calls. Inside a loop the slot
    /// would be overwritten by later iterations.
    fn keep_partials(&mut self, k: &KernelCall) -> Option<(KernelCall, KernelCall)> {
        use crate::codegen::kernels::{is_density_kernel, MODE_FORWARD_KEEP, MODE_REVERSE_KEPT};
        let rev = k.reverse.as_deref()?;
        if !self.loops.is_empty() || !is_density_kernel(k.kernel) || k.args.len() < 4 {
            return None;
        }
        // The kept partials' slot is sized when compiling.
        let runtime_length =
            |a: &KArg| matches!(a, KArg::RealSegment { .. } | KArg::IntSegment { .. });
        if k.args.iter().any(runtime_length) {
            return None;
        }
        let n: usize = k.args[4..]
            .iter()
            .map(|a| match a {
                KArg::Reals {
                    adjoint: true, len, ..
                } => *len,
                _ => 0,
            })
            .sum();
        if n == 0 {
            return None;
        }
        // The same call in the forward and the reverse sweep finds the same slot.
        let name = format!(
            "_ad_partials_{}",
            self.module.layout.slot(k.outputs.first()?.0).name
        );
        let kept = match self.module.layout.slots.iter().position(|s| s.name == name) {
            Some(i) => SlotId(i as u32),
            None => self.module.layout.add(name, Region::Vals, vec![n]),
        };
        let run = KArg::Reals {
            slot: kept,
            offset: IExpr::Const(0),
            len: n,
            adjoint: false,
        };
        let mut fwd = k.clone();
        fwd.args[1] = KArg::Int(IExpr::Const(MODE_FORWARD_KEEP));
        fwd.args[3] = run.clone();
        let mut rev = rev.clone();
        rev.args[1] = KArg::Int(IExpr::Const(MODE_REVERSE_KEPT));
        rev.args[2] = run;
        Some((fwd, rev))
    }

    /// Whether an expression reads the slot.
    fn reads(e: &RExpr, slot: SlotId) -> bool {
        match e {
            RExpr::Const(_) | RExpr::FromInt(_) => false,
            RExpr::Load(p) => p.slot == slot,
            RExpr::Neg(a) => Self::reads(a, slot),
            RExpr::Bin(_, a, b) => Self::reads(a, slot) || Self::reads(b, slot),
            RExpr::Call(_, args) => args.iter().any(|a| Self::reads(a, slot)),
            RExpr::Select(_, a, b) => Self::reads(a, slot) || Self::reads(b, slot),
        }
    }

    // ------------------------------------------------------------ forward sweep

    fn forward(&mut self, stmts: &[Stmt]) -> Result<Vec<Stmt>, AdError> {
        let mut out = Vec::new();
        for s in stmts {
            match s {
                Stmt::SetR(p, _) => {
                    if self.saves(p) && Some(p.slot) != self.module.target {
                        out.push(Stmt::PushR(load(p.clone())));
                    }
                    out.push(s.clone());
                }
                Stmt::SetI(p, _) => {
                    if self.saves(p) {
                        out.push(Stmt::PushI(iload(p.clone())));
                    }
                    out.push(s.clone());
                }
                Stmt::AddTarget(_) | Stmt::Reject { .. } | Stmt::Print(_) => out.push(s.clone()),
                Stmt::Kernel(k) => {
                    for (slot, offset, len) in &k.outputs {
                        for i in 0..*len {
                            let p = Place::at(*slot, offset + i);
                            if !self.written_once(&p) {
                                out.push(Stmt::PushR(load(p)));
                            }
                        }
                    }
                    match self.keep_partials(k) {
                        Some((kept, _)) => out.push(Stmt::Kernel(kept)),
                        None => out.push(s.clone()),
                    }
                }
                Stmt::For { var, lo, hi, body } if self.invariant(lo) && self.invariant(hi) => {
                    self.loops.push(Some((*var, lo.clone(), hi.clone())));
                    let body = self.forward(body);
                    self.loops.pop();
                    out.push(Stmt::For {
                        var: *var,
                        lo: lo.clone(),
                        hi: hi.clone(),
                        body: body?,
                    });
                }
                Stmt::For { var, lo, hi, body } => {
                    let lo_t = self.int_temp("lo");
                    let hi_t = self.int_temp("hi");
                    out.push(Stmt::SetI(Place::at(lo_t, 0), lo.clone()));
                    out.push(Stmt::SetI(Place::at(hi_t, 0), hi.clone()));
                    self.loops.push(Some((*var, lo.clone(), hi.clone())));
                    let body = self.forward(body);
                    self.loops.pop();
                    let body = body?;
                    out.push(Stmt::For {
                        var: *var,
                        lo: iload(Place::at(lo_t, 0)),
                        hi: iload(Place::at(hi_t, 0)),
                        body,
                    });
                    out.push(Stmt::PushI(iload(Place::at(lo_t, 0))));
                    out.push(Stmt::PushI(iload(Place::at(hi_t, 0))));
                }
                Stmt::While { cond, body } => {
                    let count = self.int_temp("count");
                    out.push(Stmt::SetI(Place::at(count, 0), IExpr::Const(0)));
                    self.loops.push(None);
                    let inner = self.forward(body);
                    self.loops.pop();
                    let mut inner = inner?;
                    inner.push(Stmt::SetI(
                        Place::at(count, 0),
                        IExpr::Bin(
                            IBinOp::Add,
                            Box::new(iload(Place::at(count, 0))),
                            Box::new(IExpr::Const(1)),
                        ),
                    ));
                    out.push(Stmt::While {
                        cond: cond.clone(),
                        body: inner,
                    });
                    out.push(Stmt::PushI(iload(Place::at(count, 0))));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } if always_rejects(then) && otherwise.is_empty() => {
                    // A failed check: the evaluation ends there, so the
                    // reverse sweep never needs to know whether it ran.
                    out.push(Stmt::If {
                        cond: cond.clone(),
                        then: then.clone(),
                        otherwise: vec![],
                    });
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } if self.invariant(cond) => {
                    let then = self.forward(then)?;
                    let otherwise = self.forward(otherwise)?;
                    out.push(Stmt::If {
                        cond: cond.clone(),
                        then,
                        otherwise,
                    });
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = self.int_temp("branch");
                    out.push(Stmt::SetI(
                        Place::at(c, 0),
                        IExpr::CmpI(CmpOp::Ne, Box::new(cond.clone()), Box::new(IExpr::Const(0))),
                    ));
                    let then = self.forward(then)?;
                    let otherwise = self.forward(otherwise)?;
                    out.push(Stmt::If {
                        cond: iload(Place::at(c, 0)),
                        then,
                        otherwise,
                    });
                    out.push(Stmt::PushI(iload(Place::at(c, 0))));
                }
                Stmt::Break | Stmt::Continue => {
                    return Err(AdError {
                        kind: AdErrorKind::LoopExit,
                        message: "`break` or `continue` in the model block (loop over a range, or put the rest of the loop body under an `if`)".into(),
                    });
                }
                Stmt::PushR(_) | Stmt::PushI(_) | Stmt::PopR(_) | Stmt::PopI(_) => {
                    return Err(AdError {
                        kind: AdErrorKind::Internal,
                        message: "tape operations in the input of differentiation".into(),
                    });
                }
            }
        }
        Ok(out)
    }

    // ------------------------------------------------------------ reverse sweep

    fn reverse(&mut self, stmts: &[Stmt]) -> Result<Vec<Stmt>, AdError> {
        let mut out = Vec::new();
        for s in stmts.iter().rev() {
            match s {
                Stmt::SetR(p, e) => {
                    if Some(p.slot) == self.module.target {
                        continue;
                    }
                    if !matches!(
                        self.module.layout.slot(p.slot).region,
                        Region::Vals | Region::Ints
                    ) {
                        continue;
                    }
                    if !self.saves(p) {
                        // Written once: nothing to restore, and its adjoint is
                        // read here only.
                        if self.is_active_place(p) {
                            let adj = self.adjoint_place(p);
                            let seed = if Self::reads(e, p.slot) {
                                let seed = self.real_temp();
                                out.push(Stmt::SetR(Place::at(seed, 0), load(adj)));
                                load(Place::at(seed, 0))
                            } else {
                                load(adj)
                            };
                            self.backprop(e, seed, &mut out);
                        }
                        continue;
                    }
                    if self.is_active_place(p) {
                        let adj = self.adjoint_place(p);
                        let seed = self.real_temp();
                        out.push(Stmt::SetR(Place::at(seed, 0), load(adj.clone())));
                        out.push(Stmt::SetR(adj, RExpr::Const(0.0)));
                        out.push(Stmt::PopR(p.clone()));
                        self.backprop(e, load(Place::at(seed, 0)), &mut out);
                    } else {
                        out.push(Stmt::PopR(p.clone()));
                    }
                }
                Stmt::SetI(p, _) => {
                    if self.saves(p) {
                        out.push(Stmt::PopI(p.clone()));
                    }
                }
                Stmt::AddTarget(e) => self.backprop(e, RExpr::Const(1.0), &mut out),
                Stmt::Reject { .. } | Stmt::Print(_) => {}
                Stmt::Kernel(k) => {
                    if let Some((_, rev)) = self.keep_partials(k) {
                        out.push(Stmt::Kernel(rev));
                    } else if let Some(rev) = &k.reverse {
                        out.push(Stmt::Kernel((**rev).clone()));
                    }
                    for (slot, offset, len) in k.outputs.iter().rev() {
                        for i in (0..*len).rev() {
                            let p = Place::at(*slot, offset + i);
                            if self.written_once(&p) {
                                continue;
                            }
                            if self.is_active_place(&p) {
                                let adj = self.adjoint_place(&p);
                                out.push(Stmt::SetR(adj, RExpr::Const(0.0)));
                            }
                            out.push(Stmt::PopR(p));
                        }
                    }
                }
                Stmt::For { var, lo, hi, body } if self.invariant(lo) && self.invariant(hi) => {
                    let r = self.int_temp("r");
                    // var = lo + hi - r runs from hi down to lo.
                    let mut inner = vec![Stmt::SetI(
                        Place::at(*var, 0),
                        IExpr::Bin(
                            IBinOp::Sub,
                            Box::new(IExpr::Bin(
                                IBinOp::Add,
                                Box::new(lo.clone()),
                                Box::new(hi.clone()),
                            )),
                            Box::new(iload(Place::at(r, 0))),
                        ),
                    )];
                    self.loops.push(Some((*var, lo.clone(), hi.clone())));
                    let body = self.reverse(body);
                    self.loops.pop();
                    let body = body?;
                    if body.is_empty() {
                        // Nothing to undo or send back: no reverse loop.
                        continue;
                    }
                    inner.extend(body);
                    out.push(Stmt::For {
                        var: r,
                        lo: lo.clone(),
                        hi: hi.clone(),
                        body: inner,
                    });
                }
                Stmt::For { var, lo, hi, body } => {
                    let lo_t = self.int_temp("lo");
                    let hi_t = self.int_temp("hi");
                    let r = self.int_temp("r");
                    out.push(Stmt::PopI(Place::at(hi_t, 0)));
                    out.push(Stmt::PopI(Place::at(lo_t, 0)));
                    // var = lo + hi - r runs from hi down to lo.
                    let mut inner = vec![Stmt::SetI(
                        Place::at(*var, 0),
                        IExpr::Bin(
                            IBinOp::Sub,
                            Box::new(IExpr::Bin(
                                IBinOp::Add,
                                Box::new(iload(Place::at(lo_t, 0))),
                                Box::new(iload(Place::at(hi_t, 0))),
                            )),
                            Box::new(iload(Place::at(r, 0))),
                        ),
                    )];
                    self.loops.push(Some((*var, lo.clone(), hi.clone())));
                    let body = self.reverse(body);
                    self.loops.pop();
                    inner.extend(body?);
                    out.push(Stmt::For {
                        var: r,
                        lo: iload(Place::at(lo_t, 0)),
                        hi: iload(Place::at(hi_t, 0)),
                        body: inner,
                    });
                }
                Stmt::While { body, .. } => {
                    let count = self.int_temp("count");
                    let r = self.int_temp("r");
                    out.push(Stmt::PopI(Place::at(count, 0)));
                    self.loops.push(None);
                    let inner = self.reverse(body);
                    self.loops.pop();
                    let inner = inner?;
                    out.push(Stmt::For {
                        var: r,
                        lo: IExpr::Const(1),
                        hi: iload(Place::at(count, 0)),
                        body: inner,
                    });
                }
                Stmt::If {
                    then, otherwise, ..
                } if always_rejects(then) && otherwise.is_empty() => {}
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } if self.invariant(cond) => {
                    let then = self.reverse(then)?;
                    let otherwise = self.reverse(otherwise)?;
                    out.push(Stmt::If {
                        cond: cond.clone(),
                        then,
                        otherwise,
                    });
                }
                Stmt::If {
                    then, otherwise, ..
                } => {
                    let c = self.int_temp("branch");
                    out.push(Stmt::PopI(Place::at(c, 0)));
                    let then = self.reverse(then)?;
                    let otherwise = self.reverse(otherwise)?;
                    out.push(Stmt::If {
                        cond: iload(Place::at(c, 0)),
                        then,
                        otherwise,
                    });
                }
                Stmt::Break
                | Stmt::Continue
                | Stmt::PushR(_)
                | Stmt::PushI(_)
                | Stmt::PopR(_)
                | Stmt::PopI(_) => {
                    return Err(AdError {
                        kind: AdErrorKind::Internal,
                        message: "unexpected statement in the reverse sweep".into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Adds `seed * d e / d x` to the adjoint of every active `x` that `e` reads.
    fn backprop(&mut self, e: &RExpr, seed: RExpr, out: &mut Vec<Stmt>) {
        if !self.is_active(e) {
            return;
        }
        match e {
            RExpr::Const(_) | RExpr::FromInt(_) => {}
            RExpr::Load(p) => {
                let adj = self.adjoint_place(p);
                out.push(Stmt::SetR(
                    adj.clone(),
                    RExpr::Bin(RBinOp::Add, Box::new(load(adj)), Box::new(seed)),
                ));
            }
            RExpr::Neg(a) => {
                let s = neg(seed);
                self.backprop_child(a, s, out);
            }
            RExpr::Bin(op, a, b) => {
                let seed = self.stable(seed, out);
                let (da, db) = match op {
                    RBinOp::Add => (seed.clone(), seed.clone()),
                    RBinOp::Sub => (seed.clone(), neg(seed.clone())),
                    RBinOp::Mul => (
                        mul(seed.clone(), (**b).clone()),
                        mul(seed.clone(), (**a).clone()),
                    ),
                    RBinOp::Div => (
                        div(seed.clone(), (**b).clone()),
                        neg(div(
                            mul(seed.clone(), (**a).clone()),
                            mul((**b).clone(), (**b).clone()),
                        )),
                    ),
                };
                self.backprop_child(a, da, out);
                self.backprop_child(b, db, out);
            }
            RExpr::Call(f, args) => {
                let seed = self.stable(seed, out);
                let partials = derivatives::partials(*f, args);
                for (arg, d) in args.iter().zip(partials) {
                    if self.is_active(arg) {
                        let s = mul(seed.clone(), d);
                        self.backprop_child(arg, s, out);
                    }
                }
            }
            RExpr::Select(c, a, b) => {
                let seed = self.stable(seed, out);
                let mut then = Vec::new();
                self.backprop(a, seed.clone(), &mut then);
                let mut otherwise = Vec::new();
                self.backprop(b, seed, &mut otherwise);
                out.push(Stmt::If {
                    cond: (**c).clone(),
                    then,
                    otherwise,
                });
            }
        }
    }

    /// Recurses into a child, storing a compound seed first so it is computed once.
    fn backprop_child(&mut self, child: &RExpr, seed: RExpr, out: &mut Vec<Stmt>) {
        if !self.is_active(child) {
            return;
        }
        let seed = match child {
            RExpr::Load(_) => seed,
            _ => self.stable(seed, out),
        };
        self.backprop(child, seed, out);
    }

    /// A seed that is cheap to repeat: a constant or a load, else stored in a temporary.
    fn stable(&mut self, seed: RExpr, out: &mut Vec<Stmt>) -> RExpr {
        match seed {
            RExpr::Const(_) | RExpr::Load(_) => seed,
            other => {
                let t = self.real_temp();
                out.push(Stmt::SetR(Place::at(t, 0), other));
                load(Place::at(t, 0))
            }
        }
    }
}

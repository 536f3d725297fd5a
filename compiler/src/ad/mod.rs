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

mod derivatives;

use crate::ir::*;

/// Why a function could not be differentiated.
#[derive(Debug, Clone, PartialEq)]
pub struct AdError {
    pub message: String,
}

struct Differentiator<'m> {
    module: &'m mut Module,
    /// Which `Vals` slots carry adjoints.
    active: &'m [bool],
}

/// Builds the `gradient` function from `log_density` and adds it to the module.
pub fn differentiate(module: &mut Module, active: &[bool]) -> Result<(), AdError> {
    let log_density = module
        .functions
        .iter()
        .find(|f| f.name == "log_density")
        .cloned()
        .ok_or_else(|| AdError {
            message: "no log_density function".into(),
        })?;
    module.target.ok_or_else(|| AdError {
        message: "no target slot".into(),
    })?;
    let mut d = Differentiator { module, active };
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

    fn saves(&self, p: &Place) -> bool {
        matches!(
            self.module.layout.slot(p.slot).region,
            Region::Vals | Region::Ints
        )
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
                            out.push(Stmt::PushR(load(Place::at(*slot, offset + i))));
                        }
                    }
                    out.push(s.clone());
                }
                Stmt::For { var, lo, hi, body } => {
                    let lo_t = self.int_temp("lo");
                    let hi_t = self.int_temp("hi");
                    out.push(Stmt::SetI(Place::at(lo_t, 0), lo.clone()));
                    out.push(Stmt::SetI(Place::at(hi_t, 0), hi.clone()));
                    let body = self.forward(body)?;
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
                    let mut inner = self.forward(body)?;
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
                        message: "`break` or `continue` in code that depends on parameters".into(),
                    });
                }
                Stmt::PushR(_) | Stmt::PushI(_) | Stmt::PopR(_) | Stmt::PopI(_) => {
                    return Err(AdError {
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
                    if !self.saves(p) {
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
                    if let Some(rev) = &k.reverse {
                        out.push(Stmt::Kernel((**rev).clone()));
                    }
                    for (slot, offset, len) in k.outputs.iter().rev() {
                        for i in (0..*len).rev() {
                            let p = Place::at(*slot, offset + i);
                            if self.is_active_place(&p) {
                                let adj = self.adjoint_place(&p);
                                out.push(Stmt::SetR(adj, RExpr::Const(0.0)));
                            }
                            out.push(Stmt::PopR(p));
                        }
                    }
                }
                Stmt::For { var, body, .. } => {
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
                    inner.extend(self.reverse(body)?);
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
                    let inner = self.reverse(body)?;
                    out.push(Stmt::For {
                        var: r,
                        lo: IExpr::Const(1),
                        hi: iload(Place::at(count, 0)),
                        body: inner,
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
                let s = RExpr::Neg(Box::new(seed));
                self.backprop_child(a, s, out);
            }
            RExpr::Bin(op, a, b) => {
                let seed = self.stable(seed, out);
                let mul = |x: RExpr, y: RExpr| RExpr::Bin(RBinOp::Mul, Box::new(x), Box::new(y));
                let div = |x: RExpr, y: RExpr| RExpr::Bin(RBinOp::Div, Box::new(x), Box::new(y));
                let (da, db) = match op {
                    RBinOp::Add => (seed.clone(), seed.clone()),
                    RBinOp::Sub => (seed.clone(), RExpr::Neg(Box::new(seed.clone()))),
                    RBinOp::Mul => (
                        mul(seed.clone(), (**b).clone()),
                        mul(seed.clone(), (**a).clone()),
                    ),
                    RBinOp::Div => (
                        div(seed.clone(), (**b).clone()),
                        RExpr::Neg(Box::new(div(
                            mul(seed.clone(), (**a).clone()),
                            mul((**b).clone(), (**b).clone()),
                        ))),
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
                        let s = RExpr::Bin(RBinOp::Mul, Box::new(seed.clone()), Box::new(d));
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

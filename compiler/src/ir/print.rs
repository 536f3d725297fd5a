//! Prints IR as indented text (`cmod check --emit ir|grad-ir`).

use super::*;
use std::fmt::Write;

/// The module with a printed name for each slot: its own, with `#n` added
/// when several slots share it (every `_ad_seed`, nested `_ad_r` counters),
/// so that the text says which slot each statement uses.
struct Printer<'a> {
    module: &'a Module,
    names: Vec<String>,
}

impl std::ops::Deref for Printer<'_> {
    type Target = Module;
    fn deref(&self) -> &Module {
        self.module
    }
}

impl Printer<'_> {
    fn name(&self, id: SlotId) -> &str {
        &self.names[id.0 as usize]
    }
}

pub fn module(module: &Module) -> String {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for slot in &module.layout.slots {
        *count.entry(slot.name.as_str()).or_default() += 1;
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let names = module
        .layout
        .slots
        .iter()
        .map(|slot| {
            if count[slot.name.as_str()] > 1 {
                let n = seen.entry(slot.name.as_str()).or_default();
                *n += 1;
                format!("{}#{}", slot.name, n)
            } else {
                slot.name.clone()
            }
        })
        .collect();
    let m = &Printer { module, names };
    let mut out = String::new();
    for f in &m.functions {
        let _ = writeln!(out, "fn {}:", f.name);
        for s in &f.body {
            stmt(m, s, 1, &mut out);
        }
    }
    out
}

fn place(m: &Printer<'_>, p: &Place) -> String {
    format!("{}[{}]", m.name(p.slot), iexpr(m, &p.index))
}

fn rexpr(m: &Printer<'_>, e: &RExpr) -> String {
    match e {
        RExpr::Const(c) => format!("{c:?}"),
        RExpr::Load(p) => place(m, p),
        RExpr::FromInt(i) => format!("real({})", iexpr(m, i)),
        RExpr::Neg(a) => format!("-({})", rexpr(m, a)),
        RExpr::Bin(op, a, b) => format!("({} {} {})", rexpr(m, a), rop(*op), rexpr(m, b)),
        RExpr::Call(f, args) => {
            let a: Vec<String> = args.iter().map(|x| rexpr(m, x)).collect();
            format!("{f:?}({})", a.join(", "))
        }
        RExpr::Select(c, a, b) => format!("({} ? {} : {})", iexpr(m, c), rexpr(m, a), rexpr(m, b)),
    }
}

fn rop(op: RBinOp) -> &'static str {
    match op {
        RBinOp::Add => "+",
        RBinOp::Sub => "-",
        RBinOp::Mul => "*",
        RBinOp::Div => "/",
    }
}

fn iexpr(m: &Printer<'_>, e: &IExpr) -> String {
    match e {
        IExpr::Const(c) => c.to_string(),
        IExpr::Load(p) => place(m, p),
        IExpr::Neg(a) => format!("-({})", iexpr(m, a)),
        IExpr::Not(a) => format!("!({})", iexpr(m, a)),
        IExpr::Bin(op, a, b) => format!("({} {op:?} {})", iexpr(m, a), iexpr(m, b)),
        IExpr::CmpI(op, a, b) => format!("({} {op:?} {})", iexpr(m, a), iexpr(m, b)),
        IExpr::CmpR(op, a, b) => format!("({} {op:?} {})", rexpr(m, a), rexpr(m, b)),
        IExpr::Select(c, a, b) => format!("({} ? {} : {})", iexpr(m, c), iexpr(m, a), iexpr(m, b)),
        IExpr::Checked { index, len, msg } => format!(
            "check({}, 1..{}, msg{})",
            iexpr(m, index),
            iexpr(m, len),
            msg.0
        ),
        IExpr::FromReal(r) => format!("int({})", rexpr(m, r)),
    }
}

fn stmt(m: &Printer<'_>, s: &Stmt, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match s {
        Stmt::SetR(p, e) => {
            let _ = writeln!(out, "{pad}{} = {}", place(m, p), rexpr(m, e));
        }
        Stmt::SetI(p, e) => {
            let _ = writeln!(out, "{pad}{} = {}", place(m, p), iexpr(m, e));
        }
        Stmt::AddTarget(e) => {
            let _ = writeln!(out, "{pad}target += {}", rexpr(m, e));
        }
        Stmt::Kernel(k) => {
            let _ = writeln!(
                out,
                "{pad}call {}({} args){}",
                k.kernel,
                k.args.len(),
                if k.reverse.is_some() { " +reverse" } else { "" }
            );
        }
        Stmt::For { var, lo, hi, body } => {
            let _ = writeln!(
                out,
                "{pad}for {} in {}..={}:",
                m.name(*var),
                iexpr(m, lo),
                iexpr(m, hi)
            );
            body.iter().for_each(|b| stmt(m, b, depth + 1, out));
        }
        Stmt::While { cond, body } => {
            let _ = writeln!(out, "{pad}while {}:", iexpr(m, cond));
            body.iter().for_each(|b| stmt(m, b, depth + 1, out));
        }
        Stmt::If {
            cond,
            then,
            otherwise,
        } => {
            let _ = writeln!(out, "{pad}if {}:", iexpr(m, cond));
            then.iter().for_each(|b| stmt(m, b, depth + 1, out));
            if !otherwise.is_empty() {
                let _ = writeln!(out, "{pad}else:");
                otherwise.iter().for_each(|b| stmt(m, b, depth + 1, out));
            }
        }
        Stmt::Break => out.push_str(&format!("{pad}break\n")),
        Stmt::Continue => out.push_str(&format!("{pad}continue\n")),
        Stmt::Reject { msg, .. } => out.push_str(&format!("{pad}reject msg{}\n", msg.0)),
        Stmt::Print(_) => out.push_str(&format!("{pad}print\n")),
        Stmt::PushR(e) => {
            let _ = writeln!(out, "{pad}push {}", rexpr(m, e));
        }
        Stmt::PushI(e) => {
            let _ = writeln!(out, "{pad}push_int {}", iexpr(m, e));
        }
        Stmt::PopR(p) => {
            let _ = writeln!(out, "{pad}pop {}", place(m, p));
        }
        Stmt::PopI(p) => {
            let _ = writeln!(out, "{pad}pop_int {}", place(m, p));
        }
    }
}

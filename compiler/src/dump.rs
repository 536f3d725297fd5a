//! Prints the syntax tree as indented text (`cmod check --emit ast`), optionally with each expression's type and activity (`--emit typed`).

use crate::check::{Activity, TypedProgram};
use crate::syntax::ast::*;
use std::fmt::Write;

/// The program as an indented tree; with `typed`, every expression shows `: type (data|param)`.
pub fn program(p: &Program, typed: Option<&TypedProgram>) -> String {
    let mut d = Dumper {
        out: String::new(),
        typed,
    };
    for block in &p.blocks {
        d.line(0, block.kind.name());
        for f in &block.functions {
            d.function(f);
        }
        for s in &block.stmts {
            d.stmt(1, s);
        }
    }
    d.out
}

struct Dumper<'t> {
    out: String,
    typed: Option<&'t TypedProgram>,
}

impl Dumper<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        let _ = writeln!(self.out, "{}{}", "  ".repeat(depth), text);
    }

    fn function(&mut self, f: &FunDef) {
        let ret = match &f.return_type {
            ReturnTypeDecl::Void(_) => "void".to_string(),
            ReturnTypeDecl::Type(t) => unsized_text(t),
        };
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| {
                format!(
                    "{}{} {}",
                    if p.data_only { "data " } else { "" },
                    unsized_text(&p.ty),
                    p.name.name
                )
            })
            .collect();
        let kind = if f.body.is_some() {
            "function"
        } else {
            "declare"
        };
        self.line(
            1,
            &format!("{kind} {ret} {}({})", f.name.name, params.join(", ")),
        );
        if let Some(body) = &f.body {
            self.stmt(2, body);
        }
    }

    fn stmt(&mut self, depth: usize, s: &Stmt) {
        match &s.kind {
            StmtKind::Decl { ty, name, init } => {
                self.line(depth, &format!("decl {} {}", ty.kind.keyword(), name.name));
                for d in &ty.array_dims {
                    self.labeled(depth + 1, "array size", d);
                }
                for sz in &ty.sizes {
                    self.labeled(depth + 1, "size", sz);
                }
                match &ty.bounds {
                    Bounds::None => {}
                    Bounds::LowerUpper { lower, upper } => {
                        lower
                            .iter()
                            .for_each(|e| self.labeled(depth + 1, "lower", e));
                        upper
                            .iter()
                            .for_each(|e| self.labeled(depth + 1, "upper", e));
                    }
                    Bounds::OffsetMultiplier { offset, multiplier } => {
                        offset
                            .iter()
                            .for_each(|e| self.labeled(depth + 1, "offset", e));
                        multiplier
                            .iter()
                            .for_each(|e| self.labeled(depth + 1, "multiplier", e));
                    }
                }
                if let Some(init) = init {
                    self.labeled(depth + 1, "init", init);
                }
            }
            StmtKind::Assign { target, op, value } => {
                self.line(depth, &format!("assign {}", op.text()));
                self.expr(depth + 1, target);
                self.expr(depth + 1, value);
            }
            StmtKind::Tilde {
                lhs,
                dist,
                args,
                truncation,
            } => {
                self.line(depth, &format!("~ {}", dist.name));
                self.expr(depth + 1, lhs);
                args.iter().for_each(|a| self.expr(depth + 1, a));
                if let Some(t) = truncation {
                    self.line(depth + 1, "truncate");
                    t.lower
                        .iter()
                        .for_each(|e| self.labeled(depth + 2, "lower", e));
                    t.upper
                        .iter()
                        .for_each(|e| self.labeled(depth + 2, "upper", e));
                }
            }
            StmtKind::TargetPlus(e) => self.labeled(depth, "target +=", e),
            StmtKind::JacobianPlus(e) => self.labeled(depth, "jacobian +=", e),
            StmtKind::For {
                var,
                lower,
                upper,
                body,
            } => {
                self.line(depth, &format!("for {}", var.name));
                self.labeled(depth + 1, "from", lower);
                self.labeled(depth + 1, "to", upper);
                self.stmt(depth + 1, body);
            }
            StmtKind::ForEach {
                var,
                container,
                body,
            } => {
                self.line(depth, &format!("for {} in", var.name));
                self.expr(depth + 1, container);
                self.stmt(depth + 1, body);
            }
            StmtKind::While { cond, body } => {
                self.labeled(depth, "while", cond);
                self.stmt(depth + 1, body);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.labeled(depth, "if", cond);
                self.stmt(depth + 1, then);
                if let Some(o) = otherwise {
                    self.line(depth, "else");
                    self.stmt(depth + 1, o);
                }
            }
            StmtKind::Break => self.line(depth, "break"),
            StmtKind::Continue => self.line(depth, "continue"),
            StmtKind::Return(e) => match e {
                Some(e) => self.labeled(depth, "return", e),
                None => self.line(depth, "return"),
            },
            StmtKind::Print(items) | StmtKind::Reject(items) | StmtKind::FatalError(items) => {
                let word = match &s.kind {
                    StmtKind::Print(_) => "print",
                    StmtKind::Reject(_) => "reject",
                    _ => "fatal_error",
                };
                self.line(depth, word);
                for item in items {
                    match item {
                        Printable::Str(text, _) => self.line(depth + 1, &format!("{text:?}")),
                        Printable::Expr(e) => self.expr(depth + 1, e),
                    }
                }
            }
            StmtKind::Block(stmts) => {
                self.line(depth, "block");
                stmts.iter().for_each(|s| self.stmt(depth + 1, s));
            }
            StmtKind::Call { name, args } => {
                self.line(depth, &format!("call {}", name.name));
                args.iter().for_each(|a| self.expr(depth + 1, a));
            }
            StmtKind::Empty => self.line(depth, "empty"),
            StmtKind::OldSyntax(_) => self.line(depth, "old syntax"),
            StmtKind::Error => self.line(depth, "error"),
        }
    }

    fn labeled(&mut self, depth: usize, label: &str, e: &Expr) {
        self.line(depth, label);
        self.expr(depth + 1, e);
    }

    fn annotation(&self, e: &Expr) -> String {
        let Some(typed) = self.typed else {
            return String::new();
        };
        match typed.expr(e.id) {
            Some(info) => {
                let activity = match info.activity {
                    Activity::Data => "data",
                    Activity::Param => "param",
                };
                format!("  : {} ({activity})", info.ty)
            }
            None => "  : ?".to_string(),
        }
    }

    fn expr(&mut self, depth: usize, e: &Expr) {
        let ann = self.annotation(e);
        let head = match &e.kind {
            ExprKind::IntLit(v) => format!("int {v}"),
            ExprKind::RealLit(v) => format!("real {v:?}"),
            ExprKind::Var(n) => format!("var {n}"),
            ExprKind::Binary { op, .. } => format!("binary {}", op.text()),
            ExprKind::Unary { op, .. } => format!("unary {}", op.text()),
            ExprKind::Transpose(_) => "transpose".to_string(),
            ExprKind::Ternary { .. } => "ternary".to_string(),
            ExprKind::Indexed { .. } => "index".to_string(),
            ExprKind::Call { name, bar, .. } => {
                format!("call {}{}", name.name, if *bar { " |" } else { "" })
            }
            ExprKind::ArrayLit(_) => "array {}".to_string(),
            ExprKind::RowVectorLit(_) => "row_vector []".to_string(),
            ExprKind::Paren(_) => "paren".to_string(),
            ExprKind::Error => "error".to_string(),
        };
        self.line(depth, &format!("{head}{ann}"));
        match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(depth + 1, lhs);
                self.expr(depth + 1, rhs);
            }
            ExprKind::Unary { operand: x, .. } | ExprKind::Transpose(x) | ExprKind::Paren(x) => {
                self.expr(depth + 1, x)
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                self.expr(depth + 1, cond);
                self.expr(depth + 1, then);
                self.expr(depth + 1, otherwise);
            }
            ExprKind::Indexed { base, indices } => {
                self.expr(depth + 1, base);
                for i in indices {
                    match i {
                        Index::Single(x) => self.expr(depth + 1, x),
                        Index::All => self.line(depth + 1, ":"),
                        Index::Slice { lower, upper } => {
                            self.line(depth + 1, "slice");
                            lower
                                .iter()
                                .for_each(|x| self.labeled(depth + 2, "from", x));
                            upper.iter().for_each(|x| self.labeled(depth + 2, "to", x));
                        }
                    }
                }
            }
            ExprKind::Call { args, .. }
            | ExprKind::ArrayLit(args)
            | ExprKind::RowVectorLit(args) => args.iter().for_each(|a| self.expr(depth + 1, a)),
            _ => {}
        }
    }
}

fn unsized_text(t: &UnsizedTypeDecl) -> String {
    if t.array_dims == 0 {
        t.base.keyword().to_string()
    } else {
        format!(
            "array[{}] {}",
            ",".repeat(t.array_dims - 1),
            t.base.keyword()
        )
    }
}

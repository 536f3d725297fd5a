//! The type checker: names, types and shapes, block rules, overloads, and the activity of every expression.
//!
//! `check` never stops at the first problem: it collects every error and
//! warning, and poisons the type of an erroneous expression (`None`) so one
//! mistake does not cascade into others.

mod error;
mod expr;
mod reduce_sum;
pub mod rules;
mod stmt;
pub mod typed;
mod warnings;

pub use error::CheckError;
pub(crate) use stmt::lvalue_root as root_var;
pub use typed::{
    Activity, CallTarget, DeclaredBounds, ExprInfo, FunId, FunInfo, TypedProgram, VarId, VarInfo,
    VarOrigin,
};

use crate::syntax::ast::*;
use std::collections::HashMap;
use stdlib::UnsizedType;

/// The result of checking: the typed program and every error and warning, in source order.
pub struct Checked {
    pub typed: TypedProgram,
    pub errors: Vec<CheckError>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(|e| !e.is_warning())
    }
}

/// Checks a parsed program. `source` is the text it was parsed from (used to
/// quote the user's own code in suggestions); `expr_count` comes from the parser.
pub fn check(program: &Program, source: &str, expr_count: u32) -> Checked {
    let mut checker = Checker::new(source, expr_count);
    checker.check_program(program);
    let mut errors = checker.errors;
    if !errors.iter().any(|e| !e.is_warning()) {
        errors.extend(warnings::lint(program, &checker.out));
    }
    errors.sort_by_key(|e| e.to_diagnostic().primary.span.start);
    Checked {
        typed: checker.out,
        errors,
    }
}

/// What kind of user-defined function a body belongs to, by its name's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FunSuffix {
    Plain,
    Density,
    Lp,
    Rng,
    Jacobian,
}

impl FunSuffix {
    pub(crate) fn of(name: &str) -> FunSuffix {
        if name.ends_with("_lpdf")
            || name.ends_with("_lpmf")
            || name.ends_with("_lcdf")
            || name.ends_with("_lccdf")
        {
            FunSuffix::Density
        } else if name.ends_with("_lp") {
            FunSuffix::Lp
        } else if name.ends_with("_rng") {
            FunSuffix::Rng
        } else if name.ends_with("_jacobian") {
            FunSuffix::Jacobian
        } else {
            FunSuffix::Plain
        }
    }
}

/// Where the statement being checked sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub block: BlockKind,
    /// Set inside a user-defined function body.
    pub function: Option<(FunId, FunSuffix)>,
    pub loop_depth: u32,
    /// At the top level of a program block (not inside a nested `{ }`, loop or branch).
    pub top_level: bool,
}

pub(crate) struct Checker<'s> {
    pub source: &'s str,
    pub out: TypedProgram,
    pub errors: Vec<CheckError>,
    pub scopes: Vec<HashMap<String, VarId>>,
    pub user_functions: HashMap<String, Vec<FunId>>,
    pub ctx: Context,
    /// Set when a local variable's activity was raised, so its block is checked again.
    pub activity_raised: bool,
}

impl<'s> Checker<'s> {
    fn new(source: &'s str, expr_count: u32) -> Self {
        Checker {
            source,
            out: TypedProgram {
                exprs: vec![None; expr_count as usize],
                ..Default::default()
            },
            errors: Vec::new(),
            scopes: vec![HashMap::new()],
            user_functions: HashMap::new(),
            ctx: Context {
                block: BlockKind::Functions,
                function: None,
                loop_depth: 0,
                top_level: true,
            },
            activity_raised: false,
        }
    }

    pub(crate) fn error(&mut self, e: CheckError) {
        self.errors.push(e);
    }

    pub(crate) fn text(&self, span: Span) -> &'s str {
        self.source.get(span.range()).unwrap_or("")
    }

    fn check_program(&mut self, program: &Program) {
        self.check_block_order(program);
        if let Some(functions) = program.block(BlockKind::Functions) {
            self.register_functions(&functions.functions);
            for fun in &functions.functions {
                self.check_function_body(fun);
            }
        }
        for kind in BlockKind::ALL.into_iter().skip(1) {
            let Some(block) = program.block(kind) else {
                continue;
            };
            // Model-block variables are local to it: generated quantities cannot see them.
            let own_scope = kind == BlockKind::Model;
            if own_scope {
                self.scopes.push(HashMap::new());
            }
            self.check_block_until_stable(kind, &block.stmts);
            if own_scope {
                self.scopes.pop();
            }
        }
    }

    /// Checks a block's statements; if a local variable turned out to depend on
    /// parameters only after it was read, checks it again so every read sees
    /// the final activity. Results of the earlier pass are replaced.
    fn check_block_until_stable(&mut self, kind: BlockKind, stmts: &[Stmt]) {
        let errors_before = self.errors.len();
        let scope_depth = self.scopes.len();
        for _ in 0..8 {
            self.errors.truncate(errors_before);
            let mark = self.scopes.last().cloned().unwrap_or_default();
            self.activity_raised = false;
            self.ctx = Context {
                block: kind,
                function: None,
                loop_depth: 0,
                top_level: true,
            };
            self.check_stmts(stmts);
            if !self.activity_raised {
                break;
            }
            // Forget the declarations of this pass; `declare` reuses their ids.
            self.scopes.truncate(scope_depth);
            if let Some(last) = self.scopes.last_mut() {
                *last = mark;
            }
        }
    }

    fn check_block_order(&mut self, program: &Program) {
        let mut seen: Vec<&ProgramBlock> = Vec::new();
        for block in &program.blocks {
            if let Some(previous) = seen.iter().find(|b| b.kind == block.kind) {
                self.error(CheckError::DuplicateBlock {
                    block: block.kind.name(),
                    span: block.header_span,
                    previous: previous.header_span,
                });
                continue;
            }
            if let Some(later) = seen.iter().find(|b| b.kind > block.kind) {
                self.error(CheckError::BlockOutOfOrder {
                    block: block.kind.name(),
                    span: block.header_span,
                    after: later.kind.name(),
                    after_span: later.header_span,
                });
            }
            seen.push(block);
        }
    }

    // ------------------------------------------------------------ scopes

    pub(crate) fn lookup(&self, name: &str) -> Option<VarId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    /// Declares a variable in the innermost scope. A second pass over the same
    /// declaration reuses its id and keeps any activity it was raised to.
    pub(crate) fn declare(&mut self, name: &Ident, mut info: VarInfo) -> VarId {
        if let Some(existing) = self.lookup(&name.name) {
            let previous = self.out.var(existing).span;
            if previous != name.span {
                self.error(CheckError::Redeclared {
                    name: name.name.clone(),
                    span: name.span,
                    previous,
                });
            }
        }
        let id = match self.out.decl(name.span.start) {
            Some(id) => {
                let old = &self.out.vars[id.0 as usize];
                info.activity = info.activity.join(old.activity);
                self.out.vars[id.0 as usize] = info;
                id
            }
            None => {
                let id = VarId(self.out.vars.len() as u32);
                self.out.vars.push(info);
                self.out.decls.insert(name.span.start, id);
                id
            }
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.name.clone(), id);
        }
        id
    }

    /// Every name visible here, for "did you mean" suggestions.
    pub(crate) fn visible_names(&self) -> Vec<String> {
        self.scopes.iter().flat_map(|s| s.keys().cloned()).collect()
    }

    // ------------------------------------------------------------ functions

    fn register_functions(&mut self, functions: &[FunDef]) {
        for fun in functions {
            let params: Vec<(UnsizedType, bool)> = fun
                .params
                .iter()
                .map(|p| (unsized_of(&p.ty), p.data_only))
                .collect();
            let ret = match &fun.return_type {
                ReturnTypeDecl::Void(_) => None,
                ReturnTypeDecl::Type(t) => Some(unsized_of(t)),
            };
            self.check_function_suffix(fun, ret);
            let existing = self
                .user_functions
                .get(&fun.name.name)
                .cloned()
                .unwrap_or_default();
            let same_args = existing.iter().copied().find(|id| {
                let f = &self.out.functions[id.0 as usize];
                f.params.iter().map(|p| p.0).eq(params.iter().map(|p| p.0))
            });
            match same_args {
                Some(id) => {
                    let previous = self.out.functions[id.0 as usize].clone();
                    if previous.ret != ret {
                        self.error(CheckError::FunctionDeclarationMismatch {
                            name: fun.name.name.clone(),
                            span: fun.name.span,
                            previous: previous.span,
                        });
                        // The mismatched definition still defines it: no second error.
                        if fun.body.is_some() {
                            self.out.functions[id.0 as usize].defined = true;
                        }
                    } else if previous.defined && fun.body.is_some() {
                        self.error(CheckError::FunctionRedefined {
                            name: fun.name.name.clone(),
                            span: fun.name.span,
                            previous: previous.span,
                        });
                    } else if fun.body.is_some() {
                        let f = &mut self.out.functions[id.0 as usize];
                        f.defined = true;
                        f.span = fun.name.span;
                    }
                }
                None => {
                    let id = FunId(self.out.functions.len() as u32);
                    self.out.functions.push(FunInfo {
                        name: fun.name.name.clone(),
                        span: fun.name.span,
                        params,
                        ret,
                        defined: fun.body.is_some(),
                    });
                    self.user_functions
                        .entry(fun.name.name.clone())
                        .or_default()
                        .push(id);
                }
            }
        }
        for f in self.out.functions.clone() {
            if !f.defined {
                self.error(CheckError::FunctionDeclaredNotDefined {
                    name: f.name.clone(),
                    span: f.span,
                });
            }
        }
    }

    fn check_function_suffix(&mut self, fun: &FunDef, ret: Option<UnsizedType>) {
        let name = &fun.name.name;
        let why = match FunSuffix::of(name) {
            FunSuffix::Density if ret != Some(UnsizedType::REAL) => Some("a function ending in `_lpdf`, `_lpmf`, `_lcdf` or `_lccdf` must return `real`".to_string()),
            FunSuffix::Density if fun.params.is_empty() => Some("a density function needs at least one argument, the variate".to_string()),
            FunSuffix::Density if name.ends_with("_lpmf") && fun.params.first().is_some_and(|p| p.ty.base != TypeKind::Int) => {
                Some("the first argument of an `_lpmf` function must be an integer type".to_string())
            }
            FunSuffix::Density if name.ends_with("_lpdf") && fun.params.first().is_some_and(|p| p.ty.base == TypeKind::Int) => {
                Some("the first argument of an `_lpdf` function must be real-valued; use `_lpmf` for integers".to_string())
            }
            _ => None,
        };
        if let Some(why) = why {
            self.error(CheckError::BadFunctionSuffix {
                name: name.clone(),
                span: fun.name.span,
                why,
            });
        }
    }

    fn check_function_body(&mut self, fun: &FunDef) {
        let Some(body) = &fun.body else { return };
        let Some(id) = self.find_function_id(fun) else {
            return;
        };
        let suffix = FunSuffix::of(&fun.name.name);
        // Function bodies see only their arguments (and other functions), not block variables.
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let errors_before = self.errors.len();
        for _ in 0..8 {
            self.errors.truncate(errors_before);
            self.scopes = vec![HashMap::new()];
            self.activity_raised = false;
            self.ctx = Context {
                block: BlockKind::Functions,
                function: Some((id, suffix)),
                loop_depth: 0,
                top_level: false,
            };
            for p in &fun.params {
                let ty = unsized_of(&p.ty);
                let activity = if p.data_only || ty.base == stdlib::BaseType::Int {
                    Activity::Data
                } else {
                    Activity::Param
                };
                self.declare(
                    &p.name,
                    VarInfo {
                        name: p.name.name.clone(),
                        span: p.name.span,
                        ty,
                        origin: VarOrigin::FunctionArg,
                        activity,
                        bounds: DeclaredBounds::default(),
                        initialized: true,
                    },
                );
            }
            self.check_stmt(body);
            if !self.activity_raised {
                break;
            }
        }
        let ret = self.out.functions[id.0 as usize].ret;
        if ret.is_some() && !stmt::always_returns(body) {
            self.error(CheckError::MissingReturn {
                name: fun.name.name.clone(),
                span: fun.name.span,
            });
        }
        self.scopes = saved_scopes;
    }

    fn find_function_id(&self, fun: &FunDef) -> Option<FunId> {
        let ids = self.user_functions.get(&fun.name.name)?;
        ids.iter().copied().find(|id| {
            let f = &self.out.functions[id.0 as usize];
            f.params
                .iter()
                .map(|p| p.0)
                .eq(fun.params.iter().map(|p| unsized_of(&p.ty)))
        })
    }
}

/// The unsized type of a function argument or return type.
pub(crate) fn unsized_of(t: &UnsizedTypeDecl) -> UnsizedType {
    UnsizedType {
        base: base_of(t.base),
        array_dims: t.array_dims as u8,
    }
}

/// The unsized base type a declared type keyword stands for.
pub(crate) fn base_of(kind: TypeKind) -> stdlib::BaseType {
    use stdlib::BaseType;
    match kind {
        TypeKind::Int => BaseType::Int,
        TypeKind::Real => BaseType::Real,
        TypeKind::Vector
        | TypeKind::Simplex
        | TypeKind::UnitVector
        | TypeKind::SumToZeroVector
        | TypeKind::Ordered
        | TypeKind::PositiveOrdered => BaseType::Vector,
        TypeKind::RowVector => BaseType::RowVector,
        TypeKind::Matrix
        | TypeKind::CholeskyFactorCorr
        | TypeKind::CholeskyFactorCov
        | TypeKind::CorrMatrix
        | TypeKind::CovMatrix
        | TypeKind::ColumnStochasticMatrix
        | TypeKind::RowStochasticMatrix => BaseType::Matrix,
    }
}

//! The checker's output: the syntax tree plus side tables giving every expression its type and activity.

use crate::syntax::ast::{BlockKind, ExprId, Span};
use std::collections::{HashMap, HashSet};
use stdlib::UnsizedType;

/// Whether a value can depend on the parameters (and so needs derivatives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Activity {
    /// Known once the data is read: never differentiated.
    Data,
    /// May depend on parameters.
    Param,
}

impl Activity {
    pub fn join(self, other: Activity) -> Activity {
        self.max(other)
    }
}

/// What the checker learned about one expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExprInfo {
    pub ty: UnsizedType,
    pub activity: Activity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunId(pub u32);

/// Where a variable was declared, which decides who may assign it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarOrigin {
    /// Declared at the top level of a program block.
    Block(BlockKind),
    /// A local inside a nested statement block of a program block.
    Local(BlockKind),
    FunctionArg,
    /// A local inside a user-defined function body.
    FunctionLocal,
    LoopVar,
}

/// The bounds declared on a variable, as far as the warnings need them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DeclaredBounds {
    pub has_lower: bool,
    pub has_upper: bool,
    /// The lower bound when it is a literal number.
    pub lower_literal: Option<f64>,
    pub upper_literal: Option<f64>,
    /// The declared type already constrains the values to be positive
    /// (`positive_ordered`, `cov_matrix`, `simplex`, ...).
    pub positive_type: bool,
    /// The declared type keeps values in [0, 1] (`simplex`, stochastic matrices).
    pub unit_type: bool,
    /// The declared type ranges over a bounded set (`unit_vector`, `corr_matrix`,
    /// `simplex`, ...), so leaving out a prior still gives a proper uniform one.
    pub compact_type: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VarInfo {
    pub name: String,
    pub span: Span,
    pub ty: UnsizedType,
    pub origin: VarOrigin,
    pub activity: Activity,
    pub bounds: DeclaredBounds,
    /// The declaration had an initializer.
    pub initialized: bool,
}

/// A user-defined function's signature.
#[derive(Debug, Clone, PartialEq)]
pub struct FunInfo {
    pub name: String,
    pub span: Span,
    /// Argument types, each with its `data` qualifier.
    pub params: Vec<(UnsizedType, bool)>,
    /// `None` for void.
    pub ret: Option<UnsizedType>,
    pub defined: bool,
}

/// What a call resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum CallTarget {
    /// A built-in, with the index of the chosen signature in `stdlib::table().lookup(name)`.
    Builtin {
        name: String,
        signature: usize,
    },
    User(FunId),
    /// `reduce_sum(f, x, grainsize, s...)` with `f` this user function: one
    /// call `f(x, 1, size(x), s...)`.
    ReduceSum(FunId),
}

/// The typed program: results indexed by `ExprId`, by declaration span, or by id.
#[derive(Debug, Clone, Default)]
pub struct TypedProgram {
    /// Indexed by `ExprId`; `None` where the expression had an error.
    pub exprs: Vec<Option<ExprInfo>>,
    /// The variable each `Var` expression refers to.
    pub var_refs: HashMap<ExprId, VarId>,
    /// The variable each declaration (by the start of its name's span) introduces.
    pub decls: HashMap<usize, VarId>,
    pub vars: Vec<VarInfo>,
    pub functions: Vec<FunInfo>,
    /// What each call expression resolves to.
    pub calls: HashMap<ExprId, CallTarget>,
    /// What each `~` statement's density resolves to, by the start of the distribution name's span.
    pub tildes: HashMap<usize, CallTarget>,
    /// What each call statement resolves to, by the start of the function name's span.
    pub statement_calls: HashMap<usize, CallTarget>,
    /// Variables that some statement assigns to after their declaration
    /// (whole or in part); the others keep their initial value.
    pub assigned: HashSet<VarId>,
}

impl TypedProgram {
    pub fn expr(&self, id: ExprId) -> Option<ExprInfo> {
        self.exprs.get(id.0 as usize).copied().flatten()
    }
    pub fn var(&self, id: VarId) -> &VarInfo {
        &self.vars[id.0 as usize]
    }
    /// The variable declared by the declaration whose name starts at `name_start`.
    pub fn decl(&self, name_start: usize) -> Option<VarId> {
        self.decls.get(&name_start).copied()
    }
}

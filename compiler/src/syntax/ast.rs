//! The abstract syntax tree: what the parser produces, with a byte span on every node.

use std::fmt;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// A name with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole program: its blocks in the order they were written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub blocks: Vec<ProgramBlock>,
}

impl Program {
    pub fn block(&self, kind: BlockKind) -> Option<&ProgramBlock> {
        self.blocks.iter().find(|b| b.kind == kind)
    }
    /// The statements of a block, empty if the block is absent.
    pub fn stmts(&self, kind: BlockKind) -> &[Stmt] {
        self.block(kind).map(|b| b.stmts.as_slice()).unwrap_or(&[])
    }
    pub fn functions(&self) -> &[FunDef] {
        self.block(BlockKind::Functions)
            .map(|b| b.functions.as_slice())
            .unwrap_or(&[])
    }
}

/// The seven program blocks, in the order Stan requires them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockKind {
    Functions,
    Data,
    TransformedData,
    Parameters,
    TransformedParameters,
    Model,
    GeneratedQuantities,
}

impl BlockKind {
    pub fn name(self) -> &'static str {
        match self {
            BlockKind::Functions => "functions",
            BlockKind::Data => "data",
            BlockKind::TransformedData => "transformed data",
            BlockKind::Parameters => "parameters",
            BlockKind::TransformedParameters => "transformed parameters",
            BlockKind::Model => "model",
            BlockKind::GeneratedQuantities => "generated quantities",
        }
    }
    pub const ALL: [BlockKind; 7] = [
        BlockKind::Functions,
        BlockKind::Data,
        BlockKind::TransformedData,
        BlockKind::Parameters,
        BlockKind::TransformedParameters,
        BlockKind::Model,
        BlockKind::GeneratedQuantities,
    ];
}

/// One block: `data { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramBlock {
    pub kind: BlockKind,
    /// The span of the block's header (`transformed data`).
    pub header_span: Span,
    pub span: Span,
    pub stmts: Vec<Stmt>,
    /// Only in the functions block.
    pub functions: Vec<FunDef>,
}

/// A user-defined function (definition or forward declaration).
#[derive(Debug, Clone, PartialEq)]
pub struct FunDef {
    pub return_type: ReturnTypeDecl,
    pub name: Ident,
    pub params: Vec<Param>,
    /// `None` for a forward declaration.
    pub body: Option<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReturnTypeDecl {
    Void(Span),
    Type(UnsizedTypeDecl),
}

/// An argument of a user-defined function: `data array[] real x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub data_only: bool,
    pub ty: UnsizedTypeDecl,
    pub name: Ident,
}

/// A type without sizes, as written in function signatures: `array[,] vector`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsizedTypeDecl {
    pub base: TypeKind,
    pub array_dims: usize,
    pub span: Span,
}

/// The base type keyword of a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Int,
    Real,
    Vector,
    RowVector,
    Matrix,
    Simplex,
    UnitVector,
    SumToZeroVector,
    Ordered,
    PositiveOrdered,
    CholeskyFactorCorr,
    CholeskyFactorCov,
    CorrMatrix,
    CovMatrix,
    ColumnStochasticMatrix,
    RowStochasticMatrix,
}

impl TypeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TypeKind::Int => "int",
            TypeKind::Real => "real",
            TypeKind::Vector => "vector",
            TypeKind::RowVector => "row_vector",
            TypeKind::Matrix => "matrix",
            TypeKind::Simplex => "simplex",
            TypeKind::UnitVector => "unit_vector",
            TypeKind::SumToZeroVector => "sum_to_zero_vector",
            TypeKind::Ordered => "ordered",
            TypeKind::PositiveOrdered => "positive_ordered",
            TypeKind::CholeskyFactorCorr => "cholesky_factor_corr",
            TypeKind::CholeskyFactorCov => "cholesky_factor_cov",
            TypeKind::CorrMatrix => "corr_matrix",
            TypeKind::CovMatrix => "cov_matrix",
            TypeKind::ColumnStochasticMatrix => "column_stochastic_matrix",
            TypeKind::RowStochasticMatrix => "row_stochastic_matrix",
        }
    }
    /// Whether the type carries a constraint of its own (beyond bounds).
    pub fn is_constrained(self) -> bool {
        !matches!(
            self,
            TypeKind::Int
                | TypeKind::Real
                | TypeKind::Vector
                | TypeKind::RowVector
                | TypeKind::Matrix
        )
    }
}

/// `<lower=a, upper=b>` or `<offset=m, multiplier=s>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Bounds {
    #[default]
    None,
    LowerUpper {
        lower: Option<Expr>,
        upper: Option<Expr>,
    },
    OffsetMultiplier {
        offset: Option<Expr>,
        multiplier: Option<Expr>,
    },
}

/// A sized type in a declaration: `array[N] vector<lower=0>[K]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclType {
    pub kind: TypeKind,
    pub bounds: Bounds,
    /// The sizes after the base type: `[K]`, `[M, N]`.
    pub sizes: Vec<Expr>,
    /// The sizes in `array[...]`, outermost first.
    pub array_dims: Vec<Expr>,
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Plus,
    Minus,
    Times,
    Divide,
    EltTimes,
    EltDivide,
}

impl AssignOp {
    pub fn text(self) -> &'static str {
        match self {
            AssignOp::Assign => "=",
            AssignOp::Plus => "+=",
            AssignOp::Minus => "-=",
            AssignOp::Times => "*=",
            AssignOp::Divide => "/=",
            AssignOp::EltTimes => ".*=",
            AssignOp::EltDivide => "./=",
        }
    }
    /// The binary operator a compound assignment applies.
    pub fn binary(self) -> Option<BinOp> {
        match self {
            AssignOp::Assign => None,
            AssignOp::Plus => Some(BinOp::Add),
            AssignOp::Minus => Some(BinOp::Sub),
            AssignOp::Times => Some(BinOp::Mul),
            AssignOp::Divide => Some(BinOp::Div),
            AssignOp::EltTimes => Some(BinOp::EltMul),
            AssignOp::EltDivide => Some(BinOp::EltDiv),
        }
    }
}

/// Truncation bounds on a `~` statement: `T[L, U]`, either may be absent.
#[derive(Debug, Clone, PartialEq)]
pub struct Truncation {
    pub lower: Option<Expr>,
    pub upper: Option<Expr>,
    pub span: Span,
}

/// Something `print`, `reject` or `fatal_error` prints.
#[derive(Debug, Clone, PartialEq)]
pub enum Printable {
    Str(String, Span),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Decl {
        ty: DeclType,
        name: Ident,
        init: Option<Expr>,
    },
    Assign {
        target: Expr,
        op: AssignOp,
        value: Expr,
    },
    Tilde {
        lhs: Expr,
        dist: Ident,
        args: Vec<Expr>,
        truncation: Option<Truncation>,
    },
    TargetPlus(Expr),
    JacobianPlus(Expr),
    For {
        var: Ident,
        lower: Expr,
        upper: Expr,
        body: Box<Stmt>,
    },
    ForEach {
        var: Ident,
        container: Expr,
        body: Box<Stmt>,
    },
    While {
        cond: Expr,
        body: Box<Stmt>,
    },
    If {
        cond: Expr,
        then: Box<Stmt>,
        otherwise: Option<Box<Stmt>>,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Print(Vec<Printable>),
    Reject(Vec<Printable>),
    FatalError(Vec<Printable>),
    Block(Vec<Stmt>),
    /// A function call used as a statement.
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    Empty,
    /// Old syntax the parser recognized so it can say what to write instead.
    OldSyntax(OldSyntax),
    /// Where the parser recovered from an error; already reported.
    Error,
}

/// Old Stan syntax that cmod recognizes only to explain the modern form.
#[derive(Debug, Clone, PartialEq)]
pub enum OldSyntax {
    /// `real y[N];`: the array sizes came after the name.
    ArrayAfterName {
        ty: DeclType,
        name: Ident,
        dims: Vec<Expr>,
    },
    /// `x <- e;`
    ArrowAssign,
}

/// An expression. `id` is unique in the program; the checker's results are indexed by it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    pub id: ExprId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ExprId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    IntDiv,
    LeftDiv,
    EltMul,
    EltDiv,
    Pow,
    EltPow,
}

impl BinOp {
    pub fn text(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Neq => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::IntDiv => "%/%",
            BinOp::LeftDiv => "\\",
            BinOp::EltMul => ".*",
            BinOp::EltDiv => "./",
            BinOp::Pow => "^",
            BinOp::EltPow => ".^",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Plus,
    Not,
}

impl UnOp {
    pub fn text(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::Plus => "+",
            UnOp::Not => "!",
        }
    }
}

/// One index inside `x[...]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    /// `x[i]`, or `x[idxs]` with an int array (the checker tells which).
    Single(Expr),
    /// `x[a:b]`, `x[a:]`, `x[:b]`.
    Slice {
        lower: Option<Expr>,
        upper: Option<Expr>,
    },
    /// `x[:]` or an empty position `x[, 1]`.
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    IntLit(i64),
    RealLit(f64),
    Var(String),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    Transpose(Box<Expr>),
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Indexed {
        base: Box<Expr>,
        indices: Vec<Index>,
    },
    /// `f(a, b)`, or `f(y | a, b)` when `bar` is true.
    Call {
        name: Ident,
        args: Vec<Expr>,
        bar: bool,
    },
    ArrayLit(Vec<Expr>),
    RowVectorLit(Vec<Expr>),
    Paren(Box<Expr>),
    /// Where the parser recovered from an error; already reported.
    Error,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

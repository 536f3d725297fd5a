//! The intermediate representation: the functions a model compiles to, over a fixed memory layout.
//!
//! Data is read before code is generated, so every size is known: each
//! variable (data, parameter, transformed parameter, local, temporary) lives
//! at a fixed offset in one of a few flat arenas, and the IR addresses
//! elements of those arenas. Vector and matrix expressions are lowered to
//! element loops of scalar statements; heavy operations (densities,
//! transforms of structured types, linear algebra) are kernel calls.
//!
//! Generated functions take one argument, a pointer to [`Ctx`](crate::codegen::Ctx),
//! and return a status: 0 for success, otherwise `1 + MsgId` of the message
//! that explains the failure.

pub mod lower;
pub mod print;

use crate::check::Activity;

/// Which arena a slot lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Reals: data, transformed data, parameters, locals, temporaries (`ctx.vals`).
    Vals,
    /// Ints: data ints, int locals, loop counters (`ctx.ints`).
    Ints,
    /// Adjoints, parallel to `Vals` (`ctx.adj`).
    Adj,
    /// The unconstrained parameter vector, read-only (`ctx.theta`).
    Theta,
    /// The gradient with respect to `Theta` (`ctx.grad`).
    Grad,
    /// The output row of `generate` (`ctx.out`).
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(pub u32);

/// A named block of memory: a variable or a temporary.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub name: String,
    pub region: Region,
    pub offset: usize,
    pub len: usize,
    /// The logical dimensions (array dims, then vector/matrix dims).
    pub dims: Vec<usize>,
}

/// The number of elements of a slot with these dims, saturating instead of overflowing.
pub fn checked_len(dims: &[usize]) -> usize {
    dims.iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .unwrap_or(usize::MAX)
}

/// The most elements an arena may hold (2^28 reals is 2 GiB): larger models are refused with a message.
pub const MAX_ARENA_LEN: usize = 1 << 28;

/// Where the `Vals` and `Ints` arenas' slots are.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub slots: Vec<Slot>,
    pub vals_len: usize,
    pub ints_len: usize,
}

impl Layout {
    pub fn add(&mut self, name: impl Into<String>, region: Region, dims: Vec<usize>) -> SlotId {
        let len = checked_len(&dims);
        let offset = match region {
            Region::Vals => {
                let o = self.vals_len;
                self.vals_len = self.vals_len.saturating_add(len);
                o
            }
            Region::Ints => {
                let o = self.ints_len;
                self.ints_len = self.ints_len.saturating_add(len);
                o
            }
            _ => 0,
        };
        self.add_at(name, region, offset, dims)
    }

    /// A slot at a given offset (for the `Theta`, `Grad` and `Out` regions).
    pub fn add_at(
        &mut self,
        name: impl Into<String>,
        region: Region,
        offset: usize,
        dims: Vec<usize>,
    ) -> SlotId {
        let len = checked_len(&dims);
        self.slots.push(Slot {
            name: name.into(),
            region,
            offset,
            len,
            dims,
        });
        SlotId(self.slots.len() as u32 - 1)
    }

    pub fn slot(&self, id: SlotId) -> &Slot {
        &self.slots[id.0 as usize]
    }

    /// The slot holding the adjoints of `id` (the same offset in the adjoint
    /// arena; for `Theta`, the gradient), created on first use.
    pub fn adjoint(&mut self, id: SlotId) -> SlotId {
        let s = self.slot(id).clone();
        let region = match s.region {
            Region::Theta => Region::Grad,
            _ => Region::Adj,
        };
        if let Some(existing) = self.slots.iter().position(|x| {
            x.region == region
                && x.offset == s.offset
                && x.len == s.len
                && x.name == format!("d_{}", s.name)
        }) {
            return SlotId(existing as u32);
        }
        self.add_at(format!("d_{}", s.name), region, s.offset, s.dims)
    }
}

/// One element of a slot: `slot[index]`, `index` 0-based into the flat slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub slot: SlotId,
    pub index: IExpr,
}

impl Place {
    pub fn at(slot: SlotId, index: usize) -> Place {
        Place {
            slot,
            index: IExpr::Const(index as i64),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RBinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IBinOp {
    Add,
    Sub,
    Mul,
    /// Integer division rounding toward zero (Stan's `/` and `%/%` on ints).
    Div,
    Mod,
    /// Short-circuit `&&` and `||` on truth values.
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A scalar function of reals with a known derivative. Calls go to stdlib
/// kernels (`extern "C" fn(f64, ...) -> f64`) or to inline instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarFn {
    // One argument.
    Exp,
    Log,
    Sqrt,
    Abs,
    Floor,
    Ceil,
    Round,
    Trunc,
    Log1p,
    Expm1,
    Log1pExp,
    Log1mExp,
    InvLogit,
    LogInvLogit,
    Log1mInvLogit,
    Logit,
    Lgamma,
    Digamma,
    Trigamma,
    Tgamma,
    Erf,
    Erfc,
    Phi,
    InvPhi,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Cbrt,
    Log2,
    Log10,
    Exp2,
    InvCloglog,
    /// Sign of the argument (-1, 0 or 1), used by derivative rules.
    Sign,
    /// `x * x`: `square(x)` and `pow(x, 2)`, one multiplication instead of a call to libm.
    Square,
    // Two arguments.
    Pow,
    Fmin,
    Fmax,
    Hypot,
    Atan2,
    LogSumExp2,
    LogDiffExp,
    Lbeta,
    Lchoose,
    Fmod,
    Fdim,
    /// d/da lbeta(a, b) = digamma(a) - digamma(a + b).
    LbetaDA,
}

impl ScalarFn {
    pub fn arity(self) -> usize {
        use ScalarFn::*;
        match self {
            Pow | Fmin | Fmax | Hypot | Atan2 | LogSumExp2 | LogDiffExp | Lbeta | Lchoose
            | Fmod | Fdim | LbetaDA => 2,
            _ => 1,
        }
    }
}

/// A real-valued scalar expression without side effects (other than failing a bounds check).
#[derive(Debug, Clone, PartialEq)]
pub enum RExpr {
    Const(f64),
    Load(Box<Place>),
    FromInt(Box<IExpr>),
    Neg(Box<RExpr>),
    Bin(RBinOp, Box<RExpr>, Box<RExpr>),
    Call(ScalarFn, Vec<RExpr>),
    Select(Box<IExpr>, Box<RExpr>, Box<RExpr>),
}

/// An int-valued scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum IExpr {
    Const(i64),
    Load(Box<Place>),
    Neg(Box<IExpr>),
    Not(Box<IExpr>),
    Bin(IBinOp, Box<IExpr>, Box<IExpr>),
    CmpI(CmpOp, Box<IExpr>, Box<IExpr>),
    CmpR(CmpOp, Box<RExpr>, Box<RExpr>),
    Select(Box<IExpr>, Box<IExpr>, Box<IExpr>),
    /// A 1-based user index, checked to lie in `1..=len`; evaluates to the index.
    /// On failure the function returns status `1 + msg`, with the index in `ctx.err_value`.
    Checked {
        index: Box<IExpr>,
        len: Box<IExpr>,
        msg: MsgId,
    },
    /// Truncation of a real toward zero (`to_int`), checked to fit.
    FromReal(Box<RExpr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId(pub u32);

/// One argument of a kernel call.
#[derive(Debug, Clone, PartialEq)]
pub enum KArg {
    /// A run of reals: passed as (pointer, length). With `adjoint`, the
    /// pointer is into the adjoint arena at the same offset instead.
    Reals {
        slot: SlotId,
        offset: IExpr,
        len: usize,
        adjoint: bool,
    },
    /// A run of ints: (pointer, length).
    Ints {
        slot: SlotId,
        offset: IExpr,
        len: usize,
    },
    /// `Reals` whose length is known only while the model runs (a segment
    /// of a vector with a run-time start or length).
    RealSegment {
        slot: SlotId,
        offset: IExpr,
        len: IExpr,
        adjoint: bool,
    },
    /// `Ints` whose length is known only while the model runs.
    IntSegment {
        slot: SlotId,
        offset: IExpr,
        len: IExpr,
    },
    /// A real passed by value.
    Real(RExpr),
    /// An int passed by value.
    Int(IExpr),
    /// A null pointer (an argument without partials).
    Null,
}

/// A call to a stdlib kernel: `extern "C" fn(ctx, args...) -> i32 status`.
/// Kernels that compute a value write it through an output argument.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelCall {
    pub kernel: &'static str,
    pub args: Vec<KArg>,
    /// The message (naming the source line) shown when the kernel fails.
    pub msg: MsgId,
    /// The slots (slot, offset, len) the call writes.
    pub outputs: Vec<(SlotId, usize, usize)>,
    /// The call that adds the adjoints of the inputs, given the outputs' adjoints
    /// (`None` when no input needs derivatives).
    pub reverse: Option<Box<KernelCall>>,
}

/// What a print statement prints.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintPart {
    Text(String),
    Real(RExpr),
    Int(IExpr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    SetR(Place, RExpr),
    SetI(Place, IExpr),
    /// `target += e`: adds to the target slot.
    AddTarget(RExpr),
    Kernel(KernelCall),
    /// `for (var in lo:hi)`, inclusive; `var` is an int slot.
    For {
        var: SlotId,
        lo: IExpr,
        hi: IExpr,
        body: Vec<Stmt>,
    },
    While {
        cond: IExpr,
        body: Vec<Stmt>,
    },
    If {
        cond: IExpr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    Break,
    Continue,
    /// `reject(...)`: the message is printed text plus values.
    Reject {
        msg: MsgId,
        parts: Vec<PrintPart>,
    },
    Print(Vec<PrintPart>),
    // Reverse-mode support (only in gradient functions).
    PushR(RExpr),
    PushI(IExpr),
    PopR(Place),
    PopI(Place),
}

/// One generated function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub body: Vec<Stmt>,
}

/// Everything compiled for one model.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub layout: Layout,
    pub functions: Vec<Function>,
    /// Failure messages, indexed by `MsgId`. `{value}` is replaced by `ctx.err_value`,
    /// `{detail}` by the kernel's own message.
    pub messages: Vec<String>,
    /// The slot holding the log density accumulator.
    pub target: Option<SlotId>,
    /// The message of a tape that runs out in the reverse sweep (a bug in cmod,
    /// checked so that generated code never reads outside the tape).
    pub tape_error: Option<MsgId>,
}

impl Module {
    pub fn message(&mut self, text: impl Into<String>) -> MsgId {
        self.messages.push(text.into());
        MsgId(self.messages.len() as u32 - 1)
    }
}

/// Whether a value needs derivatives; re-exported for the lowering's bookkeeping.
pub type ValueActivity = Activity;

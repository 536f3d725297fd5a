//! The types a built-in function's signature is written in: Stan's unsized types plus the vectorization classes.

use std::fmt;

/// The element shape of a value, ignoring array dimensions and sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseType {
    Int,
    Real,
    Vector,
    RowVector,
    Matrix,
}

/// A Stan type without sizes: a base type inside zero or more array dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnsizedType {
    pub base: BaseType,
    pub array_dims: u8,
}

impl UnsizedType {
    pub const INT: UnsizedType = UnsizedType::scalar(BaseType::Int);
    pub const REAL: UnsizedType = UnsizedType::scalar(BaseType::Real);
    pub const VECTOR: UnsizedType = UnsizedType::scalar(BaseType::Vector);
    pub const ROW_VECTOR: UnsizedType = UnsizedType::scalar(BaseType::RowVector);
    pub const MATRIX: UnsizedType = UnsizedType::scalar(BaseType::Matrix);

    pub const fn scalar(base: BaseType) -> Self {
        UnsizedType {
            base,
            array_dims: 0,
        }
    }
    pub const fn array(base: BaseType, array_dims: u8) -> Self {
        UnsizedType { base, array_dims }
    }
    pub fn is_int(self) -> bool {
        self.base == BaseType::Int && self.array_dims == 0
    }
    pub fn is_real(self) -> bool {
        self.base == BaseType::Real && self.array_dims == 0
    }
    pub fn is_scalar(self) -> bool {
        self.array_dims == 0 && matches!(self.base, BaseType::Int | BaseType::Real)
    }
    /// The same shape with every int replaced by real.
    pub fn promoted(self) -> Self {
        match self.base {
            BaseType::Int => UnsizedType {
                base: BaseType::Real,
                ..self
            },
            _ => self,
        }
    }
    /// Whether a value of type `self` may be passed where `to` is expected
    /// (identity, or int -> real promotion inside the same array shape).
    pub fn assignable_to(self, to: UnsizedType) -> bool {
        self == to
            || (self.array_dims == to.array_dims
                && self.base == BaseType::Int
                && to.base == BaseType::Real)
    }
}

impl fmt::Display for BaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BaseType::Int => "int",
            BaseType::Real => "real",
            BaseType::Vector => "vector",
            BaseType::RowVector => "row_vector",
            BaseType::Matrix => "matrix",
        })
    }
}

impl fmt::Display for UnsizedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.array_dims == 0 {
            write!(f, "{}", self.base)
        } else {
            let commas = ",".repeat(self.array_dims as usize - 1);
            write!(f, "array[{}] {}", commas, self.base)
        }
    }
}

/// What one argument position of a built-in accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// Exactly this type; an int (or array of ints) is promoted where real is expected.
    Exact(UnsizedType),
    /// Stan's `reals`: int, real, `array[] int`, `array[] real`, vector or row_vector.
    Reals,
    /// Stan's `ints`: int or `array[] int`.
    Ints,
    /// Stan's `vectors`: vector, row_vector, or a 1-d array of either.
    Vectors,
    /// Any type at all (used by vectorized unary functions and by `size`-like functions).
    Any,
    /// Any container: vector, row_vector, matrix, or an array of anything.
    AnyContainer,
}

/// How the result type of a built-in is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnType {
    Void,
    Exact(UnsizedType),
    /// The type of argument `i`, with ints promoted to reals
    /// (vectorized unary functions: `exp(vector) -> vector`, `exp(int) -> real`).
    PromotedArg(usize),
    /// The type of argument `i` exactly (for example `abs(int) -> int`).
    SameAsArg(usize),
    /// A vectorized `_rng`: `real` when every argument is a scalar, else `array[] real`.
    RealOrArray,
    /// A vectorized discrete `_rng`: `int` when every argument is a scalar, else `array[] int`.
    IntOrArray,
}

/// One signature of a built-in function.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub name: &'static str,
    pub args: Vec<Arg>,
    pub ret: ReturnType,
}

/// One argument of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub ty: ArgType,
    /// The argument must be data-only (Stan's `data` qualifier).
    pub data_only: bool,
}

impl Arg {
    pub const fn new(ty: ArgType) -> Self {
        Arg {
            ty,
            data_only: false,
        }
    }
    pub const fn data(ty: ArgType) -> Self {
        Arg {
            ty,
            data_only: true,
        }
    }
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgType::Exact(t) => write!(f, "{t}"),
            ArgType::Reals => f.write_str("reals"),
            ArgType::Ints => f.write_str("ints"),
            ArgType::Vectors => f.write_str("vectors"),
            ArgType::Any => f.write_str("T"),
            ArgType::AnyContainer => f.write_str("container"),
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| {
                if a.data_only {
                    format!("data {}", a.ty)
                } else {
                    a.ty.to_string()
                }
            })
            .collect();
        let ret = match self.ret {
            ReturnType::Void => "void".to_string(),
            ReturnType::Exact(t) => t.to_string(),
            ReturnType::PromotedArg(_) | ReturnType::SameAsArg(_) => "R".to_string(),
            ReturnType::RealOrArray => "reals".to_string(),
            ReturnType::IntOrArray => "ints".to_string(),
        };
        write!(f, "{ret} {}({})", self.name, args.join(", "))
    }
}

impl ArgType {
    /// Whether an actual argument of type `actual` fits this position.
    pub fn accepts(self, actual: UnsizedType) -> bool {
        use BaseType::*;
        match self {
            ArgType::Exact(t) => actual.assignable_to(t),
            ArgType::Reals => match (actual.base, actual.array_dims) {
                (Int | Real, 0 | 1) => true,
                (Vector | RowVector, 0) => true,
                _ => false,
            },
            ArgType::Ints => actual.base == Int && actual.array_dims <= 1,
            ArgType::Vectors => matches!(actual.base, Vector | RowVector) && actual.array_dims <= 1,
            ArgType::Any => true,
            ArgType::AnyContainer => {
                actual.array_dims > 0 || matches!(actual.base, Vector | RowVector | Matrix)
            }
        }
    }
}

//! The typing rules of the language: operators, indexing, literals and overload resolution.

use crate::syntax::ast::{BinOp, UnOp};
use stdlib::{ArgType, BaseType, ReturnType, Signature, UnsizedType};

const INT: UnsizedType = UnsizedType::INT;
const REAL: UnsizedType = UnsizedType::REAL;

fn is_scalar(t: UnsizedType) -> bool {
    t.is_scalar()
}

fn is_linalg(t: UnsizedType) -> bool {
    t.array_dims == 0
        && matches!(
            t.base,
            BaseType::Vector | BaseType::RowVector | BaseType::Matrix
        )
}

/// The result type of a binary operator, or `None` if Stan has no such operation.
pub fn binary_result(op: BinOp, a: UnsizedType, b: UnsizedType) -> Option<UnsizedType> {
    use BaseType::*;
    use BinOp::*;
    let both_scalar = is_scalar(a) && is_scalar(b);
    let scalar_result = if a.is_int() && b.is_int() { INT } else { REAL };
    match op {
        Or | And | Eq | Neq | Lt | Le | Gt | Ge => both_scalar.then_some(INT),
        Mod | IntDiv => (a.is_int() && b.is_int()).then_some(INT),
        Add | Sub => {
            if both_scalar {
                Some(scalar_result)
            } else if is_scalar(a) && is_linalg(b) {
                Some(b)
            } else if is_linalg(a) && is_scalar(b) {
                Some(a)
            } else if is_linalg(a) && a == b {
                Some(a)
            } else {
                None
            }
        }
        Mul => {
            if both_scalar {
                return Some(scalar_result);
            }
            if is_scalar(a) && is_linalg(b) {
                return Some(b);
            }
            if is_linalg(a) && is_scalar(b) {
                return Some(a);
            }
            if !(is_linalg(a) && is_linalg(b)) {
                return None;
            }
            match (a.base, b.base) {
                (RowVector, Vector) => Some(REAL),
                (Vector, RowVector) => Some(UnsizedType::MATRIX),
                (Matrix, Vector) => Some(UnsizedType::VECTOR),
                (RowVector, Matrix) => Some(UnsizedType::ROW_VECTOR),
                (Matrix, Matrix) => Some(UnsizedType::MATRIX),
                _ => None,
            }
        }
        Div => {
            if both_scalar {
                return Some(scalar_result);
            }
            if is_linalg(a) && is_scalar(b) {
                return Some(a);
            }
            match (a.array_dims, b.array_dims, a.base, b.base) {
                (0, 0, RowVector, Matrix) => Some(UnsizedType::ROW_VECTOR),
                (0, 0, Matrix, Matrix) => Some(UnsizedType::MATRIX),
                _ => None,
            }
        }
        LeftDiv => match (a.array_dims, b.array_dims, a.base, b.base) {
            (0, 0, Matrix, Vector) => Some(UnsizedType::VECTOR),
            (0, 0, Matrix, Matrix) => Some(UnsizedType::MATRIX),
            _ => None,
        },
        EltMul | EltDiv => {
            if both_scalar {
                return Some(scalar_result_for_elementwise(op, a, b));
            }
            if is_linalg(a) && a == b {
                return Some(a);
            }
            if op == EltDiv && is_scalar(a) && is_linalg(b) {
                return Some(b);
            }
            if op == EltDiv && is_linalg(a) && is_scalar(b) {
                return Some(a);
            }
            None
        }
        Pow => both_scalar.then_some(REAL),
        EltPow => {
            if both_scalar {
                Some(REAL)
            } else if is_linalg(a) && (is_scalar(b) || a == b) {
                Some(a)
            } else if is_scalar(a) && is_linalg(b) {
                Some(b)
            } else {
                None
            }
        }
    }
}

fn scalar_result_for_elementwise(op: BinOp, a: UnsizedType, b: UnsizedType) -> UnsizedType {
    if op == BinOp::EltMul && a.is_int() && b.is_int() {
        INT
    } else {
        REAL
    }
}

/// The result type of a unary operator.
pub fn unary_result(op: UnOp, t: UnsizedType) -> Option<UnsizedType> {
    match op {
        UnOp::Not => is_scalar(t).then_some(INT),
        UnOp::Neg | UnOp::Plus => (is_scalar(t) || is_linalg(t)).then_some(t),
    }
}

pub fn transpose_result(t: UnsizedType) -> Option<UnsizedType> {
    if t.array_dims != 0 {
        return None;
    }
    match t.base {
        BaseType::Vector => Some(UnsizedType::ROW_VECTOR),
        BaseType::RowVector => Some(UnsizedType::VECTOR),
        BaseType::Matrix => Some(UnsizedType::MATRIX),
        _ => None,
    }
}

/// How one index position was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexUse {
    /// A single int: removes the dimension.
    Single,
    /// A slice, `:`, or an int array: keeps the dimension.
    Multi,
}

/// The type of `base[indices]`, or an error message describing the mismatch.
pub fn index_result(base: UnsizedType, indices: &[IndexUse]) -> Result<UnsizedType, String> {
    let linalg_dims = match base.base {
        BaseType::Int | BaseType::Real => 0,
        BaseType::Vector | BaseType::RowVector => 1,
        BaseType::Matrix => 2,
    };
    let available = base.array_dims as usize + linalg_dims;
    if available == 0 {
        return Err(format!("a single `{base}` value cannot be indexed"));
    }
    if indices.len() > available {
        return Err(format!(
            "a value of type `{base}` takes at most {available} {}, but {} {} given",
            if available == 1 { "index" } else { "indices" },
            indices.len(),
            if indices.len() == 1 { "is" } else { "are" }
        ));
    }
    let array_used = indices.len().min(base.array_dims as usize);
    let kept_array_dims = indices[..array_used]
        .iter()
        .filter(|u| **u == IndexUse::Multi)
        .count();
    let remaining_array = base.array_dims as usize - array_used;
    let inner = &indices[array_used..];
    let inner_base = match (base.base, inner) {
        (b, []) => b,
        (BaseType::Vector | BaseType::RowVector, [IndexUse::Single]) => BaseType::Real,
        (b @ (BaseType::Vector | BaseType::RowVector), [IndexUse::Multi]) => b,
        (BaseType::Matrix, [IndexUse::Single]) => BaseType::RowVector,
        (BaseType::Matrix, [IndexUse::Multi]) => BaseType::Matrix,
        (BaseType::Matrix, [IndexUse::Single, IndexUse::Single]) => BaseType::Real,
        (BaseType::Matrix, [IndexUse::Single, IndexUse::Multi]) => BaseType::RowVector,
        (BaseType::Matrix, [IndexUse::Multi, IndexUse::Single]) => BaseType::Vector,
        (BaseType::Matrix, [IndexUse::Multi, IndexUse::Multi]) => BaseType::Matrix,
        _ => return Err(format!("`{base}` cannot be indexed this way")),
    };
    Ok(UnsizedType {
        base: inner_base,
        array_dims: (kept_array_dims + remaining_array) as u8,
    })
}

/// The type of one element when looping `for (x in container)`.
pub fn foreach_element(t: UnsizedType) -> Option<UnsizedType> {
    if t.array_dims > 0 {
        return Some(UnsizedType {
            array_dims: t.array_dims - 1,
            ..t
        });
    }
    match t.base {
        BaseType::Vector | BaseType::RowVector | BaseType::Matrix => Some(REAL),
        _ => None,
    }
}

/// The common type of two values that must agree (ternary branches, array
/// literal elements), promoting int to real.
pub fn common_type(a: UnsizedType, b: UnsizedType) -> Option<UnsizedType> {
    if a == b {
        Some(a)
    } else if a.assignable_to(b) {
        Some(b)
    } else if b.assignable_to(a) {
        Some(a)
    } else {
        None
    }
}

/// The signature among `candidates` that fits `args` best: exact matches
/// beat promotions, and specific types beat the vectorization classes.
pub fn resolve_overload(
    candidates: &[Signature],
    args: &[UnsizedType],
) -> Option<(usize, UnsizedType)> {
    let mut best: Option<(u32, usize, UnsizedType)> = None;
    for (i, sig) in candidates.iter().enumerate() {
        if sig.args.len() != args.len() {
            continue;
        }
        let mut cost = 0u32;
        let mut ok = true;
        for (param, actual) in sig.args.iter().zip(args) {
            if !param.ty.accepts(*actual) {
                ok = false;
                break;
            }
            cost += match param.ty {
                ArgType::Exact(t) if t == *actual => 0,
                ArgType::Exact(_) => 1,
                _ => 2,
            };
        }
        if !ok {
            continue;
        }
        let Some(ret) = return_type(sig.ret, args) else {
            continue;
        };
        if best.as_ref().is_none_or(|(c, _, _)| cost < *c) {
            best = Some((cost, i, ret));
        }
    }
    best.map(|(_, i, ret)| (i, ret))
}

/// The result of a signature applied to `args`; `Some(void marker)` is not
/// representable, so void returns give `None` through `is_void`.
pub fn return_type(ret: ReturnType, args: &[UnsizedType]) -> Option<UnsizedType> {
    Some(match ret {
        ReturnType::Void => VOID,
        ReturnType::Exact(t) => t,
        ReturnType::PromotedArg(i) => args.get(i)?.promoted(),
        ReturnType::SameAsArg(i) => *args.get(i)?,
        ReturnType::RealOrArray | ReturnType::IntOrArray => {
            let base = if ret == ReturnType::RealOrArray {
                BaseType::Real
            } else {
                BaseType::Int
            };
            if args.iter().all(|a| a.is_scalar()) {
                UnsizedType::scalar(base)
            } else {
                UnsizedType::array(base, 1)
            }
        }
    })
}

/// The stand-in type of a void call's result (an impossible array depth).
pub const VOID: UnsizedType = UnsizedType {
    base: BaseType::Int,
    array_dims: u8::MAX,
};

pub fn is_void(t: UnsizedType) -> bool {
    t == VOID
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_products_have_stan_shapes() {
        let v = UnsizedType::VECTOR;
        let rv = UnsizedType::ROW_VECTOR;
        let m = UnsizedType::MATRIX;
        assert_eq!(binary_result(BinOp::Mul, rv, v), Some(REAL));
        assert_eq!(binary_result(BinOp::Mul, v, rv), Some(m));
        assert_eq!(binary_result(BinOp::Mul, m, v), Some(v));
        assert_eq!(binary_result(BinOp::Mul, v, v), None);
        assert_eq!(binary_result(BinOp::Add, INT, INT), Some(INT));
        assert_eq!(binary_result(BinOp::Div, INT, REAL), Some(REAL));
    }

    #[test]
    fn indexing_removes_and_keeps_dimensions() {
        let m = UnsizedType::MATRIX;
        assert_eq!(
            index_result(m, &[IndexUse::Single]),
            Ok(UnsizedType::ROW_VECTOR)
        );
        assert_eq!(
            index_result(m, &[IndexUse::Multi, IndexUse::Single]),
            Ok(UnsizedType::VECTOR)
        );
        let arr = UnsizedType::array(BaseType::Vector, 2);
        assert_eq!(
            index_result(arr, &[IndexUse::Single, IndexUse::Single, IndexUse::Single]),
            Ok(REAL)
        );
        assert_eq!(index_result(arr, &[IndexUse::Multi]), Ok(arr));
        assert!(index_result(UnsizedType::VECTOR, &[IndexUse::Single, IndexUse::Single]).is_err());
    }
}

//! Lowering of the constructors, slices and reshapes of the standard library: zeros/ones/one_hot/linspaced/uniform_simplex/identity, diagonal, col, row, block, sub_col, sub_row, reverse, transpose, dims, norms, rows/columns dot products, to_matrix, to_array_*, to_vector, to_int, append_row/append_col/append_array.

use super::expr::{add, call1, mul, rbin, Run, Val};
use super::{LowerError, Lowering};

use super::stdlib_calls::{int_array, MATRIX};
use crate::ir::*;
use crate::syntax::ast::Expr;
use stdlib::{BaseType, UnsizedType};

impl<'a> Lowering<'a> {
    /// The `k x k` identity matrix: ones where the flat index is a multiple of `k + 1`.
    pub(crate) fn identity_matrix(
        &mut self,
        k: usize,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        self.elementwise(MATRIX, vec![k, k], false, out, |i| {
            RExpr::Select(
                Box::new(IExpr::CmpI(
                    CmpOp::Eq,
                    Box::new(IExpr::Bin(
                        IBinOp::Mod,
                        Box::new(i.clone()),
                        Box::new(IExpr::Const(k as i64 + 1)),
                    )),
                    Box::new(IExpr::Const(0)),
                )),
                Box::new(RExpr::Const(1.0)),
                Box::new(RExpr::Const(0.0)),
            )
        })
    }

    /// Constructors and slices: zeros/ones/one_hot/linspaced/uniform_simplex/identity,
    /// diagonal, col, row, block, sub_col, sub_row, reverse, transpose, dims, norms,
    /// rows/columns dot products.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_constructor(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        vals: &[Val],
        result_ty: UnsizedType,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let int_result = result_ty.base == BaseType::Int;
        let fill =
            |this: &mut Self, len: usize, f: &dyn Fn(&IExpr) -> RExpr, out: &mut Vec<Stmt>| {
                if int_result {
                    let slot = this.temp(vec![len], true, false);
                    this.for_each_index(len, out, |_, k, body| {
                        body.push(Stmt::SetI(
                            Place {
                                slot,
                                index: k.clone(),
                            },
                            IExpr::FromReal(Box::new(f(&k))),
                        ));
                        Ok(())
                    })?;
                    Ok(Val::Run(Run {
                        slot,
                        offset: IExpr::Const(0),
                        ty: result_ty,
                        dims: vec![len],
                    }))
                } else {
                    this.elementwise(result_ty, vec![len], false, out, f)
                }
            };
        let const_arg = |this: &mut Self, i: usize| -> Result<i64, LowerError> {
            args.get(i)
                .ok_or_else(|| LowerError::internal(e.span, "missing argument"))
                .and_then(|a| this.const_int(a))
        };
        let size_arg = |this: &mut Self, i: usize| -> Result<usize, LowerError> {
            let v = const_arg(this, i)?;
            usize::try_from(v).map_err(|_| {
                LowerError::new(
                    e.span,
                    format!("{n}: a size must not be negative, but this is {v}"),
                )
            })
        };
        let v = match n {
            "zeros_vector" | "zeros_row_vector" | "zeros_array" | "zeros_int_array"
            | "ones_vector" | "ones_row_vector" | "ones_array" | "ones_int_array"
            | "uniform_simplex" => {
                let len = size_arg(self, 0)?;
                let c = if n.starts_with("zeros") {
                    0.0
                } else if n == "uniform_simplex" {
                    1.0 / len as f64
                } else {
                    1.0
                };
                fill(self, len, &|_| RExpr::Const(c), out)?
            }
            "one_hot_vector" | "one_hot_row_vector" | "one_hot_array" | "one_hot_int_array" => {
                let len = size_arg(self, 0)?;
                let at = const_arg(self, 1)?;
                if at < 1 || at as usize > len {
                    return Err(LowerError::new(
                        e.span,
                        format!("{n}: the index {at} is outside 1..{len}"),
                    ));
                }
                fill(
                    self,
                    len,
                    &|k| {
                        RExpr::Select(
                            Box::new(IExpr::CmpI(
                                CmpOp::Eq,
                                Box::new(k.clone()),
                                Box::new(IExpr::Const(at - 1)),
                            )),
                            Box::new(RExpr::Const(1.0)),
                            Box::new(RExpr::Const(0.0)),
                        )
                    },
                    out,
                )?
            }
            "linspaced_vector"
            | "linspaced_row_vector"
            | "linspaced_array"
            | "linspaced_int_array" => {
                let len = size_arg(self, 0)?;
                let lo = vals[1].as_real().unwrap_or(RExpr::Const(f64::NAN));
                let hi = vals[2].as_real().unwrap_or(RExpr::Const(f64::NAN));
                if int_result {
                    // Stan: evenly spaced ints from lo, step floor((hi - lo) / (len - 1)).
                    let step = if len > 1 {
                        call1(
                            ScalarFn::Floor,
                            rbin(
                                RBinOp::Div,
                                rbin(RBinOp::Sub, hi, lo.clone()),
                                RExpr::Const((len - 1) as f64),
                            ),
                        )
                    } else {
                        RExpr::Const(0.0)
                    };
                    fill(
                        self,
                        len,
                        &|k| {
                            rbin(
                                RBinOp::Add,
                                lo.clone(),
                                rbin(
                                    RBinOp::Mul,
                                    step.clone(),
                                    RExpr::FromInt(Box::new(k.clone())),
                                ),
                            )
                        },
                        out,
                    )?
                } else {
                    let denom = (len.max(2) - 1) as f64;
                    fill(
                        self,
                        len,
                        &|k| {
                            if len == 1 {
                                hi.clone()
                            } else {
                                rbin(
                                    RBinOp::Add,
                                    lo.clone(),
                                    rbin(
                                        RBinOp::Mul,
                                        rbin(RBinOp::Sub, hi.clone(), lo.clone()),
                                        rbin(
                                            RBinOp::Div,
                                            RExpr::FromInt(Box::new(k.clone())),
                                            RExpr::Const(denom),
                                        ),
                                    ),
                                )
                            }
                        },
                        out,
                    )?
                }
            }
            "identity_matrix" => {
                let k = size_arg(self, 0)?;
                self.identity_matrix(k, out)?
            }
            "dims" => {
                let dims = vals.first().map(|v| v.dims()).unwrap_or_default();
                let len = dims.len();
                let slot = self.temp(vec![len], true, false);
                for (i, d) in dims.iter().enumerate() {
                    out.push(Stmt::SetI(Place::at(slot, i), IExpr::Const(*d as i64)));
                }
                Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: int_array(1),
                    dims: vec![len],
                })
            }
            "diagonal"
            | "col"
            | "row"
            | "block"
            | "sub_col"
            | "sub_row"
            | "transpose"
            | "symmetrize_from_lower_tri" => {
                let Some(Val::Run(a)) = vals.first() else {
                    return Ok(None);
                };
                let a = a.clone();
                let (rows, cols) = match a.dims.as_slice() {
                    [r, c] if a.ty.base == BaseType::Matrix => (*r, *c),
                    [k] if a.ty.base == BaseType::RowVector => (1, *k),
                    [k] => (*k, 1),
                    _ => return Ok(None),
                };
                let mut ints = Vec::new();
                for i in 1..args.len() {
                    ints.push(const_arg(self, i)?);
                }
                let check =
                    |lo: i64, count: i64, max: usize, what: &str| -> Result<(), LowerError> {
                        if lo < 1 || count < 0 || lo - 1 + count > max as i64 {
                            return Err(LowerError::new(
                                e.span,
                                format!(
                                    "{n}: the {what} {lo}..{} are outside 1..{max}",
                                    lo - 1 + count
                                ),
                            ));
                        }
                        Ok(())
                    };
                // (result dims, (row, col) of result element (i, j) in `a`)
                let (dims, r0, c0, transpose): (Vec<usize>, i64, i64, bool) = match n {
                    "diagonal" => (vec![rows.min(cols)], 0, 0, false),
                    "symmetrize_from_lower_tri" => {
                        if rows != cols {
                            return Err(LowerError::new(
                                e.span,
                                format!(
                                    "{n}: the matrix must be square, but it is {rows} x {cols}"
                                ),
                            ));
                        }
                        (vec![rows, cols], 0, 0, false)
                    }
                    "col" => {
                        check(ints[0], 1, cols, "columns")?;
                        (vec![rows], 0, ints[0] - 1, false)
                    }
                    "row" => {
                        check(ints[0], 1, rows, "rows")?;
                        (vec![cols], ints[0] - 1, 0, false)
                    }
                    "block" => {
                        check(ints[0], ints[2], rows, "rows")?;
                        check(ints[1], ints[3], cols, "columns")?;
                        (
                            vec![ints[2] as usize, ints[3] as usize],
                            ints[0] - 1,
                            ints[1] - 1,
                            false,
                        )
                    }
                    "sub_col" => {
                        check(ints[0], ints[2], rows, "rows")?;
                        check(ints[1], 1, cols, "columns")?;
                        (vec![ints[2] as usize], ints[0] - 1, ints[1] - 1, false)
                    }
                    "sub_row" => {
                        check(ints[0], 1, rows, "rows")?;
                        check(ints[1], ints[2], cols, "columns")?;
                        (vec![ints[2] as usize], ints[0] - 1, ints[1] - 1, false)
                    }
                    _ => (
                        if a.dims.len() == 2 {
                            vec![cols, rows]
                        } else {
                            a.dims.clone()
                        },
                        0,
                        0,
                        true,
                    ),
                };
                let len: usize = dims.iter().product();
                let out_rows = if dims.len() == 2 { dims[0] } else { len };
                let ty = result_ty;
                let rows_i = rows as i64;
                self.elementwise(ty, dims, active, out, move |k| {
                    // Element k of the result, as (i, j) in the result.
                    let i = IExpr::Bin(
                        IBinOp::Mod,
                        Box::new(k.clone()),
                        Box::new(IExpr::Const(out_rows as i64)),
                    );
                    let j = IExpr::Bin(
                        IBinOp::Div,
                        Box::new(k.clone()),
                        Box::new(IExpr::Const(out_rows as i64)),
                    );
                    let (r, c) = match n {
                        "diagonal" => (k.clone(), k.clone()),
                        "col" | "sub_col" => (add(k.clone(), IExpr::Const(r0)), IExpr::Const(c0)),
                        "row" => (IExpr::Const(r0), k.clone()),
                        "sub_row" => (IExpr::Const(r0), add(k.clone(), IExpr::Const(c0))),
                        "block" => (add(i, IExpr::Const(r0)), add(j, IExpr::Const(c0))),
                        // The lower triangle, read for both halves.
                        "symmetrize_from_lower_tri" => {
                            let below =
                                IExpr::CmpI(CmpOp::Gt, Box::new(i.clone()), Box::new(j.clone()));
                            (
                                IExpr::Select(
                                    Box::new(below.clone()),
                                    Box::new(i.clone()),
                                    Box::new(j.clone()),
                                ),
                                IExpr::Select(Box::new(below), Box::new(j), Box::new(i)),
                            )
                        }
                        _ if transpose => (j, i),
                        _ => (i, j),
                    };
                    let flat = add(
                        r,
                        IExpr::Bin(IBinOp::Mul, Box::new(c), Box::new(IExpr::Const(rows_i))),
                    );
                    a.real(flat)
                })?
            }
            "reverse" => {
                let Some(Val::Run(a)) = vals.first() else {
                    return Ok(None);
                };
                let a = a.clone();
                let outer = a.dims.first().copied().unwrap_or(0);
                let len = a.len();
                let inner = len.checked_div(outer).unwrap_or(0);
                if a.is_int() {
                    let slot = self.temp(a.dims.clone(), true, false);
                    self.for_each_index(len, out, |_, k, body| {
                        body.push(Stmt::SetI(
                            Place {
                                slot,
                                index: k.clone(),
                            },
                            a.int(reversed_index(&k, outer, inner)),
                        ));
                        Ok(())
                    })?;
                    Val::Run(Run {
                        slot,
                        offset: IExpr::Const(0),
                        ty: a.ty,
                        dims: a.dims.clone(),
                    })
                } else {
                    let dims = a.dims.clone();
                    self.elementwise(a.ty, dims, active, out, move |k| {
                        a.real(reversed_index(k, outer, inner))
                    })?
                }
            }
            "norm1" | "norm2" => {
                let Some(Val::Run(a)) = vals.first() else {
                    return Ok(None);
                };
                let a = a.clone();
                let len = a.len();
                let terms =
                    self.elementwise(UnsizedType::VECTOR, vec![len], active, out, move |k| {
                        if n == "norm1" {
                            call1(ScalarFn::Abs, a.real(k.clone()))
                        } else {
                            let x = a.real(k.clone());
                            rbin(RBinOp::Mul, x.clone(), x)
                        }
                    })?;
                let Val::Run(terms) = terms else {
                    return Ok(None);
                };
                let s = self
                    .real_reduction("sum", &terms, active, out)?
                    .as_real()
                    .unwrap_or(RExpr::Const(f64::NAN));
                Val::Real(if n == "norm2" {
                    call1(ScalarFn::Sqrt, s)
                } else {
                    s
                })
            }
            "rows_dot_product" | "columns_dot_product" | "rows_dot_self" | "columns_dot_self" => {
                let Some(Val::Run(a)) = vals.first() else {
                    return Ok(None);
                };
                let b = match vals.get(1) {
                    Some(Val::Run(b)) => b.clone(),
                    _ => a.clone(),
                };
                let a = a.clone();
                let (rows, cols) = match a.dims.as_slice() {
                    [r, c] if a.ty.base == BaseType::Matrix => (*r, *c),
                    [k] if a.ty.base == BaseType::RowVector => (1, *k),
                    [k] => (*k, 1),
                    _ => return Ok(None),
                };
                let by_rows = n.starts_with("rows");
                let (count, inner) = if by_rows { (rows, cols) } else { (cols, rows) };
                let slot = self.temp(vec![count], false, active);
                for g in 0..count {
                    let acc = Place::at(slot, g);
                    out.push(Stmt::SetR(acc.clone(), RExpr::Const(0.0)));
                    let (a2, b2) = (a.clone(), b.clone());
                    self.for_each_index(inner, out, |_, k, body| {
                        let flat = if by_rows {
                            add(
                                IExpr::Const(g as i64),
                                IExpr::Bin(
                                    IBinOp::Mul,
                                    Box::new(k),
                                    Box::new(IExpr::Const(rows as i64)),
                                ),
                            )
                        } else {
                            add(k, IExpr::Const((g * rows) as i64))
                        };
                        body.push(Stmt::SetR(
                            acc.clone(),
                            rbin(
                                RBinOp::Add,
                                RExpr::Load(Box::new(acc.clone())),
                                rbin(RBinOp::Mul, a2.real(flat.clone()), b2.real(flat)),
                            ),
                        ));
                        Ok(())
                    })?;
                }
                Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: vec![count],
                })
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }
}

/// Index of element `k` of a container whose outermost dimension (`outer`
/// entries of `inner` elements each) is reversed.
fn reversed_index(k: &IExpr, outer: usize, inner: usize) -> IExpr {
    let inner_i = inner.max(1) as i64;
    let o = IExpr::Bin(
        IBinOp::Div,
        Box::new(k.clone()),
        Box::new(IExpr::Const(inner_i)),
    );
    let r = IExpr::Bin(
        IBinOp::Mod,
        Box::new(k.clone()),
        Box::new(IExpr::Const(inner_i)),
    );
    let flipped = IExpr::Bin(
        IBinOp::Sub,
        Box::new(IExpr::Const(outer as i64 - 1)),
        Box::new(o),
    );
    add(
        IExpr::Bin(
            IBinOp::Mul,
            Box::new(flipped),
            Box::new(IExpr::Const(inner_i)),
        ),
        r,
    )
}

/// A one-element result of a kernel as a scalar when the result type is one.
pub(super) fn scalar_if_empty(v: Val, dims: &[usize]) -> Val {
    match (v, dims.is_empty()) {
        (Val::Run(r), true) => Val::Real(r.real(IExpr::Const(0))),
        (v, _) => v,
    }
}

/// `k / c` and `k % c` for a loop index and a positive constant.
fn idiv(k: &IExpr, c: usize) -> IExpr {
    IExpr::Bin(
        IBinOp::Div,
        Box::new(k.clone()),
        Box::new(IExpr::Const(c.max(1) as i64)),
    )
}

pub(super) fn irem(k: &IExpr, c: usize) -> IExpr {
    IExpr::Bin(
        IBinOp::Mod,
        Box::new(k.clone()),
        Box::new(IExpr::Const(c.max(1) as i64)),
    )
}

/// `choose(n, k)`: `round(exp(lchoose(n, k)))` for `0 <= k <= n`, else 0.
pub(super) fn choose_expr(a: IExpr, b: IExpr) -> IExpr {
    let l = RExpr::Call(
        ScalarFn::Lchoose,
        vec![
            RExpr::FromInt(Box::new(a.clone())),
            RExpr::FromInt(Box::new(b.clone())),
        ],
    );
    let v = IExpr::FromReal(Box::new(call1(ScalarFn::Round, call1(ScalarFn::Exp, l))));
    let inside = IExpr::Bin(
        IBinOp::And,
        Box::new(IExpr::CmpI(
            CmpOp::Ge,
            Box::new(b.clone()),
            Box::new(IExpr::Const(0)),
        )),
        Box::new(IExpr::CmpI(CmpOp::Le, Box::new(b), Box::new(a))),
    );
    IExpr::Select(Box::new(inside), Box::new(v), Box::new(IExpr::Const(0)))
}

/// (rows, cols) of a vector (a column), row vector (a row) or matrix.
fn matrix_shape(r: &Run) -> (usize, usize) {
    match (r.ty.base, r.dims.as_slice()) {
        (BaseType::Matrix, [a, b]) => (*a, *b),
        (BaseType::RowVector, [k]) => (1, *k),
        (_, [k]) => (*k, 1),
        _ => (1, 1),
    }
}

/// Where element `k` of a piece goes in the result.
type Placement = Box<dyn Fn(&IExpr) -> IExpr>;

impl<'a> Lowering<'a> {
    /// A new container of `dims` filled from `pieces`: element `k` of each piece
    /// (in storage order) goes to index `place(k)`; reals become ints by truncation.
    fn gather(
        &mut self,
        ty: UnsizedType,
        dims: Vec<usize>,
        active: bool,
        pieces: Vec<(Run, Placement)>,
        out: &mut Vec<Stmt>,
    ) -> Result<Val, LowerError> {
        let int = ty.base == BaseType::Int;
        let slot = self.temp(dims.clone(), int, active && !int);
        for (src, place) in pieces {
            let n = src.len();
            self.for_each_index(n, out, |_, k, body| {
                let dst = Place {
                    slot,
                    index: place(&k),
                };
                body.push(match (int, src.is_int()) {
                    (true, true) => Stmt::SetI(dst, src.int(k)),
                    (true, false) => Stmt::SetI(dst, IExpr::FromReal(Box::new(src.real(k)))),
                    (false, _) => Stmt::SetR(dst, src.real(k)),
                });
                Ok(())
            })?;
        }
        Ok(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        }))
    }

    /// A size mismatch found while lowering: as in Stan, an error when the call
    /// runs (it may sit in a branch never taken). The result is a placeholder.
    fn size_mismatch(
        &mut self,
        span: crate::syntax::ast::Span,
        text: String,
        ty: UnsizedType,
        dims: Vec<usize>,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let msg = self.msg(span, "the sizes do not match");
        out.push(Stmt::Reject {
            msg,
            parts: vec![PrintPart::Text(text)],
        });
        let int = ty.base == BaseType::Int;
        let slot = self.temp(dims.clone(), int, false);
        Ok(Some(Val::Run(Run {
            slot,
            offset: IExpr::Const(0),
            ty,
            dims,
        })))
    }

    /// Reshaping and joining: to_matrix (every form), to_array_2d, to_int,
    /// append_array, append_row/append_col with a matrix result; and the
    /// element-wise forms of choose, log_sum_exp(real, container).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_reshape(
        &mut self,
        e: &Expr,
        n: &str,
        args: &[Expr],
        vals: &[Val],
        result_ty: UnsizedType,
        active: bool,
        out: &mut Vec<Stmt>,
    ) -> Result<Option<Val>, LowerError> {
        let run = |i: usize| match vals.get(i) {
            Some(Val::Run(r)) => Some(r.clone()),
            _ => None,
        };
        let identity = || -> Placement { Box::new(|k: &IExpr| k.clone()) };
        let shifted = |by: usize| -> Placement {
            Box::new(move |k: &IExpr| add(k.clone(), IExpr::Const(by as i64)))
        };
        // Row-major (`m` x `cols`) source element k to its column-major place in an `m`-row matrix.
        let row_major = |m: usize, cols: usize| -> Placement {
            Box::new(move |k: &IExpr| add(idiv(k, cols), mul(irem(k, cols), m as i64)))
        };
        match (n, vals) {
            ("to_matrix", [Val::Run(a)]) => {
                let a = a.clone();
                if a.ty.array_dims == 0 {
                    let (r, c) = matrix_shape(&a);
                    return Ok(Some(Val::Run(Run {
                        ty: MATRIX,
                        dims: vec![r, c],
                        ..a
                    })));
                }
                // array[,] real/int, array[] row_vector: a[i][j] is row i, column j.
                let (m, c) = match a.dims.as_slice() {
                    [m, c] => (*m, *c),
                    _ => return Ok(None),
                };
                self.gather(MATRIX, vec![m, c], active, vec![(a, row_major(m, c))], out)
                    .map(Some)
            }
            ("to_matrix", [Val::Run(a), _, _, ..]) => {
                let a = a.clone();
                let m = self.const_size(&args[1])?;
                let c = self.const_size(&args[2])?;
                if m * c != a.len() {
                    let text = format!(
                        "to_matrix: {m} x {c} = {} elements asked of a container of {}",
                        m * c,
                        a.len()
                    );
                    return self.size_mismatch(e.span, text, MATRIX, vec![m, c], out);
                }
                let col_major = match args.get(3) {
                    Some(flag) => self.const_int(flag)? != 0,
                    None => true,
                };
                if col_major && !a.is_int() {
                    // The same storage order: a view.
                    return Ok(Some(Val::Run(Run {
                        ty: MATRIX,
                        dims: vec![m, c],
                        ..a
                    })));
                }
                let place = if col_major {
                    identity()
                } else {
                    row_major(m, c)
                };
                self.gather(MATRIX, vec![m, c], active, vec![(a, place)], out)
                    .map(Some)
            }
            ("to_array_2d", [Val::Run(a)]) => {
                let (r, c) = matrix_shape(a);
                // Column-major element k is (k % r, k / r), stored at row-major i * c + j.
                let place: Placement =
                    Box::new(move |k: &IExpr| add(mul(irem(k, r), c as i64), idiv(k, r)));
                self.gather(result_ty, vec![r, c], active, vec![(a.clone(), place)], out)
                    .map(Some)
            }
            ("to_int", [Val::Int(i)]) => Ok(Some(Val::Int(i.clone()))),
            ("to_int", [Val::Run(a)]) if a.is_int() => Ok(Some(Val::Run(a.clone()))),
            ("to_int", [x]) => {
                // Truncation toward zero; as in Stan, NaN or a value outside
                // the range of a 32-bit int is an error.
                let msg = self.msg(e.span, "to_int: the value is outside the range of int");
                let x = x.clone();
                let dims = x.dims();
                let len: usize = dims.iter().product::<usize>().max(1);
                let slot = self.temp(dims.clone(), true, false);
                self.for_each_index(len, out, |_, k, body| {
                    let v = x.elem_real(&k);
                    let inside = IExpr::Bin(
                        IBinOp::And,
                        Box::new(IExpr::CmpR(
                            CmpOp::Ge,
                            Box::new(v.clone()),
                            Box::new(RExpr::Const(-2147483648.0)),
                        )),
                        Box::new(IExpr::CmpR(
                            CmpOp::Lt,
                            Box::new(v.clone()),
                            Box::new(RExpr::Const(2147483648.0)),
                        )),
                    );
                    body.push(Stmt::If {
                        cond: IExpr::Not(Box::new(inside)),
                        then: vec![Stmt::Reject {
                            msg,
                            parts: vec![
                                PrintPart::Text("to_int: ".into()),
                                PrintPart::Real(v.clone()),
                                PrintPart::Text(" is outside the range of int".into()),
                            ],
                        }],
                        otherwise: vec![],
                    });
                    body.push(Stmt::SetI(
                        Place {
                            slot,
                            index: k.clone(),
                        },
                        IExpr::FromReal(Box::new(v)),
                    ));
                    Ok(())
                })?;
                let run = Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims: dims.clone(),
                };
                Ok(Some(if dims.is_empty() {
                    Val::Int(run.int(IExpr::Const(0)))
                } else {
                    Val::Run(run)
                }))
            }
            ("append_array", [Val::Run(a), Val::Run(b)]) => {
                let mut dims = a.dims.clone();
                dims[0] += b.dims[0];
                if a.dims.get(1..) != b.dims.get(1..) {
                    let text = format!(
                        "append_array: the elements' sizes differ ({:?} and {:?})",
                        &a.dims[1.min(a.dims.len())..],
                        &b.dims[1.min(b.dims.len())..]
                    );
                    return self.size_mismatch(e.span, text, result_ty, dims, out);
                }
                let pieces = vec![(a.clone(), identity()), (b.clone(), shifted(a.len()))];
                self.gather(result_ty, dims, active, pieces, out).map(Some)
            }
            ("append_row" | "append_col", [Val::Run(a), Val::Run(b)])
                if result_ty.base == BaseType::Matrix =>
            {
                let (ra, ca) = matrix_shape(a);
                let (rb, cb) = matrix_shape(b);
                if n == "append_col" {
                    if ra != rb {
                        let text = format!("append_col: the row counts differ ({ra} and {rb})");
                        return self.size_mismatch(e.span, text, MATRIX, vec![ra, ca + cb], out);
                    }
                    // Column-major storage: the columns of b follow those of a.
                    let pieces = vec![(a.clone(), identity()), (b.clone(), shifted(a.len()))];
                    return self
                        .gather(MATRIX, vec![ra, ca + cb], active, pieces, out)
                        .map(Some);
                }
                if ca != cb {
                    let text = format!("append_row: the column counts differ ({ca} and {cb})");
                    return self.size_mismatch(e.span, text, MATRIX, vec![ra + rb, ca], out);
                }
                let rows = ra + rb;
                let into = move |r: usize, skip: usize| -> Placement {
                    Box::new(move |k: &IExpr| {
                        add(
                            add(irem(k, r), IExpr::Const(skip as i64)),
                            mul(idiv(k, r), rows as i64),
                        )
                    })
                };
                let pieces = vec![(a.clone(), into(ra, 0)), (b.clone(), into(rb, ra))];
                self.gather(MATRIX, vec![rows, ca], active, pieces, out)
                    .map(Some)
            }
            ("choose", [x, y]) if run(0).is_some() || run(1).is_some() => {
                let dims = run(0).or(run(1)).map(|r| r.dims).unwrap_or_default();
                let len: usize = dims.iter().product();
                let slot = self.temp(dims.clone(), true, false);
                let elem = |v: &Val, k: &IExpr| match v {
                    Val::Run(r) => r.int(k.clone()),
                    Val::Int(i) => i.clone(),
                    other => IExpr::FromReal(Box::new(other.elem_real(k))),
                };
                let (x, y) = (x.clone(), y.clone());
                self.for_each_index(len, out, |_, k, body| {
                    body.push(Stmt::SetI(
                        Place {
                            slot,
                            index: k.clone(),
                        },
                        choose_expr(elem(&x, &k), elem(&y, &k)),
                    ));
                    Ok(())
                })?;
                Ok(Some(Val::Run(Run {
                    slot,
                    offset: IExpr::Const(0),
                    ty: result_ty,
                    dims,
                })))
            }
            ("log_sum_exp", [x, y]) if run(0).is_some() || run(1).is_some() => {
                let dims = run(0).or(run(1)).map(|r| r.dims).unwrap_or_default();
                let (x, y) = (x.clone(), y.clone());
                self.elementwise(result_ty, dims, active, out, move |k| {
                    RExpr::Call(ScalarFn::LogSumExp2, vec![x.elem_real(k), y.elem_real(k)])
                })
                .map(Some)
            }
            _ => Ok(None),
        }
    }
}

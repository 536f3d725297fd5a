//! Checks a data file's values against the model's data block and lays them out for the generated code.
//!
//! The compiler does no IO: the CLI reads the file (with `runtime::data_json`)
//! and hands [`check_data`] a [`DataInput`], a plain tree of values. The
//! declarations are walked in order; sizes and bounds are evaluated from the
//! data read so far; each variable is checked for presence, type, shape,
//! bounds and its constrained type; and the values are flattened into a
//! [`DataEnv`] in the fixed order the code generator relies on:
//!
//! - array dimensions outermost first (row-major over array indices);
//! - inside each array element, vector and row_vector elements in order, and
//!   matrix elements column-major (as Stan and Eigen store them).
//!
//! Each variable gets at most one error (its first problem), and a variable
//! whose size depends on a bad variable is skipped rather than reported again.

// An error is built at most once per variable, so its size does not matter.
#![allow(clippy::result_large_err)]

mod constraints;
mod error;
mod eval;

pub use error::{data_file_diagnostic, BoundSide, DataError, SizeNote};

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::syntax::ast::{BlockKind, Bounds, DeclType, Expr, Program, Span, StmtKind, TypeKind};
use eval::{EvalError, Num, Scope};
use std::collections::{HashMap, HashSet};

/// One value of a data file, as read from JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum DataValue {
    /// A number written as an integer literal.
    Int(i64),
    /// An integer literal outside `i64`'s range, as written.
    BigInt(String),
    /// A number written with a `.` or exponent, or an infinity or NaN.
    Real(f64),
    Array(Vec<DataValue>),
    /// Anything else, described for messages: `the string "abc"`, `true`, `null`, `an object`.
    Other(String),
}

/// One top-level variable of a data file.
#[derive(Debug, Clone, PartialEq)]
pub struct InputVariable {
    pub name: String,
    pub value: DataValue,
    /// 1-based line of the variable in the file, 0 if unknown.
    pub line: usize,
}

/// A data file's contents, handed to [`check_data`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataInput {
    /// The file's name as the user gave it (used in messages).
    pub file_name: String,
    pub variables: Vec<InputVariable>,
}

/// Flattened values of one data variable.
#[derive(Debug, Clone, PartialEq)]
pub enum DataValues {
    Int(Vec<i64>),
    Real(Vec<f64>),
}

impl DataValues {
    pub fn len(&self) -> usize {
        match self {
            DataValues::Int(v) => v.len(),
            DataValues::Real(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One data variable, checked and laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct DataVar {
    pub name: String,
    /// The declared base type (`vector` for `array[N] vector[K]`).
    pub kind: TypeKind,
    /// The resolved `array[...]` sizes, outermost first.
    pub array_dims: Vec<usize>,
    /// The sizes of one element: `[]` for int and real, `[n]` for vector-like
    /// types (row_vector included), `[rows, cols]` for matrix-like types.
    pub elem_dims: Vec<usize>,
    /// Array-major, then vector order or matrix column-major (see the module doc).
    pub values: DataValues,
    /// The declaration in the model source.
    pub decl_span: Span,
}

impl DataVar {
    /// Number of values in one array element.
    pub fn elem_len(&self) -> usize {
        saturating_product(&self.elem_dims)
    }
    fn scalar(&self, flat: usize) -> Num {
        match &self.values {
            DataValues::Int(v) => Num::Int(v[flat]),
            DataValues::Real(v) => Num::Real(v[flat]),
        }
    }
    fn kind_is_row_vector(&self) -> bool {
        self.kind == TypeKind::RowVector
    }
}

/// Every data variable, in declaration order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataEnv {
    pub vars: Vec<DataVar>,
}

impl DataEnv {
    pub fn get(&self, name: &str) -> Option<&DataVar> {
        self.vars.iter().find(|v| v.name == name)
    }
}

/// The result of checking a data file: the variables that passed, and every problem found.
#[derive(Debug, Clone, PartialEq)]
pub struct DataCheck {
    /// Complete when there are no errors.
    pub env: DataEnv,
    pub errors: Vec<DataError>,
    /// The data file's name, for messages.
    pub file_name: String,
}

impl DataCheck {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(|e| !e.is_warning())
    }
    /// The errors and warnings as diagnostics, to be rendered against the model source.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.errors
            .iter()
            .map(|e| e.to_diagnostic(&self.file_name))
            .collect()
    }
}

/// Checks `input` (or its absence) against the data block of a program that
/// passed the front end, and lays the values out for the generated code.
pub fn check_data(program: &Program, input: Option<&DataInput>) -> DataCheck {
    let decls: Vec<(&DeclType, &str, Span, Span)> = program
        .stmts(BlockKind::Data)
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::Decl { ty, name, .. } => Some((ty, name.name.as_str(), name.span, stmt.span)),
            _ => None,
        })
        .collect();
    let header_span = program.block(BlockKind::Data).map(|b| b.header_span);
    let mut result = DataCheck {
        env: DataEnv::default(),
        errors: Vec::new(),
        file_name: input.map_or_else(|| "the data file".to_string(), |i| i.file_name.clone()),
    };
    let Some(input) = input else {
        if !decls.is_empty() {
            result.errors.push(DataError::NeedsDataFile {
                header_span: header_span.unwrap_or_default(),
                names: decls.iter().map(|d| d.1.to_string()).collect(),
            });
        }
        return result;
    };
    let mut checker = Checker {
        input,
        env: DataEnv::default(),
        index: HashMap::new(),
        failed: HashSet::new(),
        errors: Vec::new(),
    };
    for &(ty, name, _, decl_span) in &decls {
        match checker.declaration(ty, name, decl_span) {
            Ok(var) => {
                checker
                    .index
                    .insert(name.to_string(), checker.env.vars.len());
                checker.env.vars.push(var);
            }
            Err(error) => {
                checker.failed.insert(name.to_string());
                if let Some(error) = error {
                    checker.errors.push(error);
                }
            }
        }
    }
    let declared: HashSet<&str> = decls.iter().map(|d| d.1).collect();
    let unknown: Vec<String> = input
        .variables
        .iter()
        .filter(|v| !declared.contains(v.name.as_str()))
        .map(|v| v.name.clone())
        .collect();
    if !unknown.is_empty() {
        checker.errors.push(DataError::UnknownVariables {
            names: unknown,
            header_span,
        });
    }
    result.env = checker.env;
    result.errors = checker.errors;
    result
}

struct Checker<'a> {
    input: &'a DataInput,
    env: DataEnv,
    index: HashMap<String, usize>,
    failed: HashSet<String>,
    errors: Vec<DataError>,
}

/// A leaf found by the shape walk, with its position in JSON (row-major) order.
type Leaves<'v> = Vec<&'v DataValue>;

impl Checker<'_> {
    fn scope(&self) -> Scope<'_> {
        Scope {
            vars: &self.env.vars,
            index: &self.index,
            failed: &self.failed,
        }
    }

    /// Evaluates a size or bound; `Err(None)` when it depends on data already reported.
    fn eval(&self, expr: &Expr, name: &str, decl_span: Span) -> Result<Num, Option<DataError>> {
        self.scope().eval(expr).map_err(|e| match e {
            EvalError::DependsOnBadData => None,
            EvalError::Unsupported(what, span) => Some(DataError::UnsupportedExpr {
                name: name.to_string(),
                what,
                span,
                decl_span,
            }),
            EvalError::Failed(message, span) => Some(DataError::EvalFailed {
                name: name.to_string(),
                message,
                span,
                decl_span,
            }),
        })
    }

    fn size(&self, expr: &Expr, name: &str, decl_span: Span) -> Result<usize, Option<DataError>> {
        match self.eval(expr, name, decl_span)? {
            Num::Int(n) if n < 0 => Err(Some(DataError::NegativeSize {
                name: name.to_string(),
                value: n,
                size_span: expr.span,
                decl_span,
            })),
            Num::Int(n) => usize::try_from(n).map_err(|_| {
                Some(DataError::EvalFailed {
                    name: name.to_string(),
                    message: "this size is too large".into(),
                    span: expr.span,
                    decl_span,
                })
            }),
            Num::Real(_) => Err(Some(DataError::EvalFailed {
                name: name.to_string(),
                message: "a size must be an int".into(),
                span: expr.span,
                decl_span,
            })),
        }
    }

    /// Checks one declaration. `Err(None)`: skipped because it depends on a bad variable.
    fn declaration(
        &self,
        ty: &DeclType,
        name: &str,
        decl_span: Span,
    ) -> Result<DataVar, Option<DataError>> {
        // Sizes, in the order the JSON nests them, each with the expression that gave it.
        let mut array_dims = Vec::new();
        let mut json_dims: Vec<(usize, Span)> = Vec::new();
        for expr in &ty.array_dims {
            let n = self.size(expr, name, decl_span)?;
            array_dims.push(n);
            json_dims.push((n, expr.span));
        }
        let mut sizes = Vec::new();
        for expr in &ty.sizes {
            sizes.push((self.size(expr, name, decl_span)?, expr.span));
        }
        let elem: Vec<(usize, Span)> = match (ty.kind, sizes.as_slice()) {
            (TypeKind::Int | TypeKind::Real, []) => vec![],
            (
                TypeKind::CovMatrix
                | TypeKind::CorrMatrix
                | TypeKind::CholeskyFactorCorr
                | TypeKind::CholeskyFactorCov,
                [k],
            ) => vec![*k, *k],
            (
                TypeKind::Matrix
                | TypeKind::CholeskyFactorCov
                | TypeKind::ColumnStochasticMatrix
                | TypeKind::RowStochasticMatrix,
                [r, c],
            ) => vec![*r, *c],
            (
                TypeKind::Vector
                | TypeKind::RowVector
                | TypeKind::Simplex
                | TypeKind::UnitVector
                | TypeKind::SumToZeroVector
                | TypeKind::Ordered
                | TypeKind::PositiveOrdered,
                [n],
            ) => vec![*n],
            _ => {
                return Err(Some(DataError::UnsupportedExpr {
                    name: name.to_string(),
                    what: format!("`{}` with {} sizes", ty.kind.keyword(), sizes.len()),
                    span: ty.span,
                    decl_span,
                }))
            }
        };
        let elem_dims: Vec<usize> = elem.iter().map(|e| e.0).collect();
        json_dims.extend(elem.iter().copied());

        let lower_upper = match &ty.bounds {
            Bounds::LowerUpper { lower, upper } => {
                let eval_bound =
                    |e: &Option<Expr>| -> Result<Option<(Num, Span)>, Option<DataError>> {
                        match e {
                            Some(e) => Ok(Some((self.eval(e, name, decl_span)?, e.span))),
                            None => Ok(None),
                        }
                    };
                (eval_bound(lower)?, eval_bound(upper)?)
            }
            _ => (None, None),
        };

        let Some(entry) = self.input.variables.iter().find(|v| v.name == name) else {
            let candidates = self
                .input
                .variables
                .iter()
                .map(|v| v.name.as_str())
                .filter(|n| !self.index.contains_key(*n));
            return Err(Some(DataError::Missing {
                name: name.to_string(),
                decl_span,
                suggestion: did_you_mean(name, candidates),
            }));
        };
        let line = entry.line;
        let is_int = ty.kind == TypeKind::Int;
        let is_matrix = elem_dims.len() == 2;

        // Shape.
        let mut leaves: Leaves = Vec::new();
        let mut path = Vec::new();
        if let Err(problem) = collect(&entry.value, &json_dims, is_int, &mut path, &mut leaves) {
            let depth = problem.path.len();
            return Err(Some(DataError::WrongShape {
                name: indexed_name(name, &problem.path),
                expected: problem.expected,
                found: problem.found,
                lengths: problem.lengths,
                is_matrix: is_matrix && depth >= array_dims.len(),
                size: json_dims
                    .get(depth)
                    .map(|&(value, span)| SizeNote { span, value }),
                decl_span,
                line,
            }));
        }

        // Values, in JSON order.
        let full_dims: Vec<usize> = json_dims.iter().map(|d| d.0).collect();
        let leaf_name = |p: usize| indexed_name(name, &unravel(p, &full_dims));
        let values = if is_int {
            let mut out = Vec::with_capacity(leaves.len());
            for (p, leaf) in leaves.iter().enumerate() {
                match leaf {
                    DataValue::Int(i) => out.push(*i),
                    DataValue::Real(x) => {
                        return Err(Some(DataError::NotAnInt {
                            name: leaf_name(p),
                            value: format_real(*x),
                            decl_span,
                            line,
                        }))
                    }
                    DataValue::BigInt(text) => {
                        return Err(Some(DataError::IntTooLarge {
                            name: leaf_name(p),
                            text: text.clone(),
                            decl_span,
                            line,
                        }))
                    }
                    DataValue::Other(found) => {
                        return Err(Some(DataError::NotANumber {
                            name: leaf_name(p),
                            found: found.clone(),
                            decl_span,
                            line,
                        }))
                    }
                    DataValue::Array(_) => {
                        return Err(Some(not_a_number(leaf_name(p), decl_span, line)))
                    }
                }
            }
            DataValues::Int(out)
        } else {
            let mut out = Vec::with_capacity(leaves.len());
            for (p, leaf) in leaves.iter().enumerate() {
                match leaf {
                    DataValue::Int(i) => out.push(*i as f64),
                    DataValue::Real(x) => out.push(*x),
                    DataValue::BigInt(text) => out.push(text.parse::<f64>().unwrap_or(f64::NAN)),
                    DataValue::Other(found) => {
                        return Err(Some(DataError::NotANumber {
                            name: leaf_name(p),
                            found: found.clone(),
                            decl_span,
                            line,
                        }))
                    }
                    DataValue::Array(_) => {
                        return Err(Some(not_a_number(leaf_name(p), decl_span, line)))
                    }
                }
            }
            DataValues::Real(out)
        };

        // Bounds, reported at the first value outside them.
        let (lower, upper) = lower_upper;
        let as_num = |p: usize| match &values {
            DataValues::Int(v) => Num::Int(v[p]),
            DataValues::Real(v) => Num::Real(v[p]),
        };
        let mut first_violation: Option<DataError> = None;
        let mut n_violations = 0usize;
        for p in 0..values.len() {
            let value = as_num(p);
            if let Num::Real(x) = value {
                if x.is_nan() {
                    if let Some((_, bound_span)) = lower.or(upper) {
                        return Err(Some(DataError::NanWithBounds {
                            name: leaf_name(p),
                            bound_span,
                            decl_span,
                            line,
                        }));
                    }
                }
            }
            let broken = match (lower, upper) {
                (Some((l, span)), _) if below(value, l) => Some((BoundSide::Lower, l, span)),
                (_, Some((u, span))) if below(u, value) => Some((BoundSide::Upper, u, span)),
                _ => None,
            };
            if let Some((side, bound, bound_span)) = broken {
                n_violations += 1;
                if first_violation.is_none() {
                    first_violation = Some(DataError::OutOfBounds {
                        name: leaf_name(p),
                        value: format_num(value),
                        side,
                        bound: format_num(bound),
                        bound_span,
                        decl_span,
                        line,
                        more: 0,
                    });
                }
            }
        }
        if let Some(mut error) = first_violation {
            if let DataError::OutOfBounds { more, .. } = &mut error {
                *more = n_violations - 1;
            }
            return Err(Some(error));
        }

        // Matrices: JSON gives rows; the layout is column-major.
        let values = if is_matrix {
            let (rows, cols) = (elem_dims[0], elem_dims[1]);
            match values {
                DataValues::Int(v) => DataValues::Int(to_column_major(&v, rows, cols)),
                DataValues::Real(v) => DataValues::Real(to_column_major(&v, rows, cols)),
            }
        } else {
            values
        };

        // Constrained types, one array element at a time.
        if ty.kind.is_constrained() {
            if let DataValues::Real(v) = &values {
                let elem_len = saturating_product(&elem_dims);
                if elem_len > 0 {
                    for (k, element) in v.chunks(elem_len).enumerate() {
                        if let Err(problem) = constraints::check(ty.kind, &elem_dims, element) {
                            return Err(Some(DataError::Constraint {
                                name: indexed_name(name, &unravel(k, &array_dims)),
                                type_name: ty.kind.keyword(),
                                problem,
                                decl_span,
                                line,
                            }));
                        }
                    }
                }
            }
        }

        Ok(DataVar {
            name: name.to_string(),
            kind: ty.kind,
            array_dims,
            elem_dims,
            values,
            decl_span,
        })
    }
}

/// `a < b`, exactly for two ints.
fn below(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(a), Num::Int(b)) => a < b,
        (a, b) => a.as_f64() < b.as_f64(),
    }
}

/// Only for an array among the leaves, which the shape walk never returns.
fn not_a_number(name: String, decl_span: Span, line: usize) -> DataError {
    DataError::NotANumber {
        name,
        found: "an array".into(),
        decl_span,
        line,
    }
}

struct ShapeProblem {
    path: Vec<usize>,
    expected: String,
    found: String,
    lengths: Option<(usize, usize)>,
}

/// Walks `value` against `dims`, gathering the leaves in JSON order.
fn collect<'v>(
    value: &'v DataValue,
    dims: &[(usize, Span)],
    is_int: bool,
    path: &mut Vec<usize>,
    leaves: &mut Leaves<'v>,
) -> Result<(), ShapeProblem> {
    let problem = |path: &Vec<usize>, lengths| ShapeProblem {
        path: path.clone(),
        expected: describe_expected(dims, is_int),
        found: describe_found(value),
        lengths,
    };
    match (dims.split_first(), value) {
        (None, DataValue::Array(_)) => Err(problem(path, None)),
        (None, leaf) => {
            leaves.push(leaf);
            Ok(())
        }
        (Some(((n, _), rest)), DataValue::Array(items)) => {
            if items.len() != *n {
                return Err(problem(path, Some((items.len(), *n))));
            }
            for (i, item) in items.iter().enumerate() {
                path.push(i);
                collect(item, rest, is_int, path, leaves)?;
                path.pop();
            }
            Ok(())
        }
        (Some(_), _) => Err(problem(path, None)),
    }
}

fn describe_expected(dims: &[(usize, Span)], is_int: bool) -> String {
    let leaf_one = if is_int { "an int" } else { "a number" };
    let mut text = String::new();
    for (k, (n, _)) in dims.iter().enumerate() {
        let last = k + 1 == dims.len();
        let noun = match (last, is_int, *n == 1) {
            (false, _, true) => "array",
            (false, _, false) => "arrays",
            (true, true, true) => "int",
            (true, true, false) => "ints",
            (true, false, true) => "number",
            (true, false, false) => "numbers",
        };
        let article = if k == 0 { "an array of " } else { " of " };
        text.push_str(&format!("{article}{n} {noun}"));
    }
    if text.is_empty() {
        leaf_one.to_string()
    } else {
        text
    }
}

fn describe_found(value: &DataValue) -> String {
    match value {
        DataValue::Int(i) => format!("the number {i}"),
        DataValue::BigInt(text) => format!("the number {text}"),
        DataValue::Real(x) => format!("the number {}", format_real(*x)),
        DataValue::Array(items) => format!(
            "an array of {} {}",
            items.len(),
            if items.len() == 1 {
                "element"
            } else {
                "elements"
            }
        ),
        DataValue::Other(text) => text.clone(),
    }
}

/// 0-based flat position -> 0-based indices, row-major over `dims`.
fn unravel(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut indices = vec![0; dims.len()];
    for (k, &d) in dims.iter().enumerate().rev() {
        if d > 0 {
            indices[k] = flat % d;
            flat /= d;
        }
    }
    indices
}

/// `y`, `y[3]`, `y[2, 1]` (1-based, as Stan writes indices).
fn indexed_name(name: &str, path: &[usize]) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        let indices: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
        format!("{name}[{}]", indices.join(", "))
    }
}

/// The product of sizes, saturating: a huge declared size with a zero beside it must not overflow.
pub(super) fn saturating_product(dims: &[usize]) -> usize {
    dims.iter().fold(1usize, |acc, &d| acc.saturating_mul(d))
}

fn to_column_major<T: Copy>(row_major: &[T], rows: usize, cols: usize) -> Vec<T> {
    let elem_len = rows.saturating_mul(cols);
    if elem_len == 0 {
        return row_major.to_vec();
    }
    let mut out = Vec::with_capacity(row_major.len());
    for element in row_major.chunks(elem_len) {
        for j in 0..cols {
            for i in 0..rows {
                out.push(element[i * cols + j]);
            }
        }
    }
    out
}

fn format_real(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else if x.fract() == 0.0 && x.abs() < 1e16 {
        // Keep a real that looks like an int looking like a real: 3.0, not 3.
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn format_num(n: Num) -> String {
    match n {
        Num::Int(i) => i.to_string(),
        Num::Real(x) => format_real(x),
    }
}

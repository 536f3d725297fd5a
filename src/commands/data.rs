//! Reads a CmdStan JSON data file into the compiler's `DataValues`, flattened as the code generator stores them.
//!
//! This is the plain reader; checking every value against the data block's
//! declarations (with diagnostics) is done by the data validator.

use compiler::ir::lower::{DataValues, DataVar};
use compiler::syntax::ast::{BlockKind, Program, StmtKind, TypeKind};
use serde_json::Value;
use std::path::Path;

/// Reads `path` (or nothing, for a model without data) into `DataValues`.
pub fn read(path: Option<&Path>, program: &Program) -> Result<DataValues, String> {
    let mut values = DataValues::default();
    let decls: Vec<(String, TypeKind, bool)> = program
        .stmts(BlockKind::Data)
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Decl { ty, name, .. } => {
                Some((name.name.clone(), ty.kind, ty.kind == TypeKind::Int))
            }
            _ => None,
        })
        .collect();
    if decls.is_empty() {
        return Ok(values);
    }
    let path = path.ok_or("this model has a data block: give its data with --data data.json")?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the data file {}: {e}", path.display()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: invalid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    for (name, kind, is_int) in decls {
        let Some(v) = json.get(&name) else { continue };
        let mut dims = Vec::new();
        shape(v, &mut dims);
        let mut flat = Vec::new();
        flatten(v, &mut flat);
        let matrix = matches!(
            kind,
            TypeKind::Matrix
                | TypeKind::CorrMatrix
                | TypeKind::CovMatrix
                | TypeKind::CholeskyFactorCorr
                | TypeKind::CholeskyFactorCov
        );
        if matrix && dims.len() >= 2 {
            // JSON holds matrices as lists of rows; storage is column-major.
            let (r, c) = (dims[dims.len() - 2], dims[dims.len() - 1]);
            let per = r * c;
            let mut out = flat.clone();
            for block in 0..flat.len() / per.max(1) {
                for i in 0..r {
                    for j in 0..c {
                        out[block * per + i + j * r] = flat[block * per + i * c + j];
                    }
                }
            }
            flat = out;
        }
        let var = if is_int {
            DataVar {
                dims,
                reals: vec![],
                ints: flat.iter().map(|x| *x as i64).collect(),
            }
        } else {
            DataVar {
                dims,
                reals: flat,
                ints: vec![],
            }
        };
        values.vars.insert(name, var);
    }
    Ok(values)
}

fn shape(v: &Value, dims: &mut Vec<usize>) {
    if let Value::Array(items) = v {
        dims.push(items.len());
        if let Some(first) = items.first() {
            shape(first, dims);
        }
    }
}

fn flatten(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => out.push(match s.as_str() {
            "inf" | "+inf" | "Infinity" => f64::INFINITY,
            "-inf" | "-Infinity" => f64::NEG_INFINITY,
            _ => f64::NAN,
        }),
        _ => out.push(f64::NAN),
    }
}

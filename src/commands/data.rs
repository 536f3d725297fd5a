//! Reads a CmdStan JSON data file, checks it against the data block (with diagnostics), and lays it out for the code generator.

use compiler::data::{
    check_data, data_file_diagnostic, DataInput, DataValue, DataValues as CheckedValues,
    InputVariable,
};
use compiler::diagnostics::render;
use compiler::ir::lower::{DataValues, DataVar};
use compiler::syntax::ast::Program;
use runtime::data_json::{read_data_json, JsonValue};
use std::path::Path;

fn to_data_value(value: JsonValue) -> DataValue {
    match value {
        JsonValue::Int(i) => DataValue::Int(i),
        JsonValue::BigInt(text) => DataValue::BigInt(text),
        JsonValue::Real(x) => DataValue::Real(x),
        JsonValue::Array(items) => DataValue::Array(items.into_iter().map(to_data_value).collect()),
        JsonValue::Other(text) => DataValue::Other(text),
    }
}

/// Reads and checks the data. Diagnostics (warnings included) are printed to
/// stderr; an `Err` holds a one-line summary after errors were printed.
pub fn load(
    program: &Program,
    model_name: &str,
    model_source: &str,
    path: Option<&Path>,
    color: bool,
) -> Result<DataValues, String> {
    let (input, data_name) = match path {
        None => (None, String::new()),
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("error: cannot read the data file {name}: {e}"))?;
            let file = match read_data_json(&text) {
                Ok(file) => file,
                Err(e) => {
                    let d = data_file_diagnostic(&e.kind.to_string(), e.line, e.column, e.offset);
                    eprint!("{}", render(&[d], &name, &text, color));
                    return Err(format!("{name}: the data file is not valid JSON"));
                }
            };
            let variables = file
                .variables
                .into_iter()
                .map(|v| InputVariable {
                    name: v.name,
                    value: to_data_value(v.value),
                    line: v.line,
                })
                .collect();
            (
                Some(DataInput {
                    file_name: name.clone(),
                    variables,
                }),
                name,
            )
        }
    };
    let checked = check_data(program, input.as_ref());
    let diagnostics = checked.diagnostics();
    eprint!("{}", render(&diagnostics, model_name, model_source, color));
    if checked.has_errors() {
        let n = diagnostics.iter().filter(|d| d.is_error()).count();
        let what = if data_name.is_empty() {
            "the data".to_string()
        } else {
            data_name
        };
        return Err(format!(
            "{what}: {n} problem{} with the data; nothing was run",
            if n == 1 { "" } else { "s" }
        ));
    }
    let mut values = DataValues::default();
    for var in checked.env.vars {
        let mut dims = var.array_dims.clone();
        dims.extend(var.elem_dims.iter().copied());
        let (reals, ints) = match var.values {
            CheckedValues::Int(v) => (Vec::new(), v),
            CheckedValues::Real(v) => (v, Vec::new()),
        };
        values.vars.insert(var.name, DataVar { dims, reals, ints });
    }
    Ok(values)
}

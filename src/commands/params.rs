//! Reads a point in parameter space from JSON: an unconstrained list (`{"u": [...]}` or `[...]`), or constrained values by name as in a Stan inits file.

use compiler::compiled::{CompiledModel, Evaluator};
use serde_json::Value;
use std::sync::Arc;

/// The unconstrained point a JSON value describes. `source` names the file in messages.
pub fn unconstrained_point(
    model: &Arc<CompiledModel>,
    json: &Value,
    source: &str,
) -> Result<Vec<f64>, String> {
    if let Some(list) = json
        .get("u")
        .or(if json.is_array() { Some(json) } else { None })
    {
        let point: Vec<f64> = list
            .as_array()
            .ok_or_else(|| format!("{source}: \"u\" must be a list of numbers"))?
            .iter()
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    format!("{source}: the unconstrained point must hold only numbers")
                })
            })
            .collect::<Result<_, _>>()?;
        if point.len() != model.n_unconstrained {
            return Err(format!(
                "{source}: the point has {} unconstrained values, but the model has {}",
                point.len(),
                model.n_unconstrained
            ));
        }
        return Ok(point);
    }
    let object = json
        .as_object()
        .ok_or_else(|| format!("{source}: expected an object of parameter values by name"))?;
    let params = &model.outputs[..model.n_parameters];
    let missing: Vec<&str> = params
        .iter()
        .filter(|p| !object.contains_key(&p.name))
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{source}: no value for the parameter{} {}; give every parameter, or use a radius such as --inits 0.5",
            if missing.len() == 1 { "" } else { "s" },
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    let mut constrained = Vec::new();
    for p in params {
        let value = &object[&p.name];
        let mut dims = Vec::new();
        shape(value, &mut dims);
        if dims != p.dims {
            return Err(format!(
                "{source}: `{}` should have dimensions {:?}, but the file gives {:?}",
                p.name, p.dims, dims
            ));
        }
        let mut flat = Vec::new();
        flatten(value, &mut flat)
            .map_err(|what| format!("{source}: `{}` holds {what}, not a number", p.name))?;
        if p.is_matrix && dims.len() >= 2 {
            // JSON lists a matrix's rows; cmod stores it column-major.
            let (r, c) = (dims[dims.len() - 2], dims[dims.len() - 1]);
            let per = r * c;
            let rows = flat.clone();
            for block in 0..rows.len() / per.max(1) {
                for i in 0..r {
                    for j in 0..c {
                        flat[block * per + i + j * r] = rows[block * per + i * c + j];
                    }
                }
            }
        }
        constrained.extend(flat);
    }
    Evaluator::new(model.clone())
        .unconstrain(&constrained)
        .map_err(|e| format!("{source}: {e}"))
}

fn shape(v: &Value, dims: &mut Vec<usize>) {
    if let Value::Array(items) = v {
        dims.push(items.len());
        if let Some(first) = items.first() {
            shape(first, dims);
        }
    }
}

fn flatten(v: &Value, out: &mut Vec<f64>) -> Result<(), String> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| flatten(i, out)),
        Value::Number(n) => {
            out.push(n.as_f64().unwrap_or(f64::NAN));
            Ok(())
        }
        other => Err(other.to_string()),
    }
}

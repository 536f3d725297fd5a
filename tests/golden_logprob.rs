//! Stan's log density and gradient at fixed unconstrained points (../shared/golden/logprob) against ours.
//!
//! Every golden file names its data file and holds points `u` with Stan's
//! `lp_propto_jac`, `lp_full_jac`, `lp_full_nojac` and gradient `grad` (of
//! `lp_propto_jac`). cmod's `~` drops constants exactly as Stan's does and
//! `target +=` keeps them, so our log density equals `lp_propto_jac`; our
//! gradient must equal Stan's to a relative 1e-8. Without the Jacobian, the
//! difference `lp(jacobian) - lp(no jacobian)` must equal Stan's
//! `lp_full_jac - lp_full_nojac`.

#[path = "../src/commands/data.rs"]
#[allow(dead_code)]
mod data;

use compiler::compiled::{compile, CompiledModel, Evaluator, ModelError};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The model source of a golden case: the zoo models from the golden folder,
/// the posteriordb ones from examples/posteriordb/<model>.cmod.
fn model_path(name: &str) -> PathBuf {
    let golden = shared().join("golden/logprob");
    match name.split_once('-') {
        Some((_, model)) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/posteriordb")
            .join(format!("{model}.cmod")),
        None => golden.join(format!("{name}.stan")),
    }
}

/// Compiles the model of a golden case with its data.
pub fn compile_case(name: &str, data_rel: Option<&str>) -> Result<CompiledModel, String> {
    let path = model_path(name);
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let front = compiler::front_end(&source);
    let checked = match (&front.checked, front.has_errors()) {
        (Some(c), false) => c,
        _ => {
            return Err(compiler::diagnostics::render(
                &front.diagnostics,
                name,
                &source,
                false,
            ))
        }
    };
    let data_path = data_rel.map(|d| shared().join("golden/logprob").join(d));
    let data = data::load(
        &front.parsed.program,
        name,
        &source,
        data_path.as_deref(),
        false,
    )?;
    compile(&front.parsed.program, &checked.typed, &source, &data).map_err(|e| match e {
        ModelError::Compile(d) => compiler::diagnostics::render(&[d], name, &source, false),
        ModelError::TransformedData(m) => m,
    })
}

fn golden_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(shared().join("golden/logprob"))
        .expect("golden folder")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.extension()? == "json" && !stem.ends_with(".data")).then_some(stem)
        })
        .collect();
    names.sort();
    names
}

struct Outcome {
    max_grad_rel: f64,
    /// Our log density minus `lp_propto_jac`, relative, at the worst point.
    max_lp_diff: f64,
    /// How much `ours - lp_propto_jac` varies between points, relative.
    lp_offset_spread: f64,
    max_jac_diff: f64,
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

fn run_case(name: &str) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(shared().join(format!("golden/logprob/{name}.json")))
        .map_err(|e| e.to_string())?;
    let golden: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let model = compile_case(name, golden["data"].as_str())?;
    let dim = golden["dim"].as_u64().unwrap_or(0) as usize;
    if model.n_unconstrained != dim {
        return Err(format!(
            "{} unconstrained values, Stan has {dim}",
            model.n_unconstrained
        ));
    }
    let mut ev = Evaluator::new(Arc::new(model));
    let mut out = Outcome {
        max_grad_rel: 0.0,
        max_lp_diff: 0.0,
        lp_offset_spread: 0.0,
        max_jac_diff: 0.0,
    };
    let mut first_offset = None;
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    for point in golden["points"].as_array().into_iter().flatten() {
        let u: Vec<f64> = point["u"].as_array().unwrap().iter().map(num).collect();
        let grad_stan: Vec<f64> = point["grad"].as_array().unwrap().iter().map(num).collect();
        let mut grad = vec![0.0; dim];
        let lp = ev.log_density_gradient(&u, &mut grad, true)?;
        let lp_nojac = ev.log_density(&u, false)?;
        for (g, s) in grad.iter().zip(&grad_stan) {
            out.max_grad_rel = out.max_grad_rel.max(rel(*g, *s));
        }
        let stan_lp = num(&point["lp_propto_jac"]);
        out.max_lp_diff = out.max_lp_diff.max(rel(lp, stan_lp));
        let offset = lp - stan_lp;
        let first = *first_offset.get_or_insert(offset);
        out.lp_offset_spread = out
            .lp_offset_spread
            .max((offset - first).abs() / stan_lp.abs().max(1.0));
        let jac_stan = num(&point["lp_full_jac"]) - num(&point["lp_full_nojac"]);
        // The Jacobian is a difference of two log densities: compare it on their scale.
        let scale = num(&point["lp_full_jac"]).abs().max(1.0);
        out.max_jac_diff = out
            .max_jac_diff
            .max(((lp - lp_nojac) - jac_stan).abs() / scale);
    }
    Ok(out)
}

#[test]
fn every_golden_point_matches_stan() {
    let mut failures = Vec::new();
    let mut table = String::new();
    for name in golden_names() {
        match run_case(&name) {
            Ok(o) => {
                table += &format!(
                    "{name:45} grad {:9.2e}  lp {:9.2e}  lp spread {:9.2e}  jac {:9.2e}\n",
                    o.max_grad_rel, o.max_lp_diff, o.lp_offset_spread, o.max_jac_diff
                );
                // Our lp equals Stan's `lp_propto_jac` exactly, constants
                // that `~` keeps or drops included (e.g. lognormal's).
                let lp_ok = o.max_lp_diff <= 1e-8;
                if !(o.max_grad_rel <= 1e-8 && lp_ok && o.max_jac_diff <= 1e-8) {
                    failures.push(name);
                }
            }
            Err(e) => {
                table += &format!("{name:45} FAILED: {}\n", e.lines().next().unwrap_or(""));
                failures.push(name);
            }
        }
    }
    eprintln!("{table}");
    assert!(failures.is_empty(), "mismatches: {failures:?}\n{table}");
}

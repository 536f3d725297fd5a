//! Programs in the style of the Stan User's Guide against Stan itself: each `tests/stan_programs/NAME.cmod` with its data has Stan's log density (`~` dropping constants, with the Jacobian) and gradient at one unconstrained point in `NAME.stan.json`, made by `bench/stan_points.py`; cmod must give the same.

mod support;

use compiler::compiled::Evaluator;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use support::compile_source;

#[test]
fn every_program_matches_stan() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stan_programs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().to_string();
            name.strip_suffix(".cmod").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    let mut report = String::new();
    let mut failures = Vec::new();
    for name in &names {
        let source = std::fs::read_to_string(dir.join(format!("{name}.cmod"))).unwrap();
        let data = dir.join(format!("{name}.data.json"));
        let stan: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{name}.stan.json"))).unwrap(),
        )
        .unwrap();
        let num = |v: &Value| v.as_f64().unwrap();
        let u: Vec<f64> = stan["u"].as_array().unwrap().iter().map(num).collect();
        let stan_grad: Vec<f64> = stan["grad"].as_array().unwrap().iter().map(num).collect();
        let stan_lp = num(&stan["lp_propto_jac"]);
        let model =
            compile_source(name, &source, Some(&data)).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        let mut ev = Evaluator::new(Arc::new(model));
        let mut grad = vec![0.0; u.len()];
        let lp = ev
            .log_density_gradient(&u, &mut grad, true)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let lp_err = (lp - stan_lp).abs() / stan_lp.abs().max(1.0);
        let grad_err = grad
            .iter()
            .zip(&stan_grad)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(0.0, f64::max);
        report += &format!("{name:40} lp {lp_err:9.2e}  grad {grad_err:9.2e}\n");
        if !(lp_err <= 1e-10 && grad_err <= 1e-8) || grad.len() != stan_grad.len() {
            failures.push(name.clone());
        }
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{failures:?}\n{report}");
}

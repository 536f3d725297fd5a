//! Checks the convergence diagnostics against ArviZ 0.23's values on fixed
//! draws (shared/golden/diagnostics.json), to 1e-6 relative, NaN for NaN.

use runtime::diagnostics::ConvergenceStats;
use serde_json::Value;
use std::path::PathBuf;

fn golden_path() -> PathBuf {
    // shared/ sits beside the workspace root (main/), which is this crate's parent.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/golden/diagnostics.json")
}

fn expected_number(value: &Value) -> f64 {
    match value {
        Value::String(text) if text == "nan" => f64::NAN,
        Value::Number(number) => number.as_f64().expect("a finite number"),
        other => panic!("unexpected golden value {other}"),
    }
}

fn agrees(actual: f64, expected: f64) -> bool {
    if expected.is_nan() {
        return actual.is_nan();
    }
    let scale = expected.abs().max(1e-12);
    (actual - expected).abs() <= 1e-6 * scale || (expected == 0.0 && actual.abs() < 1e-12)
}

#[test]
fn diagnostics_match_arviz_on_every_golden_case() {
    let text = std::fs::read_to_string(golden_path())
        .expect("shared/golden/diagnostics.json beside the workspace");
    let golden: Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = golden["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 11);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let draws: Vec<Vec<f64>> = case["draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|chain| {
                chain
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect();
        let stats = ConvergenceStats::compute(&draws);
        let checks = [
            ("rhat", stats.rhat),
            ("ess_bulk", stats.ess_bulk),
            ("ess_tail", stats.ess_tail),
            ("mcse_mean", stats.mcse_mean),
            ("mcse_sd", stats.mcse_sd),
            ("mean", stats.mean),
            ("sd", stats.sd),
            ("q5", stats.q5),
            ("q50", stats.q50),
            ("q95", stats.q95),
        ];
        for (key, actual) in checks {
            let expected = expected_number(&case[key]);
            if !agrees(actual, expected) {
                failures.push(format!("{name}.{key}: cmod {actual} vs ArviZ {expected}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "disagreements with ArviZ:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_constant_has_no_spread_and_no_rhat() {
    // 0.1 and 1/3 are not exact in binary: a plain running sum of 4000 of
    // them drifts by about 1e-15, which showed as a StdDev of 6e-15.
    for value in [0.1, 1.0 / 3.0, -2.7e5, 0.0] {
        let draws = vec![vec![value; 1000]; 4];
        let stats = ConvergenceStats::compute(&draws);
        assert_eq!(stats.mean, value);
        assert_eq!(stats.sd, 0.0);
        assert_eq!(stats.mcse_mean, 0.0, "{value}");
        assert_eq!((stats.q5, stats.q50, stats.q95), (value, value, value));
        assert!(stats.rhat.is_nan());
    }
}

//! Values of the multivariate densities, softmax and GP covariances against SciPy (shared/golden/functions.json).

use serde_json::Value;
use stdlib::linalg::{gp_cov, log_softmax, softmax, GpKernel};
use stdlib::multivariate::*;

const FUNCTIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/golden/functions.json"
);

fn vector(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A matrix given as a list of rows, returned column-major with its size.
fn matrix(v: &Value) -> (Vec<f64>, usize) {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vector).collect();
    let n = rows.len();
    let m = rows[0].len();
    let mut out = vec![0.0; n * m];
    for (i, row) in rows.iter().enumerate() {
        for (j, x) in row.iter().enumerate() {
            out[i + j * n] = *x;
        }
    }
    (out, n)
}

/// Evaluates one golden case with our kernels; `None` when the function is not ours.
fn evaluate(fname: &str, a: &[Value]) -> Option<Vec<f64>> {
    let e: &mut [f64] = &mut [];
    let scalar = |r: Result<f64, stdlib::error::DomainError>| Some(vec![r.unwrap()]);
    match fname {
        "multi_normal_lpdf" => {
            let (s, k) = matrix(&a[2]);
            scalar(multi_normal_lpdf(
                &vector(&a[0]),
                &vector(&a[1]),
                &s,
                k,
                false,
                e,
                &mut [],
                &mut [],
            ))
        }
        "multi_normal_cholesky_lpdf" => {
            let (l, k) = matrix(&a[2]);
            scalar(multi_normal_cholesky_lpdf(
                &vector(&a[0]),
                &vector(&a[1]),
                &l,
                k,
                false,
                e,
                &mut [],
                &mut [],
            ))
        }
        "multi_normal_prec_lpdf" => {
            let (o, k) = matrix(&a[2]);
            scalar(multi_normal_prec_lpdf(
                &vector(&a[0]),
                &vector(&a[1]),
                &o,
                k,
                false,
                e,
                &mut [],
                &mut [],
            ))
        }
        "multi_student_t_lpdf" => {
            let (s, k) = matrix(&a[3]);
            let nu = a[1].as_f64().unwrap();
            scalar(multi_student_t_lpdf(
                &vector(&a[0]),
                nu,
                &vector(&a[2]),
                &s,
                k,
                false,
                e,
                &mut [],
                &mut [],
                &mut [],
            ))
        }
        "multi_student_t_cholesky_lpdf" => {
            let (l, k) = matrix(&a[3]);
            let nu = a[1].as_f64().unwrap();
            scalar(multi_student_t_cholesky_lpdf(
                &vector(&a[0]),
                nu,
                &vector(&a[2]),
                &l,
                k,
                false,
                e,
                &mut [],
                &mut [],
                &mut [],
            ))
        }
        "wishart_lpdf" => {
            let (w, k) = matrix(&a[0]);
            let (s, _) = matrix(&a[2]);
            scalar(wishart_lpdf(
                &w,
                k,
                a[1].as_f64().unwrap(),
                &s,
                false,
                e,
                &mut [],
                &mut [],
            ))
        }
        "inv_wishart_lpdf" => {
            let (w, k) = matrix(&a[0]);
            let (s, _) = matrix(&a[2]);
            scalar(inv_wishart_lpdf(
                &w,
                k,
                a[1].as_f64().unwrap(),
                &s,
                false,
                e,
                &mut [],
                &mut [],
            ))
        }
        "dirichlet_lpdf" => scalar(dirichlet_lpdf(
            &vector(&a[0]),
            &vector(&a[1]),
            false,
            e,
            &mut [],
        )),
        "softmax" | "log_softmax" => {
            let v = vector(&a[0]);
            let mut out = vec![0.0; v.len()];
            if fname == "softmax" {
                softmax(&v, &mut out).unwrap();
            } else {
                log_softmax(&v, &mut out).unwrap();
            }
            Some(out)
        }
        "gp_exp_quad_cov" | "gp_matern32_cov" | "gp_matern52_cov" | "gp_exponential_cov" => {
            let x = vector(&a[0]);
            let (sigma, length_scale) = (a[1].as_f64().unwrap(), a[2].as_f64().unwrap());
            let kernel = match fname {
                "gp_exp_quad_cov" => GpKernel::ExpQuad {
                    sigma,
                    length_scale,
                },
                "gp_matern32_cov" => GpKernel::Matern32 {
                    sigma,
                    length_scale,
                },
                "gp_matern52_cov" => GpKernel::Matern52 {
                    sigma,
                    length_scale,
                },
                _ => GpKernel::Exponential {
                    sigma,
                    length_scale,
                },
            };
            let n = x.len();
            let mut out = vec![0.0; n * n];
            gp_cov(kernel, &x, None, 1, &mut out).unwrap();
            // Golden matrices are lists of rows; ours is column-major and symmetric, so transpose back.
            let mut rows = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    rows[i * n + j] = out[i + j * n];
                }
            }
            Some(rows)
        }
        _ => None,
    }
}

fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(flatten).collect(),
        Value::Number(x) => vec![x.as_f64().unwrap()],
        Value::String(s) if s == "-inf" => vec![f64::NEG_INFINITY],
        other => panic!("unexpected golden value {other}"),
    }
}

#[test]
fn multivariate_values_match_scipy() {
    let text = std::fs::read_to_string(FUNCTIONS).expect("read functions.json");
    let golden: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    let mut worst = 0.0f64;
    for case in golden["cases"].as_array().unwrap() {
        let fname = case["fn"].as_str().unwrap();
        let args = case["args"].as_array().unwrap();
        let Some(got) = evaluate(fname, args) else {
            continue;
        };
        let want = flatten(&case["value"]);
        assert_eq!(got.len(), want.len(), "{fname}: result size");
        for (g, w) in got.iter().zip(&want) {
            // Relative 1e-10, with an absolute floor for entries that are tiny next to the others.
            let err = (g - w).abs() / w.abs().max(1e-300);
            let ok = err <= 1e-10
                || (g - w).abs() <= 1e-300
                || (g - w).abs() <= 1e-15 * want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(ok, "{fname}{:?}: got {g}, SciPy {w}", args);
            if (g - w).abs() > 1e-300 {
                worst = worst.max(err.min((g - w).abs()));
            }
        }
        checked += 1;
    }
    println!("checked {checked} cases; worst error {worst:e}");
    assert!(checked >= 30, "only {checked} golden cases were ours");
}

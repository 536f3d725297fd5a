//! `cmod optimize` against closed forms: least squares, a logistic regression solved by Newton's method here, the Jacobian's effect, and trouble in words.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cmod() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cmod"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-optimize-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `cmod optimize` with `extra` flags; the output and the CSV's columns by name.
fn optimize(dir: &Path, model: &Path, data: &Path, extra: &[&str]) -> (Output, Vec<(String, f64)>) {
    let out_dir = dir.join(format!("out-{}", extra.join("").replace(['-', ' '], "")));
    let output = cmod()
        .arg("optimize")
        .arg(model)
        .arg("--data")
        .arg(data)
        .args(["--seed", "3", "--output-dir"])
        .arg(&out_dir)
        .args(extra)
        .output()
        .unwrap();
    let csv = std::fs::read_dir(&out_dir)
        .ok()
        .and_then(|mut d| d.next())
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .unwrap_or_default();
    let lines: Vec<&str> = csv.lines().filter(|l| !l.starts_with('#')).collect();
    let columns = match lines.as_slice() {
        [header, row, ..] => header
            .split(',')
            .zip(row.split(','))
            .map(|(n, v)| (n.to_string(), v.parse().unwrap()))
            .collect(),
        _ => Vec::new(),
    };
    (output, columns)
}

fn value(columns: &[(String, f64)], name: &str) -> f64 {
    columns
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column {name} in {columns:?}"))
        .1
}

/// Solves the small dense system `a x = b` by Gaussian elimination with pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[r][c] / a[c][c];
            for k in c..n {
                a[r][k] -= f * a[c][k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        x[r] = (b[r] - (r + 1..n).map(|k| a[r][k] * x[k]).sum::<f64>()) / a[r][r];
    }
    x
}

/// A design matrix with an intercept column and two covariates, and outcomes.
fn design(n: usize) -> (Vec<[f64; 3]>, Vec<f64>) {
    let x: Vec<[f64; 3]> = (0..n)
        .map(|i| {
            let t = i as f64;
            [
                1.0,
                (t * 0.37).sin() * 2.0,
                (t * 0.11).cos() + 0.1 * t / n as f64,
            ]
        })
        .collect();
    let y = x
        .iter()
        .enumerate()
        .map(|(i, r)| 0.5 + 1.5 * r[1] - 0.8 * r[2] + 0.3 * ((i as f64) * 1.7).sin())
        .collect();
    (x, y)
}

fn data_json(x: &[[f64; 3]], y: &str) -> String {
    let rows: Vec<String> = x.iter().map(|r| format!("[{}, {}]", r[1], r[2])).collect();
    format!(
        "{{\"N\": {}, \"X\": [{}], \"y\": {y}}}",
        x.len(),
        rows.join(", ")
    )
}

#[test]
fn least_squares_by_every_algorithm() {
    let dir = scratch("ls");
    let (x, y) = design(40);
    let ys: Vec<String> = y.iter().map(|v| v.to_string()).collect();
    let data = write(
        &dir,
        "d.json",
        &data_json(&x, &format!("[{}]", ys.join(", "))),
    );
    let model = write(
        &dir,
        "ls.cmod",
        "data { int N; matrix[N, 2] X; vector[N] y; }
         parameters { real alpha; vector[2] beta; real<lower=0> sigma; }
         model { y ~ normal(alpha + X * beta, sigma); }",
    );
    // The normal equations, and the MLE of sigma: sqrt(RSS / N).
    let xtx: Vec<Vec<f64>> = (0..3)
        .map(|i| {
            (0..3)
                .map(|j| x.iter().map(|r| r[i] * r[j]).sum())
                .collect()
        })
        .collect();
    let xty: Vec<f64> = (0..3)
        .map(|i| x.iter().zip(&y).map(|(r, v)| r[i] * v).sum())
        .collect();
    let b = solve(xtx, xty);
    let rss: f64 = x
        .iter()
        .zip(&y)
        .map(|(r, v)| (v - b[0] - b[1] * r[1] - b[2] * r[2]).powi(2))
        .sum();
    let sigma = (rss / x.len() as f64).sqrt();
    for algorithm in ["lbfgs", "bfgs", "newton"] {
        let (output, c) = optimize(&dir, &model, &data, &["--algorithm", algorithm]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{algorithm}: {stderr}");
        assert!(
            stderr.contains("Optimization terminated normally"),
            "{stderr}"
        );
        for (name, expected) in [
            ("alpha", b[0]),
            ("beta.1", b[1]),
            ("beta.2", b[2]),
            ("sigma", sigma),
        ] {
            let got = value(&c, name);
            assert!(
                (got - expected).abs() < 1e-5 * expected.abs().max(1.0),
                "{algorithm} {name}: {got} vs {expected}"
            );
        }
        // The gradient there is below the tolerance of a converged run: the
        // log density is within 1e-9 of its value at the closed form.
        let lp = value(&c, "lp__");
        let n = x.len() as f64;
        let closed = -n * sigma.ln() - rss / (2.0 * sigma * sigma);
        assert!(
            (lp - closed).abs() < 1e-8 * closed.abs().max(1.0),
            "{algorithm}: lp {lp} vs {closed}"
        );
    }
}

#[test]
fn logistic_regression_matches_newtons_method() {
    let dir = scratch("logit");
    let (x, y) = design(60);
    let outcomes: Vec<i64> = y
        .iter()
        .enumerate()
        .map(|(i, v)| (v + 0.7 * ((i as f64) * 2.3).cos() > 0.5) as i64)
        .collect();
    let ys: Vec<String> = outcomes.iter().map(|v| v.to_string()).collect();
    let data = write(
        &dir,
        "d.json",
        &data_json(&x, &format!("[{}]", ys.join(", "))),
    );
    let model = write(
        &dir,
        "logit.cmod",
        "data { int N; matrix[N, 2] X; array[N] int<lower=0, upper=1> y; }
         parameters { real alpha; vector[2] beta; }
         model { y ~ bernoulli_logit(alpha + X * beta); }",
    );
    // Newton's method (iteratively reweighted least squares) to convergence.
    let mut b = vec![0.0; 3];
    for _ in 0..50 {
        let mut h = vec![vec![0.0; 3]; 3];
        let mut g = vec![0.0; 3];
        for (r, &yi) in x.iter().zip(&outcomes) {
            let eta = b[0] * r[0] + b[1] * r[1] + b[2] * r[2];
            let p = 1.0 / (1.0 + (-eta).exp());
            for i in 0..3 {
                g[i] += (yi as f64 - p) * r[i];
                for j in 0..3 {
                    h[i][j] += p * (1.0 - p) * r[i] * r[j];
                }
            }
        }
        let step = solve(h, g);
        for i in 0..3 {
            b[i] += step[i];
        }
    }
    for algorithm in ["lbfgs", "bfgs", "newton"] {
        let (output, c) = optimize(&dir, &model, &data, &["--algorithm", algorithm]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (name, expected) in [("alpha", b[0]), ("beta.1", b[1]), ("beta.2", b[2])] {
            let got = value(&c, name);
            assert!(
                (got - expected).abs() < 1e-4 * expected.abs().max(1.0),
                "{algorithm} {name}: {got} vs {expected}"
            );
        }
    }
}

/// sigma ~ lognormal(0, 1): the density's mode is exp(-1); with the
/// Jacobian, the mode of log(sigma) ~ normal(0, 1) is 0, so sigma = 1.
#[test]
fn the_jacobian_flag_chooses_which_mode() {
    let dir = scratch("jacobian");
    let data = write(&dir, "d.json", "{}");
    let model = write(
        &dir,
        "ln.cmod",
        "parameters { real<lower=0> sigma; } model { sigma ~ lognormal(0, 1); }",
    );
    let (out, without) = optimize(&dir, &model, &data, &[]);
    assert!(out.status.success());
    assert!(
        (value(&without, "sigma") - (-1.0f64).exp()).abs() < 1e-6,
        "{without:?}"
    );
    let (out, with) = optimize(&dir, &model, &data, &["--jacobian", "true"]);
    assert!(out.status.success());
    assert!((value(&with, "sigma") - 1.0).abs() < 1e-6, "{with:?}");
    let csv = std::fs::read_to_string(dir.join("out-jacobiantrue/ln-optimize.csv")).unwrap();
    assert!(csv.contains("# method = optimize") && csv.contains("#     jacobian = true"));
}

/// A hierarchical likelihood without priors grows without bound as tau goes
/// to 0: exit code 1, the words say so, and the CSV keeps the last point.
#[test]
fn an_unbounded_likelihood_is_reported_in_words() {
    let dir = scratch("unbounded");
    let data = write(&dir, "d.json", "{\"J\": 3, \"y\": [1.0, 2.0, 0.5]}");
    let model = write(
        &dir,
        "h.cmod",
        "data { int J; vector[J] y; }
         parameters { real mu; real<lower=0> tau; vector[J] theta; }
         model { theta ~ normal(mu, tau); y ~ normal(theta, 1); }",
    );
    let (output, c) = optimize(&dir, &model, &data, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Optimization did not converge"), "{stderr}");
    assert!(
        stderr.contains("grow without bound") && stderr.contains("cmod run"),
        "{stderr}"
    );
    assert!(value(&c, "tau") < 1e-3 && !stderr.contains("panicked"));
}

#[test]
fn bad_starts_and_bad_flags_are_errors_in_words() {
    let dir = scratch("bad");
    let data = write(&dir, "d.json", "{}");
    let model = write(
        &dir,
        "m.cmod",
        "parameters { real x; } model { if (x > -100) reject(\"x must be small, but it is \", x); }",
    );
    let inits = write(&dir, "i.json", "{\"x\": 1.5}");
    let (output, _) = optimize(&dir, &model, &data, &["--inits", inits.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("cannot start")
            && stderr.contains("x must be small")
            && stderr.contains("--inits"),
        "{stderr}"
    );
    // Random starts: every one is rejected.
    let (output, _) = optimize(&dir, &model, &data, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("no starting point") && stderr.contains("100"),
        "{stderr}"
    );
    for flags in [["--tol-grad", "-1"], ["--init-alpha", "0"], ["--iter", "0"]] {
        let (output, _) = optimize(&dir, &model, &data, &flags);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && !stderr.contains("panicked"),
            "{flags:?}: {stderr}"
        );
        assert!(stderr.contains(flags[0]), "{flags:?}: {stderr}");
    }
}

/// cmdstanpy reads the file as an optimization result (skipped when Python
/// or cmdstanpy is missing, as the other Python checks).
#[test]
fn cmdstanpy_reads_the_mode() {
    let dir = scratch("cmdstanpy");
    let data = write(&dir, "d.json", "{}");
    let model = write(
        &dir,
        "m.cmod",
        "parameters { vector[2] mu; } model { mu ~ normal([1, -2]', 1); } generated quantities { real s = sum(mu); }",
    );
    let (output, _) = optimize(&dir, &model, &data, &[]);
    assert!(output.status.success());
    let csv = dir.join("out-/m-optimize.csv");
    let script = format!(
        "import warnings\nwarnings.simplefilter('ignore')\nimport cmdstanpy\nfit = cmdstanpy.from_csv(['{}'])\nassert type(fit).__name__ == 'CmdStanMLE', type(fit)\nmu = fit.stan_variable('mu')\nassert abs(mu[0] - 1) < 1e-6 and abs(mu[1] + 2) < 1e-6, mu\nassert abs(fit.stan_variable('s') + 1) < 1e-6\nprint('ok')\n",
        csv.display()
    );
    match Command::new("python3").args(["-c", &script]).output() {
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") => {
            eprintln!("skipped: cmdstanpy is not installed");
        }
        Ok(out) => assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("ok"),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("skipped: python3 is not installed"),
    }
}

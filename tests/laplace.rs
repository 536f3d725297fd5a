//! `cmod laplace` on a posterior that is exactly normal, from a given mode and without one, and when there is no approximation to make.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-laplace-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn cmod(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmod"))
        .args(args)
        .output()
        .unwrap()
}

/// The data rows of a Stan CSV: column names and rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let names = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (names, rows)
}

fn column(names: &[String], rows: &[Vec<f64>], name: &str) -> Vec<f64> {
    let c = names.iter().position(|n| n == name).unwrap();
    rows.iter().map(|r| r[c]).collect()
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

const NORMAL_MODEL: &str = "data { int N; vector[N] y; }
    parameters { real mu; }
    model { mu ~ normal(0, 10); y ~ normal(mu, 1); }
    generated quantities { real twice = 2 * mu; }";
const DATA: &str = "{\"N\": 5, \"y\": [1.0, 2.0, 0.5, 1.5, 2.2]}";

/// mu's posterior is normal with precision N + 1/100: the approximation is
/// exact, so log_p__ - log_g__ is the same for every draw, and the draws'
/// mean and sd are the posterior's.
#[test]
fn an_exactly_normal_posterior_is_reproduced() {
    let dir = scratch("normal");
    let model = write(&dir, "m.cmod", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    let out_dir = dir.join("out");
    let output = cmod(&[
        "laplace",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--seed",
        "5",
        "--draws",
        "4000",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (names, rows) = read_csv(&out_dir.join("m-laplace.csv"));
    assert_eq!(&names[..3], ["log_p__", "log_g__", "mu"]);
    assert_eq!(rows.len(), 4000);
    let diff: Vec<f64> = rows.iter().map(|r| r[0] - r[1]).collect();
    let (_, spread) = mean_sd(&diff);
    assert!(spread < 1e-5, "log_p__ - log_g__ varies by {spread}");
    let precision: f64 = 5.0 + 0.01;
    let (post_mean, post_sd) = (7.2 / precision, precision.powf(-0.5));
    let (m, s) = mean_sd(&column(&names, &rows, "mu"));
    assert!(
        (m - post_mean).abs() < 4.0 * post_sd / 4000f64.sqrt(),
        "mean {m} vs {post_mean}"
    );
    assert!((s / post_sd - 1.0).abs() < 0.05, "sd {s} vs {post_sd}");
    let twice = column(&names, &rows, "twice");
    assert!(twice
        .iter()
        .zip(column(&names, &rows, "mu"))
        .all(|(t, mu)| (t - 2.0 * mu).abs() < 1e-12));
    // The mode was found first and written beside the draws, in the file the header names.
    let header = std::fs::read_to_string(out_dir.join("m-laplace.csv")).unwrap();
    assert!(header.contains("# method = laplace") && header.contains("m-optimize.csv"));
    assert!(out_dir.join("m-optimize.csv").exists());

    // From that mode file, the same draws (the same seed).
    let again = dir.join("again");
    let mode = out_dir.join("m-optimize.csv");
    let output = cmod(&[
        "laplace",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--mode",
        mode.to_str().unwrap(),
        "--seed",
        "5",
        "--draws",
        "4000",
        "--output-dir",
        again.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, rows_again) = read_csv(&again.join("m-laplace.csv"));
    assert_eq!(rows_again, rows);
}

/// y ~ normal(a + b, 1) identifies a + b only: no approximation, and the
/// message names both parameters.
#[test]
fn a_flat_direction_is_named() {
    let dir = scratch("flat");
    let model = write(
        &dir,
        "m.cmod",
        "data { int N; vector[N] y; } parameters { real a; real b; } model { y ~ normal(a + b, 1); }",
    );
    let data = write(&dir, "d.json", DATA);
    let mode = write(&dir, "mode.json", "{\"a\": 0.7, \"b\": 0.74}");
    let output = cmod(&[
        "laplace",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--mode",
        mode.to_str().unwrap(),
        "--output-dir",
        dir.join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not negative definite") && stderr.contains("a, b"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_mode_file_without_the_models_parameters_is_refused() {
    let dir = scratch("badmode");
    let model = write(&dir, "m.cmod", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    let mode = write(&dir, "mode.csv", "# method = optimize\nlp__,nu\n-1,0.5\n");
    let output = cmod(&[
        "laplace",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--mode",
        mode.to_str().unwrap(),
        "--output-dir",
        dir.join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no column mu"), "{stderr}");
}

/// cmdstanpy reads the draws as a CmdStanLaplace, with the mode file the header names.
#[test]
fn cmdstanpy_reads_the_draws() {
    let dir = scratch("cmdstanpy");
    let model = write(&dir, "m.cmod", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    let out_dir = dir.join("out");
    let output = cmod(&[
        "laplace",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--seed",
        "5",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let script = format!(
        "import warnings\nwarnings.simplefilter('ignore')\nimport cmdstanpy\nfit = cmdstanpy.from_csv(['{}'])\nassert type(fit).__name__ == 'CmdStanLaplace', type(fit)\nassert fit.stan_variable('mu').shape == (1000,)\nprint('ok')\n",
        out_dir.join("m-laplace.csv").display()
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

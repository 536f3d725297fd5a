//! `cmod variational` (ADVI) end to end: normal posteriors recovered by meanfield and fullrank, seeds, cmdstanpy, and trouble in words.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-variational-{}-{name}", std::process::id()));
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

/// The column names and the data rows of a Stan CSV (comment lines skipped).
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

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let ((ma, sa), (mb, sb)) = (mean_sd(a), mean_sd(b));
    let n = a.len() as f64;
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / ((n - 1.0) * sa * sb)
}

/// mu's posterior is normal with precision N + 1/100. The densities are
/// written with `_lpdf` so that they keep their constants, as Stan's ELBO does.
const NORMAL_MODEL: &str = "data { int N; vector[N] y; }
    parameters { real mu; }
    model { target += normal_lpdf(mu | 0, 10); target += normal_lpdf(y | mu, 1); }
    generated quantities { real twice = 2 * mu; }";
const DATA: &str = "{\"N\": 5, \"y\": [1.0, 2.0, 0.5, 1.5, 2.2]}";
const Y: [f64; 5] = [1.0, 2.0, 0.5, 1.5, 2.2];

/// A 2-d normal with correlation 0.8 and unit variances.
const CORRELATED_MODEL: &str =
    "transformed data { vector[2] m = [1, -2]'; matrix[2, 2] S = [[1, 0.8], [0.8, 1]]; }
    parameters { vector[2] x; }
    model { target += multi_normal_lpdf(x | m, S); }";

fn normal_lpdf(x: f64, mu: f64, sigma: f64) -> f64 {
    -0.5 * ((x - mu) / sigma).powi(2) - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

fn run_variational(
    dir: &Path,
    model: &Path,
    data: Option<&Path>,
    out: &str,
    extra: &[&str],
) -> (Output, PathBuf) {
    let out_dir = dir.join(out);
    let mut args = vec!["variational", model.to_str().unwrap()];
    if let Some(d) = data {
        args.extend(["--data", d.to_str().unwrap()]);
    }
    args.extend(["--output-dir", out_dir.to_str().unwrap()]);
    args.extend(extra);
    let output = cmod(&args);
    let stem = model.file_stem().unwrap().to_string_lossy().into_owned();
    (output, out_dir.join(format!("{stem}-variational.csv")))
}

/// Meanfield on an exactly normal posterior: the mean and sd of the draws
/// are the posterior's; the first row is the approximation's mean with
/// lp__ = log_p__ = log_g__ = 0; log_p__ is the model's log density at
/// each draw; the table and the ELBO progress are printed.
#[test]
fn meanfield_recovers_a_normal_posterior() {
    let dir = scratch("normal");
    let model = write(&dir, "m.stan", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    let (output, csv) = run_variational(
        &dir,
        &model,
        Some(&data),
        "out",
        &[
            "--seed",
            "7",
            "--grad-samples",
            "10",
            "--output-samples",
            "4000",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Begin eta adaptation.")
            && stderr.contains("Success! Found best value [eta = "),
        "{stderr}"
    );
    assert!(
        stderr.contains("  iter             ELBO   delta_ELBO_mean   delta_ELBO_med   notes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ELBO CONVERGED") && stderr.contains("COMPLETED."),
        "{stderr}"
    );
    assert!(
        stdout.contains("4000 independent draws") && stdout.contains("twice"),
        "{stdout}"
    );

    let (names, rows) = read_csv(&csv);
    assert_eq!(&names[..5], ["lp__", "log_p__", "log_g__", "mu", "twice"]);
    assert_eq!(rows.len(), 4001);
    assert_eq!(&rows[0][..3], [0.0, 0.0, 0.0]);
    let draws = &rows[1..];
    assert!(draws.iter().all(|r| r[0] == 0.0 && r[2] <= 0.0));
    for r in draws.iter().take(50) {
        let mu = r[3];
        let lp =
            normal_lpdf(mu, 0.0, 10.0) + Y.iter().map(|y| normal_lpdf(*y, mu, 1.0)).sum::<f64>();
        assert!((r[1] - lp).abs() < 1e-9, "log_p__ {} vs {lp}", r[1]);
        assert!((r[4] - 2.0 * mu).abs() < 1e-12);
    }

    let precision: f64 = 5.0 + 0.01;
    let (post_mean, post_sd) = (7.2 / precision, precision.powf(-0.5));
    let mu = column(&names, draws, "mu");
    let (m, s) = mean_sd(&mu);
    // The draws' Monte Carlo error is sd / 63; the fitted mean's own noise
    // from the stochastic ascent is larger, about 0.07 sd over seeds.
    assert!(
        (m - post_mean).abs() < 0.25 * post_sd,
        "mean {m} vs {post_mean}"
    );
    assert!((s / post_sd - 1.0).abs() < 0.15, "sd {s} vs {post_sd}");
    // The first row's mean and the draws' mean agree.
    assert!(
        (rows[0][3] - m).abs() < 4.0 * post_sd / 4000f64.sqrt(),
        "{} vs {m}",
        rows[0][3]
    );
    // log_g__ is -eta^2 / 2 with eta = (mu - mean) / sd: the same sd for every draw.
    let implied: Vec<f64> = draws
        .iter()
        .filter(|r| r[2] < -0.01)
        .map(|r| (r[3] - rows[0][3]).abs() / (-2.0 * r[2]).sqrt())
        .collect();
    assert!(
        implied.iter().all(|v| (v / implied[0] - 1.0).abs() < 1e-6),
        "log_g__ is not -eta^2/2"
    );
    assert!(
        (implied[0] / s - 1.0).abs() < 0.05,
        "sd from log_g__ {} vs draws {s}",
        implied[0]
    );
}

/// Fullrank follows the correlation of a correlated normal; meanfield
/// cannot (its draws are uncorrelated) and shrinks each sd to the
/// conditional one, sqrt(1 - 0.8^2) = 0.6. eta is fixed at 1: the
/// adaptation's noisy comparisons sometimes pick eta = 100 here (as
/// Stan's would), which converges too slowly for a test of seconds.
#[test]
fn fullrank_finds_a_correlation_that_meanfield_cannot() {
    let dir = scratch("correlated");
    let model = write(&dir, "c.stan", CORRELATED_MODEL);
    let mut found = Vec::new();
    for algorithm in ["meanfield", "fullrank"] {
        let (output, csv) = run_variational(
            &dir,
            &model,
            None,
            algorithm,
            &[
                "--algorithm",
                algorithm,
                "--seed",
                "3",
                "--grad-samples",
                "10",
                "--output-samples",
                "4000",
                "--adapt-engaged",
                "false",
                "--eta",
                "1",
                "--quiet",
            ],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{algorithm}: {stderr}");
        assert!(output.stdout.is_empty(), "--quiet prints no table");
        let header = std::fs::read_to_string(&csv).unwrap();
        assert!(
            header.contains(&format!(
                "#     algorithm = {algorithm}\n#       {algorithm}\n"
            )),
            "{header}"
        );
        let (names, rows) = read_csv(&csv);
        let (x1, x2) = (
            column(&names, &rows[1..], "x.1"),
            column(&names, &rows[1..], "x.2"),
        );
        let ((m1, s1), (m2, s2)) = (mean_sd(&x1), mean_sd(&x2));
        assert!(
            (m1 - 1.0).abs() < 0.1 && (m2 + 2.0).abs() < 0.1,
            "{algorithm}: means {m1} {m2}"
        );
        found.push((correlation(&x1, &x2), s1, s2));
    }
    let (mf_corr, mf_s1, mf_s2) = found[0];
    let (fr_corr, fr_s1, fr_s2) = found[1];
    assert!(mf_corr.abs() < 0.06, "meanfield correlation {mf_corr}");
    assert!(
        (mf_s1 / 0.6 - 1.0).abs() < 0.15 && (mf_s2 / 0.6 - 1.0).abs() < 0.15,
        "meanfield sds {mf_s1} {mf_s2}"
    );
    assert!(
        (fr_corr - 0.8).abs() < 0.06,
        "fullrank correlation {fr_corr}"
    );
    assert!(
        (fr_s1 - 1.0).abs() < 0.15 && (fr_s2 - 1.0).abs() < 0.15,
        "fullrank sds {fr_s1} {fr_s2}"
    );
}

/// The same seed gives the same numbers; another seed others.
#[test]
fn a_seed_reproduces_the_output() {
    let dir = scratch("seeds");
    let model = write(&dir, "m.stan", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    let mut results = Vec::new();
    for (out, seed) in [("a", "11"), ("b", "11"), ("c", "12")] {
        let (output, csv) =
            run_variational(&dir, &model, Some(&data), out, &["--seed", seed, "--quiet"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        results.push(read_csv(&csv).1);
    }
    assert_eq!(results[0], results[1]);
    assert_ne!(results[0], results[2]);
}

/// cmdstanpy reads the file as a CmdStanVB, with its eta, mean and draws.
#[test]
fn cmdstanpy_reads_the_file() {
    let dir = scratch("cmdstanpy");
    let model = write(&dir, "m.stan", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    for (out, extra) in [
        ("adapted", vec![]),
        (
            "fixed",
            vec![
                "--adapt-engaged",
                "false",
                "--eta",
                "0.5",
                "--algorithm",
                "fullrank",
            ],
        ),
    ] {
        let mut flags = vec!["--seed", "5", "--quiet", "--output-samples", "300"];
        flags.extend(extra.iter().copied());
        let (output, csv) = run_variational(&dir, &model, Some(&data), out, &flags);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let script = format!(
            "import warnings\nwarnings.simplefilter('ignore')\nimport cmdstanpy\nfit = cmdstanpy.from_csv(['{}'])\nassert type(fit).__name__ == 'CmdStanVB', type(fit)\nassert fit.stan_variable('mu', mean=False).shape == (300,)\nassert fit.variational_sample.shape == (300, 5)\nassert abs(fit.variational_params_dict['twice'] - 2 * fit.variational_params_dict['mu']) < 1e-9\nassert fit.eta > 0\nprint('ok', fit.eta)\n",
            csv.display()
        );
        match Command::new("python3").args(["-c", &script]).output() {
            Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") => {
                eprintln!("skipped: cmdstanpy is not installed");
                return;
            }
            Ok(py) => {
                let stdout = String::from_utf8_lossy(&py.stdout);
                assert!(
                    stdout.starts_with("ok"),
                    "{stdout}\n{}",
                    String::from_utf8_lossy(&py.stderr)
                );
                if out == "fixed" {
                    assert!(stdout.contains("0.5"), "{stdout}");
                }
            }
            Err(_) => {
                eprintln!("skipped: python3 is not installed");
                return;
            }
        }
    }
}

/// Bad flags and models that cannot be approximated: exit 1 and a sentence, never a panic.
#[test]
fn trouble_is_an_error_in_words() {
    let dir = scratch("trouble");
    let model = write(&dir, "m.stan", NORMAL_MODEL);
    let data = write(&dir, "d.json", DATA);
    for flags in [
        ["--eta", "-1"],
        ["--tol-rel-obj", "0"],
        ["--output-samples", "0"],
        ["--iter", "-5"],
        ["--eval-elbo", "0"],
    ] {
        let (output, _) = run_variational(&dir, &model, Some(&data), "flags", &flags);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{flags:?}: {stderr}");
        assert!(
            stderr.contains(flags[0]) && stderr.contains("default") && !stderr.contains("panicked"),
            "{flags:?}: {stderr}"
        );
    }

    // The log density cannot be evaluated anywhere: no start.
    let never = write(
        &dir,
        "never.stan",
        "parameters { real x; } model { reject(\"x is never allowed, but it is \", x); }",
    );
    let (output, _) = run_variational(&dir, &never, None, "never", &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no starting point")
            && stderr.contains("never allowed")
            && stderr.contains("--inits"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    // Defined only on a sliver around the start: the starting approximation
    // (sd 1) puts almost every draw outside it, so there is no ELBO.
    let sliver = write(
        &dir,
        "sliver.stan",
        "parameters { real x; } model { if (x < 0.44 || x > 0.46) reject(\"x is outside (0.44, 0.46): \", x); }",
    );
    let inits = write(&dir, "inits.json", "{\"x\": 0.45}");
    let (output, csv) = run_variational(
        &dir,
        &sliver,
        None,
        "sliver",
        &["--inits", inits.to_str().unwrap(), "--seed", "1"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the ELBO cannot be computed at the starting approximation")
            && stderr.contains("x is outside"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--inits") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(!csv.exists());
}

/// The ELBO keeps the constants `~` drops when sampling (Stan's
/// `log_prob<propto = false>`): a `~` model's ELBO equals its `_lpdf`
/// form's at the same seed, so the relative-change stopping rule stops both
/// alike, well before the iteration limit.
#[test]
fn a_tilde_model_has_the_elbo_of_its_lpdf_form() {
    let dir = scratch("tilde");
    let data = write(
        &dir,
        "d.json",
        "{\"N\": 5, \"y\": [1.0, 2.0, 0.5, 1.5, 2.2]}",
    );
    let tilde = write(
        &dir,
        "tilde.cmod",
        "data { int N; vector[N] y; } parameters { real mu; real<lower=0> sigma; }
         model { mu ~ normal(0, 10); sigma ~ lognormal(0, 1); y ~ normal(mu, sigma); }",
    );
    let lpdf = write(
        &dir,
        "lpdf.cmod",
        "data { int N; vector[N] y; } parameters { real mu; real<lower=0> sigma; }
         model { target += normal_lpdf(mu | 0, 10) + lognormal_lpdf(sigma | 0, 1) + normal_lpdf(y | mu, sigma); }",
    );
    let (a, a_csv) = run_variational(&dir, &tilde, Some(&data), "a", &["--seed", "3"]);
    let (b, b_csv) = run_variational(&dir, &lpdf, Some(&data), "b", &["--seed", "3"]);
    let (sa, sb) = (
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr),
    );
    assert!(a.status.success() && b.status.success(), "{sa}\n{sb}");
    assert!(sa.contains("ELBO CONVERGED"), "{sa}");
    let elbo_lines = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| {
                l.trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(elbo_lines(&sa), elbo_lines(&sb));
    let (_, rows_a) = read_csv(&a_csv);
    let (_, rows_b) = read_csv(&b_csv);
    assert_eq!(rows_a.len(), rows_b.len());
}

//! End-to-end tests of `cmod generate-quantities` (standalone generated quantities): values
//! recomputed from `cmod run`'s CSV files, `_rng` seeds, column layout and header, bad inputs.

use runtime::stan_csv::read_stan_csv;
use runtime::ChainDraws;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The fitted model: a transformed parameter and deterministic generated
/// quantities of constrained parameters (lower bound, simplex), and one `_rng`.
const MODEL: &str = r#"
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; vector[3] theta; simplex[3] w; }
transformed parameters { real mu3 = mu * 3; real s2 = sigma * sigma; }
model {
  mu ~ normal(0, 5); sigma ~ normal(0, 2); theta ~ normal(mu, 1);
  w ~ dirichlet(rep_vector(2, 3)); y ~ normal(mu, sigma);
}
generated quantities {
  real mu2 = mu * 2;
  real wsum = w[1] + 2 * w[2] + 3 * w[3];
  real yrep = normal_rng(mu, sigma);
}
"#;

/// A second program with the same parameters and other generated quantities,
/// as in the usual workflow (fit once, predict later).
const PREDICT: &str = r#"
data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; vector[3] theta; simplex[3] w; }
model { y ~ normal(mu, sigma); }
generated quantities {
  real theta_sum = sum(theta);
  array[2] real y_new;
  for (i in 1:2) y_new[i] = normal_rng(mu, sigma);
}
"#;

const DATA: &str = r#"{"N": 4, "y": [1.0, 2.5, 0.5, 3.0]}"#;

fn cmod() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cmod"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-gq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The files the tests share: the models, the data and a short fit (2 chains).
struct Fit {
    dir: PathBuf,
    csvs: Vec<PathBuf>,
}

impl Fit {
    fn model(&self) -> PathBuf {
        self.dir.join("m.stan")
    }
    fn predict(&self) -> PathBuf {
        self.dir.join("predict.stan")
    }
    fn data(&self) -> PathBuf {
        self.dir.join("data.json")
    }
}

fn fit() -> &'static Fit {
    static FIT: OnceLock<Fit> = OnceLock::new();
    FIT.get_or_init(|| {
        let dir = temp_dir("fit");
        std::fs::write(dir.join("m.stan"), MODEL).unwrap();
        std::fs::write(dir.join("predict.stan"), PREDICT).unwrap();
        std::fs::write(dir.join("data.json"), DATA).unwrap();
        let out = dir.join("fit");
        let output = cmod()
            .arg("run")
            .arg(dir.join("m.stan"))
            .arg("--data")
            .arg(dir.join("data.json"))
            .args([
                "--chains",
                "2",
                "--iter-warmup",
                "150",
                "--iter-sampling",
                "40",
            ])
            .args(["--seed", "11", "--quiet", "--output-dir"])
            .arg(&out)
            .output()
            .expect("cmod runs");
        assert!(output.status.success(), "{}", stderr(&output));
        let csvs = vec![out.join("m-1.csv"), out.join("m-2.csv")];
        Fit { dir, csvs }
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs generate-quantities on `files` into `out_dir`; returns the process output.
fn generate(model: &Path, files: &[PathBuf], out_dir: &Path, extra: &[&str]) -> Output {
    cmod()
        .arg("generate-quantities")
        .arg(model)
        .arg("--data")
        .arg(fit().data())
        .arg("--fitted-params")
        .args(files)
        .arg("--output-dir")
        .arg(out_dir)
        .args(extra)
        .output()
        .expect("cmod runs")
}

fn read(path: &Path) -> ChainDraws {
    read_stan_csv(path).unwrap_or_else(|e| panic!("{e}"))
}

fn column(draws: &ChainDraws, name: &str) -> Vec<f64> {
    let index = draws
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", draws.column_names));
    (0..draws.num_rows())
        .map(|row| draws.values[row * draws.num_columns() + index])
        .collect()
}

#[test]
fn deterministic_quantities_equal_those_written_while_sampling() {
    let fit = fit();
    let out = temp_dir("deterministic");
    let output = generate(&fit.model(), &fit.csvs, &out, &["--seed", "5"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // The summary of the recomputed columns is printed.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("mu2") && stdout.contains("yrep"),
        "{stdout}"
    );
    for (chain, input) in fit.csvs.iter().enumerate() {
        let before = read(input);
        let after = read(&out.join(format!("m-generated-{}.csv", chain + 1)));
        assert_eq!(after.num_rows(), before.num_rows());
        for name in ["mu3", "s2", "mu2", "wsum"] {
            for (row, (a, b)) in column(&before, name)
                .iter()
                .zip(column(&after, name))
                .enumerate()
            {
                assert!(
                    (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                    "chain {}, row {row}, {name}: {a} during sampling, {b} now",
                    chain + 1
                );
            }
        }
        // The input's sampler and parameter columns are copied unchanged.
        for name in [
            "lp__",
            "treedepth__",
            "energy__",
            "mu",
            "sigma",
            "theta.3",
            "w.2",
        ] {
            assert_eq!(column(&before, name), column(&after, name), "{name}");
        }
    }
}

#[test]
fn rng_values_repeat_with_the_same_seed_and_change_with_another() {
    let fit = fit();
    let runs: Vec<Vec<ChainDraws>> = [("a", "21"), ("b", "21"), ("c", "22")]
        .iter()
        .map(|(name, seed)| {
            let out = temp_dir(&format!("seed-{name}"));
            let output = generate(
                &fit.predict(),
                &fit.csvs,
                &out,
                &["--seed", seed, "--quiet"],
            );
            assert!(output.status.success(), "{}", stderr(&output));
            // --quiet prints no table.
            assert!(output.stdout.is_empty());
            (1..=2)
                .map(|c| read(&out.join(format!("predict-generated-{c}.csv"))))
                .collect()
        })
        .collect();
    let [first, repeated, other_seed] = &runs[..] else {
        unreachable!("three runs")
    };
    for (chain, ((a, b), c)) in first.iter().zip(repeated).zip(other_seed).enumerate() {
        let same_a = column(a, "y_new.2");
        let same_b = column(b, "y_new.2");
        let other = column(c, "y_new.2");
        assert_eq!(
            same_a,
            same_b,
            "chain {}: the same seed must repeat",
            chain + 1
        );
        assert!(
            same_a.iter().zip(&other).all(|(a, b)| a != b),
            "chain {}: another seed must give other draws",
            chain + 1
        );
        // Each row's values are finite draws.
        assert!(same_a.iter().all(|v| v.is_finite()));
    }
    // The chains draw from different streams.
    assert_ne!(
        column(&runs[0][0], "y_new.1"),
        column(&runs[0][1], "y_new.1")
    );
}

#[test]
fn output_columns_are_the_inputs_then_the_new_ones_with_cmdstan_header() {
    let fit = fit();
    let out = temp_dir("columns");
    let output = generate(
        &fit.predict(),
        &fit.csvs[..1],
        &out,
        &["--seed", "3", "--quiet"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let path = out.join("predict-generated-1.csv");
    let input = read(&fit.csvs[0]);
    let result = read(&path);
    // The input's sampler and parameter columns (its own transformed parameters
    // and generated quantities are replaced), then the new program's quantities.
    let mut expected: Vec<String> = input
        .column_names
        .iter()
        .filter(|n| {
            n.ends_with("__")
                || ["mu", "sigma"].contains(&n.as_str())
                || n.starts_with("theta.")
                || n.starts_with("w.")
        })
        .cloned()
        .collect();
    assert_eq!(
        &expected[..7],
        &runtime::SAMPLER_COLUMNS.map(String::from)[..]
    );
    expected.extend(["theta_sum", "y_new.1", "y_new.2"].map(String::from));
    assert_eq!(result.column_names, expected);
    assert_eq!(result.chain_id, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let comments: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        comments.contains(&"# method = generate_quantities"),
        "{comments:?}"
    );
    assert!(
        comments.contains(&"#   generate_quantities"),
        "{comments:?}"
    );
    assert!(
        comments.contains(&format!("#     fitted_params = {}", fit.csvs[0].display()).as_str()),
        "{comments:?}"
    );
    assert!(comments.contains(&"#   seed = 3"), "{comments:?}");
    // theta_sum is computed from the copied theta values.
    let sums = column(&result, "theta_sum");
    let thetas: Vec<Vec<f64>> = ["theta.1", "theta.2", "theta.3"]
        .iter()
        .map(|n| column(&input, n))
        .collect();
    for (row, sum) in sums.iter().enumerate() {
        let expected = thetas[0][row] + thetas[1][row] + thetas[2][row];
        assert!((sum - expected).abs() <= 1e-12 * expected.abs().max(1.0));
    }
}

/// Writes `fit.csvs[0]` without the column `name` (header and every row).
fn without_column(name: &str, to: &Path) {
    let text = std::fs::read_to_string(&fit().csvs[0]).unwrap();
    let mut index = None;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            lines.push(line.to_string());
            continue;
        }
        let mut fields: Vec<&str> = line.split(',').collect();
        let i = *index.get_or_insert_with(|| fields.iter().position(|f| *f == name).unwrap());
        fields.remove(i);
        lines.push(fields.join(","));
    }
    std::fs::write(to, lines.join("\n")).unwrap();
}

#[test]
fn a_missing_parameter_column_is_named() {
    let dir = temp_dir("missing-column");
    let csv = dir.join("no-theta3.csv");
    without_column("theta.3", &csv);
    let out = dir.join("out");
    let output = generate(&fit().model(), &[csv], &out, &["--seed", "1"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("no-theta3.csv has no column `theta.3`"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    // Nothing is written when the inputs do not fit the model.
    assert!(!out.exists());
}

#[test]
fn a_file_that_is_not_stan_csv_and_a_missing_file_are_explained() {
    let dir = temp_dir("not-csv");
    let json = dir.join("data.json");
    std::fs::write(&json, DATA).unwrap();
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.join("binary.csv");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x81, b'\n']).unwrap();
    let ragged = dir.join("ragged.csv");
    std::fs::write(&ragged, "lp__,mu\n1,2\n3\n").unwrap();
    let missing = dir.join("no-such-file.csv");
    let cases: [(&PathBuf, &str); 5] = [
        (&json, "is not Stan CSV"),
        (&empty, "has no column names"),
        (&binary, "is not a text file"),
        (&ragged, "ragged.csv:3: this row has 1 values"),
        (&missing, "cannot read the fitted-params file"),
    ];
    for (file, expected) in cases {
        let output = generate(
            &fit().model(),
            std::slice::from_ref(file),
            &dir.join("out"),
            &[],
        );
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "{file:?}: {message}");
        assert!(
            message.contains(&*file.file_name().unwrap().to_string_lossy()),
            "{message}"
        );
        assert!(!message.contains("panicked"), "{message}");
    }
}

#[test]
fn rows_with_invalid_parameter_values_are_reported_by_line() {
    let dir = temp_dir("bad-rows");
    let text = std::fs::read_to_string(&fit().csvs[0]).unwrap();
    let mut header: Option<Vec<String>> = None;
    let mut row = 0;
    let mut lines = Vec::new();
    let mut bad_lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            lines.push(line.to_string());
            continue;
        }
        let Some(names) = &header else {
            header = Some(line.split(',').map(String::from).collect());
            lines.push(line.to_string());
            continue;
        };
        row += 1;
        let mut fields: Vec<String> = line.split(',').map(String::from).collect();
        let at = |name: &str| names.iter().position(|n| n == name).unwrap();
        if row == 3 {
            fields[at("sigma")] = "-1.5".into();
            bad_lines.push(number + 1);
        }
        if row == 5 {
            fields[at("mu")] = "nan".into();
            bad_lines.push(number + 1);
        }
        lines.push(fields.join(","));
    }
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, lines.join("\n")).unwrap();
    let out = dir.join("out");
    let output = generate(&fit().model(), &[csv], &out, &["--seed", "1"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "bad.csv:{}: draw 3: the value of `sigma`",
            bad_lines[0]
        )),
        "{message}"
    );
    assert!(message.contains("below its lower bound"), "{message}");
    assert!(
        message.contains(&format!("bad.csv:{}: draw 5: `mu` is nan", bad_lines[1])),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    // The other rows are generated; the bad ones hold nan.
    let result = read(&out.join("m-generated-1.csv"));
    let mu2 = column(&result, "mu2");
    assert!(mu2[2].is_nan() && mu2[4].is_nan());
    assert_eq!(mu2.iter().filter(|v| v.is_finite()).count(), mu2.len() - 2);
}

#[test]
fn the_default_output_directory_is_new_each_time() {
    let dir = temp_dir("default-dir");
    let run_in_dir = |extra: &[&str]| {
        cmod()
            .current_dir(&dir)
            .arg("generate-quantities")
            .arg(fit().model())
            .arg("--data")
            .arg(fit().data())
            .arg("--fitted-params")
            .args(&fit().csvs)
            .args(extra)
            .output()
            .expect("cmod runs")
    };
    let first = run_in_dir(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // Without --seed one is chosen, printed, and kept in the header.
    let printed = stderr(&first);
    let seed = printed
        .split("(seed ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no seed printed: {printed}"));
    let header = std::fs::read_to_string(dir.join("m-gq-output/m-generated-1.csv")).unwrap();
    assert!(header.contains(&format!("#   seed = {seed}\n")), "{header}");
    let second = run_in_dir(&["--quiet"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(dir.join("m-gq-output/m-generated-2.csv").exists());
    assert!(dir.join("m-gq-output-2/m-generated-1.csv").exists());
}

#[test]
fn a_model_with_nothing_to_generate_is_refused() {
    let dir = temp_dir("nothing");
    let model = dir.join("bare.stan");
    std::fs::write(
        &model,
        "data { int<lower=0> N; vector[N] y; }\nparameters { real mu; real<lower=0> sigma; vector[3] theta; simplex[3] w; }\nmodel { y ~ normal(mu, sigma); }\n",
    )
    .unwrap();
    let output = generate(&model, &fit().csvs, &dir.join("out"), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("nothing to generate"),
        "{}",
        stderr(&output)
    );
}

/// ArviZ and pandas read the output, and cmdstanpy parses its header.
#[test]
fn python_tools_read_the_output() {
    let probe = Command::new("python3")
        .args(["-c", "import arviz, pandas, cmdstanpy"])
        .output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "arviz, pandas and cmdstanpy are needed in CI: python3 -m pip install arviz pandas cmdstanpy"
        );
        eprintln!("skipped: python3 with arviz, pandas and cmdstanpy is not installed here");
        return;
    }
    let fit = fit();
    let out = temp_dir("python");
    let output = generate(&fit.predict(), &fit.csvs, &out, &["--seed", "9", "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let files: Vec<String> = (1..=2)
        .map(|c| {
            format!(
                "{:?}",
                out.join(format!("predict-generated-{c}.csv"))
                    .display()
                    .to_string()
            )
        })
        .collect();
    let script = format!(
        r##"
import warnings
warnings.simplefilter("ignore")
import arviz as az, pandas as pd
from cmdstanpy.stanfit.metadata import InferenceMetadata
files = [{files}]
frame = pd.read_csv(files[0], comment="#")
assert frame.shape == (40, 7 + 8 + 3), frame.shape
assert list(frame.columns[-3:]) == ["theta_sum", "y_new.1", "y_new.2"], list(frame.columns)
data = az.from_cmdstan(posterior=files)
post = data.posterior
assert dict(post.sizes)["chain"] == 2 and dict(post.sizes)["draw"] == 40, post.sizes
assert post["y_new"].shape == (2, 40, 2), post["y_new"].shape
assert "diverging" in data.sample_stats
meta = InferenceMetadata.from_csv(files[0])
assert meta["method"] == "generate_quantities", meta.cmdstan_config
assert meta["fitted_params"].endswith("m-1.csv"), meta.cmdstan_config
assert {{"theta_sum", "y_new", "mu"}} <= set(meta.stan_vars), meta.stan_vars
print("ok")
"##,
        files = files.join(", ")
    );
    let result = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 runs");
    assert!(
        result.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

//! The fast subset of simulation-based calibration, in the normal test suite:
//! a small SBC of the Poisson regression must pass, and a generator that
//! disagrees with the model's prior must be caught.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-sbc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A small SBC: 30 replications, ranks among 19 draws in 5 bins, one short chain per fit.
fn small_sbc(extra: &[&str], out: &std::path::Path) -> Output {
    let mut args = vec![
        "sbc",
        "examples/sbc/poisson_regression",
        "--reps",
        "30",
        "--draws",
        "19",
        "--bins",
        "5",
        "--chains",
        "1",
        "--iter-warmup",
        "200",
        "--iter-sampling",
        "190",
        "--seed",
        "7",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = out.to_string_lossy().into_owned();
    Command::new(env!("CARGO_BIN_EXE_cmod"))
        .current_dir(root())
        .args(&args)
        .args(["--output-dir", &out])
        .output()
        .expect("cmod runs")
}

#[test]
fn small_sbc_of_poisson_regression_passes_and_writes_histograms() {
    let dir = temp_dir("pass");
    let output = small_sbc(&[], &dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("30 replications (30 fitted)"), "{stdout}");
    assert!(
        stdout.contains("p < 0.01 / 2") && stdout.contains("Bonferroni"),
        "{stdout}"
    );
    for param in ["alpha", "beta"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("poisson_regression") && l.contains(&format!(" {param} ")))
            .unwrap_or_else(|| panic!("no row for {param}:\n{stdout}"));
        assert!(line.ends_with("pass"), "{stdout}");
        let png = std::fs::read(dir.join(format!("{param}.png"))).expect("a histogram");
        assert!(png.starts_with(b"\x89PNG"), "{param}.png is not a PNG");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["passed"], true);
    let ranks = results["parameters"][0]["ranks"].as_array().unwrap();
    assert_eq!(ranks.len(), 30);
    assert!(ranks.iter().all(|r| r.as_u64().unwrap() <= 19));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_generator_that_disagrees_with_the_prior_fails() {
    // The generator simulates counts with log-mean alpha + 0.5 + beta * x
    // while the model says alpha + beta * x: alpha's posterior lies above the
    // true alpha, its ranks pile up near 0, and the test must say so.
    let dir = temp_dir("fail");
    let generator = dir.join("wide_generator.cmod");
    let source =
        std::fs::read_to_string(root().join("examples/sbc/poisson_regression/generator.cmod"))
            .unwrap()
            .replace(
                "poisson_log_rng(alpha + beta * x[n])",
                "poisson_log_rng(alpha + 0.5 + beta * x[n])",
            );
    assert!(source.contains("alpha + 0.5"));
    std::fs::write(&generator, source).unwrap();
    let generator = generator.to_string_lossy().into_owned();
    let output = small_sbc(&["--generator", &generator], &dir.join("out"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let alpha = stdout
        .lines()
        .find(|l| l.starts_with("poisson_regression") && l.contains(" alpha "))
        .unwrap_or_else(|| panic!("no row for alpha:\n{stdout}"));
    assert!(alpha.ends_with("FAIL"), "{stdout}");
    assert!(stdout.contains("poisson_regression: FAIL"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

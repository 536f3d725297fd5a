//! `cmod pathfinder` against posteriordb reference posteriors, its CSV as cmdstanpy reads it, `cmod run --inits pathfinder`, and bad input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cmod(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmod"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cmod-pathfinder-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Column names and rows of a Stan CSV.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let names = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (names, rows)
}

/// posteriordb's `beta[1]` or `Sigma[1,2]` as a CSV column name.
fn csv_name(reference: &str) -> String {
    reference.replace(['[', ','], ".").replace(']', "")
}

/// The means of easy posteriors are within a quarter of a posterior
/// standard deviation of the reference draws' means (issue 16's criterion).
#[test]
fn easy_posteriors_means_are_within_a_quarter_sd_of_the_references() {
    let posteriordb = root().join("../shared/posteriordb");
    let cases = [
        ("kidiq-kidscore_momiq", "kidscore_momiq"),
        ("sblrc-blr", "blr"),
        ("mesquite-logmesquite", "logmesquite"),
        ("earnings-logearn_interaction_z", "logearn_interaction_z"),
        ("garch-garch11", "garch11"),
        ("gp_pois_regr-gp_regr", "gp_regr"),
    ];
    let mut report = String::new();
    let mut failures = 0;
    for (dir, program) in cases {
        let out = scratch(dir);
        let data = posteriordb.join(dir).join("data.json");
        let model = format!("examples/posteriordb/{program}.cmod");
        let output = cmod(&[
            "pathfinder",
            &model,
            "--data",
            data.to_str().unwrap(),
            "--seed",
            "1",
            "--quiet",
            "--output-dir",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{dir}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (names, rows) = read_csv(&out.join(format!("{program}-pathfinder.csv")));
        assert_eq!(rows.len(), 1000);
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(posteriordb.join(dir).join("reference_draws.json")).unwrap(),
        )
        .unwrap();
        for (name, chains) in reference.as_object().unwrap() {
            let draws: Vec<f64> = chains
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
                .collect();
            let n = draws.len() as f64;
            let mean = draws.iter().sum::<f64>() / n;
            let sd = (draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let c = names.iter().position(|x| *x == csv_name(name)).unwrap();
            let ours = rows.iter().map(|r| r[c]).sum::<f64>() / rows.len() as f64;
            let z = (ours - mean).abs() / sd;
            report += &format!("{dir} {name}: {z:.3} sd\n");
            if z > 0.25 {
                failures += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    assert_eq!(failures, 0, "{report}");
}

#[test]
fn cmdstanpy_reads_the_draws_and_nuts_starts_from_them() {
    let out = scratch("cmdstanpy");
    let output = cmod(&[
        "pathfinder",
        "examples/eight_schools/eight_schools_noncentered.cmod",
        "--data",
        "examples/eight_schools/data.json",
        "--seed",
        "2",
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("Pareto k = "), "{stderr}");
    let (names, rows) = read_csv(&out.join("eight_schools_noncentered-pathfinder.csv"));
    assert_eq!(&names[..3], ["lp_approx__", "lp__", "mu"]);
    assert!(rows.iter().all(|r| r[0].is_finite() && r[1].is_finite()));
    let script = format!(
        "import warnings\nwarnings.simplefilter('ignore')\nimport cmdstanpy\nfit = cmdstanpy.from_csv(['{}'])\nassert type(fit).__name__ == 'CmdStanPathfinder', type(fit)\nassert fit.stan_variable('theta').shape == (1000, 8)\nprint('ok')\n",
        out.join("eight_schools_noncentered-pathfinder.csv").display()
    );
    match Command::new("python3").args(["-c", &script]).output() {
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named") => {
            eprintln!("skipped: cmdstanpy is not installed");
        }
        Ok(o) => assert!(
            String::from_utf8_lossy(&o.stdout).starts_with("ok"),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => eprintln!("skipped: python3 is not installed"),
    }
    // NUTS from Pathfinder's draws: the chains run and agree.
    let run_out = scratch("run");
    let output = cmod(&[
        "run",
        "examples/eight_schools/eight_schools_noncentered.cmod",
        "--data",
        "examples/eight_schools/data.json",
        "--seed",
        "2",
        "--inits",
        "pathfinder",
        "--chains",
        "2",
        "--iter-warmup",
        "200",
        "--iter-sampling",
        "200",
        "--output-dir",
        run_out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("Pathfinder"), "{stderr}");
    let header = std::fs::read_to_string(run_out.join("eight_schools_noncentered-1.csv")).unwrap();
    assert!(
        header.contains("# init = user"),
        "the chains start from given points"
    );
}

#[test]
fn bad_flags_and_models_without_a_mode_are_errors_in_words() {
    let out = scratch("bad");
    for flags in [
        ["--num-paths", "0"],
        ["--init-alpha", "-1"],
        ["--num-draws", "0"],
    ] {
        let mut args = vec![
            "pathfinder",
            "examples/eight_schools/eight_schools_noncentered.cmod",
            "--data",
            "examples/eight_schools/data.json",
        ];
        args.extend(flags);
        let output = cmod(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(flags[0]) && !stderr.contains("panicked"),
            "{flags:?}: {stderr}"
        );
    }
    // A log density that is flat everywhere gives no approximation.
    std::fs::create_dir_all(&out).unwrap();
    let model = out.join("flat.cmod");
    std::fs::write(&model, "parameters { real x; } model { }").unwrap();
    let output = cmod(&[
        "pathfinder",
        model.to_str().unwrap(),
        "--output-dir",
        out.join("o").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no path found an approximation"),
        "{stderr}"
    );
}

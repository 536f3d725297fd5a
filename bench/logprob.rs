//! Benchmark, not a test: compile time, log density and gradient speed of every golden model, against Stan's in the same run.
//!
//!     cargo run --release --example bench_logprob [-- OPTIONS]
//!
//! For each model of ../shared/golden/logprob that has a source (a `.cmod` in
//! examples/posteriordb/ named after the part of the golden name after the
//! dash, or the golden directory's own `.stan` for the two zoo models), it
//! measures:
//! - compile time from source text to callable native code (front end, data
//!   check, lowering, AD, Cranelift), the median of repeated compiles;
//! - time per log density and per gradient at the golden point `points[0].u`,
//!   in calibrated loops, the median over repeats;
//! - Stan's time per gradient at the same point, by running
//!   `bench/stan_grad.py` (which builds Stan's C++ from the same source once,
//!   cached) in the same rounds, interleaved with cmod's.
//!
//! Options: `--golden DIR`, `--models DIR`, `--rounds N` (default 3),
//! `--target-s S` (seconds per timed repeat, default 0.2), `--repeats N`
//! (repeats per round, default 5), `--compiles N` (default 20), `--no-stan`,
//! `--only NAME` (a substring of the golden name), `--json FILE` (raw results).

#[path = "../src/commands/data.rs"]
#[allow(dead_code)]
mod data;

use compiler::compiled::{compile, Evaluator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

struct Options {
    golden: PathBuf,
    models: PathBuf,
    rounds: usize,
    target_s: f64,
    repeats: usize,
    compiles: usize,
    stan: bool,
    only: Option<String>,
    json_out: Option<PathBuf>,
}

fn options() -> Options {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        golden: root.join("../shared/golden/logprob"),
        models: root.join("examples/posteriordb"),
        rounds: 3,
        target_s: 0.2,
        repeats: 5,
        compiles: 20,
        stan: true,
        only: None,
        json_out: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let val = |i: usize| {
            args.get(i + 1)
                .cloned()
                .unwrap_or_else(|| panic!("{} needs a value", args[i]))
        };
        match args[i].as_str() {
            "--golden" => o.golden = val(i).into(),
            "--models" => o.models = val(i).into(),
            "--rounds" => o.rounds = val(i).parse().expect("--rounds N"),
            "--target-s" => o.target_s = val(i).parse().expect("--target-s S"),
            "--repeats" => o.repeats = val(i).parse().expect("--repeats N"),
            "--compiles" => o.compiles = val(i).parse().expect("--compiles N"),
            "--only" => o.only = Some(val(i)),
            "--json" => o.json_out = Some(val(i).into()),
            "--no-stan" => {
                o.stan = false;
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    o
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Per-call microseconds of `repeats` timed loops, each calibrated to about `target_s` seconds.
fn time_loop(mut f: impl FnMut(), target_s: f64, repeats: usize) -> Vec<f64> {
    let mut n: u64 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let dt = t.elapsed().as_secs_f64();
        if dt >= target_s * 0.5 || n > (1 << 30) {
            n = ((n as f64) * target_s / dt.max(1e-9)).max(1.0) as u64;
            break;
        }
        n *= 4;
    }
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            1e6 * t.elapsed().as_secs_f64() / n as f64
        })
        .collect()
}

/// Where a golden model's source is, if it has one.
fn source_of(o: &Options, name: &str) -> Option<PathBuf> {
    let short = name.split_once('-').map(|(_, m)| m).unwrap_or(name);
    [
        o.models.join(format!("{short}.cmod")),
        o.models.join(format!("{name}.cmod")),
        o.golden.join(format!("{name}.stan")),
    ]
    .into_iter()
    .find(|p| p.exists())
}

struct Compiled {
    evaluator: Evaluator,
    /// Medians in milliseconds: total, front end, data, lowering + AD + JIT.
    total_ms: f64,
    front_ms: f64,
    data_ms: f64,
    codegen_ms: f64,
}

/// Source text to callable code, once; the three phases timed separately.
fn compile_once(src: &str, data_path: Option<&Path>) -> Result<(Evaluator, [f64; 3]), String> {
    let t0 = Instant::now();
    let front = compiler::front_end(src);
    let checked = match (&front.checked, front.has_errors()) {
        (Some(c), false) => c,
        _ => {
            let d = compiler::diagnostics::render(&front.diagnostics, "model", src, false);
            return Err(d.lines().next().unwrap_or("front-end errors").to_string());
        }
    };
    let t1 = Instant::now();
    let values = data::load(&front.parsed.program, "model", src, data_path, false)?;
    let t2 = Instant::now();
    let model =
        compile(&front.parsed.program, &checked.typed, src, &values).map_err(|e| match e {
            compiler::compiled::ModelError::Compile(d) => {
                let r = compiler::diagnostics::render(&[d], "model", src, false);
                r.lines().next().unwrap_or("compile error").to_string()
            }
            compiler::compiled::ModelError::TransformedData(m) => m,
        })?;
    let t3 = Instant::now();
    let ms = |a: Instant, b: Instant| 1e3 * (b - a).as_secs_f64();
    Ok((
        Evaluator::new(Arc::new(model)),
        [ms(t0, t1), ms(t1, t2), ms(t2, t3)],
    ))
}

fn compile_model(src: &str, data_path: Option<&Path>, n: usize) -> Result<Compiled, String> {
    let (mut tot, mut fr, mut da, mut cg) = (vec![], vec![], vec![], vec![]);
    let mut last = None;
    for _ in 0..n.max(1) {
        let (ev, [f, d, c]) = compile_once(src, data_path)?;
        tot.push(f + d + c);
        fr.push(f);
        da.push(d);
        cg.push(c);
        last = Some(ev);
    }
    Ok(Compiled {
        evaluator: last.expect("at least one compile"),
        total_ms: median(&mut tot),
        front_ms: median(&mut fr),
        data_ms: median(&mut da),
        codegen_ms: median(&mut cg),
    })
}

fn stan_round(o: &Options, src: &Path, data: Option<&Path>, point: &Path) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/stan_grad.py");
    let data_arg = data.map(|d| d.display().to_string()).unwrap_or("-".into());
    let out = Command::new("python3")
        .arg(&script)
        .arg(src)
        .arg(&data_arg)
        .arg(point)
        .args(["--target-s", &o.target_s.to_string()])
        .args(["--repeats", &o.repeats.to_string()])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad output from stan_grad.py: {e}"))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / x.abs().max(y.abs()).max(1e-300))
        .fold(0.0, f64::max)
}

fn main() {
    let o = options();
    let mut names: Vec<String> = std::fs::read_dir(&o.golden)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", o.golden.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".data.json"))
        .map(|n| n.trim_end_matches(".json").to_string())
        .filter(|n| o.only.as_ref().is_none_or(|s| n.contains(s.as_str())))
        .collect();
    names.sort();
    eprintln!("load average at start: {}", loadavg());
    let tmp = std::env::temp_dir().join(format!("cmod-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");

    let mut rows = vec![];
    let mut skipped = vec![];
    for name in &names {
        let golden: Value = serde_json::from_str(
            &std::fs::read_to_string(o.golden.join(format!("{name}.json"))).expect("golden file"),
        )
        .expect("golden JSON");
        let Some(src_path) = source_of(&o, name) else {
            skipped.push((name.clone(), "not compiled yet: no .cmod".to_string()));
            continue;
        };
        let data_path = golden["data"].as_str().map(|d| o.golden.join(d));
        let u: Vec<f64> = golden["points"][0]["u"]
            .as_array()
            .expect("points[0].u")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect();
        let want_grad: Vec<f64> = golden["points"][0]["grad"]
            .as_array()
            .expect("grad")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect();
        let point = tmp.join(format!("{name}.point.json"));
        std::fs::write(&point, json!({ "u": u }).to_string()).expect("write point");
        let src = std::fs::read_to_string(&src_path).expect("model source");
        eprintln!(
            "{name}: compiling {} ({} times)",
            src_path.display(),
            o.compiles
        );
        let mut c = match compile_model(&src, data_path.as_deref(), o.compiles) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{name}: {e}");
                skipped.push((name.clone(), format!("not compiled yet: {e}")));
                continue;
            }
        };
        let mut grad = vec![0.0; u.len()];
        let lp = c.evaluator.log_density(&u, true);
        let lpg = c.evaluator.log_density_gradient(&u, &mut grad, true);
        if let Err(e) = lp.as_ref().and(lpg.as_ref()) {
            skipped.push((name.clone(), format!("evaluation failed: {e}")));
            continue;
        }
        let grad_err = rel_err(&grad, &want_grad);
        let (mut lp_us, mut grad_us, mut stan_us, mut stan_lp_us) =
            (vec![], vec![], vec![], vec![]);
        let mut stan_compile = None;
        let mut stan_err = None;
        for round in 0..o.rounds {
            eprintln!(
                "{name}: round {} of {} (load {})",
                round + 1,
                o.rounds,
                loadavg()
            );
            let ev = &mut c.evaluator;
            lp_us.extend(time_loop(
                || {
                    std::hint::black_box(ev.log_density(std::hint::black_box(&u), true).ok());
                },
                o.target_s,
                o.repeats,
            ));
            grad_us.extend(time_loop(
                || {
                    std::hint::black_box(
                        ev.log_density_gradient(std::hint::black_box(&u), &mut grad, true)
                            .ok(),
                    );
                },
                o.target_s,
                o.repeats,
            ));
            if o.stan && stan_err.is_none() {
                match stan_round(&o, &src_path, data_path.as_deref(), &point) {
                    Ok(v) => {
                        stan_us.push(v["grad_us_median"].as_f64().unwrap_or(f64::NAN));
                        stan_lp_us.push(v["lp_double_us_median"].as_f64().unwrap_or(f64::NAN));
                        stan_compile = v["compile"]["compile_s"].as_f64();
                    }
                    Err(e) => {
                        eprintln!("{name}: Stan failed: {e}");
                        stan_err = Some(e);
                    }
                }
            }
        }
        let lp_med = median(&mut lp_us);
        let grad_med = median(&mut grad_us);
        let stan_med = median(&mut stan_us);
        let stan_lp_med = median(&mut stan_lp_us);
        rows.push(json!({
            "model": name,
            "source": src_path.display().to_string(),
            "dim": u.len(),
            "compile_ms": c.total_ms,
            "front_end_ms": c.front_ms,
            "data_ms": c.data_ms,
            "codegen_ms": c.codegen_ms,
            "lp_us": lp_med,
            "grad_us": grad_med,
            "grad_over_lp": grad_med / lp_med,
            "grad_rel_err_vs_golden": grad_err,
            "stan_compile_s": stan_compile,
            "stan_grad_us": if stan_us.is_empty() { Value::Null } else { json!(stan_med) },
            "stan_lp_us": if stan_lp_us.is_empty() { Value::Null } else { json!(stan_lp_med) },
            "stan_over_cmod": if stan_us.is_empty() { Value::Null } else { json!(stan_med / grad_med) },
            "stan_error": stan_err,
        }));
    }
    print_table(&rows, &skipped);
    eprintln!("load average at end: {}", loadavg());
    if let Some(path) = &o.json_out {
        let all = json!({ "rows": rows, "skipped": skipped, "loadavg_end": loadavg() });
        std::fs::write(path, serde_json::to_string_pretty(&all).unwrap()).expect("write --json");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

fn fmt(v: &Value, digits: usize) -> String {
    v.as_f64()
        .map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

fn geomean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = xs.filter(|x| x.is_finite() && *x > 0.0).collect();
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn print_table(rows: &[Value], skipped: &[(String, String)]) {
    println!("| model | dim | cmod compile ms | Stan compile s | cmod lp µs | cmod grad µs | grad/lp | Stan grad µs | Stan/cmod (grad) | grad vs golden |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0e} |",
            r["model"].as_str().unwrap_or("?"),
            r["dim"],
            fmt(&r["compile_ms"], 2),
            fmt(&r["stan_compile_s"], 1),
            fmt(&r["lp_us"], 3),
            fmt(&r["grad_us"], 3),
            fmt(&r["grad_over_lp"], 2),
            fmt(&r["stan_grad_us"], 3),
            fmt(&r["stan_over_cmod"], 2),
            r["grad_rel_err_vs_golden"].as_f64().unwrap_or(f64::NAN),
        );
    }
    let g = |key: &str| geomean(rows.iter().filter_map(|r| r[key].as_f64()));
    let show = |x: Option<f64>, d: usize| x.map(|x| format!("{x:.d$}")).unwrap_or("-".into());
    println!(
        "| **geometric mean** | | {} | {} | | | {} | | {} | |",
        show(g("compile_ms"), 2),
        show(g("stan_compile_s"), 1),
        show(g("grad_over_lp"), 2),
        show(g("stan_over_cmod"), 2),
    );
    println!();
    println!("Compile time split (medians, ms): front end / data check / lowering + AD + JIT");
    for r in rows {
        println!(
            "- {}: {} / {} / {}",
            r["model"].as_str().unwrap_or("?"),
            fmt(&r["front_end_ms"], 2),
            fmt(&r["data_ms"], 2),
            fmt(&r["codegen_ms"], 2)
        );
    }
    if !skipped.is_empty() {
        println!();
        println!("Not measured:");
        for (name, why) in skipped {
            println!("- {name}: {why}");
        }
    }
}

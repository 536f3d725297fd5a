//! `cmod check --emit ir|grad-ir|clif` prints each compiler stage of a model with its data.

use std::process::Command;

fn emit(stage: &str) -> (bool, String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_cmod"))
        .args([
            "check",
            "--emit",
            stage,
            &format!("{root}/examples/posteriordb/eight_schools_noncentered.cmod"),
            "--data",
            &format!(
                "{root}/../shared/posteriordb/eight_schools-eight_schools_noncentered/data.json"
            ),
        ])
        .output()
        .expect("run cmod");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_ir_stage_is_printed() {
    let (ok, ir, err) = emit("ir");
    assert!(ok, "{err}");
    assert!(
        ir.contains("fn log_density:") && ir.contains("fn generate:"),
        "{ir}"
    );
    assert!(!ir.contains("fn gradient:"), "{ir}");
    let (ok, grad, err) = emit("grad-ir");
    assert!(ok, "{err}");
    assert!(grad.starts_with("fn gradient:"), "{grad}");
    // The reverse sweep adds into the adjoints down to the unconstrained
    // parameters' gradient. (This model overwrites nothing, so the tape
    // holds nothing: a bounded parameter's constrained value is written
    // once, and is no longer pushed.)
    assert!(
        grad.contains("d__theta[") && !grad.contains("push "),
        "the reverse sweep:\n{grad}"
    );
    let (ok, clif, err) = emit("clif");
    assert!(ok, "{err}");
    assert!(clif.contains("function u0:"), "{clif}");
}

#[test]
fn the_ir_stages_need_the_data() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_cmod"))
        .args([
            "check",
            "--emit",
            "ir",
            &format!("{root}/examples/posteriordb/eight_schools_noncentered.cmod"),
        ])
        .output()
        .expect("run cmod");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data"));
}

//! The fast subset of the posteriordb validation, in the normal test suite:
//! posteriors that sample in seconds must match their reference draws.

use std::process::Command;

#[test]
fn fast_posteriors_match_their_references() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new(env!("CARGO_BIN_EXE_cmod"))
        .current_dir(root)
        .args([
            "validate",
            "--only",
            "eight_schools",
            "--only",
            "kidiq",
            "--only",
            "sblrc",
            "--only",
            "mesquite",
        ])
        .output()
        .expect("cmod runs");
    let table = String::from_utf8_lossy(&output.stdout);
    // Posteriors whose programs are not written yet are listed as such; every
    // posterior that runs must pass.
    for line in table
        .lines()
        .filter(|l| l.contains(" pass") || l.contains(" FAIL"))
    {
        assert!(
            !line.contains("FAIL") || line.contains("no program"),
            "{table}"
        );
    }
    assert!(
        table.contains("eight_schools-eight_schools_noncentered"),
        "{table}"
    );
}

//! Reads every posteriordb data file in shared/posteriordb: they are valid CmdStan JSON, so each must parse.

use runtime::data_json::{read_data_json, JsonValue};
use std::path::Path;

fn count_numbers(value: &JsonValue) -> usize {
    match value {
        JsonValue::Int(_) | JsonValue::Real(_) | JsonValue::BigInt(_) => 1,
        JsonValue::Array(items) => items.iter().map(count_numbers).sum(),
        JsonValue::Other(_) => 0,
    }
}

#[test]
fn every_posteriordb_data_file_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/posteriordb");
    let Ok(entries) = std::fs::read_dir(&root) else {
        eprintln!("skipped: {} is not here", root.display());
        return;
    };
    let mut n_files = 0;
    for entry in entries.flatten() {
        let path = entry.path().join("data.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let file = read_data_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!file.variables.is_empty(), "{}", path.display());
        for variable in &file.variables {
            assert!(
                !matches!(variable.value, JsonValue::Other(_)),
                "{}: `{}` is not numeric",
                path.display(),
                variable.name
            );
            assert!(
                count_numbers(&variable.value) > 0
                    || matches!(&variable.value, JsonValue::Array(a) if a.is_empty())
            );
        }
        n_files += 1;
    }
    assert!(n_files >= 12, "found only {n_files} posteriordb data files");
}

#[test]
fn eight_schools_values_and_lines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/posteriordb/eight_schools-eight_schools_noncentered/data.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is not here", path.display());
        return;
    };
    let file = read_data_json(&text).unwrap();
    assert_eq!(file.get("J").unwrap().value, JsonValue::Int(8));
    let JsonValue::Array(y) = &file.get("y").unwrap().value else {
        panic!("y is not an array");
    };
    assert_eq!(y.len(), 8);
}

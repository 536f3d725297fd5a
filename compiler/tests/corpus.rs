//! The front end's program corpus: every valid program checks cleanly, every invalid one has a reviewed snapshot of its message, and docs/errors.md is generated from them.
//!
//! Valid programs live in `tests/check/valid` (and `examples/`); a line
//! `// expect: W005` in a valid program allows that warning. Invalid programs
//! live in `tests/check/invalid`, one mistake each: the file's first line is a
//! `//` comment saying what the mistake is, and the front end must report
//! exactly one diagnostic for it. Set `CMOD_UPDATE_DOCS=1` to rewrite
//! docs/errors.md after changing a message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.cmod` files under `dir` (recursively), sorted by path.
fn cmod_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "cmod") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The codes a program's `// expect: W001 W005` lines allow.
fn expected_warnings(source: &str) -> Vec<String> {
    let mut codes: Vec<String> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// expect:"))
        .flat_map(|rest| rest.split_whitespace().map(str::to_string))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn check_valid(path: &Path, failures: &mut Vec<String>) {
    let source = read(path);
    let result = compiler::front_end(&source);
    let mut warnings: Vec<String> = result
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    warnings.sort();
    warnings.dedup();
    if result.has_errors() || warnings != expected_warnings(&source) {
        failures.push(format!(
            "{} (expected warnings {:?}):\n{}",
            path.display(),
            expected_warnings(&source),
            compiler::diagnostics::render(&result.diagnostics, &file_name(path), &source, false)
        ));
    }
    if result.checked.is_none() && !result.has_errors() {
        failures.push(format!("{}: not checked", path.display()));
    }
}

#[test]
fn valid_programs_check_cleanly() {
    let files = cmod_files(&workspace_root().join("tests/check/valid"));
    let mut failures = Vec::new();
    for path in &files {
        check_valid(path, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(files.len() >= 60, "only {} valid programs", files.len());
}

#[test]
fn example_models_check_cleanly() {
    let files = cmod_files(&workspace_root().join("examples"));
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in &files {
        check_valid(path, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One invalid program with what the front end said about it.
struct Invalid {
    stem: String,
    source: String,
    explanation: String,
    codes: Vec<&'static str>,
    rendered: String,
}

fn invalid_programs() -> Vec<Invalid> {
    let files = cmod_files(&workspace_root().join("tests/check/invalid"));
    files
        .iter()
        .map(|path| {
            let source = read(path);
            let explanation = source
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("// "))
                .unwrap_or_else(|| panic!("{}: first line must be a `// ` comment", path.display()))
                .to_string();
            let result = compiler::front_end(&source);
            Invalid {
                stem: path.file_stem().unwrap().to_string_lossy().into_owned(),
                codes: result.diagnostics.iter().map(|d| d.code).collect(),
                rendered: compiler::diagnostics::render(
                    &result.diagnostics,
                    &file_name(path),
                    &source,
                    false,
                ),
                source,
                explanation,
            }
        })
        .collect()
}

#[test]
fn invalid_programs_have_one_reviewed_message_each() {
    let programs = invalid_programs();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../tests/check/invalid/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let mut failures = Vec::new();
    for p in &programs {
        if p.codes.len() != 1 {
            failures.push(format!(
                "{}: expected exactly one diagnostic, got {}:\n{}",
                p.stem,
                p.codes.len(),
                p.rendered
            ));
        }
        let prefix = p.stem.split('_').next().unwrap_or("").to_uppercase();
        if !p.codes.iter().any(|c| *c == prefix) {
            failures.push(format!(
                "{}: the file name says {prefix} but the front end reported {:?}",
                p.stem, p.codes
            ));
        }
        settings.bind(|| {
            insta::assert_snapshot!(
                p.stem.clone(),
                format!("{}\n----\n{}", p.source.trim_end(), p.rendered)
            );
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        programs.len() >= 80,
        "only {} invalid programs",
        programs.len()
    );
}

/// Every code the front end defines, read from the files that define them.
fn defined_codes() -> Vec<String> {
    let mut codes = Vec::new();
    for file in [
        "compiler/src/syntax/error.rs",
        "compiler/src/check/error.rs",
    ] {
        let text = read(&workspace_root().join(file));
        let bytes = text.as_bytes();
        for i in 0..bytes.len().saturating_sub(5) {
            let quoted = bytes[i] == b'"' && bytes[i + 5] == b'"';
            let letter = bytes[i + 1] == b'E' || bytes[i + 1] == b'W';
            if quoted && letter && bytes[i + 2..i + 5].iter().all(u8::is_ascii_digit) {
                codes.push(text[i + 1..i + 5].to_string());
            }
        }
    }
    codes.sort();
    codes.dedup();
    codes
}

/// docs/errors.md: each code with the explanation and example of the first invalid program that shows it.
fn errors_doc(programs: &[Invalid]) -> String {
    let mut by_code: BTreeMap<&str, &Invalid> = BTreeMap::new();
    for p in programs {
        let prefix = p.stem.split('_').next().unwrap_or("").to_uppercase();
        if let Some(code) = p.codes.iter().find(|c| **c == prefix) {
            by_code.entry(code).or_insert(p);
        }
    }
    let mut doc = String::from(
        "# Diagnostics\n\n\
         Every error (`E...`) and warning (`W...`) that `cmod check` can report, with a\n\
         program that triggers it and the message it gets. Errors stop a model from\n\
         running; warnings point at likely mistakes and do not.\n\n\
         This page is generated from `tests/check/invalid` by\n\
         `CMOD_UPDATE_DOCS=1 cargo test -p compiler --test corpus`; a test keeps it in step.\n\n",
    );
    for (code, p) in &by_code {
        doc.push_str(&format!("## {code}\n\n{}\n\n", p.explanation));
        let body: Vec<&str> = p.source.lines().skip(1).collect();
        doc.push_str(&format!("```stan\n{}\n```\n\n", body.join("\n").trim()));
        doc.push_str(&format!("```text\n{}\n```\n\n", p.rendered.trim_end()));
    }
    doc
}

#[test]
fn every_code_has_an_example_and_errors_md_is_current() {
    let programs = invalid_programs();
    let shown: Vec<&str> = programs
        .iter()
        .flat_map(|p| p.codes.iter().copied())
        .collect();
    let missing: Vec<String> = defined_codes()
        .into_iter()
        .filter(|c| !shown.contains(&c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "codes with no invalid program: {missing:?}"
    );
    let doc = errors_doc(&programs);
    let path = workspace_root().join("docs/errors.md");
    if std::env::var_os("CMOD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/errors.md is out of date: run `CMOD_UPDATE_DOCS=1 cargo test -p compiler --test corpus`"
    );
}

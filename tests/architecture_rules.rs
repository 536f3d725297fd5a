//! The architecture's rules that a reading of the source can check
//! (../shared/DESIGN.md, docs/architecture.md): the compiler and the standard
//! library do no IO, and the runtime knows nothing of the compiler.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The lines of a file before its `#[cfg(test)]` module, without comments.
fn non_test_code(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(i, line)| (i + 1, line))
        .collect()
}

/// The places in `text` that write to a terminal or touch files.
fn io_uses(text: &str) -> Vec<(usize, String)> {
    const IO: [&str; 8] = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "std::fs",
        "std::io::stdout",
        "std::io::stderr",
        "std::io::stdin",
    ];
    non_test_code(text)
        .into_iter()
        .filter(|(_, line)| {
            IO.iter().any(|io| {
                line.match_indices(io).any(|(at, _)| {
                    // `print!(` inside `eprint!(` or `sprint!` is not a print.
                    let before = line[..at].chars().last();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
        })
        .map(|(number, line)| (number, line.trim().to_string()))
        .collect()
}

#[test]
fn the_compiler_and_the_standard_library_do_no_io() {
    let mut found = Vec::new();
    for crate_dir in ["compiler/src", "stdlib/src"] {
        for file in rust_files(&root().join(crate_dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, code) in io_uses(&text) {
                found.push(format!("{}:{line}: {code}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "IO in the compiler or stdlib (return the text to the caller instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_rule_finds_io_outside_tests_only() {
    let text = "fn f() {\n    eprintln!(\"x\");\n    // println!(\"comment\")\n}\n#[cfg(test)]\nmod tests {\n    fn g() { println!(\"fine\"); }\n}\n";
    assert_eq!(io_uses(text), vec![(2, "eprintln!(\"x\");".to_string())]);
    assert!(io_uses("let s = format!(\"{}\", sprint!(x));").is_empty());
    assert_eq!(io_uses("let t = std::fs::read(p);").len(), 1);
}

#[test]
fn the_runtime_does_not_depend_on_the_compiler() {
    let manifest = std::fs::read_to_string(root().join("runtime/Cargo.toml")).unwrap();
    let dependencies: Vec<&str> = manifest
        .lines()
        .skip_while(|line| !line.starts_with("[dependencies]"))
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .collect();
    for line in &dependencies {
        let name = line.split(['=', '.', ' ']).next().unwrap_or("");
        assert!(
            name != "compiler" && name != "stdlib",
            "runtime/Cargo.toml depends on {name}: the runtime samples any Model and knows nothing of the compiler"
        );
    }
    assert!(
        !dependencies.is_empty(),
        "runtime/Cargo.toml has a [dependencies] table"
    );
}

//! Data files checked against models: a corpus of bad files with a snapshot of each message, and the layout of good data.
//!
//! Each bad file is `tests/data/bad/<model>/<case>.json` and goes with
//! `tests/data/models/<model>.cmod`. Its snapshot holds the file and the
//! rendered diagnostics together. Cases named `warn_*` give only warnings.

use compiler::data::{
    check_data, data_file_diagnostic, DataCheck, DataInput, DataValue, DataValues, InputVariable,
};
use compiler::diagnostics::render;
use runtime::data_json::{read_data_json, JsonValue};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn to_data_value(value: JsonValue) -> DataValue {
    match value {
        JsonValue::Int(i) => DataValue::Int(i),
        JsonValue::BigInt(text) => DataValue::BigInt(text),
        JsonValue::Real(x) => DataValue::Real(x),
        JsonValue::Array(items) => DataValue::Array(items.into_iter().map(to_data_value).collect()),
        JsonValue::Other(text) => DataValue::Other(text),
    }
}

/// What `cmod run` prints for a model and a data file (errors rendered against
/// the model, or against the data file when it is not valid JSON), and whether
/// any of it is an error.
fn check(
    model_name: &str,
    model: &str,
    data_name: &str,
    data: Option<&str>,
) -> (String, Option<DataCheck>) {
    let front = compiler::front_end(model);
    assert!(
        !front.has_errors(),
        "{model_name} does not compile:\n{}",
        render(&front.diagnostics, model_name, model, false)
    );
    let input = match data.map(read_data_json) {
        None => None,
        Some(Err(e)) => {
            let diagnostic = data_file_diagnostic(&e.kind.to_string(), e.line, e.column, e.offset);
            return (
                render(&[diagnostic], data_name, data.unwrap_or(""), false),
                None,
            );
        }
        Some(Ok(file)) => Some(DataInput {
            file_name: data_name.to_string(),
            variables: file
                .variables
                .into_iter()
                .map(|v| InputVariable {
                    name: v.name,
                    value: to_data_value(v.value),
                    line: v.line,
                })
                .collect(),
        }),
    };
    let checked = check_data(&front.parsed.program, input.as_ref());
    (
        render(&checked.diagnostics(), model_name, model, false),
        Some(checked),
    )
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

#[test]
fn bad_data_files_have_reviewed_messages() {
    let mut n_cases = 0;
    let mut examples = BTreeMap::new();
    let mut model_dirs: Vec<PathBuf> = std::fs::read_dir(data_dir().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    model_dirs.sort();
    for model_dir in model_dirs {
        let model_stem = model_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let model_name = format!("{model_stem}.cmod");
        let model = std::fs::read_to_string(data_dir().join("models").join(&model_name)).unwrap();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&model_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            let case_stem = case.file_stem().unwrap().to_string_lossy().into_owned();
            let data_name = case.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read_to_string(&case).unwrap();
            let (rendered, checked) = check(&model_name, &model, &data_name, Some(&data));
            if case_stem.starts_with("warn_") {
                let checked = checked.expect("a warning case must be valid JSON");
                assert!(!checked.has_errors(), "{data_name}: {rendered}");
                assert!(!checked.errors.is_empty(), "{data_name} gives no warning");
            } else if let Some(checked) = &checked {
                assert!(
                    checked.has_errors(),
                    "{data_name} for {model_name} gives no error"
                );
            }
            insta::with_settings!({
                snapshot_path => "data/snapshots",
                prepend_module_to_snapshot => false,
                description => format!("{model_name} with {data_name}"),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{model_stem}__{case_stem}"), format!("--- {data_name}\n{data}--- messages\n{rendered}"));
            });
            n_cases += 1;
            for code in codes_in(&rendered) {
                examples.entry(code).or_insert_with(|| {
                    (
                        model_name.clone(),
                        data_name.clone(),
                        data.clone(),
                        rendered.clone(),
                    )
                });
            }
        }
    }
    assert!(n_cases >= 25, "only {n_cases} bad data files");
    let model = std::fs::read_to_string(data_dir().join("models/regression.cmod")).unwrap();
    let (rendered, _) = check("regression.cmod", &model, "", None);
    examples.insert(
        "E411".to_string(),
        (
            "regression.cmod".into(),
            String::new(),
            String::new(),
            rendered,
        ),
    );
    check_data_errors_doc(&examples);
}

/// The codes (`E4xx`, `W4xx`) in rendered diagnostics.
fn codes_in(rendered: &str) -> Vec<String> {
    rendered
        .lines()
        .filter_map(|line| {
            let start = line.find('[')?;
            let end = line[start..].find(']')? + start;
            let code = &line[start + 1..end];
            (code.len() == 4 && (code.starts_with("E4") || code.starts_with("W4")))
                .then(|| code.to_string())
        })
        .collect()
}

/// What each data code means, for docs/data-errors.md.
const DATA_CODES: &[(&str, &str)] = &[
    ("E400", "A variable the data block declares is not in the data file."),
    ("E401", "A real, an infinity or NaN where an int is declared."),
    ("E402", "A value of the wrong shape: a number where an array is declared, an array where a number is, or an array of the wrong length. Matrices are lists of rows."),
    ("E403", "A string (other than \"inf\", \"-inf\", \"NaN\" and their spellings), `true`, `false`, `null` or an object where a number is needed."),
    ("E404", "An int too large for 64 bits."),
    ("E405", "A value outside the declared bounds; the message gives the first such value, its index and the bound, and counts the others."),
    ("E406", "NaN in a variable with bounds, which NaN cannot satisfy."),
    ("E407", "A value that breaks its constrained type: a simplex that does not sum to 1, an ordered vector that does not increase, a covariance matrix that is not symmetric positive definite, and so on (tolerance 1e-8, as Stan)."),
    ("E408", "A size that evaluates to a negative number with this data."),
    ("E409", "A size or bound that cmod cannot evaluate from data yet."),
    ("E410", "A size or bound that fails with this data (division by zero, overflow, an index out of range)."),
    ("E411", "A model with a non-empty data block run without a data file."),
    ("E412", "A data file that is not valid JSON, with the line and column of the problem; rendered against the data file itself."),
    ("W400", "Variables in the data file that the data block does not declare; they are ignored."),
];

/// docs/data-errors.md: each data code with its meaning and the first corpus case that shows it.
fn check_data_errors_doc(examples: &BTreeMap<String, (String, String, String, String)>) {
    let defined = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("compiler/src/data/error.rs"),
    )
    .unwrap();
    let mut doc = String::from(
        "# Data diagnostics\n\n\
         Every error (`E4xx`) and warning (`W400`) that checking a data file against a\n\
         model's data block can give, with a bad data file from `tests/data/bad` that\n\
         triggers it and the message it gets. Each message names the variable and\n\
         points at its declaration in the model.\n\n\
         This page is generated by `CMOD_UPDATE_DOCS=1 cargo test --test data_files`;\n\
         a test keeps it in step.\n\n",
    );
    for (code, meaning) in DATA_CODES {
        assert!(
            defined.contains(&format!("\"{code}\"")),
            "{code} is not in compiler/src/data/error.rs"
        );
        let (model_name, data_name, data, rendered) = examples
            .get(*code)
            .unwrap_or_else(|| panic!("no bad data file shows {code}"));
        doc.push_str(&format!("## {code}\n\n{meaning}\n\n"));
        if data_name.is_empty() {
            doc.push_str(&format!(
                "`tests/data/models/{model_name}` run without `--data`:\n\n"
            ));
        } else {
            doc.push_str(&format!(
                "`{data_name}`, for `tests/data/models/{model_name}`:\n\n```json\n{}\n```\n\n",
                data.trim_end()
            ));
        }
        doc.push_str(&format!("```text\n{}\n```\n\n", rendered.trim_end()));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data-errors.md");
    if std::env::var_os("CMOD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/data-errors.md is out of date: run `CMOD_UPDATE_DOCS=1 cargo test --test data_files`"
    );
}

#[test]
fn a_model_with_data_needs_a_data_file() {
    let model = std::fs::read_to_string(data_dir().join("models/regression.cmod")).unwrap();
    let (rendered, checked) = check("regression.cmod", &model, "", None);
    assert!(checked.unwrap().has_errors());
    insta::with_settings!({ snapshot_path => "data/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("regression__no_data_file", rendered);
    });
}

#[test]
fn a_model_without_data_needs_no_data_file() {
    let model = "parameters { real mu; } model { mu ~ normal(0, 1); }";
    let (rendered, checked) = check("m.cmod", model, "", None);
    let checked = checked.unwrap();
    assert!(checked.errors.is_empty(), "{rendered}");
    assert!(checked.env.vars.is_empty());
    // An empty data block is the same.
    let model = "data { } parameters { real mu; } model { mu ~ normal(0, 1); }";
    assert!(check("m.cmod", model, "", None)
        .1
        .unwrap()
        .errors
        .is_empty());
}

/// Checks good data and returns the laid-out values.
fn good(model: &str, data: &str) -> compiler::data::DataEnv {
    let (rendered, checked) = check("m.cmod", model, "data.json", Some(data));
    let checked = checked.unwrap_or_else(|| panic!("{rendered}"));
    assert!(checked.errors.is_empty(), "{rendered}");
    checked.env
}

fn reals(env: &compiler::data::DataEnv, name: &str) -> Vec<f64> {
    match &env.get(name).unwrap().values {
        DataValues::Real(v) => v.clone(),
        DataValues::Int(v) => panic!("`{name}` holds ints {v:?}"),
    }
}

const FIT: &str = "parameters { real mu; } model { mu ~ normal(0, 1); }";

#[test]
fn matrices_are_laid_out_column_major() {
    let env = good(
        &format!("data {{ int R; int C; matrix[R, C] X; array[2] matrix[2, 2] A; }} {FIT}"),
        r#"{"R": 2, "C": 3, "X": [[1, 2, 3], [4, 5, 6]],
            "A": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}"#,
    );
    let x = env.get("X").unwrap();
    assert_eq!(
        (x.array_dims.clone(), x.elem_dims.clone()),
        (vec![], vec![2, 3])
    );
    assert_eq!(reals(&env, "X"), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    assert_eq!(
        reals(&env, "A"),
        vec![1.0, 3.0, 2.0, 4.0, 5.0, 7.0, 6.0, 8.0]
    );
}

#[test]
fn arrays_of_vectors_are_array_major_and_ints_promote_to_reals() {
    let env = good(
        &format!("data {{ int N; array[N, 2] vector[3] v; array[2] row_vector[2] r; array[N] int k; }} {FIT}"),
        r#"{"N": 2, "v": [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12.5]]],
            "r": [[1, 2], [3, 4]], "k": [5, -6]}"#,
    );
    let v = env.get("v").unwrap();
    assert_eq!(
        (v.array_dims.clone(), v.elem_dims.clone(), v.elem_len()),
        (vec![2, 2], vec![3], 3)
    );
    let expected: Vec<f64> = (1..=11).map(f64::from).chain([12.5]).collect();
    assert_eq!(reals(&env, "v"), expected);
    assert_eq!(reals(&env, "r"), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(env.get("k").unwrap().values, DataValues::Int(vec![5, -6]));
    assert_eq!(env.get("N").unwrap().values, DataValues::Int(vec![2]));
}

#[test]
fn zero_sizes_take_empty_arrays() {
    let env = good(
        &format!("data {{ int N; array[N] real a; vector[N] v; matrix[N, 3] m; matrix[2, N] w; array[2] vector[N] e; array[N] vector[4] f; }} {FIT}"),
        r#"{"N": 0, "a": [], "v": [], "m": [], "w": [[], []], "e": [[], []], "f": []}"#,
    );
    for name in ["a", "v", "m", "w", "e", "f"] {
        assert!(env.get(name).unwrap().values.is_empty(), "{name}");
    }
    assert_eq!(env.get("w").unwrap().elem_dims, vec![2, 0]);
}

#[test]
fn infinities_and_nan_are_read() {
    let env = good(
        &format!("data {{ array[6] real x; real<lower=0> y; real<upper=0> z; }} {FIT}"),
        r#"{"x": ["inf", "+inf", "-inf", "Infinity", "-Infinity", "NaN"], "y": "inf", "z": "-Infinity"}"#,
    );
    let x = reals(&env, "x");
    assert_eq!(
        &x[..5],
        &[
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY
        ]
    );
    assert!(x[5].is_nan());
    assert_eq!(reals(&env, "y"), vec![f64::INFINITY]);
}

#[test]
fn sizes_and_bounds_come_from_earlier_data() {
    let model = std::fs::read_to_string(data_dir().join("models/sizes.cmod")).unwrap();
    let data = r#"{"N": 7, "M": 3, "counts": [2, 1, 4], "lo": 0, "hi": 10, "gaps": [1, 2, 3, 4],
        "groups": [[1, 2, 3, 4], [5, 6, 7, 8]], "x": [0, 2, 3, 10], "pairs": [[1, 2, 3], [4, 5, 6]]}"#;
    let env = good(&model, data);
    assert_eq!(env.get("gaps").unwrap().array_dims, vec![4]);
    assert_eq!(env.get("groups").unwrap().array_dims, vec![2]);
    assert_eq!(env.get("groups").unwrap().elem_dims, vec![4]);
    assert_eq!(env.get("x").unwrap().elem_dims, vec![4]);
    assert_eq!(env.get("pairs").unwrap().elem_dims, vec![3]);
}

#[test]
fn constrained_types_accept_valid_values() {
    let model = std::fs::read_to_string(data_dir().join("models/constrained.cmod")).unwrap();
    let data = std::fs::read_to_string(data_dir().join("bad/constrained/simplex_sum.json"))
        .unwrap()
        .replace("[0.2, 0.3, 0.4]", "[0.2, 0.3, 0.5]");
    let env = good(&model, &data);
    // L_Sigma is 3 x 2: [[1.5, 0], [0.3, 2], [0.1, -0.4]] column-major.
    assert_eq!(reals(&env, "L_Sigma"), vec![1.5, 0.3, 0.1, 0.0, 2.0, -0.4]);
    assert_eq!(env.get("Sigma").unwrap().elem_dims, vec![2, 2]);
}

#[test]
fn odd_input_never_panics() {
    let model = format!("data {{ int N; array[N] vector[N] v; matrix[N, N] m; }} {FIT}");
    for data in [
        r#"{"N": 1000000000000, "v": [], "m": []}"#,
        r#"{"N": -5, "v": [], "m": []}"#,
        r#"{"N": 9223372036854775807, "v": [[1]], "m": [[1]]}"#,
        r#"{"N": 2, "v": [[1, [2]], [3, 4]], "m": [[1, 2], [3, {}]]}"#,
        r#"{"N": 1e400, "v": 1, "m": "x"}"#,
        r#"{"N": 2, "v": [[[[[[[[[]]]]]]]]], "m": [[1, 2], [3, 4], [5, 6]]}"#,
    ] {
        let (rendered, checked) = check("m.cmod", &model, "data.json", Some(data));
        assert!(checked.is_none_or(|c| c.has_errors()), "{data}: {rendered}");
    }
    let deep = format!("{{\"N\": {}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let (rendered, _) = check("m.cmod", &model, "data.json", Some(&deep));
    assert!(rendered.contains("E412"), "{rendered}");
}

#[test]
fn huge_declared_sizes_with_empty_data_do_not_overflow() {
    let model = format!(
        "data {{ int N; array[0] matrix[N, N] a; array[0] cov_matrix[N] c; int s; }} {FIT}"
    );
    let data = r#"{"N": 4611686018427387904, "a": [], "c": [], "s": 1}"#;
    let env = good(&model, data);
    assert!(env.get("a").unwrap().values.is_empty());
    let model = format!("data {{ int N; array[0] matrix[N, N] a; array[size(a)] real b; }} {FIT}");
    good(&model, r#"{"N": 4611686018427387904, "a": [], "b": []}"#);
}

#[test]
fn size_expressions_evaluate_like_stan() {
    let model = format!(
        "data {{ int N; matrix[N, N + 1] X; row_vector[3] r; array[2, 3] int k; array[3] int m;
           array[rows(X)] real a; array[cols(X)] real b; array[num_elements(k)] real c;
           array[min(N, 1)] real d; array[max(m)] real e; array[(N + 4) % 3] real f;
           array[-(-N) * 2 %/% 4] real g; array[cols(r) - rows(r)] real h; array[size(k)] real i; }} {FIT}"
    );
    let data = r#"{"N": 2, "X": [[1, 2, 3], [4, 5, 6]], "r": [1, 2, 3], "k": [[1, 2, 3], [1, 1, 4]], "m": [1, 1, 4],
        "a": [1, 2], "b": [1, 2, 3], "c": [1, 2, 3, 4, 5, 6], "d": [1], "e": [1, 2, 3, 4],
        "f": [], "g": [1], "h": [1, 2], "i": [1, 2]}"#;
    let env = good(&model, data);
    assert_eq!(
        env.get("k").unwrap().values,
        DataValues::Int(vec![1, 2, 3, 1, 1, 4])
    );
    assert_eq!(reals(&env, "X"), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

#[test]
fn mutated_data_files_never_panic() {
    let model = std::fs::read_to_string(data_dir().join("models/sizes.cmod")).unwrap();
    let good_text = r#"{"N": 7, "M": 3, "counts": [2, 1, 4], "lo": 0, "hi": 10, "gaps": [1, 2, 3, 4],
        "groups": [[1, 2, 3, 4], [5, 6, 7, 8]], "x": [0, 2, 3, 10], "pairs": [[1, 2, 3], [4, 5, 6]]}"#;
    let pieces: &[&str] = &[
        "[",
        "]",
        "{",
        "}",
        ",",
        "-",
        "0",
        "9",
        "\"",
        "1e999",
        "\"NaN\"",
        "99999999999999999999",
        " ",
        ":",
        ".",
    ];
    let mut state: u64 = 0x2545F4914F6CDD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut text = good_text.to_string();
        for _ in 0..(1 + next() % 3) {
            let at = (next() as usize) % text.len();
            let at = (0..=at)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            match next() % 3 {
                0 => text.insert_str(at, pieces[(next() as usize) % pieces.len()]),
                1 => {
                    let end = (at + 1 + (next() as usize) % 4).min(text.len());
                    text.replace_range(at..end, "");
                }
                _ => text.replace_range(
                    at..(at + 1).min(text.len()),
                    pieces[(next() as usize) % pieces.len()],
                ),
            }
        }
        let _ = check("sizes.cmod", &model, "data.json", Some(&text));
    }
}

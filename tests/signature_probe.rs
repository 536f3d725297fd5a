//! The signature probe: for every row of stdlib's signature table, compiles tiny models calling it and checks that the rows that do not compile are exactly those listed in `stdlib/src/builtins/not_compiled.txt` (which docs/functions.md marks).
//!
//! Each row's argument classes (`reals`, `ints`, `vectors`, `T`, `container`)
//! are instantiated with several concrete types: every position at its first
//! type, then each position in turn at each of its other types. All the calls
//! of a row go into one model: once in the model block with parameters for
//! every real argument that need not be data (so the gradient is built too),
//! and once in generated quantities with transformed-data arguments. When the
//! model does not compile, each call is compiled on its own to find which.
//!
//! `CMOD_UPDATE_PROBE=1` rewrites not_compiled.txt from the probe's findings.
//! `CMOD_PROBE_RUN=1` also evaluates each model once (log density, gradient,
//! generated quantities) and prints the failures, which may be domain errors
//! of the probe's arbitrary argument values.

mod support;

use compiler::compiled::Evaluator;
use std::collections::BTreeMap;
use std::sync::Arc;
use stdlib::builtins::{rows, Row};
use stdlib::types::{ArgType, BaseType, UnsizedType};

/// Transformed data and parameters holding one value of each type the probe uses.
const PRELUDE: &str = "transformed data {
  int d_int = 1;
  real d_real = 0.4;
  vector[3] d_vector = [0.2, 0.3, 0.5]';
  row_vector[3] d_row_vector = [0.2, 0.3, 0.5];
  matrix[3, 3] d_matrix = [[2, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 2]];
  array[3] int d_arr_int = {1, 2, 3};
  array[3] real d_arr_real = {0.2, 0.3, 0.5};
  array[2, 3] int d_arr2_int = {{1, 2, 3}, {2, 1, 1}};
  array[2, 3] real d_arr2_real = {{0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}};
  array[2, 2, 3] int d_arr3_int = {{{1, 2, 3}, {2, 1, 1}}, {{1, 2, 3}, {2, 1, 1}}};
  array[2, 2, 3] real d_arr3_real = {{{0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}}, {{0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}}};
  array[2] vector[3] d_arr_vector = {[0.2, 0.3, 0.5]', [0.1, 0.6, 0.3]'};
  array[2] row_vector[3] d_arr_row_vector = {[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]};
  array[2] matrix[3, 3] d_arr_matrix = {d_matrix, d_matrix};
  array[2, 2] vector[3] d_arr2_vector = {d_arr_vector, d_arr_vector};
  array[2, 2] row_vector[3] d_arr2_row_vector = {d_arr_row_vector, d_arr_row_vector};
  array[2, 2] matrix[3, 3] d_arr2_matrix = {d_arr_matrix, d_arr_matrix};
  array[2, 2, 2] vector[3] d_arr3_vector = {d_arr2_vector, d_arr2_vector};
  array[2, 2, 2] row_vector[3] d_arr3_row_vector = {d_arr2_row_vector, d_arr2_row_vector};
  array[2, 2, 2] matrix[3, 3] d_arr3_matrix = {d_arr2_matrix, d_arr2_matrix};
  array[2, 2, 2, 3] int d_arr4_int = {d_arr3_int, d_arr3_int};
  array[2, 2, 2, 3] real d_arr4_real = {d_arr3_real, d_arr3_real};
}
parameters {
  real p_real;
  vector[3] p_vector;
  row_vector[3] p_row_vector;
  matrix[3, 3] p_matrix;
  array[3] real p_arr_real;
  array[2, 3] real p_arr2_real;
  array[2, 2, 3] real p_arr3_real;
  array[2] vector[3] p_arr_vector;
  array[2] row_vector[3] p_arr_row_vector;
  array[2] matrix[3, 3] p_arr_matrix;
  array[2, 2] vector[3] p_arr2_vector;
  array[2, 2] row_vector[3] p_arr2_row_vector;
  array[2, 2] matrix[3, 3] p_arr2_matrix;
  array[2, 2, 2] vector[3] p_arr3_vector;
  array[2, 2, 2] row_vector[3] p_arr3_row_vector;
  array[2, 2, 2] matrix[3, 3] p_arr3_matrix;
  array[2, 2, 2, 3] real p_arr4_real;
}
";

/// The variable suffix of a concrete type (`array[] vector` -> `arr_vector`).
fn suffix(t: UnsizedType) -> String {
    let base = match t.base {
        BaseType::Int => "int",
        BaseType::Real => "real",
        BaseType::Vector => "vector",
        BaseType::RowVector => "row_vector",
        BaseType::Matrix => "matrix",
    };
    match t.array_dims {
        0 => base.to_string(),
        1 => format!("arr_{base}"),
        n => format!("arr{n}_{base}"),
    }
}

fn ty(text: &str) -> UnsizedType {
    stdlib::signatures::parse_type(text).expect("a type the probe knows")
}

/// The concrete types tried for an argument class, the first being the default.
fn instances(class: ArgType) -> Vec<UnsizedType> {
    let list: &[&str] = match class {
        ArgType::Exact(t) => return vec![t],
        ArgType::Reals => &[
            "real",
            "vector",
            "row_vector",
            "array[] real",
            "int",
            "array[] int",
        ],
        ArgType::Ints => &["int", "array[] int"],
        ArgType::Vectors => &[
            "vector",
            "row_vector",
            "array[] vector",
            "array[] row_vector",
        ],
        ArgType::Any => &[
            "real",
            "int",
            "vector",
            "row_vector",
            "matrix",
            "array[] real",
            "array[] int",
            "array[,] real",
            "array[] vector",
            "array[] matrix",
        ],
        ArgType::AnyContainer => &[
            "vector",
            "row_vector",
            "matrix",
            "array[] real",
            "array[] int",
            "array[,] real",
            "array[] vector",
        ],
    };
    list.iter().map(|t| ty(t)).collect()
}

/// The argument type lists a row is probed with.
fn combinations(row: &Row) -> Vec<Vec<UnsizedType>> {
    let Ok(sig) = stdlib::signatures::parse_signature(row.name, &row.spec) else {
        return vec![];
    };
    let per_arg: Vec<Vec<UnsizedType>> = sig.args.iter().map(|a| instances(a.ty)).collect();
    let first: Vec<UnsizedType> = per_arg.iter().map(|ts| ts[0]).collect();
    let mut out = vec![first.clone()];
    for (i, ts) in per_arg.iter().enumerate() {
        for t in &ts[1..] {
            let mut c = first.clone();
            c[i] = *t;
            out.push(c);
        }
    }
    out
}

/// Whether a value of type `t` exists as a parameter in the prelude.
fn has_param(t: UnsizedType) -> bool {
    t.base != BaseType::Int
}

/// The call text: data-only arguments, ints and (when `data`) everything else
/// from transformed data; the rest from the parameters.
fn call_text(row: &Row, types: &[UnsizedType], data: bool) -> String {
    let sig = stdlib::signatures::parse_signature(row.name, &row.spec).expect("parses");
    let args: Vec<String> = types
        .iter()
        .zip(&sig.args)
        .map(|(t, a)| {
            let from_data = data || a.data_only || !has_param(*t);
            format!("{}_{}", if from_data { "d" } else { "p" }, suffix(*t))
        })
        .collect();
    let is_density = ["_lpdf", "_lupdf", "_lpmf", "_lupmf"]
        .iter()
        .any(|s| row.name.ends_with(s))
        || row.name.ends_with("cdf");
    if is_density && args.len() == 1 {
        format!("{}({} |)", row.name, args[0])
    } else if is_density && args.len() > 1 {
        format!("{}({} | {})", row.name, args[0], args[1..].join(", "))
    } else {
        format!("{}({})", row.name, args.join(", "))
    }
}

/// The model probing `calls`: (model-block calls, generated-quantities calls).
fn model_source(model_calls: &[String], gq_calls: &[String]) -> String {
    let mut s = String::from(PRELUDE);
    s.push_str("model {\n");
    for c in model_calls {
        s.push_str(&format!("  print({c});\n"));
    }
    s.push_str("}\ngenerated quantities {\n");
    for c in gq_calls {
        s.push_str(&format!("  print({c});\n"));
    }
    s.push_str("}\n");
    s
}

/// What became of one model.
enum Outcome {
    Compiles(Box<compiler::compiled::CompiledModel>),
    /// The front end rejects the call (this instantiation is not a valid call).
    Rejected,
    /// Lowering or code generation failed: the rendered message.
    Fails(String),
}

fn try_compile(source: &str) -> Outcome {
    let front = compiler::front_end(source);
    if front.has_errors() || front.checked.is_none() {
        return Outcome::Rejected;
    }
    match support::compile_source("probe.cmod", source, None) {
        Ok(m) => Outcome::Compiles(Box::new(m)),
        Err(e) => Outcome::Fails(e),
    }
}

/// The first line of a rendered diagnostic (`error[E500]: not supported yet: ...`).
fn headline(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

/// The row's key as not_compiled.txt writes it.
fn key(row: &Row) -> String {
    format!(
        "{}: {}",
        row.name,
        stdlib::builtins::normalize_spec(&row.spec)
    )
}

/// Probes one row: `None` when every valid instantiation compiles, else why not.
fn probe_row(row: &Row, run: bool, runtime: &mut Vec<String>) -> Option<String> {
    let is_rng = row.name.ends_with("_rng");
    let sig = stdlib::signatures::parse_signature(row.name, &row.spec).ok()?;
    let mut calls = Vec::new();
    for types in combinations(row) {
        let needs_model = !is_rng
            && sig
                .args
                .iter()
                .zip(&types)
                .any(|(a, t)| !a.data_only && has_param(*t));
        let model_call = needs_model.then(|| call_text(row, &types, false));
        let gq_call = call_text(row, &types, true);
        // Keep only the instantiations the front end accepts.
        let alone = model_source(model_call.as_slice(), std::slice::from_ref(&gq_call));
        if compiler::front_end(&alone).has_errors() {
            continue;
        }
        calls.push((model_call, gq_call));
    }
    if calls.is_empty() {
        return Some("no instantiation type-checks".into());
    }
    let model_calls: Vec<String> = calls.iter().filter_map(|c| c.0.clone()).collect();
    let gq_calls: Vec<String> = calls.iter().map(|c| c.1.clone()).collect();
    match try_compile(&model_source(&model_calls, &gq_calls)) {
        Outcome::Compiles(model) => {
            if run {
                run_once(row, *model, runtime);
            }
            return None;
        }
        Outcome::Rejected => return Some("the combined model does not type-check".into()),
        Outcome::Fails(_) => {}
    }
    // Find the failing calls one by one.
    let mut failing = Vec::new();
    for (m, g) in &calls {
        for (mc, gc) in [(m.as_slice(), &[][..]), (&[][..], std::slice::from_ref(g))] {
            if mc.is_empty() && gc.is_empty() {
                continue;
            }
            if let Outcome::Fails(e) = try_compile(&model_source(mc, gc)) {
                let call = mc.first().or(gc.first()).cloned().unwrap_or_default();
                failing.push(format!("`{call}`: {}", headline(&e)));
            }
        }
    }
    if failing.is_empty() {
        failing.push("fails only when combined".into());
    }
    Some(failing.join("; "))
}

fn run_once(row: &Row, model: compiler::compiled::CompiledModel, runtime: &mut Vec<String>) {
    let n = model.n_unconstrained;
    let n_out = model.n_outputs;
    let mut ev = Evaluator::new(Arc::new(model));
    let u: Vec<f64> = (0..n).map(|i| 0.1 + 0.05 * (i % 7) as f64).collect();
    let mut g = vec![0.0; n];
    if let Err(e) = ev.log_density_gradient(&u, &mut g, true) {
        runtime.push(format!("{}: model: {e}", key(row)));
    }
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
    let mut out = vec![0.0; n_out];
    if let Err(e) = ev.generate(&u, &mut rng, &mut out) {
        runtime.push(format!("{}: generated quantities: {e}", key(row)));
    }
}

const LIST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/stdlib/src/builtins/not_compiled.txt"
);

#[test]
fn the_rows_that_do_not_compile_are_exactly_the_listed_ones() {
    let run = std::env::var_os("CMOD_PROBE_RUN").is_some();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut runtime = Vec::new();
    for row in rows() {
        if let Some(why) = probe_row(row, run, &mut runtime) {
            found.insert(key(row), why);
        }
    }
    let listed: std::collections::BTreeSet<String> = stdlib::builtins::not_compiled()
        .map(|(name, spec)| format!("{name}: {spec}"))
        .collect();
    for r in &runtime {
        eprintln!("runtime: {r}");
    }
    let found_keys: std::collections::BTreeSet<String> = found.keys().cloned().collect();
    if std::env::var_os("CMOD_UPDATE_PROBE").is_some() {
        let mut text = String::from(
            "# Rows of the signature table that type-check but do not compile yet, one per line\n\
             # (`name: spec`), with what the probe saw after `#`. Written by\n\
             # `CMOD_UPDATE_PROBE=1 cargo test --test signature_probe`; docs/functions.md marks them.\n",
        );
        for (k, why) in &found {
            text.push_str(&format!("{k}  # {why}\n"));
        }
        std::fs::write(LIST, text).expect("write not_compiled.txt");
        return;
    }
    let newly_failing: Vec<String> = found
        .iter()
        .filter(|(k, _)| !listed.contains(*k))
        .map(|(k, why)| format!("{k}  # {why}"))
        .collect();
    let now_compiling: Vec<&String> = listed.difference(&found_keys).collect();
    assert!(
        newly_failing.is_empty() && now_compiling.is_empty(),
        "the probe disagrees with not_compiled.txt (CMOD_UPDATE_PROBE=1 rewrites it):\n\
         rows that fail but are not listed:\n{}\nlisted rows that now compile:\n{}",
        newly_failing.join("\n"),
        now_compiling
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

//! The whole pipeline never panics: mutated example models that still pass the front end are compiled with their data and evaluated (log density, gradient, generated quantities) at ordinary and extreme points.
//!
//! The front end's own no-panic test (compiler/tests/no_panics.rs) stops at
//! type checking. Here the mutations are the kind a user makes that the
//! checker accepts: a changed number, operator, index or function, or a
//! deleted statement. Whatever the result (a diagnostic, a data error, a
//! rejection, a NaN), it must come back as a value or a message, never as a
//! panic. Deterministic: fixed seed, fixed list of examples.

#[path = "../src/commands/data.rs"]
#[allow(dead_code)]
mod data;

use compiler::compiled::{compile, Evaluator};
use rand::SeedableRng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Mutants tried per example model.
const MUTANTS_PER_MODEL: usize = 60;
const SEED: u64 = 0x0dd_ba11_5eed;

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (model, data) pairs: the examples with their data, and the posteriordb
/// programs with the reference data from ../shared when it is there.
fn examples() -> Vec<(PathBuf, Option<PathBuf>)> {
    let r = root();
    let mut pairs = vec![
        (
            r.join("examples/eight_schools/eight_schools_centered.cmod"),
            Some(r.join("examples/eight_schools/data.json")),
        ),
        (
            r.join("examples/eight_schools/eight_schools_noncentered.cmod"),
            Some(r.join("examples/eight_schools/data.json")),
        ),
        (r.join("examples/no_data/banana.cmod"), None),
    ];
    for name in [
        "linear_regression",
        "logistic_regression",
        "poisson_regression",
    ] {
        pairs.push((
            r.join(format!("examples/{name}/{name}.cmod")),
            Some(r.join(format!("examples/{name}/data.json"))),
        ));
    }
    let posteriordb = r.join("../shared/posteriordb");
    if let Ok(entries) = std::fs::read_dir(&posteriordb) {
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        for dir in dirs {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let Some((_, model)) = name.split_once('-') else {
                continue;
            };
            let model = r.join(format!("examples/posteriordb/{model}.cmod"));
            // diamonds is slow to evaluate (5000 x 24 design matrix); the others cover its kernels.
            if model.exists() && !name.starts_with("diamonds") {
                pairs.push((model, Some(dir.join("data.json"))));
            }
        }
    }
    pairs
}

/// Byte ranges of the tokens worth mutating, with their kind.
fn tokens(source: &str) -> Vec<(usize, usize, char)> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            out.push((start, i, 'n'));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, i, 'w'));
        } else if "+-*/^".contains(c) {
            out.push((i, i + 1, 'o'));
            i += 1;
        } else if c == '[' {
            out.push((i, i + 1, '['));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

const NUMBERS: &[&str] = &["0", "1", "-1", "2", "0.5", "1e-300", "1e300", "100", "-3"];
const OPERATORS: &[&str] = &["+", "-", "*", "/", "^"];
const FUNCTIONS: &[&str] = &[
    "exp",
    "log",
    "sqrt",
    "inv_logit",
    "lgamma",
    "log1m",
    "square",
    "inv",
    "tanh",
    "logit",
];

/// One mutation of `source`.
fn mutate(source: &str, rng: &mut Rng) -> String {
    let toks = tokens(source);
    if toks.is_empty() {
        return source.to_string();
    }
    for _ in 0..20 {
        let (start, end, kind) = toks[rng.below(toks.len())];
        let word = &source[start..end];
        let replacement = match kind {
            'n' => rng.pick(NUMBERS).to_string(),
            'o' => rng.pick(OPERATORS).to_string(),
            'w' if FUNCTIONS.contains(&word) => rng.pick(FUNCTIONS).to_string(),
            // An index moved by one, or to the first element.
            '[' => rng.pick(&["[1 + ", "[2 * ", "[0 + "]).to_string(),
            'w' if rng.below(4) == 0 => {
                // Delete the statement containing the token.
                let line_start = source[..start].rfind('\n').map_or(0, |p| p + 1);
                let line_end = source[end..].find('\n').map_or(source.len(), |p| end + p);
                let line = &source[line_start..line_end];
                if line.trim_end().ends_with(';') && !line.contains('{') && !line.contains('}') {
                    return format!("{}{}", &source[..line_start], &source[line_end..]);
                }
                continue;
            }
            _ => continue,
        };
        return format!("{}{}{}", &source[..start], replacement, &source[end..]);
    }
    source.to_string()
}

/// Compiles and evaluates one program; `Ok` whatever the model does, `Err`
/// only when something panicked.
fn exercise(source: &str, data_path: Option<&Path>, rng: &mut Rng) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let front = compiler::front_end(source);
        let checked = match (&front.checked, front.has_errors()) {
            (Some(c), false) => c,
            _ => return,
        };
        // Data errors and compile errors are messages: fine.
        let Ok(values) = data::load(&front.parsed.program, "mutant", source, data_path, false)
        else {
            return;
        };
        let Ok(model) = compile(&front.parsed.program, &checked.typed, source, &values) else {
            return;
        };
        let model = Arc::new(model);
        let mut evaluator = Evaluator::new(model.clone());
        let dim = model.n_unconstrained;
        let mut grad = vec![0.0; dim];
        let mut out = vec![0.0; model.n_outputs];
        let mut draws = rand::rngs::StdRng::seed_from_u64(rng.next());
        for scale in [2.0, 30.0, 800.0] {
            let theta: Vec<f64> = (0..dim).map(|_| rng.uniform(-scale, scale)).collect();
            let _ = evaluator.log_density(&theta, true);
            let _ = evaluator.log_density_gradient(&theta, &mut grad, true);
            let _ = evaluator.generate(&theta, &mut draws, &mut out);
        }
    }));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}

#[test]
fn mutated_models_compile_and_evaluate_without_panicking() {
    let examples = examples();
    assert!(examples.len() >= 6, "the examples are missing");
    let mut rng = Rng(SEED);
    let mut failures = Vec::new();
    let mut compiled = 0;
    for (model, data_path) in &examples {
        let source = std::fs::read_to_string(model).unwrap();
        for _ in 0..MUTANTS_PER_MODEL {
            let mut mutant = mutate(&source, &mut rng);
            if rng.below(3) == 0 {
                mutant = mutate(&mutant, &mut rng);
            }
            let checks = compiler::front_end(&mutant);
            if checks.checked.is_some() && !checks.has_errors() {
                compiled += 1;
            }
            if let Err(message) = exercise(&mutant, data_path.as_deref(), &mut rng) {
                failures.push(format!(
                    "{} (data {:?}) panicked: {message}\n--- mutant ---\n{mutant}",
                    model.display(),
                    data_path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the mutants panicked:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} mutants of {} models, {compiled} passed the front end",
        examples.len() * MUTANTS_PER_MODEL,
        examples.len()
    );
    // The test must reach code generation, not only the checker.
    assert!(
        compiled >= examples.len() * MUTANTS_PER_MODEL / 4,
        "only {compiled} mutants passed the front end"
    );
}

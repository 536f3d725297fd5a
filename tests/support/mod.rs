//! Helpers shared by the end-to-end model tests: compile a model source with a data file.

#[path = "../../src/commands/data.rs"]
#[allow(dead_code)]
mod data;

use compiler::compiled::{CompiledModel, ModelError};
use std::path::{Path, PathBuf};

/// The shared folder beside the repository.
#[allow(dead_code)]
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Compiles `source` with the data at `data` (if any); the error is rendered text.
pub fn compile_source(
    name: &str,
    source: &str,
    data: Option<&Path>,
) -> Result<CompiledModel, String> {
    compile_source_with(name, source, data, false)
}

/// [`compile_source`], keeping the constants `~` drops when `keep_constants`.
#[allow(dead_code)]
pub fn compile_source_with(
    name: &str,
    source: &str,
    data: Option<&Path>,
    keep_constants: bool,
) -> Result<CompiledModel, String> {
    let front = compiler::front_end(source);
    let checked = match (&front.checked, front.has_errors()) {
        (Some(c), false) => c,
        _ => {
            return Err(compiler::diagnostics::render(
                &front.diagnostics,
                name,
                source,
                false,
            ))
        }
    };
    let values = data::load(&front.parsed.program, name, source, data, false)?;
    let options = compiler::compiled::CompileOptions {
        transformed_data_seed: compiler::compiled::DEFAULT_TRANSFORMED_DATA_SEED,
        print_sink: None,
        keep_constants,
    };
    compiler::compiled::compile_with_options(
        &front.parsed.program,
        &checked.typed,
        source,
        &values,
        options,
    )
    .map_err(|e| match e {
        ModelError::Compile(d) => compiler::diagnostics::render(&[d], name, source, false),
        ModelError::TransformedData(m) => format!("transformed data: {m}"),
    })
}

/// Every example model with its data file: (name, source path, data path).
#[allow(dead_code)]
pub fn example_models() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let golden = shared().join("golden/logprob");
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(shared().join("posteriordb"))
        .expect("posteriordb folder")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let model = name.split_once('-').map(|(_, m)| m).unwrap_or(&name);
        let path = root.join(format!("examples/posteriordb/{model}.cmod"));
        cases.push((name, path, Some(dir.join("data.json"))));
    }
    cases.push((
        "language_zoo".into(),
        golden.join("language_zoo.stan"),
        Some(golden.join("language_zoo.data.json")),
    ));
    cases.push((
        "transforms_zoo".into(),
        golden.join("transforms_zoo.stan"),
        None,
    ));
    cases
}

/// The IR of `source` compiled with `data_json` (CmdStan JSON text, if any),
/// as `cmod check` prints it: (`--emit ir`: transform_data, log_density and
/// generate; `--emit grad-ir`: gradient).
#[allow(dead_code)]
pub fn check_ir(source: &str, data_json: Option<&str>) -> (String, String) {
    let data_path = data_json.map(|json| {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "check_ir_{}_{}.json",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, json).expect("write the data file");
        path
    });
    let model = compile_source("model.stan", source, data_path.as_deref());
    if let Some(path) = &data_path {
        let _ = std::fs::remove_file(path);
    }
    let model = model.unwrap_or_else(|e| panic!("the model does not compile:\n{e}"));
    let print = |keep: &[&str]| {
        let mut module = model.module.clone();
        module.functions.retain(|f| keep.contains(&f.name.as_str()));
        compiler::ir::print::module(&module)
    };
    (
        print(&["transform_data", "log_density", "generate"]),
        print(&["gradient"]),
    )
}

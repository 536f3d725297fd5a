//! One module per `cmod` subcommand; each reads its inputs, calls the library crates, and prints.

pub mod check;
pub mod data;
pub mod generate_quantities;
pub mod laplace;
pub mod log_prob;
pub mod optimize;
pub mod params;
pub mod pathfinder;
pub mod run;
pub mod sbc;
pub mod summary;
pub mod validate;
pub mod variational;
pub mod warmup_args;

use std::io::IsTerminal;
use std::path::Path;

/// Reads a model file, or explains why it cannot.
pub fn read_model(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read the model file {}: {e}", path.display()))
}

/// Whether to colour diagnostics: only on a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// A model checked, with its data read and validated, and compiled to native code.
pub struct Prepared {
    pub model: std::sync::Arc<compiler::compiled::CompiledModel>,
    /// The model file's stem, as CmdStan names the model.
    pub model_name: String,
}

/// Checks, reads the data for, and compiles a model, printing every diagnostic.
/// `_rng` calls in transformed data draw from a stream seeded with `seed`
/// (a fixed default when it is `None`). An `Err` is a one-line summary,
/// printed after the diagnostics.
pub fn prepare(
    model_path: &Path,
    data_path: Option<&Path>,
    seed: Option<u64>,
) -> Result<Prepared, String> {
    prepare_with(model_path, data_path, seed, false)
}

/// [`prepare`], with the log density keeping the constants that `~`
/// statements drop when `keep_constants` (for ADVI's ELBO).
pub fn prepare_with(
    model_path: &Path,
    data_path: Option<&Path>,
    seed: Option<u64>,
    keep_constants: bool,
) -> Result<Prepared, String> {
    use compiler::compiled::{
        compile_with_options, CompileOptions, ModelError, DEFAULT_TRANSFORMED_DATA_SEED,
    };
    use compiler::diagnostics::render;
    let source = read_model(model_path)?;
    let name = model_path.display().to_string();
    let color = use_color();
    let front = compiler::front_end(&source);
    eprint!("{}", render(&front.diagnostics, &name, &source, color));
    let checked = match (&front.checked, front.has_errors()) {
        (Some(c), false) => c,
        _ => {
            let n = front.diagnostics.iter().filter(|d| d.is_error()).count();
            return Err(format!(
                "{name}: {n} error{} in the model; nothing was run",
                if n == 1 { "" } else { "s" }
            ));
        }
    };
    let data = data::load(&front.parsed.program, &name, &source, data_path, color)?;
    let options = CompileOptions {
        transformed_data_seed: seed.unwrap_or(DEFAULT_TRANSFORMED_DATA_SEED),
        // The model's print statements write to standard error, as Stan's.
        print_sink: Some(std::sync::Arc::new(|line: &str| eprintln!("{line}"))),
        keep_constants,
    };
    let model = compile_with_options(
        &front.parsed.program,
        &checked.typed,
        &source,
        &data,
        options,
    )
    .map_err(|e| match e {
        ModelError::Compile(d) => {
            eprint!("{}", render(&[d], &name, &source, color));
            format!("{name}: the model could not be compiled")
        }
        ModelError::TransformedData(m) => format!("error in transformed data: {m}"),
    })?;
    let model_name = model_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    Ok(Prepared {
        model: std::sync::Arc::new(model),
        model_name,
    })
}

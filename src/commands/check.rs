//! `cmod check`: parse and type-check a model, print its diagnostics, optionally dump a stage.

use crate::output::out;
use clap::{Args, ValueEnum};
use compiler::diagnostics::render;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// Print a stage of the compiler: the syntax tree, the tree with types,
    /// the IR, the gradient IR, or Cranelift's IR.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// The data, in CmdStan's JSON format (the IR stages need it: sizes come from data).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Emit {
    /// The syntax tree.
    Ast,
    /// The syntax tree with the type and activity of every expression.
    Typed,
    /// The IR: transform_data, log_density and generate over the memory layout.
    Ir,
    /// The gradient function that reverse mode builds from log_density.
    GradIr,
    /// Cranelift's IR of every generated function.
    Clif,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let source = match super::read_model(&args.model) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let front = compiler::front_end(&source);
    let name = args.model.display().to_string();
    eprint!(
        "{}",
        render(&front.diagnostics, &name, &source, super::use_color())
    );
    match args.emit {
        Some(Emit::Ast) => out!("{}", compiler::dump::program(&front.parsed.program, None)),
        Some(Emit::Typed) => {
            if let Some(checked) = &front.checked {
                out!(
                    "{}",
                    compiler::dump::program(&front.parsed.program, Some(&checked.typed))
                );
            }
        }
        Some(stage @ (Emit::Ir | Emit::GradIr | Emit::Clif)) => {
            if let (Some(checked), false) = (&front.checked, front.has_errors()) {
                match emit_ir(stage, args, &front.parsed.program, &checked.typed, &source) {
                    Ok(text) => out!("{text}"),
                    Err(message) => {
                        eprintln!("{message}");
                        return ExitCode::from(1);
                    }
                }
            }
        }
        None => {}
    }
    let errors = front.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = front.diagnostics.len() - errors;
    if errors > 0 {
        eprintln!(
            "{name}: {errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        );
        ExitCode::from(1)
    } else {
        if args.emit.is_none() {
            eprintln!("{name}: ok ({warnings} warning{})", plural(warnings));
        }
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The text of an IR stage: the model is compiled with its data first.
fn emit_ir(
    stage: Emit,
    args: &CheckArgs,
    program: &compiler::syntax::ast::Program,
    typed: &compiler::check::TypedProgram,
    source: &str,
) -> Result<String, String> {
    let name = args.model.display().to_string();
    let has_data = !program
        .stmts(compiler::syntax::ast::BlockKind::Data)
        .is_empty();
    if has_data && args.data.is_none() {
        return Err(format!(
            "{name}: the IR stages need the data (sizes come from it): give it with --data data.json"
        ));
    }
    let data = super::data::load(
        program,
        &name,
        source,
        args.data.as_deref(),
        super::use_color(),
    )?;
    let model =
        compiler::compiled::compile(program, typed, source, &data).map_err(|e| match e {
            compiler::compiled::ModelError::Compile(d) => {
                render(&[d], &name, source, super::use_color())
            }
            compiler::compiled::ModelError::TransformedData(m) => {
                format!("error in transformed data: {m}")
            }
        })?;
    let mut module = model.module.clone();
    let keep: &[&str] = match stage {
        Emit::GradIr => &["gradient"],
        Emit::Ir => &["transform_data", "log_density", "generate"],
        _ => &["transform_data", "log_density", "gradient", "generate"],
    };
    module.functions.retain(|f| keep.contains(&f.name.as_str()));
    match stage {
        Emit::Clif => compiler::codegen::clif_text(&module, keep).map_err(|e| e.0),
        _ => Ok(compiler::ir::print::module(&module)),
    }
}

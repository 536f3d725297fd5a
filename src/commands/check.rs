//! `cmod check`: parse and type-check a model, print its diagnostics, optionally dump a stage.

use clap::{Args, ValueEnum};
use compiler::diagnostics::render;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// The model file (.cmod or .stan).
    pub model: PathBuf,
    /// Print a stage of the compiler: the syntax tree, or the tree with types.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Emit {
    /// The syntax tree.
    Ast,
    /// The syntax tree with the type and activity of every expression.
    Typed,
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
        Some(Emit::Ast) => print!("{}", compiler::dump::program(&front.parsed.program, None)),
        Some(Emit::Typed) => {
            if let Some(checked) = &front.checked {
                print!(
                    "{}",
                    compiler::dump::program(&front.parsed.program, Some(&checked.typed))
                );
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

//! `cmod log-prob`: the log density and its gradient at a point, as JSON.

use crate::output::outln;
use clap::Args;
use compiler::compiled::Evaluator;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct LogProbArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data, in CmdStan's JSON format.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The point: parameter values by name as in an inits file, or an unconstrained list.
    #[arg(long)]
    pub params: PathBuf,
    /// The point is an unconstrained vector (`[...]` or `{"u": [...]}`); without this flag,
    /// values by parameter name as in an inits file are read too.
    #[arg(long)]
    pub unconstrained: bool,
    /// Include the log-Jacobian of the constraining transforms.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub jacobian: bool,
}

pub fn run(args: &LogProbArgs) -> ExitCode {
    match log_prob(args) {
        Ok(json) => {
            outln!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn log_prob(args: &LogProbArgs) -> Result<String, String> {
    let prepared = super::prepare(&args.model, args.data.as_deref(), None)?;
    let text = std::fs::read_to_string(&args.params)
        .map_err(|e| format!("cannot read {}: {e}", args.params.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", args.params.display()))?;
    let source = args.params.display().to_string();
    if args.unconstrained && json.get("u").is_none() && !json.is_array() {
        return Err(format!("{source}: with --unconstrained the file must hold a list of numbers, or an object with the list under \"u\""));
    }
    let theta = super::params::unconstrained_point(&prepared.model, &json, &source)?;
    let mut evaluator = Evaluator::new(prepared.model);
    let mut grad = vec![0.0; theta.len()];
    let lp = evaluator
        .log_density_gradient(&theta, &mut grad, args.jacobian)
        .map_err(|m| format!("the log density cannot be evaluated here: {m}"))?;
    Ok(serde_json::json!({ "lp": lp, "gradient": grad }).to_string())
}

//! The `cmod` command line: reads files, calls the compiler and the runtime, prints results.

mod commands;
mod model_adapter;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// cmod: a compiler and sampler for Bayesian models written in the Stan language.
#[derive(Parser)]
#[command(name = "cmod", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sample a model's posterior with NUTS, write Stan CSV files, and print a summary.
    Run(commands::run::RunArgs),
    /// Find a mode of the log density (L-BFGS, BFGS or Newton, as CmdStan's optimize), write it as Stan CSV and print it.
    Optimize(commands::optimize::OptimizeArgs),
    /// Draw from the normal approximation at a mode (CmdStan's laplace), finding the mode first when none is given.
    Laplace(commands::laplace::LaplaceArgs),
    /// Approximate the posterior with multi-path Pathfinder and Pareto-smoothed importance resampling (CmdStan's pathfinder).
    Pathfinder(commands::pathfinder::PathfinderArgs),
    /// Fit a normal approximation to the posterior by maximizing the evidence lower bound (ADVI, CmdStan's variational) and draw from it.
    Variational(commands::variational::VariationalArgs),
    /// Compute a model's transformed parameters and generated quantities again for every draw of fitted Stan CSV files.
    GenerateQuantities(commands::generate_quantities::GqArgs),
    /// Check a model: print every error and warning. Exits 1 when there are errors.
    Check(commands::check::CheckArgs),
    /// Print the log density and its gradient at a point, as JSON.
    LogProb(commands::log_prob::LogProbArgs),
    /// Sample every posteriordb posterior and compare it with the reference draws.
    Validate(commands::validate::ValidateArgs),
    /// Simulation-based calibration: simulate data with a generator program, fit, test the ranks.
    Sbc(commands::sbc::SbcArgs),
    /// Print the posterior summary of Stan CSV files written by cmod or CmdStan.
    Summary {
        /// One CSV file per chain.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => commands::run::run(&args),
        Command::Optimize(args) => commands::optimize::run(&args),
        Command::Laplace(args) => commands::laplace::run(&args),
        Command::Pathfinder(args) => commands::pathfinder::run(&args),
        Command::Variational(args) => commands::variational::run(&args),
        Command::GenerateQuantities(args) => commands::generate_quantities::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::LogProb(args) => commands::log_prob::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Sbc(args) => commands::sbc::run(&args),
        Command::Summary { files } => commands::summary::run(&files),
    }
}

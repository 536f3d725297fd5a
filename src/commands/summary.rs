//! `cmod summary`: the posterior summary table from Stan CSV files (cmod's or CmdStan's).

use crate::output::out;
use runtime::stan_csv::read_stan_csv;
use runtime::Summary;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(files: &[PathBuf]) -> ExitCode {
    let mut chains = Vec::new();
    for file in files {
        match read_stan_csv(file) {
            Ok(draws) => chains.push(draws),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let names = &chains[0].column_names;
    if let Some((file, _)) = files
        .iter()
        .zip(&chains)
        .skip(1)
        .find(|(_, c)| &c.column_names != names)
    {
        eprintln!(
            "error: {} has different columns from {}; only chains of the same model can be summarized together",
            file.display(),
            files[0].display()
        );
        return ExitCode::from(1);
    }
    out!("{}", Summary::from_chains(&chains).to_table_string());
    ExitCode::SUCCESS
}

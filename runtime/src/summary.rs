//! The summary table printed after sampling and by `cmod summary`: the
//! columns of CmdStan's stansummary, computed from chains in memory or read
//! from Stan CSV files, with the sampler checks and convergence warnings.

use crate::diagnostics::{ChainSamplerColumns, ConvergenceStats, SamplerChecks};
use crate::draws::ChainDraws;
use std::fmt::Write as _;

/// R-hat above this value means the chains disagree (Vehtari et al. 2021).
pub const RHAT_THRESHOLD: f64 = 1.01;
/// Bulk or tail ESS below this many draws per chain is too few to trust.
pub const MIN_ESS_PER_CHAIN: f64 = 100.0;

/// One row of the table: a column of the draws and its statistics.
/// Undefined statistics are NaN and print as "nan".
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    pub name: String,
    pub stats: ConvergenceStats,
}

/// The whole summary of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub num_chains: usize,
    /// Post-warmup draws in each chain, in chain order.
    pub draws_per_chain: Vec<usize>,
    /// `lp__` first, then every model output, in column order.
    pub rows: Vec<SummaryRow>,
    pub sampler_checks: SamplerChecks,
    /// Plain sentences, each with what to try next.
    pub warnings: Vec<String>,
}

impl Summary {
    /// Summarizes chains that share their columns (the first chain's names
    /// are used; a column missing from a chain is skipped).
    pub fn from_chains(chains: &[ChainDraws]) -> Summary {
        let names: Vec<String> = chains
            .first()
            .map(|chain| chain.column_names.clone())
            .unwrap_or_default();
        let mut rows = Vec::new();
        for name in &names {
            if name != "lp__" && name.ends_with("__") {
                continue;
            }
            let draws: Option<Vec<Vec<f64>>> = chains
                .iter()
                .map(|chain| chain.sampling_column_named(name))
                .collect();
            if let Some(draws) = draws {
                rows.push(SummaryRow {
                    name: name.clone(),
                    stats: ConvergenceStats::compute(&draws),
                });
            }
        }

        let sampler_columns: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = chains
            .iter()
            .map(|chain| {
                let column = |name: &str| chain.sampling_column_named(name).unwrap_or_default();
                (
                    column("divergent__"),
                    column("treedepth__"),
                    column("energy__"),
                )
            })
            .collect();
        let views: Vec<ChainSamplerColumns<'_>> = sampler_columns
            .iter()
            .map(|(divergent, treedepth, energy)| ChainSamplerColumns {
                divergent,
                treedepth,
                energy,
            })
            .collect();
        let max_depth = chains
            .iter()
            .find_map(|chain| chain.max_depth)
            .unwrap_or(10);
        let mut sampler_checks = SamplerChecks::compute(&views, max_depth);
        sampler_checks.adapt_delta = chains.iter().find_map(|chain| chain.adapt_delta);

        let mut warnings = sampler_checks.warnings();
        let num_chains = chains.len();
        let model_rows = || rows.iter().filter(|row| row.name != "lp__");
        let high_rhat: Vec<&SummaryRow> = model_rows()
            .filter(|row| row.stats.rhat > RHAT_THRESHOLD)
            .collect();
        if let Some(worst) = high_rhat
            .iter()
            .max_by(|a, b| a.stats.rhat.total_cmp(&b.stats.rhat))
        {
            warnings.push(format!(
                "R-hat is above {RHAT_THRESHOLD} for {} quantit{} (largest {:.3}, for {}), so the chains \
                 have not mixed: run longer chains, and if that does not help look for multiple modes or \
                 reparameterize the model.",
                high_rhat.len(),
                if high_rhat.len() == 1 { "y" } else { "ies" },
                worst.stats.rhat,
                worst.name
            ));
        }
        let min_ess = MIN_ESS_PER_CHAIN * num_chains as f64;
        let low_ess: Vec<&SummaryRow> = model_rows()
            .filter(|row| row.stats.ess_bulk < min_ess || row.stats.ess_tail < min_ess)
            .collect();
        if let Some(first) = low_ess.first() {
            warnings.push(format!(
                "The bulk or tail effective sample size is below {min_ess:.0} ({MIN_ESS_PER_CHAIN:.0} per chain) \
                 for {} quantit{} (for example {}), so their estimates are unreliable: run more \
                 iterations, or reparameterize to reduce correlations.",
                low_ess.len(),
                if low_ess.len() == 1 { "y" } else { "ies" },
                first.name
            ));
        }
        if model_rows().any(|row| row.stats.rhat.is_nan()) && num_chains > 1 {
            warnings.push(
                "Some R-hat values are undefined (nan) because the quantity is constant or has too few \
                 draws; that is expected for quantities fixed by construction, such as constant \
                 generated quantities or the zeros and ones of a Cholesky factor of a correlation matrix."
                    .to_string(),
            );
        }

        Summary {
            num_chains,
            draws_per_chain: chains.iter().map(ChainDraws::num_sampling_rows).collect(),
            rows,
            sampler_checks,
            warnings,
        }
    }

    /// The table as stansummary prints it, then the warnings.
    pub fn to_table_string(&self) -> String {
        let headers = [
            "Mean", "MCSE", "StdDev", "5%", "50%", "95%", "ESS_bulk", "ESS_tail", "R_hat",
        ];
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                let s = &row.stats;
                vec![
                    format_significant(s.mean),
                    format_significant(s.mcse_mean),
                    format_significant(s.sd),
                    format_significant(s.q5),
                    format_significant(s.q50),
                    format_significant(s.q95),
                    format_count(s.ess_bulk),
                    format_count(s.ess_tail),
                    format_fixed(s.rhat, 2),
                ]
            })
            .collect();
        let name_width = self
            .rows
            .iter()
            .map(|row| row.name.len())
            .max()
            .unwrap_or(0)
            .max(4);
        let widths: Vec<usize> = (0..headers.len())
            .map(|column| {
                cells
                    .iter()
                    .map(|row| row[column].len())
                    .max()
                    .unwrap_or(0)
                    .max(headers[column].len())
            })
            .collect();
        let mut text = String::new();
        let total_draws: usize = self.draws_per_chain.iter().sum();
        let _ = writeln!(
            text,
            "{} chain{}, {} post-warmup draw{} in all.\n",
            self.num_chains,
            if self.num_chains == 1 { "" } else { "s" },
            total_draws,
            if total_draws == 1 { "" } else { "s" }
        );
        let _ = write!(text, "{:name_width$}", "");
        for (header, width) in headers.iter().zip(&widths) {
            let _ = write!(text, "  {header:>width$}");
        }
        text.push('\n');
        for (row, row_cells) in self.rows.iter().zip(&cells) {
            let _ = write!(text, "{:name_width$}", row.name);
            for (cell, width) in row_cells.iter().zip(&widths) {
                let _ = write!(text, "  {cell:>width$}");
            }
            text.push('\n');
        }
        if self
            .rows
            .iter()
            .any(|row| row.stats.rhat.is_nan() || row.stats.ess_bulk.is_nan())
        {
            text.push_str("\nnan marks a statistic that is undefined here (one chain, fewer than 4 draws, or a constant).\n");
        }
        let checks = &self.sampler_checks;
        let _ = writeln!(
            text,
            "\nDivergent transitions: {} of {}. Transitions at max tree depth ({}): {}. E-BFMI per chain: {}.",
            checks.num_divergent,
            checks.num_transitions,
            checks.max_treedepth,
            checks.num_max_treedepth,
            checks.e_bfmi.iter().map(|value| format_fixed(*value, 2)).collect::<Vec<_>>().join(", ")
        );
        for warning in &self.warnings {
            let _ = writeln!(text, "Warning: {warning}");
        }
        text
    }
}

/// Three significant digits, like stansummary's default `sig_figs`.
pub fn format_significant(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}").to_lowercase();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

fn format_count(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.0}")
    } else {
        format!("{value}").to_lowercase()
    }
}

fn format_fixed(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        format!("{value}").to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::format_significant;

    #[test]
    fn significant_digits() {
        assert_eq!(format_significant(1.23456), "1.23");
        assert_eq!(format_significant(-0.0123456), "-0.0123");
        assert_eq!(format_significant(1234.5), "1234");
        assert_eq!(format_significant(f64::NAN), "nan");
    }
}

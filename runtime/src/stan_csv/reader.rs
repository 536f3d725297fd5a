//! Reads a Stan CSV file written by cmod or CmdStan into [`ChainDraws`]:
//! the configuration comments it needs, the column names, the rows (warmup
//! rows told apart when saved), the adaptation comments and the timing.

use crate::draws::{AdaptationInfo, ChainDraws, InverseMetric, Timing};
use std::path::Path;

/// Why a file could not be read as Stan CSV, with the line it was found on.
#[derive(Clone, Debug, PartialEq)]
pub struct StanCsvError {
    pub source_name: String,
    /// 1-based line number, 0 when the problem is not on one line.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for StanCsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.source_name, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.source_name, self.message)
        }
    }
}

impl std::error::Error for StanCsvError {}

/// Reads the Stan CSV file at `path`.
pub fn read_stan_csv(path: &Path) -> Result<ChainDraws, StanCsvError> {
    let text = std::fs::read_to_string(path).map_err(|error| StanCsvError {
        source_name: path.display().to_string(),
        line: 0,
        message: format!("cannot read the file: {error}"),
    })?;
    read_stan_csv_str(&text, &path.display().to_string())
}

/// The value of a `key = value` configuration comment, without "(Default)".
fn config_value(comment: &str) -> Option<(&str, &str)> {
    let (key, value) = comment.split_once('=')?;
    let value = value.trim();
    let value = value.strip_suffix("(Default)").unwrap_or(value).trim();
    Some((key.trim(), value))
}

fn parse_bool(value: &str) -> bool {
    matches!(value, "1" | "true")
}

fn parse_number_list(text: &str) -> Option<Vec<f64>> {
    text.split(',')
        .map(|item| item.trim().parse::<f64>().ok())
        .collect()
}

/// Reads Stan CSV held in `text`; `source_name` names it in errors.
pub fn read_stan_csv_str(text: &str, source_name: &str) -> Result<ChainDraws, StanCsvError> {
    let error = |line: usize, message: String| StanCsvError {
        source_name: source_name.to_string(),
        line,
        message,
    };
    let mut chain_id = 1usize;
    let mut num_warmup = 0usize;
    let mut save_warmup = false;
    let mut thin = 1usize;
    let mut max_depth = None;
    let mut adapt_delta = None;
    let mut column_names: Option<Vec<String>> = None;
    let mut draws = ChainDraws::new(1, Vec::new());
    let mut rows_before_adaptation: Option<usize> = None;
    let mut step_size = None;
    let mut inverse_metric = None;
    let mut warmup_seconds = None;
    let mut sampling_seconds = None;

    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let line_number = index + 1;
        let line = lines[index].trim();
        index += 1;
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if comment.starts_with("Adaptation terminated") {
                rows_before_adaptation = Some(draws.num_rows());
            } else if let Some(value) = comment.strip_prefix("Step size =") {
                step_size = value.trim().parse::<f64>().ok();
            } else if comment.starts_with("Diagonal elements of inverse mass matrix") {
                if let Some(values) = lines
                    .get(index)
                    .and_then(|l| parse_number_list(l.trim_start_matches('#')))
                {
                    inverse_metric = Some(InverseMetric::Diagonal(values));
                    index += 1;
                }
            } else if comment.starts_with("Elements of inverse mass matrix") {
                let mut rows = Vec::new();
                while let Some(values) = lines
                    .get(index)
                    .and_then(|l| l.trim().strip_prefix('#').and_then(parse_number_list))
                {
                    rows.push(values);
                    index += 1;
                    if rows.len() == rows[0].len() {
                        break;
                    }
                }
                inverse_metric = Some(InverseMetric::Dense(rows));
            } else if comment.contains("seconds (Warm-up)") {
                let number = comment.trim_start_matches("Elapsed Time:").trim();
                warmup_seconds = number
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok());
            } else if comment.contains("seconds (Sampling)") {
                sampling_seconds = comment
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok());
            } else if column_names.is_none() {
                if let Some((key, value)) = config_value(comment) {
                    match key {
                        "id" => chain_id = value.parse().unwrap_or(chain_id),
                        "num_warmup" => num_warmup = value.parse().unwrap_or(0),
                        "save_warmup" => save_warmup = parse_bool(value),
                        "thin" => thin = value.parse().unwrap_or(1).max(1),
                        "max_depth" => max_depth = value.parse().ok(),
                        "delta" => adapt_delta = value.parse().ok(),
                        _ => {}
                    }
                }
            }
            continue;
        }
        match &column_names {
            None => {
                let names: Vec<String> = line
                    .split(',')
                    .map(|name| name.trim().to_string())
                    .collect();
                draws.column_names = names.clone();
                column_names = Some(names);
            }
            Some(names) => {
                let mut count = 0;
                for field in line.split(',') {
                    let value = field.trim().parse::<f64>().map_err(|_| {
                        error(line_number, format!("'{}' is not a number", field.trim()))
                    })?;
                    draws.values.push(value);
                    count += 1;
                }
                if count != names.len() {
                    return Err(error(
                        line_number,
                        format!(
                            "this row has {count} values but the header names {} columns",
                            names.len()
                        ),
                    ));
                }
            }
        }
    }
    if column_names.is_none() {
        return Err(error(
            0,
            "no column names were found; is this a Stan CSV file?".to_string(),
        ));
    }
    draws.chain_id = chain_id;
    draws.max_depth = max_depth;
    draws.adapt_delta = adapt_delta;
    draws.num_warmup_rows = if save_warmup {
        rows_before_adaptation
            .unwrap_or(num_warmup.div_ceil(thin))
            .min(draws.num_rows())
    } else {
        0
    };
    if let (Some(step_size), Some(inverse_metric)) = (step_size, inverse_metric) {
        draws.adaptation = Some(AdaptationInfo {
            step_size,
            inverse_metric,
        });
    }
    if let (Some(warmup_seconds), Some(sampling_seconds)) = (warmup_seconds, sampling_seconds) {
        draws.timing = Some(Timing {
            warmup_seconds,
            sampling_seconds,
        });
    }
    Ok(draws)
}

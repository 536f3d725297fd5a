//! Writes one chain's Stan CSV file: CmdStan's header comments, the column
//! names, rows as they are drawn, the adaptation comments and the timing.
//!
//! The header and column names go out in a single write before any row, and
//! each row is a single write of a complete line, so a run stopped at any
//! moment leaves a file of complete rows that ArviZ and cmdstanpy can read.

use crate::config::{InitialValues, SamplerConfig};
use crate::draws::{AdaptationInfo, InverseMetric, Timing};
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Facts about the run that the header records besides the sampler settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsvHeaderInfo {
    /// The model's name (CmdStan writes the program's file stem).
    pub model_name: String,
    /// The data file, if any.
    pub data_file: Option<String>,
    /// The file the initial inverse metric came from, if any.
    pub metric_file: Option<String>,
}

/// A value as Stan CSV holds it: the shortest text that reads back to the
/// same f64, with `nan`, `inf` and `-inf` spelled as CmdStan spells them.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{value}")
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// CmdStan's header comments for chain `chain_id` (1-based).
pub fn header_comments(
    config: &SamplerConfig,
    chain_id: usize,
    info: &CsvHeaderInfo,
    output_file: &Path,
) -> String {
    let adapt = &config.adapt;
    let init = match &config.init {
        InitialValues::Uniform { radius } => format_value(*radius),
        InitialValues::Given(_) | InitialValues::PerChain(_) => "user".to_string(),
    };
    let method = [
        "method = sample (Default)".to_string(),
        "  sample".to_string(),
        format!("    num_samples = {}", config.num_samples),
        format!("    num_warmup = {}", config.num_warmup),
        format!("    save_warmup = {}", yes_no(config.save_warmup)),
        format!("    thin = {}", config.thin),
        "    adapt".to_string(),
        format!("      engaged = {}", yes_no(adapt.engaged)),
        format!("      gamma = {}", format_value(adapt.gamma)),
        format!("      delta = {}", format_value(adapt.delta)),
        format!("      kappa = {}", format_value(adapt.kappa)),
        format!("      t0 = {}", format_value(adapt.t0)),
        format!("      init_buffer = {}", adapt.init_buffer),
        format!("      term_buffer = {}", adapt.term_buffer),
        format!("      window = {}", adapt.window),
        "      save_metric = false".to_string(),
        // Not CmdStan's: how cmod estimated the metric (`--adaptation`).
        format!("      metric_adaptation = {}", adapt.kind.name()),
        "    algorithm = hmc (Default)".to_string(),
        "      hmc".to_string(),
        "        engine = nuts (Default)".to_string(),
        "          nuts".to_string(),
        format!("            max_depth = {}", config.max_depth),
        format!("        metric = {}", config.metric.stan_name()),
        format!(
            "        metric_file = {}",
            info.metric_file.as_deref().unwrap_or("")
        ),
        format!(
            "        stepsize = {}",
            format_value(config.initial_step_size)
        ),
        "        stepsize_jitter = 0".to_string(),
        format!("    num_chains = {}", config.num_chains),
    ];
    let run = RunHeader {
        id: chain_id,
        init,
        seed: config.seed,
        num_threads: config.parallel_chains.max(1),
    };
    method_header_comments(info, &method, &run, output_file)
}

/// What CmdStan's header records about a run besides the method's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct RunHeader {
    /// The chain or path id (1 for single-run methods).
    pub id: usize,
    /// The `init` setting: a radius, or `user` for given values.
    pub init: String,
    pub seed: u64,
    pub num_threads: usize,
}

impl RunHeader {
    /// A single run (optimize, laplace, pathfinder, variational): id 1, one
    /// thread, and `init` as CmdStan records `--inits` (a radius as given, 2
    /// by default, `user` for a file).
    pub fn single(inits: Option<&str>, seed: u64) -> Self {
        RunHeader {
            id: 1,
            init: match inits {
                None => "2".to_string(),
                Some(text) if text.parse::<f64>().is_ok() => text.to_string(),
                Some(_) => "user".to_string(),
            },
            seed,
            num_threads: 1,
        }
    }
}

/// The column line: the method's own columns, then the model's outputs.
pub fn column_line(leading: &[&str], names: &[String]) -> String {
    let mut line = leading.join(",");
    for name in names {
        if !line.is_empty() {
            line.push(',');
        }
        line.push_str(name);
    }
    line.push('\n');
    line
}

/// The rows, one line each, values as Stan CSV holds them.
pub fn row_lines(rows: &[Vec<f64>]) -> String {
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| format_value(*v)).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

/// CmdStan's header comments for any method: the version lines, the model,
/// `method_lines` (from `method = ...` on, indented as CmdStan indents its
/// argument tree), then id, data, init, seed and output. cmdstanpy reads the
/// method and its settings from these lines.
pub fn method_header_comments(
    info: &CsvHeaderInfo,
    method_lines: &[String],
    run: &RunHeader,
    output_file: &Path,
) -> String {
    let mut lines = vec![
        "stan_version_major = 2".to_string(),
        "stan_version_minor = 39".to_string(),
        "stan_version_patch = 0".to_string(),
        format!("model = {}", info.model_name),
    ];
    lines.extend(method_lines.iter().cloned());
    lines.extend([
        format!("id = {}", run.id),
        "data".to_string(),
        format!("  file = {}", info.data_file.as_deref().unwrap_or("")),
        format!("init = {}", run.init),
        "random".to_string(),
        format!("  seed = {}", run.seed),
        "output".to_string(),
        format!("  file = {}", output_file.display()),
        "  diagnostic_file = ".to_string(),
        "  refresh = 100".to_string(),
        "  sig_figs = -1".to_string(),
        format!("num_threads = {}", run.num_threads),
        format!("cmod_version = {}", env!("CARGO_PKG_VERSION")),
    ]);
    let mut text = String::new();
    for line in lines {
        let _ = writeln!(text, "# {line}");
    }
    text
}

/// An open Stan CSV file of one chain.
pub struct StanCsvWriter {
    file: File,
    path: PathBuf,
    line: String,
}

impl StanCsvWriter {
    /// Creates the file and writes the header comments and column names in one write.
    pub fn create(
        path: &Path,
        config: &SamplerConfig,
        chain_id: usize,
        info: &CsvHeaderInfo,
        column_names: &[String],
    ) -> std::io::Result<Self> {
        let mut header = header_comments(config, chain_id, info, path);
        header.push_str(&column_names.join(","));
        header.push('\n');
        let mut file = File::create(path)?;
        file.write_all(header.as_bytes())?;
        Ok(StanCsvWriter {
            file,
            path: path.to_path_buf(),
            line: String::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one complete row in one write call.
    pub fn write_row(&mut self, row: &[f64]) -> std::io::Result<()> {
        self.line.clear();
        for (index, value) in row.iter().enumerate() {
            if index > 0 {
                self.line.push(',');
            }
            if value.is_finite() {
                let _ = write!(self.line, "{value}");
            } else {
                self.line.push_str(&format_value(*value));
            }
        }
        self.line.push('\n');
        self.file.write_all(self.line.as_bytes())
    }

    /// CmdStan's comments after warmup: step size and inverse metric.
    pub fn write_adaptation(&mut self, adaptation: &AdaptationInfo) -> std::io::Result<()> {
        let join = |values: &[f64]| {
            values
                .iter()
                .map(|v| format_value(*v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = String::from("# Adaptation terminated\n");
        let _ = writeln!(text, "# Step size = {}", format_value(adaptation.step_size));
        match &adaptation.inverse_metric {
            InverseMetric::Diagonal(diagonal) => {
                text.push_str("# Diagonal elements of inverse mass matrix:\n");
                let _ = writeln!(text, "# {}", join(diagonal));
            }
            InverseMetric::Dense(rows) => {
                text.push_str("# Elements of inverse mass matrix:\n");
                for row in rows {
                    let _ = writeln!(text, "# {}", join(row));
                }
            }
        }
        self.file.write_all(text.as_bytes())
    }

    /// CmdStan's closing timing comment.
    pub fn write_timing(&mut self, timing: &Timing) -> std::io::Result<()> {
        let total = timing.warmup_seconds + timing.sampling_seconds;
        let text = format!(
            "# \n#  Elapsed Time: {:.3} seconds (Warm-up)\n#                {:.3} seconds (Sampling)\n#                {:.3} seconds (Total)\n# \n",
            timing.warmup_seconds, timing.sampling_seconds, total
        );
        self.file.write_all(text.as_bytes())
    }
}

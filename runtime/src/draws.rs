//! The draws of one chain in memory, as the sampler produced them or as a
//! Stan CSV file held them, with the adaptation results and timing.

/// Names of the sampler columns that precede the model's in Stan CSV, in order.
pub const SAMPLER_COLUMNS: [&str; 7] = [
    "lp__",
    "accept_stat__",
    "stepsize__",
    "treedepth__",
    "n_leapfrog__",
    "divergent__",
    "energy__",
];

/// The adapted inverse metric as written after warmup.
#[derive(Clone, Debug, PartialEq)]
pub enum InverseMetric {
    Diagonal(Vec<f64>),
    /// Rows of the full matrix.
    Dense(Vec<Vec<f64>>),
}

/// What warmup settled on.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptationInfo {
    pub step_size: f64,
    pub inverse_metric: InverseMetric,
}

/// Wall-clock time of warmup and sampling, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub warmup_seconds: f64,
    pub sampling_seconds: f64,
}

/// The rows of one chain: every column of Stan CSV, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDraws {
    /// 1-based, as in the CSV header's `id`.
    pub chain_id: usize,
    pub column_names: Vec<String>,
    /// How many leading rows are warmup draws (0 unless warmup was saved).
    pub num_warmup_rows: usize,
    /// `num_rows() * column_names.len()` values, row by row.
    pub values: Vec<f64>,
    pub adaptation: Option<AdaptationInfo>,
    pub timing: Option<Timing>,
    /// The tree depth limit of the run, when known (to count saturated transitions).
    pub max_depth: Option<usize>,
    /// The target acceptance (`adapt_delta`) of the run, when known, so that
    /// advice about divergences can start from it.
    pub adapt_delta: Option<f64>,
    /// The run was stopped early; the rows present are complete.
    pub interrupted: bool,
}

impl ChainDraws {
    pub fn new(chain_id: usize, column_names: Vec<String>) -> Self {
        ChainDraws {
            chain_id,
            column_names,
            num_warmup_rows: 0,
            values: Vec::new(),
            adaptation: None,
            timing: None,
            max_depth: None,
            adapt_delta: None,
            interrupted: false,
        }
    }

    pub fn num_columns(&self) -> usize {
        self.column_names.len()
    }

    /// All rows, warmup included.
    pub fn num_rows(&self) -> usize {
        self.values
            .len()
            .checked_div(self.num_columns())
            .unwrap_or(0)
    }

    /// Post-warmup rows.
    pub fn num_sampling_rows(&self) -> usize {
        self.num_rows().saturating_sub(self.num_warmup_rows)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.column_names.iter().position(|column| column == name)
    }

    /// The post-warmup values of one column.
    pub fn sampling_column(&self, index: usize) -> Vec<f64> {
        let columns = self.num_columns();
        (self.num_warmup_rows..self.num_rows())
            .map(|row| self.values[row * columns + index])
            .collect()
    }

    /// The post-warmup values of the column called `name`.
    pub fn sampling_column_named(&self, name: &str) -> Option<Vec<f64>> {
        self.column_index(name)
            .map(|index| self.sampling_column(index))
    }

    pub fn push_row(&mut self, row: &[f64]) {
        self.values.extend_from_slice(row);
    }
}

//! Stan CSV: writing one file per chain as CmdStan does, and reading files
//! written by cmod or CmdStan.

pub mod reader;
pub mod writer;

pub use reader::{read_stan_csv, read_stan_csv_str, StanCsvError};
pub use writer::{
    column_line, format_value, method_header_comments, row_lines, CsvHeaderInfo, RunHeader,
    StanCsvWriter,
};

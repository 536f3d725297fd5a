//! Standard output that a closed pipe cannot crash: `cmod ... | head` ends
//! quietly instead of panicking, and a run keeps writing its CSV files.
//!
//! `out!` and `outln!` replace `print!` and `println!` in the commands. When
//! standard output is closed (a broken pipe), that output and everything
//! after it is dropped; any other write error is reported once on standard
//! error. The work itself goes on, so nothing but the printed text is lost.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output can no longer be written.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output, unless it is closed.
pub fn write_stdout(text: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if error.kind() != ErrorKind::BrokenPipe {
            eprintln!("warning: could not write to standard output ({error}); the rest of the output is dropped");
        }
    }
}

/// `print!` that survives a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that survives a closed standard output.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

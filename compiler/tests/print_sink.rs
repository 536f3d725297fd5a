//! A model's `print` output goes to the sink the caller passes (the compiler
//! itself writes nothing): from transformed data while compiling, and from
//! every evaluation after; without a sink it is dropped.

use compiler::compiled::{compile, compile_with_seed, Evaluator, PrintSink};
use compiler::ir::lower::DataValues;
use std::sync::{Arc, Mutex};

const SOURCE: &str = "
transformed data {
  real c = 2;
  print(\"c = \", c);
}
parameters { real x; }
model {
  print(\"x = \", x);
  x ~ normal(0, 1);
}
";

#[test]
fn print_output_goes_to_the_callers_sink() {
    let front = compiler::front_end(SOURCE);
    let checked = front.checked.as_ref().expect("a valid model");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let collected = Arc::clone(&lines);
    let sink: PrintSink =
        Arc::new(move |line: &str| collected.lock().unwrap().push(line.to_string()));
    let data = DataValues::default();
    let model = compile_with_seed(
        &front.parsed.program,
        &checked.typed,
        SOURCE,
        &data,
        1,
        Some(sink),
    )
    .unwrap_or_else(|_| panic!("compiles"));
    assert_eq!(*lines.lock().unwrap(), vec!["c = 2"]);
    let mut evaluator = Evaluator::new(Arc::new(model));
    evaluator.log_density(&[0.5], true).unwrap();
    let mut gradient = [0.0];
    evaluator
        .log_density_gradient(&[-1.5], &mut gradient, true)
        .unwrap();
    assert_eq!(*lines.lock().unwrap(), vec!["c = 2", "x = 0.5", "x = -1.5"]);

    // Without a sink nothing is kept or written, and evaluation works the same.
    let quiet = compile(&front.parsed.program, &checked.typed, SOURCE, &data)
        .unwrap_or_else(|_| panic!("compiles"));
    let mut evaluator = Evaluator::new(Arc::new(quiet));
    assert_eq!(evaluator.log_density(&[0.5], true).unwrap(), -0.125);
}

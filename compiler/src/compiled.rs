//! The whole pipeline from checked program and data to a callable native model, and the per-chain evaluator.

use crate::check::TypedProgram;
use crate::codegen::{self, Ctx, GeneratedFn, Host, Jitted};
use crate::diagnostics::Diagnostic;
use crate::ir::lower::{DataValues, LowerError, Lowering, OutputVar};
use crate::ir::Module;
use crate::syntax::ast::{Program, Span};
use std::sync::Arc;

/// Where the lines a model's `print` statements write go: the compiler does
/// no IO, so the caller says (the command line sends them to standard error,
/// as Stan does). Called once per line, from the thread that evaluated it.
pub type PrintSink = Arc<dyn Fn(&str) + Send + Sync>;

/// A model compiled to native code, with its data and transformed data in place.
pub struct CompiledModel {
    /// Owns the machine code the function pointers below point into.
    _jit: Jitted,
    pub module: Module,
    pub outputs: Vec<OutputVar>,
    pub n_unconstrained: usize,
    pub n_outputs: usize,
    /// How many of `outputs` are parameters (they come first).
    pub n_parameters: usize,
    /// Where in the int arena the generated code reads whether to add the log-Jacobian.
    jacobian_offset: Option<usize>,
    /// The arenas after transformed data ran: the starting state of every evaluation.
    init_vals: Vec<f64>,
    init_ints: Vec<i64>,
    log_density_fn: GeneratedFn,
    gradient_fn: GeneratedFn,
    generate_fn: GeneratedFn,
    unconstrain_fn: GeneratedFn,
    /// Seconds spent from checked program to callable code.
    pub compile_seconds: f64,
    /// Where `print` output goes; dropped when None.
    print_sink: Option<PrintSink>,
}

/// Why compiling or evaluating failed.
#[derive(Debug, Clone)]
pub enum ModelError {
    /// A problem at a place in the model source.
    Compile(Diagnostic),
    /// A failure while running transformed data (an error, not a rejection).
    TransformedData(String),
}

fn internal(message: String) -> ModelError {
    ModelError::Compile(LowerError::internal(Span::default(), message).to_diagnostic())
}

/// The seed of transformed data's `_rng` calls when the caller gives none.
pub const DEFAULT_TRANSFORMED_DATA_SEED: u64 = 0x00C0_FFEE;

/// Compiles a checked program with its data; `_rng` calls in transformed
/// data draw from a fixed stream ([`DEFAULT_TRANSFORMED_DATA_SEED`]), and
/// `print` output is dropped.
pub fn compile(
    program: &Program,
    typed: &TypedProgram,
    source: &str,
    data: &DataValues,
) -> Result<CompiledModel, ModelError> {
    compile_with_seed(
        program,
        typed,
        source,
        data,
        DEFAULT_TRANSFORMED_DATA_SEED,
        None,
    )
}

/// Compiles a checked program with its data; `_rng` calls in transformed
/// data draw from a stream seeded with `transformed_data_seed`, as CmdStan
/// seeds them with the run's seed, and `print` output (of transformed data
/// now, and of every evaluation later) goes to `print_sink`.
pub fn compile_with_seed(
    program: &Program,
    typed: &TypedProgram,
    source: &str,
    data: &DataValues,
    transformed_data_seed: u64,
    print_sink: Option<PrintSink>,
) -> Result<CompiledModel, ModelError> {
    let options = CompileOptions {
        transformed_data_seed,
        print_sink,
        keep_constants: false,
    };
    compile_with_options(program, typed, source, data, options)
}

/// How to compile, besides the program and its data.
#[derive(Clone)]
pub struct CompileOptions {
    /// The seed of `_rng` calls in transformed data.
    pub transformed_data_seed: u64,
    /// Where `print` output goes (dropped when `None`).
    pub print_sink: Option<PrintSink>,
    /// Whether the log density keeps the constants that `~` statements and
    /// `_lupdf` calls drop when sampling (Stan's `propto = false`): ADVI's
    /// ELBO and its relative-change stopping rule need the full value.
    pub keep_constants: bool,
}

/// Compiles a checked program with its data, as [`compile_with_seed`] with
/// the choices of [`CompileOptions`].
pub fn compile_with_options(
    program: &Program,
    typed: &TypedProgram,
    source: &str,
    data: &DataValues,
    options: CompileOptions,
) -> Result<CompiledModel, ModelError> {
    let CompileOptions {
        transformed_data_seed,
        print_sink,
        keep_constants,
    } = options;
    let start = std::time::Instant::now();
    let mut lowering = Lowering::new(program, typed, source);
    lowering.keep_constants = keep_constants;
    let lower_err = |e: LowerError| ModelError::Compile(e.to_diagnostic());
    lowering.lower_data(data).map_err(lower_err)?;
    lowering.lower_transformed_data().map_err(lower_err)?;
    lowering.check_size().map_err(lower_err)?;

    // Run transformed data so its values can size what follows.
    let td = codegen::compile(&lowering.module, &["transform_data"]).map_err(|e| internal(e.0))?;
    let mut vals = lowering.vals_arena.clone();
    let mut ints = lowering.ints_arena.clone();
    run_transform_data(
        &td,
        &lowering.module,
        &mut vals,
        &mut ints,
        transformed_data_seed,
        print_sink.as_ref(),
    )?;
    lowering.vals_arena = vals;
    lowering.ints_arena = ints;

    let exits_before_model = lowering.loop_exit_spans.len();
    lowering.lower_model().map_err(lower_err)?;
    lowering.check_size().map_err(lower_err)?;
    let active = lowering.active.clone();
    let mut module = lowering.module.clone();
    crate::ad::differentiate(&mut module, &active).map_err(|e| match e.kind {
        // The IR keeps no spans; a loop exit is the one construct the
        // gradient refuses, and the model block's first one is the place.
        crate::ad::AdErrorKind::LoopExit => {
            let span = lowering
                .loop_exit_spans
                .get(exits_before_model)
                .copied()
                .unwrap_or_default();
            ModelError::Compile(LowerError::unsupported(span, e.message).to_diagnostic())
        }
        crate::ad::AdErrorKind::Internal => internal(e.message),
    })?;
    let jit = codegen::compile(
        &module,
        &["log_density", "gradient", "generate", "unconstrain"],
    )
    .map_err(|e| internal(e.0))?;
    let get = |name: &str| {
        jit.functions
            .get(name)
            .copied()
            .ok_or_else(|| internal(format!("no function {name}")))
    };
    let (log_density_fn, gradient_fn, generate_fn, unconstrain_fn) = (
        get("log_density")?,
        get("gradient")?,
        get("generate")?,
        get("unconstrain")?,
    );
    let mut init_vals = lowering.vals_arena.clone();
    init_vals.resize(module.layout.vals_len, 0.0);
    let mut init_ints = lowering.ints_arena.clone();
    init_ints.resize(module.layout.ints_len, 0);
    Ok(CompiledModel {
        _jit: jit,
        outputs: lowering.outputs.clone(),
        n_unconstrained: lowering.n_unconstrained,
        n_outputs: lowering.n_outputs,
        n_parameters: lowering.n_parameters,
        jacobian_offset: lowering
            .jacobian_slot()
            .map(|s| module.layout.slot(s).offset),
        module,
        init_vals,
        init_ints,
        log_density_fn,
        gradient_fn,
        generate_fn,
        unconstrain_fn,
        compile_seconds: start.elapsed().as_secs_f64(),
        print_sink,
    })
}

fn run_transform_data(
    td: &Jitted,
    module: &Module,
    vals: &mut Vec<f64>,
    ints: &mut Vec<i64>,
    seed: u64,
    print_sink: Option<&PrintSink>,
) -> Result<(), ModelError> {
    let f = td
        .functions
        .get("transform_data")
        .copied()
        .ok_or_else(|| internal("no transform_data".into()))?;
    let mut rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(seed);
    let rng_ref: &mut dyn rand::Rng = &mut rng;
    // SAFETY: the pointer is used only during the call below, while `rng` lives.
    let rng_ptr: *mut (dyn rand::Rng + 'static) =
        unsafe { std::mem::transmute(rng_ref as *mut dyn rand::Rng) };
    let mut host = Host {
        rng: Some(rng_ptr),
        ..Host::default()
    };
    let mut adj = vec![0.0; vals.len()];
    let mut empty = vec![0.0; 1];
    let mut ctx = Ctx::new(
        vals.as_mut_ptr(),
        ints.as_mut_ptr(),
        adj.as_mut_ptr(),
        empty.as_ptr(),
        empty.as_mut_ptr(),
        empty.as_mut_ptr(),
        &mut host,
    );
    // SAFETY: the arenas have the sizes the layout of this module gives.
    let status = unsafe { f(&mut ctx) };
    deliver_printed(&mut host, print_sink);
    if status != 0 {
        return Err(ModelError::TransformedData(failure_message(
            module,
            status,
            ctx.err_value,
            &host,
        )));
    }
    Ok(())
}

/// Hands the lines printed by the last call to the sink (or drops them).
fn deliver_printed(host: &mut Host, print_sink: Option<&PrintSink>) {
    for line in host.printed.drain(..) {
        if let Some(sink) = print_sink {
            sink(&line);
        }
    }
}

/// The message for a failure status: the template with the value and kernel detail filled in.
fn failure_message(module: &Module, status: i32, err_value: i64, host: &Host) -> String {
    let template = module
        .messages
        .get(status as usize - 1)
        .cloned()
        .unwrap_or_else(|| format!("failure {status}"));
    let mut m = template
        .replace("{value}", &err_value.to_string())
        .replace("{detail}", &host.detail);
    if !host.reject.is_empty() {
        m = format!("{}: {m}", host.reject);
    }
    m
}

/// The state one chain needs to evaluate a compiled model: its own arenas and tape.
pub struct Evaluator {
    model: Arc<CompiledModel>,
    vals: Vec<f64>,
    ints: Vec<i64>,
    adj: Vec<f64>,
    host: Box<Host>,
    out: Vec<f64>,
}

// SAFETY: the raw pointers inside (the RNG in `Host`) are set only for the
// duration of one `generate` call on the owning thread.
unsafe impl Send for Evaluator {}

impl CompiledModel {
    /// The parts of the adjoint arena that generated code writes (every
    /// adjoint slot), merged, as (offset, length) within the arena.
    fn adjoint_ranges(&self) -> Vec<(usize, usize)> {
        let n = self.init_vals.len();
        let mut ranges: Vec<(usize, usize)> = self
            .module
            .layout
            .slots
            .iter()
            .filter(|s| s.region == crate::ir::Region::Adj)
            .map(|s| (s.offset.min(n), (s.offset.saturating_add(s.len)).min(n)))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
            .into_iter()
            .filter(|(s, e)| e > s)
            .map(|(s, e)| (s, e - s))
            .collect()
    }
}

impl Evaluator {
    pub fn new(model: Arc<CompiledModel>) -> Self {
        let vals = model.init_vals.clone();
        let ints = model.init_ints.clone();
        let adj = vec![0.0; vals.len()];
        let host = Box::new(Host {
            adj_ranges: model.adjoint_ranges(),
            n_grad: model.n_unconstrained,
            ..Host::default()
        });
        Evaluator {
            out: vec![0.0; model.n_outputs],
            model,
            vals,
            ints,
            adj,
            host,
        }
    }

    pub fn model(&self) -> &CompiledModel {
        &self.model
    }

    fn run(
        &mut self,
        f: GeneratedFn,
        theta: &[f64],
        grad: &mut [f64],
        jacobian: bool,
    ) -> Result<(), String> {
        if theta.len() != self.model.n_unconstrained {
            return Err(format!(
                "expected {} unconstrained values, got {}",
                self.model.n_unconstrained,
                theta.len()
            ));
        }
        if let Some(offset) = self.model.jacobian_offset {
            self.ints[offset] = jacobian as i64;
        }
        self.host.reject.clear();
        self.host.detail.clear();
        let mut grad_dummy = [0.0];
        let grad_ptr = if grad.is_empty() {
            grad_dummy.as_mut_ptr()
        } else {
            grad.as_mut_ptr()
        };
        let theta_ptr = if theta.is_empty() {
            grad_dummy.as_ptr()
        } else {
            theta.as_ptr()
        };
        let mut ctx = Ctx::new(
            self.vals.as_mut_ptr(),
            self.ints.as_mut_ptr(),
            self.adj.as_mut_ptr(),
            theta_ptr,
            grad_ptr,
            self.out.as_mut_ptr(),
            &mut self.host,
        );
        // SAFETY: every pointer covers the region the layout gives it.
        let status = unsafe { f(&mut ctx) };
        deliver_printed(&mut self.host, self.model.print_sink.as_ref());
        if status != 0 {
            return Err(failure_message(
                &self.model.module,
                status,
                ctx.err_value,
                &self.host,
            ));
        }
        Ok(())
    }

    fn target(&self) -> f64 {
        let t = self
            .model
            .module
            .target
            .map(|s| self.model.module.layout.slot(s).offset)
            .unwrap_or(0);
        self.vals[t]
    }

    /// The log density at an unconstrained point.
    pub fn log_density(&mut self, theta: &[f64], jacobian: bool) -> Result<f64, String> {
        let f = self.model.log_density_fn;
        self.run(f, theta, &mut [], jacobian)?;
        Ok(self.target())
    }

    /// The log density and its gradient at an unconstrained point.
    pub fn log_density_gradient(
        &mut self,
        theta: &[f64],
        grad: &mut [f64],
        jacobian: bool,
    ) -> Result<f64, String> {
        let f = self.model.gradient_fn;
        if grad.len() != self.model.n_unconstrained {
            return Err("gradient buffer of the wrong size".into());
        }
        self.run(f, theta, grad, jacobian)?;
        Ok(self.target())
    }

    /// Constrained parameters, transformed parameters and generated quantities.
    /// On a rejection (a failed check or `reject` in transformed parameters or
    /// generated quantities) `out` still holds the parameters, and NaN in
    /// every other column, as Stan writes such a draw.
    pub fn generate(
        &mut self,
        theta: &[f64],
        rng: &mut dyn rand::Rng,
        out: &mut [f64],
    ) -> Result<(), String> {
        let f = self.model.generate_fn;
        // SAFETY: the pointer is used only during this call, while `rng` is borrowed.
        let rng_ptr: *mut (dyn rand::Rng + 'static) =
            unsafe { std::mem::transmute(rng as *mut dyn rand::Rng) };
        self.host.rng = Some(rng_ptr);
        let parameter_columns: usize = self.model.outputs[..self.model.n_parameters]
            .iter()
            .map(|o| o.dims.iter().product::<usize>())
            .sum();
        if let Some(rest) = self.out.get_mut(parameter_columns..) {
            rest.fill(f64::NAN);
        }
        let result = self.run(f, theta, &mut [], false);
        self.host.rng = None;
        out.copy_from_slice(&self.out[..out.len().min(self.out.len())]);
        result
    }

    /// The unconstrained point for constrained parameter values, given in the
    /// order of the first output columns (the parameters, flattened as Stan does).
    pub fn unconstrain(&mut self, constrained: &[f64]) -> Result<Vec<f64>, String> {
        let n_params: usize = self.model.n_outputs;
        let mut input = constrained.to_vec();
        input.resize(n_params.max(1), 0.0);
        let mut result = vec![0.0; self.model.n_unconstrained];
        let saved = std::mem::replace(&mut self.out, input);
        let f = self.model.unconstrain_fn;
        let theta = vec![0.0; self.model.n_unconstrained];
        let outcome = self.run(f, &theta, &mut result, false);
        self.out = saved;
        outcome.map(|()| result)
    }

    /// Stan's column names of the output, in order.
    pub fn output_names(&self) -> Vec<String> {
        self.model
            .outputs
            .iter()
            .flat_map(|o| o.column_names())
            .collect()
    }
}

//! The runtime side of generated code: the `Ctx` it receives, and every `extern "C"` kernel it calls, registered by name.

use crate::ir::ScalarFn;
use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_jit::JITModule;
use cranelift_module::Module;
use std::cell::RefCell;
use std::fmt::Write;
use stdlib::distributions::{self as dist, RealArg};
use stdlib::multivariate as mv;

/// What generated code receives: the arenas, and the host state kernels use.
/// Field offsets are part of the code generator's contract (see the consts).
#[repr(C)]
pub struct Ctx {
    pub vals: *mut f64,
    pub ints: *mut i64,
    pub adj: *mut f64,
    pub theta: *const f64,
    pub grad: *mut f64,
    pub out: *mut f64,
    pub host: *mut Host,
    /// The offending value of a failed check (an index, a divisor).
    pub err_value: i64,
    /// The real tape: the next free entry, the end of its storage and its start.
    /// Generated code pushes and pops with inline stores and loads; it calls
    /// `cmod_tape_grow_real` when a run of pushes would pass the end.
    pub tape_real: *mut f64,
    pub tape_real_end: *mut f64,
    pub tape_real_base: *mut f64,
    /// The int tape, likewise.
    pub tape_int: *mut i64,
    pub tape_int_end: *mut i64,
    pub tape_int_base: *mut i64,
}

impl Ctx {
    pub const VALS: i32 = 0;
    pub const INTS: i32 = 8;
    pub const ADJ: i32 = 16;
    pub const THETA: i32 = 24;
    pub const GRAD: i32 = 32;
    pub const OUT: i32 = 40;
    pub const ERR_VALUE: i32 = 56;
    pub const TAPE_REAL: i32 = 64;
    pub const TAPE_REAL_END: i32 = 72;
    pub const TAPE_REAL_BASE: i32 = 80;
    pub const TAPE_INT: i32 = 88;
    pub const TAPE_INT_END: i32 = 96;
    pub const TAPE_INT_BASE: i32 = 104;

    /// A context over the given arenas, with the tapes of `host` (empty, their capacity kept).
    pub fn new(
        vals: *mut f64,
        ints: *mut i64,
        adj: *mut f64,
        theta: *const f64,
        grad: *mut f64,
        out: *mut f64,
        host: &mut Host,
    ) -> Ctx {
        host.tape_reals.clear();
        host.tape_ints.clear();
        let (r, r_cap) = (host.tape_reals.as_mut_ptr(), host.tape_reals.capacity());
        let (i, i_cap) = (host.tape_ints.as_mut_ptr(), host.tape_ints.capacity());
        Ctx {
            vals,
            ints,
            adj,
            theta,
            grad,
            out,
            host,
            err_value: 0,
            tape_real: r,
            // SAFETY: one past the end of the allocation.
            tape_real_end: unsafe { r.add(r_cap) },
            tape_real_base: r,
            tape_int: i,
            tape_int_end: unsafe { i.add(i_cap) },
            tape_int_base: i,
        }
    }
}

/// Host state behind `Ctx::host`: the AD tape, text buffers, the RNG.
#[derive(Default)]
pub struct Host {
    /// The storage of the tapes. Their length stays 0: generated code writes
    /// into the capacity through `Ctx::tape_real` and `Ctx::tape_int`.
    pub tape_reals: Vec<f64>,
    pub tape_ints: Vec<i64>,
    /// The message of the last failing kernel.
    pub detail: String,
    pub reject: String,
    pub print: String,
    /// The parts of the adjoint arena that hold adjoints, as (offset, length),
    /// and the length of the gradient: what a gradient evaluation zeroes first.
    pub adj_ranges: Vec<(usize, usize)>,
    pub n_grad: usize,
    /// The random number generator of the current `generate` call.
    pub rng: Option<*mut (dyn rand::Rng + 'static)>,
    /// Lines printed by `print` (written to stderr by the caller).
    pub printed: Vec<String>,
}

/// One argument as generated code passes it: a pointer or value, and a length.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct KArgRepr {
    pub a: u64,
    pub len: u64,
    pub _pad: u64,
}

// ---------------------------------------------------------------- scalar functions

macro_rules! scalar1 {
    ($($name:ident => $body:expr;)*) => {
        $( extern "C" fn $name(x: f64) -> f64 { let f: fn(f64) -> f64 = $body; f(x) } )*
    };
}
macro_rules! scalar2 {
    ($($name:ident => $body:expr;)*) => {
        $( extern "C" fn $name(x: f64, y: f64) -> f64 { let f: fn(f64, f64) -> f64 = $body; f(x, y) } )*
    };
}

use stdlib::math as m;

scalar1! {
    cmod_exp => f64::exp;
    cmod_log => f64::ln;
    cmod_round => f64::round;
    cmod_log1p => f64::ln_1p;
    cmod_expm1 => f64::exp_m1;
    cmod_log1p_exp => m::log1p_exp;
    cmod_log1m_exp => m::log1m_exp;
    cmod_inv_logit => m::inv_logit;
    cmod_log_inv_logit => m::log_inv_logit;
    cmod_log1m_inv_logit => m::log1m_inv_logit;
    cmod_logit => m::logit;
    cmod_lgamma => m::lgamma;
    cmod_digamma => m::digamma;
    cmod_trigamma => m::trigamma;
    cmod_tgamma => m::tgamma;
    cmod_erf => m::erf;
    cmod_erfc => m::erfc;
    cmod_phi => m::phi;
    cmod_inv_phi => m::inv_phi;
    cmod_sin => f64::sin;
    cmod_cos => f64::cos;
    cmod_tan => f64::tan;
    cmod_asin => f64::asin;
    cmod_acos => f64::acos;
    cmod_atan => f64::atan;
    cmod_sinh => f64::sinh;
    cmod_cosh => f64::cosh;
    cmod_tanh => f64::tanh;
    cmod_asinh => f64::asinh;
    cmod_acosh => f64::acosh;
    cmod_atanh => f64::atanh;
    cmod_cbrt => f64::cbrt;
    cmod_log2 => f64::log2;
    cmod_log10 => f64::log10;
    cmod_exp2 => f64::exp2;
    cmod_inv_cloglog => m::inv_cloglog;
    cmod_sign => |x| if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { 0.0 };
    cmod_sqrt => f64::sqrt;
    cmod_square => |x| x * x;
    cmod_fabs => f64::abs;
    cmod_floor => f64::floor;
    cmod_ceil => f64::ceil;
    cmod_trunc => f64::trunc;
}

scalar2! {
    cmod_pow => f64::powf;
    cmod_fmin => |a, b| if a.is_nan() { b } else if b.is_nan() { a } else { a.min(b) };
    cmod_fmax => |a, b| if a.is_nan() { b } else if b.is_nan() { a } else { a.max(b) };
    cmod_hypot => f64::hypot;
    cmod_atan2 => f64::atan2;
    cmod_log_sum_exp2 => m::log_sum_exp;
    cmod_log_diff_exp => m::log_diff_exp;
    cmod_lbeta => m::lbeta;
    cmod_lchoose => m::lchoose;
    cmod_fmod => |a, b| a % b;
    cmod_fdim => |a, b| if a > b { a - b } else { 0.0 };
    cmod_lbeta_da => |a, b| m::digamma(a) - m::digamma(a + b);
}

/// The symbol implementing a scalar function.
pub fn scalar_symbol(f: ScalarFn) -> &'static str {
    use ScalarFn::*;
    match f {
        Exp => "cmod_exp",
        Log => "cmod_log",
        Sqrt => "cmod_sqrt",
        Abs => "cmod_fabs",
        Floor => "cmod_floor",
        Ceil => "cmod_ceil",
        Round => "cmod_round",
        Trunc => "cmod_trunc",
        Log1p => "cmod_log1p",
        Expm1 => "cmod_expm1",
        Log1pExp => "cmod_log1p_exp",
        Log1mExp => "cmod_log1m_exp",
        InvLogit => "cmod_inv_logit",
        LogInvLogit => "cmod_log_inv_logit",
        Log1mInvLogit => "cmod_log1m_inv_logit",
        Logit => "cmod_logit",
        Lgamma => "cmod_lgamma",
        Digamma => "cmod_digamma",
        Trigamma => "cmod_trigamma",
        Tgamma => "cmod_tgamma",
        Erf => "cmod_erf",
        Erfc => "cmod_erfc",
        Phi => "cmod_phi",
        InvPhi => "cmod_inv_phi",
        Sin => "cmod_sin",
        Cos => "cmod_cos",
        Tan => "cmod_tan",
        Asin => "cmod_asin",
        Acos => "cmod_acos",
        Atan => "cmod_atan",
        Sinh => "cmod_sinh",
        Cosh => "cmod_cosh",
        Tanh => "cmod_tanh",
        Asinh => "cmod_asinh",
        Acosh => "cmod_acosh",
        Atanh => "cmod_atanh",
        Cbrt => "cmod_cbrt",
        Log2 => "cmod_log2",
        Log10 => "cmod_log10",
        Exp2 => "cmod_exp2",
        InvCloglog => "cmod_inv_cloglog",
        Sign => "cmod_sign",
        Square => "cmod_square",
        Pow => "cmod_pow",
        Fmin => "cmod_fmin",
        Fmax => "cmod_fmax",
        Hypot => "cmod_hypot",
        Atan2 => "cmod_atan2",
        LogSumExp2 => "cmod_log_sum_exp2",
        LogDiffExp => "cmod_log_diff_exp",
        Lbeta => "cmod_lbeta",
        Lchoose => "cmod_lchoose",
        Fmod => "cmod_fmod",
        Fdim => "cmod_fdim",
        LbetaDA => "cmod_lbeta_da",
    }
}

// ---------------------------------------------------------------- tape, printing, adjoints

/// Grows a tape so that `need` more entries fit after `cursor`; returns the
/// new cursor and updates the tape's fields in `ctx`.
unsafe fn grow_tape<T: Copy>(
    tape: &mut Vec<T>,
    base: &mut *mut T,
    end: &mut *mut T,
    cursor: *mut T,
    need: usize,
) -> *mut T {
    let used = (cursor as usize - *base as usize) / std::mem::size_of::<T>();
    // SAFETY: the first `used` entries were written by generated code, so
    // they are initialized; `reserve` copies them into the new storage.
    tape.set_len(used);
    tape.reserve(need.max(used).max(64));
    let b = tape.as_mut_ptr();
    let cap = tape.capacity();
    tape.set_len(0);
    *base = b;
    *end = b.add(cap);
    b.add(used)
}

extern "C" fn cmod_tape_grow_real(ctx: *mut Ctx, cursor: i64, need: i64) -> i64 {
    // SAFETY: generated code passes the Ctx it was called with, whose host is
    // live, and a cursor between the tape's base and end.
    unsafe {
        let c = &mut *ctx;
        let host = &mut *c.host;
        grow_tape(
            &mut host.tape_reals,
            &mut c.tape_real_base,
            &mut c.tape_real_end,
            cursor as *mut f64,
            need as usize,
        ) as i64
    }
}
extern "C" fn cmod_tape_grow_int(ctx: *mut Ctx, cursor: i64, need: i64) -> i64 {
    // SAFETY: as for the real tape.
    unsafe {
        let c = &mut *ctx;
        let host = &mut *c.host;
        grow_tape(
            &mut host.tape_ints,
            &mut c.tape_int_base,
            &mut c.tape_int_end,
            cursor as *mut i64,
            need as usize,
        ) as i64
    }
}

unsafe fn print_sink<'a>(ctx: *mut Ctx, mode: i64) -> &'a mut String {
    let host = &mut *(*ctx).host;
    if mode == 1 {
        &mut host.reject
    } else {
        &mut host.print
    }
}
extern "C" fn cmod_print_text(ctx: *mut Ctx, mode: i64, ptr: i64, len: i64) {
    // SAFETY: ptr/len describe a leaked &'static str baked into the code.
    unsafe {
        let bytes = std::slice::from_raw_parts(ptr as *const u8, len as usize);
        print_sink(ctx, mode).push_str(std::str::from_utf8_unchecked(bytes));
    }
}
extern "C" fn cmod_print_real(ctx: *mut Ctx, mode: i64, v: f64) {
    unsafe {
        let _ = write!(print_sink(ctx, mode), "{v}");
    }
}
extern "C" fn cmod_print_int(ctx: *mut Ctx, mode: i64, v: i64) {
    unsafe {
        let _ = write!(print_sink(ctx, mode), "{v}");
    }
}
extern "C" fn cmod_print_flush(ctx: *mut Ctx) {
    unsafe {
        let host = &mut *(*ctx).host;
        let line = std::mem::take(&mut host.print);
        host.printed.push(line);
    }
}

extern "C" fn cmod_zero_adjoints(ctx: *mut Ctx, _args: *const KArgRepr, _n: i64) -> i32 {
    unsafe {
        let c = &*ctx;
        let host = &*c.host;
        for &(offset, len) in &host.adj_ranges {
            std::slice::from_raw_parts_mut(c.adj.add(offset), len).fill(0.0);
        }
        std::slice::from_raw_parts_mut(c.grad, host.n_grad).fill(0.0);
    }
    0
}

// ---------------------------------------------------------------- densities

thread_local! {
    /// Partials buffers for densities, reused between calls.
    static SCRATCH: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// The shape of a density kernel's arguments: `n_ints` int arguments, then `n_reals` reals.
pub(super) type DensityFn =
    fn(&[&[i64]], &mut RealArgs<'_>, bool) -> Result<f64, dist::DomainError>;

/// Density kernel modes (argument 1).
/// Forward: writes the value to `out`.
pub const MODE_FORWARD: i64 = 0;
/// Reverse: evaluates the partials again and adds `seed * partial` to each adjoint run.
pub const MODE_REVERSE: i64 = 1;
/// Forward, keeping the partials: writes the value to `out` and the partials
/// of the arguments that have adjoints, one after the other, to the run
/// passed as argument 3 (in place of the seed).
pub const MODE_FORWARD_KEEP: i64 = 2;
/// Reverse from kept partials: argument 2 (in place of `propto`) is the run
/// that a `MODE_FORWARD_KEEP` call filled; adds `seed * partial` to each
/// adjoint run without evaluating anything.
pub const MODE_REVERSE_KEPT: i64 = 3;

/// Whether a kernel symbol is a density or CDF in the calling convention of `run_density`.
pub fn is_density_kernel(symbol: &str) -> bool {
    symbol.starts_with("cmod_")
        && !symbol.starts_with("cmod_k_")
        && (symbol.ends_with("_lpdf") || symbol.ends_with("_lpmf") || symbol.ends_with("cdf"))
}

/// Runs a density kernel in the calling convention of `density_call` in the lowering:
/// `[out, mode, propto, seed, ints..., (values, adjoints)...]` (see the modes above).
pub(super) unsafe fn run_density(
    ctx: *mut Ctx,
    args: *const KArgRepr,
    n: i64,
    n_ints: usize,
    f: DensityFn,
) -> i32 {
    let args = std::slice::from_raw_parts(args, n as usize);
    let out = args[0].a as *mut f64;
    let mode = args[1].a as i64;
    if mode == MODE_REVERSE_KEPT {
        // The partials were kept by the forward call: no evaluation.
        let kept = std::slice::from_raw_parts(args[2].a as *const f64, args[2].len as usize);
        let seed = f64::from_bits(args[3].a);
        let mut at = 0;
        for pair in args[4 + n_ints..].chunks_exact(2) {
            let adj = pair[1];
            if adj.a != 0 {
                let adj = std::slice::from_raw_parts_mut(adj.a as *mut f64, adj.len as usize);
                for (a, p) in adj.iter_mut().zip(&kept[at..]) {
                    *a += seed * p;
                }
                at += adj.len();
            }
        }
        return 0;
    }
    let propto = args[2].a != 0;
    let seed = f64::from_bits(args[3].a);
    let real_args = &args[4 + n_ints..];
    let n_reals = real_args.len() / 2;
    if n_ints > MAX_DENSITY_ARGS || n_reals > MAX_DENSITY_ARGS {
        (*(*ctx).host).detail = format!(
            "internal error: a density call with {n_ints} int and {n_reals} real arguments (at most {MAX_DENSITY_ARGS} each)"
        );
        return 1;
    }
    // The argument lists live on the stack: a density call allocates
    // nothing and touches no thread-local state unless it needs partials
    // buffers of its own.
    let mut ints: [&[i64]; MAX_DENSITY_ARGS] = [&[]; MAX_DENSITY_ARGS];
    for (i, slot) in ints.iter_mut().enumerate().take(n_ints) {
        let a = args[4 + i];
        if a.len != 0 {
            *slot = std::slice::from_raw_parts(a.a as *const i64, a.len as usize);
        }
    }
    let values_of = |i: usize| {
        let vals = real_args[2 * i];
        if vals.len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(vals.a as *const f64, vals.len as usize)
        }
    };
    let active = |i: usize| real_args[2 * i + 1].a != 0;
    // Modes 0 and 1 need a buffer for each argument's partials (in mode 0
    // only as the mark of a parameter); mode 2 writes them straight into the
    // kept run, one argument's after the other.
    let own_partials = mode != MODE_FORWARD_KEEP && (0..n_reals).any(active);
    let mut scratch = if own_partials {
        SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()))
    } else {
        Vec::new()
    };
    if own_partials {
        while scratch.len() < n_reals {
            scratch.push(Vec::new());
        }
        for (i, buf) in scratch.iter_mut().enumerate().take(n_reals) {
            buf.clear();
            if active(i) {
                buf.resize(real_args[2 * i].len as usize, 0.0);
            }
        }
    }
    let result = {
        let mut reals = RealArgs::empty();
        let mut kept: &mut [f64] = if mode == MODE_FORWARD_KEEP {
            std::slice::from_raw_parts_mut(args[3].a as *mut f64, args[3].len as usize)
        } else {
            &mut []
        };
        let mut buffers = scratch.iter_mut();
        for (i, arg) in reals.args.iter_mut().enumerate().take(n_reals) {
            let values = values_of(i);
            let buf = buffers.next();
            // A present partials buffer is also what marks the argument as a
            // parameter (with `propto`, terms of data-only arguments drop).
            let partials = if !active(i) {
                None
            } else if mode == MODE_FORWARD_KEEP {
                let (run, rest) = std::mem::take(&mut kept).split_at_mut(values.len());
                kept = rest;
                run.fill(0.0);
                Some(run)
            } else {
                buf.map(|b| &mut b[..])
            };
            *arg = Some(RealArg { values, partials });
        }
        super::glm_kernel::PARTIALS_WANTED.with(|w| w.set(mode != MODE_FORWARD));
        f(&ints[..n_ints], &mut reals, propto)
    };
    let status = match result {
        Ok(v) => {
            if mode == MODE_FORWARD || mode == MODE_FORWARD_KEEP {
                *out = v;
            } else {
                for (i, partials) in scratch.iter().enumerate().take(n_reals) {
                    let adj = real_args[2 * i + 1];
                    if adj.a != 0 {
                        let adj =
                            std::slice::from_raw_parts_mut(adj.a as *mut f64, adj.len as usize);
                        for (a, p) in adj.iter_mut().zip(partials) {
                            *a += seed * p;
                        }
                    }
                }
            }
            0
        }
        Err(e) => {
            (*(*ctx).host).detail = e.message;
            1
        }
    };
    if own_partials {
        SCRATCH.with(|s| *s.borrow_mut() = scratch);
    }
    status
}

/// The most int or real arguments a density kernel takes (normal_id_glm has five reals).
const MAX_DENSITY_ARGS: usize = 8;

/// A density kernel's real arguments, taken in order by [`take`].
pub(super) struct RealArgs<'a> {
    args: [Option<RealArg<'a>>; MAX_DENSITY_ARGS],
    next: usize,
}

impl RealArgs<'_> {
    fn empty() -> Self {
        RealArgs {
            args: std::array::from_fn(|_| None),
            next: 0,
        }
    }
}

macro_rules! densities {
    ($( $symbol:ident, $stan:literal, $ints:literal, |$i:ident, $r:ident, $p:ident| $call:expr; )*) => {
        $(
            extern "C" fn $symbol(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
                fn adapter($i: &[&[i64]], $r: &mut RealArgs<'_>, $p: bool) -> Result<f64, dist::DomainError> {
                    let _ = &$i;
                    $call
                }
                // SAFETY: generated code passes an argument array laid out by `density_call`.
                unsafe { run_density(ctx, args, n, $ints, adapter) }
            }
        )*
        /// The kernel symbol of a density function, by its Stan name.
        pub fn density_kernel(name: &str) -> Option<&'static str> {
            match name {
                $( $stan => Some(stringify!($symbol)), )*
                _ => None,
            }
        }
        fn density_symbols() -> Vec<(&'static str, *const u8)> {
            vec![ $( (stringify!($symbol), $symbol as *const u8), )* ]
        }
    };
}

/// The next real argument (an empty data argument past the last).
pub(super) fn take<'a>(r: &mut RealArgs<'a>) -> RealArg<'a> {
    let arg = r.args.get_mut(r.next).and_then(Option::take);
    r.next += 1;
    arg.unwrap_or(RealArg {
        values: &[],
        partials: None,
    })
}

densities! {
    cmod_normal_lpdf, "normal_lpdf", 0, |i, r, p| dist::normal_lpdf(take(r), take(r), take(r), p);
    cmod_std_normal_lpdf, "std_normal_lpdf", 0, |i, r, p| dist::std_normal_lpdf(take(r), p);
    cmod_student_t_lpdf, "student_t_lpdf", 0, |i, r, p| dist::student_t_lpdf(take(r), take(r), take(r), take(r), p);
    cmod_cauchy_lpdf, "cauchy_lpdf", 0, |i, r, p| dist::cauchy_lpdf(take(r), take(r), take(r), p);
    cmod_double_exponential_lpdf, "double_exponential_lpdf", 0, |i, r, p| dist::double_exponential_lpdf(take(r), take(r), take(r), p);
    cmod_logistic_lpdf, "logistic_lpdf", 0, |i, r, p| dist::logistic_lpdf(take(r), take(r), take(r), p);
    cmod_gumbel_lpdf, "gumbel_lpdf", 0, |i, r, p| dist::gumbel_lpdf(take(r), take(r), take(r), p);
    cmod_skew_normal_lpdf, "skew_normal_lpdf", 0, |i, r, p| dist::skew_normal_lpdf(take(r), take(r), take(r), take(r), p);
    cmod_exp_mod_normal_lpdf, "exp_mod_normal_lpdf", 0, |i, r, p| dist::exp_mod_normal_lpdf(take(r), take(r), take(r), take(r), p);
    cmod_lognormal_lpdf, "lognormal_lpdf", 0, |i, r, p| dist::lognormal_lpdf(take(r), take(r), take(r), p);
    cmod_chi_square_lpdf, "chi_square_lpdf", 0, |i, r, p| dist::chi_square_lpdf(take(r), take(r), p);
    cmod_inv_chi_square_lpdf, "inv_chi_square_lpdf", 0, |i, r, p| dist::inv_chi_square_lpdf(take(r), take(r), p);
    cmod_scaled_inv_chi_square_lpdf, "scaled_inv_chi_square_lpdf", 0, |i, r, p| dist::scaled_inv_chi_square_lpdf(take(r), take(r), take(r), p);
    cmod_exponential_lpdf, "exponential_lpdf", 0, |i, r, p| dist::exponential_lpdf(take(r), take(r), p);
    cmod_gamma_lpdf, "gamma_lpdf", 0, |i, r, p| dist::gamma_lpdf(take(r), take(r), take(r), p);
    cmod_inv_gamma_lpdf, "inv_gamma_lpdf", 0, |i, r, p| dist::inv_gamma_lpdf(take(r), take(r), take(r), p);
    cmod_weibull_lpdf, "weibull_lpdf", 0, |i, r, p| dist::weibull_lpdf(take(r), take(r), take(r), p);
    cmod_frechet_lpdf, "frechet_lpdf", 0, |i, r, p| dist::frechet_lpdf(take(r), take(r), take(r), p);
    cmod_rayleigh_lpdf, "rayleigh_lpdf", 0, |i, r, p| dist::rayleigh_lpdf(take(r), take(r), p);
    cmod_pareto_lpdf, "pareto_lpdf", 0, |i, r, p| dist::pareto_lpdf(take(r), take(r), take(r), p);
    cmod_pareto_type_2_lpdf, "pareto_type_2_lpdf", 0, |i, r, p| dist::pareto_type_2_lpdf(take(r), take(r), take(r), take(r), p);
    cmod_beta_lpdf, "beta_lpdf", 0, |i, r, p| dist::beta_lpdf(take(r), take(r), take(r), p);
    cmod_beta_proportion_lpdf, "beta_proportion_lpdf", 0, |i, r, p| dist::beta_proportion_lpdf(take(r), take(r), take(r), p);
    cmod_von_mises_lpdf, "von_mises_lpdf", 0, |i, r, p| dist::von_mises_lpdf(take(r), take(r), take(r), p);
    cmod_uniform_lpdf, "uniform_lpdf", 0, |i, r, p| dist::uniform_lpdf(take(r), take(r), take(r), p);
    cmod_bernoulli_lpmf, "bernoulli_lpmf", 1, |i, r, p| dist::bernoulli_lpmf(i[0], take(r), p);
    cmod_bernoulli_logit_lpmf, "bernoulli_logit_lpmf", 1, |i, r, p| dist::bernoulli_logit_lpmf(i[0], take(r), p);
    cmod_binomial_lpmf, "binomial_lpmf", 2, |i, r, p| dist::binomial_lpmf(i[0], i[1], take(r), p);
    cmod_binomial_logit_lpmf, "binomial_logit_lpmf", 2, |i, r, p| dist::binomial_logit_lpmf(i[0], i[1], take(r), p);
    cmod_beta_binomial_lpmf, "beta_binomial_lpmf", 2, |i, r, p| dist::beta_binomial_lpmf(i[0], i[1], take(r), take(r), p);
    cmod_poisson_lpmf, "poisson_lpmf", 1, |i, r, p| dist::poisson_lpmf(i[0], take(r), p);
    cmod_poisson_log_lpmf, "poisson_log_lpmf", 1, |i, r, p| dist::poisson_log_lpmf(i[0], take(r), p);
    cmod_neg_binomial_lpmf, "neg_binomial_lpmf", 1, |i, r, p| dist::neg_binomial_lpmf(i[0], take(r), take(r), p);
    cmod_neg_binomial_2_lpmf, "neg_binomial_2_lpmf", 1, |i, r, p| dist::neg_binomial_2_lpmf(i[0], take(r), take(r), p);
    cmod_neg_binomial_2_log_lpmf, "neg_binomial_2_log_lpmf", 1, |i, r, p| dist::neg_binomial_2_log_lpmf(i[0], take(r), take(r), p);
    cmod_categorical_lpmf, "categorical_lpmf", 1, |i, r, p| dist::categorical_lpmf(i[0], take(r), p);
    cmod_categorical_logit_lpmf, "categorical_logit_lpmf", 1, |i, r, p| dist::categorical_logit_lpmf(i[0], take(r), p);
    cmod_multinomial_lpmf, "multinomial_lpmf", 1, |i, r, p| dist::multinomial_lpmf(i[0], take(r), p);
    cmod_multinomial_logit_lpmf, "multinomial_logit_lpmf", 1, |i, r, p| dist::multinomial_logit_lpmf(i[0], take(r), p);
    cmod_multi_normal_cholesky_lpdf, "multi_normal_cholesky_lpdf", 0, |i, r, p| {
        let (mut y, mut mu, mut l) = (take(r), take(r), take(r));
        let k = square_side(l.values.len());
        mv::multi_normal_cholesky_lpdf(y.values, mu.values, l.values, k, p, parts(&mut y), parts(&mut mu), parts(&mut l))
    };
    cmod_multi_normal_lpdf, "multi_normal_lpdf", 0, |i, r, p| {
        let (mut y, mut mu, mut s) = (take(r), take(r), take(r));
        let k = square_side(s.values.len());
        mv::multi_normal_lpdf(y.values, mu.values, s.values, k, p, parts(&mut y), parts(&mut mu), parts(&mut s))
    };
    cmod_dirichlet_lpdf, "dirichlet_lpdf", 0, |i, r, p| {
        let (mut theta, mut alpha) = (take(r), take(r));
        mv::dirichlet_lpdf(theta.values, alpha.values, p, parts(&mut theta), parts(&mut alpha))
    };
    cmod_lkj_corr_cholesky_lpdf, "lkj_corr_cholesky_lpdf", 0, |i, r, p| {
        let (mut l, mut eta) = (take(r), take(r));
        let k = square_side(l.values.len());
        let e = eta.values.first().copied().unwrap_or(f64::NAN);
        mv::lkj_corr_cholesky_lpdf(l.values, k, e, p, parts(&mut l), parts(&mut eta))
    };
    cmod_lkj_corr_lpdf, "lkj_corr_lpdf", 0, |i, r, p| {
        let (mut omega, mut eta) = (take(r), take(r));
        let k = square_side(omega.values.len());
        let e = eta.values.first().copied().unwrap_or(f64::NAN);
        mv::lkj_corr_lpdf(omega.values, k, e, p, parts(&mut omega), parts(&mut eta))
    };
    cmod_wishart_lpdf, "wishart_lpdf", 0, |i, r, p| {
        let (mut w, mut nu, mut s) = (take(r), take(r), take(r));
        let k = square_side(w.values.len());
        let n = nu.values.first().copied().unwrap_or(f64::NAN);
        mv::wishart_lpdf(w.values, k, n, s.values, p, parts(&mut w), parts(&mut nu), parts(&mut s))
    };
    cmod_inv_wishart_lpdf, "inv_wishart_lpdf", 0, |i, r, p| {
        let (mut w, mut nu, mut s) = (take(r), take(r), take(r));
        let k = square_side(w.values.len());
        let n = nu.values.first().copied().unwrap_or(f64::NAN);
        mv::inv_wishart_lpdf(w.values, k, n, s.values, p, parts(&mut w), parts(&mut nu), parts(&mut s))
    };
    cmod_normal_id_glm_lpdf, "normal_id_glm_lpdf", 0, |i, r, p| normal_id_glm(r, p);
}

/// The side of a square matrix of `len` elements (0 when `len` is not a square).
pub(super) fn square_side(len: usize) -> usize {
    let k = (len as f64).sqrt().round() as usize;
    if k * k == len {
        k
    } else {
        0
    }
}

/// The partials slice of an argument, empty when it has none (the multivariate convention).
pub(super) fn parts<'b>(a: &'b mut RealArg<'_>) -> &'b mut [f64] {
    a.partials.as_deref_mut().unwrap_or(&mut [])
}

/// `normal_id_glm_lpdf(y | x, alpha, beta, sigma)` with `x` column-major (`n x k`, `k` the size of beta).
fn normal_id_glm(r: &mut RealArgs<'_>, propto: bool) -> Result<f64, dist::DomainError> {
    let (y, x, alpha, beta, sigma) = (take(r), take(r), take(r), take(r), take(r));
    super::glm_kernel::normal_id_glm(y, x, alpha, beta, sigma, propto)
}

/// `_cdf`, `_lcdf` and `_lccdf` of the continuous families, in the density calling convention
/// (the `propto` flag is ignored: a CDF has no constants to drop).
macro_rules! cumulatives {
    ($( $family:ident: $cdf:ident $lcdf:ident $lccdf:ident ($($arg:ident)+); )*) => {
        $(
            cumulatives!(@one $cdf, $($arg)+);
            cumulatives!(@one $lcdf, $($arg)+);
            cumulatives!(@one $lccdf, $($arg)+);
        )*
        /// The kernel symbol of a CDF, by its Stan name.
        pub fn cumulative_kernel(name: &str) -> Option<&'static str> {
            match name {
                $(
                    stringify!($cdf) => Some(concat!("cmod_", stringify!($cdf))),
                    stringify!($lcdf) => Some(concat!("cmod_", stringify!($lcdf))),
                    stringify!($lccdf) => Some(concat!("cmod_", stringify!($lccdf))),
                )*
                _ => None,
            }
        }
        pub(super) fn cumulative_symbols() -> Vec<(&'static str, *const u8)> {
            vec![
                $(
                    (concat!("cmod_", stringify!($cdf)), cumulative_fns::$cdf as *const u8),
                    (concat!("cmod_", stringify!($lcdf)), cumulative_fns::$lcdf as *const u8),
                    (concat!("cmod_", stringify!($lccdf)), cumulative_fns::$lccdf as *const u8),
                )*
            ]
        }
    };
    (@one $f:ident, $($arg:ident)+) => {
        pub(super) extern "C" fn $f(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
            fn adapter(_i: &[&[i64]], r: &mut RealArgs<'_>, _p: bool) -> Result<f64, dist::DomainError> {
                $( let $arg = take(r); )+
                dist::$f($($arg),+)
            }
            // SAFETY: generated code passes an argument array laid out by `density_call`.
            unsafe { run_density(ctx, args, n, 0, adapter) }
        }
    };
}

mod cumulative_fns {
    use super::*;
    cumulatives! {
        normal: normal_cdf normal_lcdf normal_lccdf (y mu sigma);
        std_normal: std_normal_cdf std_normal_lcdf std_normal_lccdf (y);
        student_t: student_t_cdf student_t_lcdf student_t_lccdf (y nu mu sigma);
        cauchy: cauchy_cdf cauchy_lcdf cauchy_lccdf (y mu sigma);
        double_exponential: double_exponential_cdf double_exponential_lcdf double_exponential_lccdf (y mu sigma);
        logistic: logistic_cdf logistic_lcdf logistic_lccdf (y mu sigma);
        gumbel: gumbel_cdf gumbel_lcdf gumbel_lccdf (y mu beta);
        skew_normal: skew_normal_cdf skew_normal_lcdf skew_normal_lccdf (y xi omega alpha);
        exp_mod_normal: exp_mod_normal_cdf exp_mod_normal_lcdf exp_mod_normal_lccdf (y mu sigma lambda);
        lognormal: lognormal_cdf lognormal_lcdf lognormal_lccdf (y mu sigma);
        chi_square: chi_square_cdf chi_square_lcdf chi_square_lccdf (y nu);
        inv_chi_square: inv_chi_square_cdf inv_chi_square_lcdf inv_chi_square_lccdf (y nu);
        scaled_inv_chi_square: scaled_inv_chi_square_cdf scaled_inv_chi_square_lcdf scaled_inv_chi_square_lccdf (y nu s);
        exponential: exponential_cdf exponential_lcdf exponential_lccdf (y beta);
        gamma: gamma_cdf gamma_lcdf gamma_lccdf (y alpha beta);
        inv_gamma: inv_gamma_cdf inv_gamma_lcdf inv_gamma_lccdf (y alpha beta);
        weibull: weibull_cdf weibull_lcdf weibull_lccdf (y alpha sigma);
        frechet: frechet_cdf frechet_lcdf frechet_lccdf (y alpha sigma);
        rayleigh: rayleigh_cdf rayleigh_lcdf rayleigh_lccdf (y sigma);
        pareto: pareto_cdf pareto_lcdf pareto_lccdf (y ymin alpha);
        pareto_type_2: pareto_type_2_cdf pareto_type_2_lcdf pareto_type_2_lccdf (y mu lambda alpha);
        beta: beta_cdf beta_lcdf beta_lccdf (y a b);
        beta_proportion: beta_proportion_cdf beta_proportion_lcdf beta_proportion_lccdf (y mu kappa);
        uniform: uniform_cdf uniform_lcdf uniform_lccdf (y alpha beta);
    }
}
pub use cumulative_fns::cumulative_kernel;

// ---------------------------------------------------------------- registration

/// Every kernel generated code may call, by symbol name.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    let mut s: Vec<(&'static str, *const u8)> = vec![
        ("cmod_exp", cmod_exp as *const u8),
        ("cmod_log", cmod_log as *const u8),
        ("cmod_round", cmod_round as *const u8),
        ("cmod_log1p", cmod_log1p as *const u8),
        ("cmod_expm1", cmod_expm1 as *const u8),
        ("cmod_log1p_exp", cmod_log1p_exp as *const u8),
        ("cmod_log1m_exp", cmod_log1m_exp as *const u8),
        ("cmod_inv_logit", cmod_inv_logit as *const u8),
        ("cmod_log_inv_logit", cmod_log_inv_logit as *const u8),
        ("cmod_log1m_inv_logit", cmod_log1m_inv_logit as *const u8),
        ("cmod_logit", cmod_logit as *const u8),
        ("cmod_lgamma", cmod_lgamma as *const u8),
        ("cmod_digamma", cmod_digamma as *const u8),
        ("cmod_trigamma", cmod_trigamma as *const u8),
        ("cmod_tgamma", cmod_tgamma as *const u8),
        ("cmod_erf", cmod_erf as *const u8),
        ("cmod_erfc", cmod_erfc as *const u8),
        ("cmod_phi", cmod_phi as *const u8),
        ("cmod_inv_phi", cmod_inv_phi as *const u8),
        ("cmod_sin", cmod_sin as *const u8),
        ("cmod_cos", cmod_cos as *const u8),
        ("cmod_tan", cmod_tan as *const u8),
        ("cmod_asin", cmod_asin as *const u8),
        ("cmod_acos", cmod_acos as *const u8),
        ("cmod_atan", cmod_atan as *const u8),
        ("cmod_sinh", cmod_sinh as *const u8),
        ("cmod_cosh", cmod_cosh as *const u8),
        ("cmod_tanh", cmod_tanh as *const u8),
        ("cmod_asinh", cmod_asinh as *const u8),
        ("cmod_acosh", cmod_acosh as *const u8),
        ("cmod_atanh", cmod_atanh as *const u8),
        ("cmod_cbrt", cmod_cbrt as *const u8),
        ("cmod_log2", cmod_log2 as *const u8),
        ("cmod_log10", cmod_log10 as *const u8),
        ("cmod_exp2", cmod_exp2 as *const u8),
        ("cmod_inv_cloglog", cmod_inv_cloglog as *const u8),
        ("cmod_sign", cmod_sign as *const u8),
        ("cmod_sqrt", cmod_sqrt as *const u8),
        ("cmod_square", cmod_square as *const u8),
        ("cmod_fabs", cmod_fabs as *const u8),
        ("cmod_floor", cmod_floor as *const u8),
        ("cmod_ceil", cmod_ceil as *const u8),
        ("cmod_trunc", cmod_trunc as *const u8),
        ("cmod_pow", cmod_pow as *const u8),
        ("cmod_fmin", cmod_fmin as *const u8),
        ("cmod_fmax", cmod_fmax as *const u8),
        ("cmod_hypot", cmod_hypot as *const u8),
        ("cmod_atan2", cmod_atan2 as *const u8),
        ("cmod_log_sum_exp2", cmod_log_sum_exp2 as *const u8),
        ("cmod_log_diff_exp", cmod_log_diff_exp as *const u8),
        ("cmod_lbeta", cmod_lbeta as *const u8),
        ("cmod_lchoose", cmod_lchoose as *const u8),
        ("cmod_fmod", cmod_fmod as *const u8),
        ("cmod_fdim", cmod_fdim as *const u8),
        ("cmod_lbeta_da", cmod_lbeta_da as *const u8),
        ("cmod_tape_grow_real", cmod_tape_grow_real as *const u8),
        ("cmod_tape_grow_int", cmod_tape_grow_int as *const u8),
        ("cmod_print_text", cmod_print_text as *const u8),
        ("cmod_print_real", cmod_print_real as *const u8),
        ("cmod_print_int", cmod_print_int as *const u8),
        ("cmod_print_flush", cmod_print_flush as *const u8),
        ("cmod_zero_adjoints", cmod_zero_adjoints as *const u8),
    ];
    s.extend(density_symbols());
    s.extend(super::rng_kernels::rng_symbols());
    s.extend(cumulative_fns::cumulative_symbols());
    s.extend(super::array_kernels::symbols());
    s.extend(super::stdlib_kernels::symbols());
    s
}

/// The Cranelift signature of a kernel symbol.
pub fn signature_of(name: &str, jit: &JITModule) -> Signature {
    let mut sig = jit.make_signature();
    let p = |t| AbiParam::new(t);
    let (params, returns): (Vec<types::Type>, Vec<types::Type>) = match name {
        "cmod_tape_grow_real" | "cmod_tape_grow_int" => {
            (vec![types::I64, types::I64, types::I64], vec![types::I64])
        }
        "cmod_print_text" => (vec![types::I64, types::I64, types::I64, types::I64], vec![]),
        "cmod_print_real" => (vec![types::I64, types::I64, types::F64], vec![]),
        "cmod_print_int" => (vec![types::I64, types::I64, types::I64], vec![]),
        "cmod_print_flush" => (vec![types::I64], vec![]),
        n if is_binary_scalar(n) => (vec![types::F64, types::F64], vec![types::F64]),
        n if n.ends_with("_lpdf")
            || n.ends_with("_lpmf")
            || n.ends_with("_rng")
            || n.ends_with("cdf")
            || n.starts_with("cmod_k_")
            || n == "cmod_zero_adjoints" =>
        {
            (vec![types::I64, types::I64, types::I64], vec![types::I32])
        }
        _ => (vec![types::F64], vec![types::F64]),
    };
    sig.params.extend(params.into_iter().map(p));
    sig.returns.extend(returns.into_iter().map(p));
    sig
}

fn is_binary_scalar(name: &str) -> bool {
    matches!(
        name,
        "cmod_pow"
            | "cmod_fmin"
            | "cmod_fmax"
            | "cmod_hypot"
            | "cmod_atan2"
            | "cmod_log_sum_exp2"
            | "cmod_log_diff_exp"
            | "cmod_lbeta"
            | "cmod_lchoose"
            | "cmod_fmod"
            | "cmod_fdim"
            | "cmod_lbeta_da"
    )
}

//! The `_rng` kernels generated code calls: vectorized draws from stdlib's scalar RNGs, with the RNG of the current call.
//!
//! Calling convention (one `KArgRepr` each): the output run first (reals, or
//! ints for discrete distributions), then every argument as a run of its own
//! type. Runs of length 1 broadcast; the output's length is the number of draws.

use super::kernels::{Ctx, KArgRepr};
use stdlib::distributions::{self as dist, DomainError};

/// `(Stan name, kernel symbol, argument kinds: 'r' real or 'i' int, integer result)`.
type RngFn = fn(&[f64], &mut dyn rand::Rng) -> Result<f64, DomainError>;

unsafe fn run_rng(
    ctx: *mut Ctx,
    args: *const KArgRepr,
    n: i64,
    kinds: &str,
    int_result: bool,
    f: RngFn,
) -> i32 {
    let args = std::slice::from_raw_parts(args, n as usize);
    let host = &mut *(*ctx).host;
    let Some(rng) = host.rng else {
        host.detail = "random numbers are not available here".into();
        return 1;
    };
    let rng: &mut dyn rand::Rng = &mut *rng;
    let out = args[0];
    let mut x = [0.0f64; 4];
    for k in 0..out.len as usize {
        for (j, kind) in kinds.bytes().enumerate() {
            let a = args[1 + j];
            let i = if a.len <= 1 {
                0
            } else {
                k.min(a.len as usize - 1)
            };
            x[j] = if kind == b'i' {
                *(a.a as *const i64).add(i) as f64
            } else {
                *(a.a as *const f64).add(i)
            };
        }
        match f(&x[..kinds.len()], rng) {
            Ok(v) => {
                if int_result {
                    *(out.a as *mut i64).add(k) = v as i64;
                } else {
                    *(out.a as *mut f64).add(k) = v;
                }
            }
            Err(e) => {
                host.detail = e.message;
                return 1;
            }
        }
    }
    0
}

macro_rules! rngs {
    ($( $symbol:ident, $stan:literal, $kinds:literal, $int:literal, |$x:ident, $r:ident| $call:expr; )*) => {
        $(
            extern "C" fn $symbol(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
                fn adapter($x: &[f64], $r: &mut dyn rand::Rng) -> Result<f64, DomainError> {
                    let _ = &$x;
                    $call
                }
                // SAFETY: generated code passes an argument array laid out as the module doc says.
                unsafe { run_rng(ctx, args, n, $kinds, $int, adapter) }
            }
        )*
        /// The kernel of an `_rng` function: its symbol, argument kinds and whether it draws ints.
        pub fn rng_kernel(name: &str) -> Option<(&'static str, &'static str, bool)> {
            match name {
                $( $stan => Some((stringify!($symbol), $kinds, $int)), )*
                _ => None,
            }
        }
        /// Every `_rng` kernel, by symbol.
        pub fn rng_symbols() -> Vec<(&'static str, *const u8)> {
            vec![ $( (stringify!($symbol), $symbol as *const u8), )* ]
        }
    };
}

fn int(r: Result<i64, DomainError>) -> Result<f64, DomainError> {
    r.map(|v| v as f64)
}

rngs! {
    cmod_normal_rng, "normal_rng", "rr", false, |x, r| dist::normal_rng(x[0], x[1], r);
    cmod_std_normal_rng, "std_normal_rng", "", false, |x, r| dist::std_normal_rng(r);
    cmod_student_t_rng, "student_t_rng", "rrr", false, |x, r| dist::student_t_rng(x[0], x[1], x[2], r);
    cmod_cauchy_rng, "cauchy_rng", "rr", false, |x, r| dist::cauchy_rng(x[0], x[1], r);
    cmod_double_exponential_rng, "double_exponential_rng", "rr", false, |x, r| dist::double_exponential_rng(x[0], x[1], r);
    cmod_logistic_rng, "logistic_rng", "rr", false, |x, r| dist::logistic_rng(x[0], x[1], r);
    cmod_gumbel_rng, "gumbel_rng", "rr", false, |x, r| dist::gumbel_rng(x[0], x[1], r);
    cmod_skew_normal_rng, "skew_normal_rng", "rrr", false, |x, r| dist::skew_normal_rng(x[0], x[1], x[2], r);
    cmod_exp_mod_normal_rng, "exp_mod_normal_rng", "rrr", false, |x, r| dist::exp_mod_normal_rng(x[0], x[1], x[2], r);
    cmod_lognormal_rng, "lognormal_rng", "rr", false, |x, r| dist::lognormal_rng(x[0], x[1], r);
    cmod_chi_square_rng, "chi_square_rng", "r", false, |x, r| dist::chi_square_rng(x[0], r);
    cmod_inv_chi_square_rng, "inv_chi_square_rng", "r", false, |x, r| dist::inv_chi_square_rng(x[0], r);
    cmod_scaled_inv_chi_square_rng, "scaled_inv_chi_square_rng", "rr", false, |x, r| dist::scaled_inv_chi_square_rng(x[0], x[1], r);
    cmod_exponential_rng, "exponential_rng", "r", false, |x, r| dist::exponential_rng(x[0], r);
    cmod_gamma_rng, "gamma_rng", "rr", false, |x, r| dist::gamma_rng(x[0], x[1], r);
    cmod_inv_gamma_rng, "inv_gamma_rng", "rr", false, |x, r| dist::inv_gamma_rng(x[0], x[1], r);
    cmod_weibull_rng, "weibull_rng", "rr", false, |x, r| dist::weibull_rng(x[0], x[1], r);
    cmod_frechet_rng, "frechet_rng", "rr", false, |x, r| dist::frechet_rng(x[0], x[1], r);
    cmod_rayleigh_rng, "rayleigh_rng", "r", false, |x, r| dist::rayleigh_rng(x[0], r);
    cmod_pareto_rng, "pareto_rng", "rr", false, |x, r| dist::pareto_rng(x[0], x[1], r);
    cmod_pareto_type_2_rng, "pareto_type_2_rng", "rrr", false, |x, r| dist::pareto_type_2_rng(x[0], x[1], x[2], r);
    cmod_beta_rng, "beta_rng", "rr", false, |x, r| dist::beta_rng(x[0], x[1], r);
    cmod_beta_proportion_rng, "beta_proportion_rng", "rr", false, |x, r| dist::beta_proportion_rng(x[0], x[1], r);
    cmod_uniform_rng, "uniform_rng", "rr", false, |x, r| dist::uniform_rng(x[0], x[1], r);
    cmod_von_mises_rng, "von_mises_rng", "rr", false, |x, r| dist::von_mises_rng(x[0], x[1], r);
    cmod_bernoulli_rng, "bernoulli_rng", "r", true, |x, r| int(dist::bernoulli_rng(x[0], r));
    cmod_bernoulli_logit_rng, "bernoulli_logit_rng", "r", true, |x, r| int(dist::bernoulli_logit_rng(x[0], r));
    cmod_binomial_rng, "binomial_rng", "ir", true, |x, r| int(dist::binomial_rng(x[0] as i64, x[1], r));
    cmod_beta_binomial_rng, "beta_binomial_rng", "irr", true, |x, r| int(dist::beta_binomial_rng(x[0] as i64, x[1], x[2], r));
    cmod_poisson_rng, "poisson_rng", "r", true, |x, r| int(dist::poisson_rng(x[0], r));
    cmod_poisson_log_rng, "poisson_log_rng", "r", true, |x, r| int(dist::poisson_log_rng(x[0], r));
    cmod_neg_binomial_rng, "neg_binomial_rng", "rr", true, |x, r| int(dist::neg_binomial_rng(x[0], x[1], r));
    cmod_neg_binomial_2_rng, "neg_binomial_2_rng", "rr", true, |x, r| int(dist::neg_binomial_2_rng(x[0], x[1], r));
    cmod_neg_binomial_2_log_rng, "neg_binomial_2_log_rng", "rr", true, |x, r| int(dist::neg_binomial_2_log_rng(x[0], x[1], r));
    cmod_discrete_range_rng, "discrete_range_rng", "ii", true, |x, r| int(dist::discrete_range_rng(x[0] as i64, x[1] as i64, r));
    cmod_hypergeometric_rng, "hypergeometric_rng", "iii", true, |x, r| int(dist::hypergeometric_rng(x[0] as i64, x[1] as i64, x[2] as i64, r));
}

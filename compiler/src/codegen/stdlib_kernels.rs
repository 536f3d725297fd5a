//! Kernels for the rest of the standard library: discrete CDFs, ordinal and GLM mass functions, more multivariate densities, vector-valued RNGs, and array kernels (element-wise special functions, sorting, GP covariances, matrix functions).
//!
//! Each family keeps the calling convention of its siblings in `kernels.rs`,
//! `rng_kernels.rs` and `array_kernels.rs`:
//!
//! - densities and CDFs: `[out, mode, propto, seed, ints..., (values, adjoints)...]`;
//! - vector-valued RNGs (`cmod_mvrng_*`): `[out, args...]`, every argument a
//!   run (reals or ints), the output run sized by the lowering;
//! - array kernels (`cmod_k_*`): `[mode, ints..., out, out_adj, (in, in_adj)...]`.

use super::array_kernels::run;
use super::kernels::{parts, run_density, square_side, take, Ctx, KArgRepr, RealArgs};
use stdlib::distributions::{self as dist, Cutpoints, DomainError, RealArg};
use stdlib::linalg;
use stdlib::math as m;
use stdlib::multivariate as mv;

// ---------------------------------------------------------------- densities and CDFs

macro_rules! densities {
    ($( $symbol:ident, $stan:literal, $ints:literal, |$i:ident, $r:ident, $p:ident| $call:expr; )*) => {
        $(
            extern "C" fn $symbol(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
                fn adapter($i: &[&[i64]], $r: &mut RealArgs<'_>, $p: bool) -> Result<f64, DomainError> {
                    let _ = (&$i, &$p, &$r);
                    $call
                }
                // SAFETY: generated code passes an argument array laid out by `density_call`.
                unsafe { run_density(ctx, args, n, $ints, adapter) }
            }
        )*
        /// The kernel of a density, mass function or CDF of this module, by Stan name
        /// (`_arr` names are the forms with one cut-point vector per element).
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

/// Which arguments of these densities are ints, by family (`normal_lpdf` -> `normal`, or the whole CDF name).
pub fn int_arguments(family: &str) -> &'static [usize] {
    let family = family
        .trim_end_matches("_lccdf")
        .trim_end_matches("_lcdf")
        .trim_end_matches("_cdf");
    match family {
        "bernoulli"
        | "poisson"
        | "neg_binomial"
        | "neg_binomial_2"
        | "ordered_logistic"
        | "ordered_probit"
        | "ordered_logistic_arr"
        | "ordered_probit_arr"
        | "bernoulli_logit_glm"
        | "poisson_log_glm"
        | "neg_binomial_2_log_glm" => &[0],
        "binomial" | "beta_binomial" => &[0, 1],
        "discrete_range" => &[0, 1, 2],
        "hypergeometric" => &[0, 1, 2, 3],
        _ => &[],
    }
}

/// Cut-points: one vector shared by every element, or (`per_element`) one per element.
fn cuts<'a>(c: RealArg<'a>, per_element: bool, n_elements: usize) -> Cutpoints<'a> {
    let n_cuts = if per_element && n_elements > 0 {
        c.values.len() / n_elements
    } else {
        c.values.len()
    };
    Cutpoints {
        values: c.values,
        n_cuts,
        partials: c.partials,
    }
}

fn ordered(
    probit: bool,
    per_element: bool,
    y: &[i64],
    r: &mut RealArgs<'_>,
    propto: bool,
) -> Result<f64, DomainError> {
    let (eta, c) = (take(r), take(r));
    let n = y.len().max(eta.values.len());
    let cuts = cuts(c, per_element, n);
    if probit {
        dist::ordered_probit_lpmf(y, eta, cuts, propto)
    } else {
        dist::ordered_logistic_lpmf(y, eta, cuts, propto)
    }
}

thread_local! {
    /// Row-major copies of a GLM's design matrix and of its partials.
    static GLM_SCRATCH: std::cell::RefCell<(Vec<f64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Calls a GLM kernel with `x` (column-major `n x k`, `k` the size of `beta`) made row-major.
pub(super) fn with_glm_matrix<'a>(
    x: &mut RealArg<'a>,
    k: usize,
    f: impl FnOnce(dist::Matrix<'_>) -> Result<f64, DomainError>,
) -> Result<f64, DomainError> {
    let n = x.values.len().checked_div(k).unwrap_or(0);
    GLM_SCRATCH.with(|s| {
        let (values, partials) = &mut *s.borrow_mut();
        values.clear();
        values.resize(n * k, 0.0);
        for j in 0..k {
            for i in 0..n {
                values[i * k + j] = x.values[i + j * n];
            }
        }
        let active = x.partials.is_some();
        partials.clear();
        partials.resize(if active { n * k } else { 0 }, 0.0);
        let matrix = dist::Matrix {
            values,
            rows: n,
            cols: k,
            partials: active.then_some(&mut partials[..]),
        };
        let lp = f(matrix)?;
        if let Some(px) = x.partials.as_deref_mut() {
            for j in 0..k {
                for i in 0..n {
                    px[i + j * n] += partials[i * k + j];
                }
            }
        }
        Ok(lp)
    })
}

fn first(a: &RealArg<'_>) -> f64 {
    a.values.first().copied().unwrap_or(f64::NAN)
}

densities! {
    cmod_bernoulli_cdf, "bernoulli_cdf", 1, |i, r, p| dist::bernoulli_cdf(i[0], take(r));
    cmod_bernoulli_lcdf, "bernoulli_lcdf", 1, |i, r, p| dist::bernoulli_lcdf(i[0], take(r));
    cmod_bernoulli_lccdf, "bernoulli_lccdf", 1, |i, r, p| dist::bernoulli_lccdf(i[0], take(r));
    cmod_poisson_cdf, "poisson_cdf", 1, |i, r, p| dist::poisson_cdf(i[0], take(r));
    cmod_poisson_lcdf, "poisson_lcdf", 1, |i, r, p| dist::poisson_lcdf(i[0], take(r));
    cmod_poisson_lccdf, "poisson_lccdf", 1, |i, r, p| dist::poisson_lccdf(i[0], take(r));
    cmod_binomial_cdf, "binomial_cdf", 2, |i, r, p| dist::binomial_cdf(i[0], i[1], take(r));
    cmod_binomial_lcdf, "binomial_lcdf", 2, |i, r, p| dist::binomial_lcdf(i[0], i[1], take(r));
    cmod_binomial_lccdf, "binomial_lccdf", 2, |i, r, p| dist::binomial_lccdf(i[0], i[1], take(r));
    cmod_beta_binomial_cdf, "beta_binomial_cdf", 2, |i, r, p| dist::beta_binomial_cdf(i[0], i[1], take(r), take(r));
    cmod_beta_binomial_lcdf, "beta_binomial_lcdf", 2, |i, r, p| dist::beta_binomial_lcdf(i[0], i[1], take(r), take(r));
    cmod_beta_binomial_lccdf, "beta_binomial_lccdf", 2, |i, r, p| dist::beta_binomial_lccdf(i[0], i[1], take(r), take(r));
    cmod_neg_binomial_cdf, "neg_binomial_cdf", 1, |i, r, p| dist::neg_binomial_cdf(i[0], take(r), take(r));
    cmod_neg_binomial_lcdf, "neg_binomial_lcdf", 1, |i, r, p| dist::neg_binomial_lcdf(i[0], take(r), take(r));
    cmod_neg_binomial_lccdf, "neg_binomial_lccdf", 1, |i, r, p| dist::neg_binomial_lccdf(i[0], take(r), take(r));
    cmod_neg_binomial_2_cdf, "neg_binomial_2_cdf", 1, |i, r, p| dist::neg_binomial_2_cdf(i[0], take(r), take(r));
    cmod_neg_binomial_2_lcdf, "neg_binomial_2_lcdf", 1, |i, r, p| dist::neg_binomial_2_lcdf(i[0], take(r), take(r));
    cmod_neg_binomial_2_lccdf, "neg_binomial_2_lccdf", 1, |i, r, p| dist::neg_binomial_2_lccdf(i[0], take(r), take(r));
    cmod_discrete_range_lpmf, "discrete_range_lpmf", 3, |i, r, p| dist::discrete_range_lpmf(i[0], i[1], i[2], p);
    cmod_discrete_range_cdf, "discrete_range_cdf", 3, |i, r, p| dist::discrete_range_cdf(i[0], i[1], i[2]);
    cmod_discrete_range_lcdf, "discrete_range_lcdf", 3, |i, r, p| dist::discrete_range_lcdf(i[0], i[1], i[2]);
    cmod_discrete_range_lccdf, "discrete_range_lccdf", 3, |i, r, p| dist::discrete_range_lccdf(i[0], i[1], i[2]);
    cmod_hypergeometric_lpmf, "hypergeometric_lpmf", 4, |i, r, p| {
        let at = |k: usize| i[k].first().copied().unwrap_or(-1);
        let lp = dist::hypergeometric_lpmf(at(0), at(1), at(2), at(3))?;
        // Every argument is an int: `~` drops the whole term.
        Ok(if p { 0.0 } else { lp })
    };
    cmod_ordered_logistic_lpmf, "ordered_logistic_lpmf", 1, |i, r, p| ordered(false, false, i[0], r, p);
    cmod_ordered_logistic_arr_lpmf, "ordered_logistic_arr_lpmf", 1, |i, r, p| ordered(false, true, i[0], r, p);
    cmod_ordered_probit_lpmf, "ordered_probit_lpmf", 1, |i, r, p| ordered(true, false, i[0], r, p);
    cmod_ordered_probit_arr_lpmf, "ordered_probit_arr_lpmf", 1, |i, r, p| ordered(true, true, i[0], r, p);
    cmod_bernoulli_logit_glm_lpmf, "bernoulli_logit_glm_lpmf", 1, |i, r, p| {
        let (mut x, alpha, beta) = (take(r), take(r), take(r));
        let k = beta.values.len();
        with_glm_matrix(&mut x, k, |xm| dist::bernoulli_logit_glm_lpmf(i[0], xm, alpha, beta, p))
    };
    cmod_poisson_log_glm_lpmf, "poisson_log_glm_lpmf", 1, |i, r, p| {
        let (mut x, alpha, beta) = (take(r), take(r), take(r));
        let k = beta.values.len();
        with_glm_matrix(&mut x, k, |xm| dist::poisson_log_glm_lpmf(i[0], xm, alpha, beta, p))
    };
    cmod_neg_binomial_2_log_glm_lpmf, "neg_binomial_2_log_glm_lpmf", 1, |i, r, p| {
        let (mut x, alpha, beta, phi) = (take(r), take(r), take(r), take(r));
        let k = beta.values.len();
        with_glm_matrix(&mut x, k, |xm| dist::neg_binomial_2_log_glm_lpmf(i[0], xm, alpha, beta, phi, p))
    };
    cmod_von_mises_cdf, "von_mises_cdf", 0, |i, r, p| dist::von_mises_cdf(take(r), take(r), take(r));
    cmod_von_mises_lcdf, "von_mises_lcdf", 0, |i, r, p| dist::von_mises_lcdf(take(r), take(r), take(r));
    cmod_von_mises_lccdf, "von_mises_lccdf", 0, |i, r, p| dist::von_mises_lccdf(take(r), take(r), take(r));
    cmod_wishart_cholesky_lpdf, "wishart_cholesky_lpdf", 0, |i, r, p| {
        let (mut w, mut nu, mut s) = (take(r), take(r), take(r));
        let k = square_side(w.values.len());
        let n = first(&nu);
        mv::wishart_cholesky_lpdf(w.values, k, n, s.values, p, parts(&mut w), parts(&mut nu), parts(&mut s))
    };
    cmod_inv_wishart_cholesky_lpdf, "inv_wishart_cholesky_lpdf", 0, |i, r, p| {
        let (mut w, mut nu, mut s) = (take(r), take(r), take(r));
        let k = square_side(w.values.len());
        let n = first(&nu);
        mv::inv_wishart_cholesky_lpdf(w.values, k, n, s.values, p, parts(&mut w), parts(&mut nu), parts(&mut s))
    };
    cmod_multi_normal_prec_lpdf, "multi_normal_prec_lpdf", 0, |i, r, p| {
        let (mut y, mut mu, mut o) = (take(r), take(r), take(r));
        let k = square_side(o.values.len());
        mv::multi_normal_prec_lpdf(y.values, mu.values, o.values, k, p, parts(&mut y), parts(&mut mu), parts(&mut o))
    };
    cmod_multi_student_t_lpdf, "multi_student_t_lpdf", 0, |i, r, p| {
        let (mut y, mut nu, mut mu, mut s) = (take(r), take(r), take(r), take(r));
        let k = square_side(s.values.len());
        let n = first(&nu);
        mv::multi_student_t_lpdf(y.values, n, mu.values, s.values, k, p, parts(&mut y), parts(&mut nu), parts(&mut mu), parts(&mut s))
    };
    cmod_multi_student_t_cholesky_lpdf, "multi_student_t_cholesky_lpdf", 0, |i, r, p| {
        let (mut y, mut nu, mut mu, mut l) = (take(r), take(r), take(r), take(r));
        let k = square_side(l.values.len());
        let n = first(&nu);
        mv::multi_student_t_cholesky_lpdf(y.values, n, mu.values, l.values, k, p, parts(&mut y), parts(&mut nu), parts(&mut mu), parts(&mut l))
    };
}

// ---------------------------------------------------------------- vector-valued RNGs

/// One decoded argument of a vector-valued RNG.
enum RngArg<'a> {
    Reals(&'a [f64]),
    Ints(&'a [i64]),
}

impl<'a> RngArg<'a> {
    fn reals(&self) -> &'a [f64] {
        match self {
            RngArg::Reals(r) => r,
            RngArg::Ints(_) => &[],
        }
    }
    fn real(&self) -> f64 {
        match self {
            RngArg::Reals(r) => r.first().copied().unwrap_or(f64::NAN),
            RngArg::Ints(i) => i.first().map_or(f64::NAN, |v| *v as f64),
        }
    }
    fn int(&self) -> i64 {
        match self {
            RngArg::Ints(i) => i.first().copied().unwrap_or(0),
            RngArg::Reals(r) => r.first().map_or(0, |v| *v as i64),
        }
    }
}

/// The output of a vector-valued RNG.
enum RngOut<'a> {
    Reals(&'a mut [f64]),
    Ints(&'a mut [i64]),
}

type MvRngFn = fn(&[RngArg<'_>], &mut dyn rand::Rng, RngOut<'_>) -> Result<(), DomainError>;

/// `kinds`: one byte per argument, `r` reals or `i` ints; `int_out`: the output is ints.
unsafe fn run_mv_rng(
    ctx: *mut Ctx,
    args: *const KArgRepr,
    n: i64,
    kinds: &str,
    int_out: bool,
    f: MvRngFn,
) -> i32 {
    let args = std::slice::from_raw_parts(args, n.max(0) as usize);
    let host = &mut *(*ctx).host;
    let Some(rng) = host.rng else {
        host.detail = "random numbers are not available here".into();
        return 1;
    };
    let rng: &mut dyn rand::Rng = &mut *rng;
    let run = |a: &KArgRepr| (a.a, a.len as usize);
    let decoded: Vec<RngArg> = kinds
        .bytes()
        .zip(&args[1..])
        .map(|(k, a)| {
            let (p, len) = run(a);
            if p == 0 || len == 0 {
                if k == b'i' {
                    RngArg::Ints(&[])
                } else {
                    RngArg::Reals(&[])
                }
            } else if k == b'i' {
                RngArg::Ints(std::slice::from_raw_parts(p as *const i64, len))
            } else {
                RngArg::Reals(std::slice::from_raw_parts(p as *const f64, len))
            }
        })
        .collect();
    let (p, len) = run(&args[0]);
    let out = if int_out {
        RngOut::Ints(std::slice::from_raw_parts_mut(p as *mut i64, len))
    } else {
        RngOut::Reals(std::slice::from_raw_parts_mut(p as *mut f64, len))
    };
    match f(&decoded, rng, out) {
        Ok(()) => 0,
        Err(e) => {
            host.detail = e.message;
            1
        }
    }
}

macro_rules! mv_rngs {
    ($( $symbol:ident, $stan:literal, $kinds:literal, $int:literal, |$a:ident, $r:ident, $o:ident| $call:expr; )*) => {
        $(
            extern "C" fn $symbol(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
                fn adapter($a: &[RngArg<'_>], $r: &mut dyn rand::Rng, $o: RngOut<'_>) -> Result<(), DomainError> {
                    $call
                }
                // SAFETY: generated code passes `[out, args...]` as runs of the stated kinds.
                unsafe { run_mv_rng(ctx, args, n, $kinds, $int, adapter) }
            }
        )*
        /// A vector-valued (or container-argument) RNG of this module: its symbol, argument kinds, and whether it draws ints.
        pub fn mv_rng_kernel(name: &str) -> Option<(&'static str, &'static str, bool)> {
            match name {
                $( $stan => Some((stringify!($symbol), $kinds, $int)), )*
                _ => None,
            }
        }
        fn mv_rng_symbols() -> Vec<(&'static str, *const u8)> {
            vec![ $( (stringify!($symbol), $symbol as *const u8), )* ]
        }
    };
}

fn reals_out(o: RngOut<'_>) -> &mut [f64] {
    match o {
        RngOut::Reals(r) => r,
        RngOut::Ints(_) => &mut [],
    }
}
fn ints_out(o: RngOut<'_>) -> &mut [i64] {
    match o {
        RngOut::Ints(i) => i,
        RngOut::Reals(_) => &mut [],
    }
}

/// One draw per location vector: `mu` holds `n` vectors of the output's size `k`.
fn per_location(
    mu: &[f64],
    out: &mut [f64],
    k: usize,
    mut draw: impl FnMut(&[f64], &mut [f64]) -> Result<(), DomainError>,
) -> Result<(), DomainError> {
    if k == 0 {
        return Ok(());
    }
    for (m, o) in mu.chunks(k).zip(out.chunks_mut(k)) {
        draw(m, o)?;
    }
    Ok(())
}

/// The size of the vectors a multivariate RNG draws: the side of its square matrix argument.
fn side(m: &[f64]) -> usize {
    square_side(m.len())
}

/// `L` with `L L'` the Cholesky factorization of the square matrix `w` (`k x k`).
fn cholesky_of(f: &str, w: &[f64], k: usize, out: &mut [f64]) -> Result<(), DomainError> {
    linalg::cholesky_lower(w, k, out)
        .map_err(|_| DomainError::new(f, "the draw is not positive definite"))
}

fn ordered_rng(probit: bool, a: &[RngArg<'_>], r: &mut dyn rand::Rng) -> Result<i64, DomainError> {
    if probit {
        dist::ordered_probit_rng(a[0].real(), a[1].reals(), r)
    } else {
        dist::ordered_logistic_rng(a[0].real(), a[1].reals(), r)
    }
}

mv_rngs! {
    cmod_mvrng_multi_normal_rng, "multi_normal_rng", "rr", false, |a, r, o| {
        let out = reals_out(o);
        let s = a[1].reals();
        per_location(a[0].reals(), out, side(s), |m, o| mv::multi_normal_rng(m, s, r, o))
    };
    cmod_mvrng_multi_normal_cholesky_rng, "multi_normal_cholesky_rng", "rr", false, |a, r, o| {
        let out = reals_out(o);
        let l = a[1].reals();
        per_location(a[0].reals(), out, side(l), |m, o| mv::multi_normal_cholesky_rng(m, l, r, o))
    };
    cmod_mvrng_multi_student_t_rng, "multi_student_t_rng", "rrr", false, |a, r, o| {
        let out = reals_out(o);
        let (nu, s) = (a[0].real(), a[2].reals());
        per_location(a[1].reals(), out, side(s), |m, o| mv::multi_student_t_rng(nu, m, s, r, o))
    };
    cmod_mvrng_multi_student_t_cholesky_rng, "multi_student_t_cholesky_rng", "rrr", false, |a, r, o| {
        let out = reals_out(o);
        let (nu, l) = (a[0].real(), a[2].reals());
        per_location(a[1].reals(), out, side(l), |m, o| mv::multi_student_t_cholesky_rng(nu, m, l, r, o))
    };
    cmod_mvrng_dirichlet_rng, "dirichlet_rng", "r", false, |a, r, o| mv::dirichlet_rng(a[0].reals(), r, reals_out(o));
    cmod_mvrng_lkj_corr_rng, "lkj_corr_rng", "ir", false, |a, r, o| {
        mv::lkj_corr_rng(a[0].int().max(0) as usize, a[1].real(), r, reals_out(o))
    };
    cmod_mvrng_lkj_corr_cholesky_rng, "lkj_corr_cholesky_rng", "ir", false, |a, r, o| {
        mv::lkj_corr_cholesky_rng(a[0].int().max(0) as usize, a[1].real(), r, reals_out(o))
    };
    cmod_mvrng_wishart_rng, "wishart_rng", "rr", false, |a, r, o| {
        let s = a[1].reals();
        mv::wishart_rng(a[0].real(), s, side(s), r, reals_out(o))
    };
    cmod_mvrng_inv_wishart_rng, "inv_wishart_rng", "rr", false, |a, r, o| {
        let s = a[1].reals();
        mv::inv_wishart_rng(a[0].real(), s, side(s), r, reals_out(o))
    };
    cmod_mvrng_wishart_cholesky_rng, "wishart_cholesky_rng", "rr", false, |a, r, o| {
        // The Cholesky factor of a Wishart(nu, L_S L_S') draw.
        let l_s = a[1].reals();
        let k = side(l_s);
        let out = reals_out(o);
        let mut s = vec![0.0; k * k];
        let mut w = vec![0.0; k * k];
        linalg::multiply_lower_tri_self_transpose(l_s, k, k, &mut s)?;
        mv::wishart_rng(a[0].real(), &s, k, r, &mut w)
            .map_err(|e| DomainError::new("wishart_cholesky_rng", e.message))?;
        cholesky_of("wishart_cholesky_rng", &w, k, out)
    };
    cmod_mvrng_inv_wishart_cholesky_rng, "inv_wishart_cholesky_rng", "rr", false, |a, r, o| {
        // The Cholesky factor of an inverse-Wishart(nu, L_S L_S') draw.
        let l_s = a[1].reals();
        let k = side(l_s);
        let out = reals_out(o);
        let mut s = vec![0.0; k * k];
        let mut w = vec![0.0; k * k];
        linalg::multiply_lower_tri_self_transpose(l_s, k, k, &mut s)?;
        mv::inv_wishart_rng(a[0].real(), &s, k, r, &mut w)
            .map_err(|e| DomainError::new("inv_wishart_cholesky_rng", e.message))?;
        cholesky_of("inv_wishart_cholesky_rng", &w, k, out)
    };
    cmod_mvrng_categorical_rng, "categorical_rng", "r", true, |a, r, o| {
        let v = dist::categorical_rng(a[0].reals(), r)?;
        if let Some(x) = ints_out(o).first_mut() { *x = v; }
        Ok(())
    };
    cmod_mvrng_categorical_logit_rng, "categorical_logit_rng", "r", true, |a, r, o| {
        let v = dist::categorical_logit_rng(a[0].reals(), r)?;
        if let Some(x) = ints_out(o).first_mut() { *x = v; }
        Ok(())
    };
    cmod_mvrng_ordered_logistic_rng, "ordered_logistic_rng", "rr", true, |a, r, o| {
        let v = ordered_rng(false, a, r)?;
        if let Some(x) = ints_out(o).first_mut() { *x = v; }
        Ok(())
    };
    cmod_mvrng_ordered_probit_rng, "ordered_probit_rng", "rr", true, |a, r, o| {
        let v = ordered_rng(true, a, r)?;
        if let Some(x) = ints_out(o).first_mut() { *x = v; }
        Ok(())
    };
    cmod_mvrng_multinomial_rng, "multinomial_rng", "ri", true, |a, r, o| {
        let counts = dist::multinomial_rng(a[0].reals(), a[1].int(), r)?;
        let out = ints_out(o);
        out.iter_mut().zip(&counts).for_each(|(x, c)| *x = *c);
        Ok(())
    };
    cmod_mvrng_multinomial_logit_rng, "multinomial_logit_rng", "ri", true, |a, r, o| {
        let counts = dist::multinomial_logit_rng(a[0].reals(), a[1].int(), r)?;
        let out = ints_out(o);
        out.iter_mut().zip(&counts).for_each(|(x, c)| *x = *c);
        Ok(())
    };
}

// ---------------------------------------------------------------- array kernels

// `Args` and `run` are the array kernels' own (`array_kernels.rs`).

/// The element-wise functions of `cmod_k_map`, by id. Each takes up to three
/// reals (ints arrive promoted) and gives its value and partials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFn {
    IncBeta,
    GammaP,
    GammaQ,
    OwensT,
    Beta,
    Lmultiply,
    LogInvLogitDiff,
    LogFallingFactorial,
    LogRisingFactorial,
    FallingFactorial,
    RisingFactorial,
    LogModifiedBesselFirstKind,
    BesselFirstKind,
    ModifiedBesselFirstKind,
    BinaryLogLoss,
    Lmgamma,
    LambertW0,
    LambertWm1,
    InvErfc,
    StdNormalLogQf,
    Fma,
    Step,
}

const MAP_FNS: [MapFn; 22] = [
    MapFn::IncBeta,
    MapFn::GammaP,
    MapFn::GammaQ,
    MapFn::OwensT,
    MapFn::Beta,
    MapFn::Lmultiply,
    MapFn::LogInvLogitDiff,
    MapFn::LogFallingFactorial,
    MapFn::LogRisingFactorial,
    MapFn::FallingFactorial,
    MapFn::RisingFactorial,
    MapFn::LogModifiedBesselFirstKind,
    MapFn::BesselFirstKind,
    MapFn::ModifiedBesselFirstKind,
    MapFn::BinaryLogLoss,
    MapFn::Lmgamma,
    MapFn::LambertW0,
    MapFn::LambertWm1,
    MapFn::InvErfc,
    MapFn::StdNormalLogQf,
    MapFn::Fma,
    MapFn::Step,
];

impl MapFn {
    /// The function of a Stan name, with its arity.
    pub fn of(name: &str) -> Option<(MapFn, usize)> {
        use MapFn::*;
        Some(match name {
            "inc_beta" => (IncBeta, 3),
            "gamma_p" => (GammaP, 2),
            "gamma_q" => (GammaQ, 2),
            "owens_t" => (OwensT, 2),
            "beta" => (Beta, 2),
            "lmultiply" | "multiply_log" => (Lmultiply, 2),
            "log_inv_logit_diff" => (LogInvLogitDiff, 2),
            "log_falling_factorial" => (LogFallingFactorial, 2),
            "log_rising_factorial" => (LogRisingFactorial, 2),
            "falling_factorial" => (FallingFactorial, 2),
            "rising_factorial" => (RisingFactorial, 2),
            "log_modified_bessel_first_kind" => (LogModifiedBesselFirstKind, 2),
            "bessel_first_kind" => (BesselFirstKind, 2),
            "modified_bessel_first_kind" => (ModifiedBesselFirstKind, 2),
            "binary_log_loss" => (BinaryLogLoss, 2),
            "lmgamma" => (Lmgamma, 2),
            "lambert_w0" => (LambertW0, 1),
            "lambert_wm1" => (LambertWm1, 1),
            "inv_erfc" => (InvErfc, 1),
            "std_normal_qf" => return None,
            "std_normal_log_qf" => (StdNormalLogQf, 1),
            "fma" => (Fma, 3),
            "step" => (Step, 1),
            _ => return None,
        })
    }

    /// Which arguments are ints (not differentiated).
    pub fn int_args(self) -> &'static [usize] {
        use MapFn::*;
        match self {
            FallingFactorial | RisingFactorial => &[1],
            BesselFirstKind | ModifiedBesselFirstKind | BinaryLogLoss | Lmgamma => &[0],
            _ => &[],
        }
    }

    /// Value and partials at `x`.
    pub fn eval(self, x: [f64; 3]) -> (f64, [f64; 3]) {
        use MapFn::*;
        let [a, b, c] = x;
        let fd = |f: &dyn Fn(f64) -> f64, v: f64| {
            let h = 1e-6 * v.abs().max(1.0);
            (f(v + h) - f(v - h)) / (2.0 * h)
        };
        match self {
            IncBeta => (m::inc_beta(a, b, c), m::inc_beta_grad(a, b, c)),
            GammaP => {
                let g = m::gamma_p_grad(a, b);
                (m::gamma_p(a, b), [g[0], g[1], 0.0])
            }
            GammaQ => {
                let g = m::gamma_q_grad(a, b);
                (m::gamma_q(a, b), [g[0], g[1], 0.0])
            }
            OwensT => {
                let g = m::owens_t_grad(a, b);
                (m::owens_t(a, b), [g[0], g[1], 0.0])
            }
            Beta => {
                let v = m::beta(a, b);
                let g = m::lbeta_grad(a, b);
                (v, [v * g[0], v * g[1], 0.0])
            }
            Lmultiply => {
                let g = m::lmultiply_grad(a, b);
                (m::lmultiply(a, b), [g[0], g[1], 0.0])
            }
            LogInvLogitDiff => {
                // d/da log(inv_logit(a) - inv_logit(b)) and d/db.
                let (pa, pb) = (m::inv_logit(a), m::inv_logit(b));
                let diff = pa - pb;
                (
                    m::log_inv_logit_diff(a, b),
                    [pa * (1.0 - pa) / diff, -pb * (1.0 - pb) / diff, 0.0],
                )
            }
            LogFallingFactorial => {
                let g = m::log_falling_factorial_grad(a, b);
                (m::log_falling_factorial(a, b), [g[0], g[1], 0.0])
            }
            LogRisingFactorial => {
                let g = m::log_rising_factorial_grad(a, b);
                (m::log_rising_factorial(a, b), [g[0], g[1], 0.0])
            }
            FallingFactorial => {
                let v = m::falling_factorial(a, b as i64);
                let g = m::log_falling_factorial_grad(a, b);
                (v, [v * g[0], 0.0, 0.0])
            }
            RisingFactorial => {
                let v = m::rising_factorial(a, b as i64);
                let g = m::log_rising_factorial_grad(a, b);
                (v, [v * g[0], 0.0, 0.0])
            }
            LogModifiedBesselFirstKind => (
                m::log_modified_bessel_first_kind(a, b),
                [
                    fd(&|v| m::log_modified_bessel_first_kind(v, b), a),
                    m::log_modified_bessel_first_kind_dx(a, b),
                    0.0,
                ],
            ),
            BesselFirstKind => (
                m::bessel_first_kind(a as i64, b),
                [0.0, m::bessel_first_kind_deriv(a as i64, b), 0.0],
            ),
            ModifiedBesselFirstKind => (
                m::modified_bessel_first_kind(a as i64, b),
                [0.0, m::modified_bessel_first_kind_deriv(a as i64, b), 0.0],
            ),
            BinaryLogLoss => (
                m::binary_log_loss(a as i64, b),
                [0.0, m::binary_log_loss_deriv(a as i64, b), 0.0],
            ),
            Lmgamma => {
                let k = a as i64;
                // d/dx lmgamma(k, x) = sum_{j=1..k} digamma(x + (1 - j) / 2).
                let d: f64 = (1..=k).map(|j| m::digamma(b + (1 - j) as f64 / 2.0)).sum();
                (m::lmgamma(k, b), [0.0, d, 0.0])
            }
            LambertW0 => (m::lambert_w0(a), [m::lambert_w0_deriv(a), 0.0, 0.0]),
            LambertWm1 => {
                let w = m::lambert_wm1(a);
                // W'(x) = W / (x (1 + W)).
                (w, [w / (a * (1.0 + w)), 0.0, 0.0])
            }
            InvErfc => {
                // inv_erfc(y) = -inv_Phi(y / 2) / sqrt(2).
                let v = -m::inv_phi(a / 2.0) / std::f64::consts::SQRT_2;
                let d = -std::f64::consts::PI.sqrt() / 2.0 * (v * v).exp();
                (v, [d, 0.0, 0.0])
            }
            StdNormalLogQf => {
                // inv_Phi(exp(lp)); d/dlp = exp(lp) / phi(q).
                let q = m::inv_phi(a.exp());
                (q, [a.exp() / m::phi_deriv(q), 0.0, 0.0])
            }
            Fma => (a * b + c, [b, a, 1.0]),
            Step => (m::step(a), [0.0, 0.0, 0.0]),
        }
    }
}

/// `[mode, fn, out, out_adj, (in, in_adj)...]`: `out[i] = f(in_0[i], in_1[i], ...)`, inputs of length 1 broadcast.
extern "C" fn cmod_k_map(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let f = MAP_FNS
                .get(a.usize(1))
                .copied()
                .ok_or_else(|| DomainError::new("map", "unknown function"))?;
            let n_in = (a.0.len().saturating_sub(4)) / 2;
            let inputs: Vec<&[f64]> = (0..n_in).map(|j| a.reals(4 + 2 * j)).collect();
            let out = a.reals_mut(2);
            let len = out.len();
            let at = |xs: &[f64], i: usize| {
                if xs.len() == 1 {
                    xs[0]
                } else {
                    xs.get(i).copied().unwrap_or(f64::NAN)
                }
            };
            let x_of = |i: usize| {
                let mut x = [0.0; 3];
                for (j, xs) in inputs.iter().enumerate().take(3) {
                    x[j] = at(xs, i);
                }
                x
            };
            if !reverse {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = f.eval(x_of(i)).0;
                }
                return Ok(());
            }
            let g = a.reals(3);
            for i in 0..len {
                let (_, d) = f.eval(x_of(i));
                for (j, dj) in d.iter().enumerate().take(n_in.min(3)) {
                    let adj = a.reals_mut(5 + 2 * j);
                    if adj.is_empty() || f.int_args().contains(&j) {
                        continue;
                    }
                    let k = if adj.len() == 1 { 0 } else { i };
                    adj[k] += g.get(i).copied().unwrap_or(0.0) * dj;
                }
            }
            Ok(())
        })
    }
}

/// The permutation sorting `x` (stable; ascending, or descending when `desc`).
pub fn sort_permutation(x: &[f64], desc: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&i, &j| {
        let o = x[i].partial_cmp(&x[j]).unwrap_or(std::cmp::Ordering::Equal);
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    idx
}

/// `sort_asc`/`sort_desc` of reals: `[mode, desc, indices, out, out_adj, x, x_adj]`;
/// with `indices` set, `out` receives the 1-based indices of the sorted order instead.
extern "C" fn cmod_k_sort(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let (desc, indices) = (a.int(1) != 0, a.int(2) != 0);
            let x = a.reals(5);
            if x.iter().any(|v| v.is_nan()) {
                return Err(DomainError::new(
                    if desc { "sort_desc" } else { "sort_asc" },
                    "v is nan, but must not be nan!",
                ));
            }
            let perm = sort_permutation(x, desc);
            if !reverse {
                let out = a.reals_mut(3);
                for (o, &i) in out.iter_mut().zip(&perm) {
                    *o = if indices { (i + 1) as f64 } else { x[i] };
                }
                return Ok(());
            }
            let (g, x_adj) = (a.reals(4), a.reals_mut(6));
            if x_adj.is_empty() || indices {
                return Ok(());
            }
            for (k, &i) in perm.iter().enumerate() {
                x_adj[i] += g[k];
            }
            Ok(())
        })
    }
}

/// The GP kernels of `cmod_k_gp`, by id.
const GP_KINDS: [&str; 6] = [
    "gp_exp_quad_cov",
    "gp_matern32_cov",
    "gp_matern52_cov",
    "gp_exponential_cov",
    "gp_periodic_cov",
    "gp_dot_prod_cov",
];

/// The id of a GP covariance function for `cmod_k_gp` (`cov_exp_quad` is the older name of `gp_exp_quad_cov`).
pub fn gp_kind(name: &str) -> Option<usize> {
    let name = if name == "cov_exp_quad" {
        "gp_exp_quad_cov"
    } else {
        name
    };
    GP_KINDS.iter().position(|k| *k == name)
}

/// `[mode, kind, d, two, K, K_adj, x1, x1_adj, (x2, x2_adj if two), (hyper, hyper_adj)...]`:
/// the hyperparameters are sigma, then the length scale (not for dot_prod), then the period (periodic only).
extern "C" fn cmod_k_gp(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let (kind, d, two) = (a.usize(1), a.usize(2), a.int(3) != 0);
            let x1 = a.reals(6);
            let x2 = two.then(|| a.reals(8));
            let h0 = if two { 10 } else { 8 };
            let hyper = |j: usize| a.reals(h0 + 2 * j).first().copied().unwrap_or(f64::NAN);
            let (sigma, l, p) = (hyper(0), hyper(1), hyper(2));
            let kernel = match kind {
                0 => linalg::GpKernel::ExpQuad {
                    sigma,
                    length_scale: l,
                },
                1 => linalg::GpKernel::Matern32 {
                    sigma,
                    length_scale: l,
                },
                2 => linalg::GpKernel::Matern52 {
                    sigma,
                    length_scale: l,
                },
                3 => linalg::GpKernel::Exponential {
                    sigma,
                    length_scale: l,
                },
                4 => linalg::GpKernel::Periodic {
                    sigma,
                    length_scale: l,
                    period: p,
                },
                _ => linalg::GpKernel::DotProd { sigma },
            };
            if !reverse {
                return linalg::gp_cov(kernel, x1, x2, d, a.reals_mut(4));
            }
            let mut hyper_adj = linalg::GpHyperAdjoint::default();
            let x2_adj = if two { a.reals_mut(9) } else { &mut [] };
            linalg::gp_cov_reverse(
                kernel,
                x1,
                x2,
                d,
                a.reals(5),
                a.reals_mut(7),
                x2_adj,
                &mut hyper_adj,
            )?;
            let adds = [hyper_adj.sigma, hyper_adj.length_scale, hyper_adj.period];
            for (j, v) in adds.iter().enumerate() {
                if let Some(s) = a.reals_mut(h0 + 1 + 2 * j).first_mut() {
                    *s += v;
                }
            }
            Ok(())
        })
    }
}

/// The matrix functions of `cmod_k_matrix`, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFn {
    /// `inverse(A)`, `n x n`.
    Inverse,
    /// `inverse_spd(A)`.
    InverseSpd,
    /// `tcrossprod(A)` of `m x n`: `A A'`.
    Tcrossprod,
    /// `crossprod(A)` of `m x n`: `A' A`.
    Crossprod,
    /// `determinant(A)`.
    Determinant,
    /// `log_determinant(A)`.
    LogDeterminant,
    /// `eigenvalues_sym(A)`.
    EigenvaluesSym,
    /// `mdivide_left_tri_low(A, B)`: `A` `n x n`, `B` `n x m`.
    MdivideLeftTriLow,
    /// `mdivide_right_tri_low(B, A)`: `B` `m x n`, `A` `n x n`.
    MdivideRightTriLow,
    /// `mdivide_left_spd(A, B)`.
    MdivideLeftSpd,
    /// `quad_form(A, B)`: `A` `n x n`, `B` `n x m`.
    QuadForm,
    /// `quad_form_sym(A, B)`.
    QuadFormSym,
    /// `diag_post_multiply(A, v)`: `A` `m x n`.
    DiagPostMultiply,
    /// `multiply(A, B)`: `A` `m x k`, `B` `k x n`.
    Multiply,
    /// `eigenvectors_sym(A)`, `n x n`.
    EigenvectorsSym,
    /// `singular_values(A)` of `m x n`.
    SingularValues,
}

const MATRIX_FNS: [MatrixFn; 16] = [
    MatrixFn::Inverse,
    MatrixFn::InverseSpd,
    MatrixFn::Tcrossprod,
    MatrixFn::Crossprod,
    MatrixFn::Determinant,
    MatrixFn::LogDeterminant,
    MatrixFn::EigenvaluesSym,
    MatrixFn::MdivideLeftTriLow,
    MatrixFn::MdivideRightTriLow,
    MatrixFn::MdivideLeftSpd,
    MatrixFn::QuadForm,
    MatrixFn::QuadFormSym,
    MatrixFn::DiagPostMultiply,
    MatrixFn::Multiply,
    MatrixFn::EigenvectorsSym,
    MatrixFn::SingularValues,
];

/// `[mode, fn, m, n, k, out, out_adj, a, a_adj, (b, b_adj)]`, the sizes as each [`MatrixFn`] states.
extern "C" fn cmod_k_matrix(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            use MatrixFn::*;
            let f = MATRIX_FNS
                .get(a.usize(1))
                .copied()
                .ok_or_else(|| DomainError::new("matrix", "unknown function"))?;
            let (mm, nn, kk) = (a.usize(2), a.usize(3), a.usize(4));
            let (x, b) = (a.reals(7), a.reals(9));
            if !reverse {
                let out = a.reals_mut(5);
                return match f {
                    Inverse => linalg::inverse(x, nn, out),
                    InverseSpd => linalg::inverse_spd(x, nn, out),
                    Tcrossprod => linalg::tcrossprod(x, mm, nn, out),
                    Crossprod => linalg::crossprod(x, mm, nn, out),
                    Determinant => {
                        out[0] = linalg::determinant(x, nn)?;
                        Ok(())
                    }
                    LogDeterminant => {
                        out[0] = linalg::log_determinant(x, nn)?;
                        Ok(())
                    }
                    EigenvaluesSym => linalg::eigenvalues_sym(x, nn, out),
                    MdivideLeftTriLow => linalg::mdivide_left_tri_low(x, nn, b, mm, out),
                    MdivideRightTriLow => linalg::mdivide_right_tri_low(x, mm, b, nn, out),
                    MdivideLeftSpd => linalg::mdivide_left_spd(x, nn, b, mm, out),
                    QuadForm => linalg::quad_form(x, nn, b, mm, out),
                    QuadFormSym => linalg::quad_form_sym(x, nn, b, mm, out),
                    DiagPostMultiply => linalg::diag_post_multiply(x, mm, nn, b, out),
                    Multiply => linalg::multiply(x, mm, kk, b, nn, out),
                    EigenvectorsSym => linalg::eigenvectors_sym(x, nn, out),
                    SingularValues => linalg::singular_values(x, mm, nn, out),
                };
            }
            let (out, g) = (a.reals(5), a.reals(6));
            let (x_adj, b_adj) = (a.reals_mut(8), a.reals_mut(10));
            let g0 = g.first().copied().unwrap_or(0.0);
            match f {
                Inverse | InverseSpd => {
                    if x_adj.is_empty() {
                        return Ok(());
                    }
                    linalg::inverse_reverse(out, nn, g, x_adj)
                }
                Tcrossprod if !x_adj.is_empty() => linalg::tcrossprod_reverse(x, mm, nn, g, x_adj),
                Crossprod if !x_adj.is_empty() => linalg::crossprod_reverse(x, mm, nn, g, x_adj),
                Determinant if !x_adj.is_empty() => linalg::determinant_reverse(x, nn, g0, x_adj),
                LogDeterminant if !x_adj.is_empty() => {
                    linalg::log_determinant_reverse(x, nn, g0, x_adj)
                }
                EigenvaluesSym if !x_adj.is_empty() => {
                    linalg::eigenvalues_sym_reverse(x, nn, g, x_adj)
                }
                MdivideLeftTriLow => {
                    linalg::mdivide_left_tri_low_reverse(x, nn, out, mm, g, x_adj, b_adj)
                }
                MdivideRightTriLow => {
                    linalg::mdivide_right_tri_low_reverse(out, mm, b, nn, g, x_adj, b_adj)
                }
                MdivideLeftSpd => linalg::mdivide_left_spd_reverse(x, nn, out, mm, g, x_adj, b_adj),
                QuadForm => linalg::quad_form_reverse(x, nn, b, mm, g, x_adj, b_adj),
                QuadFormSym => linalg::quad_form_sym_reverse(x, nn, b, mm, g, x_adj, b_adj),
                DiagPostMultiply => {
                    linalg::diag_post_multiply_reverse(x, mm, nn, b, g, x_adj, b_adj)
                }
                Multiply => linalg::multiply_reverse(x, mm, kk, b, nn, g, x_adj, b_adj),
                EigenvectorsSym if !x_adj.is_empty() => {
                    linalg::eigenvectors_sym_reverse(x, nn, g, x_adj)
                }
                SingularValues if !x_adj.is_empty() => {
                    linalg::singular_values_reverse(x, mm, nn, g, x_adj)
                }
                _ => Ok(()),
            }
        })
    }
}

/// The id of a [`MatrixFn`] for `cmod_k_matrix`.
pub fn matrix_fn_id(f: MatrixFn) -> usize {
    MATRIX_FNS.iter().position(|g| *g == f).unwrap_or(0)
}

/// The id of a [`MapFn`] for `cmod_k_map`.
pub fn map_fn_id(f: MapFn) -> usize {
    MAP_FNS.iter().position(|g| *g == f).unwrap_or(0)
}

/// Every kernel of this module, by symbol.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    let mut s = density_symbols();
    s.extend(mv_rng_symbols());
    s.extend([
        ("cmod_k_map", cmod_k_map as *const u8),
        ("cmod_k_sort", cmod_k_sort as *const u8),
        ("cmod_k_gp", cmod_k_gp as *const u8),
        ("cmod_k_matrix", cmod_k_matrix as *const u8),
    ]);
    s
}

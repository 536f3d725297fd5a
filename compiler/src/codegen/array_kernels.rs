//! Kernels over runs of reals: constraint transforms of structured types and matrix functions, each with its reverse.
//!
//! # Calling convention (every `cmod_k_*` symbol)
//!
//! `extern "C" fn(ctx, args: *const KArgRepr, n) -> i32`, like the
//! densities. `args[0]` is the mode, `0` for the forward call and `1` for
//! the reverse call; the reverse call gets exactly the same arguments as
//! the forward one otherwise. Then come the kernel's int parameters (by
//! value), then the output run and its adjoint run, then each input run
//! and its adjoint run:
//!
//! `[mode, ints..., out, out_adj, (in, in_adj)...]`
//!
//! An adjoint run is null (length 0) when the value needs no derivative.
//! The forward call writes `out`; the reverse call reads `out` (its forward
//! value is still in place) and `out_adj`, and **adds** to every input
//! adjoint. A failure sets `host.detail` and returns 1.
//!
//! The constraint transform kernel `cmod_k_transform` has the layout
//! `[mode, kind, m, n, y, y_adj, lj, lj_adj, x, x_adj]`: `y` is the
//! constrained value, `lj` a one-element run receiving the log-Jacobian, `x`
//! the unconstrained values (in `theta`, with the gradient as adjoint).

use super::kernels::{Ctx, KArgRepr};
use stdlib::error::DomainError;
use stdlib::linalg;
use stdlib::transforms as tr;

/// The arguments of one call, decoded.
pub(super) struct Args<'a>(pub(super) &'a [KArgRepr]);

impl<'a> Args<'a> {
    pub(super) fn int(&self, i: usize) -> i64 {
        self.0.get(i).map_or(0, |a| a.a as i64)
    }
    pub(super) fn usize(&self, i: usize) -> usize {
        self.int(i).max(0) as usize
    }
    /// A run of reals (empty when null).
    ///
    /// # Safety
    /// The argument must be a (pointer, length) pair into a live arena.
    pub(super) unsafe fn reals(&self, i: usize) -> &'a [f64] {
        match self.0.get(i) {
            Some(a) if a.a != 0 && a.len != 0 => {
                std::slice::from_raw_parts(a.a as *const f64, a.len as usize)
            }
            _ => &[],
        }
    }
    /// A writable run of reals (empty when null).
    ///
    /// # Safety
    /// As [`Args::reals`]; the run must not overlap another run borrowed at the same time.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn reals_mut(&self, i: usize) -> &'a mut [f64] {
        match self.0.get(i) {
            Some(a) if a.a != 0 && a.len != 0 => {
                std::slice::from_raw_parts_mut(a.a as *mut f64, a.len as usize)
            }
            _ => &mut [],
        }
    }
}

/// Runs a kernel body and turns its error into a status.
pub(super) unsafe fn run(
    ctx: *mut Ctx,
    args: *const KArgRepr,
    n: i64,
    body: impl FnOnce(&Args, bool) -> Result<(), DomainError>,
) -> i32 {
    let a = Args(std::slice::from_raw_parts(args, n.max(0) as usize));
    let reverse = a.int(0) == 1;
    match body(&a, reverse) {
        Ok(()) => 0,
        Err(e) => {
            (*(*ctx).host).detail = e.message;
            1
        }
    }
}

/// Which structured transform `cmod_k_transform` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum TransformKind {
    Simplex = 0,
    UnitVector = 1,
    SumToZero = 2,
    CholeskyFactorCorr = 3,
    CholeskyFactorCov = 4,
    CorrMatrix = 5,
    CovMatrix = 6,
    ColumnStochastic = 7,
    RowStochastic = 8,
}

const TRANSFORM_KINDS: [TransformKind; 9] = [
    TransformKind::Simplex,
    TransformKind::UnitVector,
    TransformKind::SumToZero,
    TransformKind::CholeskyFactorCorr,
    TransformKind::CholeskyFactorCov,
    TransformKind::CorrMatrix,
    TransformKind::CovMatrix,
    TransformKind::ColumnStochastic,
    TransformKind::RowStochastic,
];

extern "C" fn cmod_k_transform(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            use TransformKind::*;
            let kind = TRANSFORM_KINDS
                .get(a.usize(1))
                .copied()
                .ok_or_else(|| DomainError::new("transform", "unknown transform"))?;
            let (m, k) = (a.usize(2), a.usize(3));
            let x = a.reals(8);
            if !reverse {
                let y = a.reals_mut(4);
                let lj = match kind {
                    Simplex => tr::simplex_constrain(x, y)?,
                    UnitVector => tr::unit_vector_constrain(x, y)?,
                    SumToZero => tr::sum_to_zero_constrain(x, y)?,
                    CholeskyFactorCorr => tr::cholesky_factor_corr_constrain(x, m, y)?,
                    CholeskyFactorCov => tr::cholesky_factor_cov_constrain(x, m, k, y)?,
                    CorrMatrix => tr::corr_matrix_constrain(x, m, y)?,
                    CovMatrix => tr::cov_matrix_constrain(x, m, y)?,
                    ColumnStochastic => tr::column_stochastic_constrain(x, m, k, y)?,
                    RowStochastic => tr::row_stochastic_constrain(x, m, k, y)?,
                };
                if let Some(out) = a.reals_mut(6).first_mut() {
                    *out = lj;
                }
                return Ok(());
            }
            let (y, y_adj) = (a.reals(4), a.reals(5));
            let lj_adj = a.reals(7).first().copied().unwrap_or(0.0);
            let x_adj = a.reals_mut(9);
            if x_adj.is_empty() {
                return Ok(());
            }
            match kind {
                Simplex => tr::simplex_reverse(y, y_adj, lj_adj, x_adj),
                UnitVector => tr::unit_vector_reverse(x, y, y_adj, lj_adj, x_adj),
                SumToZero => tr::sum_to_zero_reverse(x, y_adj, x_adj),
                CholeskyFactorCorr => {
                    tr::cholesky_factor_corr_reverse(x, m, y, y_adj, lj_adj, x_adj)
                }
                CholeskyFactorCov => tr::cholesky_factor_cov_reverse(x, m, k, y_adj, lj_adj, x_adj),
                CorrMatrix => tr::corr_matrix_reverse(x, m, y_adj, lj_adj, x_adj),
                CovMatrix => tr::cov_matrix_reverse(x, m, y_adj, lj_adj, x_adj),
                ColumnStochastic => tr::column_stochastic_reverse(y, m, k, y_adj, lj_adj, x_adj),
                RowStochastic => tr::row_stochastic_reverse(y, m, k, y_adj, lj_adj, x_adj),
            }
        })
    }
}

/// The inverse of `cmod_k_transform`, for initial values given by name:
/// `[kind, m, n, x, y]` checks the constrained `y` (Stan's tolerance) and
/// writes the unconstrained `x`.
extern "C" fn cmod_k_unconstrain(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, _| {
            use TransformKind::*;
            let kind = TRANSFORM_KINDS
                .get(a.usize(0))
                .copied()
                .ok_or_else(|| DomainError::new("transform", "unknown transform"))?;
            let (m, k) = (a.usize(1), a.usize(2));
            let (x, y) = (a.reals_mut(3), a.reals(4));
            match kind {
                Simplex => tr::simplex_unconstrain(y, x),
                UnitVector => tr::unit_vector_unconstrain(y, x),
                SumToZero => tr::sum_to_zero_unconstrain(y, x),
                CholeskyFactorCorr => tr::cholesky_factor_corr_unconstrain(y, m, x),
                CholeskyFactorCov => tr::cholesky_factor_cov_unconstrain(y, m, k, x),
                CorrMatrix => tr::corr_matrix_unconstrain(y, m, x),
                CovMatrix => tr::cov_matrix_unconstrain(y, m, x),
                ColumnStochastic => tr::column_stochastic_unconstrain(y, m, k, x),
                RowStochastic => tr::row_stochastic_unconstrain(y, m, k, x),
            }
        })
    }
}

/// `cholesky_decompose(A)`: `[mode, n, L, L_adj, A, A_adj]`.
extern "C" fn cmod_k_cholesky_decompose(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let k = a.usize(1);
            if !reverse {
                return linalg::cholesky_decompose(a.reals(4), k, a.reals_mut(2));
            }
            let a_adj = a.reals_mut(5);
            if a_adj.is_empty() {
                return Ok(());
            }
            linalg::cholesky_decompose_reverse(a.reals(2), k, a.reals(3), a_adj)
        })
    }
}

/// `gp_exp_quad_cov(x, sigma, l)` on points of dimension `d`:
/// `[mode, d, K, K_adj, x, x_adj, sigma, sigma_adj, l, l_adj]`.
extern "C" fn cmod_k_gp_exp_quad_cov(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let d = a.usize(1);
            let sigma = a.reals(6).first().copied().unwrap_or(f64::NAN);
            let length_scale = a.reals(8).first().copied().unwrap_or(f64::NAN);
            let kernel = linalg::GpKernel::ExpQuad {
                sigma,
                length_scale,
            };
            if !reverse {
                return linalg::gp_cov(kernel, a.reals(4), None, d, a.reals_mut(2));
            }
            let mut hyper = linalg::GpHyperAdjoint::default();
            linalg::gp_cov_reverse(
                kernel,
                a.reals(4),
                None,
                d,
                a.reals(3),
                a.reals_mut(5),
                &mut [],
                &mut hyper,
            )?;
            if let Some(s) = a.reals_mut(7).first_mut() {
                *s += hyper.sigma;
            }
            if let Some(l) = a.reals_mut(9).first_mut() {
                *l += hyper.length_scale;
            }
            Ok(())
        })
    }
}

/// `multiply_lower_tri_self_transpose(A)` of an `m x k` matrix: `[mode, m, k, out, out_adj, A, A_adj]`.
extern "C" fn cmod_k_multiply_lower_tri_self_transpose(
    ctx: *mut Ctx,
    args: *const KArgRepr,
    n: i64,
) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let (m, k) = (a.usize(1), a.usize(2));
            if !reverse {
                return linalg::multiply_lower_tri_self_transpose(a.reals(5), m, k, a.reals_mut(3));
            }
            let a_adj = a.reals_mut(6);
            if a_adj.is_empty() {
                return Ok(());
            }
            linalg::multiply_lower_tri_self_transpose_reverse(a.reals(5), m, k, a.reals(4), a_adj)
        })
    }
}

/// `diag_pre_multiply(v, A)` of an `m x k` matrix: `[mode, m, k, out, out_adj, v, v_adj, A, A_adj]`.
extern "C" fn cmod_k_diag_pre_multiply(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let (m, k) = (a.usize(1), a.usize(2));
            if !reverse {
                return linalg::diag_pre_multiply(a.reals(5), a.reals(7), m, k, a.reals_mut(3));
            }
            linalg::diag_pre_multiply_reverse(
                a.reals(5),
                a.reals(7),
                m,
                k,
                a.reals(4),
                a.reals_mut(6),
                a.reals_mut(8),
            )
        })
    }
}

/// `quad_form_diag(A, v)` of an `n x n` matrix: `[mode, n, out, out_adj, A, A_adj, v, v_adj]`.
extern "C" fn cmod_k_quad_form_diag(ctx: *mut Ctx, args: *const KArgRepr, n: i64) -> i32 {
    // SAFETY: generated code passes the layout documented above.
    unsafe {
        run(ctx, args, n, |a, reverse| {
            let k = a.usize(1);
            if !reverse {
                return linalg::quad_form_diag(a.reals(4), k, a.reals(6), a.reals_mut(2));
            }
            linalg::quad_form_diag_reverse(
                a.reals(4),
                k,
                a.reals(6),
                a.reals(3),
                a.reals_mut(5),
                a.reals_mut(7),
            )
        })
    }
}

/// Every kernel of this module, by symbol.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        ("cmod_k_transform", cmod_k_transform as *const u8),
        ("cmod_k_unconstrain", cmod_k_unconstrain as *const u8),
        (
            "cmod_k_cholesky_decompose",
            cmod_k_cholesky_decompose as *const u8,
        ),
        (
            "cmod_k_gp_exp_quad_cov",
            cmod_k_gp_exp_quad_cov as *const u8,
        ),
        (
            "cmod_k_multiply_lower_tri_self_transpose",
            cmod_k_multiply_lower_tri_self_transpose as *const u8,
        ),
        (
            "cmod_k_diag_pre_multiply",
            cmod_k_diag_pre_multiply as *const u8,
        ),
        ("cmod_k_quad_form_diag", cmod_k_quad_form_diag as *const u8),
    ]
}

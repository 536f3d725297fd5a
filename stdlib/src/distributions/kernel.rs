//! The shared machinery of the vectorized kernels: argument checks with Stan's messages, broadcasting, and the element loops for densities and CDFs.

use super::{DomainError, RealArg};

/// A real argument's role, as Stan names it in error messages.
pub(crate) fn check_len(
    function: &str,
    reals: &[(&str, usize)],
    ints: &[(&str, usize)],
) -> Result<usize, DomainError> {
    let mut n = 1usize;
    let mut first: Option<(&str, usize)> = None;
    for &(name, len) in reals.iter().chain(ints) {
        if len == 0 {
            return Ok(0);
        }
        if len == 1 {
            continue;
        }
        match first {
            None => {
                first = Some((name, len));
                n = len;
            }
            Some((first_name, first_len)) if first_len != len => {
                return Err(DomainError::new(
                    function,
                    format!("size of {first_name} ({first_len}) and size of {name} ({len}) must match in size"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(n)
}

fn fail(function: &str, what: &str, v: impl std::fmt::Display, must: &str) -> DomainError {
    DomainError::new(function, format!("{what} is {v}, but must be {must}!"))
}

/// The first element for which `ok` is false. The common case (every
/// element fine) is one pass without an early exit, which vectorizes.
fn first_failing(xs: &[f64], ok: impl Fn(f64) -> bool) -> Option<f64> {
    if xs.iter().fold(true, |all, &x| all & ok(x)) {
        return None;
    }
    xs.iter().copied().find(|&x| !ok(x))
}

pub(crate) fn check_not_nan(function: &str, what: &str, xs: &[f64]) -> Result<(), DomainError> {
    match first_failing(xs, |x| !x.is_nan()) {
        Some(x) => Err(fail(function, what, x, "not nan")),
        None => Ok(()),
    }
}
pub(crate) fn check_finite(function: &str, what: &str, xs: &[f64]) -> Result<(), DomainError> {
    match first_failing(xs, |x| x.is_finite()) {
        Some(x) => Err(fail(function, what, x, "finite")),
        None => Ok(()),
    }
}
pub(crate) fn check_positive_finite(
    function: &str,
    what: &str,
    xs: &[f64],
) -> Result<(), DomainError> {
    match first_failing(xs, |x| x.is_finite() && x > 0.0) {
        Some(x) => Err(fail(function, what, x, "positive finite")),
        None => Ok(()),
    }
}
pub(crate) fn check_positive(function: &str, what: &str, xs: &[f64]) -> Result<(), DomainError> {
    match first_failing(xs, |x| x > 0.0) {
        Some(x) => Err(fail(function, what, x, "positive")),
        None => Ok(()),
    }
}
pub(crate) fn check_nonnegative(function: &str, what: &str, xs: &[f64]) -> Result<(), DomainError> {
    match first_failing(xs, |x| x >= 0.0) {
        Some(x) => Err(fail(function, what, x, "nonnegative")),
        None => Ok(()),
    }
}
pub(crate) fn check_bounded(
    function: &str,
    what: &str,
    xs: &[f64],
    lo: f64,
    hi: f64,
) -> Result<(), DomainError> {
    match first_failing(xs, |x| x >= lo && x <= hi) {
        Some(x) => Err(fail(
            function,
            what,
            x,
            &format!("in the interval [{lo}, {hi}]"),
        )),
        None => Ok(()),
    }
}
pub(crate) fn check_int_nonnegative(
    function: &str,
    what: &str,
    xs: &[i64],
) -> Result<(), DomainError> {
    match xs.iter().find(|x| **x < 0) {
        Some(x) => Err(fail(function, what, x, "nonnegative")),
        None => Ok(()),
    }
}
pub(crate) fn check_int_bounded(
    function: &str,
    what: &str,
    xs: &[i64],
    lo: i64,
    hi: i64,
) -> Result<(), DomainError> {
    // A pass without an early exit vectorizes (data outcomes are checked at
    // every evaluation); the offending element is looked for only on failure.
    let outside = xs.iter().fold(false, |any, x| any | (*x < lo) | (*x > hi));
    if !outside {
        return Ok(());
    }
    let x = xs
        .iter()
        .find(|x| **x < lo || **x > hi)
        .expect("an element is outside");
    Err(fail(
        function,
        what,
        x,
        &format!("in the interval [{lo}, {hi}]"),
    ))
}

/// What the element function of a density sees: which arguments are
/// active, which are broadcast scalars, and a cache for terms that depend
/// only on broadcast scalars.
pub(crate) struct Ctx<const K: usize> {
    pub propto: bool,
    pub active: [bool; K],
    scalar: [bool; K],
    cache: [f64; 8],
    cached: [bool; 8],
}

impl<const K: usize> Ctx<K> {
    /// Whether a term depending on the arguments `deps` is part of the result.
    pub fn inc(&self, deps: &[usize]) -> bool {
        !self.propto || deps.iter().any(|&d| self.active[d])
    }
    /// `f()`, computed once per call when every argument in `deps` is a
    /// broadcast scalar, else once per element. `slot` (0..8) names the term.
    pub fn once(&mut self, slot: usize, deps: &[usize], f: impl FnOnce() -> f64) -> f64 {
        if slot < 8 && deps.iter().all(|&d| self.scalar[d]) {
            if !self.cached[slot] {
                self.cache[slot] = f();
                self.cached[slot] = true;
            }
            self.cache[slot]
        } else {
            f()
        }
    }
}

/// Int arguments at one element, broadcast.
fn ints_at<const J: usize>(ints: &[&[i64]; J], i: usize) -> [i64; J] {
    let mut out = [0i64; J];
    for (o, xs) in out.iter_mut().zip(ints) {
        *o = if xs.len() == 1 { xs[0] } else { xs[i] };
    }
    out
}

/// Runs a density over all elements. `f(ctx, ints, reals, partials)` returns
/// the log density of one element (only the terms `ctx.inc` admits) and
/// writes the partials of that value with respect to each real argument.
pub(crate) fn density<const J: usize, const K: usize>(
    function: &str,
    int_args: [(&str, &[i64]); J],
    mut real_args: [(&str, &mut RealArg); K],
    propto: bool,
    mut f: impl FnMut(&mut Ctx<K>, [i64; J], [f64; K], &mut [f64; K]) -> f64,
) -> Result<f64, DomainError> {
    // Arrays, not Vecs: a density call allocates nothing.
    let lens_r: [(&str, usize); K] =
        std::array::from_fn(|k| (real_args[k].0, real_args[k].1.values.len()));
    let lens_i: [(&str, usize); J] = std::array::from_fn(|j| (int_args[j].0, int_args[j].1.len()));
    let n = check_len(function, &lens_r, &lens_i)?;
    let mut active = [false; K];
    let mut scalar = [false; K];
    for (k, (_, a)) in real_args.iter().enumerate() {
        active[k] = a.is_active();
        scalar[k] = a.values.len() == 1;
    }
    if n == 0 || (propto && !active.iter().any(|&a| a)) {
        return Ok(0.0);
    }
    let ints: [&[i64]; J] = std::array::from_fn(|j| int_args[j].1);
    let mut ctx = Ctx {
        propto,
        active,
        scalar,
        cache: [0.0; 8],
        cached: [false; 8],
    };
    let mut total = 0.0;
    for i in 0..n {
        let x: [f64; K] = std::array::from_fn(|k| real_args[k].1.at(i));
        let mut d = [0.0; K];
        total += f(&mut ctx, ints_at(&ints, i), x, &mut d);
        for (k, (_, arg)) in real_args.iter_mut().enumerate() {
            if let Some(buf) = arg.partials.as_deref_mut() {
                let j = if buf.len() == 1 { 0 } else { i };
                if let Some(slot) = buf.get_mut(j) {
                    *slot += d[k];
                }
            }
        }
    }
    Ok(total)
}

/// Which cumulative function to compute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CdfKind {
    Cdf,
    Lcdf,
    Lccdf,
}

/// Runs a CDF over all elements. `f(ints, reals, dP)` returns `(P, 1 - P)`
/// for one element, both computed accurately, and writes the partials of P.
pub(crate) fn cumulative<const J: usize, const K: usize>(
    function: &str,
    kind: CdfKind,
    int_args: [(&str, &[i64]); J],
    mut real_args: [(&str, &mut RealArg); K],
    mut f: impl FnMut([i64; J], [f64; K], &mut [f64; K]) -> (f64, f64),
) -> Result<f64, DomainError> {
    // Arrays, not Vecs: a density call allocates nothing.
    let lens_r: [(&str, usize); K] =
        std::array::from_fn(|k| (real_args[k].0, real_args[k].1.values.len()));
    let lens_i: [(&str, usize); J] = std::array::from_fn(|j| (int_args[j].0, int_args[j].1.len()));
    let n = check_len(function, &lens_r, &lens_i)?;
    if n == 0 {
        return Ok(if kind == CdfKind::Cdf { 1.0 } else { 0.0 });
    }
    let ints: [&[i64]; J] = std::array::from_fn(|j| int_args[j].1);
    // For the product form, the total is needed before the partials.
    let mut cdf_total = 1.0;
    if kind == CdfKind::Cdf {
        for i in 0..n {
            let x: [f64; K] = std::array::from_fn(|k| real_args[k].1.at(i));
            let mut d = [0.0; K];
            cdf_total *= f(ints_at(&ints, i), x, &mut d).0;
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        let x: [f64; K] = std::array::from_fn(|k| real_args[k].1.at(i));
        let mut d = [0.0; K];
        let (p, q) = f(ints_at(&ints, i), x, &mut d);
        let scale = match kind {
            CdfKind::Cdf => cdf_total / p,
            CdfKind::Lcdf => {
                total += if p > 0.5 { (-q).ln_1p() } else { p.ln() };
                1.0 / p
            }
            CdfKind::Lccdf => {
                total += if q > 0.5 { (-p).ln_1p() } else { q.ln() };
                -1.0 / q
            }
        };
        for (k, (_, arg)) in real_args.iter_mut().enumerate() {
            if let Some(buf) = arg.partials.as_deref_mut() {
                let j = if buf.len() == 1 { 0 } else { i };
                if let Some(slot) = buf.get_mut(j) {
                    let g = d[k] * scale;
                    *slot += if g.is_finite() { g } else { 0.0 };
                }
            }
        }
    }
    Ok(if kind == CdfKind::Cdf {
        cdf_total
    } else {
        total
    })
}

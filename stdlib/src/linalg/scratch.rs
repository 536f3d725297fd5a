//! Reusable per-thread scratch memory for kernels, so a gradient evaluation allocates nothing in steady state.
//!
//! A kernel that needs temporary storage calls [`with_scratch`] with the
//! number of `f64`s it needs. The buffer is taken from a thread-local pool,
//! grown the first time (the only allocation), zeroed, and given back when
//! the closure returns. A kernel that calls another kernel while holding a
//! buffer is still correct: the inner call simply gets a fresh buffer.

use std::cell::RefCell;

thread_local! {
    static POOL: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a zeroed scratch slice of exactly `len` values.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    let mut buf = POOL
        .try_with(|pool| pool.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    buf[..len].fill(0.0);
    let result = f(&mut buf[..len]);
    let _ = POOL.try_with(|pool| pool.borrow_mut().push(buf));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_scratch_buffers_are_distinct_and_zeroed() {
        with_scratch(4, |a| {
            a[0] = 1.0;
            with_scratch(3, |b| {
                assert!(b.iter().all(|&v| v == 0.0));
                b[0] = 2.0;
            });
            assert_eq!(a[0], 1.0);
        });
        with_scratch(4, |a| assert!(a.iter().all(|&v| v == 0.0)));
    }
}

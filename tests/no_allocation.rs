//! A counting global allocator shows that a gradient evaluation allocates nothing once the first has run.
//!
//! This file holds a single test so no other test thread allocates while it counts.

mod support;

use compiler::compiled::Evaluator;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn gradients_allocate_nothing_after_the_first() {
    let mut report = String::new();
    for (name, path, data) in support::example_models() {
        let source = std::fs::read_to_string(&path).unwrap();
        let model = support::compile_source(&name, &source, data.as_deref())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let n = model.n_unconstrained;
        let mut ev = Evaluator::new(Arc::new(model));
        let u: Vec<f64> = (0..n).map(|i| 0.1 * (i as f64).cos()).collect();
        let mut grad = vec![0.0; n];
        ev.log_density_gradient(&u, &mut grad, true).unwrap();
        ev.log_density(&u, true).unwrap();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..3 {
            ev.log_density_gradient(&u, &mut grad, true).unwrap();
            ev.log_density(&u, true).unwrap();
        }
        let allocated = ALLOCATIONS.load(Ordering::Relaxed) - before;
        if allocated != 0 {
            report += &format!("{name}: {allocated} allocations in 3 evaluations\n");
        }
    }
    assert!(report.is_empty(), "{report}");
}

//! How a run reports progress and is told to stop: an observer the CLI can
//! hook progress bars into, and a stop flag checked every iteration.

/// Which part of a chain an iteration belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Warmup,
    Sampling,
}

/// The state of one chain after an iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProgressUpdate {
    /// 1-based chain id.
    pub chain_id: usize,
    /// 1-based iteration count over warmup and sampling together.
    pub iteration: usize,
    /// num_warmup + num_samples.
    pub total_iterations: usize,
    pub phase: Phase,
    /// Divergent transitions so far in this chain (warmup and sampling counted apart).
    pub divergences_in_phase: usize,
}

/// Receives progress from every chain's thread; must be cheap, as it is
/// called after every iteration (throttle the drawing on the observer's side).
pub trait ProgressObserver: Sync {
    fn on_iteration(&self, update: &ProgressUpdate);

    /// Called once when a chain ends, normally or not; `error` says why it failed.
    fn on_chain_finished(&self, _chain_id: usize, _error: Option<&str>) {}
}

/// An observer that ignores everything.
pub struct NoProgress;

impl ProgressObserver for NoProgress {
    fn on_iteration(&self, _update: &ProgressUpdate) {}
}

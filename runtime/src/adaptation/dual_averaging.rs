//! Step-size adaptation by Nesterov dual averaging, as Stan's `stepsize_adaptation`
//! (with an optional largest step size, as nutpie's).

/// Dual averaging of log(step size) toward a target acceptance statistic.
#[derive(Clone, Debug, PartialEq)]
pub struct StepSizeAdaptation {
    /// The log step size the iterates shrink toward (Stan sets log(10 * eps)).
    pub mu: f64,
    /// Target mean acceptance statistic (`adapt_delta`).
    pub delta: f64,
    pub gamma: f64,
    pub kappa: f64,
    pub t0: f64,
    /// The log of the largest step size an iterate may take (infinite in
    /// Stan's adaptation; log(pi) in nutpie's).
    pub max_log_step_size: f64,
    counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl StepSizeAdaptation {
    pub fn new(delta: f64, gamma: f64, kappa: f64, t0: f64, initial_step_size: f64) -> Self {
        StepSizeAdaptation {
            mu: (10.0 * initial_step_size).ln(),
            delta,
            gamma,
            kappa,
            t0,
            max_log_step_size: f64::INFINITY,
            counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
        }
    }

    /// Starts again from `step_size`: the iterates shrink toward
    /// log(10 * step_size) and the history is forgotten (after a metric
    /// update and a new step-size search).
    pub fn restart_from(&mut self, step_size: f64) {
        self.mu = (10.0 * step_size).ln();
        self.restart();
    }

    /// Forgets the history, keeping the targets (after a metric update).
    pub fn restart(&mut self) {
        self.counter = 0.0;
        self.s_bar = 0.0;
        self.x_bar = 0.0;
    }

    /// One update from the last transition's acceptance statistic; returns the
    /// step size to use next.
    pub fn learn(&mut self, accept_stat: f64) -> f64 {
        self.counter += 1.0;
        let accept_stat = if accept_stat > 1.0 { 1.0 } else { accept_stat };
        let eta = 1.0 / (self.counter + self.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.delta - accept_stat);
        let x =
            (self.mu - self.s_bar * self.counter.sqrt() / self.gamma).min(self.max_log_step_size);
        let x_eta = self.counter.powf(-self.kappa);
        self.x_bar = (1.0 - x_eta) * self.x_bar + x_eta * x;
        x.exp()
    }

    /// The step size to sample with once warmup ends: exp of the averaged iterate.
    pub fn final_step_size(&self) -> f64 {
        self.x_bar.exp()
    }
}

//! The sampler's health checks after a run: divergences, saturated tree
//! depth, and E-BFMI per chain, each warning one plain sentence with advice.

/// E-BFMI below this value means the momentum resampling explores the energy
/// distribution poorly (the threshold Stan and ArviZ use).
pub const E_BFMI_THRESHOLD: f64 = 0.3;

/// The sampler columns of one chain's post-warmup draws.
#[derive(Clone, Copy, Debug)]
pub struct ChainSamplerColumns<'a> {
    /// `divergent__`: 1 for a divergent transition, else 0.
    pub divergent: &'a [f64],
    /// `treedepth__`.
    pub treedepth: &'a [f64],
    /// `energy__`.
    pub energy: &'a [f64],
}

/// Counts and E-BFMI values over all chains of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerChecks {
    pub num_transitions: usize,
    pub num_divergent: usize,
    /// The tree depth limit the run used (`max_depth`).
    pub max_treedepth: usize,
    pub num_max_treedepth: usize,
    /// E-BFMI of each chain, in chain order; NaN for fewer than 2 draws.
    pub e_bfmi: Vec<f64>,
    /// The run's target acceptance, when known: the divergence advice starts from it.
    pub adapt_delta: Option<f64>,
}

/// What to do about divergences, given the `adapt_delta` the run used.
fn divergence_advice(adapt_delta: Option<f64>) -> String {
    let reparameterize = "reparameterize the model, for example with a non-centered \
                          parameterization of hierarchical scales";
    match adapt_delta {
        Some(delta) if delta >= 0.99 => format!(
            "adapt_delta is already {delta}, so raising it further rarely helps: {reparameterize}"
        ),
        Some(delta) if delta >= 0.95 => format!(
            "{reparameterize}, or raise adapt_delta above its {delta} (for example to 0.99), \
             which makes steps smaller and slower but hides the problem rather than solving it"
        ),
        _ => format!("raise adapt_delta (for example to 0.95), or {reparameterize}"),
    }
}

/// E-BFMI of one chain as ArviZ's `bfmi`: the mean squared change of energy
/// between successive draws over the energy's variance (ddof = 1).
pub fn e_bfmi(energy: &[f64]) -> f64 {
    let n = energy.len();
    if n < 2 {
        return f64::NAN;
    }
    let numerator = energy
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    let mean = energy.iter().sum::<f64>() / n as f64;
    let denominator = energy
        .iter()
        .map(|value| (value - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    numerator / denominator
}

impl SamplerChecks {
    pub fn compute(chains: &[ChainSamplerColumns<'_>], max_treedepth: usize) -> Self {
        let mut checks = SamplerChecks {
            num_transitions: 0,
            num_divergent: 0,
            max_treedepth,
            num_max_treedepth: 0,
            e_bfmi: Vec::with_capacity(chains.len()),
            adapt_delta: None,
        };
        for chain in chains {
            checks.num_transitions += chain.divergent.len();
            checks.num_divergent += chain
                .divergent
                .iter()
                .filter(|&&value| value != 0.0)
                .count();
            checks.num_max_treedepth += chain
                .treedepth
                .iter()
                .filter(|&&depth| depth >= max_treedepth as f64)
                .count();
            checks.e_bfmi.push(e_bfmi(chain.energy));
        }
        checks
    }

    /// One plain sentence per problem found, each saying what to try next.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let percent = |count: usize| 100.0 * count as f64 / self.num_transitions.max(1) as f64;
        if self.num_divergent > 0 {
            warnings.push(format!(
                "{} of {} transitions ({:.1}%) ended with a divergence, so the draws may be biased: \
                 {}.",
                self.num_divergent,
                self.num_transitions,
                percent(self.num_divergent),
                divergence_advice(self.adapt_delta)
            ));
        }
        if self.num_max_treedepth > 0 {
            warnings.push(format!(
                "{} of {} transitions ({:.1}%) hit the maximum tree depth of {}, which costs time but \
                 does not bias the draws: raise max_treedepth, or reparameterize to reduce strong \
                 correlations between parameters.",
                self.num_max_treedepth,
                self.num_transitions,
                percent(self.num_max_treedepth),
                self.max_treedepth
            ));
        }
        for (chain_index, &value) in self.e_bfmi.iter().enumerate() {
            if value < E_BFMI_THRESHOLD {
                warnings.push(format!(
                    "Chain {} has an E-BFMI of {:.3}, below {}, so it explores the energy distribution \
                     poorly: reparameterize the model (heavy tails and hierarchical scales are the usual \
                     causes, often cured by non-centering).",
                    chain_index + 1,
                    value,
                    E_BFMI_THRESHOLD
                ));
            }
        }
        warnings
    }
}

//! Convergence diagnostics of Vehtari et al. (2021), computed exactly as
//! ArviZ 0.23 computes them: rank-normalized split R-hat, bulk and tail ESS,
//! MCSE of the mean and of the sd, and quantiles.
//!
//! Every function takes the draws of one quantity as `draws[chain][draw]`,
//! with all chains of equal length. An undefined result (too few chains or
//! draws, a NaN among the draws, a constant quantity where a ratio is 0/0) is
//! `f64::NAN`, the value ArviZ returns there.

use super::fft::autocovariance;
use super::normal_quantile::standard_normal_quantile;

/// The draws of one quantity, chain by chain, flattened with their shape.
/// Chains shorter than the shortest are cut to its length.
#[derive(Clone, Debug)]
struct DrawMatrix {
    values: Vec<f64>,
    num_chains: usize,
    num_draws: usize,
}

impl DrawMatrix {
    fn from_chains<C: AsRef<[f64]>>(chains: &[C]) -> Self {
        let num_draws = chains
            .iter()
            .map(|chain| chain.as_ref().len())
            .min()
            .unwrap_or(0);
        let mut values = Vec::with_capacity(num_draws * chains.len());
        for chain in chains {
            values.extend_from_slice(&chain.as_ref()[..num_draws]);
        }
        DrawMatrix {
            values,
            num_chains: chains.len(),
            num_draws,
        }
    }

    fn chain(&self, index: usize) -> &[f64] {
        &self.values[index * self.num_draws..(index + 1) * self.num_draws]
    }

    fn map(&self, function: impl Fn(f64) -> f64) -> DrawMatrix {
        DrawMatrix {
            values: self.values.iter().map(|&value| function(value)).collect(),
            num_chains: self.num_chains,
            num_draws: self.num_draws,
        }
    }

    fn has_nan(&self) -> bool {
        self.values.iter().any(|value| value.is_nan())
    }

    /// ArviZ's `_not_valid`: a NaN anywhere, or fewer chains or draws than needed.
    fn not_valid(&self, min_chains: usize) -> bool {
        self.has_nan() || self.num_chains < min_chains || self.num_draws < 4
    }

    /// Each chain cut into its first and last halves (the middle draw of an
    /// odd-length chain is dropped), first halves first, as ArviZ stacks them.
    fn split_chains(&self) -> DrawMatrix {
        let half = self.num_draws / 2;
        let mut values = Vec::with_capacity(2 * half * self.num_chains);
        for chain in 0..self.num_chains {
            values.extend_from_slice(&self.chain(chain)[..half]);
        }
        for chain in 0..self.num_chains {
            let draws = self.chain(chain);
            values.extend_from_slice(&draws[draws.len() - half..]);
        }
        DrawMatrix {
            values,
            num_chains: 2 * self.num_chains,
            num_draws: half,
        }
    }

    /// Ranks with ties averaged (SciPy's `rankdata(method="average")`) over all
    /// values, back-transformed with Blom's offset 3/8 and mapped through the
    /// normal quantile function.
    fn z_scale(&self) -> DrawMatrix {
        let size = self.values.len();
        let mut order: Vec<usize> = (0..size).collect();
        order.sort_by(|&a, &b| self.values[a].total_cmp(&self.values[b]));
        let mut ranks = vec![0.0; size];
        let mut start = 0;
        while start < size {
            let mut end = start + 1;
            while end < size && self.values[order[end]] == self.values[order[start]] {
                end += 1;
            }
            // Positions start..end hold tied values: ranks start+1 ..= end.
            let average_rank = (start + 1 + end) as f64 / 2.0;
            for &index in &order[start..end] {
                ranks[index] = average_rank;
            }
            start = end;
        }
        let offset = 3.0 / 8.0;
        let denominator = size as f64 - 2.0 * offset + 1.0;
        DrawMatrix {
            values: ranks
                .iter()
                .map(|rank| standard_normal_quantile((rank - offset) / denominator))
                .collect(),
            num_chains: self.num_chains,
            num_draws: self.num_draws,
        }
    }
}

/// The mean, summed as differences from the first value (when it is
/// finite), so that a constant gives exactly itself and its variance is
/// exactly 0, and values far from 0 keep their digits.
fn mean(values: &[f64]) -> f64 {
    let count = values.len() as f64;
    match values.first() {
        Some(&first) if first.is_finite() => {
            first + values.iter().map(|value| value - first).sum::<f64>() / count
        }
        _ => values.iter().sum::<f64>() / count,
    }
}

/// Variance with `ddof` degrees of freedom removed, as NumPy's `var`.
fn variance(values: &[f64], ddof: f64) -> f64 {
    let center = mean(values);
    values
        .iter()
        .map(|value| (value - center).powi(2))
        .sum::<f64>()
        / (values.len() as f64 - ddof)
}

/// NumPy's median: the mean of the two middle values for an even count.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The `probability` quantile of `values` by R's type 7 (linear
/// interpolation between order statistics), as ArviZ's `mquantiles` call
/// with `alphap = betap = 1` computes it. NaN for empty input.
pub fn quantile(values: &[f64], probability: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_of_sorted(&sorted, probability)
}

fn quantile_of_sorted(sorted: &[f64], probability: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || probability.is_nan() {
        return f64::NAN;
    }
    if n == 1 {
        return sorted[0];
    }
    let plotting_offset = 1.0 - probability;
    let aleph = n as f64 * probability + plotting_offset;
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let gamma = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - gamma) * sorted[k - 1] + gamma * sorted[k]
}

/// The absolute deviations from the median. With an even count the two
/// middle values are equally far from the median in exact arithmetic; both
/// get exactly `(upper - lower) / 2` so that they tie in the ranking, as
/// they do in ArviZ's own reference values. (Computed as `|x - median|` in
/// floating point they may differ by one ulp, and the rank order would then
/// depend on rounding.)
fn fold_about_median(matrix: &DrawMatrix) -> DrawMatrix {
    let mut sorted = matrix.values.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let center = median(&sorted);
    let middle_pair = if n >= 2 && n.is_multiple_of(2) {
        Some((sorted[n / 2 - 1], sorted[n / 2]))
    } else {
        None
    };
    matrix.map(|value| match middle_pair {
        Some((lower, upper)) if value == lower || value == upper => (upper - lower) / 2.0,
        _ => (value - center).abs(),
    })
}

/// ArviZ's `_rhat` on an already split (and maybe rank-normalized) matrix.
fn rhat_of_matrix(matrix: &DrawMatrix) -> f64 {
    if matrix.has_nan() {
        return f64::NAN;
    }
    let n = matrix.num_draws as f64;
    let chain_means: Vec<f64> = (0..matrix.num_chains)
        .map(|c| mean(matrix.chain(c)))
        .collect();
    let chain_variances: Vec<f64> = (0..matrix.num_chains)
        .map(|c| variance(matrix.chain(c), 1.0))
        .collect();
    let between_chain_variance = n * variance(&chain_means, 1.0);
    let within_chain_variance = mean(&chain_variances);
    ((between_chain_variance / within_chain_variance + n - 1.0) / n).sqrt()
}

/// Python's `max(a, b)`: returns `a` unless `b > a`, so a NaN first argument wins.
fn python_max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// ArviZ's `_ess`: effective sample size of a (split) matrix, by Geyer's
/// initial monotone sequence on the multi-chain autocorrelation.
fn ess_of_matrix(matrix: &DrawMatrix) -> f64 {
    if matrix.has_nan() {
        return f64::NAN;
    }
    let size = matrix.values.len();
    let max = matrix
        .values
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max);
    let min = matrix.values.iter().cloned().fold(f64::INFINITY, f64::min);
    // NumPy's float64 `resolution` is 1e-15.
    if max - min < 1e-15 {
        return size as f64;
    }
    let num_chains = matrix.num_chains;
    let n_draw = matrix.num_draws;
    let n = n_draw as f64;
    let autocovariances: Vec<Vec<f64>> = (0..num_chains)
        .map(|c| autocovariance(matrix.chain(c)))
        .collect();
    let mean_autocovariance =
        |lag: usize| autocovariances.iter().map(|acov| acov[lag]).sum::<f64>() / num_chains as f64;
    let chain_means: Vec<f64> = (0..num_chains).map(|c| mean(matrix.chain(c))).collect();
    let mean_var = mean_autocovariance(0) * n / (n - 1.0);
    let mut var_plus = mean_var * (n - 1.0) / n;
    if num_chains > 1 {
        var_plus += variance(&chain_means, 1.0);
    }

    let mut rho_hat_t = vec![0.0; n_draw];
    let mut rho_hat_even = 1.0;
    rho_hat_t[0] = rho_hat_even;
    let mut rho_hat_odd = 1.0 - (mean_var - mean_autocovariance(1)) / var_plus;
    rho_hat_t[1] = rho_hat_odd;

    // Geyer's initial positive sequence.
    let mut t = 1usize;
    while t + 3 < n_draw && (rho_hat_even + rho_hat_odd) > 0.0 {
        rho_hat_even = 1.0 - (mean_var - mean_autocovariance(t + 1)) / var_plus;
        rho_hat_odd = 1.0 - (mean_var - mean_autocovariance(t + 2)) / var_plus;
        if (rho_hat_even + rho_hat_odd) >= 0.0 {
            rho_hat_t[t + 1] = rho_hat_even;
            rho_hat_t[t + 2] = rho_hat_odd;
        }
        t += 2;
    }
    // `t >= 1` always, so `max_t >= -1`; keep it signed as in Python.
    let max_t = t as isize - 2;
    // Improve the estimate with the last positive even term.
    if rho_hat_even > 0.0 {
        rho_hat_t[(max_t + 1) as usize] = rho_hat_even;
    }
    // Geyer's initial monotone sequence.
    let mut t = 1isize;
    while t <= max_t - 2 {
        let u = t as usize;
        if (rho_hat_t[u + 1] + rho_hat_t[u + 2]) > (rho_hat_t[u - 1] + rho_hat_t[u]) {
            rho_hat_t[u + 1] = (rho_hat_t[u - 1] + rho_hat_t[u]) / 2.0;
            rho_hat_t[u + 2] = rho_hat_t[u + 1];
        }
        t += 2;
    }
    let ess = (num_chains * n_draw) as f64;
    // Python slices clip: rho_hat_t[:max_t + 1] and rho_hat_t[max_t + 1:max_t + 2].
    let head_end = ((max_t + 1).max(0) as usize).min(n_draw);
    let head_sum: f64 = rho_hat_t[..head_end].iter().sum();
    let tail_index = (max_t + 1).max(0) as usize;
    let tail_sum = if tail_index < n_draw {
        rho_hat_t[tail_index]
    } else {
        0.0
    };
    let mut tau_hat = -1.0 + 2.0 * head_sum + tail_sum;
    tau_hat = tau_hat.max(1.0 / ess.log10());
    if rho_hat_t.iter().any(|value| value.is_nan()) {
        return f64::NAN;
    }
    ess / tau_hat
}

/// ArviZ's `_ess_mean` on a matrix: split-chain ESS of the raw values.
fn ess_mean_of_matrix(matrix: &DrawMatrix) -> f64 {
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    ess_of_matrix(&matrix.split_chains())
}

/// ESS of the indicator `value <= quantile(prob)` (ArviZ's `_ess_quantile`).
fn ess_quantile_of_matrix(matrix: &DrawMatrix, probability: f64) -> f64 {
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    let threshold = quantile(&matrix.values, probability);
    ess_of_matrix(
        &matrix
            .map(|value| if value <= threshold { 1.0 } else { 0.0 })
            .split_chains(),
    )
}

/// Rank-normalized split R-hat: the larger of the bulk R-hat and the R-hat
/// of the values folded around their median (ArviZ's `method="rank"`).
/// Undefined (NaN) with fewer than 2 chains or 4 draws.
pub fn rhat<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    let matrix = DrawMatrix::from_chains(chains);
    if matrix.not_valid(2) {
        return f64::NAN;
    }
    let split = matrix.split_chains();
    let rhat_bulk = rhat_of_matrix(&split.z_scale());
    let rhat_tail = rhat_of_matrix(&fold_about_median(&split).z_scale());
    python_max(rhat_bulk, rhat_tail)
}

/// Bulk effective sample size: split-chain ESS of the rank-normalized draws.
pub fn ess_bulk<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    let matrix = DrawMatrix::from_chains(chains);
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    ess_of_matrix(&matrix.split_chains().z_scale())
}

/// Tail effective sample size: the smaller ESS of the 5% and 95% quantile indicators.
pub fn ess_tail<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    let matrix = DrawMatrix::from_chains(chains);
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    let low = ess_quantile_of_matrix(&matrix, 0.05);
    let high = ess_quantile_of_matrix(&matrix, 0.95);
    // Python's `min(a, b)`: returns `a` unless `b < a`.
    if high < low {
        high
    } else {
        low
    }
}

/// Effective sample size for the mean: split-chain ESS of the raw draws.
pub fn ess_mean<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    ess_mean_of_matrix(&DrawMatrix::from_chains(chains))
}

/// Monte Carlo standard error of the mean: sd / sqrt(ESS of the mean).
pub fn mcse_mean<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    let matrix = DrawMatrix::from_chains(chains);
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    let ess = ess_mean_of_matrix(&matrix);
    variance(&matrix.values, 1.0).sqrt() / ess.sqrt()
}

/// Monte Carlo standard error of the sd, as ArviZ's `_mcse_sd`: the delta
/// method on the variance of the squared deviations, with their ESS.
pub fn mcse_sd<C: AsRef<[f64]>>(chains: &[C]) -> f64 {
    let matrix = DrawMatrix::from_chains(chains);
    if matrix.not_valid(1) {
        return f64::NAN;
    }
    let center = mean(&matrix.values);
    let squared_deviations = matrix.map(|value| (value - center).powi(2));
    let ess = ess_mean_of_matrix(&squared_deviations);
    let expected_variance = mean(&squared_deviations.values);
    let mean_of_fourth_powers = squared_deviations
        .values
        .iter()
        .map(|value| value * value)
        .sum::<f64>()
        / squared_deviations.values.len() as f64;
    let variance_of_variance = (mean_of_fourth_powers - expected_variance.powi(2)) / ess;
    let variance_of_sd = variance_of_variance / expected_variance / 4.0;
    variance_of_sd.sqrt()
}

/// All the per-quantity numbers of a summary row.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvergenceStats {
    pub mean: f64,
    /// Standard deviation with one degree of freedom removed (ddof = 1).
    pub sd: f64,
    pub mcse_mean: f64,
    pub mcse_sd: f64,
    pub q5: f64,
    pub q50: f64,
    pub q95: f64,
    pub ess_bulk: f64,
    pub ess_tail: f64,
    /// NaN when undefined (a single chain, fewer than 4 draws, a constant).
    pub rhat: f64,
}

impl ConvergenceStats {
    /// Computes every statistic from `draws[chain][draw]`.
    pub fn compute<C: AsRef<[f64]>>(chains: &[C]) -> Self {
        let matrix = DrawMatrix::from_chains(chains);
        let mut sorted = matrix.values.clone();
        sorted.sort_by(f64::total_cmp);
        let (mean_value, sd) = if matrix.values.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            (mean(&matrix.values), variance(&matrix.values, 1.0).sqrt())
        };
        ConvergenceStats {
            mean: mean_value,
            sd,
            mcse_mean: mcse_mean(chains),
            mcse_sd: mcse_sd(chains),
            q5: quantile_of_sorted(&sorted, 0.05),
            q50: quantile_of_sorted(&sorted, 0.5),
            q95: quantile_of_sorted(&sorted, 0.95),
            ess_bulk: ess_bulk(chains),
            ess_tail: ess_tail(chains),
            rhat: rhat(chains),
        }
    }
}

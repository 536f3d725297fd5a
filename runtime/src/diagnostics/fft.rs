//! Autocovariance of a chain by zero-padded FFT, as ArviZ's `autocov` computes it.

/// A complex number kept as a plain pair, enough for the transform below.
#[derive(Clone, Copy, Debug, Default)]
struct Complex {
    re: f64,
    im: f64,
}

/// In-place iterative radix-2 Cooley-Tukey transform; `values.len()` must be a
/// power of two. `inverse` computes the unnormalized inverse transform.
fn fft_in_place(values: &mut [Complex], inverse: bool) {
    let n = values.len();
    if n <= 1 {
        return;
    }
    // Bit-reversal permutation.
    let mut j = 0usize;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            values.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut length = 2;
    while length <= n {
        let angle = sign * 2.0 * std::f64::consts::PI / length as f64;
        let half = length / 2;
        for start in (0..n).step_by(length) {
            for k in 0..half {
                // Computing each twiddle directly keeps the rounding error
                // from growing along the butterfly as a recurrence would.
                let (sin, cos) = (angle * k as f64).sin_cos();
                let a = values[start + k];
                let b = values[start + k + half];
                let t = Complex {
                    re: b.re * cos - b.im * sin,
                    im: b.re * sin + b.im * cos,
                };
                values[start + k] = Complex {
                    re: a.re + t.re,
                    im: a.im + t.im,
                };
                values[start + k + half] = Complex {
                    re: a.re - t.re,
                    im: a.im - t.im,
                };
            }
        }
        length <<= 1;
    }
}

/// Autocovariance of `chain` at every lag `0..n`, divided by `n` (the biased
/// estimator ArviZ uses), after subtracting the chain's mean.
///
/// ArviZ pads to `next_fast_len(2n)`; any padding of at least `2n - 1` gives
/// the same linear autocovariance, so a power of two is used here.
pub fn autocovariance(chain: &[f64]) -> Vec<f64> {
    let n = chain.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = chain.iter().sum::<f64>() / n as f64;
    let padded_len = (2 * n).next_power_of_two();
    let mut buffer = vec![Complex::default(); padded_len];
    for (slot, value) in buffer.iter_mut().zip(chain) {
        slot.re = value - mean;
    }
    fft_in_place(&mut buffer, false);
    for value in buffer.iter_mut() {
        *value = Complex {
            re: value.re * value.re + value.im * value.im,
            im: 0.0,
        };
    }
    fft_in_place(&mut buffer, true);
    let scale = 1.0 / (padded_len as f64 * n as f64);
    buffer[..n].iter().map(|value| value.re * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::autocovariance;

    #[test]
    fn matches_the_direct_sum() {
        let chain: Vec<f64> = (0..37)
            .map(|i| ((i * 7919) % 101) as f64 / 10.0 - 3.0)
            .collect();
        let n = chain.len();
        let mean = chain.iter().sum::<f64>() / n as f64;
        let fast = autocovariance(&chain);
        for lag in 0..n {
            let direct: f64 = (0..n - lag)
                .map(|t| (chain[t] - mean) * (chain[t + lag] - mean))
                .sum::<f64>()
                / n as f64;
            assert!(
                (fast[lag] - direct).abs() < 1e-10,
                "lag {lag}: {} vs {direct}",
                fast[lag]
            );
        }
    }
}

//! ADVI's two Gaussian families on the unconstrained scale: meanfield (mean and log standard deviation per coordinate) and fullrank (mean and Cholesky factor).
//!
//! The variational parameters live in one flat vector, the mean first, so
//! that the step-size sequence and the update work element by element on
//! either family:
//! - meanfield: `mu` (d values), then `omega` (d values), the log standard
//!   deviations; a draw is `mu + exp(omega) .* eta`;
//! - fullrank: `mu` (d values), then the lower triangle of `L` row by row
//!   (`L[i][j]` for `j <= i`, d (d + 1) / 2 values); a draw is `mu + L eta`.
//!
//! `eta` is a vector of independent standard normals. Both start, as Stan's,
//! at the initial point with the identity covariance.

/// Which Gaussian approximates the posterior (`--algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Independent coordinates: a diagonal covariance.
    MeanField,
    /// A full covariance, through its Cholesky factor.
    FullRank,
}

impl Algorithm {
    /// The name CmdStan writes.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::MeanField => "meanfield",
            Algorithm::FullRank => "fullrank",
        }
    }
}

/// Where `L[i][j]` (`j <= i`) sits in the packed lower triangle.
fn tri(i: usize, j: usize) -> usize {
    i * (i + 1) / 2 + j
}

/// A Gaussian approximation on the unconstrained scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Approximation {
    pub algorithm: Algorithm,
    dim: usize,
    /// The mean, then the family's scale parameters (see the module's notes).
    params: Vec<f64>,
}

impl Approximation {
    /// The approximation Stan starts from: mean `x0`, identity covariance.
    pub fn new(algorithm: Algorithm, x0: &[f64]) -> Self {
        let dim = x0.len();
        let mut params = x0.to_vec();
        match algorithm {
            Algorithm::MeanField => params.resize(2 * dim, 0.0),
            Algorithm::FullRank => {
                params.resize(dim + dim * (dim + 1) / 2, 0.0);
                for i in 0..dim {
                    params[dim + tri(i, i)] = 1.0;
                }
            }
        }
        Approximation {
            algorithm,
            dim,
            params,
        }
    }

    /// A meanfield approximation with the given means and standard deviations.
    pub fn meanfield(mu: &[f64], sd: &[f64]) -> Self {
        let mut a = Approximation::new(Algorithm::MeanField, mu);
        for (o, s) in a.params[mu.len()..].iter_mut().zip(sd) {
            *o = s.ln();
        }
        a
    }

    /// A fullrank approximation with the given mean and lower-triangular
    /// Cholesky factor `l` (row-major, `l[i][j]` for `j <= i`; the rest is ignored).
    pub fn fullrank(mu: &[f64], l: &[Vec<f64>]) -> Self {
        let mut a = Approximation::new(Algorithm::FullRank, mu);
        let d = mu.len();
        for i in 0..d {
            for j in 0..=i {
                a.params[d + tri(i, j)] =
                    l.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0.0);
            }
        }
        a
    }

    /// The number of unconstrained coordinates.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The mean (Stan writes the output at it as the CSV's first row).
    pub fn mean(&self) -> &[f64] {
        &self.params[..self.dim]
    }

    /// All variational parameters, flat (the mean first).
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    pub(crate) fn params_mut(&mut self) -> &mut [f64] {
        &mut self.params
    }

    /// Whether every parameter is a finite number.
    pub fn is_finite(&self) -> bool {
        self.params.iter().all(|v| v.is_finite())
    }

    /// The standard deviation of each coordinate.
    pub fn sd(&self) -> Vec<f64> {
        let d = self.dim;
        match self.algorithm {
            Algorithm::MeanField => self.params[d..].iter().map(|o| o.exp()).collect(),
            Algorithm::FullRank => (0..d)
                .map(|i| {
                    (0..=i)
                        .map(|j| self.params[d + tri(i, j)].powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .collect(),
        }
    }

    /// The covariance matrix, row-major.
    pub fn covariance(&self) -> Vec<Vec<f64>> {
        let d = self.dim;
        let mut c = vec![vec![0.0; d]; d];
        match self.algorithm {
            Algorithm::MeanField => {
                for (i, row) in c.iter_mut().enumerate() {
                    row[i] = (2.0 * self.params[d + i]).exp();
                }
            }
            Algorithm::FullRank => {
                for i in 0..d {
                    for k in 0..d {
                        c[i][k] = (0..=i.min(k))
                            .map(|j| self.params[d + tri(i, j)] * self.params[d + tri(k, j)])
                            .sum();
                    }
                }
            }
        }
        c
    }

    /// The point `mu + S eta` for standard normals `eta` (S: the scale).
    pub fn transform(&self, eta: &[f64], zeta: &mut [f64]) {
        let d = self.dim;
        let (mu, scale) = self.params.split_at(d);
        match self.algorithm {
            Algorithm::MeanField => {
                for i in 0..d {
                    zeta[i] = mu[i] + scale[i].exp() * eta[i];
                }
            }
            Algorithm::FullRank => {
                for i in 0..d {
                    let row = &scale[tri(i, 0)..=tri(i, i)];
                    zeta[i] = mu[i] + row.iter().zip(eta).map(|(l, e)| l * e).sum::<f64>();
                }
            }
        }
    }

    /// The entropy of the Gaussian: d (1 + log 2 pi) / 2 plus the log
    /// determinant of the scale (as Stan, a zero diagonal entry of `L` adds nothing).
    pub fn entropy(&self) -> f64 {
        let d = self.dim;
        let constant = 0.5 * d as f64 * (1.0 + (2.0 * std::f64::consts::PI).ln());
        let log_det: f64 = match self.algorithm {
            Algorithm::MeanField => self.params[d..].iter().sum(),
            Algorithm::FullRank => (0..d)
                .map(|i| self.params[d + tri(i, i)].abs())
                .filter(|v| *v != 0.0)
                .map(f64::ln)
                .sum(),
        };
        constant + log_det
    }

    /// The log density of a draw made from `eta`, up to a constant (Stan's
    /// `log_g__`): the standard normal kernel of `eta`.
    pub fn log_g(eta: &[f64]) -> f64 {
        -0.5 * eta.iter().map(|e| e * e).sum::<f64>()
    }

    /// Adds one draw's contribution to the ELBO gradient: `g` is the log
    /// density's gradient at the point made from `eta`. By the
    /// reparameterization, d/dmu = g and d/dscale = g eta' (for meanfield
    /// times the standard deviation, applied in `finish_gradient`).
    pub(crate) fn accumulate_gradient(&self, g: &[f64], eta: &[f64], grad: &mut [f64]) {
        let d = self.dim;
        let (mu_grad, scale_grad) = grad.split_at_mut(d);
        for (m, gi) in mu_grad.iter_mut().zip(g) {
            *m += gi;
        }
        match self.algorithm {
            Algorithm::MeanField => {
                for i in 0..d {
                    scale_grad[i] += g[i] * eta[i];
                }
            }
            Algorithm::FullRank => {
                for i in 0..d {
                    let row = &mut scale_grad[tri(i, 0)..=tri(i, i)];
                    for (slot, e) in row.iter_mut().zip(eta) {
                        *slot += g[i] * e;
                    }
                }
            }
        }
    }

    /// Turns the sum of `n` draws' contributions into the ELBO's gradient:
    /// the average, the chain rule for omega = log sd, and the entropy's gradient.
    pub(crate) fn finish_gradient(&self, n: usize, grad: &mut [f64]) {
        let d = self.dim;
        let n = n.max(1) as f64;
        grad.iter_mut().for_each(|v| *v /= n);
        let (_, scale_grad) = grad.split_at_mut(d);
        match self.algorithm {
            Algorithm::MeanField => {
                for (gs, omega) in scale_grad.iter_mut().zip(&self.params[d..]) {
                    *gs = *gs * omega.exp() + 1.0;
                }
            }
            Algorithm::FullRank => {
                for i in 0..d {
                    scale_grad[tri(i, i)] += 1.0 / self.params[d + tri(i, i)];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_families_start_at_the_identity_and_agree_there() {
        let x0 = [0.5, -1.0, 2.0];
        let mf = Approximation::new(Algorithm::MeanField, &x0);
        let fr = Approximation::new(Algorithm::FullRank, &x0);
        assert_eq!(mf.params().len(), 6);
        assert_eq!(fr.params().len(), 3 + 6);
        assert_eq!(mf.covariance(), fr.covariance());
        assert!((mf.entropy() - fr.entropy()).abs() < 1e-15);
        let eta = [0.3, -0.2, 1.1];
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        mf.transform(&eta, &mut a);
        fr.transform(&eta, &mut b);
        assert_eq!(a, b);
        assert_eq!(a, [0.8, -1.2, 3.1]);
    }

    #[test]
    fn the_fullrank_covariance_is_l_l_transpose() {
        let fr = Approximation::fullrank(&[0.0, 0.0], &[vec![2.0], vec![0.6, 0.8]]);
        let c = fr.covariance();
        assert!(
            (c[0][0] - 4.0).abs() < 1e-15
                && (c[0][1] - 1.2).abs() < 1e-15
                && (c[1][1] - 1.0).abs() < 1e-15
        );
        assert_eq!(c[0][1], c[1][0]);
        let gaussian_entropy =
            0.5 * 2.0 * (1.0 + (2.0 * std::f64::consts::PI).ln()) + (2.0f64 * 0.8).ln();
        assert!((fr.entropy() - gaussian_entropy).abs() < 1e-14);
        assert!((fr.sd()[1] - 1.0).abs() < 1e-15);
    }
}

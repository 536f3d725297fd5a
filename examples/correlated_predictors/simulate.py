"""Simulates the correlated-predictors example; writes data.json and truth.json.

Three correlated predictors x (means mu_x, covariance Sigma_x) are measured on
G = 16 groups of 100 observations each. The outcome is

    y = alpha + a[group] + x . beta + noise,

so the slopes beta (which have nothing to do with the predictors' means) enter
the outcome: forgetting the `x @ beta` term is one of the classic mistakes.
"""
import json
import numpy as np

SEED = 20260707
rng = np.random.default_rng(SEED)

G, n_per_group, K = 16, 100, 3
N = G * n_per_group
mu_x = np.array([1.0, -2.0, 0.5])
Sigma_x = np.array([[1.0, -0.3, 0.0],
                    [-0.3, 1.0, 0.6],
                    [0.0, 0.6, 1.0]])
tau_x = np.sqrt(np.diag(Sigma_x))
Omega_x = Sigma_x / np.outer(tau_x, tau_x)

alpha = 1.5                          # outcome intercept
beta = np.array([0.8, -0.5, 0.3])    # slopes: deliberately not the predictors' means
sigma_group = 0.7                    # sd of the group intercepts
sigma = 1.2                          # residual sd

group = np.repeat(np.arange(1, G + 1), n_per_group)
a = rng.normal(0.0, sigma_group, size=G)
x = rng.multivariate_normal(mu_x, Sigma_x, size=N)
y = alpha + a[group - 1] + x @ beta + rng.normal(0.0, sigma, size=N)

data = {
    "N": N, "K": K, "G": G,
    "group": group.tolist(),
    "x": x.round(4).tolist(),
    "y": y.round(4).tolist(),
}
truth = {
    "seed": SEED,
    "mu_x": mu_x.tolist(),
    "tau_x": tau_x.tolist(),
    "Omega_x": Omega_x.tolist(),
    "alpha": alpha,
    "beta": beta.tolist(),
    "sigma_group": sigma_group,
    "sigma": sigma,
    "a": a.round(6).tolist(),
}
with open("data.json", "w") as f:
    json.dump(data, f, separators=(",", ":"))
    f.write("\n")
with open("truth.json", "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")

"""Simulates the varying-slopes example; writes data.json and truth.json.

J = 20 groups, each with its own intercept a[j] and slope b[j], drawn from a
bivariate normal with means (mu_a, mu_b), sds (tau_a, tau_b) and correlation
rho = 0.5. Each group has only a few observations, so the data alone pin down
no group's line well: the population parameters do much of the work, and the
geometry of the posterior depends on how the model is written.
"""
import json
import numpy as np

SEED = 1
rng = np.random.default_rng(SEED)

J, n_per_group = 20, 6
mu_a, mu_b = 1.0, -0.5          # population mean intercept and slope
tau_a, tau_b = 0.8, 0.4         # population sds of intercepts and slopes
rho = 0.5                        # correlation of intercepts and slopes
sigma = 1.0                      # residual sd

Sigma = np.array([[tau_a**2, rho * tau_a * tau_b],
                  [rho * tau_a * tau_b, tau_b**2]])
ab = rng.multivariate_normal([mu_a, mu_b], Sigma, size=J)
N = J * n_per_group
group = np.repeat(np.arange(1, J + 1), n_per_group)
x = rng.normal(0.0, 1.0, size=N)
y = ab[group - 1, 0] + ab[group - 1, 1] * x + rng.normal(0.0, sigma, size=N)

data = {"N": N, "J": J, "group": group.tolist(),
        "x": x.round(4).tolist(), "y": y.round(4).tolist()}
truth = {"seed": SEED, "mu_a": mu_a, "mu_b": mu_b, "tau_a": tau_a, "tau_b": tau_b,
         "rho": rho, "sigma": sigma,
         "a": ab[:, 0].round(6).tolist(), "b": ab[:, 1].round(6).tolist()}
with open("data.json", "w") as f:
    json.dump(data, f, separators=(",", ":"))
    f.write("\n")
with open("truth.json", "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")

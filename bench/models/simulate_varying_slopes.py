#!/usr/bin/env python3
"""Data for examples/varying_slopes/varying_slopes_noncentered.cmod at the size
of ../shared/stan/README.md's "correlated varying intercepts and slopes": J = 20
groups x 50 observations (the example's own data.json has 6 per group). Same
generative model and values as examples/varying_slopes/simulate.py (means 1 and
-0.5, sds 0.8 and 0.4, correlation 0.5, residual sd 1), fixed seed.

    python3 bench/models/simulate_varying_slopes.py OUT.json
"""

import json
import sys

import numpy as np

if len(sys.argv) != 2:
    sys.exit(__doc__)
rng = np.random.default_rng(1)
J, n_per_group = 20, 50
mu_a, mu_b, tau_a, tau_b, rho, sigma = 1.0, -0.5, 0.8, 0.4, 0.5, 1.0
Sigma = np.array([[tau_a**2, rho * tau_a * tau_b], [rho * tau_a * tau_b, tau_b**2]])
ab = rng.multivariate_normal([mu_a, mu_b], Sigma, size=J)
N = J * n_per_group
group = np.repeat(np.arange(1, J + 1), n_per_group)
x = rng.normal(0.0, 1.0, size=N)
y = ab[group - 1, 0] + ab[group - 1, 1] * x + rng.normal(0.0, sigma, size=N)
with open(sys.argv[1], "w") as f:
    json.dump({"N": N, "J": J, "group": group.tolist(), "x": x.round(4).tolist(), "y": y.round(4).tolist()}, f)

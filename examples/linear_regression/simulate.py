"""Simulates the data of the linear regression example; writes data.json and truth.json."""
import json
import numpy as np

rng = np.random.default_rng(20261122)
N, K = 100, 3
alpha, beta, sigma = 1.5, [0.8, -1.2, 0.3], 0.7
X = rng.normal(size=(N, K))
y = alpha + X @ np.array(beta) + rng.normal(scale=sigma, size=N)
json.dump({"N": N, "K": K, "X": X.round(6).tolist(), "y": y.round(6).tolist()}, open("data.json", "w"), indent=1)
json.dump({"seed": 20261122, "alpha": alpha, "beta": beta, "sigma": sigma}, open("truth.json", "w"), indent=1)

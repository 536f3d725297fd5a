"""Simulates the data of the logistic regression example; writes data.json and truth.json."""
import json
import numpy as np

rng = np.random.default_rng(7)
N, K = 400, 2
alpha, beta = -0.5, [1.0, -2.0]
X = rng.normal(size=(N, K))
p = 1 / (1 + np.exp(-(alpha + X @ np.array(beta))))
y = (rng.uniform(size=N) < p).astype(int)
json.dump({"N": N, "K": K, "X": X.round(6).tolist(), "y": y.tolist()}, open("data.json", "w"), indent=1)
json.dump({"seed": 7, "alpha": alpha, "beta": beta}, open("truth.json", "w"), indent=1)

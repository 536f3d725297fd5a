"""Simulates the data of the Poisson regression example; writes data.json and truth.json."""
import json
import numpy as np

rng = np.random.default_rng(11)
N = 200
alpha, beta = 0.5, 0.8
x = rng.normal(size=N)
exposure = rng.uniform(0.5, 2.0, size=N)
y = rng.poisson(exposure * np.exp(alpha + beta * x))
json.dump({"N": N, "x": x.round(6).tolist(), "exposure": exposure.round(6).tolist(), "y": y.tolist()}, open("data.json", "w"), indent=1)
json.dump({"seed": 11, "alpha": alpha, "beta": beta}, open("truth.json", "w"), indent=1)

"""Simulates the ragged-groups example; writes data.json and truth.json.

J = 12 groups of unequal sizes (one of them empty), observations stored
group after group in one vector with the sizes in s, as Stan's User's Guide
stores ragged data. Each group has its own mean a[j] ~ normal(mu, tau), and
observations y ~ normal(a[j], sigma).
"""
import json
import numpy as np

SEED = 7
rng = np.random.default_rng(SEED)

s = [9, 3, 0, 14, 6, 1, 22, 5, 8, 2, 11, 4]   # group sizes; group 3 has no data
J = len(s)
mu, tau, sigma = 2.0, 1.2, 0.8
a = rng.normal(mu, tau, size=J)
y = np.concatenate([rng.normal(a[j], sigma, size=n) for j, n in enumerate(s)])

data = {"J": J, "s": s, "N": int(sum(s)), "y": y.round(4).tolist()}
truth = {"seed": SEED, "mu": mu, "tau": tau, "sigma": sigma, "a": a.round(6).tolist()}
with open("data.json", "w") as f:
    json.dump(data, f, separators=(",", ":"))
    f.write("\n")
with open("truth.json", "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")

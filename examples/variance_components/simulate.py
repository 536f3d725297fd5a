"""Simulates the variance-components example; writes three data files and truth.json.

1. Three variables, N rows, unit variances, corr(y1, y2) = r1 = 0.5, and y3
   independent of both. In long format, y1 and y2 of a row share a `pair`
   (a group of two observations); y3 of a row is a group of its own.
   -> data_three_long.json

2. Four variables, N rows, unit variances, corr(y1, y2) = r1 = 0.2 and
   corr(y3, y4) = r2 = 0.8, the two pairs independent of each other.
   Long format (groups 1..N are the rows' (y1, y2) pairs, groups N+1..2N
   their (y3, y4) pairs; `kind` says which) -> data_four_long.json;
   wide format, the same numbers -> data_four_wide.json.
"""
import json
import numpy as np

SEED = 20260710
rng = np.random.default_rng(SEED)


def bivariate(r, n):
    """n draws of a standard bivariate normal with correlation r."""
    return rng.multivariate_normal([0.0, 0.0], [[1.0, r], [r, 1.0]], size=n)


def dump(obj, name):
    with open(name, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


# Part 1: three variables.
N3, r_three = 200, 0.5
y12 = bivariate(r_three, N3)
y3 = rng.normal(size=N3)
y, pair = [], []
for i in range(N3):
    y += [y12[i, 0], y12[i, 1], y3[i]]
    pair += [i + 1, i + 1, N3 + i + 1]
dump({"M": 3 * N3, "G": 2 * N3, "y": np.round(y, 4).tolist(), "pair": pair},
     "data_three_long.json")

# Part 2: four variables.
N4, r1, r2 = 250, 0.2, 0.8
y12 = bivariate(r1, N4)
y34 = bivariate(r2, N4)
y, pair = [], []
for i in range(N4):
    y += [y12[i, 0], y12[i, 1], y34[i, 0], y34[i, 1]]
    pair += [i + 1, i + 1, N4 + i + 1, N4 + i + 1]
kind = [1] * N4 + [2] * N4
dump({"M": 4 * N4, "G": 2 * N4, "y": np.round(y, 4).tolist(), "pair": pair, "kind": kind},
     "data_four_long.json")
dump({"N": N4, "y12": y12.round(4).tolist(), "y34": y34.round(4).tolist()},
     "data_four_wide.json")

truth = {
    "seed": SEED,
    "three": {"N": N3, "mu": 0.0, "r1": r_three, "var_pair": r_three,
              "var_resid": 1.0 - r_three},
    "four": {"N": N4, "mu": 0.0, "r1": r1, "r2": r2},
}
with open("truth.json", "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")

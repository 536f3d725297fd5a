#!/usr/bin/env python3
"""Data for bench/models/*_k10.cmod: N = 5000 observations of K = 10
standard-normal predictors and a 0/1 outcome from a logistic model (fixed seed).

    python3 bench/models/simulate.py OUT.json
"""

import json
import math
import random
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
random.seed(3)
N, K = 5000, 10
X = [[random.gauss(0, 1) for _ in range(K)] for _ in range(N)]
beta = [random.gauss(0, 0.5) for _ in range(K)]
y = [
    1 if random.random() < 1 / (1 + math.exp(-(0.3 + sum(x[k] * beta[k] for k in range(K))))) else 0
    for x in X
]
with open(sys.argv[1], "w") as f:
    json.dump({"N": N, "K": K, "X": X, "y": y}, f)

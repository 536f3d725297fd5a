#!/usr/bin/env python3
"""Benchmark, not a test: ESS per gradient of cmod's two warmup adaptations.

    python3 bench/adaptation.py [--seeds 3] [--models NAME,...] [--variants stan,gradient,low-rank]
                                [--cmod PATH] [--json FILE]

For every posteriordb posterior in ../shared/posteriordb (the model in
examples/posteriordb named after the part of the folder name after the
dash) and the hierarchical benchmark models (bench/models, examples/), runs
`cmod run` with each variant of warmup (`stan`: `--adaptation stan --metric
diag`; `gradient`: `--adaptation gradient --metric diag`; `low-rank`:
`--adaptation gradient --metric low-rank`), 4 chains x (1000 warmup + 1000
draws), the same seeds for each, and reports per model:

- the minimum bulk-ESS over every non-sampler column that is not constant
  (ArviZ's `ess(method="bulk")`, the same code for both);
- the gradient evaluations of the whole run (sum of n_leapfrog__ over
  warmup and sampling, from CSVs written with --save-warmup) and of the
  sampling phase alone;
- bulk-ESS per 1000 gradients, both ways, for each seed, and the ratio
  gradient / stan of the means over seeds, with the seed-to-seed spread
  (the smallest and largest ratio of one seed's values).

Chains run two at a time (ESS per gradient does not depend on it). Needs
numpy and arviz in the Python that runs it (`pip install arviz`), and builds
cmod with `cargo build --release` unless --cmod is given.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CACHE = os.path.join(os.path.dirname(REPO), ".cache", "cmod-adaptation")


def benchmark_models():
    """(name, model path, data path) of every model compared."""
    models = []
    for folder in sorted(glob.glob(os.path.join(SHARED, "posteriordb", "*-*"))):
        name = os.path.basename(folder).split("-", 1)[1]
        model = os.path.join(REPO, "examples", "posteriordb", name + ".cmod")
        if os.path.exists(model):
            models.append((name, model, os.path.join(folder, "data.json")))
    os.makedirs(CACHE, exist_ok=True)
    logistic = os.path.join(CACHE, "logistic.json")
    varying = os.path.join(CACHE, "varying_slopes_20x50.json")
    if not os.path.exists(logistic):
        subprocess.run([sys.executable, os.path.join(HERE, "models", "simulate.py"), logistic], check=True)
    if not os.path.exists(varying):
        subprocess.run(
            [sys.executable, os.path.join(HERE, "models", "simulate_varying_slopes.py"), varying], check=True
        )
    models += [
        ("logistic_k10", os.path.join(HERE, "models", "logistic_k10.cmod"), logistic),
        (
            "varying_slopes_20x50",
            os.path.join(REPO, "examples", "varying_slopes", "varying_slopes_noncentered.cmod"),
            varying,
        ),
        (
            "correlated_predictors",
            os.path.join(REPO, "examples", "correlated_predictors", "correlated_predictors_cholesky.cmod"),
            os.path.join(REPO, "examples", "correlated_predictors", "data.json"),
        ),
    ]
    return models


def read_csv(path):
    """Column names, the warmup rows and the sampling rows of one Stan CSV."""
    names, rows, num_warmup = None, [], None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                text = line[1:].strip()
                if text.startswith("num_warmup = "):
                    num_warmup = int(text.split("=")[1].split()[0])
                continue
            if names is None:
                names = line.strip().split(",")
            elif line.strip():
                rows.append([float(x) for x in line.split(",")])
    return names, rows[:num_warmup], rows[num_warmup:]


VARIANTS = {
    "stan": ["--adaptation", "stan", "--metric", "diag"],
    "gradient": ["--adaptation", "gradient", "--metric", "diag"],
    "low-rank": ["--adaptation", "gradient", "--metric", "low-rank"],
}


def measure(cmod, model, data, seed, variant, extra):
    import arviz as az
    import numpy as np

    with tempfile.TemporaryDirectory() as out:
        command = [
            cmod, "run", model, "--data", data, "--seed", str(seed), "--quiet", "--save-warmup",
            "--parallel-chains", "2", "--output-dir", out, *VARIANTS[variant], *extra,
        ]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        chains = [read_csv(p) for p in sorted(glob.glob(os.path.join(out, "*.csv")))]
    names = chains[0][0]
    leapfrog = names.index("n_leapfrog__")
    warmup_gradients = sum(row[leapfrog] for _, warmup, _ in chains for row in warmup)
    sampling_gradients = sum(row[leapfrog] for _, _, sampling in chains for row in sampling)
    draws = np.array([[row for row in sampling] for _, _, sampling in chains])  # chain, draw, column
    min_ess, worst = float("inf"), None
    for j, name in enumerate(names):
        if name.endswith("__"):
            continue
        column = draws[:, :, j]
        if np.ptp(column) == 0 or not np.all(np.isfinite(column)):
            continue
        ess = float(az.ess(column, method="bulk"))
        if ess < min_ess:
            min_ess, worst = ess, name
    step_size = statistics.mean(chain[2][0][names.index("stepsize__")] for chain in chains)
    return {
        "min_bulk_ess": min_ess,
        "worst": worst,
        "gradients": warmup_gradients + sampling_gradients,
        "sampling_gradients": sampling_gradients,
        "ess_per_1000": 1000 * min_ess / (warmup_gradients + sampling_gradients),
        "ess_per_1000_sampling": 1000 * min_ess / sampling_gradients,
        "step_size": step_size,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--models", default="", help="comma-separated names (default: all)")
    parser.add_argument("--variants", default="stan,gradient,low-rank")
    parser.add_argument("--cmod", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    cmod = args.cmod
    if cmod is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "cmod"], cwd=REPO, check=True)
        cmod = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "cmod")
    wanted = [m for m in args.models.split(",") if m]
    models = [m for m in benchmark_models() if not wanted or m[0] in wanted]
    results = {}
    variants = args.variants.split(",")
    print("| model | warmup | bulk-ESS per 1000 gradients, whole run (per seed) | sampling phase only | gradients (thousands) | min bulk-ESS | step size |")
    print("|---|---|---|---|---|---|---|")
    for name, model, data in models:
        # posteriordb's own adapt_delta where it raised it, as `cmod validate` runs.
        info_path = os.path.join(os.path.dirname(data), "reference_info.json")
        info = json.load(open(info_path)) if os.path.exists(info_path) else {}
        control = info.get("inference", {}).get("method_arguments", {}).get("control", {})
        extra = ["--adapt-delta", str(control["adapt_delta"])] if "adapt_delta" in control else []
        results[name] = {}
        for variant in variants:
            runs = [measure(cmod, model, data, args.first_seed + k, variant, extra) for k in range(args.seeds)]
            results[name][variant] = runs
            def joined(key, form, scale=1.0):
                return ", ".join(format(r[key] * scale, form) for r in runs)

            print(
                f"| {name} | {variant} | {joined('ess_per_1000', '.1f')} | "
                f"{joined('ess_per_1000_sampling', '.1f')} | {joined('gradients', '.0f', 1e-3)} | "
                f"{joined('min_bulk_ess', '.0f')} | {joined('step_size', '.3g')} |",
                flush=True,
            )
    print()
    base = variants[0]
    for variant in variants[1:]:
        print(f"| model | {variant} / {base}, ESS per gradient (whole run): ratio of means | per-seed ratios |")
        print("|---|---:|---|")
        ratios = []
        for name, by in results.items():
            first = [r["ess_per_1000"] for r in by[base]]
            other = [r["ess_per_1000"] for r in by[variant]]
            ratio = statistics.mean(other) / statistics.mean(first)
            ratios.append(ratio)
            per_seed = ", ".join(f"{o / f:.2f}" for o, f in zip(other, first))
            print(f"| {name} | {ratio:.2f} | {per_seed} |")
        print(f"\nmedian ratio over {len(ratios)} models: {statistics.median(ratios):.2f}\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

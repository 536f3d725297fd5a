#!/usr/bin/env python3
"""Validation, not a benchmark: cmod's NUTS against Stan's with the same
tuning. Both run a model with the same fixed step size and diagonal inverse
metric and no adaptation, and the distributions of their tree depths and
leapfrog steps per draw are compared. With the tuning fixed these depend
only on the algorithm (trajectory building, the U-turn criterion,
divergences), not on how warmup adapted.

    python3 bench/nuts_vs_stan.py MODEL.cmod DATA.json [--chains 4] [--warmup 1000] [--samples 1000] [--seed 1]

The tuning is what cmod's own warmup settles on for chain 1 (a run with the
same seed), and every chain of both starts from that run's last draw (by
parameter name, as an inits file); the fixed-tuning runs then make
`--warmup` iterations without adapting before keeping `--samples` draws per
chain. Stan runs through stan/fixed_tuning_harness.cpp
(stan::services::sample::hmc_nuts_diag_e), built as stan_grad.py builds its
harness. cmod is built with `cargo build --release` (honouring
CARGO_TARGET_DIR). Prints a table and one JSON line.
"""

import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import stan_grad  # noqa: E402  (the build and the virtual environment)

HARNESS = os.path.join(HERE, "stan", "fixed_tuning_harness.cpp")


def cmod_binary():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "cmod"], cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "release", "cmod")


def read_csv(path):
    """(comment lines, rows of the sampler columns) of a Stan CSV file."""
    comments, rows, header = [], [], None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                comments.append(line[1:].strip())
            elif header is None:
                header = line.strip().split(",")
            elif line.strip():
                rows.append([float(x) for x in line.split(",")[:7]])
    return comments, rows


def tuning_from(comments):
    """The adapted step size and diagonal inverse metric in a CSV's comments."""
    step = next(float(c.split("=")[1]) for c in comments if c.startswith("Step size"))
    at = next(i for i, c in enumerate(comments) if "Diagonal elements" in c)
    return step, [float(x) for x in comments[at + 1].split(",")]


def parameter_names(model):
    """The model's parameters, in order, from stanc --info."""
    info = subprocess.run([os.path.join(stan_grad.httpstan_dir(), "stanc"), "--info", model],
                          capture_output=True, text=True, check=True).stdout
    return list(json.loads(info)["parameters"])


def inits_from_last_draw(path, names):
    """A Stan inits file's contents: the parameters' values in the last row of a CSV."""
    header, last = None, None
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            if header is None:
                header = line.strip().split(",")
            else:
                last = [float(x) for x in line.split(",")]
    inits = {}
    for name in names:
        cells = {}
        for column, value in zip(header, last):
            parts = column.split(".")
            if parts[0] == name:
                cells[tuple(int(p) for p in parts[1:])] = value
        if () in cells:
            inits[name] = cells[()]
            continue
        dims = [max(index[k] for index in cells) for k in range(len(next(iter(cells))))]

        def nested(prefix):
            depth = len(prefix)
            if depth == len(dims):
                return cells[tuple(prefix)]
            return [nested(prefix + [i]) for i in range(1, dims[depth] + 1)]

        inits[name] = nested([])
    return inits


def summarize(chains):
    """Mean leapfrog steps with a standard error from the chain means, and depth frequencies."""
    means = [sum(c["n_leapfrog"]) / len(c["n_leapfrog"]) for c in chains]
    mean = sum(means) / len(means)
    spread = math.sqrt(sum((m - mean) ** 2 for m in means) / max(len(means) - 1, 1))
    depths = [d for c in chains for d in c["depth"]]
    frequencies = {d: depths.count(d) / len(depths) for d in sorted(set(depths))}
    divergent = sum(sum(c["divergent"]) for c in chains)
    return {"mean_n_leapfrog": mean, "se": spread / math.sqrt(len(means)),
            "mean_depth": sum(depths) / len(depths), "depths": frequencies,
            "divergent": divergent, "draws": len(depths)}


def main(argv):
    opts = {"--chains": "4", "--warmup": "1000", "--samples": "1000", "--seed": "1"}
    args, i = [], 0
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        sys.exit(__doc__)
    model, data = (os.path.abspath(a) for a in args)
    chains, seed = int(opts["--chains"]), opts["--seed"]
    cmod = cmod_binary()
    with tempfile.TemporaryDirectory() as d:
        adapt_dir = os.path.join(d, "adapt")
        subprocess.run([cmod, "run", model, "--data", data, "--seed", seed, "--chains", "1",
                        "--output-dir", adapt_dir, "--quiet"], check=True)
        csv = os.path.join(adapt_dir, os.listdir(adapt_dir)[0])
        step, inverse = tuning_from(read_csv(csv)[0])
        metric = os.path.join(d, "metric.json")
        with open(metric, "w") as f:
            json.dump({"inv_metric": inverse}, f)
        # Both start where cmod's warmup ended: without adaptation a chain
        # started far out may never move at a step size tuned for the posterior.
        stan_file = os.path.join(d, "model.stan")
        with open(model) as src, open(stan_file, "w") as dst:
            dst.write(src.read())
        inits = os.path.join(d, "inits.json")
        with open(inits, "w") as f:
            json.dump(inits_from_last_draw(csv, parameter_names(stan_file)), f)

        fixed_dir = os.path.join(d, "fixed")
        subprocess.run([cmod, "run", model, "--data", data, "--seed", seed, "--chains", str(chains),
                        "--iter-warmup", opts["--warmup"], "--iter-sampling", opts["--samples"],
                        "--step-size", repr(step), "--inv-metric", metric, "--adapt-engaged", "false",
                        "--inits", inits,
                        "--output-dir", fixed_dir, "--quiet"], check=True)
        ours = []
        for name in sorted(os.listdir(fixed_dir)):
            rows = read_csv(os.path.join(fixed_dir, name))[1]
            ours.append({"depth": [r[3] for r in rows], "n_leapfrog": [r[4] for r in rows],
                         "divergent": [r[5] for r in rows]})

        binary, _ = stan_grad.build(model, HARNESS)
        theirs = []
        for chain in range(1, chains + 1):
            out = subprocess.run([binary, data, metric, inits, repr(step), opts["--warmup"], opts["--samples"],
                                  seed, str(chain)], capture_output=True, text=True, check=True).stdout
            rows = [[float(x) for x in line.split()] for line in out.splitlines() if line.strip()]
            theirs.append({"depth": [r[0] for r in rows], "n_leapfrog": [r[1] for r in rows],
                           "divergent": [r[2] for r in rows]})

    result = {"model": os.path.basename(model), "step_size": step, "dimension": len(inverse),
              "cmod": summarize(ours), "stan": summarize(theirs)}
    a, b = result["cmod"], result["stan"]
    z = (a["mean_n_leapfrog"] - b["mean_n_leapfrog"]) / math.sqrt(a["se"] ** 2 + b["se"] ** 2 or 1e-300)
    result["z_mean_n_leapfrog"] = z
    print(f"{result['model']}: step size {step:.4g}, dimension {len(inverse)}, "
          f"{chains} chains x ({opts['--warmup']} unadapted warmup + {opts['--samples']} draws)")
    for who, s in (("cmod", a), ("Stan", b)):
        depths = ", ".join(f"{int(k)}: {v:.3f}" for k, v in s["depths"].items())
        print(f"  {who:5} mean n_leapfrog {s['mean_n_leapfrog']:7.2f} (se {s['se']:.2f}), "
              f"mean depth {s['mean_depth']:.3f}, divergent {s['divergent']}; depths {depths}")
    print(f"  difference in mean n_leapfrog: z = {z:.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Stan's NUTS sampler on one model: gradient evaluations, time, and (with
--callgrind) the sampler's own instructions per gradient evaluation.

    python3 bench/stan_sampler.py MODEL.cmod DATA.json [--warmup 1000] [--samples 1000] [--seed 1] [--callgrind]

Builds Stan's C++ for the model with stan/sampler_harness.cpp (one chain,
diagonal metric, CmdStan's defaults, draws computed but only counted) the
way stan_grad.py builds its gradient harness (same virtual environment and
build cache). With --callgrind the chain runs under valgrind's callgrind and
the instructions of the whole sampling call are split into the model's
gradient (`stan::model::gradient`, inclusive: the autodiff sweeps too)
and the rest: the sampler, adaptation and draws (generated quantities
included), the same split `bench_sampler` makes for cmod. Prints one JSON
object.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stan_grad  # noqa: E402  (the build and the virtual environment)

HARNESS = os.path.join(HERE, "stan", "sampler_harness.cpp")


def inclusive_instructions(callgrind_out, pattern):
    """The largest inclusive instruction count of a function whose name matches `pattern`."""
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", callgrind_out],
        capture_output=True, text=True, check=True,
    ).stdout
    best = 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$", line)
        if m and re.search(pattern, m.group(2)):
            best = max(best, int(m.group(1).replace(",", "")))
    return best


def main(argv):
    opts = {"--warmup": "1000", "--samples": "1000", "--seed": "1"}
    args = []
    i = 0
    callgrind = False
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i] == "--callgrind":
            callgrind = True
            i += 1
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        sys.exit(__doc__)
    model, data = args
    binary, info = stan_grad.build(model, HARNESS)
    run = [binary, data, opts["--warmup"], opts["--samples"], opts["--seed"]]
    if not callgrind:
        out = subprocess.run(run, capture_output=True, text=True, check=True)
        print(json.dumps({"compile": info, **json.loads(out.stdout)}))
        return
    with tempfile.TemporaryDirectory() as d:
        cg = os.path.join(d, "callgrind.out")
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-instr=no", f"--callgrind-out-file={cg}", *run],
            capture_output=True, text=True, check=True,
        )
        result = json.loads(out.stdout)
        total = inclusive_instructions(cg, r"stan::services::sample::hmc_nuts_diag_e_adapt<")
        gradient = inclusive_instructions(cg, r"void stan::model::gradient<")
    n = max(result["gradient_evaluations"], 1)
    result.update(
        {
            "instructions_sampling_call": total,
            "instructions_gradient": gradient,
            "gradient_instructions_per_evaluation": gradient / n,
            "sampler_instructions_per_evaluation": (total - gradient) / n,
            "sampler_share": (total - gradient) / max(total, 1),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
